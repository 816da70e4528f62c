//! Builds small modules with w3-isa's builder and runs them with the scripted test host.

#![allow(dead_code)]

use std::sync::Arc;
use w3_isa::{verify, FunctionBuilder, FunctionKind, ModuleBuilder, Op, Reg, SourceSpan, VerifiedModule};
use w3_value::{Object, Value};
use w3_vm::testing::ScriptedHost;
use w3_vm::{Config, Outcome, RunState, Status, Vm, VmError};

/// Returns a verified module built by `build`, which defines its functions on the builder.
pub fn module(build: impl FnOnce(&mut ModuleBuilder)) -> Arc<VerifiedModule> {
    let mut m = ModuleBuilder::new("w3-vm tests");
    build(&mut m);
    Arc::new(verify(&m.finish().unwrap()).unwrap())
}

/// Returns a module whose only function, `expr`, is `body`'s code followed by `Return` of the
/// register `body` returns.
pub fn expr_module(body: impl FnOnce(&mut ModuleBuilder, &mut FunctionBuilder) -> Reg) -> Arc<VerifiedModule> {
    module(|m| {
        let mut f = FunctionBuilder::new(0);
        let file = m.string("test.yml");
        f.set_span(SourceSpan { file, line: 3, col: 7, end_line: 3, end_col: 20 });
        let out = body(m, &mut f);
        f.emit(Op::Return { src: out });
        m.function("expr", FunctionKind::Expression, f).unwrap();
    })
}

/// Returns contexts parsed from JSON text.
pub fn contexts(json: &str) -> Object {
    match w3_value::parse_json(json).unwrap() {
        Value::Object(o) => o,
        _ => panic!("contexts must be an object"),
    }
}

/// Returns the function tests run: `main` or `expr`, else function 0.
pub fn entry(module: &VerifiedModule) -> w3_isa::FuncId {
    let m = module.module();
    m.function_named("main").or_else(|| m.function_named("expr")).unwrap_or(w3_isa::FuncId(0))
}

/// Runs the entry function of `module` with `contexts` and `config` to the end with the
/// default host.
pub fn run_with(module: &Arc<VerifiedModule>, contexts: Object, config: Config) -> Result<Outcome, VmError> {
    let mut vm = Vm::with_entry(module.clone(), entry(module), contexts, config).unwrap();
    ScriptedHost::new().drive(&mut vm)
}

/// Runs an expression module and returns its value, panicking on any failure.
pub fn eval(module: &Arc<VerifiedModule>, ctx: &str) -> Value {
    let outcome = run_with(module, contexts(ctx), Config::default()).unwrap();
    let fiber = &outcome.fibers[0];
    assert_eq!(fiber.status, Status::Success, "{:?}", fiber.error);
    outcome.result
}

/// Runs an expression module and returns the error that failed its fiber.
pub fn eval_error(module: &Arc<VerifiedModule>, ctx: &str) -> VmError {
    let outcome = run_with(module, contexts(ctx), Config::default()).unwrap();
    outcome.fibers[0].error.clone().expect("the fiber should fail")
}

/// Returns `value` as compact JSON, for readable assertions.
pub fn json(value: &Value) -> String {
    let style = w3_value::JsonStyle { pretty: false, non_finite: w3_value::NonFinite::Bare };
    w3_value::to_json_text(value, style).unwrap()
}

/// Runs `vm` until it is pending and returns the pending calls.
pub fn pending(vm: &mut Vm) -> Vec<w3_host_api::PendingCall> {
    match vm.run().unwrap() {
        RunState::Pending(calls) => calls,
        RunState::Finished(o) => panic!("finished early: {o:?}"),
    }
}

/// Emits `dst = s` for a string constant `s`.
pub fn text(m: &mut w3_isa::ModuleBuilder, f: &mut FunctionBuilder, dst: Reg, s: &str) {
    let k = m.string_constant(s);
    f.emit(Op::LoadConst { dst, k });
}

/// Emits `dst = {key: value, ...}` from registers.
pub fn object(m: &mut w3_isa::ModuleBuilder, f: &mut FunctionBuilder, dst: Reg, pairs: &[(&str, Reg)]) {
    let first = f.regs(2 * pairs.len() as u16);
    for (i, (key, value)) in pairs.iter().enumerate() {
        let at = first.offset(2 * i as u16).unwrap();
        text(m, f, at, key);
        f.emit(Op::Move { dst: at.offset(1).unwrap(), src: *value });
    }
    f.emit(Op::MakeObject { dst, first, count: w3_isa::Imm16(pairs.len() as u16) });
}

/// Emits `dst = [values...]` from registers.
pub fn array(f: &mut FunctionBuilder, dst: Reg, values: &[Reg]) {
    let first = f.regs(values.len() as u16);
    for (i, v) in values.iter().enumerate() {
        f.emit(Op::Move { dst: first.offset(i as u16).unwrap(), src: *v });
    }
    f.emit(Op::MakeArray { dst, first, count: w3_isa::Imm16(values.len() as u16) });
}

