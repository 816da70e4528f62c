//! Actions compiled into the module, run in the VM: a composite action's inputs, outputs, env
//! and failure; a JavaScript action's environment; an action from the actions directory.
//! Shell calls are answered by a scripted executor: `fail` exits 1, `out K=V` sets an output,
//! `env K=V` writes `$GITHUB_ENV`.

use std::sync::Mutex;
use w3_compiler::{compile_selection, MemoryActionFiles, Selection};
use w3_host_api::{HostCall, HostError, HostResult, StepFiles};
use w3_runner::run::{replay_module, run_module, Executor, RunInputs};

/// A shell call as made: the command and its environment.
type Call = (String, Vec<(String, String)>);

#[derive(Default)]
struct Recorder(Mutex<Vec<Call>>);

impl Executor for Recorder {
    fn execute(&self, _job: &str, call: &HostCall, _gas: u64) -> (Result<HostResult, HostError>, u64) {
        let HostCall::ShellCommand { cmd, env, .. } = call else {
            return (Err(HostError::Unsupported("not a shell call".into())), 0);
        };
        self.0.lock().unwrap().push((cmd.clone(), env.clone()));
        let mut files = StepFiles::default();
        let pair = |s: &str| s.split_once('=').map(|(k, v)| (k.to_string(), v.to_string()));
        if let Some(kv) = cmd.strip_prefix("out ").and_then(pair) {
            files.outputs.push(kv);
        }
        if let Some(kv) = cmd.strip_prefix("env ").and_then(pair) {
            files.env.push(kv);
        }
        let exit_code = if cmd == "fail" { 1 } else { 0 };
        (Ok(HostResult::Shell { exit_code, stdout: vec![], stderr: vec![], timed_out: false, files }), 5)
    }
}

fn var<'a>(env: &'a [(String, String)], name: &str) -> Option<&'a str> {
    env.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

const GREET: &str = r#"
inputs:
  who:
    required: true
  how:
    default: hi
outputs:
  said:
    value: ${{ steps.s.outputs.x }}-${{ inputs.who }}
runs:
  using: composite
  steps:
    - shell: bash
      run: echo ${{ inputs.how }} ${{ inputs.who }} ${{ env.STEP }} ${{ github.action_path }}
    - id: s
      shell: bash
      run: out x=1
    - shell: bash
      run: env FROM_ACTION=yes
    - shell: bash
      if: failure()
      run: echo never
"#;

const JS: &str = "inputs:\n  message:\n    required: true\n  with space:\n    default: spaced\nruns:\n  using: node20\n  main: index.js\n  pre: setup.js\n  post: cleanup.js\n";

const FAILING: &str = "runs:\n  using: composite\n  steps:\n    - shell: bash\n      run: fail\n    - shell: bash\n      run: echo skipped\n    - if: always()\n      shell: bash\n      run: echo cleanup\n";

const WORKFLOW: &str = r#"
on: push
jobs:
  j:
    runs-on: x
    steps:
      - id: greet
        uses: ./greet
        with:
          who: me
        env:
          STEP: step-env
      - run: echo ${{ steps.greet.outputs.said }} ${{ steps.greet.outcome }} ${{ steps.s.outputs.x || 'scoped' }} $FROM_ACTION
      - id: js
        uses: ./js
        with:
          message: hello
      - run: echo after js
      - if: false
        uses: ./js
        with:
          message: never
      - id: remote
        uses: o/r@v1
        continue-on-error: true
      - run: echo ${{ steps.remote.outcome }} ${{ steps.remote.conclusion }}
      - uses: o/js@v1
"#;

fn files() -> MemoryActionFiles {
    let repo = [
        ("greet/action.yml", GREET),
        ("js/action.yml", JS),
        ("js/index.js", "//"),
        ("js/setup.js", "//"),
        ("js/cleanup.js", "//"),
    ];
    let remote_js = "runs:\n  using: node20\n  pre: p.js\n  main: m.js\n";
    let dir =
        [("o/r@v1/action.yml", FAILING), ("o/js@v1/action.yml", remote_js), ("o/js@v1/p.js", ""), ("o/js@v1/m.js", "")];
    let map = |list: &[(&str, &str)]| list.iter().map(|(p, t)| (p.to_string(), t.as_bytes().to_vec())).collect();
    MemoryActionFiles { repository: map(&repo), action_dir: Some(map(&dir)) }
}

