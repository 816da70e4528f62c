//! Runs the simple instructions — block charges, loads, moves, `Not`, `Truthy`, `TypeOf`,
//! comparisons and jumps — with threaded dispatch, for the main loop (`interp`).
//!
//! These are most of what compiled code executes, and each does a few loads and stores, so
//! the cost of getting from one to the next dominates. Each has a handler of its own, and
//! every handler ends by calling the handler of the instruction after it, looked up by the
//! instruction's tag in [`HANDLERS`]: a call in tail position that the optimizer turns into
//! one indirect jump, so each instruction ends in a branch of its own (which the processor
//! predicts per instruction) and nothing returns until an instruction that is not simple, or
//! a fault, stops the chain. The handlers share one signature whose arguments stay in machine
//! registers: the instruction pointer, the frame's registers, and a context with the rest.
//!
//! A call in tail position only becomes a jump when the build optimizes (the build script
//! sets `w3_threaded` for optimization levels 2, 3, `s` and `z`; the workspace builds this
//! crate optimized in every profile). Otherwise the handlers return the next instruction to a
//! loop instead, so an unoptimized build cannot grow the native stack by one frame per
//! instruction. `docs/vm.md` §9 has the measurements.

use crate::error::Fault;
use crate::meta::Meta;
use crate::ops;
use crate::program::{Code, Inst, InstKind, Program};
use crate::state::State;
use w3_value::{compare, compare_numbers, CompareOp, Value};

/// Runs simple instructions of `code` from `*pc` until one that is not simple, leaving `*pc`
/// at it. On a fault, `*pc` is just past the instruction that raised it.
///
/// `values` and `metas` are the running frame's registers, exactly `code.registers` of each.
/// Register operands are used without bounds checks: the verifier proves every register
/// operand of a function below its register count (`docs/isa.md` §9, items 5 and 7), and the
/// slices are checked to be that long here. Instructions are fetched without bounds checks:
/// the chain starts at an instruction inside the function and only continues at one, since
/// the verifier proves every function ends in a terminator (item 9) and no simple instruction
/// is one but `Jump`, whose target is verified.
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
    let insts = code.insts.as_ptr();
    if *pc >= code.insts.len() {
        return Ok(());
    }
    let mut cx = Cx { p, st, code, insts, metas: metas.as_mut_ptr(), fault: None, stop: false };
    // SAFETY: `*pc` is inside the function (checked above).
    let start = unsafe { insts.add(*pc) };
    let regs = values.as_mut_ptr();
    #[cfg(w3_threaded)]
    let end = dispatch(start, regs, &mut cx);
    #[cfg(not(w3_threaded))]
    let end = {
        let mut ip = start;
        while !cx.stop {
            ip = dispatch(ip, regs, &mut cx);
        }
        ip
    };
    // SAFETY: every handler returns a pointer into the same instruction slice (or one past
    // its end after a fault in the last instruction).
    *pc = unsafe { end.offset_from(insts) } as usize;
    match cx.fault.take() {
        Some(f) => Err(f),
        None => Ok(()),
    }
}

/// What the handlers share besides the instruction pointer and the registers.
pub(crate) struct Cx<'a> {
    p: &'a Program,
    st: &'a mut State,
    code: &'a Code,
    /// The function's first instruction, to turn jump targets into pointers.
    insts: *const Inst,
    /// The frame's register accounting, as long as its registers.
    metas: *mut Meta,
    /// The fault that stopped the chain, if one did.
    fault: Option<Fault>,
    /// Whether the chain stopped (read by the loop of unoptimized builds).
    stop: bool,
}

/// Runs one instruction and, unless it stops the chain, the ones after it. Returns where the
/// chain stopped: at an instruction that is not simple, or just past one that faulted.
type Handler = for<'a> fn(*const Inst, *mut Value, &mut Cx<'a>) -> *const Inst;

/// Continues with the instruction at `ip`: calls its handler in tail position (threaded
/// builds) or returns it to the loop in `run`.
#[inline(always)]
fn next(ip: *const Inst, regs: *mut Value, cx: &mut Cx<'_>) -> *const Inst {
    #[cfg(w3_threaded)]
    {
        dispatch(ip, regs, cx)
    }
    #[cfg(not(w3_threaded))]
    {
        let _ = (regs, cx);
        ip
    }
}

/// Calls the handler of the instruction at `ip`.
#[inline(always)]
fn dispatch(ip: *const Inst, regs: *mut Value, cx: &mut Cx<'_>) -> *const Inst {
    // SAFETY: `ip` points at an instruction (see `run`).
    let tag = unsafe { (*ip).tag() };
    HANDLERS[usize::from(tag)](ip, regs, cx)
}

