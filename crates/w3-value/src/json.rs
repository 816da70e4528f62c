//! Converts values to and from JSON.
//!
//! Writing follows ECMAScript's `JSON.stringify`, which GitHub's `toJSON()` matches: numbers in
//! their shortest form, only `"`, `\` and control characters escaped, and in the pretty form
//! two-space indentation with `[]`/`{}` for empty collections. Reading uses `serde_json` with its
//! default nesting limit (128), so hostile input cannot exhaust the stack.

use crate::error::ValueError;
use crate::memory::string_size;
use crate::number::js_number_to_string;
use crate::text::utf16_len;
use crate::value::{Array, Object, Value};

/// Deepest nesting written as JSON; deeper values are rejected rather than recursed into.
const MAX_WRITE_DEPTH: usize = 1000;

/// Chooses how numbers JSON cannot express (NaN, ±Infinity) are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NonFinite {
    /// Writes `null`, as `JSON.stringify` and `toJSON()` do.
    Null,
    /// Writes `NaN`, `Infinity` and `-Infinity` as bare words (readable by Python's `json`).
    Bare,
}

/// Chooses the layout of written JSON.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct JsonStyle {
    /// Indents nested values by two spaces per level, one element per line.
    pub pretty: bool,
    /// Says how NaN and infinities are written.
    pub non_finite: NonFinite,
}

impl JsonStyle {
    /// Returns the style of GitHub's `toJSON()`: pretty, NaN and infinities as `null`.
    pub const TO_JSON: JsonStyle = JsonStyle { pretty: true, non_finite: NonFinite::Null };
}

/// Returns `value` written as JSON in `style`; fails only for values nested deeper than 1000.
pub fn to_json_text(value: &Value, style: JsonStyle) -> Result<String, ValueError> {
    let mut w = Writer { out: String::new(), units: 0, limit: None, style };
    w.value(value, 0)?;
    Ok(w.out)
}

/// Returns `value` written as JSON in `style`, failing with [`ValueError::MemoryExceeded`] as soon
/// as the text would need more than `max_bytes` (counted as GitHub counts string memory).
pub(crate) fn to_json_limited(value: &Value, style: JsonStyle, max_bytes: usize) -> Result<String, ValueError> {
    let mut w = Writer { out: String::new(), units: 0, limit: Some(max_bytes), style };
    w.value(value, 0)?;
    Ok(w.out)
}

struct Writer {
    out: String,
    units: usize,
    limit: Option<usize>,
    style: JsonStyle,
}

impl Writer {
    fn push(&mut self, s: &str) -> Result<(), ValueError> {
        let units = self.units.saturating_add(utf16_len(s));
        if self.limit.is_some_and(|limit| string_size(units) > limit) {
            return Err(ValueError::MemoryExceeded);
        }
        self.units = units;
        self.out.push_str(s);
        Ok(())
    }

    fn value(&mut self, value: &Value, depth: usize) -> Result<(), ValueError> {
        if depth > MAX_WRITE_DEPTH {
            return Err(ValueError::ValueTooDeep);
        }
        match value {
            Value::Null => self.push("null"),
            Value::Bool(b) => self.push(if *b { "true" } else { "false" }),
            Value::Number(n) => self.number(*n),
            Value::String(s) => self.string(s),
            Value::Array(a) => self.array(a, depth),
            Value::Object(o) => self.object(o, depth),
        }
    }

    fn number(&mut self, n: f64) -> Result<(), ValueError> {
        if n.is_finite() || self.style.non_finite == NonFinite::Bare {
            self.push(&js_number_to_string(n))
        } else {
            self.push("null")
        }
    }

    fn string(&mut self, s: &str) -> Result<(), ValueError> {
        self.push("\"")?;
        let mut run_start = 0;
        for (i, c) in s.char_indices() {
            let escaped = match c {
                '"' => "\\\"",
                '\\' => "\\\\",
                '\u{8}' => "\\b",
                '\u{c}' => "\\f",
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                c if c < ' ' => "",
                _ => continue,
            };
            self.push(&s[run_start..i])?;
            if escaped.is_empty() {
                self.push(&format!("\\u{:04x}", u32::from(c)))?;
            } else {
                self.push(escaped)?;
            }
            run_start = i + c.len_utf8();
        }
        self.push(&s[run_start..])?;
        self.push("\"")
    }

    fn array(&mut self, array: &Array, depth: usize) -> Result<(), ValueError> {
        if array.is_empty() {
            return self.push("[]");
        }
        self.push("[")?;
        for (i, item) in array.iter().enumerate() {
            self.separator(i, depth + 1)?;
            self.value(item, depth + 1)?;
        }
        self.close(depth, "]")
    }

    fn object(&mut self, object: &Object, depth: usize) -> Result<(), ValueError> {
        if object.is_empty() {
            return self.push("{}");
        }
        self.push("{")?;
        for (i, (key, item)) in object.iter().enumerate() {
            self.separator(i, depth + 1)?;
            self.string(key)?;
            self.push(if self.style.pretty { ": " } else { ":" })?;
            self.value(item, depth + 1)?;
        }
        self.close(depth, "}")
    }

