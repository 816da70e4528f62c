//! Builds the sample modules that the golden and property tests share, the way the compiler
//! will: with `ModuleBuilder` and `FunctionBuilder`.

#![allow(dead_code)]

use w3_isa::{
    Builtin, FunctionBuilder, FunctionKind, HostKind, Imm16, Imm8, Module, ModuleBuilder, Op, SourceSpan, StatusKind,
    StrId, Target,
};

/// Holds one sample: a name, the module, and the source files its debug map points into.
pub struct Case {
    pub name: &'static str,
    pub module: Module,
    pub sources: Vec<(&'static str, &'static str)>,
}

pub const WORKFLOW: &str = "\
name: ci
on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - if: github.event_name == 'push' && !cancelled()
        run: echo ${{ matrix.os }}-${{ format('{0}', github.sha) }}
";

fn span(file: StrId, line: u32, col: u32, len: u32) -> SourceSpan {
    SourceSpan { file, line, col, end_line: line, end_col: col + len }
}

/// Returns every sample, each verifying except `invalid`.
pub fn cases() -> Vec<Case> {
    vec![
        Case { name: "if_expression", module: if_expression(), sources: vec![("ci.yml", WORKFLOW)] },
        Case { name: "template", module: template(), sources: vec![("ci.yml", WORKFLOW)] },
        Case { name: "step_host_call", module: step_host_call(), sources: vec![("ci.yml", WORKFLOW)] },
        Case { name: "workflow_fibers", module: workflow_fibers(), sources: vec![] },
        Case { name: "constants", module: constants(), sources: vec![] },
        Case { name: "invalid", module: invalid(), sources: vec![] },
    ]
}

/// Compiles `github.event_name == 'push' && !cancelled()` with the implicit `success() &&`.
pub fn if_expression() -> Module {
    let mut m = ModuleBuilder::new("w3-isa tests");
    let file = m.string("ci.yml");
    let (github, event_name) = (m.string("github"), m.string("event_name"));
    let push = m.string_constant("push");
    let mut f = FunctionBuilder::new(0);
    let (r, k, out) = (f.reg(), f.reg(), f.reg());
    let done = f.label();
    f.set_span(span(file, 7, 13, 46));
    f.emit(Op::Status { dst: out, kind: StatusKind::Success.id() });
    f.jump_if_false(out, done);
    f.set_span(span(file, 7, 13, 26));
    f.emit(Op::LoadContext { dst: r, name: github });
    f.emit(Op::GetProp { dst: r, obj: r, name: event_name });
    f.emit(Op::LoadConst { dst: k, k: push });
    f.emit(Op::Eq { dst: out, a: r, b: k });
    f.jump_if_false(out, done);
    f.set_span(span(file, 7, 43, 12));
    f.emit(Op::Status { dst: r, kind: StatusKind::Cancelled.id() });
    f.emit(Op::Not { dst: out, a: r });
    f.bind(done);
    f.emit(Op::Truthy { dst: out, a: out });
    f.emit(Op::Return { src: out });
    m.function("build.step0.if", FunctionKind::Expression, f).unwrap();
    m.finish().unwrap()
}

/// Compiles `echo ${{ matrix.os }}-${{ format('{0}', github.sha) }}`.
pub fn template() -> Module {
    let mut m = ModuleBuilder::new("w3-isa tests");
    let file = m.string("ci.yml");
    let (matrix, os, github, sha) = (m.string("matrix"), m.string("os"), m.string("github"), m.string("sha"));
    let (echo, dash, fmt) = (m.string_constant("echo "), m.string_constant("-"), m.string_constant("{0}"));
    let mut f = FunctionBuilder::new(0);
    let parts = f.regs(4);
    let p = |i: u16| parts.offset(i).unwrap();
    f.set_span(span(file, 8, 14, 5));
    f.emit(Op::LoadConst { dst: p(0), k: echo });
    f.set_span(span(file, 8, 23, 9));
    f.emit(Op::LoadContext { dst: p(1), name: matrix });
    f.emit(Op::GetProp { dst: p(1), obj: p(1), name: os });
    f.emit(Op::LoadConst { dst: p(2), k: dash });
    f.set_span(span(file, 8, 39, 25));
    let args = f.regs(2);
    let arg = |i: u16| args.offset(i).unwrap();
    f.emit(Op::LoadConst { dst: arg(0), k: fmt });
    f.emit(Op::LoadContext { dst: arg(1), name: github });
    f.emit(Op::GetProp { dst: arg(1), obj: arg(1), name: sha });
    f.emit(Op::CallBuiltin { dst: p(3), builtin: Builtin::Format.id(), first: args, argc: Imm8(2) });
    f.emit(Op::Concat { dst: p(0), first: parts, count: Imm16(4) });
    f.emit(Op::Return { src: p(0) });
    m.function("build.step0.run", FunctionKind::Expression, f).unwrap();
    m.finish().unwrap()
}

