//! Defines the values of the expression language: null, booleans, numbers, strings, arrays
//! and objects.
//!
//! Arrays and objects are shared (`Arc`), because GitHub compares them by identity: `a == a` is
//! true for the same context object, and two equal-looking objects are not equal. Cloning a value
//! is cheap. Object keys keep their insertion order and original spelling; lookups ignore case.

use crate::number::{number_to_string, parse_number};
use crate::text::fold;
use indexmap::IndexMap;
use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

/// Holds one value of the expression language.
///
/// The layout is fixed (`repr(u8)`): a one-byte tag, then each variant's field placed as in
/// C, so a null, a boolean or a number (a value that owns nothing) lies entirely in its first
/// two 8-byte words: the tag, with a boolean at byte 1; a number at bytes 8 to 16. The
/// functions that copy and write such values as words rely on it ([`Value::copy_scalar`]).
#[derive(Debug)]
#[repr(u8)]
pub enum Value {
    /// `null`.
    Null = 0,
    /// `true` or `false`.
    Bool(bool) = 1,
    /// An IEEE-754 double, including NaN, infinities and `-0`.
    Number(f64) = 2,
    /// A string.
    String(Arc<str>),
    /// An array.
    Array(Array),
    /// An object (dictionary) with case-insensitive keys.
    Object(Object),
}

/// Clones a value: shares a string, array or object (one reference count increment), copies
/// anything else.
impl Clone for Value {
    #[inline]
    fn clone(&self) -> Self {
        match self {
            Value::Null => Value::Null,
            Value::Bool(b) => Value::Bool(*b),
            Value::Number(n) => Value::Number(*n),
            Value::String(s) => Value::String(Arc::clone(s)),
            Value::Array(a) => Value::Array(a.clone()),
            Value::Object(o) => Value::Object(o.clone()),
        }
    }

    /// Overwrites `self` with a clone of `source`. When neither owns anything (null, booleans,
    /// numbers) this is one plain copy of the whole value, with no drop and no per-kind code:
    /// what makes the VM's register moves cheap.
    #[inline(always)] // the VM's register moves depend on it being inlined
    fn clone_from(&mut self, source: &Self) {
        if self.owns_nothing() && source.owns_nothing() {
            // SAFETY: both own nothing.
            unsafe { Value::copy_scalar(source, self) };
        } else {
            *self = source.clone();
        }
    }
}

/// Names the kind of a value, as GitHub spells it in messages and in `format('{0}', [])`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ValueKind {
    /// `null`.
    Null,
    /// A boolean.
    Boolean,
    /// A number.
    Number,
    /// A string.
    String,
    /// An array.
    Array,
    /// An object.
    Object,
}

impl ValueKind {
    /// Returns the kind's name: `Null`, `Boolean`, `Number`, `String`, `Array` or `Object`.
    pub const fn as_str(self) -> &'static str {
        match self {
            ValueKind::Null => "Null",
            ValueKind::Boolean => "Boolean",
            ValueKind::Number => "Number",
            ValueKind::String => "String",
            ValueKind::Array => "Array",
            ValueKind::Object => "Object",
        }
    }
}

impl fmt::Display for ValueKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Value {
    /// Returns a string value holding `s`.
    pub fn string(s: impl AsRef<str>) -> Self {
        Value::String(Arc::from(s.as_ref()))
    }

    /// Returns the value's kind.
    pub fn kind(&self) -> ValueKind {
        match self {
            Value::Null => ValueKind::Null,
            Value::Bool(_) => ValueKind::Boolean,
            Value::Number(_) => ValueKind::Number,
            Value::String(_) => ValueKind::String,
            Value::Array(_) => ValueKind::Array,
            Value::Object(_) => ValueKind::Object,
        }
    }

    /// Returns whether the value is null, a boolean or a number: one that holds no heap memory.
    #[inline]
    pub fn owns_nothing(&self) -> bool {
        matches!(self, Value::Null | Value::Bool(_) | Value::Number(_))
    }

