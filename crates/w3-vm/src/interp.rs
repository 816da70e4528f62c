//! Runs one fiber: the dispatch loop.
//!
//! The loop is one function with one `match` on purpose. The current function's code, the
//! program counter and the frame's register base live in locals, so an instruction costs a
//! load, a jump-table branch and its own work, with no call and no re-reading of the frame.
//! The heavier ops call out to `ops`, `steps` and `sched`, where their cost dwarfs the call.
//! The simple instructions (charges, loads, moves, comparisons, jumps: most of what compiled
//! code runs) run in `simple`, with threaded dispatch: a handler per instruction, each ending
//! in the next one's, with its few values in machine registers, which this loop, with
//! everything its heavy instructions need alive, cannot offer. This is the one place in the
//! crate allowed to be long (see `STYLE.md`: hot paths are the exception).

use crate::error::{Fault, Location};
use crate::fiber::{Fiber, Frame, Ret, Wait};
use crate::meta::{self, clamp, shallow_bytes, Meta};
use crate::ops;
use crate::program::{Code, Inst, Program};
use crate::sched;
use crate::simple;
use crate::state::{Pending, State};
use crate::{host, steps};
use w3_host_api::HostCallKind;
use w3_isa::{Reg, StatusKind};
use w3_value::Value;

/// Says why the dispatch loop stopped.
pub(crate) enum Exit {
    /// The fiber waits for a host answer or another fiber.
    Suspended,
    /// The fiber's entry function returned this value (or `Halt` ran).
    Ended(Value, Meta),
    /// An instruction faulted, at this location.
    Fault(Fault, Location),
}

