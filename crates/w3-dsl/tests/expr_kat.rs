//! Runs every known-answer case of GitHub's expression conformance data
//! (`shared/conformance/languageservices/expressions/testdata/*.json`, see its FORMAT.md).
//!
//! For each case the named values are the keys of `contexts` and only built-in functions exist.
//! An expected error passes when the phase (lexing, parsing, evaluation) matches and the expected
//! text is a substring of the message; an expected result passes when the kind matches and the
//! value, as JSON, equals the expected JSON (numbers as doubles, object keys in order). Cases
//! that carry `skip` flags for other implementations are run too. Every case must pass.

use serde_json::Value as Json;
use std::path::{Path, PathBuf};
use w3_dsl::expr::{Evaluator, Expression, Object, ParseOptions, Value};

fn testdata_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/conformance/languageservices/expressions/testdata")
}

/// Returns the conformance files in directory order (sorted by name).
fn case_files() -> Vec<PathBuf> {
    let dir = testdata_dir();
    let entries =
        std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("conformance data missing at {}: {e}", dir.display()));
    let mut files: Vec<PathBuf> = entries.map(|e| e.expect("readable directory entry").path()).collect();
    files.sort();
    for file in &files {
        assert!(
            file.is_file() && file.extension().is_some_and(|x| x == "json"),
            "unexpected entry in the conformance data: {}",
            file.display()
        );
    }
    assert!(!files.is_empty(), "no conformance files in {}", dir.display());
    files
}

/// Returns `None` when the case passes, else what went wrong.
fn run_case(case: &Json) -> Option<String> {
    let expr = case["expr"].as_str()?;
    let contexts: Object = match &case["contexts"] {
        Json::Object(map) => map.iter().map(|(k, v)| (k.clone(), Value::from(v.clone()))).collect(),
        _ => Object::new(),
    };
    let options = ParseOptions::new().named_values(contexts.keys());
    let outcome =
        Expression::parse(expr, &options).and_then(|expression| Evaluator::new(&contexts).evaluate(&expression));
    match (outcome, case.get("err"), case.get("result")) {
        (Err(error), Some(expected), _) => {
            let kind = expected["kind"].as_str().unwrap_or_default();
            let text = expected["value"].as_str().unwrap_or_default();
            let message = error.to_string();
            (error.kind().as_str() != kind || !message.contains(text))
                .then(|| format!("expected {kind} error containing {text:?}, got {} error {message:?}", error.kind()))
        }
        (Err(error), None, _) => Some(format!("unexpected {} error: {error}", error.kind())),
        (Ok(value), Some(expected), _) => Some(format!("expected an error {expected}, got {value:?}")),
        (Ok(value), None, Some(expected)) => {
            let kind = expected["kind"].as_str().unwrap_or_default();
            let actual = serde_json::Value::from(&value);
            (value.kind().as_str() != kind || !json_equal(&actual, &expected["value"]))
                .then(|| format!("expected {kind} {}, got {} {actual}", expected["value"], value.kind()))
        }
        (Ok(_), None, None) => Some("case has neither result nor err".to_owned()),
    }
}

/// Compares JSON with numbers as doubles and object keys in order.
fn json_equal(a: &Json, b: &Json) -> bool {
    match (a, b) {
        (Json::Number(x), Json::Number(y)) => x.as_f64() == y.as_f64(),
        (Json::Array(x), Json::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(p, q)| json_equal(p, q)),
        (Json::Object(x), Json::Object(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|((kp, vp), (kq, vq))| kp == kq && json_equal(vp, vq))
        }
        _ => a == b,
    }
}

#[test]
fn expression_known_answers() {
    let mut total = 0;
    let mut failures = Vec::new();
    for file in case_files() {
        let text = std::fs::read_to_string(&file).expect("readable conformance file");
        let groups: serde_json::Map<String, Json> =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let name = file.file_name().unwrap_or_default().to_string_lossy().into_owned();
        for (group, cases) in &groups {
            for (i, case) in cases.as_array().into_iter().flatten().enumerate() {
                total += 1;
                if let Some(problem) = run_case(case) {
                    failures.push(format!("{name} / {group} #{i}: {:?}\n    {problem}", case["expr"]));
                }
            }
        }
    }
    println!("expression known-answer cases passed: {}/{total}", total - failures.len());
    assert!(total > 0, "no known-answer cases found");
    assert!(failures.is_empty(), "{} case(s) failed:\n{}", failures.len(), failures.join("\n"));
}
