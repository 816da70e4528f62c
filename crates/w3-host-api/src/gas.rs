//! Gas for host calls: a base cost per kind, plus a cost per byte sent and received, plus a
//! cost per millisecond for calls whose duration is metered (shell, HTTP). Versioned, like the
//! VM's schedule: a change of numbers is a new version, since it changes every run's gas.

use crate::call::{HostCall, HostCallKind};
use crate::canonical::{encode_call, encode_result};
use crate::result::HostResult;

/// The gas prices of host calls.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostGasSchedule {
    pub version: u32,
    /// Base cost per call kind, indexed by `HostCallKind as usize`.
    pub base: [u64; 11],
    pub per_byte_in: u64,
    pub per_byte_out: u64,
    pub per_ms: u64,
}

impl HostGasSchedule {
    /// Returns schedule version 1. Costs are in the VM's gas unit (about 1 ns of interpreter
    /// work): a storage access or an event costs what the work behind it costs a validator.
    pub const fn v1() -> Self {
        Self {
            version: 1,
            //      shell      http     sread  swrite  event  action  github     hash     log  now  random
            base: [1_000_000, 500_000, 2_000, 20_000, 5_000, 10_000, 1_000_000, 100_000, 500, 100, 500],
            per_byte_in: 3,
            per_byte_out: 3,
            per_ms: 1_000,
        }
    }

    /// Returns the gas a call costs before it runs (base plus the request's bytes): the host
    /// refuses the call if this much is not left.
    pub fn upfront(&self, call: &HostCall) -> u64 {
        let base = self.base[call.kind() as usize];
        base.saturating_add(self.per_byte_in.saturating_mul(encode_call(call).len() as u64))
    }

    /// Returns the total gas of a completed call: up-front cost, the response's bytes, and
    /// `elapsed_ms` for metered kinds.
    pub fn total(&self, call: &HostCall, result: &HostResult, elapsed_ms: u64) -> u64 {
        let metered =
            matches!(call.kind(), HostCallKind::ShellCommand | HostCallKind::HttpRequest | HostCallKind::GithubAction);
        let time = if metered { self.per_ms.saturating_mul(elapsed_ms) } else { 0 };
        self.upfront(call)
            .saturating_add(self.per_byte_out.saturating_mul(encode_result(result).len() as u64))
            .saturating_add(time)
    }
}

impl Default for HostGasSchedule {
    fn default() -> Self {
        Self::v1()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gas_grows_with_bytes_and_time() {
        let s = HostGasSchedule::v1();
        let small = HostCall::StorageWrite { key: b"k".to_vec(), value: vec![0; 10] };
        let big = HostCall::StorageWrite { key: b"k".to_vec(), value: vec![0; 1000] };
        assert!(s.upfront(&big) > s.upfront(&small));
        let shell = HostCall::ShellCommand {
            cmd: "true".into(),
            shell: crate::Shell::Bash,
            env: vec![],
            path: vec![],
            workdir: ".".into(),
            timeout_ms: 1,
        };
        let r = HostResult::Shell {
            exit_code: 0,
            stdout: vec![],
            stderr: vec![],
            timed_out: false,
            files: Default::default(),
        };
        assert_eq!(s.total(&shell, &r, 10) - s.total(&shell, &r, 0), 10_000);
        assert_eq!(s.total(&HostCall::Now, &HostResult::Done, 10), s.total(&HostCall::Now, &HostResult::Done, 0));
    }
}
