//! Accounts values: the bytes a register or context entry holds and how deeply a value nests.
//!
//! Every register carries a [`Meta`] next to its value, so accounting costs O(1) per write: a
//! value an instruction *creates* carries its full accounted size (strings their UTF-8 length;
//! arrays 8 bytes per element plus their elements' sizes; objects 16 bytes per entry plus key
//! lengths and values' sizes), a value *read out of* another one (a constant, a context, a
//! property) only its shallow size, since it is shared. Depth is an upper bound, carried along
//! so that nesting stays bounded without walking values: deep values would overflow the native
//! stack when dropped or written as JSON. `docs/vm.md` §4 states the rules.
//!
//! A register holding a value that owns nothing (null, a boolean, a number) is always accounted
//! [`Meta::ZERO`] ([`Meta::fits`]): such a value holds no bytes and does not nest. The simple
//! instructions rely on it: moving or writing a scalar over a scalar is a plain store, with no
//! accounting to read or update. Every register write keeps it (checked in debug builds), and a
//! restored snapshot is refused when it breaks it.

use w3_value::Value;

/// Holds the accounted size and nesting bound of one held value.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Meta {
    /// The accounted bytes.
    pub bytes: u32,
    /// An upper bound of the value's depth (0 for a primitive).
    pub depth: u16,
}

impl Meta {
    /// The meta of a primitive that holds nothing: null, a boolean, a number.
    pub const ZERO: Meta = Meta { bytes: 0, depth: 0 };

    /// Returns whether this meta may account `value`: anything does for a value that owns
    /// something, only [`Meta::ZERO`] for one that owns nothing.
    #[inline]
    pub fn fits(&self, value: &Value) -> bool {
        !value.owns_nothing() || *self == Meta::ZERO
    }

    /// Returns the meta of a string of `len` bytes.
    pub fn string(len: usize) -> Meta {
        Meta { bytes: clamp(len as u64), depth: 0 }
    }
}

/// Saturates a byte count into a `u32` (the value limit is far below it).
pub fn clamp(bytes: u64) -> u32 {
    u32::try_from(bytes).unwrap_or(u32::MAX)
}

/// Returns the shallow accounted size of `value`, in O(1).
pub fn shallow_bytes(value: &Value) -> u64 {
    match value {
        Value::String(s) => s.len() as u64,
        Value::Array(a) => 8 * a.len() as u64,
        Value::Object(o) => 16 * o.len() as u64,
        _ => 0,
    }
}

/// Returns the meta of `value` read out of a value whose depth bound is `parent_depth`.
pub fn shared(value: &Value, parent_depth: u16) -> Meta {
    let depth = if value.is_primitive() { 0 } else { parent_depth.saturating_sub(1).max(1) };
    Meta { bytes: clamp(shallow_bytes(value)), depth }
}

/// Returns the full size and exact depth of a value that came from outside (a context, a
/// host's answer), or `None` when it visits more than `budget` nodes (a value shared with
/// itself many times over) or nests deeper than `max_depth`. Walks with an explicit stack.
pub fn measure(value: &Value, max_depth: u16, budget: u64) -> Option<(u64, u16)> {
    let mut stack: Vec<(&Value, u16)> = vec![(value, 0)];
    let (mut bytes, mut depth, mut visited) = (0u64, 0u16, 0u64);
    while let Some((v, level)) = stack.pop() {
        visited += 1;
        if visited > budget {
            return None;
        }
        bytes = bytes.saturating_add(shallow_bytes(v));
        match v {
            Value::Array(a) => {
                let inner = level.checked_add(1).filter(|d| *d <= max_depth)?;
                depth = depth.max(inner);
                stack.extend(a.iter().map(|x| (x, inner)));
            }
            Value::Object(o) => {
                let inner = level.checked_add(1).filter(|d| *d <= max_depth)?;
                depth = depth.max(inner);
                for (k, x) in o.iter() {
                    bytes = bytes.saturating_add(k.len() as u64);
                    stack.push((x, inner));
                }
            }
            _ => {}
        }
    }
    Some((bytes, depth))
}

#[cfg(test)]
mod tests {
    use super::*;
    use w3_value::{Array, Object};

    #[test]
    fn measures_nested_values() {
        let inner = Value::from(Array::new(vec![Value::from("abc"), Value::Null]));
        let outer: Object = [("key", inner.clone())].into_iter().collect();
        assert_eq!(measure(&inner, 10, 100), Some((16 + 3, 1)));
        assert_eq!(measure(&Value::from(outer), 10, 100), Some((16 + 3 + 16 + 3, 2)));
        assert_eq!(measure(&inner, 0, 100), None);
        assert_eq!(measure(&inner, 10, 2), None);
        assert_eq!(shared(&inner, 5), Meta { bytes: 16, depth: 4 });
        assert_eq!(shared(&Value::from(1.0), 5), Meta::ZERO);
    }
}
