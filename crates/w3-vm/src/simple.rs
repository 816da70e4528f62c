//! Runs the simple instructions — block charges, loads, moves, `Not`, `Truthy`, `TypeOf`,
//! comparisons and jumps — with threaded dispatch, for the main loop (`interp`).
//!
//! These are most of what compiled code executes, and each does a few loads and stores, so
//! the cost of getting from one to the next dominates. Each has a handler of its own, and
//! every handler ends by calling the handler of the instruction after it, looked up by the
//! instruction's tag in a [`Table`]: a call in tail position that the optimizer turns into
//! one indirect jump, so each instruction ends in a branch of its own (which the processor
//! predicts per instruction) and nothing returns until an instruction that is not simple, or
//! a fault, stops the chain. The handlers share one signature whose arguments stay in machine
//! registers: the instruction pointer, the frame's registers, a context with the rest, and
//! the handler table itself.
//!
//! Four things keep the common case a few machine instructions. Register operands are byte
//! offsets into the frame, turned so when the code is prepared ([`scale`]), so an operand is
//! one load and needs no multiplication before it addresses its register (`UNIT` below).
//! Instructions whose operands' kinds are known then were quickened (`quicken`) into forms
//! whose handlers test nothing. A value that owns nothing is written and copied as the two
//! words that hold it ([`Value::copy_scalar`]). And the gas left is passed from handler to
//! handler in a machine register, where a charge is one subtraction, and written back when
//! the chain stops.
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
use std::mem::size_of;
use w3_isa::Reg;
use w3_value::{compare, compare_numbers, CompareOp, Value};

/// What one unit of a register operand stands for in a handler's code, its `const UNIT`:
/// a byte, when the function's simple instructions were prepared with byte offsets
/// ([`Code::scaled`]), or a whole register (the size of a value) otherwise. Every frame of
/// up to [`SCALED_REGISTERS`] registers runs with byte offsets; only larger ones need the
/// second set of handlers.
const OFFSETS: usize = 1;
const NUMBERS: usize = size_of::<Value>();

/// The most registers a frame may have for its operands to be byte offsets in a `u16`.
pub(crate) const SCALED_REGISTERS: u16 = (u16::MAX as usize / size_of::<Value>() + 1) as u16;

/// Turns the register operands of `inst`, when it is a simple instruction, from register
/// numbers into byte offsets into the frame. Only for a function of at most
/// [`SCALED_REGISTERS`] registers, whose operands the verifier proved below that count.
pub(crate) fn scale(inst: &mut Inst) {
    let scale = |r: &mut Reg| {
        debug_assert!(r.0 < SCALED_REGISTERS);
        r.0 *= NUMBERS as u16;
    };
    match inst {
        Inst::LoadNull { dst }
        | Inst::LoadBool { dst, .. }
        | Inst::LoadConst { dst, .. }
        | Inst::LoadScalar { dst, .. } => scale(dst),
        Inst::Move { dst, src: a }
        | Inst::MoveScalar { dst, src: a }
        | Inst::Not { dst, a }
        | Inst::NotBool { dst, a }
        | Inst::NotNumber { dst, a }
        | Inst::Truthy { dst, a }
        | Inst::TypeOf { dst, a } => {
            scale(dst);
            scale(a);
        }
        Inst::Eq { dst, a, b }
        | Inst::Ne { dst, a, b }
        | Inst::Lt { dst, a, b }
        | Inst::Le { dst, a, b }
        | Inst::Gt { dst, a, b }
        | Inst::Ge { dst, a, b }
        | Inst::EqNumbers { dst, a, b }
        | Inst::NeNumbers { dst, a, b }
        | Inst::LtNumbers { dst, a, b }
        | Inst::LeNumbers { dst, a, b }
        | Inst::GtNumbers { dst, a, b }
        | Inst::GeNumbers { dst, a, b } => {
            scale(dst);
            scale(a);
            scale(b);
        }
        Inst::JumpIfTrue { cond, .. }
        | Inst::JumpIfFalse { cond, .. }
        | Inst::JumpIfTrueBool { cond, .. }
        | Inst::JumpIfFalseBool { cond, .. }
        | Inst::JumpIfTrueNumber { cond, .. }
        | Inst::JumpIfFalseNumber { cond, .. } => scale(cond),
        _ => {}
    }
}

