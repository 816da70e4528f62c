//! Programs for measuring the interpreter, shared by the criterion benchmark
//! (`benches/dispatch.rs`) and `w3 bench vm`: one function of many instructions of one class
//! each, so time per run divided by the count is the time per instruction.

use crate::{Config, Vm};
use std::sync::Arc;
use w3_isa::{verify, Builtin, FunctionBuilder, FunctionKind, Imm16, Imm8, ModuleBuilder, Op, Reg, VerifiedModule};
use w3_value::{Object, Value};

/// Counts the instructions of the measured class per program.
pub const N: usize = 4_096;

/// Returns a module whose `main` sets up registers, then runs `n` copies of `body`'s
/// instructions (which may use the helper `f1` returning its argument) and returns.
///
/// The registers: 0 an object, 1 the number 1, 2 and 3 strings, 6 the number 1 read from the
/// object (so, unlike register 1, of a kind not known before the run: simple instructions
/// on it are not quickened, see `quicken`).
pub fn program(n: usize, body: impl Fn(&mut ModuleBuilder, &mut FunctionBuilder, &[Reg])) -> Arc<VerifiedModule> {
    let mut m = ModuleBuilder::new("bench");
    let mut f = FunctionBuilder::new(0);
    let regs: Vec<Reg> = (0..8).map(|_| f.reg()).collect();
    let object = {
        let (a, b) = (m.number(1.0), m.string_constant("two"));
        m.object(&[("alpha", a), ("beta", b), ("gamma", a), ("delta", b)])
    };
    f.emit(Op::LoadConst { dst: regs[0], k: object });
    let (one, text) = (m.number(1.0), m.string_constant("needle in a haystack"));
    f.emit(Op::LoadConst { dst: regs[1], k: one });
    f.emit(Op::LoadConst { dst: regs[2], k: text });
    f.emit(Op::LoadConst { dst: regs[3], k: m.string_constant("hay") });
    f.emit(Op::GetProp { dst: regs[6], obj: regs[0], name: m.string("alpha") });
    let helper = m.declare("identity", FunctionKind::Expression, 1);
    for _ in 0..n {
        body(&mut m, &mut f, &regs);
    }
    f.emit(Op::Return { src: regs[4] });
    m.function("main", FunctionKind::Expression, f).expect("bench program builds");
    let mut h = FunctionBuilder::new(1);
    h.emit(Op::Return { src: Reg(0) });
    m.define(helper, h).expect("bench helper builds");
    Arc::new(verify(&m.finish().expect("bench module builds")).expect("bench module verifies"))
}

/// Lists the measured classes: name and program (each runs [`N`] instructions of its class,
/// `expression` runs `N / 8` compiled `if:` expressions of 8 instructions). The classes named
/// `…_unknown` run the same instructions as the class before the `_`, on a register whose
/// kind is not known before the run, so they measure the handlers that test it.
pub fn classes() -> Vec<(&'static str, Arc<VerifiedModule>)> {
    let skip = |f: &mut FunctionBuilder, cond: Reg| {
        let next = f.label();
        f.jump_if_false(cond, next);
        f.bind(next);
    };
    vec![
        (
            "move",
            program(N, |_, f, r| {
                f.emit(Op::Move { dst: r[4], src: r[1] });
            }),
        ),
        (
            "load_const",
            program(N, |m, f, r| {
                f.emit(Op::LoadConst { dst: r[4], k: m.number(2.0) });
            }),
        ),
        (
            "not",
            program(N, |_, f, r| {
                f.emit(Op::Not { dst: r[4], a: r[1] });
            }),
        ),
        (
            "eq_number",
            program(N, |_, f, r| {
                f.emit(Op::Eq { dst: r[4], a: r[1], b: r[1] });
            }),
        ),
        (
            "move_unknown",
            program(N, |_, f, r| {
                f.emit(Op::Move { dst: r[4], src: r[6] });
            }),
        ),
        (
            "not_unknown",
            program(N, |_, f, r| {
                f.emit(Op::Not { dst: r[4], a: r[6] });
            }),
        ),
        (
            "eq_unknown",
            program(N, |_, f, r| {
                f.emit(Op::Eq { dst: r[4], a: r[6], b: r[6] });
            }),
        ),
        (
            "lt_string",
            program(N, |_, f, r| {
                f.emit(Op::Lt { dst: r[4], a: r[2], b: r[3] });
            }),
        ),
        ("branch", program(N, |_, f, r| skip(f, r[1]))),
        ("branch_unknown", program(N, |_, f, r| skip(f, r[6]))),
        (
            "get_prop",
            program(N, |m, f, r| {
                f.emit(Op::GetProp { dst: r[4], obj: r[0], name: m.string("gamma") });
            }),
        ),
        (
            "concat",
            program(N, |_, f, r| {
                f.emit(Op::Concat { dst: r[4], first: r[2], count: Imm16(2) });
            }),
        ),
        (
            "call",
            program(N, |_, f, r| {
                f.emit(Op::Call { dst: r[4], func: w3_isa::FuncId(0), first: r[1], argc: Imm8(1) });
            }),
        ),
        (
            "expression",
            program(N / 8, |m, f, r| {
                // `github.event_name == 'push' && !cancelled()`, as the compiler lowers it.
                let next = f.label();
                f.emit(Op::LoadContext { dst: r[4], name: m.string("github") });
                f.emit(Op::GetProp { dst: r[4], obj: r[4], name: m.string("event_name") });
                f.emit(Op::LoadConst { dst: r[5], k: m.string_constant("push") });
                f.emit(Op::Eq { dst: r[4], a: r[4], b: r[5] });
                f.jump_if_false(r[4], next);
                f.emit(Op::Status { dst: r[4], kind: w3_isa::StatusKind::Cancelled.id() });
                f.emit(Op::Not { dst: r[4], a: r[4] });
                f.bind(next);
                f.emit(Op::Truthy { dst: r[4], a: r[4] });
            }),
        ),
        (
            "contains",
            program(N, |_, f, r| {
                f.emit(Op::CallBuiltin { dst: r[4], builtin: Builtin::Contains.id(), first: r[2], argc: Imm8(2) });
            }),
        ),
    ]
}

/// Returns a run of `module`'s `main` with a small `github` context, metered or not.
pub fn start(module: &Arc<VerifiedModule>, metering: bool) -> Vm {
    let config = Config { metering, ..Config::default() };
    let main = module.module().function_named("main").expect("bench programs have main");
    let github: Object = [("event_name", Value::from("push")), ("sha", Value::from("0123abcd"))].into_iter().collect();
    let contexts: Object = [("github", Value::Object(github))].into_iter().collect();
    Vm::with_entry(module.clone(), main, contexts, config).expect("bench programs load")
}
