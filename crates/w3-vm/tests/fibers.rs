//! Fibers, host calls, steps and status: the runtime conventions of `docs/vm.md`.

mod common;

use common::{array, context, contexts, json, module, object, path, pending, text};
use std::sync::Arc;
use w3_host_api::{Answer, HostCallKind, HostError, HostResult};
use w3_isa::{FunctionBuilder, FunctionKind, HostKind, ModuleBuilder, Op, StatusKind, VerifiedModule};
use w3_vm::testing::{Order, ScriptedHost};
use w3_vm::{AnswerError, Config, Fault, RunState, Status, Vm};

/// Defines the job: run `echo <matrix.os>` in step `build`, output its stdout, log the os,
/// set the job output `os`, and return `steps.build.outputs.out`.
fn define_job(m: &mut ModuleBuilder, job: w3_isa::FuncId) {
    let mut f = FunctionBuilder::new(1);
    let (os, cmd, req, res, t, ok) = (f.reg(), f.reg(), f.reg(), f.reg(), f.reg(), f.reg());
    context(m, &mut f, os, &["matrix", "os"]);
    let build = m.string("build");
    f.emit(Op::StepBegin { step: build });
    let parts = f.regs(2);
    text(m, &mut f, parts, "echo ");
    f.emit(Op::Move { dst: parts.offset(1).unwrap(), src: os });
    f.emit(Op::Concat { dst: cmd, first: parts, count: w3_isa::Imm16(2) });
    object(m, &mut f, req, &[("cmd", cmd)]);
    f.emit(Op::HostCall { dst: res, kind: HostKind::Shell.id(), arg: req });
    path(m, &mut f, t, res, &["stdout"]);
    f.emit(Op::SetOutput { name: m.string("out"), value: t });
    text(m, &mut f, ok, "success");
    f.emit(Op::StepEnd { step: build, outcome: ok, conclusion: ok });
    object(m, &mut f, req, &[("message", os)]);
    f.emit(Op::HostCall { dst: res, kind: HostKind::Log.id(), arg: req });
    f.emit(Op::SetOutput { name: m.string("os"), value: os });
    context(m, &mut f, t, &["steps", "build", "outputs", "out"]);
    f.emit(Op::Return { src: t });
    m.define(job, f).unwrap();
}

/// A workflow that starts the job twice (matrix os `linux`, then `windows`) and returns both
/// join results.
fn two_jobs() -> Arc<VerifiedModule> {
    module(|m| {
        let job = m.declare("job", FunctionKind::Job, 1);
        let mut w = FunctionBuilder::new(0);
        let (os, matrix, arg, ha, hb, ja, jb, out) =
            (w.reg(), w.reg(), w.reg(), w.reg(), w.reg(), w.reg(), w.reg(), w.reg());
        for (os_name, handle) in [("linux", ha), ("windows", hb)] {
            text(m, &mut w, os, os_name);
            object(m, &mut w, matrix, &[("os", os)]);
            object(m, &mut w, arg, &[("matrix", matrix)]);
            w.emit(Op::Spawn { dst: handle, func: job, arg });
        }
        w.emit(Op::Join { dst: ja, fiber: ha });
        w.emit(Op::Join { dst: jb, fiber: hb });
        array(&mut w, out, &[ja, jb]);
        w.emit(Op::Return { src: out });
        m.function("workflow", FunctionKind::Workflow, w).unwrap();
        define_job(m, job);
    })
}

fn host() -> ScriptedHost {
    ScriptedHost::new().shell("echo linux", 0, "L").shell("echo windows", 0, "W")
}

