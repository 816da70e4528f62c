//! Reads and writes the snapshot's primitives and its value graph.
//!
//! Arrays and objects compare by identity (GitHub's `==`), so two registers holding the same
//! array must still hold the same array after a restore. Values are therefore written as a
//! graph: every distinct array or object once, in the order a depth-first walk of the state
//! first finishes it (children before parents), and every reference to it as its number.
//! Strings are written once each, by content. The walk uses an explicit stack, so no value can
//! exhaust the native stack.

use crate::error::SnapshotError;
use std::collections::HashMap;
use std::sync::Arc;
use w3_value::{Array, Object, Value};

/// Tags of a value reference.
const NULL: u8 = 0;
const FALSE: u8 = 1;
const TRUE: u8 = 2;
const NUMBER: u8 = 3;
const STRING: u8 = 4;
const NODE: u8 = 5;
/// Tags of a graph node.
const ARRAY: u8 = 0;
const FILTERED: u8 = 1;
const OBJECT: u8 = 2;

/// The bits every NaN is written as.
const CANONICAL_NAN: u64 = 0x7FF8_0000_0000_0000;

/// Appends little-endian primitives.
#[derive(Default)]
pub(crate) struct Writer {
    pub bytes: Vec<u8>,
}

impl Writer {
    pub fn u8(&mut self, v: u8) {
        self.bytes.push(v);
    }
    pub fn bool(&mut self, v: bool) {
        self.bytes.push(u8::from(v));
    }
    pub fn u16(&mut self, v: u16) {
        self.bytes.extend_from_slice(&v.to_le_bytes());
    }
    pub fn u32(&mut self, v: u32) {
        self.bytes.extend_from_slice(&v.to_le_bytes());
    }
    pub fn u64(&mut self, v: u64) {
        self.bytes.extend_from_slice(&v.to_le_bytes());
    }
    /// Writes a count; counts are bounded by the VM's limits, far below `u32::MAX`.
    pub fn len(&mut self, n: usize) {
        self.u32(u32::try_from(n).unwrap_or(u32::MAX));
    }
    pub fn str(&mut self, s: &str) {
        self.len(s.len());
        self.bytes.extend_from_slice(s.as_bytes());
    }
}

/// Reads what [`Writer`] wrote, failing (never panicking) on short or invalid input.
pub(crate) struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    pub fn new(bytes: &'a [u8]) -> Reader<'a> {
        Reader { bytes, at: 0 }
    }

    pub fn invalid(&self, what: &'static str) -> SnapshotError {
        SnapshotError::Invalid { offset: self.at, what }
    }

    pub fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], SnapshotError> {
        let end = self.at.checked_add(n).filter(|e| *e <= self.bytes.len()).ok_or(self.invalid(what))?;
        let out = &self.bytes[self.at..end];
        self.at = end;
        Ok(out)
    }

    fn array<const N: usize>(&mut self, what: &'static str) -> Result<[u8; N], SnapshotError> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N, what)?);
        Ok(out)
    }

    pub fn u8(&mut self, what: &'static str) -> Result<u8, SnapshotError> {
        Ok(self.array::<1>(what)?[0])
    }
    pub fn bool(&mut self, what: &'static str) -> Result<bool, SnapshotError> {
        match self.u8(what)? {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(self.invalid(what)),
        }
    }
    pub fn u16(&mut self, what: &'static str) -> Result<u16, SnapshotError> {
        Ok(u16::from_le_bytes(self.array(what)?))
    }
    pub fn u32(&mut self, what: &'static str) -> Result<u32, SnapshotError> {
        Ok(u32::from_le_bytes(self.array(what)?))
    }
    pub fn u64(&mut self, what: &'static str) -> Result<u64, SnapshotError> {
        Ok(u64::from_le_bytes(self.array(what)?))
    }
    /// Reads a count of items that each take at least `min` bytes, refusing counts the
    /// remaining input cannot hold (so nothing is allocated for a lie).
    pub fn count(&mut self, min: usize, what: &'static str) -> Result<usize, SnapshotError> {
        let n = self.u32(what)? as usize;
        if n.saturating_mul(min.max(1)) > self.bytes.len() - self.at {
            return Err(self.invalid(what));
        }
        Ok(n)
    }
    pub fn str(&mut self, what: &'static str) -> Result<&'a str, SnapshotError> {
        let n = self.count(1, what)?;
        std::str::from_utf8(self.take(n, what)?).map_err(|_| self.invalid(what))
    }
    pub fn done(&self) -> bool {
        self.at == self.bytes.len()
    }
}

