//! Converts the YAML node tree into the AST.

mod action;
mod common;
mod events;
mod job;
mod step;

pub use action::{parse_action, ParsedAction};

use super::fields::{Cx, Fields};
use super::{Str, Workflow};
use crate::diag::Diagnostic;
use crate::span::Pos;
use crate::yaml::{self, Node};

/// The result of parsing a workflow file: the AST (absent when the file is not YAML at all) and
/// every diagnostic found on the way, sorted by position.
#[derive(Debug, Default)]
pub struct Parsed {
    pub workflow: Option<Workflow>,
    pub diagnostics: Vec<Diagnostic>,
}

/// The largest file accepted, in bytes; larger files get one diagnostic.
pub const MAX_FILE_BYTES: usize = 32 << 20;

const WORKFLOW_KEYS: &[&str] = &[
    "name",
    "description",
    "run-name",
    "on",
    "permissions",
    "env",
    "defaults",
    "concurrency",
    "cache-mode",
    "jobs",
    "verification",
    "w3",
];

/// Parses a workflow file's bytes. Invalid UTF-8 is reported at its line and column.
pub fn parse_bytes(bytes: &[u8]) -> Parsed {
    match std::str::from_utf8(bytes) {
        Ok(src) => parse(src),
        Err(e) => {
            let valid = &bytes[..e.valid_up_to()];
            let line = valid.iter().filter(|&&b| b == b'\n').count() + 1;
            let line_start = valid.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
            let col = String::from_utf8_lossy(&valid[line_start..]).chars().count() + 1;
            let d = Diagnostic::at(
                "syntax-check",
                Pos::new(line as u32, col as u32),
                format!("file is not valid UTF-8: invalid byte 0x{:02x}", bytes[e.valid_up_to()]),
            );
            Parsed { workflow: None, diagnostics: vec![d] }
        }
    }
}

/// Parses a workflow's source text.
pub fn parse(src: &str) -> Parsed {
    let (workflow, diagnostics) = document(src, "workflow", workflow);
    Parsed { workflow, diagnostics }
}

/// Loads `src` as one YAML document and builds it with `build`: what was built (none when the
/// file is too large, is not YAML, or is empty: `what` names the document in that message) and
/// every diagnostic found on the way, sorted and without repeats.
fn document<T>(src: &str, what: &str, build: impl FnOnce(&mut Cx, &Node) -> T) -> (Option<T>, Vec<Diagnostic>) {
    if src.len() > MAX_FILE_BYTES {
        let d = Diagnostic::at(
            "syntax-check",
            Pos::new(1, 1),
            format!("file is {} bytes, larger than the limit of {} bytes", src.len(), MAX_FILE_BYTES),
        );
        return (None, vec![d]);
    }
    let loaded = yaml::load(src, &yaml::LoadOptions::default());
    let mut cx = Cx { diags: loaded.diagnostics };
    let built = match (&loaded.root, loaded.fatal) {
        (_, true) => None,
        (None, false) => {
            cx.err(Pos::new(1, 1), format!("{what} is empty"));
            None
        }
        (Some(root), false) => Some(build(&mut cx, root)),
    };
    let mut diagnostics = cx.diags;
    diagnostics.sort();
    diagnostics.dedup();
    (built, diagnostics)
}

fn workflow(cx: &mut Cx, root: &Node) -> Workflow {
    let mut wf = Workflow::default();
    let Some(entries) = cx.map(root, "workflow") else { return wf };
    if entries.is_empty() {
        cx.err(root.pos(), "workflow is empty");
        return wf;
    }
    let f = Fields::new(cx, entries, "\"workflow\" section", WORKFLOW_KEYS);
    wf.name = f.get("name").and_then(|n| cx.string(n, "name"));
    wf.description = f.get("description").and_then(|n| cx.string(n, "description"));
    wf.cache_mode = f.get("cache-mode").and_then(|n| cx.nonempty_string(n, "cache-mode"));
    wf.run_name = f.get("run-name").and_then(|n| cx.string(n, "run-name"));
    match f.entry("on") {
        Some(e) => {
            wf.on_pos = Some(e.key.pos());
            wf.on = events::events(cx, &e.value);
        }
        None => cx.err(root.pos(), "\"on\" section is missing in workflow"),
    }
    wf.permissions = f.get("permissions").and_then(|n| common::permissions(cx, n));
    wf.env = f.get("env").and_then(|n| common::env(cx, n, "env"));
    wf.defaults = f.get("defaults").and_then(|n| common::defaults(cx, n));
    wf.concurrency = f.entry("concurrency").and_then(|e| common::concurrency(cx, e.key.pos(), &e.value));
    wf.verification = f.entry("verification").and_then(|e| common::verification(cx, e.key.pos(), &e.value));
    wf.w3 = f.get("w3").and_then(|n| common::capabilities(cx, n));
    match f.entry("jobs") {
        Some(e) => {
            wf.jobs_pos = Some(e.key.pos());
            wf.jobs = job::jobs(cx, &e.value);
        }
        None => cx.err(root.pos(), "\"jobs\" section is missing in workflow"),
    }
    wf
}

/// Returns `node` as a [`Str`] if it is a scalar.
pub(crate) fn scalar(node: &Node) -> Option<Str> {
    Str::from_node(node)
}
