//! Jumps, calls, `TryCall`, returns, `Halt` and `Fail`; call depth and register limits.

mod common;

use common::{contexts, eval, eval_error, expr_module, module, run_with};
use w3_isa::{Builtin, FuncId, FunctionBuilder, FunctionKind, Imm8, ModuleBuilder, Op, Reg};
use w3_value::Value;
use w3_vm::{Config, Fault, Limits, Status};

#[test]
fn jumps_follow_truthiness() {
    let m = expr_module(|m, f| {
        let (cond, out) = (f.reg(), f.reg());
        let (yes, end) = (f.label(), f.label());
        f.emit(Op::LoadConst { dst: cond, k: m.string_constant("") });
        f.jump_if_true(cond, yes);
        f.emit(Op::LoadConst { dst: out, k: m.string_constant("empty is falsy") });
        f.jump_if_false(cond, end);
        f.bind(yes);
        f.emit(Op::LoadNull { dst: out });
        f.bind(end);
        out
    });
    assert_eq!(eval(&m, "{}"), Value::from("empty is falsy"));
}

/// Defines `double(x) = [x, x]` as function 1 and returns its id.
fn double(m: &mut ModuleBuilder) -> FuncId {
    let mut g = FunctionBuilder::new(1);
    let pair = g.regs(2);
    g.emit(Op::Move { dst: pair, src: Reg(0) });
    g.emit(Op::Move { dst: pair.offset(1).unwrap(), src: Reg(0) });
    g.emit(Op::MakeArray { dst: Reg(0), first: pair, count: w3_isa::Imm16(2) });
    g.emit(Op::Return { src: Reg(0) });
    m.function("double", FunctionKind::Expression, g).unwrap()
}

#[test]
fn calls_pass_copies_and_return_into_dst() {
    let m = module(|m| {
        let mut f = FunctionBuilder::new(0);
        let arg = f.reg();
        let k = m.number(7.0);
        let callee = m.declare("double", FunctionKind::Expression, 1);
        f.emit(Op::LoadConst { dst: arg, k });
        f.emit(Op::Call { dst: arg, func: callee, first: arg, argc: Imm8(1) });
        f.emit(Op::Call { dst: arg, func: callee, first: arg, argc: Imm8(1) });
        f.emit(Op::Return { src: arg });
        m.function("main", FunctionKind::Expression, f).unwrap();
        let mut g = FunctionBuilder::new(1);
        let pair = g.regs(2);
        g.emit(Op::Move { dst: pair, src: Reg(0) });
        g.emit(Op::Move { dst: pair.offset(1).unwrap(), src: Reg(0) });
        g.emit(Op::MakeArray { dst: Reg(0), first: pair, count: w3_isa::Imm16(2) });
        g.emit(Op::Return { src: Reg(0) });
        m.define(callee, g).unwrap();
    });
    assert_eq!(common::json(&eval(&m, "{}")), "[[7,7],[7,7]]");
}

/// Builds `main` calling function `risky` with `TryCall`, returning `[result, error]`.
fn try_module(risky: impl FnOnce(&mut ModuleBuilder, &mut FunctionBuilder)) -> std::sync::Arc<w3_isa::VerifiedModule> {
    module(|m| {
        let callee = m.declare("risky", FunctionKind::Expression, 0);
        let mut f = FunctionBuilder::new(0);
        let pair = f.regs(2);
        f.emit(Op::TryCall { dst: pair, func: callee, first: pair, argc: Imm8(0) });
        f.emit(Op::MakeArray { dst: pair, first: pair, count: w3_isa::Imm16(2) });
        f.emit(Op::Return { src: pair });
        m.function("main", FunctionKind::Expression, f).unwrap();
        let mut g = FunctionBuilder::new(0);
        risky(m, &mut g);
        m.define(callee, g).unwrap();
        double(m);
    })
}

