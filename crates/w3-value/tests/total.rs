//! Checks that every operation on values is total: each built-in, comparison, access and
//! conversion is applied to every combination of awkward values (NaN, `-0`, empty and filtered
//! collections, malformed format strings, non-ASCII text) under several memory limits, and
//! must return a value or an error without panicking, with comparisons consistent both ways.

use w3_value::{
    call, compare, filter, index, property, to_json_text, Array, BuiltinFunction, CompareOp, JsonStyle, Memory,
    NonFinite, Object, Value,
};

/// Returns values that exercise every kind and the edges of each.
fn samples() -> Vec<Value> {
    let object: Object =
        [("a", Value::from(1.0)), ("B", Value::from(Array::new(vec![Value::from("x")])))].into_iter().collect();
    let list =
        Value::from(Array::new(vec![Value::from(1.0), Value::from("x"), Value::Null, Value::from(object.clone())]));
    let filtered = filter(&list);
    let mut values = vec![Value::Null, Value::Bool(true), Value::Bool(false)];
    values.extend([0.0, -0.0, 1.5, 2.0, 1e21, f64::NAN, f64::INFINITY, f64::NEG_INFINITY].map(Value::from));
    values
        .extend(["", "a", "A", " 0x10 ", "{0}", "{1}{0}", "{0:x}", "{", "}}", "[1,{\"a\":2}]", "ß😊"].map(Value::from));
    values.extend([list, filtered, Value::from(object), Value::from(Array::default()), Value::from(Object::new())]);
    values
}

#[test]
fn built_ins_never_panic() {
    let values = samples();
    let memories = [Memory::new(0), Memory::new(40), Memory::default()];
    let mut argument_lists: Vec<Vec<Value>> = vec![Vec::new()];
    for a in &values {
        argument_lists.push(vec![a.clone()]);
        for b in &values {
            argument_lists.push(vec![a.clone(), b.clone()]);
            argument_lists.push(vec![Value::from("{0}|{1}"), a.clone(), b.clone()]);
        }
    }
    for function in BuiltinFunction::ALL {
        for memory in &memories {
            for args in &argument_lists {
                if let Ok(held) = call(function, args, memory) {
                    assert!(held.bytes >= 24, "{function}({args:?})");
                }
            }
        }
    }
}

#[test]
fn comparisons_and_access_are_consistent() {
    let values = samples();
    for a in &values {
        let is_nan = a.as_number().is_some_and(f64::is_nan);
        assert_eq!(compare(CompareOp::Eq, a, a), !is_nan, "{a:?}");
        let _ = (property(a, "a"), filter(a), a.to_number(), a.to_str(), a.is_truthy());
        for style in [JsonStyle::TO_JSON, JsonStyle { pretty: false, non_finite: NonFinite::Bare }] {
            assert!(to_json_text(a, style).is_ok(), "{a:?}");
        }
        for b in &values {
            let _ = index(a, b);
            assert_eq!(compare(CompareOp::Eq, a, b), compare(CompareOp::Eq, b, a), "{a:?} {b:?}");
            assert_eq!(compare(CompareOp::Ne, a, b), !compare(CompareOp::Eq, a, b));
            assert_eq!(compare(CompareOp::Lt, a, b), compare(CompareOp::Gt, b, a), "{a:?} {b:?}");
            assert_eq!(compare(CompareOp::Le, a, b), compare(CompareOp::Ge, b, a), "{a:?} {b:?}");
        }
    }
}
