//! Architecture invariants read from the workspace manifests: layers only depend downwards.

use std::path::Path;

fn deps(krate: &str) -> Vec<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(krate).join("Cargo.toml");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut out = Vec::new();
    let mut in_deps = false;
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_deps = line == "[dependencies]" || line == "[dev-dependencies]" || line == "[build-dependencies]";
            continue;
        }
        if in_deps {
            if let Some((key, _)) = line.split_once('=') {
                // `name.workspace = true` names the crate `name`.
                let name = key.trim().split('.').next().unwrap_or_default();
                out.push(name.to_string());
            }
        }
    }
    out
}

fn crates() -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("w3-"))
        .collect();
    v.sort();
    v
}

/// Crates each crate must never depend on.
fn forbidden(krate: &str) -> &'static [&'static str] {
    match krate {
        "w3-dsl" | "w3-isa" => &[
            "w3-check",
            "w3-compiler",
            "w3-vm",
            "w3-host",
            "w3-host-wasm",
            "w3-runner",
            "w3-chain",
            "w3-node",
            "w3-cli",
            "tokio",
        ],
        // The host interface is types and pure functions: no other layer, no runtime.
        "w3-host-api" => &[
            "w3-dsl",
            "w3-check",
            "w3-isa",
            "w3-compiler",
            "w3-vm",
            "w3-host",
            "w3-host-wasm",
            "w3-runner",
            "w3-chain",
            "w3-node",
            "w3-cli",
            "tokio",
        ],
        "w3-check" => {
            &["w3-compiler", "w3-vm", "w3-host", "w3-host-wasm", "w3-runner", "w3-chain", "w3-node", "w3-cli", "tokio"]
        }
        "w3-compiler" => &["w3-vm", "w3-host", "w3-host-wasm", "w3-runner", "w3-chain", "w3-node", "w3-cli", "tokio"],
        "w3-vm" => &[
            "w3-dsl",
            "w3-check",
            "w3-compiler",
            "w3-host",
            "w3-host-wasm",
            "w3-runner",
            "w3-chain",
            "w3-node",
            "w3-cli",
            "tokio",
        ],
        "w3-runner" => &["w3-check", "w3-chain", "w3-consensus", "w3-node", "w3-cli"],
        // Smart Actions see only the host interface and values; effects go through the
        // caller's `ActionHost`, so no host implementation, no runtime and no VM.
        "w3-host-wasm" => &[
            "w3-dsl",
            "w3-check",
            "w3-isa",
            "w3-compiler",
            "w3-vm",
            "w3-host",
            "w3-runner",
            "w3-chain",
            "w3-node",
            "w3-cli",
            "tokio",
        ],
        _ => &[],
    }
}

#[test]
fn layers_only_depend_downwards() {
    let all = crates();
    assert!(all.contains(&"w3-dsl".to_string()) && all.contains(&"w3-cli".to_string()), "{all:?}");
    for k in &all {
        for d in deps(k) {
            assert!(!forbidden(k).contains(&d.as_str()), "{k} must not depend on {d}");
        }
    }
}

/// Dependencies `w3-value` may have: pure libraries that do no IO. It is the bottom layer,
/// shared by the evaluator and the VM, so it depends on no other w3 crate either.
const VALUE_DEPS: &[&str] = &["thiserror", "serde_json", "indexmap"];

#[test]
fn values_depend_on_nothing_that_does_io() {
    let deps = deps("w3-value");
    assert!(deps.iter().any(|d| d == "thiserror"), "w3-value's manifest was not read: {deps:?}");
    for d in deps {
        assert!(!d.starts_with("w3-"), "w3-value must not depend on {d}: it is the bottom layer");
        assert!(VALUE_DEPS.contains(&d.as_str()), "w3-value must not depend on {d}; allowed: {VALUE_DEPS:?}");
    }
}

#[test]
fn libraries_do_not_use_anyhow() {
    for k in crates().iter().filter(|k| *k != "w3-cli") {
        assert!(!deps(k).iter().any(|d| d == "anyhow"), "{k} is a library and must use thiserror, not anyhow");
    }
}

/// Returns the text of every `.rs` file under `dir`, with its path.
fn sources(dir: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                todo.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push((p.display().to_string(), std::fs::read_to_string(&p).unwrap()));
            }
        }
    }
    out
}

#[test]
fn the_compiler_does_no_io_of_its_own() {
    // Action files reach it through the caller's `ActionFiles`; nothing else is read.
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../w3-compiler/src");
    for (path, text) in sources(&src) {
        for io in ["std::fs", "std::env", "std::net", "std::process", "std::io::stdin"] {
            assert!(!text.contains(io), "{path} uses {io}: the compiler does no IO");
        }
    }
}
