//! `steps:` of a job.

use super::{common, job};
use crate::ast::fields::{unexpected_key, Cx, Fields};
use crate::ast::{Step, StepKind};
use crate::yaml::{Entry, Node};

const RUN_KEYS: &[&str] = &[
    "id",
    "name",
    "if",
    "run",
    "shell",
    "working-directory",
    "env",
    "continue-on-error",
    "timeout-minutes",
    "verification",
    "background",
];
const USES_KEYS: &[&str] =
    &["id", "name", "if", "uses", "with", "env", "continue-on-error", "timeout-minutes", "verification", "background"];
/// Keys of the control steps of background execution (`wait`, `wait-all`, `cancel`, `parallel`).
const CONTROL_KEYS: &[&str] =
    &["id", "name", "if", "wait", "wait-all", "cancel", "parallel", "continue-on-error", "timeout-minutes"];

/// Reads the `steps:` sequence.
pub(super) fn steps(cx: &mut Cx, node: &Node) -> Vec<Step> {
    let Some(items) = node.as_seq() else {
        if node.is_null() {
            cx.err(node.pos(), "\"steps\" section should not be empty");
        } else {
            cx.err(
                node.pos(),
                format!(
                    "\"steps\" section must be a sequence of steps, but found {} node",
                    super::super::fields::node_kind(node)
                ),
            );
        }
        return Vec::new();
    };
    if items.is_empty() {
        cx.err(node.pos(), "\"steps\" section should not be empty");
    }
    items.iter().filter_map(|item| step(cx, item)).collect()
}

fn step(cx: &mut Cx, node: &Node) -> Option<Step> {
    let Some(entries) = node.as_map() else {
        cx.err(
            node.pos(),
            format!(
                "element of \"steps\" section is {} node but mapping node is expected",
                super::super::fields::node_kind(node)
            ),
        );
        return None;
    };
    let has = |k: &str| entries.iter().any(|e| e.key.as_scalar() == Some(k));
    let control = !has("run") && !has("uses") && ["wait", "wait-all", "cancel", "parallel"].iter().any(|k| has(k));
    let (keys, what) = if control {
        (CONTROL_KEYS, "step to control background steps")
    } else if has("uses") {
        (USES_KEYS, "step to execute action")
    } else {
        (RUN_KEYS, "step to run shell command")
    };
    report_foreign_keys(cx, entries, keys, what);
    let known: Vec<Entry> =
        entries.iter().filter(|e| e.key.as_scalar().is_some_and(|k| keys.contains(&k))).cloned().collect();
    let f = Fields::new(cx, &known, what, keys);
    let kind = match (f.get("run"), f.get("uses")) {
        (Some(run), _) => match cx.string(run, "run") {
            Some(run) => StepKind::Run {
                run,
                shell: f.get("shell").and_then(|n| cx.nonempty_string(n, "shell")),
                working_directory: f.get("working-directory").and_then(|n| cx.nonempty_string(n, "working-directory")),
            },
            None => StepKind::Invalid,
        },
        (None, Some(uses)) => match cx.nonempty_string(uses, "uses") {
            Some(uses) => StepKind::Uses { uses, with: f.get("with").map(|n| job::with(cx, n)).unwrap_or_default() },
            None => StepKind::Invalid,
        },
        (None, None) if control => control_kind(cx, &f),
        (None, None) => {
            cx.err(node.pos(), "step must run script with \"run\" section or run action with \"uses\" section");
            StepKind::Invalid
        }
    };
    Some(Step {
        pos: node.pos(),
        id: f.get("id").and_then(|n| cx.nonempty_string(n, "id")),
        name: f.get("name").and_then(|n| cx.string(n, "name")),
        if_cond: f.get("if").and_then(|n| cx.string(n, "if")),
        kind,
        env: f.get("env").and_then(|n| common::env(cx, n, "env")),
        continue_on_error: f.get("continue-on-error").and_then(|n| cx.bool_or_expr(n, "continue-on-error")),
        timeout_minutes: f.get("timeout-minutes").and_then(|n| common::positive(cx, n, "timeout-minutes")),
        verification: f.entry("verification").and_then(|e| common::verification(cx, e.key.pos(), &e.value)),
        background: f.get("background").and_then(|n| cx.bool_or_expr(n, "background")),
    })
}

/// Reports keys that belong to no step or to the other kind of step.
fn report_foreign_keys(cx: &mut Cx, entries: &[Entry], keys: &[&str], what: &str) {
    for e in entries {
        if let Some(k) = e.key.as_scalar() {
            if !keys.contains(&k) {
                cx.err(e.key.pos(), unexpected_key(k, what, keys));
            }
        }
    }
}

/// Reads a `wait`, `wait-all`, `cancel` or `parallel` step.
fn control_kind(cx: &mut Cx, f: &Fields<'_>) -> StepKind {
    if let Some(e) = f.entry("wait") {
        let ids = cx.strings(&e.key, &e.value, "wait", false).map(|s| s.items).unwrap_or_default();
        StepKind::Wait { ids }
    } else if f.has("wait-all") {
        StepKind::WaitAll
    } else if let Some(n) = f.get("cancel") {
        cx.nonempty_string(n, "cancel").map_or(StepKind::Invalid, |id| StepKind::Cancel { id })
    } else if let Some(n) = f.get("parallel") {
        StepKind::Parallel { steps: steps(cx, n) }
    } else {
        StepKind::Invalid
    }
}
