//! Limits: the run's memory, value size and depth, fibers. Each is a clean, typed error.

mod common;

use common::{contexts, expr_module, module, run_with};
use w3_isa::{FunctionBuilder, FunctionKind, Imm16, Op};
use w3_vm::{Config, Fault, Limits, Status, Vm};

fn config(limits: Limits) -> Config {
    Config { limits, ..Config::default() }
}

/// A loop that doubles a string until something stops it.
fn doubling() -> std::sync::Arc<w3_isa::VerifiedModule> {
    expr_module(|m, f| {
        let s = f.regs(2);
        let top = f.label();
        f.emit(Op::LoadConst { dst: s, k: m.string_constant("ab") });
        f.bind(top);
        f.emit(Op::Move { dst: s.offset(1).unwrap(), src: s });
        f.emit(Op::Concat { dst: s, first: s, count: Imm16(2) });
        f.jump(top);
        s
    })
}

#[test]
fn values_are_limited_in_size() {
    let outcome = run_with(&doubling(), contexts("{}"), Config::default()).unwrap();
    let error = outcome.fibers[0].error.clone().unwrap();
    assert_eq!(error.fault, Fault::ValueTooLarge { limit: 1 << 20 });
    assert!(error.fault.is_catchable());
}

#[test]
fn the_run_memory_is_limited() {
    let limits = Limits { max_memory: 100_000, ..Limits::default() };
    let mut vm = Vm::with_entry(doubling(), w3_isa::FuncId(0), contexts("{}"), config(limits)).unwrap();
    let error = vm.run().unwrap_err();
    assert_eq!(error.fault, Fault::Memory { limit: 100_000 });
    assert!(error.fault.is_fatal());
    assert!(vm.memory_held() > 100_000);
}

#[test]
fn memory_is_released_when_registers_are_overwritten() {
    let m = expr_module(|m, f| {
        let (s, t) = (f.regs(2), f.reg());
        let k = m.string_constant(&"x".repeat(1000));
        for _ in 0..100 {
            f.emit(Op::LoadConst { dst: s, k });
            f.emit(Op::LoadConst { dst: s.offset(1).unwrap(), k });
            f.emit(Op::Concat { dst: t, first: s, count: Imm16(2) });
        }
        f.emit(Op::LoadNull { dst: s });
        f.emit(Op::LoadNull { dst: s.offset(1).unwrap() });
        t
    });
    let limits = Limits { max_memory: 10_000, ..Limits::default() };
    let mut vm = Vm::with_entry(m, w3_isa::FuncId(0), contexts("{}"), config(limits)).unwrap();
    assert!(matches!(vm.run(), Ok(w3_vm::RunState::Finished(_))));
    assert_eq!(vm.memory_held(), 2_000, "only the result is still held");
}

#[test]
fn values_are_limited_in_depth() {
    let m = expr_module(|_, f| {
        let r = f.reg();
        let top = f.label();
        f.emit(Op::LoadNull { dst: r });
        f.bind(top);
        f.emit(Op::MakeArray { dst: r, first: r, count: Imm16(1) });
        f.jump(top);
        r
    });
    let limits = Limits { max_value_depth: 40, ..Limits::default() };
    let outcome = run_with(&m, contexts("{}"), config(limits)).unwrap();
    assert_eq!(outcome.fibers[0].error.clone().unwrap().fault, Fault::ValueTooDeep { limit: 40 });
}

#[test]
fn deep_contexts_are_refused() {
    let deep = format!("{{\"a\": {}1{}}}", "[".repeat(30), "]".repeat(30));
    let m = doubling();
    let limits = Limits { max_value_depth: 20, ..Limits::default() };
    let refused = Vm::with_entry(m, w3_isa::FuncId(0), contexts(&deep), config(limits));
    assert_eq!(refused.err(), Some(w3_vm::LoadError::ContextTooDeep("a".into())));
}

#[test]
fn fibers_are_limited() {
    let m = module(|m| {
        let job = m.declare("job", FunctionKind::Job, 1);
        let mut f = FunctionBuilder::new(0);
        let (h, top) = (f.reg(), f.label());
        f.bind(top);
        f.emit(Op::Spawn { dst: h, func: job, arg: h });
        f.jump(top);
        m.function("workflow", FunctionKind::Workflow, f).unwrap();
        let mut g = FunctionBuilder::new(1);
        g.emit(Op::Return { src: g.param(0) });
        m.define(job, g).unwrap();
    });
    let limits = Limits { max_fibers: 5, ..Limits::default() };
    let mut vm = Vm::new(m, contexts("{}"), config(limits)).unwrap();
    let outcome = w3_vm::testing::ScriptedHost::new().drive(&mut vm).unwrap();
    assert_eq!(outcome.fibers.len(), 5);
    assert_eq!(outcome.fibers[0].error.clone().unwrap().fault, Fault::Fibers { limit: 5 });
    assert!(outcome.fibers[1..].iter().all(|f| f.status == Status::Success));
    assert_eq!(outcome.status, Status::Failure);
}

#[test]
fn contexts_per_fiber_are_limited() {
    let m = module(|m| {
        let job = m.declare("job", FunctionKind::Job, 1);
        let mut f = FunctionBuilder::new(0);
        let (pairs, arg) = (f.regs(140), f.reg());
        for i in 0..70u16 {
            let key = m.string_constant(&format!("c{i}"));
            f.emit(Op::LoadConst { dst: pairs.offset(2 * i).unwrap(), k: key });
        }
        f.emit(Op::MakeObject { dst: arg, first: pairs, count: Imm16(70) });
        f.emit(Op::Spawn { dst: arg, func: job, arg });
        f.emit(Op::Return { src: arg });
        m.function("workflow", FunctionKind::Workflow, f).unwrap();
        let mut g = FunctionBuilder::new(1);
        g.emit(Op::Return { src: g.param(0) });
        m.define(job, g).unwrap();
    });
    let mut vm = Vm::new(m, contexts("{}"), Config::default()).unwrap();
    let outcome = w3_vm::testing::ScriptedHost::new().drive(&mut vm).unwrap();
    assert_eq!(outcome.fibers[0].error.clone().unwrap().fault, Fault::Contexts { limit: 64 });
}