/// Stops the chain at `ip`, an instruction the main loop runs.
fn stop(ip: *const Inst, _: *mut Value, cx: &mut Cx<'_>) -> *const Inst {
    cx.stop = true;
    ip
}

/// Stops the chain with `fault`, raised by the instruction at `ip`.
#[cold]
#[inline(never)]
fn fail(ip: *const Inst, cx: &mut Cx<'_>, fault: Fault) -> *const Inst {
    cx.fault = Some(fault);
    cx.stop = true;
    // SAFETY: one past an instruction of the slice.
    unsafe { ip.add(1) }
}

/// The handler of each instruction tag: the simple instructions', `stop` for the others.
static HANDLERS: [Handler; 256] = {
    let mut table: [Handler; 256] = [stop; 256];
    table[InstKind::Charge as usize] = charge;
    table[InstKind::ChargeBlock as usize] = charge_block;
    table[InstKind::Nop as usize] = nop;
    table[InstKind::LoadNull as usize] = load_null;
    table[InstKind::LoadBool as usize] = load_bool;
    table[InstKind::LoadConst as usize] = load_const;
    table[InstKind::Move as usize] = move_;
    table[InstKind::Not as usize] = not;
    table[InstKind::Truthy as usize] = truthy;
    table[InstKind::Eq as usize] = eq;
    table[InstKind::Ne as usize] = ne;
    table[InstKind::Lt as usize] = lt;
    table[InstKind::Le as usize] = le;
    table[InstKind::Gt as usize] = gt;
    table[InstKind::Ge as usize] = ge;
    table[InstKind::TypeOf as usize] = type_of;
    table[InstKind::Jump as usize] = jump;
    table[InstKind::JumpIfTrue as usize] = jump_if_true;
    table[InstKind::JumpIfFalse as usize] = jump_if_false;
    table
};

/// Binds the fields of the instruction at `$ip`, which is a `$variant` (its handler is only
/// reached through its tag).
macro_rules! fields {
    ($ip:expr, $variant:ident $(, $field:ident)*) => {
        // SAFETY: `$ip` points at an instruction (see `run`).
        let Inst::$variant($($field),*) = (unsafe { *$ip }) else {
            // SAFETY: `HANDLERS` maps only `$variant`'s tag to this handler.
            unsafe { std::hint::unreachable_unchecked() }
        };
    };
    ($ip:expr, $variant:ident { $($field:ident),* }) => {
        // SAFETY: `$ip` points at an instruction (see `run`).
        let Inst::$variant { $($field),* } = (unsafe { *$ip }) else {
            // SAFETY: `HANDLERS` maps only `$variant`'s tag to this handler.
            unsafe { std::hint::unreachable_unchecked() }
        };
    };
}

/// Returns register `r` of the frame.
#[inline(always)]
fn reg<'r>(regs: *mut Value, r: w3_isa::Reg) -> &'r Value {
    // SAFETY: `r` is a register operand of the running function, so it is below the frame's
    // register count, the length of `regs` (see `run`).
    unsafe { &*regs.add(usize::from(r.0)) }
}

/// Returns one past the instruction at `ip`.
#[inline(always)]
fn after(ip: *const Inst) -> *const Inst {
    // SAFETY: the instruction at `ip` is not a function's last (see `run`), or the caller
    // stops before using the pointer.
    unsafe { ip.add(1) }
}

/// Writes `value` with accounting `meta` into register `dst`, then continues.
#[inline(always)]
fn set(ip: *const Inst, regs: *mut Value, cx: &mut Cx<'_>, dst: w3_isa::Reg, value: Value, meta: Meta) -> *const Inst {
    // SAFETY: as for `reg`.
    unsafe { *regs.add(usize::from(dst.0)) = value };
    account(ip, regs, cx, dst, meta)
}

/// Sets the accounting of register `dst`, just written, to `meta`, then continues.
#[inline(always)]
fn account(ip: *const Inst, regs: *mut Value, cx: &mut Cx<'_>, dst: w3_isa::Reg, meta: Meta) -> *const Inst {
    let i = usize::from(dst.0);
    debug_assert!(meta.fits(reg(regs, dst)), "a register holding a scalar is accounted zero");
    // SAFETY: `metas` is as long as the registers (see `run`).
    let old = std::mem::replace(unsafe { &mut *cx.metas.add(i) }, meta).bytes;
    if meta.bytes != old {
        if let Err(f) = cx.st.hold(u64::from(old), u64::from(meta.bytes)) {
            return fail(ip, cx, f);
        }
    }
    next(after(ip), regs, cx)
}

