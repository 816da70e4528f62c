//! `events`: every trigger under `on:` is a real event, with activity types and filters it
//! accepts, and with well-typed `workflow_dispatch`/`workflow_call` inputs. (Schedules are
//! checked by the `schedule` rule under the same name.)

use crate::knowledge::events::{event, event_names, events_with_filter};
use crate::{Context, Rule};
use w3_dsl::ast::{Event, Input, Webhook, Workflow};
use w3_dsl::diag::did_you_mean;
use w3_dsl::yaml::Resolved;
use w3_dsl::Diagnostic;

pub struct Events;

const NAME: &str = "events";
const DISPATCH_TYPES: &[&str] = &["boolean", "choice", "environment", "number", "string"];
const CALL_TYPES: &[&str] = &["boolean", "number", "string"];
const MAX_DISPATCH_INPUTS: usize = 25;

fn quoted(items: &[&str]) -> String {
    items.iter().map(|s| format!("\"{s}\"")).collect::<Vec<_>>().join(", ")
}

fn webhook(hook: &Webhook, out: &mut Vec<Diagnostic>) {
    let name = &hook.name.value;
    let Some(spec) = event(name) else {
        let hint = did_you_mean(name, event_names()).map(|s| format!(" did you mean \"{s}\"?")).unwrap_or_default();
        out.push(Diagnostic::at(NAME, hook.name.pos, format!("unknown Webhook event \"{name}\".{hint} see https://docs.github.com/en/actions/reference/workflows-and-actions/events-that-trigger-workflows#webhook-events for list of all Webhook event names")));
        return;
    };
    if let Some(types) = &hook.types {
        if !spec.takes_types() {
            out.push(Diagnostic::at(NAME, types.key.pos, format!("\"{name}\" event does not take activity types")));
        } else {
            for t in types.items.iter().filter(|t| !spec.accepts_type(&t.value)) {
                out.push(Diagnostic::at(
                    NAME,
                    t.pos,
                    format!(
                        "invalid activity type \"{}\" for \"{name}\" Webhook event. available types are {}",
                        t.value,
                        quoted(spec.types)
                    ),
                ));
            }
        }
    }
    for f in &hook.filters {
        let key = f.name.value.as_str();
        if !spec.accepts_filter(key) {
            let only: Vec<&str> = events_with_filter(key).collect();
            out.push(Diagnostic::at(
                NAME,
                f.name.pos,
                format!(
                    "\"{key}\" filter is not available for {name} event. it is only for {} events",
                    only.join(", ")
                ),
            ));
        }
        if let Some(base) = key.strip_suffix("-ignore") {
            if let Some(other) = hook.filters.iter().find(|o| o.name.value == base) {
                let later = if other.name.pos > f.name.pos { &other.name } else { &f.name };
                out.push(Diagnostic::at(NAME, later.pos, format!("both \"{base}\" and \"{key}\" filters cannot be used for the same event \"{name}\". note: use '!' to negate patterns")));
            }
        }
    }
}

/// Returns the default value as text when it is a scalar.
fn default_text(input: &Input) -> Option<(String, w3_dsl::Pos, Option<Resolved<'_>>)> {
    let d = input.default.as_ref()?;
    Some((d.as_scalar()?.to_string(), d.pos(), d.resolve()))
}

fn check_input(input: &Input, call: bool, out: &mut Vec<Diagnostic>) {
    let id = &input.id.value;
    let ty = input.ty.as_ref().map(|t| t.value.as_str()).unwrap_or("string");
    if let Some(t) = &input.ty {
        let allowed = if call { CALL_TYPES } else { DISPATCH_TYPES };
        if !allowed.contains(&t.value.as_str()) {
            out.push(Diagnostic::at(
                NAME,
                t.pos,
                format!("input type of \"{id}\" must be one of {} but got \"{}\"", quoted(allowed), t.value),
            ));
            return;
        }
    }
    if let Some(opts) = &input.options {
        if ty != "choice" {
            out.push(Diagnostic::at(
                NAME,
                input.id.pos,
                format!("\"options\" can not be set to \"{id}\" input because its input type is not \"choice\""),
            ));
        }
        for (i, o) in opts.items.iter().enumerate() {
            if opts.items[..i].iter().any(|p| p.value == o.value) {
                out.push(Diagnostic::at(
                    NAME,
                    o.pos,
                    format!("option \"{}\" is duplicated in options of \"{id}\" input", o.value),
                ));
            }
        }
    }
    if ty == "choice" && input.options.as_ref().is_none_or(|o| o.items.is_empty()) {
        out.push(Diagnostic::at(
            NAME,
            input.id.pos,
            format!("input type of \"{id}\" is \"choice\" but \"options\" is not set"),
        ));
    }
    let Some((text, pos, resolved)) = default_text(input) else { return };
    if input.required.as_ref().and_then(|r| r.literal()).copied() == Some(true) && call {
        out.push(Diagnostic::at(NAME, pos, format!("input \"{id}\" of workflow_call event has the default value \"{text}\", but it is also required. if an input is marked as required, its default value will never be used")));
    }
    if text.contains("${{") {
        return;
    }
    match ty {
        "boolean" if !matches!(resolved, Some(Resolved::Bool(_))) && text != "true" && text != "false" => {
            out.push(Diagnostic::at(
                NAME,
                pos,
                format!(
                    "type of \"{id}\" input is \"boolean\". its default value \"{text}\" must be \"true\" or \"false\""
                ),
            ));
        }
        "number" if text.trim().parse::<f64>().is_err() => {
            out.push(Diagnostic::at(NAME, pos, format!("type of \"{id}\" input is \"number\" but its default value \"{text}\" cannot be parsed as a number")));
        }
        "choice" => {
            if let Some(opts) = &input.options {
                if !opts.items.iter().any(|o| o.value == text) {
                    let list: Vec<&str> = opts.items.iter().map(|o| o.value.as_str()).collect();
                    out.push(Diagnostic::at(
                        NAME,
                        pos,
                        format!(
                            "default value \"{text}\" of \"{id}\" input is not included in its options {}",
                            quoted(&list)
                        ),
                    ));
                }
            }
        }
        _ => {}
    }
}

impl Rule for Events {
    fn name(&self) -> &'static str {
        NAME
    }

    fn check(&self, _cx: &Context<'_>, wf: &Workflow, out: &mut Vec<Diagnostic>) {
        for e in &wf.on {
            match e {
                Event::Webhook(hook) => webhook(hook, out),
                Event::Schedule(_) => {}
                Event::WorkflowDispatch(d) => {
                    if d.inputs.len() > MAX_DISPATCH_INPUTS {
                        out.push(Diagnostic::at(NAME, d.name.pos, format!("maximum number of inputs for \"workflow_dispatch\" event is {MAX_DISPATCH_INPUTS} but {} inputs are provided. see https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-syntax#onworkflow_dispatchinputs", d.inputs.len())));
                    }
                    d.inputs.iter().for_each(|i| check_input(i, false, out));
                }
                Event::WorkflowCall(c) => c.inputs.iter().for_each(|i| check_input(i, true, out)),
            }
        }
    }
}
