//! Runs actionlint's golden cases from `shared/conformance/actionlint/testdata`:
//! `ok/` must stay clean, and for `err/` and `examples/` the share of expected diagnostic lines
//! that w3 reports on the same line is printed and must not fall below the recorded floor.
//! Cases that need external tools (shellcheck, pyflakes) are left out, as actionlint itself
//! skips them when the tools are missing.

use std::path::{Path, PathBuf};
use w3_check::{Config, Context};

/// The share of expected lines w3 must keep hitting; raise it as rules improve, never lower it.
const FLOOR: f64 = 0.93;

fn testdata() -> PathBuf {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/conformance/actionlint/testdata");
    assert!(p.is_dir(), "conformance data missing at {}", p.display());
    p
}

fn lint(dir: &Path, file: &Path) -> Vec<w3_dsl::Diagnostic> {
    let bytes = std::fs::read(file).unwrap();
    let config = Config::default();
    w3_check::lint(&bytes, &Context { config: &config, project_root: Some(dir), now: 1_767_225_600 })
}

fn yaml_files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml" || x == "yml"))
        .filter(|p| {
            let n = p.file_name().unwrap().to_string_lossy();
            !n.contains("shellcheck") && !n.contains("pyflakes")
        })
        .collect();
    v.sort();
    v
}

fn expected_lines(out: &Path) -> Vec<u32> {
    let text = std::fs::read_to_string(out).unwrap();
    text.lines()
        .filter_map(|l| {
            let l = l.trim_start_matches('/');
            let rest = l.split_once(':')?.1;
            rest.split(':').next()?.parse().ok()
        })
        .collect()
}

#[test]
fn ok_cases_stay_clean() {
    let dir = testdata().join("ok");
    let mut dirty = Vec::new();
    for f in yaml_files(&dir) {
        let diags = lint(&dir, &f);
        let errors: Vec<_> = diags.iter().filter(|d| d.severity == w3_dsl::Severity::Error).collect();
        if !errors.is_empty() {
            dirty.push(format!("{}: {}", f.file_name().unwrap().to_string_lossy(), errors[0].render("")));
        }
    }
    let total = yaml_files(&dir).len();
    println!("actionlint ok/ cases clean: {}/{}", total - dirty.len(), total);
    assert!(dirty.is_empty(), "ok/ files with diagnostics:\n{}", dirty.join("\n"));
}

#[test]
fn error_cases_are_detected() {
    let root = testdata();
    let (mut want, mut got) = (0usize, 0usize);
    let mut missed = Vec::new();
    for sub in ["err", "examples"] {
        let dir = root.join(sub);
        for f in yaml_files(&dir) {
            let out = f.with_extension("out");
            if !out.exists() {
                continue;
            }
            let lines = expected_lines(&out);
            let have: std::collections::BTreeSet<u32> = lint(&dir, &f).iter().map(|d| d.span.start.line).collect();
            let mut uniq = lines.clone();
            uniq.sort_unstable();
            uniq.dedup();
            for l in &uniq {
                want += 1;
                if have.contains(l) {
                    got += 1;
                } else {
                    missed.push(format!("{sub}/{}:{l}", f.file_name().unwrap().to_string_lossy()));
                }
            }
        }
    }
    let ratio = got as f64 / want as f64;
    println!("actionlint golden error lines detected: {got}/{want} = {:.1}% (goal >= 90%)", ratio * 100.0);
    if std::env::var_os("W3_SHOW_MISSED").is_some() {
        println!("missed:\n{}", missed.join("\n"));
    }
    assert!(ratio >= FLOOR, "detection fell to {ratio:.3}, below the floor {FLOOR}");
}
