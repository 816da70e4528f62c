//! Runs w3 modules: a deterministic, gas-metered interpreter of [`VerifiedModule`]s.
//!
//! A [`Vm`] is one run of one module. Jobs run as fibers; every effect leaves through a host
//! call, which suspends its fiber and surfaces as a [`PendingCall`]; the host answers in any
//! order and the VM consumes answers in the order they were recorded, so the same module, the
//! same initial contexts and the same recorded answers always give the same state, on any
//! machine ([`Vm::state_hash`]). Gas is charged per basic block when control reaches it, plus
//! per byte for instructions whose work depends on their operands; registers, call depth, value
//! size and depth, the run's memory and its fibers are limited, and exceeding any limit is a
//! typed error. A paused run can be serialized ([`Vm::snapshot`]) and restored in another
//! process ([`Vm::restore`]). The crate does no IO, reads no clock and draws no randomness;
//! what values mean (comparisons, coercions, formatting, built-in functions) is `w3-value`'s.
//! `docs/vm.md` states the runtime conventions compiled code relies on.
//!
//! [`VerifiedModule`]: w3_isa::VerifiedModule
//! [`PendingCall`]: w3_host_api::PendingCall

#![warn(missing_docs)]

pub mod bench;
mod config;
mod error;
mod fiber;
mod host;
mod interp;
mod meta;
mod ops;
mod program;
mod quicken;
mod sched;
mod simple;
mod snapshot;
mod state;
mod steps;
pub mod testing;
mod vm;

pub use config::{Config, Limits};
pub use error::{AnswerError, Fault, LoadError, Location, SnapshotError, SourcePos, VmError};
pub use fiber::Status;
pub use host::{DEFAULT_TIMEOUT_MS, MAX_RANDOM_BYTES};
pub use vm::{FiberOutcome, Outcome, RunState, Vm};
pub use w3_value::matrix::MAX_COMBINATIONS;

/// Whether this build runs the simple instructions with threaded dispatch (an optimized
/// build) or with a loop (an unoptimized one); see `docs/vm.md` §9.
pub const THREADED_DISPATCH: bool = cfg!(w3_threaded);
