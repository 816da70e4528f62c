//! `w3 check` as a user runs it: exit codes, output formats, directories, config, bad input.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn w3(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_w3")).args(args).current_dir(cwd).output().expect("run w3")
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn write(dir: &Path, rel: &str, text: &[u8]) -> PathBuf {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(&p, text).unwrap();
    p
}

const BAD: &str =
    "on: push\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo\n        shel: bash\n";

#[test]
fn clean_example_exits_zero_silently() {
    let out = w3(&["check", "examples/defi-risk-monitor.yml"], &repo());
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stdout));
    assert!(out.stdout.is_empty());
}

#[test]
fn problems_exit_one_with_path_line_col_rule() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "bad.yml", BAD.as_bytes());
    let out = w3(&["check", "bad.yml"], dir.path());
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.starts_with("bad.yml:7:9: unexpected key \"shel\" for step to run shell command; did you mean \"shell\"?"),
        "{text}"
    );
    assert!(text.trim_end().ends_with("[syntax-check]"), "{text}");
    // Not a terminal: no snippet lines.
    assert_eq!(text.lines().count(), 1, "{text}");
}

#[test]
fn json_format_is_an_array_of_findings() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "bad.yml", BAD.as_bytes());
    let out = w3(&["check", "--format", "json", "bad.yml"], dir.path());
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let first = &v.as_array().unwrap()[0];
    assert_eq!(first["path"], "bad.yml");
    assert_eq!(first["line"], 7);
    assert_eq!(first["column"], 9);
    assert_eq!(first["rule"], "syntax-check");
    assert_eq!(first["severity"], "error");
}

#[test]
fn default_path_and_directory_recursion() {
    let dir = tempfile::tempdir().unwrap();
    let missing = w3(&["check"], dir.path());
    assert_eq!(missing.status.code(), Some(2), "no .github/workflows is a bad invocation");
    assert!(String::from_utf8_lossy(&missing.stderr).contains(".github/workflows"));
    write(
        dir.path(),
        ".github/workflows/a.yml",
        b"on: push\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps: [{run: echo}]\n",
    );
    write(dir.path(), ".github/workflows/nested/b.yaml", BAD.as_bytes());
    write(dir.path(), ".github/workflows/notes.txt", b"not a workflow");
    let out = w3(&["check"], dir.path());
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with(".github/workflows/nested/b.yaml:7:9:"), "{text}");
}

#[test]
fn bad_invocations_exit_two() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(w3(&["check", "nope.yml"], dir.path()).status.code(), Some(2));
    assert_eq!(w3(&["check", "--format", "xml", "."], dir.path()).status.code(), Some(2));
    assert_eq!(w3(&["frobnicate"], dir.path()).status.code(), Some(2));
    write(dir.path(), "cfg.yaml", b"unknown-key: 1\n");
    write(dir.path(), "a.yml", BAD.as_bytes());
    let out = w3(&["check", "--config", "cfg.yaml", "a.yml"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cfg.yaml:1:1"), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn actionlint_config_adds_self_hosted_labels() {
    let dir = tempfile::tempdir().unwrap();
    let wf = b"on: push\njobs:\n  t:\n    runs-on: [self-hosted, big-gpu]\n    steps: [{run: echo}]\n";
    write(dir.path(), ".github/workflows/a.yml", wf);
    assert_eq!(w3(&["check"], dir.path()).status.code(), Some(1));
    write(dir.path(), ".github/actionlint.yaml", b"self-hosted-runner:\n  labels: [big-*]\n");
    let out = w3(&["check"], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stdout));
}

#[test]
fn actionlint_config_declares_config_variables() {
    let dir = tempfile::tempdir().unwrap();
    let wf = b"on: push\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ vars.REGION }} ${{ vars.REGOIN }}\n";
    write(dir.path(), ".github/workflows/a.yml", wf);
    // Without a list, any variable name is accepted.
    assert_eq!(w3(&["check"], dir.path()).status.code(), Some(0));
    write(dir.path(), ".github/actionlint.yml", b"config-variables: [REGION]\n");
    let out = w3(&["check"], dir.path());
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains(
            ":6:42: property \"regoin\" is not defined in object type {region: string}; did you mean \"region\"?"
        ),
        "{text}"
    );
}

#[test]
fn hostile_inputs_get_positioned_diagnostics() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "utf8.yml", b"on: push\njobs:\n  t: \xff\xfe\n");
    let out = w3(&["check", "utf8.yml"], dir.path());
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stdout).starts_with("utf8.yml:3:6: file is not valid UTF-8"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );

    let deep: String = (0..1000).map(|i| format!("{}k{i}:\n", " ".repeat(i))).collect();
    write(dir.path(), "deep.yml", deep.as_bytes());
    let out = w3(&["check", "deep.yml"], dir.path());
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("nesting is deeper than the limit"));

    let mut big = String::from("on: push\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n");
    while big.len() < 10 << 20 {
        big.push_str("      - run: echo 'padding padding padding padding padding padding padding'\n");
    }
    write(dir.path(), "big.yml", big.as_bytes());
    let out = w3(&["check", "big.yml"], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stdout));

    let mut bomb = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..12 {
        let p = i - 1;
        bomb.push_str(&format!("a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"));
    }
    write(dir.path(), "bomb.yml", bomb.as_bytes());
    let out = w3(&["check", "bomb.yml"], dir.path());
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("alias bomb"));
}

#[test]
fn version_and_help() {
    let out = w3(&["--version"], &repo());
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("w3 "));
    let help = w3(&["check", "--help"], &repo());
    assert_eq!(help.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&help.stdout).contains("--format"));
}