/// Runs simple instructions of `code` from `*pc` until one that is not simple, leaving `*pc`
/// at it. On a fault, `*pc` is just past the instruction that raised it.
///
/// `values` and `metas` are the running frame's registers, exactly `code.registers` of each.
/// Register operands are used without bounds checks: the verifier proves every register
/// operand of a function below its register count (`docs/isa.md` §9, items 5 and 7), the
/// slices are checked to be that long here, and [`scale`] keeps them below it as byte
/// offsets. Instructions are fetched without bounds checks: the chain starts at an
/// instruction inside the function and only continues at one, since the verifier proves
/// every function ends in a terminator (item 9) and no simple instruction is one but `Jump`,
/// whose target is verified.
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
    let left = st.gas_limit.saturating_sub(st.gas_used);
    let constants = p.constants.as_ptr();
    let mut cx = Cx { p, st, code, insts, constants, metas: metas.as_mut_ptr(), left, fault: None, stop: false };
    // SAFETY: `*pc` is inside the function (checked above).
    let start = unsafe { insts.add(*pc) };
    let regs = values.as_mut_ptr();
    let table = if code.scaled() { &BY_OFFSET } else { &BY_NUMBER };
    #[cfg(w3_threaded)]
    let end = dispatch(start, regs, &mut cx, table, left);
    #[cfg(not(w3_threaded))]
    let end = {
        let mut ip = start;
        while !cx.stop {
            let left = cx.left;
            ip = dispatch(ip, regs, &mut cx, table, left);
        }
        ip
    };
    // The gas the chain used (all that was left when it ran out).
    cx.st.gas_used = cx.st.gas_used.saturating_add(left - cx.left);
    // SAFETY: every handler returns a pointer into the same instruction slice (or one past
    // its end after a fault in the last instruction).
    *pc = unsafe { end.offset_from(insts) } as usize;
    match cx.fault.take() {
        Some(f) => Err(f),
        None => Ok(()),
    }
}

/// What the handlers share besides the instruction pointer, the registers and the table.
pub(crate) struct Cx<'a> {
    p: &'a Program,
    st: &'a mut State,
    code: &'a Code,
    /// The function's first instruction, to turn jump targets into pointers.
    insts: *const Inst,
    /// The program's constants (the verifier proves constant operands in bounds).
    constants: *const (Value, Meta),
    /// The frame's register accounting, as long as its registers.
    metas: *mut Meta,
    /// The gas left when the chain stopped (until then, handlers pass it along), or when a
    /// slow path with no room for it among its arguments was called.
    left: u64,
    /// The fault that stopped the chain, if one did.
    fault: Option<Fault>,
    /// Whether the chain stopped (read by the loop of unoptimized builds).
    stop: bool,
}

/// Stops the chain because the instruction at `ip` needs more gas than is left, and counts
/// all of it used, as [`State::charge`] does. (A handler charges with `checked_sub` on the
/// gas it was passed and calls this when that fails; no fault is built in a handler, since
/// one that holds a fault on its stack may not get its continuation compiled as a jump.)
#[cold]
#[inline(never)]
fn out_of_gas(ip: *const Inst, cx: &mut Cx<'_>) -> *const Inst {
    cx.left = 0;
    let limit = cx.st.gas_limit;
    fail(ip, cx, Fault::OutOfGas { limit })
}

/// Runs one instruction and, unless it stops the chain, the ones after it. Returns where the
/// chain stopped: at an instruction that is not simple, or just past one that faulted.
/// Its arguments: the instruction, the frame's registers, the context, the handler table, and
/// the gas left; five, all passed in machine registers.
type Handler = for<'a> fn(*const Inst, *mut Value, &mut Cx<'a>, &'static Table, u64) -> *const Inst;

/// The handler of each instruction tag, for one `UNIT` (see [`OFFSETS`]): the simple
/// instructions' handlers, `stop` for the others. Passed along the chain, so finding the
/// next handler takes no address computation.
pub(crate) struct Table([Handler; 256]);

/// Continues with the instruction at `ip`: calls its handler in tail position (threaded
/// builds) or returns it to the loop in `run`.
#[inline(always)]
fn next(ip: *const Inst, regs: *mut Value, cx: &mut Cx<'_>, t: &'static Table, left: u64) -> *const Inst {
    #[cfg(w3_threaded)]
    {
        dispatch(ip, regs, cx, t, left)
    }
    #[cfg(not(w3_threaded))]
    {
        let _ = (regs, t);
        cx.left = left;
        ip
    }
}

/// Calls the handler of the instruction at `ip`.
#[inline(always)]
fn dispatch(ip: *const Inst, regs: *mut Value, cx: &mut Cx<'_>, t: &'static Table, left: u64) -> *const Inst {
    // SAFETY: `ip` points at an instruction (see `run`).
    let tag = unsafe { (*ip).tag() };
    t.0[usize::from(tag)](ip, regs, cx, t, left)
}

/// Stops the chain at `ip`, an instruction the main loop runs.
fn stop(ip: *const Inst, _: *mut Value, cx: &mut Cx<'_>, _: &'static Table, left: u64) -> *const Inst {
    cx.left = left;
    cx.stop = true;
    ip
}

/// Stops the chain with `fault`, raised by the instruction at `ip`. Only called from the
/// cold functions that build a fault, so no handler keeps one on its stack (which could keep
/// its continuation from being compiled as a jump).
#[cold]
#[inline(never)]
fn fail(ip: *const Inst, cx: &mut Cx<'_>, fault: Fault) -> *const Inst {
    // `cx.left` is the gas left: the cold function calling this saved it.
    cx.fault = Some(fault);
    cx.stop = true;
    // SAFETY: one past an instruction of the slice.
    unsafe { ip.add(1) }
}

/// Builds the handler tables.
struct Tables<const UNIT: usize>;

