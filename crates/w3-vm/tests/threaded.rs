//! The simple instructions' handlers continue into each other (threaded dispatch): in an
//! optimized build each continuation must be a jump, never a call, or the native stack would
//! grow by a frame per instruction. These tests run long loops through every handler and
//! every slow path on a thread with a small stack: a continuation that became a call
//! overflows it and aborts the test run. Each runs twice: in a small frame, whose simple
//! instructions address registers by byte offsets, and in a frame too large for that, whose
//! handlers take register numbers.

mod common;

use common::{contexts, eval, expr_module, run_with};
use std::sync::Arc;
use w3_isa::{FunctionBuilder, ModuleBuilder, Op, Reg, VerifiedModule};
use w3_vm::{Config, Fault};

/// A stack far smaller than a frame per instruction of these loops would need.
const STACK: usize = 256 * 1024;

/// Gas enough for about a million instructions of these loops.
const GAS: u64 = 20_000_000;

/// Registers below the ones the tests use: none, or enough that the frame is too large for
/// byte offsets (more than 2,731 registers of 24 bytes).
const FRAMES: [u16; 2] = [0, 3_000];

/// Returns a module looping over `body` until its gas runs out (the loop's condition is the
/// constant `true`, so only gas ends it), with `below` registers below the ones it uses.
fn looping(below: u16, body: impl Fn(&mut ModuleBuilder, &mut FunctionBuilder, Reg) + 'static) -> Arc<VerifiedModule> {
    expr_module(move |m, f| {
        f.regs(below);
        let r = f.regs(4);
        let top = f.label();
        f.bind(top);
        body(m, f, r);
        f.emit(Op::LoadBool { dst: r.offset(3).unwrap(), value: w3_isa::Imm8(1) });
        f.jump_if_true(r.offset(3).unwrap(), top);
        r
    })
}

/// Runs `module` on a small stack until its gas runs out.
fn run_out_of_gas(module: Arc<VerifiedModule>) {
    std::thread::Builder::new()
        .stack_size(STACK)
        .spawn(move || {
            let config = Config { gas_limit: GAS, ..Config::default() };
            let error = run_with(&module, contexts("{}"), config).expect_err("only gas ends the loop");
            assert_eq!(error.fault, Fault::OutOfGas { limit: GAS });
        })
        .expect("thread starts")
        .join()
        .expect("the loop ran on a small stack");
}

#[test]
fn scalar_instructions_loop_without_growing_the_stack() {
    for below in FRAMES {
        run_out_of_gas(looping(below, scalar_loop));
    }
}

fn scalar_loop(m: &mut ModuleBuilder, f: &mut FunctionBuilder, r: Reg) {
    {
        let n = m.number(2.0);
        f.emit(Op::LoadConst { dst: r, k: n });
        f.emit(Op::Move { dst: r.offset(1).unwrap(), src: r });
        f.emit(Op::Not { dst: r.offset(2).unwrap(), a: r });
        f.emit(Op::Truthy { dst: r.offset(2).unwrap(), a: r.offset(1).unwrap() });
        f.emit(Op::Eq { dst: r.offset(2).unwrap(), a: r, b: r.offset(1).unwrap() });
        f.emit(Op::Lt { dst: r.offset(2).unwrap(), a: r, b: r.offset(1).unwrap() });
        f.emit(Op::TypeOf { dst: r.offset(2).unwrap(), a: r });
        f.emit(Op::LoadNull { dst: r.offset(1).unwrap() });
        f.emit(Op::Nop {});
        let skip = f.label();
        f.jump_if_false(r.offset(2).unwrap(), skip);
        f.bind(skip);
        let over = f.label();
        f.jump(over);
        f.bind(over);
    }
}

#[test]
fn slow_paths_loop_without_growing_the_stack() {
    for below in FRAMES {
        run_out_of_gas(looping(below, slow_loop));
    }
}

fn slow_loop(m: &mut ModuleBuilder, f: &mut FunctionBuilder, r: Reg) {
    {
        let s = m.string_constant("a string");
        // A string loaded over a scalar, moved over a scalar and over itself, a boolean
        // written over a string, strings compared.
        f.emit(Op::LoadConst { dst: r, k: s });
        f.emit(Op::Move { dst: r.offset(1).unwrap(), src: r });
        f.emit(Op::Move { dst: r.offset(1).unwrap(), src: r.offset(1).unwrap() });
        f.emit(Op::Eq { dst: r.offset(2).unwrap(), a: r, b: r.offset(1).unwrap() });
        f.emit(Op::Ge { dst: r.offset(2).unwrap(), a: r, b: r.offset(1).unwrap() });
        f.emit(Op::Not { dst: r.offset(1).unwrap(), a: r });
        f.emit(Op::LoadBool { dst: r, value: w3_isa::Imm8(0) });
        f.emit(Op::LoadConst { dst: r.offset(2).unwrap(), k: s });
        let skip = f.label();
        f.jump_if_false(r.offset(2).unwrap(), skip);
        f.bind(skip);
    }
}

#[test]
fn small_and_large_frames_compute_the_same() {
    let results: Vec<_> = FRAMES
        .iter()
        .map(|&below| {
            let module = expr_module(move |m, f| {
                f.regs(below);
                let r = f.regs(8);
                let at = |n| r.offset(n).unwrap();
                let (text, two) = (m.string_constant("text"), m.number(2.0));
                f.emit(Op::LoadConst { dst: at(0), k: text });
                f.emit(Op::LoadConst { dst: at(1), k: two });
                f.emit(Op::Move { dst: at(2), src: at(0) });
                f.emit(Op::Lt { dst: at(3), a: at(0), b: at(2) });
                f.emit(Op::Not { dst: at(4), a: at(2) });
                f.emit(Op::TypeOf { dst: at(5), a: at(1) });
                f.emit(Op::Eq { dst: at(6), a: at(5), b: at(1) });
                let skip = f.label();
                f.jump_if_false(at(6), skip);
                f.emit(Op::LoadNull { dst: at(1) });
                f.bind(skip);
                f.emit(Op::Truthy { dst: at(7), a: at(0) });
                f.emit(Op::MakeArray { dst: at(0), first: at(0), count: w3_isa::Imm16(8) });
                at(0)
            });
            let compact = w3_value::JsonStyle { pretty: false, non_finite: w3_value::NonFinite::Null };
            w3_value::to_json_text(&eval(&module, "{}"), compact).unwrap()
        })
        .collect();
    assert_eq!(results[0], r#"["text",null,"text",false,false,2,true,true]"#);
    assert_eq!(results[0], results[1]);
}

#[test]
fn tests_run_the_threaded_dispatch_releases_run() {
    // The workspace builds this crate optimized in every profile; the CI's second run of these
    // tests builds it unoptimized on purpose, to test the loop, and says so.
    let loop_expected = std::env::var_os("W3_VM_LOOP_DISPATCH").is_some();
    assert_eq!(w3_vm::THREADED_DISPATCH, !loop_expected);
}
