//! Compiles every real-world workflow of `shared/corpus` that has no structural error: each
//! must compile to a module the verifier accepts, twice to the same bytes. What cannot be
//! compiled yet is counted by reason, so the numbers show in review.

use std::collections::BTreeMap;
use w3_compiler::{compile_workflow, CompileError};

#[test]
fn corpus_compiles_deterministically() {
    let files = w3_testdata::corpus_workflows();
    let (mut compiled, mut invalid) = (0, 0);
    let mut unsupported: BTreeMap<String, usize> = BTreeMap::new();
    for f in &files {
        let src = std::fs::read_to_string(f).unwrap_or_default();
        let name = f.file_name().unwrap().to_string_lossy().into_owned();
        match compile_workflow(&src, &name) {
            Ok(c) => {
                w3_isa::verify(&c.module).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
                let again = compile_workflow(&src, &name).unwrap();
                assert_eq!(c.module.encode(), again.module.encode(), "{}: not deterministic", f.display());
                compiled += 1;
            }
            Err(CompileError::Invalid(_)) => invalid += 1,
            Err(CompileError::At { message, .. }) => {
                let key: String = message.split(';').next().unwrap_or_default().chars().take(60).collect();
                *unsupported.entry(key).or_default() += 1;
            }
            Err(e) => panic!("{}: {e}", f.display()),
        }
    }
    println!(
        "corpus: {} files, {compiled} compiled and verified twice identically, {invalid} invalid (structural errors)",
        files.len()
    );
    for (reason, n) in &unsupported {
        println!("  not compiled ({n}): {reason}");
    }
    assert!(compiled * 10 >= files.len() * 8, "fewer than 80% of the corpus compiled");
}
