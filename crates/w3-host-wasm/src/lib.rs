//! Runs WASM Smart Actions (`uses: w3/<name>@<version>`) in wasmi, deterministically and within
//! bounds: every instruction costs fuel, converted to gas at a fixed ratio
//! ([`limits::GAS_PER_FUEL`]), so a run stops at the same instruction on every machine when its
//! gas runs out; modules with floating-point or SIMD instructions are refused when loaded;
//! memory, tables, input, output and the number of host calls are capped. A module reaches
//! the outside world only through [`ActionHost`], which the caller implements with the same
//! permission checks and host-call gas as workflow steps get. The ABI (module `w3`) is
//! described in `docs/smart-actions.md`.
//!
//! ```
//! use w3_host_api::{ActionRef, HostCall, HostError, HostResult};
//! use w3_host_wasm::{ActionHost, ActionRuntime};
//! use w3_value::{parse_json, Value};
//!
//! struct NoHost;
//! impl ActionHost for NoHost {
//!     fn call(&mut self, _: HostCall) -> Result<HostResult, HostError> {
//!         Err(HostError::Denied("no host calls here".into()))
//!     }
//! }
//!
//! let runtime = ActionRuntime::new(None);
//! let action = ActionRef { name: "json-select".into(), version: "v1".into() };
//! let input = parse_json(r#"{"with": {"json": "{\"data\": {\"price\": 42.5}}", "path": "data.price"}, "env": {}}"#)?;
//! let outcome = runtime.invoke(&action, &input, 1_000_000, &mut NoHost)?;
//! assert_eq!(outcome.output.as_object().and_then(|o| o.get("value")), Some(&Value::from("42.5")));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![forbid(unsafe_code)]

pub mod abi;
pub mod bench;
mod builtin;
mod error;
pub mod limits;
pub mod request;
mod runtime;

pub use error::ActionError;
pub use runtime::{ActionHost, ActionOutcome, ActionRuntime};
