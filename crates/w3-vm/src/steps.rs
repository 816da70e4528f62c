//! Implements the instructions that keep a job's state: `StepBegin`, `StepEnd`, `SetOutput`,
//! `SetEnv`, `MergeOutputs`, `MergeEnv`, `SetContext` and `Status` (`docs/vm.md` §2).
//!
//! Bytes written into contexts and outputs count towards the run's memory from when they are
//! written until the fiber ends (a replaced context releases what it held).

use crate::error::Fault;
use crate::fiber::{Fiber, OpenStep};
use crate::meta::{clamp, Meta};
use crate::state::State;
use std::sync::Arc;
use w3_isa::StatusKind;
use w3_value::{Object, Value};

/// The conclusions and outcomes a step may record.
const RESULTS: [&str; 4] = ["success", "failure", "cancelled", "skipped"];

/// Returns the `job` context for a job whose status is `status`.
pub(crate) fn job_context(status: &str) -> Value {
    Value::Object([("status", Value::from(status))].into_iter().collect())
}

/// Replaces context `name` of `fiber` with `value`, accounting its bytes.
pub(crate) fn set_context(
    fiber: &mut Fiber,
    st: &mut State,
    name: &str,
    value: Value,
    meta: Meta,
) -> Result<(), Fault> {
    let old = u64::from(fiber.contexts.set(name, value, meta)?);
    let new = u64::from(meta.bytes);
    fiber.held = fiber.held.saturating_sub(old).saturating_add(new);
    st.hold(old, new)
}

/// Takes context `name` out of `fiber` as an object (an empty one if it is not an object),
/// leaving null behind so the object is not shared and can grow in place.
fn take_object(fiber: &mut Fiber, name: &str) -> (Object, Meta) {
    let folded = w3_value::text::fold(name);
    let entry = fiber.contexts.entries.iter_mut().find(|e| e.folded == folded);
    match entry.map(|e| (std::mem::replace(&mut e.value, Value::Null), e.meta)) {
        Some((Value::Object(o), meta)) => (o, meta),
        Some((_, meta)) => (Object::new(), meta),
        None => (Object::new(), Meta::ZERO),
    }
}

/// Runs `StepBegin id`: opens the step's env scope and output set.
pub(crate) fn begin(fiber: &mut Fiber, id: &Arc<str>) -> Result<(), Fault> {
    if let Some(open) = &fiber.step {
        return Err(Fault::Step(format!("step `{id}` begins while step `{}` is open", open.id)));
    }
    let saved_env = fiber.contexts.get(&w3_value::text::fold("env")).map(|e| (e.value.clone(), e.meta));
    fiber.step = Some(OpenStep { id: id.clone(), outputs: Value::Object(Object::new()), saved_env });
    Ok(())
}

fn result_text(value: &Value, what: &str) -> Result<&'static str, Fault> {
    let text = value.to_str();
    RESULTS.iter().find(|r| **r == text).copied().ok_or_else(|| {
        Fault::Step(format!("a step's {what} must be success, failure, cancelled or skipped, not `{text}`"))
    })
}

/// Runs `StepEnd id, outcome, conclusion`: records `steps.<id>` (for a step with an id),
/// restores the env from before the step and notes a `failure` or `cancelled` conclusion.
pub(crate) fn end(
    fiber: &mut Fiber,
    st: &mut State,
    id: &Arc<str>,
    outcome: &Value,
    conclusion: &Value,
) -> Result<(), Fault> {
    let outcome = result_text(outcome, "outcome")?;
    let conclusion = result_text(conclusion, "conclusion")?;
    let open = match fiber.step.take() {
        Some(open) if open.id == *id => open,
        Some(open) => {
            let message = format!("step `{id}` ends while step `{}` is open", open.id);
            fiber.step = Some(open);
            return Err(Fault::Step(message));
        }
        None => return Err(Fault::Step(format!("step `{id}` ends but no step is open"))),
    };
    let (env, env_meta) = open.saved_env.unwrap_or((Value::Null, Meta::ZERO));
    set_context(fiber, st, "env", env, env_meta)?;
    fiber.step_failed |= conclusion == "failure";
    fiber.step_cancelled |= conclusion == "cancelled";
    let status = if fiber.step_failed {
        "failure"
    } else if fiber.step_cancelled || st.cancelled {
        "cancelled"
    } else {
        "success"
    };
    if conclusion != "success" {
        set_context(fiber, st, "job", job_context(status), Meta { bytes: 0, depth: 1 })?;
    }
    if id.is_empty() {
        return Ok(());
    }
    let record: Object =
        [("outputs", open.outputs), ("outcome", Value::from(outcome)), ("conclusion", Value::from(conclusion))]
            .into_iter()
            .collect();
    let (mut steps, meta) = take_object(fiber, "steps");
    steps.insert(id.to_string(), Value::Object(record));
    let grown = 16 + id.len() as u64 + 48 + (outcome.len() + conclusion.len()) as u64;
    let meta = Meta { bytes: clamp(u64::from(meta.bytes) + grown), depth: 3 };
    set_context(fiber, st, "steps", Value::Object(steps), meta)
}

