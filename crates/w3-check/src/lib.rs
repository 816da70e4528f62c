//! Lint rules over the workflow AST of `w3-dsl`. Each rule lives in its own file under `rules/`
//! and reports [`w3_dsl::Diagnostic`]s; this crate also renders them as text or JSON.
//!
//! [`lint`] is the whole pipeline for one file: parse (structural diagnostics come from
//! `w3-dsl`), then every rule over the AST, then sort and de-duplicate.

pub mod config;
pub mod knowledge;
pub mod load;
pub mod output;
pub mod rules;

pub use config::{Config, ConfigError};
pub use load::{load_errors, rejected_by_github};

use std::path::Path;
use w3_dsl::ast::Workflow;
use w3_dsl::Diagnostic;

/// What a rule may consult besides the AST.
pub struct Context<'a> {
    pub config: &'a Config,
    /// The directory local references (`./path`) are resolved against, usually the repository
    /// root; `None` disables checks that read other files.
    pub project_root: Option<&'a Path>,
    /// The current time as seconds since the Unix epoch, for messages about schedules (next
    /// fire times). Fixed in tests so output is reproducible.
    pub now: i64,
}

/// One lint rule. Rules are stateless and run in parallel over files.
pub trait Rule: Sync {
    /// Returns the rule's name, shown in brackets after each message.
    fn name(&self) -> &'static str;
    /// Appends the rule's findings about `wf` to `out`.
    fn check(&self, cx: &Context<'_>, wf: &Workflow, out: &mut Vec<Diagnostic>);
}

/// Lints one workflow file's bytes and returns its diagnostics sorted by position.
pub fn lint(bytes: &[u8], cx: &Context<'_>) -> Vec<Diagnostic> {
    let parsed = w3_dsl::ast::parse_bytes(bytes);
    let mut out = parsed.diagnostics;
    if let Some(wf) = &parsed.workflow {
        for rule in rules::all() {
            rule.check(cx, wf, &mut out);
        }
    }
    out.sort_by(|a, b| (a.span.start, &a.message).cmp(&(b.span.start, &b.message)));
    out.dedup();
    out
}
