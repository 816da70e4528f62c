//! Defines what a run may use: its gas and the limits that keep every run's memory bounded.

/// Bounds the resources of one run. Exceeding any bound is a typed, deterministic error.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Limits {
    /// The registers of all frames of one fiber together.
    pub max_stack_slots: u32,
    /// The frames of one fiber (the entry frame counts).
    pub max_call_depth: u32,
    /// The accounted size of one value an instruction creates, in bytes.
    pub max_value_bytes: u32,
    /// How deeply arrays and objects may nest (a primitive is 0 deep, `[]` is 1).
    pub max_value_depth: u16,
    /// The accounted bytes a run may hold at once in registers and contexts.
    pub max_memory: u64,
    /// The fibers one run may start, the first one included.
    pub max_fibers: u32,
}

impl Default for Limits {
    /// Returns limits for workflows: 64 Ki registers and 256 frames per fiber, values of 1 MiB
    /// (GitHub's memory for one expression) nested 256 deep, 64 MiB per run, 1,024 fibers
    /// (GitHub allows 256 jobs per matrix).
    fn default() -> Limits {
        Limits {
            max_stack_slots: 65_536,
            max_call_depth: 256,
            max_value_bytes: 1 << 20,
            max_value_depth: 256,
            max_memory: 64 << 20,
            max_fibers: 1_024,
        }
    }
}

/// Configures a run: its gas limit, whether gas is metered, and its limits.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Config {
    /// The gas the run may use, VM gas and host-call gas together.
    pub gas_limit: u64,
    /// Whether gas is charged; `false` exists only to measure the cost of metering.
    pub metering: bool,
    /// The run's limits.
    pub limits: Limits,
}

impl Config {
    /// Returns the default configuration with a gas limit of `gas_limit`.
    pub fn with_gas(gas_limit: u64) -> Config {
        Config { gas_limit, ..Config::default() }
    }
}

impl Default for Config {
    /// Returns metering on, 10 billion gas (about 10 s of interpreter work) and default limits.
    fn default() -> Config {
        Config { gas_limit: 10_000_000_000, metering: true, limits: Limits::default() }
    }
}
