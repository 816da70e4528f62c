//! `w3 compile` and `w3 disasm` as users run them: the same workflow compiled in two separate
//! processes gives byte-identical modules, whose content hashes are pinned in
//! `tests/golden/content_hashes.txt` (`BLESS=1` rewrites it, so any encoding change shows in
//! review).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn w3(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_w3")).args(args).output().expect("run w3")
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Workflows whose modules are pinned: the example and a few real-world ones.
fn pinned() -> Vec<PathBuf> {
    let corpus = w3_testdata::path("corpus/real-world");
    vec![
        repo().join("examples/defi-risk-monitor.yml"),
        corpus.join("actions__checkout/check-dist.yml"),
        corpus.join("BurntSushi__ripgrep/ci.yml"),
        corpus.join("tokio-rs__tokio/ci.yml"),
    ]
}

#[test]
fn separate_processes_give_identical_modules_with_pinned_hashes() {
    let dir = tempfile::tempdir().unwrap();
    let mut lines = String::new();
    for (i, wf) in pinned().iter().enumerate() {
        let mut hashes = Vec::new();
        let mut bytes = Vec::new();
        for run in 0..2 {
            let out = dir.path().join(format!("{i}-{run}.w3m"));
            let o = w3(&["compile", wf.to_str().unwrap(), "-o", out.to_str().unwrap()]);
            assert_eq!(o.status.code(), Some(0), "{}: {}", wf.display(), String::from_utf8_lossy(&o.stderr));
            hashes.push(String::from_utf8(o.stdout).unwrap().trim().to_string());
            bytes.push(std::fs::read(&out).unwrap());
        }
        assert_eq!(bytes[0], bytes[1], "{}: two processes gave different modules", wf.display());
        assert_eq!(hashes[0], hashes[1]);
        let name = match (wf.strip_prefix(repo()), wf.strip_prefix(w3_testdata::shared())) {
            (Ok(p), _) => p.display().to_string(),
            (_, Ok(p)) => format!("shared/{}", p.display()),
            _ => wf.display().to_string(),
        };
        lines.push_str(&format!("{} {name}\n", hashes[0]));
    }
    let golden = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/content_hashes.txt");
    if std::env::var_os("BLESS").is_some() {
        std::fs::write(&golden, &lines).unwrap();
    }
    assert_eq!(
        lines,
        std::fs::read_to_string(&golden).unwrap_or_default(),
        "content hashes changed (BLESS=1 to accept)"
    );
}

#[test]
fn manifest_and_disassembly() {
    let ex = repo().join("examples/defi-risk-monitor.yml");
    let o = w3(&["compile", "--manifest", ex.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0));
    let m: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(m["triggers"][0]["cron"][0], "*/5 * * * *");
    assert_eq!(m["jobs"][0]["steps"][0]["verification"], "tee");
    assert_eq!(m["jobs"][0]["steps"][1]["verification"], "shadow");
    assert!(m["contentHash"].as_str().unwrap().starts_with("blake3:"));
    assert!(m["vmGasBound"].as_u64().unwrap() > 0);
    let d = w3(&["disasm", ex.to_str().unwrap()]);
    assert_eq!(d.status.code(), Some(0));
    let text = String::from_utf8(d.stdout).unwrap();
    assert!(text.contains("fn f0 \"workflow\" (workflow)"), "{text}");
    assert!(text.contains("HostCall"), "{text}");
}

