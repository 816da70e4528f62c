//! Defines the values of GitHub's expression language and everything they mean, independent of
//! any syntax: the six kinds of [`Value`], their coercions (truthiness, to number, to string),
//! GitHub's loose equality and ordering ([`compare`]), number parsing and formatting, JSON text,
//! property and index access with the object filter `*`, the built-in functions that work on
//! evaluated arguments ([`builtins`]), and memory accounted as GitHub's runner counts it
//! ([`Memory`]). It exists so that `w3-dsl`'s tree-walking evaluator and `w3-vm`'s bytecode
//! interpreter share one implementation of these semantics and cannot drift apart, while the VM
//! never sees the expression syntax. Everything here is deterministic on every machine (no
//! platform `printf`, no hash-order iteration), does no IO, and never panics on any input.
//!
//! ```
//! use w3_value::{builtins, compare, property, CompareOp, Memory, Value};
//!
//! let github = Value::from(serde_json::json!({"ref": "refs/heads/main", "run_attempt": "2"}));
//! let attempt = property(&github, "RUN_ATTEMPT");
//! assert!(compare(CompareOp::Gt, &attempt, &Value::from(1.0)));
//! let memory = Memory::default();
//! let text = builtins::format(&[Value::from("attempt {0}"), attempt], &memory)?;
//! assert_eq!(text, Value::from("attempt 2"));
//! # Ok::<(), w3_value::ValueError>(())
//! ```

mod access;
pub mod builtins;
mod compare;
mod error;
mod json;
pub mod matrix;
mod memory;
mod number;
pub mod text;
mod value;

pub use access::{access, filter, index, property, Key};
pub use builtins::{call, BuiltinFunction, Held};
pub use compare::{compare, compare_numbers, loose_cmp, loose_eq, CompareOp};
pub use error::ValueError;
pub use json::{parse_json, to_json_text, JsonStyle, NonFinite};
pub use memory::{size_of, string_size, Mark, Memory, StringBuilder, DEFAULT_MAX_MEMORY};
pub use number::{js_number_to_string, number_to_string, parse_number};
pub use text::{cmp_ignore_case, eq_ignore_case};
pub use value::{Array, Object, Value, ValueKind};
