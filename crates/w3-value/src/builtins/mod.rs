//! Implements GitHub's built-in functions on evaluated values: `contains`, `startsWith`,
//! `endsWith`, `format`, `join`, `toJSON` and `fromJSON`.
//!
//! Each is a plain function of its arguments; those that build strings take the [`Memory`]
//! account whose limit bounds them. [`call`] dispatches on a [`BuiltinFunction`] with the
//! arguments as a slice and also says how many bytes to hold for the result, which for
//! `fromJSON()` is not what [`size_of`] would say. `case()` is not here: it exists only to
//! choose which argument to evaluate, which is the evaluator's business.

mod format;
mod join;
mod json;
mod search;

pub use format::{check_specifiers, format, parse_format, render_format, Piece};
pub use join::join;
pub use json::{from_json, from_json_size, to_json};
pub use search::{contains, ends_with, starts_with};

use crate::error::ValueError;
use crate::memory::{size_of, Memory};
use crate::value::Value;
use std::fmt;

/// Names a built-in function that works on evaluated arguments.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BuiltinFunction {
    /// `contains(search, item)`.
    Contains,
    /// `startsWith(searchString, searchValue)`.
    StartsWith,
    /// `endsWith(searchString, searchValue)`.
    EndsWith,
    /// `format(string, replaceValue0, ...)`.
    Format,
    /// `join(array, optionalSeparator)`.
    Join,
    /// `toJSON(value)`.
    ToJson,
    /// `fromJSON(value)`.
    FromJson,
}

impl BuiltinFunction {
    /// Lists every function, in a fixed order.
    pub const ALL: [BuiltinFunction; 7] = [
        BuiltinFunction::Contains,
        BuiltinFunction::StartsWith,
        BuiltinFunction::EndsWith,
        BuiltinFunction::Format,
        BuiltinFunction::Join,
        BuiltinFunction::ToJson,
        BuiltinFunction::FromJson,
    ];

    /// Returns the function's name as GitHub documents it.
    pub const fn name(self) -> &'static str {
        match self {
            BuiltinFunction::Contains => "contains",
            BuiltinFunction::StartsWith => "startsWith",
            BuiltinFunction::EndsWith => "endsWith",
            BuiltinFunction::Format => "format",
            BuiltinFunction::Join => "join",
            BuiltinFunction::ToJson => "toJSON",
            BuiltinFunction::FromJson => "fromJSON",
        }
    }
}

impl fmt::Display for BuiltinFunction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Holds a result together with the bytes GitHub accounts for holding it.
#[derive(Clone, Debug, PartialEq)]
pub struct Held {
    /// The result.
    pub value: Value,
    /// Its accounted size, to pass to [`Memory::settle`].
    pub bytes: usize,
}

impl Held {
    /// Returns `value` with its default accounted size ([`size_of`]).
    pub fn new(value: Value) -> Self {
        let bytes = size_of(&value);
        Self { value, bytes }
    }
}

/// Returns `function(args...)` with its accounted size. A missing argument is `null` (callers
/// check arity when parsing or verifying); `format` takes its arguments as evaluated, see
/// [`format()`].
pub fn call(function: BuiltinFunction, args: &[Value], memory: &Memory) -> Result<Held, ValueError> {
    let arg = |i: usize| args.get(i).unwrap_or(&Value::Null);
    let value = match function {
        BuiltinFunction::Contains => Value::Bool(contains(arg(0), arg(1))),
        BuiltinFunction::StartsWith => Value::Bool(starts_with(arg(0), arg(1))),
        BuiltinFunction::EndsWith => Value::Bool(ends_with(arg(0), arg(1))),
        BuiltinFunction::Format => format(args, memory)?,
        BuiltinFunction::Join => join(arg(0), args.get(1), memory)?,
        BuiltinFunction::ToJson => to_json(arg(0), memory)?,
        BuiltinFunction::FromJson => {
            let value = from_json(arg(0))?;
            let bytes = from_json_size(arg(0));
            return Ok(Held { value, bytes });
        }
    };
    Ok(Held::new(value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dispatches_with_sizes() {
        let memory = Memory::default();
        let held = call(BuiltinFunction::FromJson, &[Value::from(" [] ")], &memory).unwrap();
        assert_eq!(held.bytes, 26 + 8 + 24);
        let args = [Value::from("abc"), Value::from("B")];
        let held = call(BuiltinFunction::Contains, &args, &memory).unwrap();
        assert_eq!(held, Held { value: Value::Bool(true), bytes: 24 });
        let held = call(BuiltinFunction::Join, &[Value::from(1.0)], &memory).unwrap();
        assert_eq!(held, Held { value: Value::from("1"), bytes: 28 });
        assert_eq!(call(BuiltinFunction::EndsWith, &[], &memory).unwrap().value, Value::Bool(true));
        let names: Vec<_> = BuiltinFunction::ALL.iter().map(|f| f.to_string()).collect();
        assert_eq!(names.join(" "), "contains startsWith endsWith format join toJSON fromJSON");
    }
}
