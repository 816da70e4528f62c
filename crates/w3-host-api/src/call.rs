//! What a workflow asks of the outside world.

use w3_value::Value;

/// The shell a command runs in, as `shell:` names it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Shell {
    /// No `shell:` given: `bash -e {0}`, or `sh -e {0}` where bash is missing.
    Default,
    /// `bash --noprofile --norc -eo pipefail {0}`.
    Bash,
    /// `sh -e {0}`.
    Sh,
    /// `python {0}`.
    Python,
    /// `pwsh -command ". '{0}'"`.
    Pwsh,
    /// A custom command line with a `{0}` placeholder for the script file.
    Custom(String),
}

/// An HTTP method.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HttpMethod {
    Get,
    Head,
    Post,
    Put,
    Patch,
    Delete,
}

/// The severity of a log line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogLevel {
    Debug,
    Info,
    Warning,
    Error,
}

/// A WASM Smart Action, as `uses: w3/<name>@v<version>` names it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActionRef {
    pub name: String,
    pub version: String,
}

/// One request from the VM to its host.
#[derive(Clone, Debug, PartialEq)]
pub enum HostCall {
    /// Runs a script in the step's sandbox. `path` lists directories earlier steps added with
    /// `$GITHUB_PATH`, newest first; they come before the `PATH` of `env` (or the host's).
    ShellCommand {
        cmd: String,
        shell: Shell,
        env: Vec<(String, String)>,
        path: Vec<String>,
        workdir: String,
        timeout_ms: u64,
    },
    /// Sends an HTTP request to an allowed host.
    HttpRequest { url: String, method: HttpMethod, headers: Vec<(String, String)>, body: Vec<u8> },
    /// Reads a key of the workflow's storage.
    StorageRead { key: Vec<u8> },
    /// Writes a key of the workflow's storage.
    StorageWrite { key: Vec<u8>, value: Vec<u8> },
    /// Emits an event with a topic and a value.
    EmitEvent { topic: String, data: Value },
    /// Runs a WASM Smart Action with an input value.
    InvokeAction { action: ActionRef, input: Value },
    /// Runs a GitHub action (`uses: owner/repo@ref`, `./path`, `docker://...`) with its inputs.
    GithubAction { uses: String, with: Vec<(String, String)>, env: Vec<(String, String)> },
    /// Computes GitHub's `hashFiles(patterns...)` over the workspace.
    HashFiles { patterns: Vec<String> },
    /// Writes a line to the run's log.
    Log { level: LogLevel, message: String },
    /// Reads the current time: block time on chain, the run's start time locally.
    Now,
    /// Draws bytes from the run's seeded random source.
    Random { len: u32 },
}

/// The kind of a host call, without its arguments. The numbers are the `HostId`s of the
/// `HostCall` instruction (docs/isa.md §5).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum HostCallKind {
    ShellCommand = 0,
    HttpRequest = 1,
    StorageRead = 2,
    StorageWrite = 3,
    EmitEvent = 4,
    InvokeAction = 5,
    GithubAction = 6,
    HashFiles = 7,
    Log = 8,
    Now = 9,
    Random = 10,
}

impl HostCallKind {
    /// Every kind, in the order of its number.
    pub const ALL: [HostCallKind; 11] = [
        HostCallKind::ShellCommand,
        HostCallKind::HttpRequest,
        HostCallKind::StorageRead,
        HostCallKind::StorageWrite,
        HostCallKind::EmitEvent,
        HostCallKind::InvokeAction,
        HostCallKind::GithubAction,
        HostCallKind::HashFiles,
        HostCallKind::Log,
        HostCallKind::Now,
        HostCallKind::Random,
    ];

    /// Returns the kind with number `n`, as the `HostCall` instruction encodes it.
    pub fn from_u8(n: u8) -> Option<Self> {
        Self::ALL.get(usize::from(n)).copied()
    }

    /// Returns the name used in manifests, receipts and messages.
    pub const fn name(self) -> &'static str {
        match self {
            HostCallKind::ShellCommand => "shell",
            HostCallKind::HttpRequest => "http",
            HostCallKind::StorageRead => "storageRead",
            HostCallKind::StorageWrite => "storageWrite",
            HostCallKind::EmitEvent => "emitEvent",
            HostCallKind::InvokeAction => "invokeAction",
            HostCallKind::GithubAction => "githubAction",
            HostCallKind::HashFiles => "hashFiles",
            HostCallKind::Log => "log",
            HostCallKind::Now => "now",
            HostCallKind::Random => "random",
        }
    }

    /// Reports whether every validator computes the same result for the call, so it can run
    /// under the `onchain` policy. Shell commands, HTTP and GitHub actions depend on the outside
    /// world; `hashFiles` depends on a workspace validators do not share.
    pub const fn is_deterministic(self) -> bool {
        !matches!(
            self,
            HostCallKind::ShellCommand
                | HostCallKind::HttpRequest
                | HostCallKind::GithubAction
                | HostCallKind::HashFiles
        )
    }
}

impl HostCall {
    /// Returns the call's kind.
    pub fn kind(&self) -> HostCallKind {
        match self {
            HostCall::ShellCommand { .. } => HostCallKind::ShellCommand,
            HostCall::HttpRequest { .. } => HostCallKind::HttpRequest,
            HostCall::StorageRead { .. } => HostCallKind::StorageRead,
            HostCall::StorageWrite { .. } => HostCallKind::StorageWrite,
            HostCall::EmitEvent { .. } => HostCallKind::EmitEvent,
            HostCall::InvokeAction { .. } => HostCallKind::InvokeAction,
            HostCall::GithubAction { .. } => HostCallKind::GithubAction,
            HostCall::HashFiles { .. } => HostCallKind::HashFiles,
            HostCall::Log { .. } => HostCallKind::Log,
            HostCall::Now => HostCallKind::Now,
            HostCall::Random { .. } => HostCallKind::Random,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_through_their_numbers() {
        for k in HostCallKind::ALL {
            assert_eq!(HostCallKind::from_u8(k as u8), Some(k));
        }
        assert_eq!(HostCallKind::from_u8(11), None);
        assert!(!HostCallKind::ShellCommand.is_deterministic());
        assert!(HostCallKind::StorageWrite.is_deterministic());
    }
}
