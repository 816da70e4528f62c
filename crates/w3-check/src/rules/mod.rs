//! The lint rules, one per file. Structural (schema) diagnostics come from the parser in
//! `w3-dsl` under the name `syntax-check`; everything here runs on a parsed AST.

mod deprecated_commands;
mod env_var;
pub mod id;
mod job_needs;
pub mod schedule;
mod shell_name;

use crate::Rule;

/// Returns every rule, in a fixed order.
pub fn all() -> &'static [&'static dyn Rule] {
    &[
        &job_needs::JobNeeds,
        &id::Ids,
        &schedule::Schedule,
        &shell_name::ShellName,
        &env_var::EnvVar,
        &deprecated_commands::DeprecatedCommands,
    ]
}
