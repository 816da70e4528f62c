//! `w3 run` against the workflows under `tests/act/`, each compared with what GitHub (and act,
//! where act agrees with GitHub's documentation) prints for it.
//!
//! Every `tests/act/NAME.yml` except `gap-*.yml` is copied into a fresh temporary directory as
//! `.github/workflows/NAME.yml`, with the files of `tests/act/NAME/` when that directory exists
//! (actions the workflow uses), and run there with `w3 run --sandbox none -W ...`. The lines of
//! its output that start with `OUT:` (after the `[workflow/job]   | ` prefix), sorted, then
//! `EXIT:<code>`, must equal `tests/act/NAME.expected`. Those files are recorded from act with
//! `tests/act/record-act.sh`, or written from GitHub's documentation where act departs from it
//! (see `tests/act/README.md`).
//!
//! A workflow on which w3 is known to differ from GitHub also has `NAME.w3.expected`: w3's current
//! output, which the run must equal, and which must still differ from `NAME.expected`. When w3 is
//! fixed the test says so, and `NAME.w3.expected` is deleted.
//!
//! `BLESS=1 cargo test -p w3-cli --test act_workflows` rewrites the expected files from w3's
//! output: `NAME.w3.expected` where it exists, `NAME.expected` otherwise. The committed
//! `NAME.expected` files must come from act or GitHub's documentation, so review a blessed
//! `NAME.expected` against `record-act.sh` before committing it.

use std::path::{Path, PathBuf};
use std::process::Command;

fn act_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/act")
}

fn workflows() -> Vec<PathBuf> {
    let dir = act_dir();
    let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let mut files: Vec<PathBuf> = entries
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "yml"))
        .filter(|p| !p.file_name().unwrap().to_string_lossy().starts_with("gap-"))
        .collect();
    files.sort();
    files
}

/// Runs one workflow alone in a temporary workspace and returns its sorted `OUT:` lines and exit
/// code in the format of the expected files.
fn observe(workflow: &Path) -> String {
    let dir = tempfile::tempdir().unwrap();
    let name = workflow.file_name().unwrap();
    let rel = Path::new(".github/workflows").join(name);
    std::fs::create_dir_all(dir.path().join(".github/workflows")).unwrap();
    std::fs::copy(workflow, dir.path().join(&rel)).unwrap();
    w3_host::sandbox::copy_entries(&workflow.with_extension(""), dir.path()).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_w3"))
        .args(["run", "--sandbox", "none", "-W"])
        .arg(&rel)
        .current_dir(dir.path())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    let mut lines: Vec<String> = text
        .lines()
        .filter_map(|line| {
            let rest = match line.strip_prefix('[') {
                Some(r) => r.split_once("]   | ").map_or("", |(_, after)| after),
                None => line,
            };
            rest.starts_with("OUT:").then(|| rest.trim_end().to_string())
        })
        .collect();
    lines.sort();
    let code = out.status.code().map_or_else(|| "signal".to_string(), |c| c.to_string());
    lines.push(format!("EXIT:{code}"));
    lines.join("\n") + "\n"
}

fn read(path: &Path) -> Option<String> {
    std::fs::read_to_string(path).ok()
}

#[test]
fn w3_run_matches_the_recorded_behaviour() {
    let files = workflows();
    assert!(!files.is_empty(), "no workflows in {}", act_dir().display());
    let bless = std::env::var_os("BLESS").is_some();
    // Each workflow runs in its own process and directory; running them side by side keeps the
    // whole suite to the length of the slowest one (the timeouts).
    let observed: Vec<(PathBuf, String)> = std::thread::scope(|s| {
        let handles: Vec<_> = files.iter().map(|f| (f.clone(), s.spawn(|| observe(f)))).collect();
        handles.into_iter().map(|(f, h)| (f, h.join().unwrap())).collect()
    });
    let mut problems = Vec::new();
    for (file, got) in observed {
        let expected_path = file.with_extension("expected");
        let differs_path = file.with_extension("w3.expected");
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        if bless {
            let target = if differs_path.exists() { &differs_path } else { &expected_path };
            std::fs::write(target, &got).unwrap();
            continue;
        }
        let Some(expected) = read(&expected_path) else {
            problems.push(format!("{name}: missing {}", expected_path.display()));
            continue;
        };
        match read(&differs_path) {
            Some(_) if got == expected => problems.push(format!(
                "{name}: w3 now matches {}; delete {} and its README note",
                expected_path.display(),
                differs_path.display()
            )),
            Some(known) if got != known => {
                problems.push(format!("{name}: expected (known difference)\n{known}got\n{got}"))
            }
            Some(_) => {}
            None if got != expected => problems.push(format!("{name}: expected\n{expected}got\n{got}")),
            None => {}
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// `gap-uses.yml` writes its local action in a step, at run time. w3 compiles local actions
/// when the workflow is deployed, so the run stops before any step with a compile error naming
/// the missing file and why (see `tests/act/README.md`).
#[test]
fn an_action_written_at_run_time_is_a_clear_compile_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join(".github/workflows")).unwrap();
    let rel = ".github/workflows/gap-uses.yml";
    std::fs::copy(act_dir().join("gap-uses.yml"), dir.path().join(rel)).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_w3"))
        .args(["run", "--sandbox", "none", "-W", rel])
        .current_dir(dir.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(String::from_utf8_lossy(&out.stdout).is_empty(), "no step runs");
    // The position is the `uses:` value's; the root is the directory `w3 run` runs in.
    let at = "gap-uses.yml: 30:15: ./local-action/action.yml not found under ";
    let why = ": w3 compiles local actions at deploy time, so they must be in the repository";
    assert!(stderr.contains(at) && stderr.contains(why), "{stderr}");
}