/// Names a value that owns nothing.
#[derive(Clone, Copy)]
enum Scalar {
    Null,
    Bool(bool),
    Number(f64),
}

impl Scalar {
    /// Returns the value, as a tag and the payload's bits: two machine words, which a
    /// function takes in registers (so `write_slow` can be called in tail position).
    #[inline(always)]
    fn to_words(self) -> (u8, u64) {
        match self {
            Scalar::Null => (0, 0),
            Scalar::Bool(b) => (1, u64::from(b)),
            Scalar::Number(n) => (2, n.to_bits()),
        }
    }

    /// Returns the scalar `to_words` gave.
    #[inline(always)]
    fn from_words(tag: u8, bits: u64) -> Scalar {
        match tag {
            0 => Scalar::Null,
            1 => Scalar::Bool(bits != 0),
            _ => Scalar::Number(f64::from_bits(bits)),
        }
    }

    #[inline(always)]
    fn value(self) -> Value {
        match self {
            Scalar::Null => Value::Null,
            Scalar::Bool(b) => Value::Bool(b),
            Scalar::Number(n) => Value::Number(n),
        }
    }
}

/// Writes `value`, which owns nothing, into register `dst`, then continues. When the register
/// holds such a value too, both are accounted `Meta::ZERO` (the invariant in `meta`), so this
/// is one store, with nothing to drop or account; otherwise `write_slow` does the rest (out
/// of line, so the common case needs no stack frame).
#[inline(always)]
fn write(ip: *const Inst, regs: *mut Value, cx: &mut Cx<'_>, dst: w3_isa::Reg, value: Scalar) -> *const Inst {
    if reg(regs, dst).owns_nothing() {
        // SAFETY: as for `reg`; the old value owns nothing, so overwriting it without a drop
        // leaks nothing.
        unsafe { std::ptr::write(regs.add(usize::from(dst.0)), value.value()) };
        next(after(ip), regs, cx)
    } else {
        let (tag, bits) = value.to_words();
        write_slow(ip, regs, cx, dst.0, tag, bits)
    }
}

/// Writes the scalar `tag`/`bits` (see `Scalar::to_words`) over a register that owns
/// something: drops it and releases its bytes.
#[inline(never)]
fn write_slow(ip: *const Inst, regs: *mut Value, cx: &mut Cx<'_>, dst: u16, tag: u8, bits: u64) -> *const Inst {
    set(ip, regs, cx, w3_isa::Reg(dst), Scalar::from_words(tag, bits).value(), Meta::ZERO)
}

fn charge(ip: *const Inst, regs: *mut Value, cx: &mut Cx<'_>) -> *const Inst {
    fields!(ip, Charge, gas);
    match cx.st.charge(u64::from(gas)) {
        Ok(()) => next(after(ip), regs, cx),
        Err(f) => fail(ip, cx, f),
    }
}

fn charge_block(ip: *const Inst, regs: *mut Value, cx: &mut Cx<'_>) -> *const Inst {
    fields!(ip, ChargeBlock, block);
    let gas = cx.code.block_gas.get(block as usize).copied().unwrap_or(0);
    match cx.st.charge(gas) {
        Ok(()) => next(after(ip), regs, cx),
        Err(f) => fail(ip, cx, f),
    }
}

fn nop(ip: *const Inst, regs: *mut Value, cx: &mut Cx<'_>) -> *const Inst {
    next(after(ip), regs, cx)
}

fn load_null(ip: *const Inst, regs: *mut Value, cx: &mut Cx<'_>) -> *const Inst {
    fields!(ip, LoadNull { dst });
    write(ip, regs, cx, dst, Scalar::Null)
}

fn load_bool(ip: *const Inst, regs: *mut Value, cx: &mut Cx<'_>) -> *const Inst {
    fields!(ip, LoadBool { dst, value });
    write(ip, regs, cx, dst, Scalar::Bool(value.0 == 1))
}

fn load_const(ip: *const Inst, regs: *mut Value, cx: &mut Cx<'_>) -> *const Inst {
    fields!(ip, LoadConst { dst, k });
    let p = cx.p;
    match &p.constants[k.0 as usize].0 {
        Value::Null => write(ip, regs, cx, dst, Scalar::Null),
        Value::Bool(b) => write(ip, regs, cx, dst, Scalar::Bool(*b)),
        Value::Number(n) => write(ip, regs, cx, dst, Scalar::Number(*n)),
        _ => load_const_slow(ip, regs, cx),
    }
}

