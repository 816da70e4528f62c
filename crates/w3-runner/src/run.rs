//! Runs a compiled workflow locally: builds the run's contexts, drives the VM, has an
//! [`Executor`] perform each host call, records every answer in a journal (so the run can be
//! replayed without running anything), and reports how each job ended.

use std::collections::BTreeSet;
use w3_host_api::{ActionRef, Answer, Capabilities, HostCall, HostError, HostPattern, HostResult, PendingCall, Policy};
use w3_isa::VerifiedModule;
use w3_value::{Object, Value};
use w3_vm::{Config, Outcome, RunState, Vm, VmError};

/// Performs host calls for a run (the sandboxed shell, HTTP, Smart Actions...). Calls of jobs
/// that run at the same time are performed at the same time, from several threads.
pub trait Executor: Sync {
    /// Performs `call`, made by `job`, within `gas_limit`; returns the result and the gas used.
    fn execute(&self, job: &str, call: &HostCall, gas_limit: u64) -> (Result<HostResult, HostError>, u64);
}

/// What the run starts from: the event and the values the command line gives.
#[derive(Clone, Debug)]
pub struct RunInputs {
    /// The event name (`push`, `workflow_dispatch`, ...).
    pub event: String,
    /// The event payload (`github.event`).
    pub payload: Value,
    pub inputs: Vec<(String, String)>,
    pub secrets: Vec<(String, String)>,
    pub vars: Vec<(String, String)>,
    pub env: Vec<(String, String)>,
    /// The workspace directory (`github.workspace`).
    pub workspace: String,
    /// The repository as `owner/name`.
    pub repository: String,
    /// The workflow's name (`github.workflow`): its `name:`, else its file's path.
    pub workflow: String,
    /// The commit the run is for (`github.sha`), 40 hex digits.
    pub sha: String,
    /// The ref the run is for (`github.ref`), such as `refs/heads/main`.
    pub git_ref: String,
    /// The actions directory on this machine (`--action-dir`), where `github.action_path` of
    /// the actions compiled from it points.
    pub actions_dir: Option<String>,
}

impl Default for RunInputs {
    fn default() -> Self {
        Self {
            event: "push".into(),
            payload: Value::from(Object::new()),
            inputs: Vec::new(),
            secrets: Vec::new(),
            vars: Vec::new(),
            env: Vec::new(),
            workspace: String::new(),
            repository: String::new(),
            workflow: String::new(),
            sha: "0".repeat(40),
            git_ref: "refs/heads/main".into(),
            actions_dir: None,
        }
    }
}

/// One host call of a run: the job that made it, the request and the answer recorded.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    pub job: String,
    /// The step that made the call (from 1; 0 outside steps) and its verification policy.
    pub step: u32,
    pub policy: Policy,
    pub call: HostCall,
    pub answer: Answer,
}

/// How a run ended.
#[derive(Debug)]
pub struct Report {
    pub outcome: Outcome,
    /// Each job's id and result (`success`, `failure`, `cancelled`, `skipped`), in the
    /// workflow's order.
    pub jobs: Vec<(String, String)>,
    /// Every call with its answer, in the order the answers were recorded.
    pub journal: Vec<Entry>,
    /// The VM's state hash at the end: equal runs have equal hashes.
    pub state_hash: [u8; 32],
}

/// Why a run stopped before it finished.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("{0}")]
    Vm(#[from] VmError),
    /// The answer source had no answer for a call (a replay that diverged from its journal).
    #[error("call {call_index}: {reason}")]
    NoAnswer { call_index: u64, reason: String },
}

fn object(pairs: &[(String, String)]) -> Value {
    let mut o = Object::new();
    for (k, v) in pairs {
        o.insert(k.clone(), Value::from(v.as_str()));
    }
    Value::from(o)
}

/// Returns the short name of a ref: `main` for `refs/heads/main`, `v1` for `refs/tags/v1`.
fn ref_name(git_ref: &str) -> &str {
    git_ref.strip_prefix("refs/heads/").or_else(|| git_ref.strip_prefix("refs/tags/")).unwrap_or(git_ref)
}

