//! Compiles the built-in actions from `actions/*.wat` to WebAssembly in `OUT_DIR`, so building
//! w3 needs no WebAssembly toolchain. A line `;; #include "FILE"` is replaced by
//! `actions/FILE`, which lets the actions share the JSON walker of `actions/json.wat`.

use std::path::Path;

fn main() {
    let out = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    let dir = Path::new("actions");
    println!("cargo:rerun-if-changed=actions");
    let mut entries: Vec<_> =
        std::fs::read_dir(dir).expect("actions/ exists").map(|e| e.expect("readable").path()).collect();
    entries.sort();
    for path in entries {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_string();
        let Some(stem) = name.strip_suffix(".wat") else { continue };
        if stem == "json" {
            continue; // a fragment, included by the actions
        }
        let text = expand(&path);
        let wasm = wat::parse_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        std::fs::write(Path::new(&out).join(format!("{stem}.wasm")), wasm).expect("OUT_DIR is writable");
    }
}

fn expand(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut out = String::new();
    for line in text.lines() {
        match line.trim().strip_prefix(";; #include \"").and_then(|l| l.strip_suffix('"')) {
            Some(file) => out.push_str(&expand(&path.with_file_name(file))),
            None => out.push_str(line),
        }
        out.push('\n');
    }
    out
}
