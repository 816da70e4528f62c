//! The hosts of w3: code that performs [`w3_host_api::HostCall`]s against the real world.
//!
//! So far this crate holds the sandboxed shell ([`shell`]): one `run:` script per call, inside
//! bubblewrap (`bwrap`) with the host's system directories read-only, a writable workspace and
//! temp directory, no network unless asked for, an unprivileged uid, its own pid namespace,
//! rlimits, output caps and a wall-clock timeout that kills the whole process tree.
//! [`Sandbox::None`] runs scripts directly, for trusted local runs (`--sandbox none`).
//! [`file_commands`] reads what a step writes to `$GITHUB_OUTPUT`, `$GITHUB_ENV` and `$GITHUB_PATH`;
//! [`workflow_commands`] reads the `::command::` lines it prints.
//!
//! The HTTP host ([`http`]) sends requests to the hosts a module allows, and nowhere else: it
//! follows redirects itself and checks every hop against the allowlist, caps bodies, headers
//! and time, reads no proxy from the environment, and returns headers in one canonical order.

pub mod bench;
pub mod error;
pub mod file_commands;
pub mod http;
mod process;
pub mod sandbox;
pub mod shell;
pub mod workflow_commands;

pub use error::SandboxError;
pub use http::{HttpHost, HttpOptions, HttpRequest};
pub use sandbox::{Identity, Limits, Sandbox, SandboxOptions};
pub use shell::{run, run_call, ShellRequest};
