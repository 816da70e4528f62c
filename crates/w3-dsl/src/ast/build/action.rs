//! Action metadata (`action.yml`): name, inputs, outputs and how the action runs.

use super::{scalar, step};
use crate::ast::fields::{node_kind, unique_ids, Cx, Fields};
use crate::ast::{Action, ActionInput, ActionOutput, ActionRuns, RunsKind};
use crate::diag::Diagnostic;
use crate::yaml::{Node, Resolved};

const ACTION_KEYS: &[&str] = &["name", "author", "description", "inputs", "outputs", "runs", "branding"];
const INPUT_KEYS: &[&str] = &["description", "required", "default", "deprecationMessage"];
const OUTPUT_KEYS: &[&str] = &["description", "value"];
const RUNS_KEYS: &[&str] = &[
    "using",
    "main",
    "pre",
    "pre-if",
    "post",
    "post-if",
    "steps",
    "image",
    "entrypoint",
    "pre-entrypoint",
    "post-entrypoint",
    "args",
    "env",
];

/// The result of parsing an `action.yml`: the metadata (absent when the file is not YAML at
/// all) and every diagnostic found on the way, sorted by position.
#[derive(Debug, Default)]
pub struct ParsedAction {
    pub action: Option<Action>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Parses the text of an action's metadata file (`action.yml` or `action.yaml`).
pub fn parse_action(src: &str) -> ParsedAction {
    let (action, diagnostics) = super::document(src, "action metadata", action);
    ParsedAction { action, diagnostics }
}

fn action(cx: &mut Cx, root: &Node) -> Action {
    let mut a = Action { pos: root.pos(), ..Action::default() };
    let Some(entries) = cx.map(root, "action") else { return a };
    let f = Fields::new(cx, entries, "action metadata", ACTION_KEYS);
    a.name = f.get("name").and_then(|n| cx.string(n, "name"));
    if let Some(n) = f.get("inputs") {
        a.inputs = inputs(cx, n);
    }
    if let Some(n) = f.get("outputs") {
        a.outputs = outputs(cx, n);
    }
    match f.entry("runs") {
        Some(e) => a.runs = runs(cx, &e.value),
        None => cx.err(root.pos(), "\"runs\" section is missing in action metadata"),
    }
    a
}

fn inputs(cx: &mut Cx, node: &Node) -> Vec<ActionInput> {
    let Some(entries) = cx.map(node, "inputs") else { return Vec::new() };
    let mut out = Vec::new();
    for (id, value) in unique_ids(cx, entries, "\"inputs\" section") {
        let mut input = ActionInput { id, required: false, default: None };
        if let Some(fields) = cx.map(value, "input") {
            let f = Fields::new(cx, fields, "input", INPUT_KEYS);
            if let Some(r) = f.get("required") {
                input.required = match r.resolve() {
                    Some(Resolved::Bool(b)) => b,
                    // GitHub reads the string "true" as true, too.
                    _ => r.as_scalar().is_some_and(|s| s.eq_ignore_ascii_case("true")),
                };
            }
            input.default = f.get("default").and_then(|d| match scalar(d) {
                Some(mut s) => {
                    if d.is_null() {
                        s.value.clear();
                    }
                    Some(s)
                }
                None => {
                    cx.err(
                        d.pos(),
                        format!("the default of an input must be a string, but found {} node", node_kind(d)),
                    );
                    None
                }
            });
        }
        out.push(input);
    }
    out
}

fn outputs(cx: &mut Cx, node: &Node) -> Vec<ActionOutput> {
    let Some(entries) = cx.map(node, "outputs") else { return Vec::new() };
    let mut out = Vec::new();
    for (id, value) in unique_ids(cx, entries, "\"outputs\" section") {
        let mut output = ActionOutput { id, value: None };
        if let Some(fields) = cx.map(value, "output") {
            let f = Fields::new(cx, fields, "output", OUTPUT_KEYS);
            output.value = f.get("value").and_then(|v| cx.string(v, "value"));
        }
        out.push(output);
    }
    out
}

fn runs(cx: &mut Cx, node: &Node) -> Option<ActionRuns> {
    let entries = cx.map(node, "runs")?;
    let f = Fields::new(cx, entries, "\"runs\" section", RUNS_KEYS);
    let Some(using) = f.get("using").and_then(|n| cx.nonempty_string(n, "using")) else {
        cx.err(node.pos(), "\"using\" is missing in \"runs\" section");
        return None;
    };
    let text = |cx: &mut Cx, key: &str| f.get(key).and_then(|n| cx.nonempty_string(n, key));
    let kind = match using.value.as_str() {
        "composite" => match f.get("steps") {
            Some(n) => RunsKind::Composite { steps: step::steps(cx, n) },
            None => {
                cx.err(node.pos(), "\"steps\" is missing in \"runs\" section of a composite action");
                RunsKind::Composite { steps: Vec::new() }
            }
        },
        u if u.starts_with("node") => {
            let main = text(cx, "main");
            if main.is_none() {
                cx.err(node.pos(), "\"main\" is missing in \"runs\" section of a JavaScript action");
            }
            RunsKind::Node {
                main,
                pre: text(cx, "pre"),
                pre_if: text(cx, "pre-if"),
                post: text(cx, "post"),
                post_if: text(cx, "post-if"),
            }
        }
        "docker" => RunsKind::Docker,
        _ => RunsKind::Other,
    };
    Some(ActionRuns { pos: node.pos(), using, kind })
}
