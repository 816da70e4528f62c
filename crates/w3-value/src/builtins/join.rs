//! Implements `join()`, measuring the string while it grows.

use crate::error::ValueError;
use crate::memory::Memory;
use crate::value::Value;

/// Returns `join(value, separator)`: a primitive as a string, an array's elements as strings
/// joined by `separator` (`,` when absent or not a primitive), and `''` for an object. Fails
/// with [`ValueError::MemoryExceeded`] as soon as the text outgrows `memory`'s limit.
pub fn join(value: &Value, separator: Option<&Value>, memory: &Memory) -> Result<Value, ValueError> {
    let items = match value {
        Value::Array(items) => items,
        Value::Object(_) => return Ok(Value::from("")),
        primitive => {
            let mut out = memory.builder();
            out.push(&primitive.to_str())?;
            return Ok(Value::from(out.finish()));
        }
    };
    let separator = match separator {
        Some(sep) if sep.is_primitive() => sep.to_str(),
        _ => ",".into(),
    };
    let mut out = memory.builder();
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(&separator)?;
        }
        out.push(&item.to_str())?;
    }
    Ok(Value::from(out.finish()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_as_strings() {
        let items = Value::Array(
            vec![Value::Null, Value::Bool(true), Value::from(1.5), Value::from("x")].into_iter().collect(),
        );
        let unlimited = Memory::new(usize::MAX);
        assert_eq!(join(&items, None, &unlimited), Ok(Value::from(",true,1.5,x")));
        assert_eq!(join(&items, Some(&Value::Null), &unlimited), Ok(Value::from("true1.5x")));
        assert_eq!(join(&items, Some(&Value::from(" | ")), &Memory::new(40)), Err(ValueError::MemoryExceeded));
        assert_eq!(join(&Value::from(2.0), None, &unlimited), Ok(Value::from("2")));
        assert_eq!(join(&Value::from(crate::Object::new()), None, &unlimited), Ok(Value::from("")));
    }
}
