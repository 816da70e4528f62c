//! How calls travel between the VM and a host.
//!
//! The VM never waits: when a fiber reaches a host call, the VM returns it as a
//! [`PendingCall`] and goes on with other fibers. A host answers pending calls in any order;
//! the VM consumes [`Answer`]s in the order they were *recorded* (the journal locally, block
//! order on chain), so a replay resumes fibers exactly as the original run did.

use crate::call::HostCall;
use crate::receipt::Policy;
use crate::result::{HostError, HostResult};

/// A call the VM is waiting on.
#[derive(Clone, Debug, PartialEq)]
pub struct PendingCall {
    /// The fiber (job) that made the call.
    pub fiber: u32,
    /// The call's position among all calls of the run, starting at 0.
    pub call_index: u64,
    pub call: HostCall,
    /// The most gas the call may use.
    pub gas_limit: u64,
    /// The step that made the call: its position in its job, from 1; 0 for calls outside a
    /// step.
    pub step: u32,
    /// The verification policy the call runs under: its step's innermost `verification:`.
    pub policy: Policy,
}

/// A host's answer to a pending call.
#[derive(Clone, Debug, PartialEq)]
pub struct Answer {
    pub call_index: u64,
    pub result: Result<HostResult, HostError>,
    pub gas_used: u64,
}

/// A host: something that performs calls for a VM, within a gas limit, and says how much gas
/// the call used.
#[allow(async_fn_in_trait)] // Hosts are used generically, never as trait objects.
pub trait HostEnvironment {
    /// Performs `call` with at most `gas_limit` gas.
    async fn invoke(&self, call: HostCall, gas_limit: u64) -> Result<(HostResult, u64), HostError>;
}