    /// Copies the value at `from` over the value at `to`, when neither owns anything: just
    /// the two words that hold such a value (see the layout on [`Value`]). What is left of `to`
    /// beyond them is padding of the variant copied in.
    ///
    /// The copy and the `put_` functions move whole words, each its own load or store, so a
    /// value written by one and read by the other soon after is read from the store just
    /// made (a processor forwards a store to a load of the same place and size, and stalls
    /// a load that spans two smaller stores).
    ///
    /// # Safety
    ///
    /// `from` and `to` point at live values (the same one is allowed) that own nothing
    /// ([`Value::owns_nothing`]): `to` is overwritten without being dropped.
    #[inline(always)]
    pub unsafe fn copy_scalar(from: *const Value, to: *mut Value) {
        type Word = std::mem::MaybeUninit<u64>;
        let (from, to) = (from.cast::<Word>(), to.cast::<Word>());
        // SAFETY: both point at values of at least two words, aligned to 8; the
        // words copied are the tag and field of a null, boolean or number (the layout on
        // `Value`), which makes `to` that value; words copied as `MaybeUninit` may hold
        // padding. Both words are read before either is written, so `from == to` is a no-op.
        unsafe {
            let (tag, field) = (std::ptr::read_volatile(from), std::ptr::read_volatile(from.add(1)));
            std::ptr::write_volatile(to, tag);
            std::ptr::write_volatile(to.add(1), field);
        }
    }

    /// Writes `null` over the value at `to` as one word (see [`Value::copy_scalar`]).
    ///
    /// # Safety
    ///
    /// `to` points at a live value that owns nothing: it is overwritten without being dropped.
    #[inline(always)]
    pub unsafe fn put_null(to: *mut Value) {
        // SAFETY: a tag word of `Null` makes `to` null; the caller vouches for the rest.
        unsafe { std::ptr::write(to.cast::<u64>(), u64::from_ne_bytes([0, 0, 0, 0, 0, 0, 0, 0])) }
    }

    /// Writes boolean `b` over the value at `to` as one word: the tag, the boolean, padding.
    ///
    /// # Safety
    ///
    /// As for [`Value::put_null`].
    #[inline(always)]
    pub unsafe fn put_bool(to: *mut Value, b: bool) {
        // SAFETY: the tag of `Bool`, then the boolean at byte 1, make `to` that boolean.
        unsafe { std::ptr::write(to.cast::<u64>(), u64::from_ne_bytes([1, u8::from(b), 0, 0, 0, 0, 0, 0])) }
    }

    /// Writes number `n` over the value at `to` as two words: the tag, then the number.
    ///
    /// # Safety
    ///
    /// As for [`Value::put_null`].
    #[inline(always)]
    pub unsafe fn put_number(to: *mut Value, n: f64) {
        let words = to.cast::<u64>();
        // SAFETY: the tag of `Number`, then the number at bytes 8 to 16, make `to` that number.
        unsafe {
            std::ptr::write(words, u64::from_ne_bytes([2, 0, 0, 0, 0, 0, 0, 0]));
            std::ptr::write(words.add(1), n.to_bits());
        }
    }

    /// Returns whether the value is null, a boolean, a number or a string.
    #[inline]
    pub fn is_primitive(&self) -> bool {
        !matches!(self, Value::Array(_) | Value::Object(_))
    }

    /// Returns whether the value counts as true in a condition: everything except `false`,
    /// `null`, `0`, `-0`, `NaN` and `''`.
    #[inline]
    pub fn is_truthy(&self) -> bool {
        match self {
            Value::Null => false,
            Value::Bool(b) => *b,
            Value::Number(n) => !(*n == 0.0 || n.is_nan()),
            Value::String(s) => !s.is_empty(),
            Value::Array(_) | Value::Object(_) => true,
        }
    }

    /// Returns the value converted to a number: `null` is 0, booleans are 1 and 0, strings are
    /// parsed (see [`parse_number`](crate::parse_number)), arrays and objects are NaN.
    pub fn to_number(&self) -> f64 {
        match self {
            Value::Null => 0.0,
            Value::Bool(b) => f64::from(u8::from(*b)),
            Value::Number(n) => *n,
            Value::String(s) => parse_number(s),
            Value::Array(_) | Value::Object(_) => f64::NAN,
        }
    }

