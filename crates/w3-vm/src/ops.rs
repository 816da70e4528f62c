//! Implements the instructions that build values, outside the dispatch loop so the loop stays
//! small: arrays, objects, string conversion and concatenation, filters and built-in functions.
//!
//! Every function returns the new value with its [`Meta`] and the byte count `n` its per-byte
//! gas is charged for (`docs/vm.md` §3). What values mean is `w3-value`'s: nothing here compares,
//! coerces or formats by itself.

use crate::config::Limits;
use crate::error::Fault;
use crate::meta::{clamp, measure, shallow_bytes, Meta};
use w3_isa::{Builtin, BuiltinId};
use w3_value::builtins::call;
use w3_value::{Array, BuiltinFunction, Memory, Object, Value};

/// Holds a created value, its accounting and the bytes its per-byte gas counts.
pub(crate) struct Made {
    pub value: Value,
    pub meta: Meta,
    pub bytes: u64,
}

/// Checks a created value's size and depth against the limits.
pub(crate) fn check(meta: Meta, limits: &Limits) -> Result<(), Fault> {
    if meta.bytes > limits.max_value_bytes {
        return Err(Fault::ValueTooLarge { limit: limits.max_value_bytes });
    }
    if meta.depth > limits.max_value_depth {
        return Err(Fault::ValueTooDeep { limit: limits.max_value_depth });
    }
    Ok(())
}

/// Returns the meta of a collection holding children with `metas`, plus `own` bytes.
fn collection(metas: &[Meta], own: u64, limits: &Limits) -> Result<Meta, Fault> {
    let mut bytes = own;
    let mut depth = 0u16;
    for m in metas {
        bytes = bytes.saturating_add(u64::from(m.bytes));
        depth = depth.max(m.depth);
    }
    let meta = Meta { bytes: clamp(bytes), depth: depth.saturating_add(1) };
    check(meta, limits)?;
    Ok(meta)
}

/// Returns `[values...]` (`MakeArray`).
pub(crate) fn make_array(values: &[Value], metas: &[Meta], limits: &Limits) -> Result<Made, Fault> {
    let own = 8 * values.len() as u64;
    let meta = collection(metas, own, limits)?;
    Ok(Made { value: Value::Array(Array::new(values.to_vec())), meta, bytes: own })
}

/// Returns the object of key/value pairs in `values` (`MakeObject`); keys are converted to
/// strings, and a repeated key keeps its first spelling and takes the last value.
pub(crate) fn make_object(values: &[Value], metas: &[Meta], limits: &Limits) -> Result<Made, Fault> {
    let mut object = Object::new();
    let mut own = 0u64;
    let mut held = Vec::with_capacity(values.len() / 2);
    for (pair, meta) in values.chunks_exact(2).zip(metas.chunks_exact(2)) {
        let key = pair[0].to_str();
        own += 16 + key.len() as u64;
        held.push(meta[1]);
        object.insert(key.into_owned(), pair[1].clone());
    }
    let meta = collection(&held, own, limits)?;
    Ok(Made { value: Value::Object(object), meta, bytes: own })
}

/// Returns `value` converted to a string (`ToStr`); a string is shared, not copied.
pub(crate) fn to_str(value: &Value, limits: &Limits) -> Result<Made, Fault> {
    let value = match value {
        Value::String(s) => Value::String(s.clone()),
        other => Value::from(other.to_str().into_owned()),
    };
    let len = shallow_bytes(&value);
    let meta = Meta::string(len as usize);
    check(meta, limits)?;
    Ok(Made { value, meta, bytes: len })
}

/// Returns the string conversions of `values` joined (`Concat`), failing as soon as the text
/// would outgrow the value limit.
pub(crate) fn concat(values: &[Value], limits: &Limits) -> Result<Made, Fault> {
    // Room for the strings and a short conversion of anything else, so the text is usually
    // allocated once.
    let room: usize = values.iter().map(|v| v.as_str().map_or(24, str::len)).sum();
    let mut text = String::with_capacity(room.min(limits.max_value_bytes as usize));
    let limit = limits.max_value_bytes as usize;
    for v in values {
        let piece = v.to_str();
        if text.len().saturating_add(piece.len()) > limit {
            return Err(Fault::ValueTooLarge { limit: limits.max_value_bytes });
        }
        text.push_str(&piece);
    }
    let len = text.len();
    Ok(Made { value: Value::from(text), meta: Meta::string(len), bytes: len as u64 })
}

/// Returns `value.*` (`Filter`).
pub(crate) fn filter(value: &Value, meta: Meta, limits: &Limits) -> Result<Made, Fault> {
    let value = w3_value::filter(value);
    let bytes = shallow_bytes(&value);
    let meta = Meta { bytes: clamp(bytes), depth: meta.depth.max(1) };
    check(meta, limits)?;
    Ok(Made { value, meta, bytes })
}

/// Returns the bytes a comparison reads: the lengths of its string operands.
pub(crate) fn compared_bytes(a: &Value, b: &Value) -> u64 {
    let len = |v: &Value| v.as_str().map_or(0, |s| s.len() as u64);
    len(a) + len(b)
}

