//! Compares values with GitHub's coercions.
//!
//! Like JavaScript's abstract equality, except that strings compare ordinally ignoring case and
//! arrays and objects are never converted: operands of different kinds are coerced pairwise
//! (number and string → numbers; a boolean or null → number, then again), and if the kinds still
//! differ the comparison is false. NaN compares false with everything. `<=` is `<` or `==`, so
//! `'a' <= 'A'` is true.

use crate::number::parse_number;
use crate::text::{cmp_ignore_case, eq_ignore_case};
use crate::value::Value;
use std::cmp::Ordering;
use std::fmt;

/// Names a comparison operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CompareOp {
    /// `==`.
    Eq,
    /// `!=`.
    Ne,
    /// `<`.
    Lt,
    /// `<=`.
    Le,
    /// `>`.
    Gt,
    /// `>=`.
    Ge,
}

impl CompareOp {
    /// Returns the operator as written.
    pub const fn as_str(self) -> &'static str {
        match self {
            CompareOp::Eq => "==",
            CompareOp::Ne => "!=",
            CompareOp::Lt => "<",
            CompareOp::Le => "<=",
            CompareOp::Gt => ">",
            CompareOp::Ge => ">=",
        }
    }
}

impl fmt::Display for CompareOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A value after coercion, borrowing strings and collections.
enum Coerced<'a> {
    Null,
    Bool(bool),
    Number(f64),
    String(&'a str),
    Collection(&'a Value),
}

impl<'a> Coerced<'a> {
    fn of(value: &'a Value) -> Self {
        match value {
            Value::Null => Coerced::Null,
            Value::Bool(b) => Coerced::Bool(*b),
            Value::Number(n) => Coerced::Number(*n),
            Value::String(s) => Coerced::String(s),
            Value::Array(_) | Value::Object(_) => Coerced::Collection(value),
        }
    }

    fn rank(&self) -> u8 {
        match self {
            Coerced::Null => 0,
            Coerced::Bool(_) => 1,
            Coerced::Number(_) => 2,
            Coerced::String(_) => 3,
            Coerced::Collection(_) => 4,
        }
    }

    fn to_number(&self) -> Coerced<'a> {
        Coerced::Number(match self {
            Coerced::Null => 0.0,
            Coerced::Bool(b) => f64::from(u8::from(*b)),
            Coerced::Number(n) => *n,
            Coerced::String(s) => parse_number(s),
            Coerced::Collection(_) => f64::NAN,
        })
    }
}

/// Coerces `a` and `b` towards a common kind, GitHub's way.
fn coerce<'a>(a: &'a Value, b: &'a Value) -> (Coerced<'a>, Coerced<'a>) {
    let (mut l, mut r) = (Coerced::of(a), Coerced::of(b));
    // At most two rounds: each converts a null, boolean or string to a number.
    for _ in 0..3 {
        match (&l, &r) {
            _ if l.rank() == r.rank() => break,
            (Coerced::Number(_), Coerced::String(_)) => r = r.to_number(),
            (Coerced::String(_), Coerced::Number(_)) => l = l.to_number(),
            (Coerced::Null | Coerced::Bool(_), _) => l = l.to_number(),
            (_, Coerced::Null | Coerced::Bool(_)) => r = r.to_number(),
            _ => break,
        }
    }
    (l, r)
}

/// Returns whether `a == b` holds in GitHub's expression language.
pub fn loose_eq(a: &Value, b: &Value) -> bool {
    match coerce(a, b) {
        (Coerced::Null, Coerced::Null) => true,
        (Coerced::Bool(x), Coerced::Bool(y)) => x == y,
        (Coerced::Number(x), Coerced::Number(y)) => x == y,
        (Coerced::String(x), Coerced::String(y)) => eq_ignore_case(x, y),
        (Coerced::Collection(x), Coerced::Collection(y)) => x.same_collection(y),
        _ => false,
    }
}