    /// Returns the value converted to a string: `null` is `''`, booleans are `true`/`false`,
    /// numbers are formatted (see [`number_to_string`](crate::number_to_string)), arrays and
    /// objects are `Array` and `Object`.
    pub fn to_str(&self) -> Cow<'_, str> {
        match self {
            Value::Null => Cow::Borrowed(""),
            Value::Bool(true) => Cow::Borrowed("true"),
            Value::Bool(false) => Cow::Borrowed("false"),
            Value::Number(n) => Cow::Owned(number_to_string(*n)),
            Value::String(s) => Cow::Borrowed(s),
            Value::Array(_) => Cow::Borrowed("Array"),
            Value::Object(_) => Cow::Borrowed("Object"),
        }
    }

    /// Returns the string slice of a string value.
    #[inline]
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// Returns the number of a number value.
    pub fn as_number(&self) -> Option<f64> {
        match self {
            Value::Number(n) => Some(*n),
            _ => None,
        }
    }

    /// Returns the boolean of a boolean value.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// Returns the array of an array value.
    pub fn as_array(&self) -> Option<&Array> {
        match self {
            Value::Array(a) => Some(a),
            _ => None,
        }
    }

    /// Returns the object of an object value.
    pub fn as_object(&self) -> Option<&Object> {
        match self {
            Value::Object(o) => Some(o),
            _ => None,
        }
    }

    /// Returns whether `self` and `other` are the same array or object (GitHub's `==` on
    /// collections), never true for primitives.
    pub fn same_collection(&self, other: &Value) -> bool {
        match (self, other) {
            (Value::Array(a), Value::Array(b)) => Arc::ptr_eq(&a.items, &b.items),
            (Value::Object(a), Value::Object(b)) => Arc::ptr_eq(&a.entries, &b.entries),
            _ => false,
        }
    }
}

/// Compares structurally: numbers by `==` (so NaN differs from itself), strings exactly,
/// arrays element-wise, objects entry-wise in order with exact keys. This is Rust equality for
/// tests and tools; the language's `==` is [`loose_eq`](crate::loose_eq).
impl PartialEq for Value {
    fn eq(&self, other: &Value) -> bool {
        match (self, other) {
            (Value::Null, Value::Null) => true,
            (Value::Bool(a), Value::Bool(b)) => a == b,
            (Value::Number(a), Value::Number(b)) => a == b,
            (Value::String(a), Value::String(b)) => a == b,
            (Value::Array(a), Value::Array(b)) => a.as_slice() == b.as_slice(),
            (Value::Object(a), Value::Object(b)) => a.iter().eq(b.iter()),
            _ => false,
        }
    }
}

/// Writes the value as GitHub converts it to a string (see [`Value::to_str`]).
impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_str())
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}

impl From<f64> for Value {
    fn from(n: f64) -> Self {
        Value::Number(n)
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::string(s)
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::String(Arc::from(s))
    }
}

impl From<Array> for Value {
    fn from(a: Array) -> Self {
        Value::Array(a)
    }
}

impl From<Object> for Value {
    fn from(o: Object) -> Self {
        Value::Object(o)
    }
}

/// Holds an array's elements, shared between clones.
#[derive(Clone, Debug, Default)]
pub struct Array {
    items: Arc<Vec<Value>>,
    filtered: bool,
}

impl Array {
    /// Returns an array of `items`.
    pub fn new(items: Vec<Value>) -> Self {
        Self { items: Arc::new(items), filtered: false }
    }

    /// Returns the result of an object filter (`*`), which a following property or index maps
    /// over instead of indexing.
    pub(crate) fn filtered(items: Vec<Value>) -> Self {
        Self { items: Arc::new(items), filtered: true }
    }

    /// Returns whether the array came from an object filter (`a.*`, `a[*]`), which makes a
    /// following `.b` or `[i]` apply to every element.
    pub fn is_filtered(&self) -> bool {
        self.filtered
    }

