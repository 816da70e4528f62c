//! Accounts the memory an evaluation holds, as GitHub's runner counts it.
//!
//! The runner does not measure real allocations; it charges a fixed price per value: a string
//! 26 bytes plus two per UTF-16 unit, a `fromJSON()` result 24 bytes plus its JSON text as a
//! string, anything else 24 bytes plus 8 per element. An evaluation holds the result of every
//! operation until the operation that consumes it completes, at which point the operands are
//! released and the new result is held instead: a stack discipline that [`Memory::mark`] and
//! [`Memory::settle`] express. Strings that built-ins grow (`format`, `join`, `toJSON`) are
//! also checked while they grow, against the whole limit, so one call cannot allocate without
//! bound before its result is settled.

use crate::error::ValueError;
use crate::text::utf16_len;
use crate::value::Value;

/// Memory GitHub allows one evaluation to hold, in bytes (1 MiB).
pub const DEFAULT_MAX_MEMORY: usize = 1_048_576;

/// Tracks the bytes an evaluation holds against its limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Memory {
    limit: usize,
    held: usize,
}

/// Remembers how much was held before an operation started; see [`Memory::settle`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Mark(usize);

impl Memory {
    /// Returns an empty account that fails beyond `limit` bytes.
    pub const fn new(limit: usize) -> Self {
        Self { limit, held: 0 }
    }

    /// Returns the limit in bytes.
    pub const fn limit(&self) -> usize {
        self.limit
    }

    /// Returns the bytes held now.
    pub const fn held(&self) -> usize {
        self.held
    }

    /// Returns a mark of what is held now, to take before evaluating an operation's operands.
    pub const fn mark(&self) -> Mark {
        Mark(self.held)
    }

    /// Releases everything held since `mark` (the operands of a completed operation) and holds
    /// `bytes` (its result) instead; fails with [`ValueError::MemoryExceeded`] if that exceeds
    /// the limit.
    pub fn settle(&mut self, mark: Mark, bytes: usize) -> Result<(), ValueError> {
        self.held = mark.0.saturating_add(bytes);
        if self.held > self.limit {
            return Err(ValueError::MemoryExceeded);
        }
        Ok(())
    }

    /// Returns an empty string builder bounded by this account's limit.
    pub const fn builder(&self) -> StringBuilder {
        StringBuilder::new(self.limit)
    }
}

/// Returns GitHub's limit of [`DEFAULT_MAX_MEMORY`] with nothing held.
impl Default for Memory {
    fn default() -> Self {
        Self::new(DEFAULT_MAX_MEMORY)
    }
}

/// Returns the bytes GitHub accounts for holding `value` as the result of an operation other
/// than `fromJSON()` (whose results [`call`](crate::call) sizes by their JSON text).
pub fn size_of(value: &Value) -> usize {
    match value {
        Value::String(s) => string_size(utf16_len(s)),
        Value::Array(a) => 24usize.saturating_add(a.len().saturating_mul(8)),
        Value::Object(o) => 24usize.saturating_add(o.len().saturating_mul(8)),
        _ => 24,
    }
}

/// Returns the bytes GitHub accounts for a string of `utf16_units` UTF-16 code units.
pub const fn string_size(utf16_units: usize) -> usize {
    26usize.saturating_add(utf16_units.saturating_mul(2))
}

/// Grows a string while keeping its accounted size within a limit.
#[derive(Clone, Debug)]
pub struct StringBuilder {
    text: String,
    units: usize,
    limit: usize,
}

impl StringBuilder {
    /// Returns an empty builder that fails beyond `limit` accounted bytes.
    pub const fn new(limit: usize) -> Self {
        Self { text: String::new(), units: 0, limit }
    }

    /// Appends `s`, or fails with [`ValueError::MemoryExceeded`] (appending nothing) if the
    /// result would exceed the limit.
    pub fn push(&mut self, s: &str) -> Result<(), ValueError> {
        let units = self.units.saturating_add(utf16_len(s));
        if string_size(units) > self.limit {
            return Err(ValueError::MemoryExceeded);
        }
        self.units = units;
        self.text.push_str(s);
        Ok(())
    }

    /// Returns the built string.
    pub fn finish(self) -> String {
        self.text
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::{Array, Object};

    #[test]
    fn sizes_follow_the_runner() {
        assert_eq!(size_of(&Value::Null), 24);
        assert_eq!(size_of(&Value::from(1.5)), 24);
        assert_eq!(size_of(&Value::from("a😊")), 26 + 6);
        assert_eq!(size_of(&Value::from(Array::new(vec![Value::Null; 3]))), 48);
        assert_eq!(size_of(&Value::from(Object::new())), 24);
    }

    #[test]
    fn settling_releases_operands() {
        let mut memory = Memory::new(100);
        let outer = memory.mark();
        memory.settle(memory.mark(), 60).unwrap();
        assert_eq!(memory.held(), 60);
        assert_eq!(memory.settle(memory.mark(), 41), Err(ValueError::MemoryExceeded));
        memory.settle(outer, 100).unwrap();
        assert_eq!(memory.held(), 100);
    }

    #[test]
    fn builders_stop_at_the_limit() {
        let mut builder = Memory::new(30).builder();
        builder.push("ab").unwrap();
        assert_eq!(builder.push("abc"), Err(ValueError::MemoryExceeded));
        assert_eq!(builder.finish(), "ab");
    }
}
