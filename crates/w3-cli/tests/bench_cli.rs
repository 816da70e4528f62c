//! `w3 bench` prints one JSON object of figures that hold together (the figures themselves are
//! measured, never asserted against a time).

use std::process::Command;

fn bench(args: &[&str]) -> serde_json::Value {
    let out = Command::new(env!("CARGO_BIN_EXE_w3")).arg("bench").args(args).output().expect("run w3");
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("one JSON object")
}

fn ms(v: &serde_json::Value, key: &str) -> f64 {
    v[key].as_f64().unwrap_or_else(|| panic!("{key} missing in {v}"))
}

#[test]
fn sandbox_reports_medians_of_each_kind() {
    let v = bench(&["sandbox", "--samples", "3"]);
    assert_eq!(v["bench"], "sandbox");
    assert_eq!(v["samples"], 3);
    let (bare, in_job) = (ms(&v, "bare_bash_ms"), ms(&v, "job_sandbox_step_ms"));
    assert!(bare > 0.0 && ms(&v, "unsandboxed_step_ms") > 0.0 && ms(&v, "own_sandbox_step_ms") > 0.0, "{v}");
    assert!(in_job > 0.0 && ms(&v, "job_sandbox_setup_ms") > 0.0, "{v}");
    // The overhead is a step in the job's sandbox (w3 run's way) above the bare shell.
    let overhead = ms(&v, "per_step_overhead_ms");
    assert!((overhead - (in_job - bare).max(0.0)).abs() < 1e-6, "{v}");
}

#[test]
fn check_counts_the_files_it_read() {
    let dir = tempfile::tempdir().unwrap();
    let wf = "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo hi\n";
    for name in ["a.yml", "b.yaml"] {
        std::fs::write(dir.path().join(name), wf).unwrap();
    }
    let v = bench(&["check", "--rounds", "1", dir.path().to_str().unwrap()]);
    assert_eq!(v["bench"], "check");
    assert_eq!(v["files"], 2);
    assert_eq!(v["bytes"], 2 * wf.len());
    assert_eq!(v["diagnostics"], 0);
    assert!(ms(&v, "files_per_second") > 0.0, "{v}");
}

#[test]
fn run_times_each_workflow_in_a_fresh_repository() {
    let dir = tempfile::tempdir().unwrap();
    let ok = "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: test -f .github/workflows/ok.yml\n";
    let failing = "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: exit 4\n";
    std::fs::write(dir.path().join("ok.yml"), ok).unwrap();
    std::fs::write(dir.path().join("failing.yml"), failing).unwrap();
    let path = dir.path().to_str().unwrap();
    let v = bench(&["run", path, "--runs", "2", "--w3-arg=--sandbox=none"]);
    assert_eq!(v["bench"], "run");
    let rows = v["workflows"].as_array().unwrap();
    assert_eq!(rows.len(), 2, "{v}");
    // Files in name order: the failing workflow's run fails, the other finds itself in the repo.
    assert_eq!((rows[0]["w3_exit"].as_i64(), rows[1]["w3_exit"].as_i64()), (Some(1), Some(0)), "{v}");
    assert!(rows.iter().all(|r| ms(r, "w3_ms") > 0.0 && r["act_ms"].is_null()), "{v}");
    assert!(v["w3_over_act"].is_null(), "{v}");
}

#[test]
fn vm_measures_the_classes_asked_for_with_wasmi_beside() {
    let v = bench(&["vm", "--rounds", "1", "--class", "move", "--class", "call"]);
    assert_eq!(v["bench"], "vm");
    let classes = v["classes"].as_object().unwrap();
    assert_eq!(classes.keys().collect::<Vec<_>>(), ["move", "call"], "{v}");
    let moves = &classes["move"];
    assert!(ms(moves, "ns_per_op") > 0.0 && ms(moves, "ns_per_op_unmetered") > 0.0, "{v}");
    let per_gas = ms(moves, "ns_per_op") / ms(moves, "gas_per_op");
    assert!((per_gas - ms(moves, "ns_per_gas")).abs() < 1e-9 * per_gas.max(1.0), "{v}");
    // Only the reference beside a measured class runs.
    let reference = v["reference"].as_object().unwrap();
    assert_eq!(reference.keys().collect::<Vec<_>>(), ["wasmi_copy"], "{v}");
    assert_eq!(reference["wasmi_copy"]["beside"], "move");
    assert!(ms(&reference["wasmi_copy"], "ns_per_op") > 0.0, "{v}");

    let out = Command::new(env!("CARGO_BIN_EXE_w3")).args(["bench", "vm", "--class", "nope"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no VM class is called `nope`") && err.contains("move"), "{err}");
}
