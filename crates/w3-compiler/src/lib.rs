//! Layer 2 of w3: turns workflows and expressions, once, at deploy time, into bytecode modules
//! for the VM. No template is parsed or evaluated at run time: every `${{ }}` becomes
//! instructions here, and every effect leaves through `HostCall`.
//!
//! Compilation is deterministic: the same source gives byte-identical modules (strings and
//! constants are interned in first-use order, nothing depends on hash order, time or paths).

mod error;
mod expr;
pub mod matrix;
mod values;
pub mod workflow;

pub use error::CompileError;
pub use expr::{compile_expression, lower, Lowering, StatusMode};
pub use workflow::{
    compile_job, compile_selection, compile_workflow, ActionFiles, Compiled, Manifest, MemoryActionFiles, Selection,
};

/// The compiler's name and version, written into every module header.
pub const COMPILER: &str = concat!("w3-compiler ", env!("CARGO_PKG_VERSION"));
