//! Why an invocation produced no output.

use w3_host_api::HostError;

/// Why a Smart Action could not run or did not succeed. Errors raised while the action runs
/// carry the gas it used up to that point ([`ActionError::gas_used`]), which the caller charges
/// like the gas of a successful run.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ActionError {
    /// No built-in action and no file in the actions directory has this name and version.
    #[error("unknown Smart Action {action}: looked in {}", looked_in.join(", "))]
    NotFound { action: String, looked_in: Vec<String> },
    /// The action's file exists but cannot be read.
    #[error("cannot read Smart Action {action} from {path}: {message}")]
    Io { action: String, path: String, message: String },
    /// The module is not acceptable: invalid WebAssembly or WAT, floating-point or SIMD
    /// instructions, a start function, a missing export, or too large.
    #[error("cannot load Smart Action {action}: {message}")]
    Load { action: String, message: String },
    /// The module imports something the runtime does not provide.
    #[error("cannot load Smart Action {action}: it imports `{module}.{name}`, which is not part of the Smart Action ABI (module `w3`: input_len, input_read, output_write, host_call, response_len, response_read, fail)")]
    UnknownImport { action: String, module: String, name: String },
    /// The input value cannot be handed to the action.
    #[error("cannot pass the input to Smart Action {action}: {message}")]
    Input { action: String, message: String },
    /// The action used all the gas it was given.
    #[error("Smart Action {action} ran out of gas (limit {limit})")]
    OutOfGas { action: String, limit: u64 },
    /// The module trapped (out-of-bounds access, unreachable, division by zero, stack
    /// overflow, a memory or table limit, a bad pointer passed to the ABI, ...).
    #[error("Smart Action {action} trapped: {message}")]
    Trap { action: String, message: String, gas_used: u64 },
    /// The action reported failure: it called `fail` or `run` returned non-zero.
    #[error("Smart Action {action} failed: {message}")]
    Failed { action: String, message: String, gas_used: u64 },
    /// The host could not go on with the run (it ran out of gas for a host call).
    #[error("Smart Action {action}: host call aborted the run: {error}")]
    Host { action: String, error: HostError, gas_used: u64 },
    /// The action exceeded one of the runtime's bounds.
    #[error("Smart Action {action} exceeded a limit: {what} (at most {limit})")]
    Limit { action: String, what: &'static str, limit: u64, gas_used: u64 },
    /// The action wrote an output that is not a JSON object.
    #[error("Smart Action {action} wrote an invalid output: {message}")]
    Output { action: String, message: String, gas_used: u64 },
}

impl ActionError {
    /// Returns the gas the invocation used before it stopped: the whole limit when it ran out
    /// of gas, nothing when it never started.
    pub fn gas_used(&self) -> u64 {
        match self {
            ActionError::NotFound { .. }
            | ActionError::Io { .. }
            | ActionError::Load { .. }
            | ActionError::UnknownImport { .. }
            | ActionError::Input { .. } => 0,
            ActionError::OutOfGas { limit, .. } => *limit,
            ActionError::Trap { gas_used, .. }
            | ActionError::Failed { gas_used, .. }
            | ActionError::Host { gas_used, .. }
            | ActionError::Limit { gas_used, .. }
            | ActionError::Output { gas_used, .. } => *gas_used,
        }
    }
}
