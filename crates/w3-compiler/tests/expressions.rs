//! Compiles expressions: every known-answer expression of GitHub's suite that parses compiles
//! to a module the verifier accepts, compilation is deterministic, and the listings of a few
//! expressions are pinned as golden files (`BLESS=1` rewrites them).

use std::path::{Path, PathBuf};
use w3_compiler::compile_expression;
use w3_dsl::expr::{FunctionSig, ParseOptions, WORKFLOW_CONTEXTS};

fn options() -> ParseOptions {
    ParseOptions::new()
        .named_values(WORKFLOW_CONTEXTS)
        .functions(FunctionSig::status_functions())
        .function(FunctionSig::hash_files())
}

fn kat_dir() -> PathBuf {
    let p =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/conformance/languageservices/expressions/testdata");
    assert!(p.is_dir(), "known-answer data missing at {}", p.display());
    p
}

#[test]
fn every_known_answer_expression_compiles_and_verifies() {
    let (mut compiled, mut rejected) = (0, 0);
    let mut files: Vec<PathBuf> = std::fs::read_dir(kat_dir()).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    for f in files {
        let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&f).unwrap()).unwrap();
        for cases in json.as_object().unwrap().values() {
            for case in cases.as_array().unwrap() {
                let expr = case["expr"].as_str().unwrap();
                let names: Vec<String> =
                    case["contexts"].as_object().map(|o| o.keys().cloned().collect()).unwrap_or_default();
                let opts = ParseOptions::new().named_values(names);
                match compile_expression(expr, &opts) {
                    Ok(module) => {
                        w3_isa::verify(&module).unwrap_or_else(|e| panic!("{expr}: {e}"));
                        let again = compile_expression(expr, &opts).unwrap();
                        assert_eq!(module.encode(), again.encode(), "{expr}: not deterministic");
                        compiled += 1;
                    }
                    Err(_) => {
                        // Only cases that expect a lexing or parsing error may fail to compile.
                        let kind = case["err"]["kind"].as_str();
                        assert!(
                            matches!(kind, Some("lexing" | "parsing")),
                            "{expr}: compile failed but the case expects {case}"
                        );
                        rejected += 1;
                    }
                }
            }
        }
    }
    println!(
        "known-answer expressions: {compiled} compiled and verified, {rejected} rejected at parse time as expected"
    );
    assert!(compiled > 900);
}

#[test]
fn listings_match_golden_files() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/expr");
    let cases = [
        ("and_or", "github.event_name == 'push' && (github.ref || 'none')"),
        ("index", "fromJSON(inputs.list)[1].name"),
        ("format_lazy", "format('{1}-{0}-{1}', env.A, env.B, env.C)"),
        ("case_lazy", "case(matrix.os == 'linux', 'apt', matrix.os == 'macos', 'brew', 'choco')"),
        ("status_and_hash", "success() && hashFiles('**/Cargo.lock', 'x') != ''"),
        ("filter", "contains(github.event.commits.*.message, '[skip ci]')"),
    ];
    let bless = std::env::var_os("BLESS").is_some();
    for (name, expr) in cases {
        let module = compile_expression(expr, &options()).unwrap();
        let listing = format!("; {expr}\n{}", w3_isa::disassemble(&module, &[]));
        let path = dir.join(format!("{name}.w3asm"));
        if bless {
            std::fs::write(&path, &listing).unwrap();
        } else {
            let want = std::fs::read_to_string(&path).unwrap_or_default();
            assert_eq!(listing, want, "{name}: listing changed (BLESS=1 to accept)");
        }
    }
}

#[test]
fn example_workflow_listing_matches_golden_file() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/defi-risk-monitor.yml");
    let src = std::fs::read_to_string(&path).unwrap();
    let compiled = w3_compiler::compile_workflow(&src, "defi-risk-monitor.yml").unwrap();
    let listing = w3_isa::disassemble(&compiled.module, &[("defi-risk-monitor.yml", &src)]);
    let golden = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/expr/defi-risk-monitor.w3asm");
    if std::env::var_os("BLESS").is_some() {
        std::fs::write(&golden, &listing).unwrap();
    }
    assert_eq!(listing, std::fs::read_to_string(&golden).unwrap_or_default(), "listing changed (BLESS=1 to accept)");
}
