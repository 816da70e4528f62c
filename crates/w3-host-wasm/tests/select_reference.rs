//! w3/json-select@v1 agrees with a Rust reference on random JSON documents and paths, and
//! its output and gas are the same on every run.

mod common;
use common::*;
use proptest::prelude::*;
use w3_host_wasm::{ActionError, ActionRuntime};
use w3_value::{to_json_text, JsonStyle, NonFinite, Object, Value};

/// Selects like the action: exact keys (the first of repeated ones), decimal indexes of 1 to 9
/// digits, nothing through scalars; an empty path is the whole value.
fn reference<'a>(v: &'a Value, path: &str) -> Option<&'a Value> {
    let mut cur = v;
    if path.is_empty() {
        return Some(cur);
    }
    for seg in path.split('.') {
        cur = match cur {
            Value::Object(o) => o.iter().find(|(k, _)| *k == seg).map(|(_, v)| v)?,
            Value::Array(a) => {
                if seg.is_empty() || seg.len() > 9 || !seg.bytes().all(|b| b.is_ascii_digit()) {
                    return None;
                }
                a.get(seg.parse().ok()?)?
            }
            _ => return None,
        };
    }
    Some(cur)
}

fn value() -> impl Strategy<Value = Value> {
    let key = "[a-c0-9\"\\\\é😀\n ]{0,3}";
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i32>().prop_map(|n| Value::from(f64::from(n))),
        any::<f64>().prop_filter("finite", |n| n.is_finite()).prop_map(Value::from),
        "[a-z\"\\\\é😀\u{1}\n\t/ ]{0,8}".prop_map(Value::from),
    ];
    leaf.prop_recursive(5, 48, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(|items| Value::Array(items.into_iter().collect())),
            prop::collection::vec((key, inner), 0..6).prop_map(|entries| {
                let mut o = Object::new();
                for (k, v) in entries {
                    o.insert(k, v);
                }
                Value::Object(o)
            }),
        ]
    })
}

/// Returns a path that walks `v` by `choices`, then maybe one more segment that may not exist.
fn path_into(v: &Value, choices: &[usize], extra: Option<&str>) -> String {
    let mut segments = Vec::new();
    let mut cur = v;
    for &c in choices {
        match cur {
            Value::Object(o) if !o.is_empty() => {
                let (k, next) = o.iter().nth(c % o.len()).unwrap();
                if k.contains('.') {
                    break;
                }
                segments.push(k.to_string());
                cur = next;
            }
            Value::Array(a) if !a.is_empty() => {
                segments.push((c % a.len()).to_string());
                cur = &a.as_slice()[c % a.len()];
            }
            _ => break,
        }
    }
    segments.extend(extra.map(str::to_string));
    segments.join(".")
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn agrees_with_the_reference(
        v in value(),
        choices in prop::collection::vec(any::<usize>(), 0..5),
        extra in prop::option::of(prop_oneof![Just("0"), Just("zz"), Just(""), Just("1"), Just("a")]),
        pretty in any::<bool>(),
    ) {
        let text = to_json_text(&v, JsonStyle { pretty, non_finite: NonFinite::Null }).unwrap();
        let path = path_into(&v, &choices, extra);
        let got = select(&text, &path);
        // The reference reads the same text, so both see the same numbers (serde_json's
        // reading of a few extreme doubles is off by one ulp, the same for both sides).
        let doc = w3_value::parse_json(&text).unwrap();
        match (reference(&doc, &path), got) {
            (Some(Value::String(s)), Ok(out)) => prop_assert_eq!(s.as_ref(), out.as_str()),
            (Some(expected), Ok(out)) => {
                let out = w3_value::parse_json(&out).unwrap();
                prop_assert_eq!(serde_json::Value::from(expected), serde_json::Value::from(&out));
            }
            (None, Err(ActionError::Failed { message, .. })) => {
                prop_assert!(message.contains(&format!("(path \"{path}\")")), "{}", message)
            }
            (expected, got) => prop_assert!(false, "{text} at {path:?}: expected {expected:?}, got {got:?}"),
        }
    }
}

/// The gas of a fixed invocation, pinned: a change means the gas semantics changed (the
/// engine's fuel, the ratio, the ABI prices or the built-in's code) and must be deliberate.
#[test]
fn same_input_same_output_same_gas() {
    let doc = r#"{"data": {"items": [{"price": "1.5"}, {"price": 2}], "note": "caf\u00e9 \"x\""}}"#;
    let runtime = ActionRuntime::new(None);
    let run = |rt: &ActionRuntime| {
        rt.invoke(
            &action("json-select"),
            &input(&[("json", doc), ("path", "data.items.1.price")], &[]),
            GAS,
            &mut TestHost::default(),
        )
        .unwrap()
    };
    let first = run(&runtime);
    let cached = run(&runtime);
    let fresh = run(&ActionRuntime::new(None));
    assert_eq!(out(&first, "value").as_deref(), Some("2"));
    assert_eq!(first, cached);
    assert_eq!(first, fresh);
    assert_eq!(first.gas_used, PINNED_SELECT_GAS);

    let url = "https://prices.example/eth";
    let oracle = |rt: &ActionRuntime| {
        let mut host = TestHost::serving("prices.example", url, 200, r#"{"price": 3150.25}"#);
        rt.invoke(&action("oracle-action"), &input(&[("url", url)], &[]), GAS, &mut host).unwrap()
    };
    let a = oracle(&runtime);
    assert_eq!(a, oracle(&runtime));
    assert_eq!(a, oracle(&ActionRuntime::new(None)));
    assert_eq!(a.gas_used, PINNED_ORACLE_GAS);
}

const PINNED_SELECT_GAS: u64 = 80_448;
const PINNED_ORACLE_GAS: u64 = 44_920;