/// Loads a constant that owns something (shared, not copied).
#[inline(never)]
fn load_const_slow(ip: *const Inst, regs: *mut Value, cx: &mut Cx<'_>) -> *const Inst {
    fields!(ip, LoadConst { dst, k });
    let p = cx.p;
    let (value, meta) = &p.constants[k.0 as usize];
    // SAFETY: as for `reg`.
    unsafe { (*regs.add(usize::from(dst.0))).clone_from(value) };
    account(ip, regs, cx, dst, *meta)
}

fn move_(ip: *const Inst, regs: *mut Value, cx: &mut Cx<'_>) -> *const Inst {
    fields!(ip, Move { dst, src });
    // SAFETY: both are register operands (as for `reg`); only raw pointers are used while
    // `dst` may equal `src`.
    let (to, from) = unsafe { (regs.add(usize::from(dst.0)), regs.add(usize::from(src.0))) };
    // SAFETY: `to` and `from` point at live registers.
    if unsafe { (*to).owns_nothing() && (*from).owns_nothing() } {
        // Both are accounted `Meta::ZERO`, so a copy of the value is the whole move.
        // SAFETY: a bitwise copy of a value that owns nothing is a complete clone, and the one
        // overwritten owns nothing to leak.
        unsafe { std::ptr::write(to, std::ptr::read(from)) };
        next(after(ip), regs, cx)
    } else {
        move_slow(ip, regs, cx)
    }
}

/// Moves a value that owns something, or over one that does.
#[inline(never)]
fn move_slow(ip: *const Inst, regs: *mut Value, cx: &mut Cx<'_>) -> *const Inst {
    fields!(ip, Move { dst, src });
    let (d, s) = (usize::from(dst.0), usize::from(src.0));
    if d == s {
        return next(after(ip), regs, cx);
    }
    // SAFETY: `metas` is as long as the registers (see `run`).
    let meta = unsafe { *cx.metas.add(s) };
    // SAFETY: in bounds (as for `reg`) and different, so the references do not overlap.
    unsafe { (*regs.add(d)).clone_from(&*regs.add(s)) };
    account(ip, regs, cx, dst, meta)
}

fn not(ip: *const Inst, regs: *mut Value, cx: &mut Cx<'_>) -> *const Inst {
    fields!(ip, Not { dst, a });
    let b = !truthy_at(regs, a);
    write(ip, regs, cx, dst, Scalar::Bool(b))
}

fn truthy(ip: *const Inst, regs: *mut Value, cx: &mut Cx<'_>) -> *const Inst {
    fields!(ip, Truthy { dst, a });
    let b = truthy_at(regs, a);
    write(ip, regs, cx, dst, Scalar::Bool(b))
}

fn type_of(ip: *const Inst, regs: *mut Value, cx: &mut Cx<'_>) -> *const Inst {
    fields!(ip, TypeOf { dst, a });
    let kind = match reg(regs, a) {
        Value::Null => 0.0,
        Value::Bool(_) => 1.0,
        Value::Number(_) => 2.0,
        Value::String(_) => 3.0,
        Value::Array(_) => 4.0,
        Value::Object(_) => 5.0,
    };
    write(ip, regs, cx, dst, Scalar::Number(kind))
}

/// Runs comparison `op` of the instruction at `ip`. Two numbers compare in place; anything
/// else goes through `compare_slow`, out of line.
#[inline(always)]
fn cmp(
    ip: *const Inst,
    regs: *mut Value,
    cx: &mut Cx<'_>,
    op: CompareOp,
    dst: w3_isa::Reg,
    a: w3_isa::Reg,
    b: w3_isa::Reg,
) -> *const Inst {
    match (reg(regs, a), reg(regs, b)) {
        (Value::Number(x), Value::Number(y)) => write(ip, regs, cx, dst, Scalar::Bool(compare_numbers(op, *x, *y))),
        _ => compare_slow(ip, regs, cx),
    }
}

/// Compares values that are not both numbers, charging for the string bytes read (two
/// numbers read none, so they need no per-byte charge).
#[inline(never)]
fn compare_slow(ip: *const Inst, regs: *mut Value, cx: &mut Cx<'_>) -> *const Inst {
    // SAFETY: `ip` points at a comparison (only their handlers come here).
    let (op, dst, a, b) = match unsafe { *ip } {
        Inst::Eq { dst, a, b } => (CompareOp::Eq, dst, a, b),
        Inst::Ne { dst, a, b } => (CompareOp::Ne, dst, a, b),
        Inst::Lt { dst, a, b } => (CompareOp::Lt, dst, a, b),
        Inst::Le { dst, a, b } => (CompareOp::Le, dst, a, b),
        Inst::Gt { dst, a, b } => (CompareOp::Gt, dst, a, b),
        Inst::Ge { dst, a, b } => (CompareOp::Ge, dst, a, b),
        _ => return fail(ip, cx, Fault::Internal("a comparison's handler ran another instruction".into())),
    };
    let (x, y) = (reg(regs, a), reg(regs, b));
    let result = compare(op, x, y);
    if cx.p.metering {
        let n = ops::compared_bytes(x, y);
        if n != 0 {
            if let Err(f) = cx.st.charge(n.saturating_mul(cx.p.per_byte)) {
                return fail(ip, cx, f);
            }
        }
    }
    write(ip, regs, cx, dst, Scalar::Bool(result))
}

