//! Background steps in the VM: a background step's host call is made while the job goes on,
//! and answered whenever the host finishes it; `wait`, `wait-all`, `parallel` and the end of the
//! job record it as a step (`steps.<id>`, the job's status, its env).

use std::collections::BTreeSet;
use w3_compiler::compile_workflow;
use w3_host_api::{Answer, HostCall, HostResult, PendingCall, StepFiles};
use w3_value::{Object, Value};
use w3_vm::{Config, Outcome, RunState, Status, Vm};

/// Drives a VM by hand: the test decides which pending call is answered when.
struct Driver {
    vm: Vm,
    seen: BTreeSet<u64>,
    pending: Vec<PendingCall>,
    /// Commands in the order the calls were made.
    made: Vec<String>,
    outcome: Option<Outcome>,
}

fn cmd(call: &HostCall) -> String {
    match call {
        HostCall::ShellCommand { cmd, .. } => cmd.clone(),
        other => format!("{other:?}"),
    }
}

fn shell(exit_code: i32, outputs: &[(&str, &str)], env: &[(&str, &str)]) -> HostResult {
    let pairs = |p: &[(&str, &str)]| p.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    HostResult::Shell {
        exit_code,
        stdout: Vec::new(),
        stderr: Vec::new(),
        timed_out: false,
        files: StepFiles { outputs: pairs(outputs), env: pairs(env), ..StepFiles::default() },
    }
}

impl Driver {
    fn new(src: &str) -> Driver {
        let compiled = compile_workflow(src, "bg.yml").unwrap_or_else(|e| panic!("{e}"));
        let verified = w3_isa::verify(&compiled.module).unwrap();
        let mut contexts = Object::new();
        contexts.insert("env", Value::from(Object::new()));
        let vm = Vm::new(verified, contexts, Config::default()).unwrap();
        let mut d = Driver { vm, seen: BTreeSet::new(), pending: Vec::new(), made: Vec::new(), outcome: None };
        d.advance();
        d
    }

    /// Runs until every fiber waits or the run is finished.
    fn advance(&mut self) {
        match self.vm.run().unwrap() {
            RunState::Finished(o) => self.outcome = Some(o),
            RunState::Pending(calls) => {
                for c in calls.into_iter().filter(|c| self.seen.insert(c.call_index)) {
                    self.made.push(cmd(&c.call));
                    self.pending.push(c);
                }
            }
        }
    }

    /// The commands of the calls made and not answered yet.
    fn waiting(&self) -> Vec<String> {
        self.pending.iter().map(|c| cmd(&c.call)).collect()
    }

    /// Answers the pending call whose command contains `needle`, then runs on.
    fn answer(&mut self, needle: &str, result: HostResult) {
        let at = self
            .pending
            .iter()
            .position(|c| cmd(&c.call).contains(needle))
            .unwrap_or_else(|| panic!("no pending call for `{needle}`: {:?}", self.waiting()));
        let call = self.pending.remove(at);
        self.vm.answer(Answer { call_index: call.call_index, result: Ok(result), gas_used: 1 }).unwrap();
        self.advance();
    }

    /// Answers every pending call with success, in the order made, until the run ends.
    fn finish(&mut self) -> Outcome {
        while self.outcome.is_none() {
            let first = self.pending.first().map(|c| cmd(&c.call)).expect("calls pending");
            self.answer(&first, shell(0, &[], &[]));
        }
        self.outcome.clone().unwrap()
    }
}

fn job_result(o: &Outcome, job: &str) -> String {
    let r = o.result.as_object().and_then(|r| r.get(job)).and_then(Value::as_object).and_then(|j| j.get("result"));
    r.map(|v| v.to_str().into_owned()).unwrap_or_default()
}

const HEAD: &str = "on: push\njobs:\n  j:\n    runs-on: x\n    steps:\n";

#[test]
fn the_job_goes_on_while_a_background_step_runs_and_wait_shows_its_outputs() {
    let src = format!(
        "{HEAD}      - id: server\n        run: serve\n        background: true\n      - run: client ${{{{ steps.server.outputs.port }}}}\n      - wait: server\n      - run: echo ${{{{ steps.server.outputs.port }}}} ${{{{ steps.server.outcome }}}} $FROM_SERVER\n"
    );
    let mut d = Driver::new(&src);
    // Both calls are made before either is answered; the client does not see the server's
    // outputs yet (GitHub defers them to the wait).
    assert_eq!(d.waiting(), ["client ", "serve"]);
    d.answer("client", shell(0, &[], &[]));
    // The leg waits for the server: nothing more is asked.
    assert_eq!(d.waiting(), ["serve"]);
    d.answer("serve", shell(0, &[("port", "8080")], &[("FROM_SERVER", "yes")]));
    assert_eq!(d.waiting(), ["echo 8080 success $FROM_SERVER"]);
    let HostCall::ShellCommand { env, .. } = &d.pending[0].call else { panic!() };
    assert!(env.iter().any(|(k, v)| k == "FROM_SERVER" && v == "yes"), "{env:?}");
    let o = d.finish();
    assert_eq!(o.status, Status::Success);
    assert_eq!(job_result(&o, "j"), "success");
}

