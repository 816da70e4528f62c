//! `on:` — every form GitHub accepts.

use super::scalar;
use crate::ast::fields::{node_kind, unique_ids, Cx, Fields};
use crate::ast::{
    CallOutput, CallSecret, Cron, Event, Filter, Input, Schedule, Str, Webhook, WorkflowCall, WorkflowDispatch,
};
use crate::diag::{Diagnostic, Severity};
use crate::yaml::{Node, NodeKind};

const WEBHOOK_KEYS: &[&str] = &[
    "types",
    "branches",
    "branches-ignore",
    "tags",
    "tags-ignore",
    "paths",
    "paths-ignore",
    "workflows",
    "names",
    "versions",
];
const DISPATCH_INPUT_KEYS: &[&str] = &["description", "required", "default", "type", "options"];
const CALL_INPUT_KEYS: &[&str] = &["description", "required", "default", "type"];

/// Reads `on:` as a string, a sequence of event names, or a mapping of event configurations.
pub(super) fn events(cx: &mut Cx, node: &Node) -> Vec<Event> {
    match &node.kind {
        NodeKind::Scalar { .. } if node.is_null() => {
            cx.err(node.pos(), "\"on\" section should not be empty");
            Vec::new()
        }
        NodeKind::Scalar { .. } => scalar(node).map(|name| bare(cx, name)).into_iter().collect(),
        NodeKind::Seq(items) => {
            if items.is_empty() {
                cx.err(node.pos(), "\"on\" section should not be empty");
            }
            let names: Vec<Str> = items.iter().filter_map(|n| cx.nonempty_string(n, "on")).collect();
            names.into_iter().map(|name| bare(cx, name)).collect()
        }
        NodeKind::Map(entries) => {
            if entries.is_empty() {
                cx.err(node.pos(), "\"on\" section should not be empty");
            }
            let mut out = Vec::new();
            for (name, value) in unique_ids(cx, entries, "\"on\" section") {
                if let Some(e) = configured(cx, name, value) {
                    out.push(e);
                }
            }
            out
        }
        NodeKind::RecursiveAlias { .. } => {
            cx.err(
                node.pos(),
                format!("\"on\" section is {} node but a string, sequence or mapping is expected", node_kind(node)),
            );
            Vec::new()
        }
    }
}

/// An event named without configuration (`on: push` or `on: [push, pull_request]`).
fn bare(cx: &mut Cx, name: Str) -> Event {
    match name.value.as_str() {
        "schedule" => {
            cx.err(name.pos, "schedule event must be configured with a sequence of \"cron\" entries");
            Event::Schedule(Schedule { name, crons: Vec::new() })
        }
        "workflow_dispatch" => Event::WorkflowDispatch(WorkflowDispatch { name, inputs: Vec::new() }),
        "workflow_call" => {
            Event::WorkflowCall(WorkflowCall { name, inputs: Vec::new(), outputs: Vec::new(), secrets: Vec::new() })
        }
        _ => Event::Webhook(Webhook { name, types: None, filters: Vec::new() }),
    }
}

fn configured(cx: &mut Cx, name: Str, value: &Node) -> Option<Event> {
    match name.value.as_str() {
        "schedule" => Some(Event::Schedule(schedule(cx, name, value))),
        "workflow_dispatch" => {
            let inputs = match dispatch_section(cx, value).and_then(|f| f.get("inputs")) {
                Some(n) => inputs(cx, n, DISPATCH_INPUT_KEYS, "inputs at workflow_dispatch event"),
                None => Vec::new(),
            };
            Some(Event::WorkflowDispatch(WorkflowDispatch { name, inputs }))
        }
        "workflow_call" => Some(Event::WorkflowCall(workflow_call(cx, name, value))),
        _ => Some(Event::Webhook(webhook(cx, name, value))),
    }
}

/// Reads a mapping section whose keys are fixed; a null value is an empty section.
fn section<'n>(cx: &mut Cx, node: &'n Node, what: &str, keys: &[&str]) -> Option<Fields<'n>> {
    let entries = cx.map(node, what)?;
    Some(Fields::new(cx, entries, &format!("\"{what}\" section"), keys))
}

/// Reads `workflow_dispatch:`; GitHub ignores keys other than `inputs` there, so they are
/// warnings, not errors.
fn dispatch_section<'n>(cx: &mut Cx, node: &'n Node) -> Option<Fields<'n>> {
    let entries = cx.map(node, "workflow_dispatch")?;
    let before = cx.diags.len();
    let f = Fields::new(cx, entries, "\"workflow_dispatch\" section", &["inputs"]);
    for d in &mut cx.diags[before..] {
        if d.message.starts_with("unexpected key") {
            d.severity = Severity::Warning;
            d.message.push_str(" (GitHub ignores it)");
        }
    }
    Some(f)
}

