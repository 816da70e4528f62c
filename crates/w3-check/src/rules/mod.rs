//! The lint rules, one per file. Structural (schema) diagnostics come from the parser in
//! `w3-dsl` under the name `syntax-check`; everything here runs on a parsed AST.

pub mod action;
mod credentials;
mod deprecated_commands;
mod env_var;
mod events;
pub mod expression;
mod glob;
pub mod id;
mod if_cond;
mod job_needs;
mod matrix;
mod permissions;
pub mod runner_label;
pub mod schedule;
mod shell_name;
pub mod w3;
mod workflow_call;

use crate::Rule;

/// Returns every rule, in a fixed order.
pub fn all() -> &'static [&'static dyn Rule] {
    &[
        &job_needs::JobNeeds,
        &id::Ids,
        &events::Events,
        &schedule::Schedule,
        &permissions::PermissionsRule,
        &runner_label::RunnerLabel,
        &shell_name::ShellName,
        &env_var::EnvVar,
        &deprecated_commands::DeprecatedCommands,
        &glob::Glob,
        &credentials::Credentials,
        &action::Action,
        &workflow_call::WorkflowCall,
        &matrix::MatrixRule,
        &w3::W3,
        &expression::ExpressionRule,
        &if_cond::IfCond,
    ]
}