    /// Returns the number of elements.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Returns whether the array has no element.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Returns the element at `index`.
    pub fn get(&self, index: usize) -> Option<&Value> {
        self.items.get(index)
    }

    /// Returns the elements.
    pub fn as_slice(&self) -> &[Value] {
        &self.items
    }

    /// Returns an iterator over the elements.
    pub fn iter(&self) -> std::slice::Iter<'_, Value> {
        self.items.iter()
    }
}

impl FromIterator<Value> for Array {
    fn from_iter<I: IntoIterator<Item = Value>>(iter: I) -> Self {
        Array::new(iter.into_iter().collect())
    }
}

impl<'a> IntoIterator for &'a Array {
    type Item = &'a Value;
    type IntoIter = std::slice::Iter<'a, Value>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

/// Holds an object's entries in insertion order, shared between clones; keys compare ignoring
/// case, as in GitHub's dictionaries.
#[derive(Clone, Debug, Default)]
pub struct Object {
    /// Folded key → (key as first written, value).
    entries: Arc<IndexMap<String, (String, Value)>>,
}

impl Object {
    /// Returns an empty object.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets `key` to `value`. A key equal ignoring case to an existing one replaces that entry's
    /// value and keeps its position and spelling.
    pub fn insert(&mut self, key: impl Into<String>, value: Value) {
        let key = key.into();
        let entries = Arc::make_mut(&mut self.entries);
        match entries.entry(fold(&key)) {
            indexmap::map::Entry::Occupied(mut e) => e.get_mut().1 = value,
            indexmap::map::Entry::Vacant(e) => {
                e.insert((key, value));
            }
        }
    }

    /// Returns the value of `key`, ignoring case.
    pub fn get(&self, key: &str) -> Option<&Value> {
        // Small objects (most contexts and answers) are scanned: comparing a few short keys
        // costs less than hashing one. Keys are stored folded, and an ASCII key folds to its
        // upper case, so the comparison is the map's.
        if self.entries.len() <= SCAN && key.is_ascii() {
            let same = |folded: &str| {
                folded.len() == key.len() && folded.bytes().zip(key.bytes()).all(|(f, k)| f == k.to_ascii_uppercase())
            };
            return self.entries.iter().find(|(folded, _)| same(folded)).map(|(_, (_, v))| v);
        }
        with_folded(key, |k| self.entries.get(k)).map(|(_, v)| v)
    }

    /// Returns whether the object has `key`, ignoring case.
    pub fn contains_key(&self, key: &str) -> bool {
        with_folded(key, |k| self.entries.contains_key(k))
    }

    /// Returns the number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Returns whether the object has no entry.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Returns the entries in insertion order, with keys as first written.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> + '_ {
        self.entries.values().map(|(k, v)| (k.as_str(), v))
    }

    /// Returns the keys in insertion order, as first written.
    pub fn keys(&self) -> impl Iterator<Item = &str> + '_ {
        self.entries.values().map(|(k, _)| k.as_str())
    }

    /// Returns the values in insertion order.
    pub fn values(&self) -> impl Iterator<Item = &Value> + '_ {
        self.entries.values().map(|(_, v)| v)
    }
}

/// Bounds the objects whose keys [`Object::get`] scans instead of hashing.
const SCAN: usize = 8;

/// Calls `f` with the folded form of `key`. Short ASCII keys (almost every property name) are
/// folded into a stack buffer, so a lookup does not allocate.
fn with_folded<R>(key: &str, f: impl FnOnce(&str) -> R) -> R {
    const SHORT: usize = 64;
    if key.is_ascii() && key.len() <= SHORT {
        let mut buf = [0u8; SHORT];
        for (b, c) in buf.iter_mut().zip(key.bytes()) {
            *b = c.to_ascii_uppercase();
        }
        // ASCII stays ASCII, so the buffer is valid UTF-8.
        if let Ok(folded) = std::str::from_utf8(&buf[..key.len()]) {
            return f(folded);
        }
    }
    f(&fold(key))
}

