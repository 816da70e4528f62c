//! Locates the test data w3's tests read at test time: the conformance suites and the
//! real-world corpus in `shared/`, which sits beside the repository. A missing folder fails
//! the test that asked for it (with the path), never skips it.

use std::path::{Path, PathBuf};

/// Returns `shared/` (beside the repository), panicking with its path when it is missing.
pub fn shared() -> PathBuf {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared");
    assert!(p.is_dir(), "shared test data missing at {}", p.display());
    p
}

/// Returns `shared/<rel>`, panicking with its path when it is missing.
pub fn path(rel: &str) -> PathBuf {
    let p = shared().join(rel);
    assert!(p.exists(), "test data missing at {}", p.display());
    p
}

/// Returns every workflow of the real-world corpus (`shared/corpus`), sorted: `*.yml` and
/// `*.yaml` files, without action metadata (`action.yml`), licenses and vendored actions.
pub fn corpus_workflows() -> Vec<PathBuf> {
    let mut out = Vec::new();
    walk(&path("corpus"), &mut out);
    out
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for p in entries {
        let name = p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        if p.is_dir() {
            if name != "_licenses" && name != "actions" {
                walk(&p, out);
            }
        } else if (name.ends_with(".yml") || name.ends_with(".yaml")) && !name.starts_with("action.") {
            out.push(p);
        }
    }
}
