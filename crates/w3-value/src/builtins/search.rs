//! Implements `contains()`, `startsWith()` and `endsWith()`: case-insensitive searches that
//! never fail.

use crate::compare::loose_eq;
use crate::text::{contains_ignore_case, ends_with_ignore_case, starts_with_ignore_case};
use crate::value::Value;

/// Returns `contains(search, item)`: a case-insensitive substring test when both are
/// primitives, membership by `==` when `search` is an array, else false.
pub fn contains(search: &Value, item: &Value) -> bool {
    match search {
        Value::Array(array) => array.iter().any(|element| loose_eq(item, element)),
        Value::Object(_) => false,
        _ => item.is_primitive() && contains_ignore_case(&search.to_str(), &item.to_str()),
    }
}

/// Returns `startsWith(s, prefix)`, case-insensitive; false unless both are primitives.
pub fn starts_with(s: &Value, prefix: &Value) -> bool {
    s.is_primitive() && prefix.is_primitive() && starts_with_ignore_case(&s.to_str(), &prefix.to_str())
}

/// Returns `endsWith(s, suffix)`, case-insensitive; false unless both are primitives.
pub fn ends_with(s: &Value, suffix: &Value) -> bool {
    s.is_primitive() && suffix.is_primitive() && ends_with_ignore_case(&s.to_str(), &suffix.to_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn searches() {
        let items = Value::Array(
            vec![Value::Null, Value::Bool(true), Value::from(1.5), Value::from("x")].into_iter().collect(),
        );
        assert!(contains(&items, &Value::from("X")));
        assert!(contains(&Value::from("abc"), &Value::Null));
        assert!(!contains(&Value::from("abc"), &items));
        assert!(starts_with(&Value::from(1234.0), &Value::from(12.0)));
        assert!(!ends_with(&items, &Value::from("x")));
    }
}