#[test]
fn jobs_run_as_fibers_with_their_contexts() {
    let mut vm = Vm::new(two_jobs(), contexts(r#"{"github": {"sha": "abc"}}"#), Config::default()).unwrap();
    let outcome = host().drive(&mut vm).unwrap();
    assert_eq!(outcome.status, Status::Success);
    assert_eq!(
        json(&outcome.result),
        concat!(
            r#"[{"result":"L","status":"success","outputs":{"os":"linux"},"error":null},"#,
            r#"{"result":"W","status":"success","outputs":{"os":"windows"},"error":null}]"#
        )
    );
    let names: Vec<&str> = outcome.fibers.iter().map(|f| f.function.as_str()).collect();
    assert_eq!(names, ["workflow", "job", "job"]);
}

#[test]
fn answers_are_consumed_in_the_order_they_are_recorded() {
    let mut vm = Vm::new(two_jobs(), contexts("{}"), Config::default()).unwrap();
    let calls = pending(&mut vm);
    assert_eq!(calls.iter().map(|c| (c.call_index, c.fiber)).collect::<Vec<_>>(), [(0, 1), (1, 2)]);
    let h = host();
    // The windows job's answer is recorded first, so it resumes first and logs first.
    vm.answer(h.reply(&calls[1])).unwrap();
    vm.answer(h.reply(&calls[0])).unwrap();
    let logs = pending(&mut vm);
    assert_eq!(logs.iter().map(|c| (c.call_index, c.fiber)).collect::<Vec<_>>(), [(2, 2), (3, 1)]);
    assert_eq!(vm.answers_consumed(), 2);
    let reversed =
        host().with_order(Order::Reversed).drive(&mut Vm::new(two_jobs(), contexts("{}"), Config::default()).unwrap());
    assert_eq!(reversed.unwrap().status, Status::Success);
}

#[test]
fn answering_one_at_a_time_or_all_at_once_is_the_same() {
    let batched = {
        let mut vm = Vm::new(two_jobs(), contexts("{}"), Config::default()).unwrap();
        host().drive(&mut vm).unwrap();
        vm.state_hash()
    };
    let mut vm = Vm::new(two_jobs(), contexts("{}"), Config::default()).unwrap();
    let h = host();
    loop {
        match vm.run().unwrap() {
            RunState::Finished(_) => break,
            RunState::Pending(calls) => vm.answer(h.reply(&calls[0])).unwrap(),
        }
    }
    assert_eq!(vm.state_hash(), batched);
}

#[test]
fn answers_must_name_a_pending_call_once() {
    let mut vm = Vm::new(two_jobs(), contexts("{}"), Config::default()).unwrap();
    let calls = pending(&mut vm);
    let answer = host().reply(&calls[0]);
    vm.answer(answer.clone()).unwrap();
    assert_eq!(vm.answer(answer), Err(AnswerError::Duplicate(0)));
    let stray = Answer { call_index: 9, result: Ok(HostResult::Done), gas_used: 0 };
    assert_eq!(vm.answer(stray), Err(AnswerError::Unknown(9)));
    assert_eq!(vm.pending().len(), 1, "the answered call is no longer pending");
}

#[test]
fn host_errors_become_result_objects() {
    let m = module(|m| {
        let mut f = FunctionBuilder::new(0);
        let (cmd, req, res) = (f.reg(), f.reg(), f.reg());
        text(m, &mut f, cmd, "curl example.com");
        object(m, &mut f, req, &[("cmd", cmd)]);
        f.emit(Op::HostCall { dst: res, kind: HostKind::Shell.id(), arg: req });
        f.emit(Op::Return { src: res });
        m.function("main", FunctionKind::Job, f).unwrap();
    });
    let denied = Err(HostError::Denied("no network".into()));
    let entry = common::entry(&m);
    let mut vm = Vm::with_entry(m, entry, contexts("{}"), Config::default()).unwrap();
    let outcome = ScriptedHost::new().on(HostCallKind::ShellCommand, None, denied).drive(&mut vm).unwrap();
    assert_eq!(json(&outcome.result), r#"{"ok":false,"error":"permission denied: no network"}"#);
}

/// A 0-parameter function exercising steps, env scopes and status functions.
fn steps_module() -> Arc<VerifiedModule> {
    module(|m| {
        let mut f = FunctionBuilder::new(0);
        let r: Vec<_> = (0..10).map(|_| f.reg()).collect();
        let (v, failure, success) = (f.reg(), f.reg(), f.reg());
        text(m, &mut f, failure, "failure");
        text(m, &mut f, success, "success");
        let (a, first, third, none) = (m.string("A"), m.string("first"), m.string("third"), m.string(""));
        text(m, &mut f, v, "job");
        f.emit(Op::SetEnv { name: a, value: v });
        f.emit(Op::StepBegin { step: first });
        text(m, &mut f, v, "step");
        f.emit(Op::SetEnv { name: a, value: v });
        context(m, &mut f, r[0], &["env", "A"]);
        f.emit(Op::SetOutput { name: m.string("x"), value: r[0] });
        f.emit(Op::StepEnd { step: first, outcome: failure, conclusion: failure });
        context(m, &mut f, r[1], &["env", "A"]);
        for (i, kind) in
            [StatusKind::Success, StatusKind::Failure, StatusKind::Cancelled, StatusKind::Always].iter().enumerate()
        {
            f.emit(Op::Status { dst: r[2 + i], kind: kind.id() });
        }
        f.emit(Op::StepBegin { step: none });
        f.emit(Op::StepEnd { step: none, outcome: success, conclusion: success });
        context(m, &mut f, r[6], &["steps", "first", "conclusion"]);
        context(m, &mut f, r[7], &["steps", "first", "outputs", "x"]);
        f.emit(Op::StepBegin { step: third });
        f.emit(Op::StepEnd { step: third, outcome: failure, conclusion: success });
        context(m, &mut f, r[8], &["steps", "third", "outcome"]);
        context(m, &mut f, r[9], &["steps"]);
        let out = f.reg();
        array(&mut f, out, &r);
        f.emit(Op::Return { src: out });
        m.function("main", FunctionKind::Job, f).unwrap();
    })
}

#[test]
fn steps_record_outcomes_scope_env_and_decide_status() {
    let outcome = common::run_with(&steps_module(), contexts("{}"), Config::default()).unwrap();
    let fiber = &outcome.fibers[0];
    assert_eq!((fiber.status, &fiber.error), (Status::Failure, &None));
    let value = json(&outcome.result);
    assert!(
        value.starts_with(r#"["step","job",false,true,false,true,"failure","step","failure",{"first":"#),
        "{value}"
    );
    assert!(!value.contains(r#""":"#), "a step without an id is not in `steps`: {value}");
}

#[test]
fn steps_must_nest_properly() {
    let m = module(|m| {
        let mut f = FunctionBuilder::new(0);
        let r = f.reg();
        text(m, &mut f, r, "success");
        f.emit(Op::StepEnd { step: m.string("a"), outcome: r, conclusion: r });
        f.emit(Op::Return { src: r });
        m.function("main", FunctionKind::Job, f).unwrap();
    });
    let outcome = common::run_with(&m, contexts("{}"), Config::default()).unwrap();
    assert_eq!(outcome.fibers[0].error.clone().unwrap().fault, Fault::Step("step `a` ends but no step is open".into()));
}

#[test]
fn cancelling_changes_status_and_results() {
    let m = module(|m| {
        let mut f = FunctionBuilder::new(0);
        let (req, res, c, s, out) = (f.reg(), f.reg(), f.reg(), f.reg(), f.reg());
        f.emit(Op::LoadNull { dst: req });
        f.emit(Op::HostCall { dst: res, kind: HostKind::Now.id(), arg: req });
        f.emit(Op::Status { dst: c, kind: StatusKind::Cancelled.id() });
        f.emit(Op::Status { dst: s, kind: StatusKind::Success.id() });
        array(&mut f, out, &[c, s]);
        f.emit(Op::Return { src: out });
        m.function("main", FunctionKind::Job, f).unwrap();
    });
    let entry = common::entry(&m);
    let mut vm = Vm::with_entry(m, entry, contexts("{}"), Config::default()).unwrap();
    let calls = pending(&mut vm);
    vm.cancel();
    vm.answer(ScriptedHost::new().reply(&calls[0])).unwrap();
    let RunState::Finished(outcome) = vm.run().unwrap() else { panic!("not finished") };
    assert_eq!(json(&outcome.result), "[true,false]");
    assert_eq!((outcome.status, outcome.fibers[0].status), (Status::Cancelled, Status::Cancelled));
}

#[test]
fn fibers_joining_each_other_deadlock() {
    let m = module(|m| {
        let job = m.declare("job", FunctionKind::Job, 1);
        let mut w = FunctionBuilder::new(0);
        let (arg, peer, h) = (w.reg(), w.reg(), w.reg());
        for other in [2.0, 1.0] {
            w.emit(Op::LoadConst { dst: peer, k: m.number(other) });
            object(m, &mut w, arg, &[("peer", peer)]);
            w.emit(Op::Spawn { dst: h, func: job, arg });
        }
        w.emit(Op::Join { dst: h, fiber: h });
        w.emit(Op::Return { src: h });
        m.function("workflow", FunctionKind::Workflow, w).unwrap();
        let mut f = FunctionBuilder::new(1);
        let t = f.reg();
        context(m, &mut f, t, &["peer"]);
        f.emit(Op::Join { dst: t, fiber: t });
        f.emit(Op::Return { src: t });
        m.define(job, f).unwrap();
    });
    let mut vm = Vm::new(m, contexts("{}"), Config::default()).unwrap();
    let error = vm.run().unwrap_err();
    assert_eq!((error.fault, error.at), (Fault::Deadlock, None));
}

#[test]
fn bad_requests_and_handles_fail_the_fiber_where_they_are() {
    for (kind, arg) in [(HostKind::Shell, "x"), (HostKind::Random, "{}")] {
        let m = module(|m| {
            let mut f = FunctionBuilder::new(0);
            let (req, res) = (f.reg(), f.reg());
            let k = m.constant(match arg {
                "x" => w3_isa::Constant::Bool(true),
                _ => w3_isa::Constant::Object(vec![]),
            });
            f.emit(Op::LoadConst { dst: req, k });
            f.emit(Op::HostCall { dst: res, kind: kind.id(), arg: req });
            f.emit(Op::Join { dst: res, fiber: req });
            f.emit(Op::Return { src: res });
            m.function("main", FunctionKind::Job, f).unwrap();
        });
        let outcome = common::run_with(&m, contexts("{}"), Config::default()).unwrap();
        let error = outcome.fibers[0].error.clone().unwrap();
        assert!(matches!(error.fault, Fault::BadRequest { .. }), "{error}");
        assert_eq!(error.at.unwrap().offset, 7);
    }
}

#[test]
fn joining_an_ended_fiber_does_not_wait() {
    let m = module(|m| {
        let job = m.declare("job", FunctionKind::Job, 1);
        let mut w = FunctionBuilder::new(0);
        let (h, req, res, bad) = (w.reg(), w.reg(), w.reg(), w.reg());
        w.emit(Op::LoadNull { dst: req });
        w.emit(Op::Spawn { dst: h, func: job, arg: req });
        w.emit(Op::HostCall { dst: res, kind: HostKind::Now.id(), arg: req });
        w.emit(Op::Join { dst: res, fiber: h });
        w.emit(Op::Join { dst: res, fiber: h });
        text(m, &mut w, bad, "not a handle");
        w.emit(Op::Join { dst: bad, fiber: bad });
        w.emit(Op::Return { src: res });
        m.function("workflow", FunctionKind::Workflow, w).unwrap();
        let mut f = FunctionBuilder::new(1);
        f.emit(Op::Halt {});
        m.define(job, f).unwrap();
    });
    let mut vm = Vm::new(m, contexts("{}"), Config::default()).unwrap();
    let outcome = ScriptedHost::new().drive(&mut vm).unwrap();
    assert_eq!(outcome.fibers[1].status, Status::Success);
    let error = outcome.fibers[0].error.clone().unwrap();
    assert_eq!(error.fault, Fault::BadHandle("a String".into()));
}