impl<const UNIT: usize> Tables<UNIT> {
    const TABLE: Table = {
        let mut table: [Handler; 256] = [stop; 256];
        table[InstKind::Charge as usize] = charge::<UNIT>;
        table[InstKind::ChargeBlock as usize] = charge_block::<UNIT>;
        table[InstKind::Nop as usize] = nop::<UNIT>;
        table[InstKind::LoadNull as usize] = load_null::<UNIT>;
        table[InstKind::LoadBool as usize] = load_bool::<UNIT>;
        table[InstKind::LoadConst as usize] = load_const::<UNIT>;
        table[InstKind::Move as usize] = move_::<UNIT>;
        table[InstKind::Not as usize] = not::<UNIT>;
        table[InstKind::Truthy as usize] = truthy::<UNIT>;
        table[InstKind::Eq as usize] = eq::<UNIT>;
        table[InstKind::Ne as usize] = ne::<UNIT>;
        table[InstKind::Lt as usize] = lt::<UNIT>;
        table[InstKind::Le as usize] = le::<UNIT>;
        table[InstKind::Gt as usize] = gt::<UNIT>;
        table[InstKind::Ge as usize] = ge::<UNIT>;
        table[InstKind::TypeOf as usize] = type_of::<UNIT>;
        table[InstKind::Jump as usize] = jump::<UNIT>;
        table[InstKind::JumpIfTrue as usize] = jump_if_true::<UNIT>;
        table[InstKind::JumpIfFalse as usize] = jump_if_false::<UNIT>;
        table[InstKind::MoveScalar as usize] = move_scalar::<UNIT>;
        table[InstKind::LoadScalar as usize] = load_scalar::<UNIT>;
        table[InstKind::NotBool as usize] = not_bool::<UNIT>;
        table[InstKind::NotNumber as usize] = not_number::<UNIT>;
        table[InstKind::EqNumbers as usize] = eq_numbers::<UNIT>;
        table[InstKind::NeNumbers as usize] = ne_numbers::<UNIT>;
        table[InstKind::LtNumbers as usize] = lt_numbers::<UNIT>;
        table[InstKind::LeNumbers as usize] = le_numbers::<UNIT>;
        table[InstKind::GtNumbers as usize] = gt_numbers::<UNIT>;
        table[InstKind::GeNumbers as usize] = ge_numbers::<UNIT>;
        table[InstKind::JumpIfTrueBool as usize] = jump_if_true_bool::<UNIT>;
        table[InstKind::JumpIfFalseBool as usize] = jump_if_false_bool::<UNIT>;
        table[InstKind::JumpIfTrueNumber as usize] = jump_if_true_number::<UNIT>;
        table[InstKind::JumpIfFalseNumber as usize] = jump_if_false_number::<UNIT>;
        Table(table)
    };
}

/// The handlers of functions whose register operands are byte offsets.
static BY_OFFSET: Table = Tables::<OFFSETS>::TABLE;
/// The handlers of functions whose register operands are register numbers.
static BY_NUMBER: Table = Tables::<NUMBERS>::TABLE;

/// Binds the fields of the instruction at `$ip`, which is a `$variant` (its handler is only
/// reached through its tag).
macro_rules! fields {
    ($ip:expr, $variant:ident $(, $field:ident)*) => {
        // SAFETY: `$ip` points at an instruction (see `run`).
        let Inst::$variant($($field),*) = (unsafe { *$ip }) else {
            // SAFETY: the tables map only `$variant`'s tag to this handler.
            unsafe { std::hint::unreachable_unchecked() }
        };
    };
    ($ip:expr, $variant:ident { $($field:ident),* }) => {
        // SAFETY: `$ip` points at an instruction (see `run`).
        let Inst::$variant { $($field),* } = (unsafe { *$ip }) else {
            // SAFETY: the tables map only `$variant`'s tag to this handler.
            unsafe { std::hint::unreachable_unchecked() }
        };
    };
}

/// Returns register operand `r` of the frame: `r` units of `UNIT` bytes past its first
/// register.
#[inline(always)]
fn at<const UNIT: usize>(regs: *mut Value, r: Reg) -> *mut Value {
    // SAFETY: `r` is a register operand of the running function, so it stands for a register
    // below the frame's register count, the length of `regs` (see `run`).
    unsafe { regs.byte_add(usize::from(r.0) * UNIT) }
}

/// Returns register operand `r` of the frame (see `at`).
#[inline(always)]
fn reg<'r, const UNIT: usize>(regs: *mut Value, r: Reg) -> &'r Value {
    // SAFETY: `at` points at a live register.
    unsafe { &*at::<UNIT>(regs, r) }
}

/// Returns the number of the register operand `r` stands for.
#[inline(always)]
fn number<const UNIT: usize>(r: Reg) -> usize {
    usize::from(r.0) * UNIT / NUMBERS
}

/// Returns one past the instruction at `ip`.
#[inline(always)]
fn after(ip: *const Inst) -> *const Inst {
    // SAFETY: the instruction at `ip` is not a function's last (see `run`), or the caller
    // stops before using the pointer.
    unsafe { ip.add(1) }
}

