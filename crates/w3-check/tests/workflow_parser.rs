//! Uses GitHub's workflow-parser cases (`shared/conformance/languageservices/workflow-parser`)
//! wherever they apply to a linter: a case whose expected output has `errors` must make w3
//! report an error (the share also found on the expected line is printed), and a case GitHub
//! parses cleanly must not get a structural (`syntax-check`) error from w3.
//!
//! Cases are left out, with the reason counted, when they depend on parser settings w3 does
//! not have (size, depth and job-count limits, permission policies of callers) or on reusable
//! workflows supplied by the test (w3 resolves only local files).

use std::path::{Path, PathBuf};
use w3_check::{Config, Context};
use w3_dsl::Severity;

fn reader() -> PathBuf {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/conformance/languageservices/workflow-parser/testdata/reader");
    assert!(p.is_dir(), "workflow-parser cases missing at {}", p.display());
    p
}

/// Option keys that change the parser's limits or context; w3 has no such settings.
const UNSUPPORTED_OPTIONS: &[&str] = &[
    "max-file-size",
    "max-depth",
    "max-result-size",
    "max-job-limit",
    "permissions-policy",
    "max-nested-reusable-workflows-depth",
    "is-partial-rerun",
];

/// Valid cases where w3 knowingly reports an error, and why w3 is right to.
const KNOWN_DIFFERENCES: &[(&str, &str)] = &[
    ("concurrency.yml", "a job without steps parses on GitHub but cannot run; w3 reports it up front, as actionlint does"),
    ("misc-jobs.yml", "same: a job without steps"),
    ("round-to-infinity.yml", "a timeout of -infinity minutes parses as a number but can never be a valid timeout"),
    ("yaml-schema-sequence.yml", "`[one]#, ...`: YAML requires whitespace before a comment; GitHub's YAML library is lenient, w3's follows the specification"),
];

fn split_docs(text: &str) -> Vec<String> {
    let normalized = text.replace("\r\n", "\n");
    normalized.split("\n---\n").map(str::to_string).collect()
}

/// Returns the 1-based line of the first expected error, if it names one.
fn first_error_line(expected: &serde_json::Value) -> Option<u32> {
    let msg = expected["errors"][0]["Message"].as_str()?;
    let rest = &msg[msg.find("(Line: ")? + 7..];
    rest[..rest.find(',')?].parse().ok()
}

#[test]
fn workflow_parser_cases() {
    let mut files: Vec<PathBuf> = std::fs::read_dir(reader()).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    let config = Config::default();
    let cx = Context { config: &config, project_root: None, now: 1_767_225_600 };
    let (mut used, mut skipped_options, mut skipped_reusable) = (0, 0, 0);
    let (mut err_cases, mut err_found, mut err_same_line) = (0, 0, 0);
    let (mut ok_cases, mut ok_clean) = (0, 0);
    let mut failures = Vec::new();
    for f in &files {
        let docs = split_docs(&std::fs::read_to_string(f).unwrap());
        assert!(docs.len() >= 3, "{}: expected at least 3 documents", f.display());
        let options = &docs[0];
        if UNSUPPORTED_OPTIONS.iter().any(|o| options.contains(o)) {
            skipped_options += 1;
            continue;
        }
        if docs.len() > 3 {
            skipped_reusable += 1;
            continue;
        }
        used += 1;
        let expected: serde_json::Value = serde_json::from_str(docs.last().unwrap().trim()).unwrap();
        let diags = w3_check::lint(docs[1].as_bytes(), &cx);
        let name = f.file_name().unwrap().to_string_lossy().into_owned();
        if expected.get("errors").is_some() {
            err_cases += 1;
            let errors: Vec<_> = diags.iter().filter(|d| d.severity == Severity::Error).collect();
            if errors.is_empty() {
                failures.push(format!("{name}: GitHub reports {}, w3 nothing", expected["errors"][0]["Message"]));
                continue;
            }
            err_found += 1;
            // Line numbers in the case count from the workflow document, as w3's do.
            if first_error_line(&expected).is_some_and(|l| errors.iter().any(|d| d.span.start.line == l)) {
                err_same_line += 1;
            }
        } else {
            ok_cases += 1;
            match diags.iter().find(|d| d.rule == "syntax-check" && d.severity == Severity::Error) {
                None => ok_clean += 1,
                Some(_) if KNOWN_DIFFERENCES.iter().any(|(k, _)| *k == name) => {}
                Some(d) => failures.push(format!("{name}: GitHub accepts it, w3 says {}", d.render(&name))),
            }
        }
    }
    println!(
        "workflow-parser cases: {} files, {used} used ({skipped_options} need parser limits w3 does not have, {skipped_reusable} supply reusable workflows)",
        files.len()
    );
    println!("  error cases detected: {err_found}/{err_cases} ({err_same_line} on the expected line)");
    println!("  valid cases without structural errors: {ok_clean}/{ok_cases}");
    if std::env::var_os("W3_SHOW_MISSED").is_some() {
        println!("{}", failures.join("\n"));
    }
    assert!(used >= 130, "too few cases used: {used}");
    assert!(failures.is_empty(), "disagreements with GitHub's parser:\n{}", failures.join("\n"));
    assert_eq!(ok_clean + KNOWN_DIFFERENCES.len(), ok_cases, "a known difference went away; remove it from the list");
}
