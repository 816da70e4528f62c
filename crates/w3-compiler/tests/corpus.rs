//! Compiles every real-world workflow of `shared/corpus` that has no structural error: each
//! must compile to a module the verifier accepts, twice to the same bytes. What cannot be
//! compiled yet is counted by reason, so the numbers show in review.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use w3_compiler::{compile_workflow, CompileError};

fn workflows(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    entries.sort();
    for p in entries {
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        if p.is_dir() {
            if name != "_licenses" && name != "actions" {
                workflows(&p, out);
            }
        } else if (name.ends_with(".yml") || name.ends_with(".yaml")) && !name.starts_with("action.") {
            out.push(p);
        }
    }
}

#[test]
fn corpus_compiles_deterministically() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus");
    assert!(root.is_dir(), "corpus missing at {}", root.display());
    let mut files = Vec::new();
    workflows(&root, &mut files);
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
    println!("corpus: {} files, {compiled} compiled and verified twice identically, {invalid} invalid (structural errors)", files.len());
    for (reason, n) in &unsupported {
        println!("  not compiled ({n}): {reason}");
    }
    assert!(compiled * 10 >= files.len() * 8, "fewer than 80% of the corpus compiled");
}