macro_rules! comparisons {
    ($($handler:ident: $variant:ident => $op:expr;)*) => {$(
        fn $handler(ip: *const Inst, regs: *mut Value, cx: &mut Cx<'_>) -> *const Inst {
            fields!(ip, $variant { dst, a, b });
            cmp(ip, regs, cx, $op, dst, a, b)
        }
    )*};
}
comparisons! {
    eq: Eq => CompareOp::Eq;
    ne: Ne => CompareOp::Ne;
    lt: Lt => CompareOp::Lt;
    le: Le => CompareOp::Le;
    gt: Gt => CompareOp::Gt;
    ge: Ge => CompareOp::Ge;
}

/// Returns the instruction jump target `target` names.
#[inline(always)]
fn jump_target(cx: &Cx<'_>, target: w3_isa::Target) -> *const Inst {
    // SAFETY: the verifier proves jump targets inside the function, and `Code` turned them
    // into instruction indices.
    unsafe { cx.insts.add(target.0 as usize) }
}

/// Returns whether register `r` is truthy, testing for a boolean first: conditions compiled
/// from expressions are booleans.
#[inline(always)]
fn truthy_at(regs: *mut Value, r: w3_isa::Reg) -> bool {
    match reg(regs, r) {
        Value::Bool(b) => *b,
        v => v.is_truthy(),
    }
}

/// Continues at `to`, the head of a block (where a jump leads): charges the block's gas here,
/// when a `Charge` heads it, instead of in a dispatch of its own. The same charge at the same
/// point: the `Charge` is consumed, so a fault is located at it, the block's head.
#[inline(always)]
fn land(to: *const Inst, regs: *mut Value, cx: &mut Cx<'_>) -> *const Inst {
    // SAFETY: `to` is a jump target or the instruction after a conditional jump, inside the
    // function (see `run`).
    if let Inst::Charge(gas) = unsafe { *to } {
        if let Err(f) = cx.st.charge(u64::from(gas)) {
            return fail(to, cx, f);
        }
        return next(after(to), regs, cx);
    }
    next(to, regs, cx)
}

fn jump(ip: *const Inst, regs: *mut Value, cx: &mut Cx<'_>) -> *const Inst {
    fields!(ip, Jump { target });
    let to = jump_target(cx, target);
    land(to, regs, cx)
}

fn jump_if_true(ip: *const Inst, regs: *mut Value, cx: &mut Cx<'_>) -> *const Inst {
    fields!(ip, JumpIfTrue { cond, target });
    let to = if truthy_at(regs, cond) { jump_target(cx, target) } else { after(ip) };
    land(to, regs, cx)
}

fn jump_if_false(ip: *const Inst, regs: *mut Value, cx: &mut Cx<'_>) -> *const Inst {
    fields!(ip, JumpIfFalse { cond, target });
    let to = if truthy_at(regs, cond) { after(ip) } else { jump_target(cx, target) };
    land(to, regs, cx)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_simple_instruction_has_its_handler_and_no_other_does() {
        let simple = [
            InstKind::Charge,
            InstKind::ChargeBlock,
            InstKind::Nop,
            InstKind::LoadNull,
            InstKind::LoadBool,
            InstKind::LoadConst,
            InstKind::Move,
            InstKind::Not,
            InstKind::Truthy,
            InstKind::Eq,
            InstKind::Ne,
            InstKind::Lt,
            InstKind::Le,
            InstKind::Gt,
            InstKind::Ge,
            InstKind::TypeOf,
            InstKind::Jump,
            InstKind::JumpIfTrue,
            InstKind::JumpIfFalse,
        ];
        for (tag, handler) in HANDLERS.iter().enumerate() {
            let is_stop = std::ptr::fn_addr_eq(*handler, stop as Handler);
            assert_eq!(is_stop, !simple.iter().any(|k| *k as usize == tag), "tag {tag}");
        }
    }
}