/// Runs `SetOutput name, value`: sets an output of the open step, or of the job outside a
/// step, to `value` as a string. Returns the bytes written, for per-byte gas.
pub(crate) fn set_output(fiber: &mut Fiber, st: &mut State, name: &Arc<str>, value: &Value) -> Result<u64, Fault> {
    let text = value.to_str().into_owned();
    let bytes = (text.len() + name.len()) as u64;
    let outputs = match &mut fiber.step {
        Some(open) => &mut open.outputs,
        None => &mut fiber.outputs,
    };
    if !matches!(outputs, Value::Object(_)) {
        *outputs = Value::Object(Object::new());
    }
    if let Value::Object(o) = outputs {
        o.insert(name.to_string(), Value::from(text));
    }
    fiber.held = fiber.held.saturating_add(16 + bytes);
    st.hold(0, 16 + bytes)?;
    Ok(bytes)
}

/// Runs `SetEnv name, value`: sets `env.name` to `value` as a string, for the rest of the open
/// step or, outside a step, of the job. Returns the bytes written, for per-byte gas.
pub(crate) fn set_env(fiber: &mut Fiber, st: &mut State, name: &Arc<str>, value: &Value) -> Result<u64, Fault> {
    let text = value.to_str().into_owned();
    let bytes = (text.len() + name.len()) as u64;
    let (mut env, meta) = take_object(fiber, "env");
    env.insert(name.to_string(), Value::from(text));
    let meta = Meta { bytes: clamp(u64::from(meta.bytes) + 16 + bytes), depth: 1 };
    set_context(fiber, st, "env", Value::Object(env), meta)?;
    Ok(bytes)
}

/// A setter of one named value: [`set_output`] or [`set_env`].
type Setter = fn(&mut Fiber, &mut State, &Arc<str>, &Value) -> Result<u64, Fault>;

/// Runs `MergeOutputs src` (with [`set_output`]) or `MergeEnv src` (with [`set_env`]): `set`
/// for every entry of `src`, when it is an object. Returns the bytes written, for per-byte gas.
pub(crate) fn merge(fiber: &mut Fiber, st: &mut State, src: &Value, set: Setter) -> Result<u64, Fault> {
    let Value::Object(o) = src else { return Ok(0) };
    let mut bytes = 0u64;
    for (k, v) in o.iter() {
        bytes = bytes.saturating_add(set(fiber, st, &Arc::from(k), v)?);
    }
    Ok(bytes)
}

/// Runs `MergeContext name, src`: sets every entry of `src`, when it is an object, into the
/// object context `name`. Returns the bytes written, for per-byte gas.
pub(crate) fn merge_context(
    fiber: &mut Fiber,
    st: &mut State,
    name: &str,
    src: &Value,
    src_meta: Meta,
) -> Result<u64, Fault> {
    let Value::Object(entries) = src else { return Ok(0) };
    let (mut object, meta) = take_object(fiber, name);
    let mut bytes = 0u64;
    for (k, v) in entries.iter() {
        bytes = bytes.saturating_add(k.len() as u64);
        object.insert(k.to_string(), v.clone());
    }
    let grown = u64::from(src_meta.bytes).saturating_add(16);
    let meta =
        Meta { bytes: clamp(u64::from(meta.bytes).saturating_add(grown)), depth: meta.depth.max(src_meta.depth) };
    set_context(fiber, st, name, Value::Object(object), meta)?;
    Ok(bytes.saturating_add(u64::from(src_meta.bytes)))
}

/// Returns the status function `kind` for `fiber`: `success()` while no step concluded
/// `failure` and the run is not cancelled, `failure()` once one has, `cancelled()` once the
/// run is, `always()` always.
pub(crate) fn status(fiber: &Fiber, st: &State, kind: StatusKind) -> bool {
    match kind {
        StatusKind::Success => !fiber.step_failed && !st.cancelled,
        StatusKind::Always => true,
        StatusKind::Failure => fiber.step_failed,
        StatusKind::Cancelled => st.cancelled,
    }
}