    fn separator(&mut self, index: usize, depth: usize) -> Result<(), ValueError> {
        if index > 0 {
            self.push(",")?;
        }
        self.newline(depth)
    }

    fn close(&mut self, depth: usize, bracket: &str) -> Result<(), ValueError> {
        self.newline(depth)?;
        self.push(bracket)
    }

    fn newline(&mut self, depth: usize) -> Result<(), ValueError> {
        if self.style.pretty {
            self.push("\n")?;
            for _ in 0..depth {
                self.push("  ")?;
            }
        }
        Ok(())
    }
}

/// Parses `text` as JSON, as `fromJSON()` does; blank text is an error.
pub fn parse_json(text: &str) -> Result<Value, ValueError> {
    if text.trim().is_empty() {
        return Err(ValueError::InvalidJson("empty input".to_owned()));
    }
    let parsed: serde_json::Value = serde_json::from_str(text).map_err(|e| ValueError::InvalidJson(e.to_string()))?;
    Ok(Value::from(parsed))
}

/// Converts JSON data (e.g. a context file) into a value; objects keep their key order when
/// `serde_json`'s `preserve_order` feature is on, as it is in this workspace.
impl From<serde_json::Value> for Value {
    fn from(json: serde_json::Value) -> Self {
        match json {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(b) => Value::Bool(b),
            serde_json::Value::Number(n) => Value::Number(n.as_f64().unwrap_or(f64::NAN)),
            serde_json::Value::String(s) => Value::from(s),
            serde_json::Value::Array(items) => Value::Array(items.into_iter().map(Value::from).collect()),
            serde_json::Value::Object(map) => {
                Value::Object(map.into_iter().map(|(k, v)| (k, Value::from(v))).collect::<Object>())
            }
        }
    }
}

/// Converts a value into JSON data: integral numbers become JSON integers, NaN and infinities
/// (which JSON cannot hold) become `null`.
impl From<&Value> for serde_json::Value {
    fn from(value: &Value) -> Self {
        match value {
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::Number(n) => number_to_serde(*n),
            Value::String(s) => serde_json::Value::String(s.to_string()),
            Value::Array(a) => serde_json::Value::Array(a.iter().map(Into::into).collect()),
            Value::Object(o) => serde_json::Value::Object(o.iter().map(|(k, v)| (k.to_owned(), v.into())).collect()),
        }
    }
}

fn number_to_serde(n: f64) -> serde_json::Value {
    const TWO_POW_63: f64 = 9_223_372_036_854_775_808.0;
    if n.fract() == 0.0 && n.abs() < TWO_POW_63 {
        // Integral and in range: the cast is exact.
        return serde_json::Value::from(n as i64);
    }
    serde_json::Number::from_f64(n).map_or(serde_json::Value::Null, serde_json::Value::Number)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pretty(v: &Value) -> String {
        to_json_text(v, JsonStyle::TO_JSON).unwrap_or_default()
    }

    #[test]
    fn writes_like_json_stringify() {
        let v = parse_json(r#"{"a": [1, 2.5, -0, "x\"\u0001"], "b": {}, "c": []}"#).unwrap();
        assert_eq!(
            pretty(&v),
            "{\n  \"a\": [\n    1,\n    2.5,\n    0,\n    \"x\\\"\\u0001\"\n  ],\n  \"b\": {},\n  \"c\": []\n}"
        );
        let compact = JsonStyle { pretty: false, non_finite: NonFinite::Bare };
        assert_eq!(to_json_text(&v, compact).unwrap(), r#"{"a":[1,2.5,0,"x\"\u0001"],"b":{},"c":[]}"#);
        assert_eq!(pretty(&Value::from(f64::NAN)), "null");
        assert_eq!(to_json_text(&Value::from(f64::NEG_INFINITY), compact).unwrap(), "-Infinity");
    }

    #[test]
    fn limited_writer_stops_early() {
        let v = Value::from("x".repeat(1000));
        assert_eq!(to_json_limited(&v, JsonStyle::TO_JSON, 1000), Err(ValueError::MemoryExceeded));
        assert!(to_json_limited(&v, JsonStyle::TO_JSON, 3000).is_ok());
    }

    #[test]
    fn rejects_bad_json() {
        assert!(matches!(parse_json(""), Err(ValueError::InvalidJson(_))));
        assert!(matches!(parse_json("{"), Err(ValueError::InvalidJson(_))));
        assert!(matches!(parse_json(&"[".repeat(100_000)), Err(ValueError::InvalidJson(_))));
    }

    #[test]
    fn serde_round_trip_keeps_order() {
        let json: serde_json::Value = serde_json::from_str(r#"{"z":1,"a":[true,null,"s",1.5]}"#).unwrap();
        let v = Value::from(json.clone());
        assert_eq!(serde_json::Value::from(&v), json);
    }
}