/// Returns the run's initial contexts.
pub fn contexts(run: &RunInputs) -> Object {
    let github: Object = [
        ("event_name", Value::from(run.event.as_str())),
        ("event", run.payload.clone()),
        ("workspace", Value::from(run.workspace.as_str())),
        ("repository", Value::from(run.repository.as_str())),
        ("repository_owner", Value::from(run.repository.split('/').next().unwrap_or_default())),
        ("ref", Value::from(run.git_ref.as_str())),
        ("ref_name", Value::from(ref_name(&run.git_ref))),
        ("ref_type", Value::from(if run.git_ref.starts_with("refs/tags/") { "tag" } else { "branch" })),
        ("sha", Value::from(run.sha.as_str())),
        ("workflow", Value::from(run.workflow.as_str())),
        ("api_url", Value::from("https://api.github.com")),
        ("graphql_url", Value::from("https://api.github.com/graphql")),
        ("run_id", Value::from("1")),
        ("run_number", Value::from("1")),
        ("run_attempt", Value::from("1")),
        ("actor", Value::from("w3")),
        ("server_url", Value::from("https://github.com")),
    ]
    .into_iter()
    .collect();
    let mut secrets = Object::new();
    secrets.insert("GITHUB_TOKEN", Value::from(""));
    for (k, v) in &run.secrets {
        secrets.insert(k.clone(), Value::from(v.as_str()));
    }
    let runner: Object =
        [("os", "Linux"), ("arch", "X64"), ("name", "w3"), ("temp", "/tmp"), ("environment", "self-hosted")]
            .into_iter()
            .map(|(k, v)| (k, Value::from(v)))
            .collect();
    let mut contexts: Object = [
        ("github", Value::from(github)),
        ("inputs", object(&run.inputs)),
        ("vars", object(&run.vars)),
        ("secrets", Value::from(secrets)),
        ("env", object(&run.env)),
        ("runner", Value::from(runner)),
    ]
    .into_iter()
    .collect();
    if let Some(dir) = &run.actions_dir {
        contexts.insert(w3_compiler::workflow::ACTIONS_CONTEXT, Value::from(dir.as_str()));
    }
    contexts
}

/// Returns the capabilities a module's manifest declares (`w3 compile --manifest` prints the
/// same JSON): what its host calls may do. Anything the manifest does not declare is denied.
pub fn capabilities(manifest: &[u8]) -> Capabilities {
    let json: serde_json::Value = serde_json::from_slice(manifest).unwrap_or_default();
    let caps = &json["capabilities"];
    let strings = |key: &str| -> Vec<String> {
        caps[key]
            .as_array()
            .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_string)).collect())
            .unwrap_or_default()
    };
    let storage = strings("storage");
    Capabilities {
        shell: caps["shell"].as_bool().unwrap_or(false),
        network: caps["network"].as_bool().unwrap_or(false),
        http: strings("http").into_iter().map(HostPattern).collect(),
        storage_read: storage.iter().any(|s| s == "read" || s == "write"),
        storage_write: storage.iter().any(|s| s == "write"),
        events: caps["events"].as_bool().unwrap_or(false),
        actions: strings("actions")
            .iter()
            .filter_map(|a| a.strip_prefix("w3/")?.split_once('@'))
            .map(|(name, version)| ActionRef { name: name.into(), version: version.into() })
            .collect(),
        github_actions: strings("githubActions"),
    }
}

/// Returns the calls of `calls` not seen before, each with the job that made it, and notes them
/// as seen.
fn new_calls(vm: &Vm, seen: &mut BTreeSet<u64>, calls: Vec<PendingCall>) -> Vec<(String, PendingCall)> {
    calls
        .into_iter()
        .filter(|c| seen.insert(c.call_index))
        .map(|call| (job_of(vm.fiber_function(call.fiber).unwrap_or("workflow")).to_string(), call))
        .collect()
}

/// Returns a VM that runs `module`'s workflow with `run`'s contexts.
fn new_vm(module: VerifiedModule, run: &RunInputs) -> Result<Vm, RunError> {
    Vm::new(module, contexts(run), Config::default())
        .map_err(|e| RunError::Vm(VmError { fault: w3_vm::Fault::Internal(e.to_string()), at: None }))
}

