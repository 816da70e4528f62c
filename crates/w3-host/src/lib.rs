//! The hosts of w3: code that performs [`w3_host_api::HostCall`]s against the real world.
//!
//! The sandboxed shell ([`shell`]) runs one `run:` script per call, inside
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
//!
//! Storage and events ([`storage`], [`events`], [`store`]) have the shape the chain will use:
//! a [`StateStore`] whose keys are namespaced by [`WorkflowId`] and an append-only [`EventLog`],
//! kept in memory ([`MemoryStore`]) or in a redb file in the run's directory ([`RedbStore`]).
//! [`StorageHost`] performs the storage and event calls against them within [`StorageLimits`].

pub mod agent;
pub mod artifacts;
pub mod bench;
pub mod cgroup;
pub mod error;
pub mod events;
pub mod file_commands;
pub mod http;
pub mod job;
mod process;
pub mod sandbox;
mod seccomp;
pub mod shell;
pub mod storage;
pub mod store;
pub mod workflow_commands;

pub use cgroup::CgroupLimits;
pub use error::SandboxError;
pub use events::{Event, EventLog};
pub use http::{HttpHost, HttpOptions, HttpRequest};
pub use job::JobSandbox;
pub use sandbox::{AgentCommand, Identity, Limits, Sandbox, SandboxOptions};
pub use shell::{run, run_call, ShellRequest};
pub use storage::{Entries, StateStore, StorageHost, StorageLimits, StoreError, WorkflowId};
pub use store::{MemoryStore, RedbStore};
