//! `w3 expr` as scripts use it: JSON on stdout and exit 0, or a message on stderr and exit 1.

use std::process::{Command, Output};

fn w3(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_w3")).args(args).output().expect("run w3")
}

fn ok(args: &[&str]) -> serde_json::Value {
    let out = w3(args);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn prints_values_as_json() {
    assert_eq!(ok(&["expr", "1 == '1'"]), serde_json::json!(true));
    assert_eq!(ok(&["expr", "format('{0}-{1}', 'a', 2)"]), serde_json::json!("a-2"));
    assert_eq!(ok(&["expr", "fromJSON('[1, {\"a\": null}]')"]), serde_json::json!([1, {"a": null}]));
    assert_eq!(ok(&["expr", "--", "-1"]), serde_json::json!(-1));
    // The standard contexts exist and are empty.
    assert_eq!(ok(&["expr", "github.ref"]), serde_json::Value::Null);
    assert_eq!(ok(&["expr", "toJSON(matrix)"]), serde_json::json!("{}"));
}

#[test]
fn context_file_names_the_contexts() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = dir.path().join("ctx.json");
    std::fs::write(&ctx, r#"{"GitHub": {"Ref": "refs/heads/main"}, "list": [1, 2]}"#).unwrap();
    let ctx = ctx.to_str().unwrap();
    assert_eq!(ok(&["expr", "--context", ctx, "github.ref"]), serde_json::json!("refs/heads/main"));
    assert_eq!(ok(&["expr", "--context", ctx, "join(list.*, '+')"]), serde_json::json!("1+2"));
    // A context not in the file is unknown, as on GitHub.
    let out = w3(&["expr", "--context", ctx, "env.X"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("Unrecognized named-value: 'env'"));
}

#[test]
fn errors_exit_one_with_nothing_on_stdout() {
    for (expr, needle) in [
        ("1 +", "Unexpected symbol"),
        ("contains('a')", "Too few parameters supplied"),
        ("format('{0', 1)", "format string is invalid"),
        ("'unterminated", "Unexpected symbol"),
    ] {
        let out = w3(&["expr", expr]);
        assert_eq!(out.status.code(), Some(1), "{expr}");
        assert!(out.stdout.is_empty(), "{expr}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains(needle),
            "{expr}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn bad_context_files_exit_two() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, "[1]").unwrap();
    assert_eq!(w3(&["expr", "--context", bad.to_str().unwrap(), "1"]).status.code(), Some(2));
    assert_eq!(w3(&["expr", "--context", "/nonexistent.json", "1"]).status.code(), Some(2));
}
