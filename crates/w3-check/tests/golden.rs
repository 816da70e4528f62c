//! Golden tests: each `tests/err/NAME.yaml` is linted and its diagnostics are compared with
//! `tests/err/NAME.out`; each `tests/ok/NAME.yaml` must produce none. Run with `BLESS=1` to
//! rewrite the `.out` files from the current output, then review the diff like code.

use std::path::{Path, PathBuf};
use w3_check::{Config, Context};

/// A fixed "now" (2026-01-01T00:00:00Z) so schedule messages are reproducible.
const NOW: i64 = 1_767_225_600;

fn files(dir: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests").join(dir);
    let mut v: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml" || x == "yml"))
        .collect();
    v.sort();
    v
}

fn render(path: &Path) -> String {
    let bytes = std::fs::read(path).unwrap();
    let config = Config { self_hosted_runner_labels: vec!["gpu-*".into()], ..Config::default() };
    let root = path.parent().unwrap();
    let cx = Context { config: &config, project_root: Some(root), now: NOW };
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    w3_check::lint(&bytes, &cx).iter().map(|d| d.render(&name) + "\n").collect()
}

#[test]
fn err_cases_match_their_golden_output() {
    let bless = std::env::var_os("BLESS").is_some();
    let cases = files("err");
    assert!(cases.len() >= 15, "expected a golden case per rule, found {}", cases.len());
    let mut failures = Vec::new();
    for yaml in cases {
        let out = yaml.with_extension("out");
        let got = render(&yaml);
        if bless {
            std::fs::write(&out, &got).unwrap();
            continue;
        }
        let want = std::fs::read_to_string(&out).unwrap_or_default();
        if got.is_empty() {
            failures.push(format!("{}: produced no diagnostics; every err case must fail", yaml.display()));
        } else if got != want {
            failures.push(format!("{}:\n--- expected\n{want}--- got\n{got}", yaml.display()));
        }
    }
    assert!(failures.is_empty(), "golden mismatches (run with BLESS=1 to accept):\n{}", failures.join("\n"));
}

#[test]
fn ok_cases_are_clean() {
    for yaml in files("ok") {
        let got = render(&yaml);
        assert!(got.is_empty(), "{} should be clean:\n{got}", yaml.display());
    }
}
