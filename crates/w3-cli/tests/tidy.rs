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
            if let Some((name, _)) = line.split_once('=') {
                out.push(name.trim().to_string());
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
        "w3-dsl" | "w3-isa" | "w3-host-api" => &["w3-check", "w3-compiler", "w3-vm", "w3-host", "w3-runner", "w3-chain", "w3-node", "w3-cli", "tokio"],
        "w3-check" => &["w3-compiler", "w3-vm", "w3-host", "w3-runner", "w3-chain", "w3-node", "w3-cli", "tokio"],
        "w3-compiler" => &["w3-vm", "w3-host", "w3-runner", "w3-chain", "w3-node", "w3-cli", "tokio"],
        "w3-vm" => &["w3-dsl", "w3-check", "w3-compiler", "w3-host", "w3-runner", "w3-chain", "w3-node", "w3-cli", "tokio"],
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

#[test]
fn libraries_do_not_use_anyhow() {
    for k in crates().iter().filter(|k| *k != "w3-cli") {
        assert!(!deps(k).iter().any(|d| d == "anyhow"), "{k} is a library and must use thiserror, not anyhow");
    }
}