impl<K: Into<String>> FromIterator<(K, Value)> for Object {
    fn from_iter<I: IntoIterator<Item = (K, Value)>>(iter: I) -> Self {
        let mut object = Object::new();
        for (k, v) in iter {
            object.insert(k, v);
        }
        object
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalars_put_as_words_are_those_scalars() {
        let mut v = Value::Number(1.0);
        // SAFETY: `v` owns nothing, before and after each write.
        unsafe {
            Value::put_bool(&mut v, true);
            assert!(matches!(v, Value::Bool(true)));
            Value::put_bool(&mut v, false);
            assert!(matches!(v, Value::Bool(false)));
            Value::put_number(&mut v, -0.0);
            assert!(matches!(v, Value::Number(n) if n.to_bits() == (-0.0f64).to_bits()));
            Value::put_null(&mut v);
            assert!(matches!(v, Value::Null));
        }
    }

    #[test]
    fn a_scalar_copied_by_its_first_bytes_is_the_same_scalar() {
        assert_eq!(std::mem::size_of::<Value>(), 24);
        let scalars =
            [Value::Null, Value::Bool(false), Value::Bool(true), Value::Number(-0.0), Value::Number(f64::NAN)];
        for from in &scalars {
            for over in &scalars {
                let mut to = over.clone();
                // SAFETY: both own nothing.
                unsafe { Value::copy_scalar(from, &mut to) };
                match (from, &to) {
                    (Value::Null, Value::Null) => {}
                    (Value::Bool(a), Value::Bool(b)) => assert_eq!(a, b),
                    (Value::Number(a), Value::Number(b)) => assert_eq!(a.to_bits(), b.to_bits()),
                    _ => panic!("{from:?} copied over {over:?} is {to:?}"),
                }
            }
        }
    }

    #[test]
    fn object_keys_ignore_case_and_keep_first_spelling() {
        let mut o = Object::new();
        o.insert("simPLE", Value::from(1.0));
        o.insert("other", Value::Null);
        o.insert("SIMPLE", Value::from(2.0));
        assert_eq!(o.len(), 2);
        assert_eq!(o.get("simple"), Some(&Value::from(2.0)));
        assert_eq!(o.keys().collect::<Vec<_>>(), ["simPLE", "other"]);
    }

    #[test]
    fn small_and_large_objects_find_the_same_keys() {
        let keys = ["alpha", "BETA", "straße", "ǅ", "x1", "", "Gamma", "delta", "eps", "zeta"];
        for n in [1, SCAN, keys.len()] {
            let o: Object = keys[..n].iter().enumerate().map(|(i, k)| (*k, Value::from(i as f64))).collect();
            for (i, k) in keys[..n].iter().enumerate() {
                for probe in [k.to_string(), k.to_uppercase(), k.to_lowercase(), fold(k)] {
                    let want = with_folded(&probe, |f| o.entries.get(f)).map(|(_, v)| v);
                    assert_eq!(o.get(&probe), want, "{probe}");
                    if probe.eq_ignore_ascii_case(k) {
                        assert_eq!(o.get(&probe), Some(&Value::from(i as f64)), "{probe}");
                    }
                }
            }
            assert_eq!(o.get("missing"), None);
            assert_eq!(o.get("alph"), None);
        }
    }

    #[test]
    fn collections_compare_by_identity() {
        let a = Value::from(Array::new(vec![]));
        let b = Value::from(Array::new(vec![]));
        assert!(a.same_collection(&a.clone()));
        assert!(!a.same_collection(&b));
        assert_eq!(a, b);
    }

    #[test]
    fn coercions() {
        assert_eq!(Value::Null.to_str(), "");
        assert_eq!(Value::from(-0.0).to_str(), "0");
        assert_eq!(Value::from(Object::new()).to_str(), "Object");
        assert_eq!(Value::from(" 0x10 ").to_number(), 16.0);
        assert!(Value::from(Array::default()).to_number().is_nan());
        assert!(!Value::from(f64::NAN).is_truthy());
        assert!(Value::from(Object::new()).is_truthy());
        assert!(!Value::from("").is_truthy());
    }
}