/// Runs fiber `fid` (taken out of `st.fibers` as `fiber`) until it suspends, ends or faults.
///
/// # Register access
///
/// Register operands are read and written without bounds checks (`val!`, `set!`), which the
/// common instructions would otherwise spend most of their time on. That is sound because:
///
/// 1. the verifier (`docs/isa.md` §9, items 5 and 7) proves every register operand of a
///    function below its register count, and `Code::registers` is that count; a frame's result
///    register (`Ret::dst`, and `dst + 1` after `TryCall`) is such an operand of its caller
///    (`Vm::restore` checks the same of a snapshot's frames);
/// 2. the running frame's registers are `base .. base + registers` of `fiber.values` and
///    `fiber.metas`, and `frame!` checks that both vectors are that long whenever the loop
///    (re)loads a frame (on entry, `Call` and `Return`), faulting otherwise;
/// 3. between two frame loads nothing shortens them: only `Call` (which grows them, then
///    reloads), `Return` and `Halt` (which shorten them, then reload or stop) change their
///    lengths in the loop, and the helpers the loop calls (`ops`, `steps`, `sched::spawn`,
///    `host`) do not touch a fiber's registers.
///
/// Register ranges (`MakeArray`, `Concat`, `Call`, ...) stay checked: those ops are heavy.
#[allow(clippy::too_many_lines)] // the dispatch loop: see the module documentation
pub(crate) fn interpret(p: &Program, st: &mut State, fid: u32, fiber: &mut Fiber) -> Exit {
    let Some(top) = fiber.frames.last().copied() else {
        return Exit::Ended(Value::Null, Meta::ZERO);
    };
    let mut func = top.func;
    let mut code: &Code = &p.code[func as usize];
    // The running function's instructions, in a local so the loop does not reload them.
    let mut insts: &[Inst] = &code.insts;
    let mut pc = top.pc as usize;
    let mut base = top.base as usize;
    let max_depth = st.limits.max_call_depth as usize;
    let max_slots = st.limits.max_stack_slots as usize;

    // Index of register `$r` of the current frame.
    macro_rules! r {
        ($r:expr) => {
            base + $r.0 as usize
        };
    }
    // Saves the program counter in the frame, so the fiber can resume or unwind.
    macro_rules! save {
        () => {
            if let Some(frame) = fiber.frames.last_mut() {
                frame.pc = pc as u32;
            }
        };
    }
    // Stops with a fault located at the instruction that raised it.
    macro_rules! fault {
        ($f:expr) => {{
            let f = $f;
            save!();
            return Exit::Fault(f, p.locate(func, pc.saturating_sub(1)));
        }};
    }
    macro_rules! attempt {
        ($e:expr) => {
            match $e {
                Ok(v) => v,
                Err(f) => fault!(f),
            }
        };
    }
    // Checks that the frame just loaded has its registers (see "Register access" above).
    macro_rules! frame {
        () => {
            let len = fiber.values.len();
            if base + usize::from(code.registers) > len || fiber.metas.len() != len {
                fault!(Fault::Internal("a frame's registers are missing".into()));
            }
        };
    }
    // Returns register `$r` of the current frame.
    macro_rules! val {
        ($r:expr) => {{
            let i = r!($r);
            debug_assert!(i < fiber.values.len());
            // SAFETY: `$r` is a register operand of the running function, so `i` is in bounds
            // (see "Register access" above).
            unsafe { fiber.values.get_unchecked(i) }
        }};
    }
    // Returns the accounting of register `$r` of the current frame.
    macro_rules! meta {
        ($r:expr) => {{
            let i = r!($r);
            debug_assert!(i < fiber.metas.len());
            // SAFETY: as for `val!`.
            *unsafe { fiber.metas.get_unchecked(i) }
        }};
    }
    // Sets the accounting of register `$dst`, just written, to `$meta`.
    macro_rules! account {
        ($dst:expr, $meta:expr) => {{
            let i = r!($dst);
            let meta: Meta = $meta;
            debug_assert!(i < fiber.metas.len());
            debug_assert!(meta.fits(&fiber.values[i]), "a register holding a scalar is accounted zero");
            // SAFETY: `$dst` is a register operand of the running function, so `i` is in bounds
            // (see "Register access" above).
            let old = std::mem::replace(unsafe { fiber.metas.get_unchecked_mut(i) }, meta).bytes;
            if meta.bytes != old {
                attempt!(st.hold(u64::from(old), u64::from(meta.bytes)));
            }
        }};
    }
    // Writes register `$dst`, accounting the bytes it holds.
    macro_rules! set {
        ($dst:expr, $value:expr, $meta:expr) => {{
            let value: Value = $value;
            let i = r!($dst);
            debug_assert!(i < fiber.values.len());
            // SAFETY: `$dst` is a register operand of the running function, so `i` is in bounds
            // (see "Register access" above).
            *unsafe { fiber.values.get_unchecked_mut(i) } = value;
            account!($dst, $meta);
        }};
    }
    macro_rules! set_bool {
        ($dst:expr, $b:expr) => {
            set!($dst, Value::Bool($b), Meta::ZERO)
        };
    }
    // Charges per-byte gas for `$n` bytes (nothing to charge for none).
    macro_rules! bytes {
        ($n:expr) => {
            if p.metering {
                let n = $n as u64;
                if n != 0 {
                    attempt!(st.charge(n.saturating_mul(p.per_byte)));
                }
            }
        };
    }
    // Charges the block control just reached by a call or a return (both lead to a block
    // head) here instead of in a dispatch of its own. The same charge at the same point: the
    // `Charge` instruction is consumed, so a fault is located at it, the block's head.
    macro_rules! enter {
        () => {
            if let Some(&Inst::Charge(gas)) = insts.get(pc) {
                pc += 1;
                attempt!(st.charge(u64::from(gas)));
            }
        };
    }
    macro_rules! made {
        ($dst:expr, $made:expr) => {{
            let made = attempt!($made);
            bytes!(made.bytes);
            set!($dst, made.value, made.meta);
        }};
    }

    frame!();
    loop {
        let Some(&inst) = insts.get(pc) else {
            fault!(Fault::Internal("the program counter left the function".into()));
        };
        pc += 1;
        // One flat `match` over the instruction, block charges included: one jump table.
        match inst {
            Inst::LoadContext { dst, name } => {
                let (value, meta) = match fiber.contexts.get(&p.folded[name.0 as usize]) {
                    Some(e) => (e.value.clone(), Meta { bytes: clamp(shallow_bytes(&e.value)), depth: e.meta.depth }),
                    None => (Value::Null, Meta::ZERO),
                };
                set!(dst, value, meta);
            }
            Inst::GetProp { dst, obj, name } => {
                let value = w3_value::property(val!(obj), p.string(name));
                let meta = meta::shared(&value, meta!(obj).depth);
                set!(dst, value, meta);
            }
            Inst::Index { dst, obj, key } => {
                let value = w3_value::index(val!(obj), val!(key));
                let meta = meta::shared(&value, meta!(obj).depth);
                set!(dst, value, meta);
            }
            Inst::Filter { dst, obj } => {
                made!(dst, ops::filter(val!(obj), meta!(obj), &st.limits));
            }
            Inst::MakeArray { dst, first, count } => {
                let (s, n) = (r!(first), count.0 as usize);
                made!(dst, ops::make_array(&fiber.values[s..s + n], &fiber.metas[s..s + n], &st.limits));
            }
            Inst::MakeObject { dst, first, count } => {
                let (s, n) = (r!(first), 2 * count.0 as usize);
                made!(dst, ops::make_object(&fiber.values[s..s + n], &fiber.metas[s..s + n], &st.limits));
            }
            Inst::ToStr { dst, src } => made!(dst, ops::to_str(val!(src), &st.limits)),
            Inst::Concat { dst, first, count } => {
                let (s, n) = (r!(first), count.0 as usize);
                made!(dst, ops::concat(&fiber.values[s..s + n], &st.limits));
            }
            Inst::CallBuiltin { dst, builtin, first, argc } => {
                let (s, n) = (r!(first), argc.0 as usize);
                let left = st.limits.max_memory.saturating_sub(st.held);
                let (args, metas) = (&fiber.values[s..s + n], &fiber.metas[s..s + n]);
                made!(dst, ops::call_builtin(builtin, args, metas, &st.limits, left));
            }
            Inst::Call { dst, func: callee, first, argc } | Inst::TryCall { dst, func: callee, first, argc } => {
                save!();
                if fiber.frames.len() >= max_depth {
                    fault!(Fault::CallDepth { limit: st.limits.max_call_depth });
                }
                let target = &p.code[callee.0 as usize];
                let new_base = fiber.values.len();
                let top = new_base + target.registers as usize;
                if top > max_slots {
                    fault!(Fault::Stack { limit: st.limits.max_stack_slots });
                }
                let (s, n) = (r!(first), argc.0 as usize);
                let added: u64 = fiber.metas[s..s + n].iter().map(|m| u64::from(m.bytes)).sum();
                attempt!(st.hold(0, added));
                // The callee's registers: copies of the arguments, then nulls.
                fiber.values.reserve(top - new_base);
                fiber.metas.reserve(top - new_base);
                for i in s..s + n {
                    let value = fiber.values[i].clone();
                    fiber.values.push(value);
                    fiber.metas.push(fiber.metas[i]);
                }
                for _ in new_base + n..top {
                    fiber.values.push(Value::Null);
                    fiber.metas.push(Meta::ZERO);
                }
                let catch = matches!(inst, Inst::TryCall { .. });
                fiber.frames.push(Frame {
                    func: callee.0,
                    pc: 0,
                    base: new_base as u32,
                    ret: Ret { dst: dst.0, catch },
                });
                (func, code, insts, pc, base) = (callee.0, target, &target.insts, 0, new_base);
                frame!();
                enter!();
            }
            // Simple instructions run in `simple`, from this one to the next instruction it
            // does not handle.
            Inst::Charge(gas) => attempt!(st.charge(u64::from(gas))),
            Inst::ChargeBlock(block) => {
                let gas = code.block_gas.get(block as usize).copied().unwrap_or(0);
                attempt!(st.charge(gas));
            }
            Inst::Nop {}
            | Inst::LoadNull { .. }
            | Inst::LoadBool { .. }
            | Inst::LoadConst { .. }
            | Inst::Move { .. }
            | Inst::Not { .. }
            | Inst::Truthy { .. }
            | Inst::Eq { .. }
            | Inst::Ne { .. }
            | Inst::Lt { .. }
            | Inst::Le { .. }
            | Inst::Gt { .. }
            | Inst::Ge { .. }
            | Inst::TypeOf { .. }
            | Inst::Jump { .. }
            | Inst::JumpIfTrue { .. }
            | Inst::JumpIfFalse { .. }
            | Inst::MoveScalar { .. }
            | Inst::LoadScalar { .. }
            | Inst::NotBool { .. }
            | Inst::NotNumber { .. }
            | Inst::EqNumbers { .. }
            | Inst::NeNumbers { .. }
            | Inst::LtNumbers { .. }
            | Inst::LeNumbers { .. }
            | Inst::GtNumbers { .. }
            | Inst::GeNumbers { .. }
            | Inst::JumpIfTrueBool { .. }
            | Inst::JumpIfFalseBool { .. }
            | Inst::JumpIfTrueNumber { .. }
            | Inst::JumpIfFalseNumber { .. } => {
                pc -= 1;
                let regs = base..base + usize::from(code.registers);
                let (Some(values), Some(metas)) = (fiber.values.get_mut(regs.clone()), fiber.metas.get_mut(regs))
                else {
                    fault!(Fault::Internal("a frame's registers are missing".into()));
                };
                if let Err(f) = simple::run(p, st, code, &mut pc, values, metas) {
                    fault!(f);
                }
            }
            Inst::Return { src } => {
                let i = r!(src);
                let (value, meta) = (std::mem::replace(&mut fiber.values[i], Value::Null), fiber.metas[i]);
                let frame = fiber.frames.pop().unwrap_or_default();
                let released = fiber.truncate(base);
                attempt!(st.hold(released, 0));
                let Some(caller) = fiber.frames.last().copied() else {
                    return Exit::Ended(value, meta);
                };
                func = caller.func;
                code = &p.code[func as usize];
                insts = &code.insts;
                (pc, base) = (caller.pc as usize, caller.base as usize);
                frame!();
                set!(Reg(frame.ret.dst), value, meta);
                if frame.ret.catch {
                    set!(Reg(frame.ret.dst.saturating_add(1)), Value::Null, Meta::ZERO);
                }
                enter!();
            }
            Inst::Halt {} => {
                let released = fiber.truncate(0);
                fiber.frames.clear();
                attempt!(st.hold(released, 0));
                return Exit::Ended(Value::Null, Meta::ZERO);
            }
            Inst::Fail { msg } => fault!(Fault::Fail(p.string(msg).to_string())),
            Inst::Status { dst, kind } => {
                let kind = StatusKind::from_id(kind).unwrap_or(StatusKind::Always);
                set_bool!(dst, steps::status(fiber, st, kind));
            }
            Inst::StepBegin { step } => attempt!(steps::begin(fiber, p.string(step))),
            Inst::StepEnd { step, outcome, conclusion } => {
                let (o, c) = (fiber.values[r!(outcome)].clone(), fiber.values[r!(conclusion)].clone());
                attempt!(steps::end(fiber, st, p.string(step), &o, &c));
            }
            Inst::SetOutput { name, value } => {
                let v = fiber.values[r!(value)].clone();
                let n = attempt!(steps::set_output(fiber, st, p.string(name), &v));
                bytes!(n);
            }
            Inst::SetEnv { name, value } => {
                let v = fiber.values[r!(value)].clone();
                let n = attempt!(steps::set_env(fiber, st, p.string(name), &v));
                bytes!(n);
            }
            Inst::MergeOutputs { src } => {
                let v = fiber.values[r!(src)].clone();
                let n = attempt!(steps::merge(fiber, st, &v, steps::set_output));
                bytes!(n);
            }
            Inst::MergeEnv { src } => {
                let v = fiber.values[r!(src)].clone();
                let n = attempt!(steps::merge(fiber, st, &v, steps::set_env));
                bytes!(n);
            }
            Inst::MergeContext { name, src } => {
                let i = r!(src);
                let (v, m) = (fiber.values[i].clone(), fiber.metas[i]);
                let n = attempt!(steps::merge_context(fiber, st, p.string(name), &v, m));
                bytes!(n);
            }
            Inst::SetContext { name, value } => {
                let i = r!(value);
                let (v, m) = (fiber.values[i].clone(), fiber.metas[i]);
                attempt!(steps::set_context(fiber, st, p.string(name), v, m));
            }
            Inst::HostCall { dst, kind, arg } => {
                let Some(kind) = HostCallKind::from_u8(kind.0) else {
                    fault!(Fault::Internal("a host-call kind the host API does not know".into()));
                };
                let request = fiber.values[r!(arg)].clone();
                let call = attempt!(host::request(kind, &request));
                let index = st.next_call;
                st.next_call += 1;
                let gas_limit = st.gas_left();
                st.pending.push(Pending { index, fiber: fid, request, call, gas_limit, answered: false });
                fiber.wait = Wait::Host { call: index, dst: dst.0 };
                save!();
                return Exit::Suspended;
            }
            Inst::Spawn { dst, func: callee, arg } => {
                let i = r!(arg);
                let (value, meta) = (fiber.values[i].clone(), fiber.metas[i]);
                let id = attempt!(sched::spawn(p, st, fiber, callee.0, value, meta));
                set!(dst, Value::Number(f64::from(id)), Meta::ZERO);
            }
            Inst::Join { dst, fiber: handle } => {
                let target = attempt!(sched::join_target(st, fid, &fiber.values[r!(handle)]));
                match sched::joined(st, target) {
                    Some((value, meta)) => set!(dst, value, meta),
                    None => {
                        st.fibers[target as usize].waiters.push((fid, dst.0));
                        fiber.wait = Wait::Join { target, dst: dst.0 };
                        save!();
                        return Exit::Suspended;
                    }
                }
            }
        }
    }
}