/// Returns the job a fiber's function belongs to: `job X leg` and `job X step N` are job `X`.
fn job_of(function: &str) -> &str {
    let rest = function.strip_prefix("job ").unwrap_or(function);
    rest.split(' ').next().unwrap_or(rest)
}

/// Runs `module` with `run`'s contexts, performing host calls with `executor`: up to
/// `parallel` at once (jobs whose needs are met run side by side), each answer recorded as it
/// arrives. The recorded order is the journal's, so a replay resumes fibers exactly as this run
/// did whatever the timing was.
pub fn run_module(
    module: VerifiedModule,
    run: &RunInputs,
    executor: &dyn Executor,
    parallel: usize,
) -> Result<Report, RunError> {
    let mut vm = new_vm(module, run)?;
    let parallel = parallel.max(1);
    let mut journal = Vec::new();
    let mut seen = BTreeSet::new();
    let mut queue = std::collections::VecDeque::new();
    std::thread::scope(|scope| {
        let (tx, rx) = std::sync::mpsc::channel();
        let mut running = 0usize;
        let outcome = loop {
            match vm.run()? {
                RunState::Finished(outcome) => break outcome,
                RunState::Pending(calls) => queue.extend(new_calls(&vm, &mut seen, calls)),
            }
            while running < parallel {
                let Some((job, call)) = queue.pop_front() else { break };
                running += 1;
                let tx = tx.clone();
                scope.spawn(move || {
                    let (result, gas_used) = executor.execute(&job, &call.call, call.gas_limit);
                    let answer = Answer { call_index: call.call_index, result, gas_used };
                    let _ = tx.send(Entry { job, step: call.step, policy: call.policy, call: call.call, answer });
                });
            }
            if running == 0 {
                let reason = "the run waits for calls that were all answered".to_string();
                return Err(RunError::NoAnswer { call_index: 0, reason });
            }
            let Ok(entry) = rx.recv() else {
                return Err(RunError::NoAnswer { call_index: 0, reason: "a host call's thread ended".into() });
            };
            running -= 1;
            if vm.answer(entry.answer.clone()).is_ok() {
                journal.push(entry);
            }
        };
        Ok(report(outcome, journal, vm.state_hash()))
    })
}

/// Runs `module` with `run`'s contexts, answering every call from `journal` instead of
/// performing it: the calls must be the journal's, in its order, request for request.
pub fn replay_module(module: VerifiedModule, run: &RunInputs, journal: &[Entry]) -> Result<Report, RunError> {
    let mut next = journal.iter();
    drive(module, run, &mut |job, call| {
        let no_answer = |reason: String| RunError::NoAnswer { call_index: call.call_index, reason };
        let entry = next.next().ok_or_else(|| no_answer("the journal has no more calls".into()))?;
        if entry.answer.call_index != call.call_index {
            return Err(no_answer(format!("the journal answers call {} here", entry.answer.call_index)));
        }
        if entry.call != call.call || entry.job != job {
            return Err(no_answer(format!(
                "job `{job}` asks for {:?}, the journal recorded job `{}` asking for {:?}",
                call.call, entry.job, entry.call
            )));
        }
        if (entry.step, entry.policy) != (call.step, call.policy) {
            return Err(no_answer(format!(
                "step {} under policy `{}` makes the call, the journal recorded step {} under `{}`",
                call.step,
                call.policy.name(),
                entry.step,
                entry.policy.name()
            )));
        }
        Ok(entry.answer.clone())
    })
}

/// Runs the VM to the end, getting each call's answer from `answer` in the order calls were
/// made.
fn drive(
    module: VerifiedModule,
    run: &RunInputs,
    answer: &mut dyn FnMut(&str, &PendingCall) -> Result<Answer, RunError>,
) -> Result<Report, RunError> {
    let mut vm = new_vm(module, run)?;
    let mut journal = Vec::new();
    let mut seen = BTreeSet::new();
    let outcome = loop {
        match vm.run()? {
            RunState::Finished(outcome) => break outcome,
            RunState::Pending(calls) => {
                for (job, call) in new_calls(&vm, &mut seen, calls) {
                    let a = answer(&job, &call)?;
                    if vm.answer(a.clone()).is_ok() {
                        journal.push(Entry { job, step: call.step, policy: call.policy, call: call.call, answer: a });
                    }
                }
            }
        }
    };
    Ok(report(outcome, journal, vm.state_hash()))
}