/// Returns how `a` orders against `b` when both coerce to the same orderable kind (boolean,
/// number except NaN, string), else `None`.
pub fn loose_cmp(a: &Value, b: &Value) -> Option<Ordering> {
    match coerce(a, b) {
        (Coerced::Bool(x), Coerced::Bool(y)) => Some(x.cmp(&y)),
        (Coerced::Number(x), Coerced::Number(y)) => x.partial_cmp(&y),
        (Coerced::String(x), Coerced::String(y)) => Some(cmp_ignore_case(x, y)),
        _ => None,
    }
}

/// Returns the result of `a op b`.
#[inline]
pub fn compare(op: CompareOp, a: &Value, b: &Value) -> bool {
    // Two numbers need no coercion: IEEE comparison is GitHub's (NaN is unequal and unordered,
    // and `<=` is `<` or `==`). The common case, inlined into callers such as the VM's loop.
    if let (Value::Number(x), Value::Number(y)) = (a, b) {
        return compare_numbers(op, *x, *y);
    }
    compare_coerced(op, a, b)
}

/// Returns the result of `x op y` for two numbers, what [`compare`] gives for them.
#[inline]
pub fn compare_numbers(op: CompareOp, x: f64, y: f64) -> bool {
    match op {
        CompareOp::Eq => x == y,
        CompareOp::Ne => x != y,
        CompareOp::Lt => x < y,
        CompareOp::Le => x <= y,
        CompareOp::Gt => x > y,
        CompareOp::Ge => x >= y,
    }
}

/// Returns the result of `a op b` with GitHub's coercions (any kinds).
fn compare_coerced(op: CompareOp, a: &Value, b: &Value) -> bool {
    let less = || loose_cmp(a, b) == Some(Ordering::Less);
    let greater = || loose_cmp(a, b) == Some(Ordering::Greater);
    match op {
        CompareOp::Eq => loose_eq(a, b),
        CompareOp::Ne => !loose_eq(a, b),
        CompareOp::Lt => less(),
        CompareOp::Le => loose_eq(a, b) || less(),
        CompareOp::Gt => greater(),
        CompareOp::Ge => loose_eq(a, b) || greater(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::{Array, Object};

    fn v(n: f64) -> Value {
        Value::from(n)
    }

    #[test]
    fn equality_coerces_like_github() {
        assert!(loose_eq(&Value::Null, &v(0.0)));
        assert!(loose_eq(&Value::Bool(true), &Value::from(" 1.0 ")));
        assert!(loose_eq(&Value::Bool(false), &Value::from("")));
        assert!(loose_eq(&v(255.0), &Value::from(" 0xff ")));
        assert!(!loose_eq(&v(f64::NAN), &v(f64::NAN)));
        assert!(loose_eq(&Value::from("ABC"), &Value::from("abc")));
        assert!(!loose_eq(&Value::Bool(false), &Value::from(Object::new())));
        assert!(!loose_eq(&Value::Null, &Value::from(Array::default())));
        assert!(loose_eq(&Value::from(""), &Value::Null));
    }

    #[test]
    fn ordering_coerces_like_github() {
        assert!(compare(CompareOp::Gt, &Value::Bool(true), &Value::Bool(false)));
        assert!(compare(CompareOp::Lt, &v(3.0), &Value::from("4")));
        assert!(compare(CompareOp::Le, &Value::from("a"), &Value::from("A")));
        assert!(!compare(CompareOp::Lt, &Value::Null, &Value::Null));
        assert!(compare(CompareOp::Le, &Value::Null, &Value::Null));
        assert!(!compare(CompareOp::Gt, &Value::from("abc"), &v(f64::NAN)));
        // 3 < 2 < 1 is (false) < 1, which is 0 < 1.
        assert!(compare(CompareOp::Lt, &Value::Bool(false), &v(1.0)));
    }

    #[test]
    fn numbers_compare_as_coerced_values_do() {
        let ops = [CompareOp::Eq, CompareOp::Ne, CompareOp::Lt, CompareOp::Le, CompareOp::Gt, CompareOp::Ge];
        let numbers = [0.0, -0.0, 1.0, -2.5, f64::NAN, f64::INFINITY, f64::NEG_INFINITY];
        for op in ops {
            for x in numbers {
                for y in numbers {
                    assert_eq!(compare(op, &v(x), &v(y)), compare_coerced(op, &v(x), &v(y)), "{x} {op} {y}");
                }
            }
        }
    }
}
