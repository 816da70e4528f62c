//! What the host answers.

use w3_value::Value;

/// The successful outcome of a host call.
#[derive(Clone, Debug, PartialEq)]
pub enum HostResult {
    /// A finished shell command (a non-zero exit code is a result, not a host error), with
    /// what it wrote to its file commands.
    Shell { exit_code: i32, stdout: Vec<u8>, stderr: Vec<u8>, timed_out: bool, files: StepFiles },
    /// An HTTP response.
    Http { status: u16, headers: Vec<(String, String)>, body: Vec<u8> },
    /// Bytes, or nothing (a storage key that is not set; random bytes).
    Bytes(Option<Vec<u8>>),
    /// A value (a Smart Action's output, a secret as a string, or null when it is not set).
    Value(Value),
    /// A point in time.
    Time { unix_ms: i64 },
    /// A call with nothing to return (storage write, event, log).
    Done,
}

/// What a step wrote to its file commands, read after it ended: the values a runner hands on
/// to the steps after it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StepFiles {
    /// `$GITHUB_OUTPUT`: the step's outputs, in the order written (a later pair wins).
    pub outputs: Vec<(String, String)>,
    /// `$GITHUB_ENV`: variables for the job's later steps.
    pub env: Vec<(String, String)>,
    /// `$GITHUB_PATH`: directories for the job's later steps, in the order written.
    pub path: Vec<String>,
    /// `$GITHUB_STATE`: values for the action's post step.
    pub state: Vec<(String, String)>,
    /// `$GITHUB_STEP_SUMMARY`: Markdown for the run's summary.
    pub summary: String,
}

impl StepFiles {
    /// Reports whether the step wrote nothing.
    pub fn is_empty(&self) -> bool {
        self.outputs.is_empty()
            && self.env.is_empty()
            && self.path.is_empty()
            && self.state.is_empty()
            && self.summary.is_empty()
    }
}

/// Why a host call produced no result.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum HostError {
    #[error("permission denied: {0}")]
    Denied(String),
    #[error("out of gas: the call needs {needed} gas but only {left} is left")]
    OutOfGas { needed: u64, left: u64 },
    #[error("{what} exceeded its limit of {limit}")]
    Limit { what: String, limit: u64 },
    #[error("the host cannot do this: {0}")]
    Unsupported(String),
    #[error("{0}")]
    Failed(String),
}
