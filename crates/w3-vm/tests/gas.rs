//! Gas: blocks charged when control reaches them, per-byte charges, the deterministic
//! out-of-gas point, host gas, and running without metering.

mod common;

use common::{contexts, expr_module, module, run_with};
use w3_isa::{FuncId, FunctionBuilder, FunctionKind, Imm16, Imm8, Op};
use w3_vm::testing::ScriptedHost;
use w3_vm::{Config, Fault, Vm};

/// A loop that grows a string until it is as long as `n` x's: block 1 sets up (6 gas), block
/// 2 is the body (`Nop`, `Concat`, `Lt`, `JumpIfTrue`: 9 gas), block 3 returns (4 gas).
fn counting_loop(n: usize) -> std::sync::Arc<w3_isa::VerifiedModule> {
    expr_module(|m, f| {
        let (limit, parts, cond) = (f.reg(), f.regs(2), f.reg());
        let (i, step) = (parts, parts.offset(1).unwrap());
        let top = f.label();
        f.emit(Op::LoadConst { dst: limit, k: m.string_constant(&"x".repeat(n)) });
        f.emit(Op::LoadConst { dst: i, k: m.string_constant("") });
        f.emit(Op::LoadConst { dst: step, k: m.string_constant("x") });
        f.bind(top);
        f.emit(Op::Nop {});
        f.emit(Op::Concat { dst: i, first: parts, count: Imm16(2) });
        f.emit(Op::Lt { dst: cond, a: i, b: limit });
        f.jump_if_true(cond, top);
        i
    })
}

/// A loop that never ends.
fn endless() -> std::sync::Arc<w3_isa::VerifiedModule> {
    expr_module(|_, f| {
        let (top, r) = (f.label(), f.reg());
        f.bind(top);
        f.emit(Op::Nop {});
        f.jump(top);
        r
    })
}

#[test]
fn blocks_are_charged_when_reached() {
    let m = counting_loop(3);
    let blocks: Vec<u64> = m.functions()[0].blocks().iter().map(|b| b.gas).collect();
    assert_eq!(blocks.len(), 3);
    let outcome = run_with(&m, contexts("{}"), Config::default()).unwrap();
    // The loop body runs three times; Concat makes strings of 1, 2 and 3 bytes; Lt reads them
    // and the 3-byte limit.
    assert_eq!(outcome.gas_used, blocks[0] + 3 * blocks[1] + blocks[2] + (1 + 2 + 3) + (4 + 5 + 6));
    assert_eq!(outcome.result, w3_value::Value::from("xxx"));
}

#[test]
fn per_byte_ops_charge_for_what_they_read_and_make() {
    let m = expr_module(|m, f| {
        let parts = f.regs(2);
        f.emit(Op::LoadConst { dst: parts, k: m.string_constant("abcdef") });
        f.emit(Op::LoadConst { dst: parts.offset(1).unwrap(), k: m.string_constant("ghij") });
        f.emit(Op::Concat { dst: parts, first: parts, count: Imm16(2) });
        f.emit(Op::Eq { dst: parts.offset(1).unwrap(), a: parts, b: parts });
        parts
    });
    let outcome = run_with(&m, contexts("{}"), Config::default()).unwrap();
    let static_gas: u64 = m.functions()[0].blocks().iter().map(|b| b.gas).sum();
    assert_eq!(outcome.gas_used, static_gas + 10 + 20);
}

#[test]
fn running_out_of_gas_stops_at_a_block_head_deterministically() {
    let m = endless();
    let run = |limit: u64| {
        let mut vm = Vm::with_entry(m.clone(), FuncId(0), contexts("{}"), Config::with_gas(limit)).unwrap();
        let error = vm.run().unwrap_err();
        (error, vm.gas_used(), vm.state_hash())
    };
    let (error, used, hash) = run(1_000);
    assert_eq!(error.fault, Fault::OutOfGas { limit: 1_000 });
    assert_eq!(used, 1_000);
    let at = error.at.clone().unwrap();
    let leaders: Vec<u32> = m.functions()[0].blocks().iter().map(|b| b.start).collect();
    assert!(leaders.contains(&at.offset), "{at}");
    assert_eq!(run(1_000), (error.clone(), used, hash), "the same limit fails at the same point");
    let mut vm = Vm::with_entry(m.clone(), FuncId(0), contexts("{}"), Config::with_gas(1_000)).unwrap();
    let _ = vm.run();
    assert_eq!(vm.run().unwrap_err(), error, "a failed run keeps failing the same way");
}