#[test]
fn try_call_returns_a_result_and_null() {
    let m = try_module(|m, g| {
        let r = g.reg();
        g.emit(Op::LoadConst { dst: r, k: m.number(1.0) });
        g.emit(Op::Return { src: r });
    });
    assert_eq!(common::json(&eval(&m, "{}")), "[1,null]");
}

#[test]
fn try_call_catches_runtime_errors_below_it() {
    let m = try_module(|m, g| {
        let r = g.reg();
        let nested = m.declare("nested", FunctionKind::Expression, 0);
        g.emit(Op::Call { dst: r, func: nested, first: r, argc: Imm8(0) });
        g.emit(Op::Return { src: r });
        let mut h = FunctionBuilder::new(0);
        let t = h.reg();
        h.emit(Op::LoadConst { dst: t, k: m.string_constant("not json") });
        h.emit(Op::CallBuiltin { dst: t, builtin: Builtin::FromJson.id(), first: t, argc: Imm8(1) });
        h.emit(Op::Return { src: t });
        m.define(nested, h).unwrap();
    });
    let value = eval(&m, "{}");
    let items = value.as_array().unwrap();
    assert_eq!(items.get(0), Some(&Value::Null));
    let message = items.get(1).unwrap().as_str().unwrap();
    assert!(message.starts_with("in `nested` (f2) at 0007: Error parsing JSON"), "{message}");
}

#[test]
fn fail_ends_the_fiber_with_its_message() {
    let m = expr_module(|m, f| {
        let r = f.reg();
        f.emit(Op::Fail { msg: m.string("the needed job failed") });
        r
    });
    let error = eval_error(&m, "{}");
    assert_eq!(error.fault, Fault::Fail("the needed job failed".into()));
    let caught = try_module(|m, g| {
        g.emit(Op::Fail { msg: m.string("boom") });
    });
    let value = eval(&caught, "{}");
    assert!(value.as_array().unwrap().get(1).unwrap().as_str().unwrap().ends_with(": boom"));
}

#[test]
fn halt_ends_the_fiber_from_any_depth() {
    let m = module(|m| {
        let callee = m.declare("stop", FunctionKind::Expression, 0);
        let mut f = FunctionBuilder::new(0);
        let r = f.reg();
        f.emit(Op::Call { dst: r, func: callee, first: r, argc: Imm8(0) });
        f.emit(Op::Fail { msg: m.string("unreachable") });
        m.function("main", FunctionKind::Expression, f).unwrap();
        let mut g = FunctionBuilder::new(0);
        g.emit(Op::Halt {});
        m.define(callee, g).unwrap();
    });
    let outcome = run_with(&m, contexts("{}"), Config::default()).unwrap();
    assert_eq!((outcome.status, outcome.result.clone()), (Status::Success, Value::Null));
    assert_eq!(outcome.fibers[0].error, None);
}

fn recursive() -> std::sync::Arc<w3_isa::VerifiedModule> {
    module(|m| {
        let me = m.declare("loop", FunctionKind::Expression, 0);
        let mut f = FunctionBuilder::new(0);
        let r = f.regs(4);
        f.emit(Op::Call { dst: r, func: me, first: r, argc: Imm8(0) });
        f.emit(Op::Return { src: r });
        m.define(me, f).unwrap();
    })
}

#[test]
fn call_depth_is_limited_and_not_caught() {
    let outcome = run_with(&recursive(), contexts("{}"), Config::default()).unwrap();
    assert_eq!(outcome.status, Status::Failure);
    let error = outcome.fibers[0].error.clone().unwrap();
    assert_eq!(error.fault, Fault::CallDepth { limit: 256 });
    assert!(!error.fault.is_catchable());
}

#[test]
fn registers_are_limited() {
    let limits = Limits { max_stack_slots: 40, ..Limits::default() };
    let outcome = run_with(&recursive(), contexts("{}"), Config { limits, ..Config::default() }).unwrap();
    assert_eq!(outcome.fibers[0].error.clone().unwrap().fault, Fault::Stack { limit: 40 });
}
