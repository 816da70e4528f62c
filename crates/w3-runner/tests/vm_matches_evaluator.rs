//! One semantics: for random expressions over random contexts, the VM (compiled bytecode) and
//! the tree-walking evaluator give the same value, or both fail in the same phase.

use proptest::prelude::*;
use w3_value::{Object, Value};

fn leaf() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("null".to_string()),
        Just("true".to_string()),
        Just("false".to_string()),
        (-3i32..40).prop_map(|n| n.to_string()),
        Just("0.5".to_string()),
        Just("NaN".to_string()),
        Just("-Infinity".to_string()),
        "[a-zA-Z ]{0,4}".prop_map(|s| format!("'{s}'")),
        Just("ctx".to_string()),
        Just("ctx.list".to_string()),
        Just("ctx.obj".to_string()),
        Just("ctx.obj.Name".to_string()),
        Just("ctx.list.*".to_string()),
        Just("ctx.objs.*.name".to_string()),
        Just("ctx.missing".to_string()),
        Just("other".to_string()),
    ]
}

fn expr() -> impl Strategy<Value = String> {
    leaf().prop_recursive(4, 32, 3, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone(), prop::sample::select(vec!["==", "!=", "<", "<=", ">", ">=", "&&", "||"]))
                .prop_map(|(a, b, op)| format!("({a} {op} {b})")),
            inner.clone().prop_map(|a| format!("!{a}")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("{a}[{b}]")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("contains({a}, {b})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("startsWith({a}, {b})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("endsWith({a}, {b})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("format('{{1}}-{{0}}', {a}, {b})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("format({a}, {b})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("join({a}, {b})")),
            inner.clone().prop_map(|a| format!("toJSON({a})")),
            inner.clone().prop_map(|a| format!("fromJSON(toJSON({a}))")),
            inner.clone().prop_map(|a| format!("fromJSON({a})")),
            (inner.clone(), inner.clone(), inner.clone()).prop_map(|(a, b, c)| format!("case({a}, {b}, {c})")),
        ]
    })
}

fn contexts() -> Object {
    let json = serde_json::json!({
        "ctx": {
            "list": [1, "two", true, null, [3], {"a": 1}],
            "obj": {"name": "w3", "n": 2.5, "nested": {"x": [1, 2]}},
            "objs": [{"name": "a"}, {"name": "B"}, {"other": 1}],
        },
        "other": "Text",
    });
    let mut o = Object::new();
    for (k, v) in json.as_object().unwrap() {
        o.insert(k.clone(), Value::from(v.clone()));
    }
    o
}

/// Compares two values the way GitHub's harness does: by kind and JSON text.
fn same(a: &Value, b: &Value) -> bool {
    let text = |v: &Value| {
        w3_value::to_json_text(v, w3_value::JsonStyle { pretty: false, non_finite: w3_value::NonFinite::Bare })
    };
    std::mem::discriminant(a) == std::mem::discriminant(b) && text(a).ok() == text(b).ok()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn vm_and_evaluator_agree(src in expr()) {
        let ctx = contexts();
        let tree = w3_dsl::expr::evaluate(&src, &ctx);
        let vm = w3_runner::expr::evaluate(&src, &ctx);
        match (&tree, &vm) {
            (Ok(a), Ok(b)) => prop_assert!(same(a, b), "{src}: evaluator {a:?}, VM {b:?}"),
            (Err(a), Err(b)) => {
                let phase = match a.kind() {
                    w3_dsl::expr::ErrorKind::Lexing => "lexing",
                    w3_dsl::expr::ErrorKind::Parsing => "parsing",
                    w3_dsl::expr::ErrorKind::Evaluation => "evaluation",
                };
                prop_assert_eq!(phase, b.phase(), "{}: evaluator {:?}, VM {:?}", src, a, b);
            }
            _ => prop_assert!(false, "{src}: evaluator {tree:?}, VM {vm:?}"),
        }
    }
}
