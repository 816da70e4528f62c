//! Starts, joins, ends and unwinds fibers (`docs/vm.md` §2).
//!
//! Scheduling is deterministic without a clock: a fiber runs until it suspends or ends, and
//! ready fibers run in the order they became ready (spawned, woken by a join, or resumed by an
//! answer).

use crate::error::{Fault, VmError};
use crate::fiber::{Ended, Fiber, Frame, Status, Wait};
use crate::meta::{self, clamp, Meta};
use crate::program::Program;
use crate::state::State;
use w3_value::{Object, Value};

/// Starts a fiber running `func` with `arg` in `r0`; its contexts are `parent`'s, a fresh
/// `steps`, then every entry of `arg` when it is an object. Returns its handle.
pub(crate) fn spawn(
    p: &Program,
    st: &mut State,
    parent: &Fiber,
    func: u32,
    arg: Value,
    meta: Meta,
) -> Result<u32, Fault> {
    let limits = &st.limits;
    if st.fibers.len() >= limits.max_fibers as usize {
        return Err(Fault::Fibers { limit: limits.max_fibers });
    }
    let registers = usize::from(p.code[func as usize].registers).max(1);
    if registers > limits.max_stack_slots as usize {
        return Err(Fault::Stack { limit: limits.max_stack_slots });
    }
    let mut child = Fiber {
        entry: func,
        frames: vec![Frame { func, ..Frame::default() }],
        values: vec![Value::Null; registers],
        metas: vec![Meta::ZERO; registers],
        contexts: parent.contexts.clone(),
        ..Fiber::default()
    };
    // Inherited entries are shares: the parent accounts for them.
    child.contexts.entries.iter_mut().for_each(|e| e.meta.bytes = 0);
    child.contexts.set("steps", Value::Object(Object::new()), Meta { bytes: 0, depth: 1 })?;
    child.contexts.set("job", crate::steps::job_context("success"), Meta { bytes: 0, depth: 1 })?;
    if let Value::Object(entries) = &arg {
        for (name, value) in entries.iter() {
            child.contexts.set(name, value.clone(), meta::shared(value, meta.depth))?;
        }
    }
    child.held = child.contexts.bytes();
    st.hold(0, child.held + u64::from(meta.bytes))?;
    debug_assert!(meta.fits(&arg), "a register holding a scalar is accounted zero");
    child.values[0] = arg;
    child.metas[0] = meta;
    let id = st.fibers.len() as u32;
    st.fibers.push(child);
    st.ready.push_back(id);
    Ok(id)
}

/// Returns the fiber `handle` names, if it names one other than `me`.
pub(crate) fn join_target(st: &State, me: u32, handle: &Value) -> Result<u32, Fault> {
    let n = match handle {
        Value::Number(n) => *n,
        other => return Err(Fault::BadHandle(format!("a {}", other.kind()))),
    };
    let valid = n >= 0.0 && n.fract() == 0.0 && n < st.fibers.len() as f64 && n != f64::from(me);
    if !valid {
        return Err(Fault::BadHandle(format!("the number {}", w3_value::number_to_string(n))));
    }
    Ok(n as u32)
}

/// Returns what `Join` gives for fiber `target`, once it has ended:
/// `{result, status, outputs, error}`.
pub(crate) fn joined(st: &State, target: u32) -> Option<(Value, Meta)> {
    let fiber = st.fibers.get(target as usize)?;
    let ended = fiber.ended.as_ref()?;
    let error = ended.error.as_ref().map_or(Value::Null, |e| Value::from(e.to_string()));
    let object: Object = [
        ("result", ended.result.clone()),
        ("status", Value::from(ended.status.as_str())),
        ("outputs", fiber.outputs.clone()),
        ("error", error),
    ]
    .into_iter()
    .collect();
    let meta =
        Meta { bytes: clamp(64 + u64::from(ended.meta.bytes)), depth: ended.meta.depth.max(1).saturating_add(1) };
    Some((Value::Object(object), meta))
}

