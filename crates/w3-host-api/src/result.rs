//! What the host answers.

use w3_value::Value;

/// The successful outcome of a host call.
#[derive(Clone, Debug, PartialEq)]
pub enum HostResult {
    /// A finished shell command (a non-zero exit code is a result, not a host error).
    Shell { exit_code: i32, stdout: Vec<u8>, stderr: Vec<u8>, timed_out: bool },
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