fn webhook(cx: &mut Cx, name: Str, value: &Node) -> Webhook {
    let mut hook = Webhook { name, types: None, filters: Vec::new() };
    let Some(entries) = cx.map(value, &hook.name.value) else { return hook };
    let what = format!("\"{}\" section", hook.name.value);
    let f = Fields::new(cx, entries, &what, WEBHOOK_KEYS);
    for key in WEBHOOK_KEYS {
        let Some(e) = f.entry(key) else { continue };
        let Some(values) = cx.strings(&e.key, &e.value, key, false) else { continue };
        if *key == "types" {
            hook.types = Some(values);
        } else if let Some(name) = scalar(&e.key) {
            hook.filters.push(Filter { name, values });
        }
    }
    hook.filters.sort_by_key(|f| f.name.pos);
    hook
}

fn schedule(cx: &mut Cx, name: Str, value: &Node) -> Schedule {
    let mut crons = Vec::new();
    match &value.kind {
        NodeKind::Seq(items) => {
            if items.is_empty() {
                cx.err(value.pos(), "\"schedule\" section should not be empty");
            }
            for item in items {
                crons.extend(cron_entry(cx, item));
            }
        }
        NodeKind::Map(_) => {
            // The seed document writes `schedule: {cron: ...}`; GitHub wants a sequence.
            crons.extend(cron_entry(cx, value));
            cx.diags.push(Diagnostic {
                severity: Severity::Warning,
                ..Diagnostic::at(
                    "events",
                    value.pos(),
                    "\"schedule\" should be a sequence of entries (`- cron: '...'`); the mapping form is accepted by w3 but not by GitHub",
                )
            });
        }
        _ => cx.err(value.pos(), "schedule event must be configured with a sequence of \"cron\" entries"),
    }
    Schedule { name, crons }
}

fn cron_entry(cx: &mut Cx, node: &Node) -> Option<Cron> {
    let entries = cx.map(node, "schedule")?;
    let f = Fields::new(cx, entries, "element of \"schedule\" section", &["cron", "timezone"]);
    let Some(cron) = f.get("cron").and_then(|n| cx.nonempty_string(n, "cron")) else {
        if !f.has("cron") {
            cx.err(node.pos(), "\"cron\" is missing in an element of \"schedule\" section");
        }
        return None;
    };
    let timezone = f.get("timezone").and_then(|n| cx.nonempty_string(n, "timezone"));
    Some(Cron { pos: node.pos(), cron, timezone })
}

fn inputs(cx: &mut Cx, node: &Node, keys: &[&str], what: &str) -> Vec<Input> {
    let Some(entries) = cx.map(node, "inputs") else { return Vec::new() };
    let mut out = Vec::new();
    for (id, value) in unique_ids(cx, entries, "\"inputs\" section") {
        let mut input = Input { id, description: None, required: None, default: None, ty: None, options: None };
        if let Some(entries) = cx.map(value, "inputs") {
            let f = Fields::new(cx, entries, what, keys);
            input.description = f.get("description").and_then(|n| cx.string(n, "description"));
            input.required = f.get("required").and_then(|n| cx.bool_or_expr(n, "required"));
            input.default = f.get("default").cloned();
            input.ty = f.get("type").and_then(|n| cx.nonempty_string(n, "type"));
            input.options = f.entry("options").and_then(|e| cx.strings(&e.key, &e.value, "options", false));
        }
        out.push(input);
    }
    out
}

fn workflow_call(cx: &mut Cx, name: Str, value: &Node) -> WorkflowCall {
    let mut call = WorkflowCall { name, inputs: Vec::new(), outputs: Vec::new(), secrets: Vec::new() };
    let Some(f) = section(cx, value, "workflow_call", &["inputs", "outputs", "secrets"]) else { return call };
    if let Some(n) = f.get("inputs") {
        call.inputs = inputs(cx, n, CALL_INPUT_KEYS, "inputs at workflow_call event");
        for input in &call.inputs {
            if input.ty.is_none() {
                cx.err(
                    input.id.pos,
                    format!("\"type\" is missing at \"{}\" input of workflow_call event", input.id.value),
                );
            }
        }
    }
    if let Some(entries) = f.get("outputs").and_then(|n| cx.map(n, "outputs")) {
        for (id, value) in unique_ids(cx, entries, "\"outputs\" section") {
            let mut out = CallOutput { id, description: None, value: None };
            if let Some(entries) = cx.map(value, "outputs") {
                let f = Fields::new(cx, entries, "outputs at workflow_call event", &["description", "value"]);
                out.description = f.get("description").and_then(|n| cx.string(n, "description"));
                out.value = f.get("value").and_then(|n| cx.string(n, "value"));
                if out.value.is_none() && !f.has("value") {
                    cx.err(
                        out.id.pos,
                        format!("\"value\" is missing at \"{}\" output of workflow_call event", out.id.value),
                    );
                }
            }
            call.outputs.push(out);
        }
    }
    if let Some(entries) = f.get("secrets").and_then(|n| cx.map(n, "secrets")) {
        for (id, value) in unique_ids(cx, entries, "\"secrets\" section") {
            let mut secret = CallSecret { id, description: None, required: None };
            if let Some(entries) = cx.map(value, "secrets") {
                let f = Fields::new(cx, entries, "\"secrets\" section", &["description", "required"]);
                secret.description = f.get("description").and_then(|n| cx.string(n, "description"));
                secret.required = f.get("required").and_then(|n| cx.bool_or_expr(n, "required"));
            }
            call.secrets.push(secret);
        }
    }
    call
}