/// Returns an identity key for a non-empty array or object: the address of its shared
/// storage, stable while the value is alive.
fn identity(value: &Value) -> Option<usize> {
    match value {
        Value::Array(a) => (!a.is_empty()).then(|| a.as_slice().as_ptr() as usize),
        Value::Object(o) => o.values().next().map(|v| std::ptr::from_ref(v) as usize),
        _ => None,
    }
}

/// Collects the value graph while the state is written.
#[derive(Default)]
pub(crate) struct Graph<'a> {
    strings: Vec<&'a str>,
    string_ids: HashMap<&'a str, u32>,
    nodes: Writer,
    count: u32,
    ids: HashMap<usize, u32>,
    /// Empty collections have no storage address; they are told apart by `same_collection`.
    empties: Vec<(&'a Value, u32)>,
}

struct Open<'a> {
    value: &'a Value,
    children: Vec<(Option<&'a str>, &'a Value)>,
    next: usize,
    body: Writer,
}

impl<'a> Open<'a> {
    fn new(value: &'a Value) -> Open<'a> {
        let children = match value {
            Value::Array(a) => a.iter().map(|v| (None, v)).collect(),
            Value::Object(o) => o.iter().map(|(k, v)| (Some(k), v)).collect(),
            _ => Vec::new(),
        };
        Open { value, children, next: 0, body: Writer::default() }
    }
}

impl<'a> Graph<'a> {
    fn string(&mut self, s: &'a str) -> u32 {
        if let Some(id) = self.string_ids.get(s) {
            return *id;
        }
        let id = self.strings.len() as u32;
        self.strings.push(s);
        self.string_ids.insert(s, id);
        id
    }

    fn known(&self, value: &Value) -> Option<u32> {
        match identity(value) {
            Some(key) => self.ids.get(&key).copied(),
            None => self.empties.iter().find(|(v, _)| v.same_collection(value)).map(|(_, id)| *id),
        }
    }

    /// Writes a reference to a primitive, or to a node already in the graph; returns `false`
    /// for a collection not yet in it.
    fn reference(&mut self, value: &'a Value, out: &mut Writer) -> bool {
        match value {
            Value::Null => out.u8(NULL),
            Value::Bool(b) => out.u8(if *b { TRUE } else { FALSE }),
            Value::Number(n) => {
                out.u8(NUMBER);
                out.u64(if n.is_nan() { CANONICAL_NAN } else { n.to_bits() });
            }
            Value::String(s) => {
                out.u8(STRING);
                let id = self.string(s);
                out.u32(id);
            }
            Value::Array(_) | Value::Object(_) => match self.known(value) {
                Some(id) => {
                    out.u8(NODE);
                    out.u32(id);
                }
                None => return false,
            },
        }
        true
    }

    /// Writes a reference to `value` into `out`, adding it and everything it holds to the graph.
    pub fn value(&mut self, value: &'a Value, out: &mut Writer) {
        if self.reference(value, out) {
            return;
        }
        let mut stack = vec![Open::new(value)];
        while let Some(top) = stack.last_mut() {
            let Some(&(key, child)) = top.children.get(top.next) else {
                let Some(done) = stack.pop() else { break };
                let id = self.finish(done);
                let parent = match stack.last_mut() {
                    Some(p) => &mut p.body,
                    None => &mut *out,
                };
                parent.u8(NODE);
                parent.u32(id);
                continue;
            };
            top.next += 1;
            if let Some(key) = key {
                let id = self.string(key);
                top.body.u32(id);
            }
            if !self.reference(child, &mut top.body) {
                stack.push(Open::new(child));
            }
        }
    }

    fn finish(&mut self, open: Open<'a>) -> u32 {
        let (tag, len) = match open.value {
            Value::Array(a) if a.is_filtered() => (FILTERED, a.len()),
            Value::Array(a) => (ARRAY, a.len()),
            Value::Object(o) => (OBJECT, o.len()),
            _ => (ARRAY, 0),
        };
        self.nodes.u8(tag);
        self.nodes.len(len);
        self.nodes.bytes.extend_from_slice(&open.body.bytes);
        let id = self.count;
        self.count += 1;
        match identity(open.value) {
            Some(key) => {
                self.ids.insert(key, id);
            }
            None => self.empties.push((open.value, id)),
        }
        id
    }