/// Emits `dst = src.a.b...` for a path of property names.
pub fn path(m: &mut w3_isa::ModuleBuilder, f: &mut FunctionBuilder, dst: Reg, src: Reg, names: &[&str]) {
    f.emit(Op::Move { dst, src });
    for name in names {
        let name = m.string(name);
        f.emit(Op::GetProp { dst, obj: dst, name });
    }
}

/// Emits `dst = context.a.b...`.
pub fn context(m: &mut w3_isa::ModuleBuilder, f: &mut FunctionBuilder, dst: Reg, names: &[&str]) {
    let name = m.string(names[0]);
    f.emit(Op::LoadContext { dst, name });
    path(m, f, dst, dst, &names[1..]);
}

/// Returns a workflow exercising most of the runtime: three jobs as fibers (one per `os`),
/// each with a step that runs a shell command, parses its stdout with `fromJSON` inside a
/// `TryCall` (the `windows` answer is not JSON: the error is caught), sets env and outputs,
/// logs, and returns a value built from its `steps`; the workflow joins them all.
pub fn sample_workflow() -> Arc<VerifiedModule> {
    module(|m| {
        let job = m.declare("job", FunctionKind::Job, 1);
        let parse = m.declare("job.parse", FunctionKind::Expression, 1);
        let mut w = FunctionBuilder::new(0);
        let handles = w.regs(3);
        let (os, matrix, arg, out) = (w.reg(), w.reg(), w.reg(), w.reg());
        for (i, name) in ["linux", "windows", "macos"].iter().enumerate() {
            text(m, &mut w, os, name);
            object(m, &mut w, matrix, &[("os", os)]);
            object(m, &mut w, arg, &[("matrix", matrix)]);
            w.emit(Op::Spawn { dst: handles.offset(i as u16).unwrap(), func: job, arg });
        }
        let joined: Vec<Reg> = (0..3).map(|i| handles.offset(i).unwrap()).collect();
        for h in &joined {
            w.emit(Op::Join { dst: *h, fiber: *h });
        }
        array(&mut w, out, &joined);
        w.emit(Op::Return { src: out });
        m.function("workflow", FunctionKind::Workflow, w).unwrap();

        let mut p = FunctionBuilder::new(1);
        let t = p.reg();
        path(m, &mut p, t, Reg(0), &["stdout"]);
        p.emit(Op::CallBuiltin { dst: t, builtin: w3_isa::Builtin::FromJson.id(), first: t, argc: w3_isa::Imm8(1) });
        p.emit(Op::Return { src: t });
        m.define(parse, p).unwrap();

        let mut f = FunctionBuilder::new(1);
        let (os, cmd, req, res, pair, t, ok) = (f.reg(), f.reg(), f.reg(), f.reg(), f.regs(2), f.reg(), f.reg());
        context(m, &mut f, os, &["matrix", "os"]);
        let build = m.string("build");
        f.emit(Op::StepBegin { step: build });
        f.emit(Op::SetEnv { name: m.string("OS"), value: os });
        let parts = f.regs(2);
        text(m, &mut f, parts, "uname ");
        f.emit(Op::Move { dst: parts.offset(1).unwrap(), src: os });
        f.emit(Op::Concat { dst: cmd, first: parts, count: w3_isa::Imm16(2) });
        let env = f.reg();
        context(m, &mut f, env, &["env"]);
        object(m, &mut f, req, &[("cmd", cmd), ("env", env)]);
        f.emit(Op::HostCall { dst: res, kind: w3_isa::HostKind::Shell.id(), arg: req });
        f.emit(Op::TryCall { dst: pair, func: parse, first: res, argc: w3_isa::Imm8(1) });
        f.emit(Op::SetOutput { name: m.string("parsed"), value: pair });
        f.emit(Op::SetOutput { name: m.string("error"), value: pair.offset(1).unwrap() });
        text(m, &mut f, ok, "success");
        f.emit(Op::StepEnd { step: build, outcome: ok, conclusion: ok });
        object(m, &mut f, req, &[("message", cmd)]);
        f.emit(Op::HostCall { dst: res, kind: w3_isa::HostKind::Log.id(), arg: req });
        context(m, &mut f, t, &["steps", "build", "outputs"]);
        f.emit(Op::Return { src: t });
        m.define(job, f).unwrap();
    })
}

/// Returns the host the sample workflow runs with.
pub fn sample_host() -> w3_vm::testing::ScriptedHost {
    ScriptedHost::new().shell("uname linux", 0, r#"{"kernel": "Linux"}"#).shell("uname windows", 1, "not json").shell(
        "uname macos",
        0,
        "[1, 2]",
    )
}

/// Returns `bytes` as lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
