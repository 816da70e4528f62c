//! The simple instructions' handlers continue into each other (threaded dispatch): in an
//! optimized build each continuation must be a jump, never a call, or the native stack would
//! grow by a frame per instruction. These tests run long loops through every handler and
//! every slow path on a thread with a small stack: a continuation that became a call
//! overflows it and aborts the test run.

mod common;

use common::{contexts, expr_module, run_with};
use std::sync::Arc;
use w3_isa::{FunctionBuilder, ModuleBuilder, Op, Reg, VerifiedModule};
use w3_vm::{Config, Fault};

/// A stack far smaller than a frame per instruction of these loops would need.
const STACK: usize = 256 * 1024;

/// Gas enough for about a million instructions of these loops.
const GAS: u64 = 20_000_000;

/// Returns a module looping over `body` until its gas runs out (the loop's condition is the
/// constant `true`, so only gas ends it).
fn looping(body: impl Fn(&mut ModuleBuilder, &mut FunctionBuilder, Reg) + 'static) -> Arc<VerifiedModule> {
    expr_module(move |m, f| {
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
    let module = looping(|m, f, r| {
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
    });
    run_out_of_gas(module);
}

#[test]
fn slow_paths_loop_without_growing_the_stack() {
    let module = looping(|m, f, r| {
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
    });
    run_out_of_gas(module);
}

#[test]
fn tests_run_the_threaded_dispatch_releases_run() {
    // The workspace builds this crate optimized in every profile; the CI's second run of these
    // tests builds it unoptimized on purpose, to test the loop, and says so.
    let loop_expected = std::env::var_os("W3_VM_LOOP_DISPATCH").is_some();
    assert_eq!(w3_vm::THREADED_DISPATCH, !loop_expected);
}
