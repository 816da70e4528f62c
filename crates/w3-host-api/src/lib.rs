//! The explicit host interface of w3: every effect a workflow has leaves the VM as a
//! [`HostCall`], is checked against the module's [`Capabilities`] (deny by default), costs gas
//! by the versioned [`HostGasSchedule`], and is recorded with a [`Receipt`] whose hashes chain
//! the calls of one run together.
//!
//! This crate holds types and pure functions only. The VM produces calls and consumes results
//! through it; hosts (`w3-host`, the chain's executors, test hosts) implement
//! [`HostEnvironment`]. Requests and responses have one canonical byte encoding
//! ([`canonical`]), so their hashes are the same on every machine.

pub mod call;
pub mod canonical;
pub mod caps;
pub mod decode;
pub mod env;
pub mod gas;
pub mod receipt;
pub mod result;

pub use call::{ActionRef, HostCall, HostCallKind, HttpMethod, LogLevel, Shell};
pub use caps::{Capabilities, HostPattern, PermissionError};
pub use env::{Answer, HostEnvironment, PendingCall};
pub use gas::HostGasSchedule;
pub use receipt::{Evidence, Policy, Receipt, ReceiptChainError};
pub use result::{HostError, HostResult, StepFiles};
