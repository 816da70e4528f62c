//! Defines versioned gas schedules: what each op costs, and what a basic block costs up front.
//!
//! Schedule 1 takes its per-op costs from the op table's base gas, estimates of relative cost.
//! Schedule 2 is calibrated so that 1 gas ≈ 1 ns of interpreter work on the reference machine
//! (2 cores of an AMD EPYC, release build): each op measured by `w3 bench vm` costs its
//! measured nanoseconds (metered run, rounded up); ops the benchmark does not measure cost what
//! the closest measured op does, scaled by the work they do. Schedule 3 is the same
//! calibration redone after the interpreter got faster (threaded dispatch of the simple
//! instructions): only the ops whose time changed cost differently. Older schedules stay, so
//! modules compiled for them keep their costs.

use crate::op::{Opcode, OPS, OP_COUNT};
use crate::verify::{BasicBlock, VerifiedFunction};

/// The base costs of schedule 2, in nanoseconds on the reference machine. Measured by
/// `w3 bench vm`: Move, LoadConst, Not, Eq, Lt, JumpIfFalse (branch), GetProp, Concat, Call,
/// CallBuiltin (contains). The others are set by the measured op they resemble.
const CALIBRATED: &[(&str, u32)] = &[
    ("Nop", 1),
    ("LoadNull", 3),
    ("LoadBool", 3),
    ("LoadConst", 3),
    ("Move", 5),
    ("LoadContext", 30),
    ("GetProp", 44),
    ("Index", 48),
    ("Filter", 50),
    ("MakeArray", 40),
    ("MakeObject", 80),
    ("Not", 6),
    ("Truthy", 5),
    ("Eq", 9),
    ("Ne", 9),
    ("Lt", 12),
    ("Le", 12),
    ("Gt", 12),
    ("Ge", 12),
    ("TypeOf", 4),
    ("ToStr", 20),
    ("Concat", 46),
    ("CallBuiltin", 72),
    ("Call", 19),
    ("TryCall", 22),
    ("Jump", 2),
    ("JumpIfTrue", 3),
    ("JumpIfFalse", 3),
    ("Return", 6),
    ("Halt", 4),
    ("Fail", 20),
    ("Status", 6),
    ("StepBegin", 40),
    ("StepEnd", 80),
    ("SetOutput", 40),
    ("SetEnv", 40),
    ("SetContext", 40),
    ("HostCall", 200),
    ("Spawn", 600),
    ("Join", 60),
];

/// The base costs schedule 3 changes from schedule 2, in nanoseconds on the reference machine
/// (medians of 20 runs of `w3 bench vm --rounds 100`, metered, rounded up). Measured: Move
/// 2.4, LoadConst 2.7, Not 3.9, Eq on numbers 2.8, Lt on strings of 20 and 3 bytes 27.3 (23 of
/// it per-byte gas), JumpIfFalse with its block 3.3, GetProp 33.0, Concat of 23 bytes 64.7,
/// Call with its Return 39.9, CallBuiltin `contains` on 23 bytes 86.8. Set by resemblance:
/// the loads, `Truthy` and `TypeOf` like `Not`, the comparisons like `Eq` and `Lt`, the jumps
/// like `JumpIfFalse`.
const CALIBRATED_V3: &[(&str, u32)] = &[
    ("LoadNull", 2),
    ("LoadBool", 2),
    ("LoadConst", 3),
    ("Move", 3),
    ("GetProp", 33),
    ("Not", 4),
    ("Truthy", 4),
    ("Eq", 3),
    ("Ne", 3),
    ("Lt", 5),
    ("Le", 5),
    ("Gt", 5),
    ("Ge", 5),
    ("TypeOf", 4),
    ("Concat", 42),
    ("CallBuiltin", 64),
    ("Call", 32),
    ("TryCall", 35),
    ("Return", 8),
    ("Jump", 3),
    ("JumpIfTrue", 4),
    ("JumpIfFalse", 4),
];

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
    pub const CURRENT_VERSION: u16 = 3;

    /// Returns schedule 1: the op table's base gas and 1 gas per byte.
    pub fn v1() -> GasSchedule {
        let mut per_op = [0u32; OP_COUNT];
        for (cost, info) in per_op.iter_mut().zip(OPS) {
            *cost = info.gas;
        }
        GasSchedule { version: 1, per_op, per_byte: 1 }
    }

    /// Returns schedule 2, calibrated to about 1 ns per gas (see the module documentation).
    pub fn v2() -> GasSchedule {
        GasSchedule::v1().revised(2, CALIBRATED)
    }

    /// Returns schedule 3: schedule 2 recalibrated after the interpreter got faster (see the
    /// module documentation).
    pub fn v3() -> GasSchedule {
        GasSchedule::v2().revised(3, CALIBRATED_V3)
    }

    /// Returns this schedule as version `version`, with the ops named in `costs` costing what
    /// it says.
    fn revised(mut self, version: u16, costs: &[(&str, u32)]) -> GasSchedule {
        self.version = version;
        for (cost, info) in self.per_op.iter_mut().zip(OPS) {
            if let Some((_, new)) = costs.iter().find(|(name, _)| *name == info.name) {
                *cost = *new;
            }
        }
        self
    }

    /// Returns the schedule with version `version`, if it is known.
    pub fn for_version(version: u16) -> Option<GasSchedule> {
        match version {
            1 => Some(GasSchedule::v1()),
            2 => Some(GasSchedule::v2()),
            3 => Some(GasSchedule::v3()),
            _ => None,
        }
    }

    /// Returns the schedule new modules are compiled for.
    pub fn current() -> GasSchedule {
        GasSchedule::v3()
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

    #[test]
    fn calibrations_name_real_ops_and_keep_older_schedules() {
        for (name, _) in CALIBRATED.iter().chain(CALIBRATED_V3) {
            assert!(OPS.iter().any(|i| i.name == *name), "{name} is not an op");
        }
        let (v2, v3) = (GasSchedule::v2(), GasSchedule::v3());
        assert_eq!((v2.op_gas(Opcode::Move), v2.op_gas(Opcode::GetProp)), (5, 44), "schedule 2 never changes");
        assert_eq!((v3.op_gas(Opcode::Move), v3.op_gas(Opcode::GetProp)), (3, 33));
        for (i, info) in OPS.iter().enumerate() {
            let listed = CALIBRATED_V3.iter().any(|(name, _)| *name == info.name);
            assert!(listed || v2.per_op[i] == v3.per_op[i], "{} changed without being listed", info.name);
        }
        assert_eq!(GasSchedule::for_version(GasSchedule::CURRENT_VERSION), Some(GasSchedule::current()));
        assert!(OPS.iter().enumerate().all(|(i, _)| v3.per_op[i] > 0), "every op costs something");
    }
}