/// Returns `builtin(args...)` (`CallBuiltin`). `memory_left` bounds the strings built-ins grow.
pub(crate) fn call_builtin(
    builtin: BuiltinId,
    args: &[Value],
    metas: &[Meta],
    limits: &Limits,
    memory_left: u64,
) -> Result<Made, Fault> {
    let read: u64 = args.iter().map(|a| a.as_str().map_or(0, |s| s.len() as u64)).sum();
    let function = match Builtin::from_id(builtin) {
        Some(Builtin::Contains) => BuiltinFunction::Contains,
        Some(Builtin::StartsWith) => BuiltinFunction::StartsWith,
        Some(Builtin::EndsWith) => BuiltinFunction::EndsWith,
        Some(Builtin::Format) => BuiltinFunction::Format,
        Some(Builtin::Join) => BuiltinFunction::Join,
        Some(Builtin::ToJson) => BuiltinFunction::ToJson,
        Some(Builtin::FromJson) => BuiltinFunction::FromJson,
        Some(Builtin::Case) => return case(args, metas, read),
        Some(Builtin::MatrixExpand) => return expand(args, metas, limits, read),
        None => return Err(Fault::Fail(format!("unknown builtin {}", builtin.0))),
    };
    // w3-value counts strings as GitHub does (26 + 2 per UTF-16 unit); allow the value limit in
    // UTF-8 bytes, then check the result in the VM's own units below.
    let allowed = u64::from(limits.max_value_bytes).min(memory_left);
    let memory = Memory::new(usize::try_from(26 + 2 * allowed).unwrap_or(usize::MAX));
    let held = call(function, args, &memory)?;
    let meta = match &held.value {
        v if v.is_primitive() => Meta::string(shallow_bytes(v) as usize),
        v => {
            let max = limits.max_value_depth;
            let (bytes, depth) =
                measure(v, max, 4 * u64::from(limits.max_value_bytes)).ok_or(Fault::ValueTooDeep { limit: max })?;
            Meta { bytes: clamp(bytes), depth }
        }
    };
    check(meta, limits)?;
    Ok(Made { value: held.value, meta, bytes: read + u64::from(meta.bytes) })
}

/// Evaluates `case(pred, value, ..., default)` eagerly: the value of the first `true`
/// predicate, else the default; a predicate that is not a boolean fails, as in GitHub.
fn case(args: &[Value], metas: &[Meta], read: u64) -> Result<Made, Fault> {
    let mut at = 0;
    while at + 1 < args.len() {
        match &args[at] {
            Value::Bool(true) => break,
            Value::Bool(false) => at += 2,
            _ => return Err(Fault::Fail("case predicate must evaluate to a boolean value".into())),
        }
    }
    let pick = if at + 1 < args.len() { at + 1 } else { args.len().saturating_sub(1) };
    let value = args.get(pick).cloned().unwrap_or(Value::Null);
    let meta = metas.get(pick).copied().unwrap_or(Meta::ZERO);
    Ok(Made { value, meta, bytes: read })
}

fn expand(args: &[Value], metas: &[Meta], limits: &Limits, read: u64) -> Result<Made, Fault> {
    let value = w3_value::matrix::expand(args.first().unwrap_or(&Value::Null)).map_err(|e| Fault::Matrix(e.0))?;
    let depth = metas.first().map_or(0, |m| m.depth).saturating_add(1);
    let bytes = match &value {
        Value::Array(a) => a.iter().filter_map(Value::as_object).map(|o| 8 + 16 * o.len() as u64).sum(),
        _ => 0,
    };
    let meta = Meta { bytes: clamp(bytes), depth };
    check(meta, limits)?;
    Ok(Made { value, meta, bytes: read + bytes })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_and_bounds_values() {
        let limits = Limits { max_value_bytes: 10, ..Limits::default() };
        let parts = [Value::from("abc"), Value::from(1.5)];
        let made = concat(&parts, &limits).unwrap();
        assert_eq!(made.value, Value::from("abc1.5"));
        assert_eq!(made.meta, Meta::string(6));
        let long = [Value::from("abcdef"), Value::from("ghijk")];
        assert_eq!(concat(&long, &limits).err(), Some(Fault::ValueTooLarge { limit: 10 }));
        let obj = make_object(&parts, &[Meta::string(3), Meta::ZERO], &Limits::default()).unwrap();
        assert_eq!(obj.meta, Meta { bytes: 19, depth: 1 });
        let deep = Limits { max_value_depth: 1, ..Limits::default() };
        let nested = [obj.value.clone()];
        assert_eq!(make_array(&nested, &[obj.meta], &deep).err(), Some(Fault::ValueTooDeep { limit: 1 }));
    }

    #[test]
    fn case_picks_the_first_true_predicate() {
        let args = [Value::Bool(false), Value::from("a"), Value::Bool(true), Value::from("b"), Value::from("c")];
        let metas = [Meta::ZERO; 5];
        assert_eq!(case(&args, &metas, 0).unwrap().value, Value::from("b"));
        assert_eq!(case(&args[2..][..0], &[], 0).unwrap().value, Value::Null);
        assert_eq!(
            case(&[Value::Bool(false), Value::Null, Value::from("d")], &metas[..3], 0).unwrap().value,
            Value::from("d")
        );
        assert!(matches!(case(&[Value::from(1.0), Value::Null, Value::Null], &metas[..3], 0), Err(Fault::Fail(_))));
    }
}
