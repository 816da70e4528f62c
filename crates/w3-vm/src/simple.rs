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
            debug_assert!(meta.fits(&values[i]), "a register holding a scalar is accounted zero");
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
    // Writes `$value`, which owns nothing, into register `$dst`. When the register holds such
    // a value too, both are accounted `Meta::ZERO` (the invariant in `meta`), so this is one
    // store, with nothing to drop or account.
    macro_rules! set_plain {
        ($dst:expr, $value:expr) => {{
            let value: Value = $value;
            debug_assert!(value.owns_nothing());
            let i = usize::from($dst.0);
            debug_assert!(i < values.len());
            // SAFETY: as for `val!`.
            let slot = unsafe { values.get_unchecked_mut(i) };
            if slot.owns_nothing() {
                debug_assert_eq!(metas[i], Meta::ZERO);
                // SAFETY: the old value owns nothing, so overwriting it without a drop leaks
                // nothing.
                unsafe { std::ptr::write(slot, value) };
            } else {
                set!($dst, value, Meta::ZERO);
            }
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
            set_plain!($dst, Value::Bool(result));
        }};
    }
    // Charges the block control just reached (after a jump, whose both ways lead to a block
    // head) here instead of in a dispatch of its own. The same charge at the same point: the
    // `Charge` instruction is consumed, so a fault is located at it, the block's head.
    macro_rules! enter {
        () => {
            debug_assert!(at < insts.len());
            // SAFETY: `at` is a verified jump target (see the loop).
            if let Inst::Charge(gas) = *unsafe { insts.get_unchecked(at) } {
                at += 1;
                attempt!(st.charge(u64::from(gas)));
            }
        };
    }

    if at >= insts.len() {
        return Ok(());
    }
    loop {
        // The loop starts at an instruction inside the function and only continues at one:
        // after an instruction that is not a jump comes another, since the verifier proves
        // every function ends in a terminator (`docs/isa.md` §9), and no simple instruction is
        // one but `Jump`; a jump lands on a verified target, and a block's charge is followed
        // by the block's first instruction.
        debug_assert!(at < insts.len());
        // SAFETY: `at < insts.len()`, as argued above.
        let inst = *unsafe { insts.get_unchecked(at) };
        at += 1;
        match inst {
            Inst::Charge(gas) => attempt!(st.charge(u64::from(gas))),
            Inst::ChargeBlock(block) => {
                let gas = code.block_gas.get(block as usize).copied().unwrap_or(0);
                attempt!(st.charge(gas));
            }
            Inst::Nop {} => {}
            Inst::LoadNull { dst } => set_plain!(dst, Value::Null),
            Inst::LoadBool { dst, value } => set_plain!(dst, Value::Bool(value.0 == 1)),
            Inst::LoadConst { dst, k } => {
                let (value, meta) = &p.constants[k.0 as usize];
                if value.owns_nothing() {
                    // SAFETY: a value that owns nothing is copied whole (`Value::clone_from`).
                    set_plain!(dst, unsafe { std::ptr::read(value) });
                } else {
                    let i = usize::from(dst.0);
                    debug_assert!(i < values.len());
                    // SAFETY: as for `val!`.
                    unsafe { values.get_unchecked_mut(i) }.clone_from(value);
                    account!(dst, *meta);
                }
            }
            Inst::Move { dst, src } => {
                let (d, s) = (usize::from(dst.0), usize::from(src.0));
                debug_assert!(d < values.len() && s < values.len());
                let base = values.as_mut_ptr();
                // SAFETY: both indices are in bounds (as for `val!`); only raw pointers are
                // used while `d` may equal `s`.
                let (to, from) = unsafe { (base.add(d), base.add(s)) };
                // SAFETY: `to` and `from` point at live registers.
                if unsafe { (*to).owns_nothing() && (*from).owns_nothing() } {
                    // Both are accounted `Meta::ZERO`, so a copy of the value is the whole
                    // move. SAFETY: a bitwise copy of a value that owns nothing is a complete
                    // clone, and the one overwritten owns nothing to leak.
                    unsafe { std::ptr::write(to, std::ptr::read(from)) };
                } else if d != s {
                    // SAFETY: as for `val!`.
                    let meta = *unsafe { metas.get_unchecked(s) };
                    // SAFETY: in bounds and different, so the references do not overlap.
                    unsafe { (*to).clone_from(&*from) };
                    account!(dst, meta);
                }
            }
            Inst::Not { dst, a } => {
                let b = !val!(a).is_truthy();
                set_plain!(dst, Value::Bool(b));
            }
            Inst::Truthy { dst, a } => {
                let b = val!(a).is_truthy();
                set_plain!(dst, Value::Bool(b));
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
                set_plain!(dst, Value::Number(kind));
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
