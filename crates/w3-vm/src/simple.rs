//! Runs the simple instructions — block charges, loads, moves, `Not`, `Truthy`, `TypeOf`,
//! comparisons and jumps — in a loop of their own, inlined into the main loop (`interp`).
//!
//! These are most of what compiled code executes, and each does a few loads and stores. In the
//! main loop, whose heavy instructions keep many values alive, the program counter, the
//! frame's registers and the instruction slice live on the stack, and every simple instruction
//! would pay for reloading them. This loop has a handful of locals, which stay in machine
//! registers, and the frame's registers as two slices of exactly the frame's length. It stops,
//! without running it, at the first instruction it does not handle, which the main loop runs.
//! (Out of line, the call and return cost more than a run of simple instructions between two
//! heavy ones saves; measured with `w3 bench vm`, class `expression`.)

use crate::error::Fault;
use crate::meta::Meta;
use crate::ops;
use crate::program::{Code, Inst, Program};
use crate::state::State;
use w3_value::{compare, compare_numbers, CompareOp, Value};

/// Runs simple instructions of `code` from `*pc` until one that is not simple, leaving `*pc`
/// at it. On a fault, `*pc` is just past the instruction that raised it.
///
/// `values` and `metas` are the running frame's registers, exactly `code.registers` of each.
/// Register operands are used without bounds checks: the verifier proves every register
/// operand of a function below its register count (`docs/isa.md` §9, items 5 and 7), and the
/// slices are checked to be that long on entry.
#[inline(always)]
pub(crate) fn run(
    p: &Program,
    st: &mut State,
    code: &Code,
    pc: &mut usize,
    values: &mut [Value],
    metas: &mut [Meta],
) -> Result<(), Fault> {
    let n = usize::from(code.registers);
    if values.len() != n || metas.len() != n {
        return Err(Fault::Internal("a frame's registers are missing".into()));
    }
    let insts = code.insts.as_slice();
    let mut at = *pc;

    // Stops with `$fault`, the program counter past the instruction that raised it.
    macro_rules! attempt {
        ($e:expr) => {
            if let Err(f) = $e {
                *pc = at;
                return Err(f);
            }
        };
    }
    // Returns register `$r`.
    macro_rules! val {
        ($r:expr) => {{
            let i = usize::from($r.0);
            debug_assert!(i < values.len());
            // SAFETY: `$r` is a register operand of the function, so `i < code.registers`,
            // which is `values.len()` (see `run`'s documentation).
            unsafe { values.get_unchecked(i) }
        }};
    }
    // Sets the accounting of register `$dst`, just written, to `$meta`.
    macro_rules! account {
        ($dst:expr, $meta:expr) => {{
            let i = usize::from($dst.0);
            let meta: Meta = $meta;
            debug_assert!(i < metas.len());
            // SAFETY: as for `val!` (`metas` is as long as `values`).
            let old = std::mem::replace(unsafe { metas.get_unchecked_mut(i) }, meta).bytes;
            if meta.bytes != old {
                attempt!(st.hold(u64::from(old), u64::from(meta.bytes)));
            }
        }};
    }
    // Writes register `$dst`.
    macro_rules! set {
        ($dst:expr, $value:expr, $meta:expr) => {{
            let value: Value = $value;
            let i = usize::from($dst.0);
            debug_assert!(i < values.len());
            // SAFETY: as for `val!`.
            *unsafe { values.get_unchecked_mut(i) } = value;
            account!($dst, $meta);
        }};
    }
    macro_rules! cmp {
        ($op:expr, $dst:expr, $a:expr, $b:expr) => {{
            let (x, y) = (val!($a), val!($b));
            // Two numbers read no string bytes, so they need no per-byte charge.
            let result = match (x, y) {
                (Value::Number(x), Value::Number(y)) => compare_numbers($op, *x, *y),
                _ => {
                    let result = compare($op, x, y);
                    if p.metering {
                        let n = ops::compared_bytes(x, y);
                        if n != 0 {
                            attempt!(st.charge(n.saturating_mul(p.per_byte)));
                        }
                    }
                    result
                }
            };
            set!($dst, Value::Bool(result), Meta::ZERO);
        }};
    }
    // Charges the block control just reached (after a jump, whose both ways lead to a block
    // head) here instead of in a dispatch of its own. The same charge at the same point: the
    // `Charge` instruction is consumed, so a fault is located at it, the block's head.
    macro_rules! enter {
        () => {
            if let Some(&Inst::Charge(gas)) = insts.get(at) {
                at += 1;
                attempt!(st.charge(u64::from(gas)));
            }
        };
    }

    loop {
        let Some(&inst) = insts.get(at) else {
            *pc = at;
            return Ok(());
        };
        at += 1;
        match inst {
            Inst::Charge(gas) => attempt!(st.charge(u64::from(gas))),
            Inst::ChargeBlock(block) => {
                let gas = code.block_gas.get(block as usize).copied().unwrap_or(0);
                attempt!(st.charge(gas));
            }
            Inst::Nop {} => {}
            Inst::LoadNull { dst } => set!(dst, Value::Null, Meta::ZERO),
            Inst::LoadBool { dst, value } => set!(dst, Value::Bool(value.0 == 1), Meta::ZERO),
            Inst::LoadConst { dst, k } => {
                let (value, meta) = &p.constants[k.0 as usize];
                let i = usize::from(dst.0);
                debug_assert!(i < values.len());
                // SAFETY: as for `val!`.
                unsafe { values.get_unchecked_mut(i) }.clone_from(value);
                account!(dst, *meta);
            }
            Inst::Move { dst, src } => {
                // Moving a register onto itself changes nothing.
                if dst != src {
                    let (d, s) = (usize::from(dst.0), usize::from(src.0));
                    debug_assert!(d < values.len() && s < values.len());
                    // SAFETY: as for `val!`.
                    let meta = *unsafe { metas.get_unchecked(s) };
                    let base = values.as_mut_ptr();
                    // SAFETY: both indices are in bounds (as for `val!`) and differ, so the two
                    // references do not overlap.
                    unsafe { (*base.add(d)).clone_from(&*base.add(s)) };
                    account!(dst, meta);
                }
            }
            Inst::Not { dst, a } => {
                let b = !val!(a).is_truthy();
                set!(dst, Value::Bool(b), Meta::ZERO);
            }
            Inst::Truthy { dst, a } => {
                let b = val!(a).is_truthy();
                set!(dst, Value::Bool(b), Meta::ZERO);
            }
            Inst::Eq { dst, a, b } => cmp!(CompareOp::Eq, dst, a, b),
            Inst::Ne { dst, a, b } => cmp!(CompareOp::Ne, dst, a, b),
            Inst::Lt { dst, a, b } => cmp!(CompareOp::Lt, dst, a, b),
            Inst::Le { dst, a, b } => cmp!(CompareOp::Le, dst, a, b),
            Inst::Gt { dst, a, b } => cmp!(CompareOp::Gt, dst, a, b),
            Inst::Ge { dst, a, b } => cmp!(CompareOp::Ge, dst, a, b),
            Inst::TypeOf { dst, a } => {
                let kind = match val!(a) {
                    Value::Null => 0.0,
                    Value::Bool(_) => 1.0,
                    Value::Number(_) => 2.0,
                    Value::String(_) => 3.0,
                    Value::Array(_) => 4.0,
                    Value::Object(_) => 5.0,
                };
                set!(dst, Value::Number(kind), Meta::ZERO);
            }
            Inst::Jump { target } => {
                at = target.0 as usize;
                enter!();
            }
            Inst::JumpIfTrue { cond, target } => {
                if val!(cond).is_truthy() {
                    at = target.0 as usize;
                }
                enter!();
            }
            Inst::JumpIfFalse { cond, target } => {
                if !val!(cond).is_truthy() {
                    at = target.0 as usize;
                }
                enter!();
            }
            _ => {
                *pc = at - 1;
                return Ok(());
            }
        }
    }
}
