//! GitHub's expression known-answer suite, run through the compiler and the VM (the path every
//! workflow expression takes), with the same pass rule as the evaluator's harness: the value's
//! kind and JSON for results; the failing phase and a message containing the expected text for
//! errors.

use std::path::{Path, PathBuf};
use w3_runner::expr::evaluate;
use w3_value::{Object, Value};

fn testdata() -> PathBuf {
    let p =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/conformance/languageservices/expressions/testdata");
    assert!(p.is_dir(), "known-answer data missing at {}", p.display());
    p
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "Null",
        Value::Bool(_) => "Boolean",
        Value::Number(_) => "Number",
        Value::String(_) => "String",
        Value::Array(_) => "Array",
        Value::Object(_) => "Object",
    }
}

/// Compares a value with expected JSON: numbers as doubles, objects by ordered keys.
fn same(v: &Value, j: &serde_json::Value) -> bool {
    match (v, j) {
        (Value::Null, serde_json::Value::Null) => true,
        (Value::Bool(a), serde_json::Value::Bool(b)) => a == b,
        (Value::Number(a), serde_json::Value::Number(b)) => {
            b.as_f64().is_some_and(|b| *a == b || (a.is_nan() && b.is_nan()))
        }
        (Value::String(a), serde_json::Value::String(b)) => **a == **b,
        (Value::Array(a), serde_json::Value::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same(x, y))
        }
        (Value::Object(a), serde_json::Value::Object(b)) => {
            a.len() == b.len() && a.iter().zip(b.iter()).all(|((ka, va), (kb, vb))| ka == kb && same(va, vb))
        }
        _ => false,
    }
}

#[test]
fn known_answers_through_the_vm() {
    let mut files: Vec<PathBuf> = std::fs::read_dir(testdata()).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    let (mut total, mut passed) = (0, 0);
    let mut failures = Vec::new();
    for f in files {
        let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&f).unwrap()).unwrap();
        for (group, cases) in json.as_object().unwrap() {
            for case in cases.as_array().unwrap() {
                total += 1;
                let expr = case["expr"].as_str().unwrap();
                let mut contexts = Object::new();
                if let Some(o) = case["contexts"].as_object() {
                    for (k, v) in o {
                        contexts.insert(k.clone(), Value::from(v.clone()));
                    }
                }
                let got = evaluate(expr, &contexts);
                let ok = match (&got, case.get("err")) {
                    (Err(e), Some(err)) => {
                        e.phase() == err["kind"].as_str().unwrap()
                            && e.to_string().contains(err["value"].as_str().unwrap())
                    }
                    (Ok(v), None) => {
                        kind(v) == case["result"]["kind"].as_str().unwrap() && same(v, &case["result"]["value"])
                    }
                    _ => false,
                };
                if ok {
                    passed += 1;
                } else {
                    failures
                        .push(format!("{} / {group}: {expr:?} -> {got:?}", f.file_name().unwrap().to_string_lossy()));
                }
            }
        }
    }
    println!("expression known-answer cases passed through the VM: {passed}/{total}");
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.iter().take(30).cloned().collect::<Vec<_>>().join("\n")
    );
}