    /// Writes the string table and the nodes.
    pub fn write(&self, out: &mut Writer) {
        out.len(self.strings.len());
        self.strings.iter().for_each(|s| out.str(s));
        out.u32(self.count);
        out.bytes.extend_from_slice(&self.nodes.bytes);
    }
}

/// Holds the strings and nodes of a snapshot being read.
pub(crate) struct Table {
    strings: Vec<Arc<str>>,
    nodes: Vec<Value>,
}

impl Table {
    /// Reads the string table and the nodes.
    pub fn read(r: &mut Reader<'_>) -> Result<Table, SnapshotError> {
        let n = r.count(4, "string count")?;
        let mut strings = Vec::with_capacity(n);
        for _ in 0..n {
            strings.push(Arc::from(r.str("string")?));
        }
        let mut table = Table { strings, nodes: Vec::new() };
        let n = r.count(5, "node count")?;
        table.nodes.reserve(n);
        for _ in 0..n {
            let node = table.node(r)?;
            table.nodes.push(node);
        }
        Ok(table)
    }

    fn node(&self, r: &mut Reader<'_>) -> Result<Value, SnapshotError> {
        let tag = r.u8("node tag")?;
        let len = r.count(1, "node length")?;
        if tag == OBJECT {
            let mut object = Object::new();
            for _ in 0..len {
                let key = self.strings.get(r.u32("key")? as usize).ok_or(r.invalid("key"))?.clone();
                let value = self.value(r)?;
                object.insert(key.to_string(), value);
            }
            if object.len() != len {
                return Err(r.invalid("object keys"));
            }
            return Ok(Value::Object(object));
        }
        let mut items = Vec::with_capacity(len);
        for _ in 0..len {
            items.push(self.value(r)?);
        }
        let array = Value::Array(Array::new(items));
        match tag {
            ARRAY => Ok(array),
            FILTERED => Ok(w3_value::filter(&array)),
            _ => Err(r.invalid("node tag")),
        }
    }

    /// Reads a value reference.
    pub fn value(&self, r: &mut Reader<'_>) -> Result<Value, SnapshotError> {
        Ok(match r.u8("value tag")? {
            NULL => Value::Null,
            FALSE => Value::Bool(false),
            TRUE => Value::Bool(true),
            NUMBER => {
                let bits = r.u64("number")?;
                let n = f64::from_bits(bits);
                if n.is_nan() && bits != CANONICAL_NAN {
                    return Err(r.invalid("number"));
                }
                Value::Number(n)
            }
            STRING => {
                let s = self.strings.get(r.u32("string")? as usize).ok_or(r.invalid("string"))?;
                Value::String(s.clone())
            }
            NODE => self.nodes.get(r.u32("node")? as usize).ok_or(r.invalid("node"))?.clone(),
            _ => return Err(r.invalid("value tag")),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_collections_stay_shared() {
        let empty = Value::Array(Array::default());
        let other_empty = Value::Array(Array::default());
        let list = Value::Array(Array::new(vec![empty.clone(), empty.clone(), other_empty, Value::from("s")]));
        let object: Object = [("a", list.clone()), ("b", w3_value::filter(&list))].into_iter().collect();
        let object = Value::Object(object);
        let mut graph = Graph::default();
        let mut body = Writer::default();
        graph.value(&object, &mut body);
        graph.value(&list, &mut body);
        let mut out = Writer::default();
        graph.write(&mut out);
        out.bytes.extend_from_slice(&body.bytes);
        let mut r = Reader::new(&out.bytes);
        let table = Table::read(&mut r).unwrap();
        let (o, l) = (table.value(&mut r).unwrap(), table.value(&mut r).unwrap());
        assert!(r.done());
        assert_eq!(o, object);
        let a = w3_value::property(&o, "a");
        assert!(a.same_collection(&l));
        let items = l.as_array().unwrap();
        assert!(items.get(0).unwrap().same_collection(items.get(1).unwrap()));
        assert!(!items.get(0).unwrap().same_collection(items.get(2).unwrap()));
        assert!(w3_value::property(&o, "b").as_array().unwrap().is_filtered());
    }
}