#[test]
fn every_out_of_gas_point_is_the_head_of_the_block_reached() {
    // main: b0 `JumpIfFalse` (not taken, falls through) | b1 `Call helper` | helper's only
    // block | b2 `Jump` | (b3, never run) | b4 `Return`. Control reaches each block by a
    // different way: entry, fall-through after a jump, call, return, jump.
    let m = module(|m| {
        let helper = m.declare("helper", FunctionKind::Expression, 1);
        let mut f = FunctionBuilder::new(0);
        let (cond, out, end, skip) = (f.reg(), f.reg(), f.label(), f.label());
        f.emit(Op::LoadBool { dst: cond, value: Imm8(1) });
        f.jump_if_false(cond, skip);
        f.emit(Op::Call { dst: out, func: helper, first: cond, argc: Imm8(1) });
        f.jump(end);
        f.bind(skip);
        f.emit(Op::Nop {});
        f.bind(end);
        f.emit(Op::Return { src: out });
        m.function("main", FunctionKind::Expression, f).unwrap();
        let mut h = FunctionBuilder::new(1);
        h.emit(Op::Not { dst: w3_isa::Reg(0), a: w3_isa::Reg(0) });
        h.emit(Op::Return { src: w3_isa::Reg(0) });
        m.define(helper, h).unwrap();
    });
    let (helper, main) = (&m.functions()[0], &m.functions()[1]);
    let (mb, hb) = (main.blocks(), helper.blocks());
    assert_eq!((mb.len(), hb.len()), (5, 1));
    let path = [(1, &mb[0]), (1, &mb[1]), (0, &hb[0]), (1, &mb[2]), (1, &mb[4])];
    let total: u64 = path.iter().map(|(_, b)| b.gas).sum();
    let mut reached = 0;
    for limit in 0..total {
        let mut vm = Vm::with_entry(m.clone(), FuncId(1), contexts("{}"), Config::with_gas(limit)).unwrap();
        let error = vm.run().unwrap_err();
        assert_eq!((error.fault, vm.gas_used()), (Fault::OutOfGas { limit }, limit));
        while path[..=reached].iter().map(|(_, b)| b.gas).sum::<u64>() <= limit {
            reached += 1;
        }
        let (function, block) = path[reached];
        let at = error.at.unwrap();
        assert_eq!((at.function, at.offset), (function, block.start), "limit {limit}");
    }
    let outcome = run_with(&m, contexts("{}"), Config::with_gas(total)).unwrap();
    assert_eq!((outcome.gas_used, outcome.result), (total, w3_value::Value::Bool(false)));
}

#[test]
fn metering_can_be_switched_off() {
    let m = counting_loop(3);
    let config = Config { metering: false, gas_limit: 1, ..Config::default() };
    let outcome = run_with(&m, contexts("{}"), config).unwrap();
    assert_eq!((outcome.gas_used, outcome.result), (0, w3_value::Value::from("xxx")));
}

#[test]
fn host_gas_counts_towards_the_limit() {
    let m = expr_module(|m, f| {
        let (req, res) = (f.reg(), f.reg());
        f.emit(Op::LoadNull { dst: req });
        f.emit(Op::HostCall { dst: res, kind: w3_isa::HostKind::Now.id(), arg: req });
        let _ = m;
        res
    });
    let mut vm = Vm::with_entry(m.clone(), FuncId(0), contexts("{}"), Config::default()).unwrap();
    let outcome = ScriptedHost::new().drive(&mut vm).unwrap();
    let now = w3_host_api::HostGasSchedule::v1().total(
        &w3_host_api::HostCall::Now,
        &w3_host_api::HostResult::Time { unix_ms: 0 },
        0,
    );
    assert_eq!(outcome.host_gas, now);
    let vm_gas: u64 = m.functions()[0].blocks().iter().map(|b| b.gas).sum();
    assert_eq!(outcome.gas_used, now + vm_gas);
    let unmetered = Config { metering: false, gas_limit: 1, ..Config::default() };
    let mut vm = Vm::with_entry(m.clone(), FuncId(0), contexts("{}"), unmetered).unwrap();
    assert_eq!(ScriptedHost::new().drive(&mut vm).unwrap().gas_used, 0);
    // Enough for the VM's block, not for the host call after it.
    let limit = m.functions()[0].blocks()[0].gas + 5;
    let mut vm = Vm::with_entry(m, FuncId(0), contexts("{}"), Config::with_gas(limit)).unwrap();
    let error = ScriptedHost::new().drive(&mut vm).unwrap_err();
    assert_eq!(error.fault, Fault::OutOfGas { limit });
    assert_eq!(error.at.unwrap().offset, 3, "located at the host call");
}