/// Writes `value` into register `dst` of `fiber`'s running frame.
pub(crate) fn deliver(st: &mut State, fiber: &mut Fiber, dst: u16, value: Value, meta: Meta) -> Result<(), Fault> {
    let base = fiber.frames.last().map_or(0, |f| f.base as usize);
    let i = base + usize::from(dst);
    let (Some(slot), Some(m)) = (fiber.values.get_mut(i), fiber.metas.get_mut(i)) else {
        return Err(Fault::Internal("a resumed fiber's register is out of range".into()));
    };
    debug_assert!(meta.fits(&value), "a register holding a scalar is accounted zero");
    let old = std::mem::replace(m, meta).bytes;
    *slot = value;
    st.hold(u64::from(old), u64::from(meta.bytes))
}

/// Ends fiber `fid` with `end` (its result, or the error that ended it), releases what it
/// held and wakes the fibers joining it.
pub(crate) fn finish(
    st: &mut State,
    fid: u32,
    fiber: &mut Fiber,
    end: Result<(Value, Meta), VmError>,
) -> Result<(), Fault> {
    let released = fiber.truncate(0) + fiber.held;
    fiber.frames.clear();
    fiber.held = 0;
    fiber.step = None;
    fiber.contexts = Default::default();
    let (result, meta, error) = match end {
        Ok((value, meta)) => (value, meta, None),
        Err(e) => (Value::Null, Meta::ZERO, Some(e)),
    };
    let status = if error.is_some() || fiber.step_failed {
        Status::Failure
    } else if fiber.step_cancelled || st.cancelled {
        Status::Cancelled
    } else {
        Status::Success
    };
    // The result stays held (for `Join`); it was part of what the registers held.
    st.hold(released, u64::from(meta.bytes))?;
    fiber.ended = Some(Ended { status, result, meta, error });
    fiber.wait = Wait::Done;
    let waiters = std::mem::take(&mut fiber.waiters);
    // `fiber` is out of `st.fibers` while it runs; put a copy of its end where `joined` looks.
    let slot = &mut st.fibers[fid as usize];
    slot.ended.clone_from(&fiber.ended);
    slot.outputs = fiber.outputs.clone();
    for (w, dst) in waiters {
        let Some((value, meta)) = joined(st, fid) else { continue };
        let mut waiter = std::mem::take(&mut st.fibers[w as usize]);
        let delivered = deliver(st, &mut waiter, dst, value, meta);
        waiter.wait = Wait::Ready;
        st.fibers[w as usize] = waiter;
        delivered?;
        st.ready.push_back(w);
    }
    Ok(())
}

/// Unwinds `fiber` to the innermost `TryCall` below the fault, when `error` is catchable:
/// `dst` gets null and `dst+1` the error message, for people: `file:line:col: message` where
/// the source is known (the full location otherwise). Returns whether it caught the error.
pub(crate) fn unwind(st: &mut State, fiber: &mut Fiber, error: &VmError) -> Result<bool, Fault> {
    if !error.fault.is_catchable() {
        return Ok(false);
    }
    let Some(at) = fiber.frames.iter().rposition(|f| f.ret.catch) else {
        return Ok(false);
    };
    let frame = fiber.frames[at];
    let released = fiber.truncate(frame.base as usize);
    fiber.frames.truncate(at);
    st.hold(released, 0)?;
    let message = match error.at.as_ref().and_then(|at| at.source.as_ref()) {
        Some(s) => format!("{s}: {}", error.fault),
        None => error.to_string(),
    };
    let meta = Meta::string(message.len());
    deliver(st, fiber, frame.ret.dst, Value::Null, Meta::ZERO)?;
    deliver(st, fiber, frame.ret.dst.saturating_add(1), Value::from(message), meta)?;
    Ok(true)
}
