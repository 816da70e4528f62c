//! Implements `toJSON()` and `fromJSON()`.

use crate::error::ValueError;
use crate::json::{parse_json, to_json_limited, JsonStyle};
use crate::memory::{string_size, Memory};
use crate::text::utf16_len;
use crate::value::Value;

/// Returns `toJSON(value)`: pretty JSON with NaN and infinities as `null`. Fails with
/// [`ValueError::MemoryExceeded`] as soon as the text outgrows `memory`'s limit, and with
/// [`ValueError::ValueTooDeep`] for values nested deeper than 1000.
pub fn to_json(value: &Value, memory: &Memory) -> Result<Value, ValueError> {
    to_json_limited(value, JsonStyle::TO_JSON, memory.limit()).map(Value::from)
}

/// Returns `fromJSON(text)`: the value `text` (converted to a string) denotes as JSON.
pub fn from_json(text: &Value) -> Result<Value, ValueError> {
    parse_json(&text.to_str())
}

/// Returns the bytes GitHub accounts for holding the result of `fromJSON(text)`: its JSON
/// text as a string plus 24, for as long as the parsed value lives.
pub fn from_json_size(text: &Value) -> usize {
    string_size(utf16_len(&text.to_str())).saturating_add(24)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_text() {
        let memory = Memory::default();
        let value = from_json(&Value::from(r#"{"a": [1, "x"]}"#)).unwrap();
        assert_eq!(to_json(&value, &memory), Ok(Value::from("{\n  \"a\": [\n    1,\n    \"x\"\n  ]\n}")));
        assert!(matches!(from_json(&Value::Null), Err(ValueError::InvalidJson(_))));
        assert_eq!(from_json_size(&Value::from("[1]")), 26 + 6 + 24);
        assert_eq!(to_json(&Value::from("x".repeat(20)), &Memory::new(60)), Err(ValueError::MemoryExceeded));
    }
}