/// Sets the accounting of register `dst`, just written, to `meta`, then continues.
#[inline(always)]
fn account<const UNIT: usize>(
    ip: *const Inst,
    regs: *mut Value,
    cx: &mut Cx<'_>,
    t: &'static Table,
    left: u64,
    dst: Reg,
    meta: Meta,
) -> *const Inst {
    debug_assert!(meta.fits(reg::<UNIT>(regs, dst)), "a register holding a scalar is accounted zero");
    // SAFETY: `metas` is as long as the registers (see `run`).
    let old = std::mem::replace(unsafe { &mut *cx.metas.add(number::<UNIT>(dst)) }, meta).bytes;
    if meta.bytes != old {
        // Seven arguments would not all fit in machine registers: the gas goes in `cx`.
        cx.left = left;
        return hold(ip, regs, cx, t, u64::from(old), u64::from(meta.bytes));
    }
    next(after(ip), regs, cx, t, left)
}

/// Replaces `old` bytes held with `new` (see `State::hold`), then continues; out of line,
/// with the fault it may raise.
#[inline(never)]
fn hold(ip: *const Inst, regs: *mut Value, cx: &mut Cx<'_>, t: &'static Table, old: u64, new: u64) -> *const Inst {
    if cx.st.hold(old, new).is_ok() {
        let left = cx.left;
        next(after(ip), regs, cx, t, left)
    } else {
        memory_exceeded(ip, cx)
    }
}

/// Stops the chain because the value the instruction at `ip` wrote outgrew the run's memory.
#[cold]
#[inline(never)]
fn memory_exceeded(ip: *const Inst, cx: &mut Cx<'_>) -> *const Inst {
    let limit = cx.st.limits.max_memory;
    fail(ip, cx, Fault::Memory { limit })
}

