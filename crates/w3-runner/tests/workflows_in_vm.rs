//! Runs compiled workflows end to end in the VM with a scripted host: every corpus workflow
//! that compiles runs to completion, uses no more VM gas than its manifest's static bound, and
//! runs identically twice (same outcome, same gas, same journal).

use std::path::Path;
use w3_compiler::compile_workflow;
use w3_value::{Object, Value};
use w3_vm::testing::ScriptedHost;
use w3_vm::{Config, Vm};

fn contexts() -> Object {
    let json = serde_json::json!({
        "github": {"event_name": "push", "ref": "refs/heads/main", "ref_name": "main", "repository": "octo/w3",
                   "sha": "0123456789abcdef", "event": {}, "actor": "octo", "run_id": "1", "workspace": "/work"},
        "inputs": {}, "vars": {}, "secrets": {"GITHUB_TOKEN": "***"}, "env": {},
        "runner": {"os": "Linux", "arch": "X64", "temp": "/tmp", "name": "w3"},
    });
    let mut o = Object::new();
    for (k, v) in json.as_object().unwrap() {
        o.insert(k.clone(), Value::from(v.clone()));
    }
    o
}

/// Runs `module` to the end with a host that answers every call successfully.
fn run(module: w3_isa::VerifiedModule) -> (w3_vm::Outcome, usize) {
    let mut vm = Vm::new(module, contexts(), Config::default()).expect("load");
    let mut host = ScriptedHost::new();
    let outcome = host.drive(&mut vm).expect("run");
    (outcome, host.journal.len())
}

#[test]
fn corpus_workflows_run_within_their_static_gas_bound() {
    let files = w3_testdata::corpus_workflows();
    let (mut ran, mut calls, mut max_ratio) = (0, 0, 0f64);
    for f in &files {
        let src = std::fs::read_to_string(f).unwrap_or_default();
        let Ok(compiled) = compile_workflow(&src, "w.yml") else { continue };
        let bound = compiled.manifest.vm_gas_bound().expect("bound");
        let verified = w3_isa::verify(&compiled.module).unwrap();
        let (first, n) = run(verified.clone());
        let (second, _) = run(verified);
        assert_eq!(first, second, "{}: two runs differ", f.display());
        let vm_gas = first.gas_used - first.host_gas;
        assert!(vm_gas <= bound, "{}: VM gas {vm_gas} exceeds the static bound {bound}", f.display());
        max_ratio = max_ratio.max(vm_gas as f64 / bound as f64);
        ran += 1;
        calls += n;
    }
    println!("corpus: {ran} workflows ran in the VM ({calls} host calls answered); VM gas <= static bound for all (largest share of the bound used: {:.4})", max_ratio);
    assert!(ran > 600, "only {ran} workflows ran");
}

#[test]
fn example_workflow_runs_its_steps_as_host_calls() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/defi-risk-monitor.yml");
    let compiled = compile_workflow(&std::fs::read_to_string(path).unwrap(), "defi-risk-monitor.yml").unwrap();
    let verified = w3_isa::verify(&compiled.module).unwrap();
    let mut vm = Vm::new(verified, contexts(), Config::default()).unwrap();
    let mut host = ScriptedHost::new();
    let outcome = host.drive(&mut vm).unwrap();
    let kinds: Vec<_> = host.calls.iter().map(|c| c.kind().name()).collect();
    assert_eq!(kinds, ["invokeAction", "shell"], "{:?}", host.calls);
    let w3_host_api::HostCall::ShellCommand { cmd, .. } = &host.calls[1] else { panic!() };
    assert_eq!(cmd, "./check_and_alert.sh");
    assert_eq!(outcome.status, w3_vm::Status::Success, "{outcome:?}");
    let job = outcome.result.as_object().and_then(|o| o.get("monitor")).cloned().unwrap_or(Value::Null);
    assert_eq!(job.as_object().and_then(|o| o.get("result")), Some(&Value::from("success")), "{:?}", outcome.result);
}

#[test]
fn matrix_from_outputs_expands_at_run_time() {
    let src = r#"
on: push
jobs:
  setup:
    runs-on: ubuntu-latest
    outputs:
      m: '{"os": ["linux", "mac", "windows"], "exclude": [{"os": "mac"}], "include": [{"os": "bsd"}]}'
    steps:
      - run: echo planning
  build:
    needs: setup
    runs-on: ubuntu-latest
    strategy:
      matrix: ${{ fromJSON(needs.setup.outputs.m) }}
    steps:
      - run: echo ${{ matrix.os }} ${{ strategy.job-index }}/${{ strategy.job-total }}
"#;
    let compiled = compile_workflow(src, "dynamic.yml").unwrap();
    let verified = w3_isa::verify(&compiled.module).unwrap();
    let mut vm = Vm::new(verified, contexts(), Config::default()).unwrap();
    let mut host = ScriptedHost::new();
    let outcome = host.drive(&mut vm).unwrap();
    assert_eq!(outcome.status, w3_vm::Status::Success, "{outcome:?}");
    let cmds: Vec<String> = host
        .calls
        .iter()
        .filter_map(|c| match c {
            w3_host_api::HostCall::ShellCommand { cmd, .. } => Some(cmd.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(cmds, ["echo planning", "echo linux 0/3", "echo windows 1/3", "echo bsd 2/3"]);
    assert!(compiled.manifest.vm_gas_bound().unwrap() >= outcome.gas_used - outcome.host_gas);
}