#[test]
fn a_failed_background_step_fails_the_job_at_the_wait() {
    let src = format!(
        "{HEAD}      - id: bg\n        run: work\n        background: true\n      - run: meanwhile\n      - wait: bg\n      - run: after\n      - run: report ${{{{ steps.bg.outcome }}}}\n        if: failure()\n"
    );
    let mut d = Driver::new(&src);
    d.answer("work", shell(1, &[], &[]));
    // The failure is not seen before the wait: the step between runs.
    assert_eq!(d.waiting(), ["meanwhile"]);
    d.answer("meanwhile", shell(0, &[], &[]));
    assert_eq!(d.waiting(), ["report failure"]);
    let o = d.finish();
    assert_eq!(o.status, Status::Failure);
    assert_eq!(job_result(&o, "j"), "failure");
    assert!(!d.made.contains(&"after".to_string()), "{:?}", d.made);
}

#[test]
fn continue_on_error_keeps_the_job_going() {
    let src = format!(
        "{HEAD}      - id: bg\n        run: work\n        background: true\n        continue-on-error: true\n      - wait: bg\n      - run: after ${{{{ steps.bg.outcome }}}} ${{{{ steps.bg.conclusion }}}}\n"
    );
    let mut d = Driver::new(&src);
    d.answer("work", shell(1, &[], &[]));
    assert_eq!(d.waiting(), ["after failure success"]);
    let o = d.finish();
    assert_eq!(o.status, Status::Success);
}

#[test]
fn wait_all_and_the_end_of_the_job_wait_for_every_background_step() {
    let src = format!(
        "{HEAD}      - id: a\n        run: one\n        background: true\n      - run: two\n        background: true\n      - wait-all:\n      - run: after ${{{{ steps.a.outcome }}}}\n      - id: late\n        run: three\n        background: true\n"
    );
    let mut d = Driver::new(&src);
    assert_eq!(d.waiting(), ["one", "two"]);
    d.answer("two", shell(0, &[], &[]));
    assert_eq!(d.waiting(), ["one"]);
    d.answer("one", shell(0, &[], &[]));
    assert_eq!(d.waiting(), ["after success"]);
    d.answer("after", shell(0, &[], &[]));
    // `late` is not waited for by a step: the job waits for it at its end, and its failure counts.
    assert_eq!(d.waiting(), ["three"]);
    assert!(d.outcome.is_none());
    d.answer("three", shell(2, &[], &[]));
    let o = d.outcome.clone().expect("finished");
    assert_eq!(job_result(&o, "j"), "failure");
}

#[test]
fn a_skipped_background_step_is_recorded_as_skipped() {
    let src = format!(
        "{HEAD}      - id: bg\n        if: github.event_name == 'never'\n        run: work\n        background: true\n      - wait: bg\n      - run: after ${{{{ steps.bg.outcome }}}} ${{{{ steps.bg.conclusion }}}}\n"
    );
    let mut d = Driver::new(&src);
    assert_eq!(d.waiting(), ["after skipped skipped"]);
    let o = d.finish();
    assert_eq!(o.status, Status::Success);
    assert_eq!(d.made, ["after skipped skipped"]);
}

#[test]
fn an_expression_error_fails_the_background_step_at_the_wait() {
    let src = format!(
        "{HEAD}      - id: bg\n        run: work ${{{{ fromJSON('not json') }}}}\n        background: true\n      - run: meanwhile\n      - wait: bg\n      - run: report ${{{{ steps.bg.outcome }}}}\n        if: always()\n"
    );
    let mut d = Driver::new(&src);
    assert_eq!(d.waiting(), ["meanwhile"]);
    d.answer("meanwhile", shell(0, &[], &[]));
    assert_eq!(d.waiting(), ["report failure"]);
    assert_eq!(d.finish().status, Status::Failure);
}

#[test]
fn parallel_runs_its_steps_at_once_and_waits_for_all() {
    let src = format!(
        "{HEAD}      - parallel:\n          - id: a\n            run: one\n          - run: two\n            env:\n              ONLY_TWO: x\n          - id: c\n            if: false\n            run: three\n      - run: after ${{{{ steps.a.outputs.v }}}} ${{{{ steps.c.outcome }}}} $ONLY_TWO\n"
    );
    let mut d = Driver::new(&src);
    assert_eq!(d.waiting(), ["one", "two"]);
    let HostCall::ShellCommand { env, .. } = &d.pending[1].call else { panic!() };
    assert!(env.iter().any(|(k, _)| k == "ONLY_TWO"), "{env:?}");
    d.answer("two", shell(0, &[], &[]));
    assert_eq!(d.waiting(), ["one"]);
    d.answer("one", shell(0, &[("v", "1")], &[]));
    assert_eq!(d.waiting(), ["after 1 skipped $ONLY_TWO"]);
    // A step's `env:` stays the step's own.
    let HostCall::ShellCommand { env, .. } = &d.pending[0].call else { panic!() };
    assert!(!env.iter().any(|(k, _)| k == "ONLY_TWO"), "{env:?}");
    assert_eq!(d.finish().status, Status::Success);
}

#[test]
fn unsupported_forms_are_compile_errors_at_their_position() {
    let cases = [
        (
            "      - id: s\n        run: x\n        background: true\n      - cancel: s\n",
            "9:9",
            "`cancel` is not supported yet",
        ),
        ("      - run: x\n      - wait: nothing\n", "7:15", "no background step with id `nothing`"),
        (
            "      - id: s\n        run: x\n        background: true\n      - wait: s\n        if: always()\n",
            "10:13",
            "`if` on a `wait` step",
        ),
    ];
    for (steps, at, message) in cases {
        let err = compile_workflow(&format!("{HEAD}{steps}"), "bg.yml").err().expect("an error").to_string();
        assert!(err.contains(at) && err.contains(message), "{err}");
    }
}
