//! Why a shell step could not be run at all (a failing script is a result, not an error).

use std::path::PathBuf;

use w3_host_api::HostError;

/// Why the sandboxed shell produced no result.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error(
        "bubblewrap (`bwrap`) was not found{}: install it with `apt-get install bubblewrap`, or run \
         trusted workflows without a sandbox with `--sandbox none`",
        .0.as_ref().map(|p| format!(" at {}", p.display())).unwrap_or_default()
    )]
    BwrapMissing(Option<PathBuf>),
    #[error(
        "refusing to run a sandboxed step as root: set an unprivileged identity (the default when \
         w3 runs as root is nobody)"
    )]
    RootStep,
    #[error("working directory `{0}` is outside the workspace")]
    WorkdirOutsideWorkspace(String),
    #[error("working directory {0} does not exist")]
    WorkdirMissing(PathBuf),
    #[error("the workspace {0} is not an absolute path")]
    WorkspaceNotAbsolute(PathBuf),
    #[error("shell `{0}` has no command")]
    EmptyShell(String),
    #[error("the sandbox could not be set up: {0}")]
    Setup(String),
    #[error("{what}: {source}")]
    Io {
        what: String,
        #[source]
        source: std::io::Error,
    },
}

impl SandboxError {
    /// Wraps an IO error with a description of what was being done.
    pub(crate) fn io(what: impl Into<String>, source: std::io::Error) -> Self {
        SandboxError::Io { what: what.into(), source }
    }
}

impl From<SandboxError> for HostError {
    fn from(e: SandboxError) -> Self {
        match e {
            SandboxError::WorkdirOutsideWorkspace(_) => HostError::Denied(e.to_string()),
            _ => HostError::Failed(e.to_string()),
        }
    }
}
