//! Defines versioned gas schedules: what each op costs, and what a basic block costs up front.
//!
//! Schedule 1 takes its per-op costs from the op table's base gas, which are estimates of
//! relative cost. Calibrating them so that 1 gas ≈ 1 ns of interpreter work on a reference
//! machine needs the VM's benchmarks (`w3 bench vm`); the calibrated numbers will become
//! schedule 2, and schedule 1 stays so that modules compiled for it keep their costs.

use crate::op::{Opcode, OPS, OP_COUNT};
use crate::verify::{BasicBlock, VerifiedFunction};

/// Holds the cost of every op under one version of the schedule.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct GasSchedule {
    /// The schedule's version, named in module headers.
    pub version: u16,
    /// The base cost of each op, indexed by [`Opcode::index`].
    pub per_op: [u32; OP_COUNT],
    /// The cost per byte of ops whose table entry says they charge per byte.
    pub per_byte: u32,
}

impl GasSchedule {
    /// Names the schedule version new modules are compiled for.
    pub const CURRENT_VERSION: u16 = 1;

    /// Returns schedule 1: the op table's base gas and 1 gas per byte.
    pub fn v1() -> GasSchedule {
        let mut per_op = [0u32; OP_COUNT];
        for (cost, info) in per_op.iter_mut().zip(OPS) {
            *cost = info.gas;
        }
        GasSchedule { version: 1, per_op, per_byte: 1 }
    }

    /// Returns the schedule with version `version`, if it is known.
    pub fn for_version(version: u16) -> Option<GasSchedule> {
        match version {
            1 => Some(GasSchedule::v1()),
            _ => None,
        }
    }

    /// Returns the base cost of `opcode`.
    pub fn op_gas(&self, opcode: Opcode) -> u64 {
        self.per_op.get(opcode.index()).copied().map_or(0, u64::from)
    }

    /// Returns the run-time charge of `opcode` for `bytes` bytes read or created (zero for ops
    /// that do not charge per byte).
    pub fn byte_gas(&self, opcode: Opcode, bytes: u64) -> u64 {
        if opcode.info().per_byte {
            bytes.saturating_mul(u64::from(self.per_byte))
        } else {
            0
        }
    }

    /// Returns the static gas of `block` of `function`: the sum of its ops' base costs, which the
    /// VM charges when control arrives at the block's first instruction.
    pub fn block_gas(&self, function: &VerifiedFunction, block: &BasicBlock) -> u64 {
        function.block_instructions(block).iter().map(|i| self.op_gas(i.op.opcode())).sum()
    }
}

impl Default for GasSchedule {
    fn default() -> GasSchedule {
        GasSchedule::v1()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v1_follows_the_table() {
        let s = GasSchedule::v1();
        assert_eq!(s.op_gas(Opcode::HostCall), 50);
        assert_eq!(s.byte_gas(Opcode::Concat, 10), 10);
        assert_eq!(s.byte_gas(Opcode::Move, 10), 0);
        assert!(GasSchedule::for_version(0).is_none());
        assert!(OPS.iter().all(|i| i.gas > 0), "every op costs something");
    }
}
