//! Defines the mutable state of a run: everything a snapshot holds besides the module.

use crate::config::Limits;
use crate::error::{Fault, VmError};
use crate::fiber::Fiber;
use crate::meta::Meta;
use std::collections::VecDeque;
use w3_host_api::{HostCall, HostCallKind};
use w3_value::Value;

/// Holds a host call that was made and not yet answered.
#[derive(Clone, Debug)]
pub(crate) struct Pending {
    /// The call's position among all calls of the run.
    pub index: u64,
    /// The fiber that made it.
    pub fiber: u32,
    /// The request object, from which `call` is derived.
    pub request: Value,
    /// The call.
    pub call: HostCall,
    /// The gas the call may use: what was left of the run's gas when it was made.
    pub gas_limit: u64,
    /// Whether its answer was recorded (and waits in the inbox).
    pub answered: bool,
}

impl Pending {
    /// Returns the call's kind.
    pub fn kind(&self) -> HostCallKind {
        self.call.kind()
    }
}

/// Holds an answer recorded and not yet consumed, already turned into the value `dst` gets.
#[derive(Clone, Debug)]
pub(crate) struct Recorded {
    /// The call answered.
    pub index: u64,
    /// The result object.
    pub value: Value,
    /// Its accounting.
    pub meta: Meta,
    /// The gas the host says the call used.
    pub gas_used: u64,
}

/// Holds the mutable state of a run.
#[derive(Clone, Debug)]
pub(crate) struct State {
    /// Every fiber started, by handle; fiber 0 runs the entry function.
    pub fibers: Vec<Fiber>,
    /// Fibers ready to run, in the order they became ready.
    pub ready: VecDeque<u32>,
    /// Calls made and not yet consumed, in the order they were made.
    pub pending: Vec<Pending>,
    /// Answers recorded and not yet consumed, in the order they were recorded.
    pub inbox: VecDeque<Recorded>,
    /// The gas used, VM and host calls together.
    pub gas_used: u64,
    /// The part of `gas_used` the hosts reported.
    pub host_gas: u64,
    /// The run's gas limit.
    pub gas_limit: u64,
    /// The accounted bytes held in registers, contexts and fiber results.
    pub held: u64,
    /// Whether the run was cancelled.
    pub cancelled: bool,
    /// The index the next host call gets.
    pub next_call: u64,
    /// How many answers were consumed.
    pub consumed: u64,
    /// The fatal error that ended the run, if one did.
    pub fatal: Option<VmError>,
    /// The run's limits.
    pub limits: Limits,
}

impl State {
    /// Charges `gas`; fails when the run's gas is used up (and then counts all of it used).
    pub fn charge(&mut self, gas: u64) -> Result<(), Fault> {
        self.gas_used = self.gas_used.saturating_add(gas);
        if self.gas_used > self.gas_limit {
            self.gas_used = self.gas_limit;
            return Err(Fault::OutOfGas { limit: self.gas_limit });
        }
        Ok(())
    }

    /// Replaces `old` held bytes with `new`; fails when the run holds more than its limit.
    pub fn hold(&mut self, old: u64, new: u64) -> Result<(), Fault> {
        self.held = self.held.saturating_sub(old).saturating_add(new);
        if new > old && self.held > self.limits.max_memory {
            return Err(Fault::Memory { limit: self.limits.max_memory });
        }
        Ok(())
    }

    /// Returns the gas left.
    pub fn gas_left(&self) -> u64 {
        self.gas_limit.saturating_sub(self.gas_used)
    }
}
