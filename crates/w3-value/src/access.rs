//! Implements property access, indexing and the object filter `*`, with GitHub's rules.
//!
//! Objects are indexed by a key converted to a string (`foo[5]` reads key `"5"`, `foo[null]`
//! reads `""`; an array or object key finds nothing). Arrays are indexed by a key converted to a
//! number and rounded down (`foo['1']`, `foo[true]` and `foo[1.7]` read element 1); negative,
//! NaN or too large indices find nothing. Anything else indexed is `null`. The filter `*` makes an
//! array of an array's elements or an object's values; indexing that filtered array applies the
//! index to each element and keeps the hits, so `commits.*.author.name` lists every author.

use crate::number::parse_number;
use crate::value::{Array, Value};

/// Names what is looked up.
#[derive(Clone, Copy, Debug)]
pub enum Key<'a> {
    /// A property name written after `.`.
    Name(&'a str),
    /// The value of an index expression.
    Value(&'a Value),
    /// The filter `*`.
    Wildcard,
}

/// Returns `target.name` (a property written after `.`).
pub fn property(target: &Value, name: &str) -> Value {
    access(target, Key::Name(name))
}

/// Returns `target[key]` for an evaluated index. GitHub does not evaluate the index of a
/// primitive target at all (the result is `null` either way); that laziness is the caller's.
pub fn index(target: &Value, key: &Value) -> Value {
    access(target, Key::Value(key))
}

/// Returns `target.*` (or `target[*]`): the filtered array of an array's elements or an
/// object's values, empty for a primitive.
pub fn filter(target: &Value) -> Value {
    access(target, Key::Wildcard)
}

/// Returns `target[key]`.
pub fn access(target: &Value, key: Key<'_>) -> Value {
    match target {
        Value::Array(array) if array.is_filtered() => map_filtered(array, key),
        Value::Object(object) => match key {
            Key::Wildcard => Value::Array(Array::filtered(object.values().cloned().collect())),
            // A property name is looked up as it is, without a copy.
            Key::Name(name) => object.get(name).cloned().unwrap_or(Value::Null),
            _ => string_key(key).and_then(|k| object.get(&k).cloned()).unwrap_or(Value::Null),
        },
        Value::Array(array) => match key {
            Key::Wildcard => Value::Array(Array::filtered(array.as_slice().to_vec())),
            _ => integer_key(key).and_then(|i| array.get(i).cloned()).unwrap_or(Value::Null),
        },
        _ if matches!(key, Key::Wildcard) => Value::Array(Array::filtered(Vec::new())),
        _ => Value::Null,
    }
}

fn map_filtered(array: &Array, key: Key<'_>) -> Value {
    let name = string_key(key);
    let index = integer_key(key);
    let mut hits = Vec::new();
    for item in array {
        match (item, key) {
            (Value::Object(object), Key::Wildcard) => hits.extend(object.values().cloned()),
            (Value::Object(object), _) => {
                hits.extend(name.as_deref().and_then(|k| object.get(k)).cloned());
            }
            (Value::Array(inner), Key::Wildcard) => hits.extend(inner.iter().cloned()),
            (Value::Array(inner), _) => hits.extend(index.and_then(|i| inner.get(i)).cloned()),
            _ => {}
        }
    }
    Value::Array(Array::filtered(hits))
}

fn string_key(key: Key<'_>) -> Option<String> {
    match key {
        Key::Name(name) => Some(name.to_owned()),
        Key::Value(value) if value.is_primitive() => Some(value.to_str().into_owned()),
        _ => None,
    }
}

fn integer_key(key: Key<'_>) -> Option<usize> {
    let number = match key {
        Key::Name(name) => parse_number(name),
        Key::Value(value) => value.to_number(),
        Key::Wildcard => return None,
    };
    if number.is_nan() || number < 0.0 {
        return None;
    }
    let floor = number.floor();
    // Checked range: the cast cannot truncate.
    (floor <= f64::from(i32::MAX)).then_some(floor as usize)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Object;

    fn array(items: &[&str]) -> Value {
        items.iter().map(|s| Value::from(*s)).collect::<Array>().into()
    }

    #[test]
    fn arrays_index_by_number() {
        let a = array(&["zero", "one", "two"]);
        assert_eq!(access(&a, Key::Value(&Value::from(1.7))), Value::from("one"));
        assert_eq!(access(&a, Key::Value(&Value::from(" 0x02 "))), Value::from("two"));
        assert_eq!(access(&a, Key::Value(&Value::Bool(true))), Value::from("one"));
        assert_eq!(access(&a, Key::Value(&Value::from(-0.5))), Value::Null);
        assert_eq!(access(&a, Key::Value(&Value::from(f64::INFINITY))), Value::Null);
        assert_eq!(access(&a, Key::Name("length")), Value::Null);
    }

    #[test]
    fn objects_index_by_string() {
        let o: Object = [("15", Value::from("fifteen")), ("", Value::from("empty"))].into_iter().collect();
        let o = Value::from(o);
        assert_eq!(access(&o, Key::Value(&Value::from(15.0))), Value::from("fifteen"));
        assert_eq!(access(&o, Key::Value(&Value::Null)), Value::from("empty"));
        assert_eq!(access(&o, Key::Value(&array(&[]))), Value::Null);
    }

    #[test]
    fn filters_map_over_elements() {
        let inner: Object = [("name", Value::from("a"))].into_iter().collect();
        let list = Value::from(Array::new(vec![Value::from(inner), Value::Null, array(&["x", "y"])]));
        let filtered = access(&list, Key::Wildcard);
        assert_eq!(access(&filtered, Key::Name("NAME")), array(&["a"]));
        assert_eq!(access(&filtered, Key::Value(&Value::from(1.0))), array(&["y"]));
        assert_eq!(access(&filtered, Key::Wildcard), array(&["a", "x", "y"]));
        assert_eq!(access(&Value::Bool(true), Key::Wildcard), array(&[]));
        assert!(access(&Value::Null, Key::Wildcard).as_array().is_some_and(Array::is_filtered));
    }
}