/// Builds the report of a finished run.
fn report(outcome: Outcome, journal: Vec<Entry>, state_hash: [u8; 32]) -> Report {
    let jobs = match &outcome.result {
        Value::Object(o) => o
            .iter()
            .map(|(id, r)| {
                let result = match r {
                    Value::Object(r) => r.get("result").map(|v| v.to_str().into_owned()).unwrap_or_default(),
                    _ => String::new(),
                };
                (id.to_string(), result)
            })
            .collect(),
        _ => Vec::new(),
    };
    Report { outcome, jobs, journal, state_hash }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Answers shell calls by exit code: scripts containing `false` fail.
    struct ExitCodes(std::sync::Mutex<Vec<(String, String)>>);

    impl Executor for ExitCodes {
        fn execute(&self, job: &str, call: &HostCall, _gas: u64) -> (Result<HostResult, HostError>, u64) {
            let HostCall::ShellCommand { cmd, .. } = call else {
                return (Err(HostError::Unsupported("test".into())), 0);
            };
            self.0.lock().unwrap().push((job.to_string(), cmd.clone()));
            let exit_code = i32::from(cmd.contains("false"));
            (
                Ok(HostResult::Shell {
                    exit_code,
                    stdout: vec![],
                    stderr: vec![],
                    timed_out: false,
                    files: Default::default(),
                }),
                10,
            )
        }
    }

    #[test]
    fn each_call_names_its_step_and_policy() {
        let src = "on: push\njobs:\n  a:\n    runs-on: x\n    verification: tee\n    steps:\n      - run: echo one\n      - run: echo two\n        verification: shadow\n      - parallel:\n          - run: echo three\n          - run: echo four\n            verification: shadow\n";
        let compiled = w3_compiler::compile_workflow(src, "w.yml").unwrap();
        let module = w3_isa::verify(&compiled.module).unwrap();
        let report = run_module(module.clone(), &RunInputs::default(), &ExitCodes(Default::default()), 1).unwrap();
        let mut got: Vec<(u32, Policy)> = report.journal.iter().map(|e| (e.step, e.policy)).collect();
        got.sort_by_key(|&(s, p)| (s, p as u8));
        assert_eq!(got, [(1, Policy::Tee), (2, Policy::Shadow), (3, Policy::Tee), (3, Policy::Shadow)]);
        // A replay makes the same calls from the same steps, or stops.
        let replayed = replay_module(module.clone(), &RunInputs::default(), &report.journal).unwrap();
        assert_eq!(replayed.state_hash, report.state_hash);
        let mut changed = report.journal.clone();
        changed[0].policy = Policy::None;
        let err = replay_module(module, &RunInputs::default(), &changed).unwrap_err().to_string();
        assert!(err.contains("the journal recorded step 1 under `none`"), "{err}");
    }

    #[test]
    fn capabilities_come_from_the_manifest() {
        let src = "on: push\nw3:\n  http: [api.example.com]\n  storage: [read]\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: echo\n      - uses: actions/checkout@v4\n      - uses: w3/oracle-action@v1\n";
        let compiled = w3_compiler::compile_workflow(src, "w.yml").unwrap();
        let caps = capabilities(&compiled.module.manifest);
        assert!(caps.shell && !caps.network && caps.storage_read && !caps.storage_write);
        assert_eq!(caps.http, [HostPattern("api.example.com".into())]);
        assert_eq!(caps.actions, [ActionRef { name: "oracle-action".into(), version: "v1".into() }]);
        assert_eq!(caps.github_actions, ["actions/checkout@v4"]);
        assert_eq!(capabilities(b"not json"), Capabilities::default());
    }

    #[test]
    fn jobs_run_in_needs_order_and_failures_skip_dependents() {
        let src = "on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: echo ${{ github.event_name }}\n  b:\n    needs: a\n    runs-on: x\n    steps:\n      - run: 'false'\n      - run: echo after\n      - run: echo always\n        if: always()\n  c:\n    needs: b\n    runs-on: x\n    steps: [{run: echo c}]\n";
        let compiled = w3_compiler::compile_workflow(src, "w.yml").unwrap();
        let module = w3_isa::verify(&compiled.module).unwrap();
        let exec = ExitCodes(Default::default());
        let run = RunInputs { event: "push".into(), ..RunInputs::default() };
        let report = run_module(module, &run, &exec, 4).unwrap();
        assert_eq!(
            *exec.0.lock().unwrap(),
            [("a".into(), "echo push".into()), ("b".into(), "false".into()), ("b".into(), "echo always".into())]
        );
        let jobs: Vec<(&str, &str)> = report.jobs.iter().map(|(j, r)| (j.as_str(), r.as_str())).collect();
        assert_eq!(jobs, [("a", "success"), ("b", "failure"), ("c", "skipped")]);
        assert_eq!(report.journal.len(), 3);
        // Replaying the journal gives the same run without performing anything.
        let module = w3_isa::verify(&compiled.module).unwrap();
        let replayed = replay_module(module.clone(), &run, &report.journal).unwrap();
        assert_eq!(replayed.state_hash, report.state_hash);
        assert_eq!(replayed.jobs, report.jobs);
        // A journal that answers differently, or for other requests, is refused or differs.
        let mut changed = report.journal.clone();
        changed[1].answer.gas_used += 1;
        let other = replay_module(module.clone(), &run, &changed).unwrap();
        assert_ne!(other.state_hash, report.state_hash);
        let push = RunInputs { event: "workflow_dispatch".into(), ..RunInputs::default() };
        let err = replay_module(module.clone(), &push, &report.journal).unwrap_err();
        assert!(err.to_string().contains("call 0: job `a` asks for"), "{err}");
        let err = replay_module(module, &run, &report.journal[..2]).unwrap_err();
        assert!(err.to_string().contains("no more calls"), "{err}");
    }

    /// Answers shell calls, except that `serve` returns only once `client` has run.
    struct Server(std::sync::Mutex<Vec<String>>, std::sync::Condvar);

    impl Executor for Server {
        fn execute(&self, _job: &str, call: &HostCall, _gas: u64) -> (Result<HostResult, HostError>, u64) {
            let HostCall::ShellCommand { cmd, .. } = call else {
                return (Err(HostError::Unsupported("test".into())), 0);
            };
            let mut done = self.0.lock().unwrap();
            if cmd == "serve" {
                let timeout = std::time::Duration::from_secs(10);
                done = self.1.wait_timeout_while(done, timeout, |d| !d.iter().any(|c| c == "client")).unwrap().0;
            }
            done.push(cmd.clone());
            self.1.notify_all();
            let files = w3_host_api::StepFiles { outputs: vec![("port".into(), "80".into())], ..Default::default() };
            (Ok(HostResult::Shell { exit_code: 0, stdout: vec![], stderr: vec![], timed_out: false, files }), 10)
        }
    }

    #[test]
    fn a_background_step_runs_while_the_next_steps_do() {
        let src = "on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - id: server\n        run: serve\n        background: true\n      - run: client\n      - wait: server\n      - run: echo ${{ steps.server.outputs.port }}\n";
        let compiled = w3_compiler::compile_workflow(src, "w.yml").unwrap();
        let module = w3_isa::verify(&compiled.module).unwrap();
        let exec = Server(Default::default(), Default::default());
        let report = run_module(module.clone(), &RunInputs::default(), &exec, 2).unwrap();
        assert_eq!(*exec.0.lock().unwrap(), ["client", "serve", "echo 80"]);
        assert_eq!(report.jobs, [("a".to_string(), "success".to_string())]);
        // The journal holds the answers in the order they arrived and replays to the same state.
        let replayed = replay_module(module, &RunInputs::default(), &report.journal).unwrap();
        assert_eq!(replayed.state_hash, report.state_hash);
    }
}