/// Compiles a `run:` step: its `if:` call, env, the shell host call, outcome and output.
pub fn step_host_call() -> Module {
    let mut m = ModuleBuilder::new("w3-isa tests");
    let file = m.string("ci.yml");
    let cond = m.declare("build.step0.if", FunctionKind::Expression, 0);
    let mut c = FunctionBuilder::new(0);
    let r = c.reg();
    c.emit(Op::Status { dst: r, kind: StatusKind::Success.id() });
    c.emit(Op::Return { src: r });
    m.define(cond, c).unwrap();
    let (script_key, exit_code, greeting) = (m.string("script"), m.string("exitCode"), m.string("GREETING"));
    let (script, hello) = (m.string_constant("echo hi"), m.string_constant("hello"));
    let (success, failure, skipped) =
        (m.string_constant("success"), m.string_constant("failure"), m.string_constant("skipped"));
    let zero = m.number(0.0);
    let mut f = FunctionBuilder::new(0);
    let (req, res, outcome, tmp) = (f.reg(), f.reg(), f.reg(), f.reg());
    let (skip, end) = (f.label(), f.label());
    let step_id = m.string("greet");
    f.emit(Op::StepBegin { step: step_id });
    f.set_span(span(file, 7, 13, 46));
    // A failing `if:` fails the step, not the run: call it with TryCall.
    let (ok, error) = (f.regs(2), f.reg());
    let (evaluated, failed) = (f.label(), f.label());
    f.emit(Op::TryCall { dst: ok, func: cond, first: ok, argc: Imm8(0) });
    f.emit(Op::Move { dst: error, src: ok.offset(1).unwrap() });
    f.jump_if_false(error, evaluated);
    f.emit(Op::LoadConst { dst: outcome, k: failure });
    f.jump(failed);
    f.bind(evaluated);
    f.jump_if_false(ok, skip);
    f.set_span(span(file, 8, 14, 50));
    f.emit(Op::LoadConst { dst: tmp, k: hello });
    f.emit(Op::SetEnv { name: greeting, value: tmp });
    let pair = f.regs(2);
    f.emit(Op::LoadConst { dst: pair, k: m.string_constant("script") });
    f.emit(Op::LoadConst { dst: pair.offset(1).unwrap(), k: script });
    f.emit(Op::MakeObject { dst: req, first: pair, count: Imm16(1) });
    f.emit(Op::HostCall { dst: res, kind: HostKind::Shell.id(), arg: req });
    f.emit(Op::GetProp { dst: tmp, obj: res, name: exit_code });
    f.emit(Op::LoadConst { dst: outcome, k: zero });
    f.emit(Op::Eq { dst: tmp, a: tmp, b: outcome });
    f.emit(Op::LoadConst { dst: outcome, k: success });
    let fine = f.label();
    f.jump_if_true(tmp, fine);
    f.emit(Op::LoadConst { dst: outcome, k: failure });
    f.bind(fine);
    f.emit(Op::SetOutput { name: script_key, value: outcome });
    f.jump(end);
    f.bind(skip);
    f.emit(Op::LoadConst { dst: outcome, k: skipped });
    f.bind(end);
    f.bind(failed);
    f.emit(Op::StepEnd { step: step_id, outcome, conclusion: outcome });
    f.emit(Op::Return { src: outcome });
    m.function("build.step0", FunctionKind::Step, f).unwrap();
    m.finish().unwrap()
}