/// Stops the chain because a handler was reached by an instruction it does not run, which
/// the tables rule out.
#[cold]
#[inline(never)]
fn misrouted(ip: *const Inst, cx: &mut Cx<'_>, left: u64) -> *const Inst {
    cx.left = left;
    fail(ip, cx, Fault::Internal("a handler ran an instruction of another kind".into()))
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

    /// Writes the scalar over the value at `to`, as whole words (see `Value::copy_scalar`).
    ///
    /// # Safety
    ///
    /// `to` points at a live value that owns nothing.
    #[inline(always)]
    unsafe fn put(self, to: *mut Value) {
        // SAFETY: the caller vouches for `to`.
        unsafe {
            match self {
                Scalar::Null => Value::put_null(to),
                Scalar::Bool(b) => Value::put_bool(to, b),
                Scalar::Number(n) => Value::put_number(to, n),
            }
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
fn write<const UNIT: usize>(
    ip: *const Inst,
    regs: *mut Value,
    cx: &mut Cx<'_>,
    t: &'static Table,
    left: u64,
    dst: Reg,
    value: Scalar,
) -> *const Inst {
    let to = at::<UNIT>(regs, dst);
    // SAFETY: `to` points at a live register.
    if unsafe { (*to).owns_nothing() } {
        // SAFETY: the old value owns nothing, so overwriting it without a drop leaks nothing.
        unsafe { value.put(to) };
        next(after(ip), regs, cx, t, left)
    } else {
        let (tag, bits) = value.to_words();
        // Six arguments at most, all in machine registers, for the call to be a jump: the
        // gas goes in `cx`.
        cx.left = left;
        write_slow::<UNIT>(ip, regs, cx, t, u32::from(dst.0) | u32::from(tag) << 16, bits)
    }
}

/// Writes the scalar `tag`/`bits` (see `Scalar::to_words`) over register `dst`, which owns
/// something: drops it and releases its bytes. `dst_tag` is `dst` with `tag` above it.
#[inline(never)]
fn write_slow<const UNIT: usize>(
    ip: *const Inst,
    regs: *mut Value,
    cx: &mut Cx<'_>,
    t: &'static Table,
    dst_tag: u32,
    bits: u64,
) -> *const Inst {
    let (dst, left) = (Reg(dst_tag as u16), cx.left);
    // SAFETY: `at` points at a live register.
    unsafe { *at::<UNIT>(regs, dst) = Scalar::from_words((dst_tag >> 16) as u8, bits).value() };
    account::<UNIT>(ip, regs, cx, t, left, dst, Meta::ZERO)
}

fn charge<const UNIT: usize>(
    ip: *const Inst,
    regs: *mut Value,
    cx: &mut Cx<'_>,
    t: &'static Table,
    left: u64,
) -> *const Inst {
    fields!(ip, Charge, gas);
    charged(ip, regs, cx, t, left, u64::from(gas))
}

/// Charges `gas` for the instruction at `ip`, then continues after it.
#[inline(always)]
fn charged(ip: *const Inst, regs: *mut Value, cx: &mut Cx<'_>, t: &'static Table, left: u64, gas: u64) -> *const Inst {
    match left.checked_sub(gas) {
        Some(left) => next(after(ip), regs, cx, t, left),
        None => out_of_gas(ip, cx),
    }
}

fn charge_block<const UNIT: usize>(
    ip: *const Inst,
    regs: *mut Value,
    cx: &mut Cx<'_>,
    t: &'static Table,
    left: u64,
) -> *const Inst {
    fields!(ip, ChargeBlock, block);
    let gas = cx.code.block_gas.get(block as usize).copied().unwrap_or(0);
    charged(ip, regs, cx, t, left, gas)
}

fn nop<const UNIT: usize>(
    ip: *const Inst,
    regs: *mut Value,
    cx: &mut Cx<'_>,
    t: &'static Table,
    left: u64,
) -> *const Inst {
    next(after(ip), regs, cx, t, left)
}

fn load_null<const UNIT: usize>(
    ip: *const Inst,
    regs: *mut Value,
    cx: &mut Cx<'_>,
    t: &'static Table,
    left: u64,
) -> *const Inst {
    fields!(ip, LoadNull { dst });
    write::<UNIT>(ip, regs, cx, t, left, dst, Scalar::Null)
}

fn load_bool<const UNIT: usize>(
    ip: *const Inst,
    regs: *mut Value,
    cx: &mut Cx<'_>,
    t: &'static Table,
    left: u64,
) -> *const Inst {
    fields!(ip, LoadBool { dst, value });
    write::<UNIT>(ip, regs, cx, t, left, dst, Scalar::Bool(value.0 == 1))
}

/// Returns constant `k` of the program and its accounting.
#[inline(always)]
fn constant<'c>(cx: &Cx<'c>, k: w3_isa::ConstId) -> &'c (Value, Meta) {
    // SAFETY: the verifier proves constant operands below the module's constant count, and
    // the program materialized one value for each.
    unsafe { &*cx.constants.add(k.0 as usize) }
}

fn load_const<const UNIT: usize>(
    ip: *const Inst,
    regs: *mut Value,
    cx: &mut Cx<'_>,
    t: &'static Table,
    left: u64,
) -> *const Inst {
    fields!(ip, LoadConst { dst, k });
    let from: *const Value = &constant(cx, k).0;
    let to = at::<UNIT>(regs, dst);
    // SAFETY: both point at live values.
    if unsafe { (*from).owns_nothing() && (*to).owns_nothing() } {
        // SAFETY: neither owns anything; a constant that owns nothing is accounted zero, as
        // the register is.
        unsafe { Value::copy_scalar(from, to) };
        next(after(ip), regs, cx, t, left)
    } else {
        load_const_slow::<UNIT>(ip, regs, cx, t, left)
    }
}

/// Loads a constant that owns something (shared, not copied), or over a register that does.
#[inline(never)]
fn load_const_slow<const UNIT: usize>(
    ip: *const Inst,
    regs: *mut Value,
    cx: &mut Cx<'_>,
    t: &'static Table,
    left: u64,
) -> *const Inst {
    fields!(ip, LoadConst { dst, k });
    let (value, meta) = constant(cx, k);
    // SAFETY: `at` points at a live register.
    unsafe { (*at::<UNIT>(regs, dst)).clone_from(value) };
    account::<UNIT>(ip, regs, cx, t, left, dst, *meta)
}

fn move_<const UNIT: usize>(
    ip: *const Inst,
    regs: *mut Value,
    cx: &mut Cx<'_>,
    t: &'static Table,
    left: u64,
) -> *const Inst {
    fields!(ip, Move { dst, src });
    // Only raw pointers are used while `dst` may equal `src`.
    let (to, from) = (at::<UNIT>(regs, dst), at::<UNIT>(regs, src));
    // SAFETY: `to` and `from` point at live registers.
    if unsafe { (*to).owns_nothing() && (*from).owns_nothing() } {
        // Both are accounted `Meta::ZERO`, so a copy of the value is the whole move.
        // SAFETY: neither owns anything.
        unsafe { Value::copy_scalar(from, to) };
        next(after(ip), regs, cx, t, left)
    } else {
        move_slow::<UNIT>(ip, regs, cx, t, left)
    }
}

/// Moves a value that owns something, or over one that does.
#[inline(never)]
fn move_slow<const UNIT: usize>(
    ip: *const Inst,
    regs: *mut Value,
    cx: &mut Cx<'_>,
    t: &'static Table,
    left: u64,
) -> *const Inst {
    fields!(ip, Move { dst, src });
    if dst == src {
        return next(after(ip), regs, cx, t, left);
    }
    // SAFETY: `metas` is as long as the registers (see `run`).
    let meta = unsafe { *cx.metas.add(number::<UNIT>(src)) };
    // SAFETY: live registers, and different, so the references do not overlap.
    unsafe { (*at::<UNIT>(regs, dst)).clone_from(&*at::<UNIT>(regs, src)) };
    account::<UNIT>(ip, regs, cx, t, left, dst, meta)
}

fn not<const UNIT: usize>(
    ip: *const Inst,
    regs: *mut Value,
    cx: &mut Cx<'_>,
    t: &'static Table,
    left: u64,
) -> *const Inst {
    fields!(ip, Not { dst, a });
    match truthy_at(reg::<UNIT>(regs, a)) {
        Some(b) => write::<UNIT>(ip, regs, cx, t, left, dst, Scalar::Bool(!b)),
        None => truthy_slow::<UNIT>(ip, regs, cx, t, left),
    }
}

fn truthy<const UNIT: usize>(
    ip: *const Inst,
    regs: *mut Value,
    cx: &mut Cx<'_>,
    t: &'static Table,
    left: u64,
) -> *const Inst {
    fields!(ip, Truthy { dst, a });
    match truthy_at(reg::<UNIT>(regs, a)) {
        Some(b) => write::<UNIT>(ip, regs, cx, t, left, dst, Scalar::Bool(b)),
        None => truthy_slow::<UNIT>(ip, regs, cx, t, left),
    }
}

fn type_of<const UNIT: usize>(
    ip: *const Inst,
    regs: *mut Value,
    cx: &mut Cx<'_>,
    t: &'static Table,
    left: u64,
) -> *const Inst {
    fields!(ip, TypeOf { dst, a });
    let kind = match reg::<UNIT>(regs, a) {
        Value::Null => 0.0,
        Value::Bool(_) => 1.0,
        Value::Number(_) => 2.0,
        Value::String(_) => 3.0,
        Value::Array(_) => 4.0,
        Value::Object(_) => 5.0,
    };
    write::<UNIT>(ip, regs, cx, t, left, dst, Scalar::Number(kind))
}

/// Runs comparison `op` of the instruction at `ip`. Two numbers compare in place; anything
/// else goes through `compare_slow`, out of line.
#[inline(always)]
#[allow(clippy::too_many_arguments)] // all in machine registers: the handler's and the operands
fn cmp<const UNIT: usize>(
    ip: *const Inst,
    regs: *mut Value,
    cx: &mut Cx<'_>,
    t: &'static Table,
    left: u64,
    op: CompareOp,
    dst: Reg,
    a: Reg,
    b: Reg,
) -> *const Inst {
    match (reg::<UNIT>(regs, a), reg::<UNIT>(regs, b)) {
        (Value::Number(x), Value::Number(y)) => {
            write::<UNIT>(ip, regs, cx, t, left, dst, Scalar::Bool(compare_numbers(op, *x, *y)))
        }
        _ => compare_slow::<UNIT>(ip, regs, cx, t, left),
    }
}

/// Compares values that are not both numbers, charging for the string bytes read (two
/// numbers read none, so they need no per-byte charge).
#[inline(never)]
fn compare_slow<const UNIT: usize>(
    ip: *const Inst,
    regs: *mut Value,
    cx: &mut Cx<'_>,
    t: &'static Table,
    mut left: u64,
) -> *const Inst {
    // SAFETY: `ip` points at a comparison (only their handlers come here).
    let (op, dst, a, b) = match unsafe { *ip } {
        Inst::Eq { dst, a, b } => (CompareOp::Eq, dst, a, b),
        Inst::Ne { dst, a, b } => (CompareOp::Ne, dst, a, b),
        Inst::Lt { dst, a, b } => (CompareOp::Lt, dst, a, b),
        Inst::Le { dst, a, b } => (CompareOp::Le, dst, a, b),
        Inst::Gt { dst, a, b } => (CompareOp::Gt, dst, a, b),
        Inst::Ge { dst, a, b } => (CompareOp::Ge, dst, a, b),
        _ => return misrouted(ip, cx, left),
    };
    let (x, y) = (reg::<UNIT>(regs, a), reg::<UNIT>(regs, b));
    let result = compare(op, x, y);
    if cx.p.metering {
        let n = ops::compared_bytes(x, y);
        match left.checked_sub(n.saturating_mul(cx.p.per_byte)) {
            Some(rest) => left = rest,
            None => return out_of_gas(ip, cx),
        }
    }
    write::<UNIT>(ip, regs, cx, t, left, dst, Scalar::Bool(result))
}

macro_rules! comparisons {
    ($($handler:ident: $variant:ident => $op:expr;)*) => {$(
        fn $handler<const UNIT: usize>(
            ip: *const Inst,
            regs: *mut Value,
            cx: &mut Cx<'_>,
            t: &'static Table,
            left: u64,
        ) -> *const Inst {
            fields!(ip, $variant { dst, a, b });
            cmp::<UNIT>(ip, regs, cx, t, left, $op, dst, a, b)
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

/// Returns whether `value` is truthy when it is a boolean (what compiled conditions are) or a
/// number, each a compare and a branch; `None` for the other kinds, which the handlers leave
/// to `truthy_slow`, out of line.
#[inline(always)]
fn truthy_at(value: &Value) -> Option<bool> {
    match value {
        Value::Bool(b) => Some(*b),
        Value::Number(n) => Some(number_truthy(*n)),
        _ => None,
    }
}

/// Returns whether number `n` is truthy: zero, negative zero and NaN are not.
#[inline(always)]
fn number_truthy(n: f64) -> bool {
    !(n == 0.0 || n.is_nan())
}

/// Runs the instruction at `ip`, which tests the truthiness of a value that is neither a
/// boolean nor a number.
#[inline(never)]
fn truthy_slow<const UNIT: usize>(
    ip: *const Inst,
    regs: *mut Value,
    cx: &mut Cx<'_>,
    t: &'static Table,
    left: u64,
) -> *const Inst {
    let truthy = |r: Reg| reg::<UNIT>(regs, r).is_truthy();
    // SAFETY: `ip` points at an instruction (only the handlers below come here).
    match unsafe { *ip } {
        Inst::Not { dst, a } => write::<UNIT>(ip, regs, cx, t, left, dst, Scalar::Bool(!truthy(a))),
        Inst::Truthy { dst, a } => write::<UNIT>(ip, regs, cx, t, left, dst, Scalar::Bool(truthy(a))),
        Inst::JumpIfTrue { cond, target } => {
            let to = if truthy(cond) { jump_target(cx, target) } else { after(ip) };
            land(to, regs, cx, t, left)
        }
        Inst::JumpIfFalse { cond, target } => {
            let to = if truthy(cond) { after(ip) } else { jump_target(cx, target) };
            land(to, regs, cx, t, left)
        }
        _ => misrouted(ip, cx, left),
    }
}

/// Continues at `to`, the head of a block (where a jump leads): charges the block's gas here,
/// when a `Charge` heads it, instead of in a dispatch of its own. The same charge at the same
/// point: the `Charge` is consumed, so a fault is located at it, the block's head.
#[inline(always)]
fn land(to: *const Inst, regs: *mut Value, cx: &mut Cx<'_>, t: &'static Table, left: u64) -> *const Inst {
    // SAFETY: `to` is a jump target or the instruction after a conditional jump, inside the
    // function (see `run`).
    if let Inst::Charge(gas) = unsafe { *to } {
        return charged(to, regs, cx, t, left, u64::from(gas));
    }
    next(to, regs, cx, t, left)
}

fn jump<const UNIT: usize>(
    ip: *const Inst,
    regs: *mut Value,
    cx: &mut Cx<'_>,
    t: &'static Table,
    left: u64,
) -> *const Inst {
    fields!(ip, Jump { target });
    let to = jump_target(cx, target);
    land(to, regs, cx, t, left)
}

fn jump_if_true<const UNIT: usize>(
    ip: *const Inst,
    regs: *mut Value,
    cx: &mut Cx<'_>,
    t: &'static Table,
    left: u64,
) -> *const Inst {
    fields!(ip, JumpIfTrue { cond, target });
    match truthy_at(reg::<UNIT>(regs, cond)) {
        Some(true) => land(jump_target(cx, target), regs, cx, t, left),
        Some(false) => land(after(ip), regs, cx, t, left),
        None => truthy_slow::<UNIT>(ip, regs, cx, t, left),
    }
}

fn jump_if_false<const UNIT: usize>(
    ip: *const Inst,
    regs: *mut Value,
    cx: &mut Cx<'_>,
    t: &'static Table,
    left: u64,
) -> *const Inst {
    fields!(ip, JumpIfFalse { cond, target });
    match truthy_at(reg::<UNIT>(regs, cond)) {
        Some(true) => land(after(ip), regs, cx, t, left),
        Some(false) => land(jump_target(cx, target), regs, cx, t, left),
        None => truthy_slow::<UNIT>(ip, regs, cx, t, left),
    }
}

// The quickened instructions (see `quicken`): their operands' kinds were known when the code
// was prepared, so they test nothing. Debug builds assert each assumption.

/// Marks a register that does not hold what the quickened code assumed, which `quicken`
/// rules out.
#[inline(always)]
fn assumed() -> ! {
    debug_assert!(false, "a register does not hold what the quickened code assumes");
    // SAFETY: `quicken` only quickens an instruction whose operands are known to hold what
    // its handler reads, on every way into it.
    unsafe { std::hint::unreachable_unchecked() }
}

/// Returns the boolean register `r` holds.
#[inline(always)]
fn bool_at<const UNIT: usize>(regs: *mut Value, r: Reg) -> bool {
    match reg::<UNIT>(regs, r) {
        Value::Bool(b) => *b,
        _ => assumed(),
    }
}

/// Returns the number register `r` holds.
#[inline(always)]
fn number_at<const UNIT: usize>(regs: *mut Value, r: Reg) -> f64 {
    match reg::<UNIT>(regs, r) {
        Value::Number(n) => *n,
        _ => assumed(),
    }
}

/// Writes `value` into register `dst`, which holds a value that owns nothing (accounted
/// zero, as `value` is), then continues.
#[inline(always)]
fn put<const UNIT: usize>(
    ip: *const Inst,
    regs: *mut Value,
    cx: &mut Cx<'_>,
    t: &'static Table,
    left: u64,
    dst: Reg,
    value: Scalar,
) -> *const Inst {
    let to = at::<UNIT>(regs, dst);
    // SAFETY: `to` points at a live register.
    if !unsafe { (*to).owns_nothing() } {
        assumed();
    }
    // SAFETY: the old value owns nothing, so overwriting it without a drop leaks nothing.
    unsafe { value.put(to) };
    next(after(ip), regs, cx, t, left)
}

fn move_scalar<const UNIT: usize>(
    ip: *const Inst,
    regs: *mut Value,
    cx: &mut Cx<'_>,
    t: &'static Table,
    left: u64,
) -> *const Inst {
    fields!(ip, MoveScalar { dst, src });
    copy(ip, regs, cx, t, left, at::<UNIT>(regs, src), at::<UNIT>(regs, dst))
}

/// Copies the value at `from` over register `to`, both known to own nothing, then continues.
#[inline(always)]
fn copy(
    ip: *const Inst,
    regs: *mut Value,
    cx: &mut Cx<'_>,
    t: &'static Table,
    left: u64,
    from: *const Value,
    to: *mut Value,
) -> *const Inst {
    // SAFETY: both point at live values.
    if !unsafe { (*to).owns_nothing() && (*from).owns_nothing() } {
        assumed();
    }
    // SAFETY: neither owns anything.
    unsafe { Value::copy_scalar(from, to) };
    next(after(ip), regs, cx, t, left)
}

fn load_scalar<const UNIT: usize>(
    ip: *const Inst,
    regs: *mut Value,
    cx: &mut Cx<'_>,
    t: &'static Table,
    left: u64,
) -> *const Inst {
    fields!(ip, LoadScalar { dst, k });
    let from: *const Value = &constant(cx, k).0;
    copy(ip, regs, cx, t, left, from, at::<UNIT>(regs, dst))
}

fn not_bool<const UNIT: usize>(
    ip: *const Inst,
    regs: *mut Value,
    cx: &mut Cx<'_>,
    t: &'static Table,
    left: u64,
) -> *const Inst {
    fields!(ip, NotBool { dst, a });
    let b = !bool_at::<UNIT>(regs, a);
    put::<UNIT>(ip, regs, cx, t, left, dst, Scalar::Bool(b))
}

fn not_number<const UNIT: usize>(
    ip: *const Inst,
    regs: *mut Value,
    cx: &mut Cx<'_>,
    t: &'static Table,
    left: u64,
) -> *const Inst {
    fields!(ip, NotNumber { dst, a });
    let b = !number_truthy(number_at::<UNIT>(regs, a));
    put::<UNIT>(ip, regs, cx, t, left, dst, Scalar::Bool(b))
}

macro_rules! number_comparisons {
    ($($handler:ident: $variant:ident => $op:expr;)*) => {$(
        fn $handler<const UNIT: usize>(
            ip: *const Inst,
            regs: *mut Value,
            cx: &mut Cx<'_>,
            t: &'static Table,
            left: u64,
        ) -> *const Inst {
            fields!(ip, $variant { dst, a, b });
            let result = compare_numbers($op, number_at::<UNIT>(regs, a), number_at::<UNIT>(regs, b));
            put::<UNIT>(ip, regs, cx, t, left, dst, Scalar::Bool(result))
        }
    )*};
}
number_comparisons! {
    eq_numbers: EqNumbers => CompareOp::Eq;
    ne_numbers: NeNumbers => CompareOp::Ne;
    lt_numbers: LtNumbers => CompareOp::Lt;
    le_numbers: LeNumbers => CompareOp::Le;
    gt_numbers: GtNumbers => CompareOp::Gt;
    ge_numbers: GeNumbers => CompareOp::Ge;
}

macro_rules! quick_jumps {
    ($($handler:ident: $variant:ident, $truthy:expr, $when:literal;)*) => {$(
        fn $handler<const UNIT: usize>(
            ip: *const Inst,
            regs: *mut Value,
            cx: &mut Cx<'_>,
            t: &'static Table,
            left: u64,
        ) -> *const Inst {
            fields!(ip, $variant { cond, target });
            // Two continuations, not one with its target selected: a branch the processor
            // predicts, where a selected target would make the next fetch wait for the test.
            if $truthy(regs, cond) == $when {
                land(jump_target(cx, target), regs, cx, t, left)
            } else {
                land(after(ip), regs, cx, t, left)
            }
        }
    )*};
}
quick_jumps! {
    jump_if_true_bool: JumpIfTrueBool, bool_at::<UNIT>, true;
    jump_if_false_bool: JumpIfFalseBool, bool_at::<UNIT>, false;
    jump_if_true_number: JumpIfTrueNumber, |regs, r| number_truthy(number_at::<UNIT>(regs, r)), true;
    jump_if_false_number: JumpIfFalseNumber, |regs, r| number_truthy(number_at::<UNIT>(regs, r)), false;
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
            InstKind::MoveScalar,
            InstKind::LoadScalar,
            InstKind::NotBool,
            InstKind::NotNumber,
            InstKind::EqNumbers,
            InstKind::NeNumbers,
            InstKind::LtNumbers,
            InstKind::LeNumbers,
            InstKind::GtNumbers,
            InstKind::GeNumbers,
            InstKind::JumpIfTrueBool,
            InstKind::JumpIfFalseBool,
            InstKind::JumpIfTrueNumber,
            InstKind::JumpIfFalseNumber,
        ];
        for table in [&BY_OFFSET, &BY_NUMBER] {
            for (tag, handler) in table.0.iter().enumerate() {
                let is_stop = std::ptr::fn_addr_eq(*handler, stop as Handler);
                assert_eq!(is_stop, !simple.iter().any(|k| *k as usize == tag), "tag {tag}");
            }
        }
    }
}