#[test]
fn compiled_actions_run_as_steps_of_the_job() {
    let files = files();
    let selection = Selection { actions: Some(&files), ..Selection::default() };
    let compiled = compile_selection(WORKFLOW, "w.yml", &selection).unwrap();
    let module = w3_isa::verify(&compiled.module).unwrap();
    let run = RunInputs { workspace: "/ws".into(), actions_dir: Some("/actions".into()), ..RunInputs::default() };
    let exec = Recorder::default();
    let report = run_module(module.clone(), &run, &exec, 1).unwrap();
    let mut calls = exec.0.lock().unwrap().clone();
    // `pre:` of the action from the actions directory runs when the job starts (under
    // `pre-if`, default `always()`); that of the local action does not, as on GitHub, whose
    // runner has no repository yet when the job starts.
    let node = |script: &str| format!("exec node \"$GITHUB_ACTION_PATH\"/'{script}'");
    let (pre, env) = calls.remove(0);
    assert!(pre.contains(&node("p.js")), "{pre}");
    assert_eq!(var(&env, "GITHUB_ACTION_PATH"), Some("/actions/o/js@v1"));
    assert!(!calls.iter().any(|(c, _)| c.contains("setup.js")));
    let cmds: Vec<&str> = calls.iter().map(|(c, _)| c.as_str()).collect();
    assert_eq!(
        cmds[..4],
        ["echo hi me step-env /ws/greet", "out x=1", "env FROM_ACTION=yes", "echo 1-me success scoped $FROM_ACTION"]
    );
    // The step's env reaches the action's steps; what the action wrote to $GITHUB_ENV, the job.
    assert_eq!(var(&calls[0].1, "STEP"), Some("step-env"));
    assert_eq!(var(&calls[0].1, "GITHUB_ACTION_PATH"), Some("/ws/greet"));
    assert_eq!(var(&calls[3].1, "FROM_ACTION"), Some("yes"));
    assert_eq!(var(&calls[3].1, "STEP"), None);
    // The JavaScript action: node on its main file, inputs as INPUT_ variables.
    assert!(cmds[4].contains(&node("index.js")), "{}", cmds[4]);
    assert_eq!(var(&calls[4].1, "INPUT_MESSAGE"), Some("hello"));
    assert_eq!(var(&calls[4].1, "INPUT_WITH_SPACE"), Some("spaced"));
    assert_eq!(var(&calls[4].1, "GITHUB_ACTION_PATH"), Some("/ws/js"));
    // `github.action_path` is the action's only.
    assert_eq!(cmds[5], "echo after js");
    assert_eq!(var(&calls[5].1, "GITHUB_ACTION_PATH"), None);
    assert_eq!(var(&calls[5].1, "INPUT_MESSAGE"), None);
    // The action from the actions directory fails in its first step: the second is skipped,
    // the `always()` one runs, and the calling step's outcome is `failure`.
    assert_eq!(cmds[6..9], ["fail", "echo cleanup", "echo failure success"]);
    assert_eq!(var(&calls[7].1, "GITHUB_ACTION_PATH"), Some("/actions/o/r@v1"));
    // The `post:` of the JavaScript action that ran runs at the end of the job (`always()` by
    // default), with its inputs; the skipped one's does not.
    assert!(cmds[9].contains(&node("m.js")), "{}", cmds[9]);
    assert_eq!(cmds.len(), 11, "{cmds:?}");
    assert!(cmds[10].contains(&node("cleanup.js")), "{}", cmds[10]);
    assert_eq!(var(&calls[10].1, "INPUT_MESSAGE"), Some("hello"));
    assert_eq!(report.jobs, [("j".to_string(), "success".to_string())]);
    let replayed = replay_module(module, &run, &report.journal).unwrap();
    assert_eq!(replayed.state_hash, report.state_hash);
}

#[test]
fn post_steps_of_actions_inside_composite_actions_run_at_the_end_of_the_job() {
    let js = "inputs:\n  m:\n    default: d\nruns:\n  using: node20\n  main: m.js\n  post: p.js\n";
    let wrap = "inputs:\n  v:\n    default: x\nruns:\n  using: composite\n  steps:\n    - uses: ./js\n      with:\n        m: ${{ inputs.v }}\n";
    let outer = "runs:\n  using: composite\n  steps:\n    - uses: ./wrap\n      with:\n        v: deep\n";
    let wf = "on: push\njobs:\n  j:\n    runs-on: x\n    steps:\n      - uses: ./wrap\n        with:\n          v: one\n      - if: false\n        uses: ./wrap\n      - uses: ./outer\n      - run: echo last\n";
    let repo = [
        ("js/action.yml", js),
        ("js/m.js", ""),
        ("js/p.js", ""),
        ("wrap/action.yml", wrap),
        ("outer/action.yml", outer),
    ];
    let repository = repo.iter().map(|(p, t)| (p.to_string(), t.as_bytes().to_vec())).collect();
    let files = MemoryActionFiles { repository, action_dir: None };
    let selection = Selection { actions: Some(&files), ..Selection::default() };
    let module = w3_isa::verify(&compile_selection(wf, "w.yml", &selection).unwrap().module).unwrap();
    let run = RunInputs { workspace: "/ws".into(), ..RunInputs::default() };
    let exec = Recorder::default();
    let report = run_module(module, &run, &exec, 1).unwrap();
    let calls = exec.0.lock().unwrap().clone();
    let seen: Vec<(String, Option<&str>)> = calls
        .iter()
        .map(|(cmd, env)| {
            let what = if cmd.contains("'m.js'") {
                "main"
            } else if cmd.contains("'p.js'") {
                "post"
            } else {
                cmd.as_str()
            };
            (what.to_string(), var(env, "INPUT_M"))
        })
        .collect();
    let expect = |w: &str, m: Option<&'static str>| (w.to_string(), m);
    // The skipped step's action hands nothing on; the others' posts run last, the last first,
    // with the inputs their main steps had.
    assert_eq!(
        seen,
        [
            expect("main", Some("one")),
            expect("main", Some("deep")),
            expect("echo last", None),
            expect("post", Some("deep")),
            expect("post", Some("one")),
        ]
    );
    assert_eq!(var(&calls[3].1, "GITHUB_ACTION_PATH"), Some("/ws/js"));
    assert_eq!(report.jobs, [("j".to_string(), "success".to_string())]);
}