#[test]
fn onchain_shell_steps_are_compile_errors() {
    let dir = tempfile::tempdir().unwrap();
    let wf = dir.path().join("w.yml");
    std::fs::write(&wf, "on: push\nverification: onchain\njobs:\n  t:\n    runs-on: w3/ubuntu-latest\n    steps:\n      - run: curl example.com\n").unwrap();
    let o = w3(&["compile", wf.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("w.yml:7:9:") && err.contains("verification: tee"), "{err}");
}

#[test]
fn whole_corpus_compiles_identically_in_two_processes() {
    let files = w3_testdata::corpus_workflows();
    // Workflows w3 check accepts are the ones that must compile; the others may fail in both.
    let dir = tempfile::tempdir().unwrap();
    let mut outputs = Vec::new();
    for run in ["a", "b"] {
        let mut args: Vec<String> = vec!["compile".into(), "-o".into(), dir.path().join(run).display().to_string()];
        args.extend(files.iter().map(|f| f.display().to_string()));
        let o = Command::new(env!("CARGO_BIN_EXE_w3")).args(&args).output().unwrap();
        outputs.push(String::from_utf8(o.stdout).unwrap());
    }
    assert_eq!(outputs[0], outputs[1], "two processes printed different hashes");
    let compiled = outputs[0].lines().count();
    assert!(compiled * 10 >= files.len() * 9, "only {compiled} of {} corpus workflows compiled", files.len());
    let mut same = 0;
    for entry in std::fs::read_dir(dir.path().join("a")).unwrap() {
        let p = entry.unwrap().path();
        let other = dir.path().join("b").join(p.file_name().unwrap());
        assert_eq!(std::fs::read(&p).unwrap(), std::fs::read(&other).unwrap(), "{}", p.display());
        same += 1;
    }
    println!(
        "corpus: {compiled} of {} workflows compiled; {same} module files byte-identical across two processes",
        files.len()
    );
}

#[test]
fn local_actions_compile_identically_from_anywhere_and_their_files_count() {
    // The same repository in two places, compiled from different directories: no path of the
    // machine reaches the module.
    let act = repo().join("tests/act");
    let mut modules = Vec::new();
    let dirs = [tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap()];
    for (i, dir) in dirs.iter().enumerate() {
        let root = dir.path().join(format!("repo{i}"));
        std::fs::create_dir_all(root.join(".git")).unwrap();
        std::fs::create_dir_all(root.join(".github/workflows")).unwrap();
        std::fs::copy(act.join("composite.yml"), root.join(".github/workflows/composite.yml")).unwrap();
        w3_host::sandbox::copy_entries(&act.join("composite"), &root).unwrap();
        let out = dir.path().join("m.w3m");
        let cwd = if i == 0 { root.clone() } else { dir.path().to_path_buf() };
        let wf = root.join(".github/workflows/composite.yml");
        let o = Command::new(env!("CARGO_BIN_EXE_w3"))
            .args(["compile", wf.to_str().unwrap(), "-o", out.to_str().unwrap()])
            .current_dir(cwd)
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
        modules.push(std::fs::read(&out).unwrap());
    }
    assert_eq!(modules[0], modules[1], "the module depends on where it was compiled");
    // An action's file is part of the module, even where the code it compiles to is the same.
    let root = dirs[0].path().join("repo0");
    let js = root.join("actions/js/index.js");
    std::fs::write(&js, std::fs::read_to_string(&js).unwrap() + "// changed\n").unwrap();
    let wf = root.join(".github/workflows/composite.yml");
    let o = w3(&["compile", wf.to_str().unwrap(), "-o", dirs[0].path().join("n.w3m").to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0));
    assert_ne!(std::fs::read(dirs[0].path().join("n.w3m")).unwrap(), modules[0]);
    let m = w3(&["compile", "--manifest", wf.to_str().unwrap()]);
    let m: serde_json::Value = serde_json::from_slice(&m.stdout).unwrap();
    let files: Vec<&str> = m["actionFiles"].as_array().unwrap().iter().map(|f| f["file"].as_str().unwrap()).collect();
    assert_eq!(
        files,
        [
            "actions/fail/action.yml",
            "actions/greet/action.yml",
            "actions/js/action.yml",
            "actions/js/cleanup.js",
            "actions/js/index.js",
            "actions/nested/action.yml",
            "actions/wrap-js/action.yml"
        ]
    );
    assert_eq!(m["capabilities"]["githubActions"], serde_json::json!(["actions/checkout@v4"]));
}