/// Compiles a workflow that starts two jobs as fibers; `test` waits for `build`.
pub fn workflow_fibers() -> Module {
    let mut m = ModuleBuilder::new("w3-isa tests");
    let build = m.declare("build", FunctionKind::Job, 1);
    let test = m.declare("test", FunctionKind::Job, 1);
    let needs = m.string("build");
    let mut w = FunctionBuilder::new(0);
    let (handle, args, result) = (w.reg(), w.regs(2), w.reg());
    w.emit(Op::LoadNull { dst: args });
    w.emit(Op::Spawn { dst: handle, func: build, arg: args });
    w.emit(Op::LoadConst { dst: args, k: m.string_constant("build") });
    w.emit(Op::Move { dst: args.offset(1).unwrap(), src: handle });
    w.emit(Op::MakeObject { dst: result, first: args, count: Imm16(1) });
    w.emit(Op::Spawn { dst: handle, func: test, arg: result });
    w.emit(Op::Join { dst: result, fiber: handle });
    w.emit(Op::Halt {});
    m.function("workflow", FunctionKind::Workflow, w).unwrap();

    let mut b = FunctionBuilder::new(1);
    let r = b.reg();
    let no_id = m.string("");
    b.emit(Op::StepBegin { step: no_id });
    b.emit(Op::LoadBool { dst: r, value: Imm8(1) });
    b.emit(Op::StepEnd { step: no_id, outcome: r, conclusion: r });
    b.emit(Op::Return { src: r });
    m.define(build, b).unwrap();

    let mut t = FunctionBuilder::new(1);
    let (h, done) = (t.reg(), t.reg());
    t.emit(Op::GetProp { dst: h, obj: t.param(0), name: needs });
    t.emit(Op::Join { dst: done, fiber: h });
    t.emit(Op::SetContext { name: m.string("needs"), value: done });
    t.emit(Op::Status { dst: done, kind: StatusKind::Success.id() });
    let run = t.label();
    t.jump_if_true(done, run);
    t.emit(Op::Fail { msg: m.string("needed job `build` failed") });
    t.bind(run);
    t.emit(Op::Return { src: done });
    m.define(test, t).unwrap();
    m.set_manifest(b"{\"name\":\"ci\"}".to_vec());
    m.finish().unwrap()
}

/// Returns a module whose constant pool holds every kind of constant.
pub fn constants() -> Module {
    let mut m = ModuleBuilder::new("w3-isa tests");
    let null = m.null();
    let t = m.bool(true);
    let numbers = [0.0, -0.0, 1.5, 1e21, f64::NAN, f64::INFINITY, f64::NEG_INFINITY].map(|n| m.number(n));
    let text = m.string_constant("quote \" and\nnewline");
    let list = m.array(vec![null, t, numbers[2], text]);
    let nested = m.object(&[("os", text), ("list", list), ("OS", numbers[4])]);
    let outer = m.array(vec![nested, nested]);
    let mut f = FunctionBuilder::new(0);
    let r = f.reg();
    f.emit(Op::LoadConst { dst: r, k: outer });
    f.emit(Op::Filter { dst: r, obj: r });
    f.emit(Op::Return { src: r });
    m.function("matrix", FunctionKind::Expression, f).unwrap();
    m.finish().unwrap()
}

/// Returns a module that fails verification: a jump into an instruction and a truncated op.
pub fn invalid() -> Module {
    let mut m = ModuleBuilder::new("w3-isa tests");
    let mut f = FunctionBuilder::new(0);
    let r = f.reg();
    f.emit(Op::LoadBool { dst: r, value: Imm8(1) });
    f.emit(Op::JumpIfTrue { cond: r, target: Target(1) });
    f.emit(Op::Return { src: r });
    m.function("broken", FunctionKind::Expression, f).unwrap();
    let mut module = m.finish().unwrap();
    module.functions[0].code.extend_from_slice(&[0x03, 0x00]);
    module
}
