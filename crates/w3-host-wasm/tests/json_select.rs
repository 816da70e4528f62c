//! w3/json-select@v1: paths through objects and arrays, escapes, whitespace, errors.

mod common;
use common::*;

#[test]
fn selects_through_objects_and_arrays() {
    let doc = r#"{"data": {"price": 42.5, "tags": ["a", "b"]}, "prices": [{"usd": 1}, {"usd": 2.25e3}]}"#;
    assert_eq!(select(doc, "data.price").unwrap(), "42.5");
    assert_eq!(select(doc, "data.tags.1").unwrap(), "b");
    assert_eq!(select(doc, "prices.1.usd").unwrap(), "2.25e3");
    assert_eq!(select(doc, "data.tags").unwrap(), r#"["a", "b"]"#);
    assert_eq!(select(doc, "prices.0").unwrap(), r#"{"usd": 1}"#);
}

#[test]
fn strings_are_unquoted_and_other_values_are_json_text() {
    let doc = r#"{"s": "a \"quoted\" \\ line\nnext \u00e9\ud83d\ude00 /\/", "t": true, "f": false, "n": null, "neg": -0.5e-3}"#;
    assert_eq!(select(doc, "s").unwrap(), "a \"quoted\" \\ line\nnext é😀 //");
    assert_eq!(select(doc, "t").unwrap(), "true");
    assert_eq!(select(doc, "f").unwrap(), "false");
    assert_eq!(select(doc, "n").unwrap(), "null");
    assert_eq!(select(doc, "neg").unwrap(), "-0.5e-3");
}

#[test]
fn empty_path_selects_everything() {
    assert_eq!(select(" [1, 2] ", "").unwrap(), "[1, 2]");
    assert_eq!(select("\"x\"", "").unwrap(), "x");
    let rt = w3_host_wasm::ActionRuntime::new(None);
    let outcome =
        rt.invoke(&action("json-select"), &input(&[("json", "7")], &[]), GAS, &mut TestHost::default()).unwrap();
    assert_eq!(out(&outcome, "value").as_deref(), Some("7"));
}

#[test]
fn whitespace_anywhere() {
    let doc = " \n\t{ \"a\" \r\n :\t[ 1 ,\n {\"b\" : \"c\" } ] } \n";
    assert_eq!(select(doc, "a.1.b").unwrap(), "c");
    assert_eq!(select(doc, "a.0").unwrap(), "1");
}

#[test]
fn keys_match_after_decoding_escapes() {
    // "pr\u0069ce" is "price"; "a\"b" is a key with a quote; "a.b" cannot be reached.
    let doc = r#"{"x\"y": 1, "pr\u0069ce": 2, "caf\u00e9": 3, "\ud83d\ude00": 4}"#;
    assert_eq!(select(doc, "price").unwrap(), "2");
    assert_eq!(select(doc, "x\"y").unwrap(), "1");
    assert_eq!(select(doc, "café").unwrap(), "3");
    assert_eq!(select(doc, "😀").unwrap(), "4");
    // Skipping a value with tricky strings finds the next key.
    let doc = r#"{"a": "}\"]{,", "b": ["\\", "\"", {"c": "]"}], "d": "found"}"#;
    assert_eq!(select(doc, "d").unwrap(), "found");
}

#[test]
fn keys_are_exact() {
    let doc = r#"{"Price": 1, "price": 2, "price": 3}"#;
    assert_eq!(select(doc, "price").unwrap(), "2", "the first of repeated keys");
    assert_eq!(select(doc, "Price").unwrap(), "1");
    assert!(failure(select(doc, "PRICE")).contains("no value at \"PRICE\""));
}

#[test]
fn numeric_segments_index_arrays_and_name_object_keys() {
    assert_eq!(select(r#"{"0": "zero"}"#, "0").unwrap(), "zero");
    assert_eq!(select("[10, 20, 30]", "2").unwrap(), "30");
    assert_eq!(select("[10, 20, 30]", "02").unwrap(), "30");
}

#[test]
fn missing_paths_fail_naming_the_segment() {
    let doc = r#"{"data": {"price": 1, "list": [1, 2]}}"#;
    assert_eq!(failure(select(doc, "data.cost")), r#"no value at "cost" (path "data.cost")"#);
    assert_eq!(failure(select(doc, "data.list.2")), r#"no value at "2" (path "data.list.2")"#);
    assert_eq!(failure(select(doc, "data.list.x")), r#"no value at "x" (path "data.list.x")"#);
    assert_eq!(failure(select(doc, "data.list.-1")), r#"no value at "-1" (path "data.list.-1")"#);
    assert_eq!(
        failure(select(doc, "data.list.9999999999")),
        r#"no value at "9999999999" (path "data.list.9999999999")"#
    );
    assert_eq!(
        failure(select(doc, "data.price.usd")),
        r#""usd" looks into a value that is neither an object nor an array (path "data.price.usd")"#
    );
    assert_eq!(failure(select("{}", "a")), r#"no value at "a" (path "a")"#);
    assert_eq!(failure(select("[]", "0")), r#"no value at "0" (path "0")"#);
    assert_eq!(failure(select(doc, "data.")), r#"no value at "" (path "data.")"#);
}

#[test]
fn malformed_json_fails() {
    let bad = [
        "",
        " ",
        "{",
        "}",
        "[1,]",
        "[1 2]",
        "{\"a\" 1}",
        "{\"a\":}",
        "{a: 1}",
        "{\"a\":1,}",
        "01",
        "1.",
        ".5",
        "-",
        "1e",
        "+1",
        "tru",
        "nul",
        "\"open",
        "\"bad \\x escape\"",
        "\"\\u12G4\"",
        "\"\\ud800\"",
        "\"\\udc00\"",
        "\"\\ud800\\u0041\"",
        "\"tab\there\"",
        "[1] 2",
        "NaN",
        "'a'",
    ];
    for text in bad {
        let message = failure(select(text, ""));
        assert!(message.starts_with("input `json` is not valid JSON"), "{text:?}: {message}");
        assert!(w3_value::parse_json(text).is_err(), "the reference accepts {text:?}");
    }
}

#[test]
fn nesting_limit_matches_serde_json() {
    let deep = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
    assert!(select(&deep(127), "").is_ok());
    assert!(w3_value::parse_json(&deep(127)).is_ok());
    assert!(failure(select(&deep(128), "")).starts_with("input `json` is not valid JSON"));
    assert!(w3_value::parse_json(&deep(128)).is_err());
    // Hostile depth is a clean failure, not a stack overflow.
    let rt = w3_host_wasm::ActionRuntime::new(None);
    let r = rt.invoke(
        &action("json-select"),
        &input(&[("json", deep(10_000).as_str())], &[]),
        100 * GAS,
        &mut TestHost::default(),
    );
    assert!(failure(r).starts_with("input `json` is not valid JSON"));
}

#[test]
fn inputs_are_checked() {
    let rt = w3_host_wasm::ActionRuntime::new(None);
    let run = |input| rt.invoke(&action("json-select"), &input, GAS, &mut TestHost::default());
    assert_eq!(failure(run(input(&[("path", "a")], &[]))), "input `json` is required (a JSON text)");
    assert_eq!(failure(run(json(r#"{"with": {"json": 5}}"#))), "input `json` is required (a JSON text)");
    assert_eq!(failure(run(json(r#"{"with": {"json": "{}", "path": 5}}"#))), "input `path` must be a string");
    assert_eq!(failure(run(json("{}"))), "input `json` is required (a JSON text)");
}
