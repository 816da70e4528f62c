//! Quickens simple instructions whose operands' kinds are known when the code is prepared.
//!
//! Most of what the simple instructions' handlers test at run time is known before the run:
//! a register just loaded with a number holds a number, a comparison's result is a boolean,
//! a register written by a simple instruction holds a value that owns nothing. One forward
//! pass over a function follows these kinds through its registers and replaces an
//! instruction by its quickened form (an [`Inst`] variant of its own, see `program.rs`) when
//! its operands' kinds make the tests its handler would run foregone: a `Move` between two
//! registers that own nothing is a copy of 16 bytes, a `JumpIfFalse` on a boolean reads one
//! byte. The effect, the gas and the location of a fault are the same.
//!
//! What the pass knows is deliberately little, so that it is easy to check:
//!
//! - it knows nothing at a function's entry, nor where a jump leads back (a loop's head);
//! - where jumps lead forward, it keeps what holds on every way in (a register known to
//!   hold a boolean on one way and a number on another holds a scalar);
//! - it forgets everything at every instruction it does not model (calls, host calls,
//!   fibers, step bookkeeping), so nothing is assumed where a frame resumes: after a call
//!   returns, after a host call is answered, after a join. A snapshot whose frame would
//!   resume where something is assumed is refused (`Code::assumes`);
//! - it knows at most [`KNOWN`] registers at a time, so the pass is linear.
//!
//! Debug builds (the tests) assert every assumption in the quickened handlers.

use crate::program::Inst;
use std::collections::BTreeMap;
use w3_isa::{Constant, Reg};

/// What is known of a register's value: that it is a null, a boolean, a number, or one of
/// these (all own nothing).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Null,
    Bool,
    Number,
    Scalar,
}

impl Kind {
    /// Returns what holds when either holds.
    fn join(self, other: Kind) -> Kind {
        if self == other {
            self
        } else {
            Kind::Scalar
        }
    }
}

/// The most registers known at once: beyond, a new one is not recorded.
const KNOWN: usize = 32;

/// What is known before an instruction: registers (by number, ascending) and their kinds.
#[derive(Clone, Debug, Default)]
struct Known(Vec<(u16, Kind)>);

impl Known {
    fn get(&self, r: Reg) -> Option<Kind> {
        self.0.binary_search_by_key(&r.0, |e| e.0).ok().map(|i| self.0[i].1)
    }

    fn owns_nothing(&self, r: Reg) -> bool {
        self.get(r).is_some()
    }

    fn set(&mut self, r: Reg, kind: Option<Kind>) {
        match (self.0.binary_search_by_key(&r.0, |e| e.0), kind) {
            (Ok(i), Some(k)) => self.0[i].1 = k,
            (Ok(i), None) => {
                self.0.remove(i);
            }
            (Err(i), Some(k)) if self.0.len() < KNOWN => self.0.insert(i, (r.0, k)),
            (Err(_), _) => {}
        }
    }

    /// Keeps what holds both here and in `other`.
    fn meet(&mut self, other: &Known) {
        self.0.retain_mut(|(r, k)| match other.get(Reg(*r)) {
            Some(o) => {
                *k = k.join(o);
                true
            }
            None => false,
        });
    }
}

/// Returns where `inst` may jump (an instruction index), if it is a jump.
fn target(inst: &Inst) -> Option<usize> {
    match inst {
        Inst::Jump { target }
        | Inst::JumpIfTrue { target, .. }
        | Inst::JumpIfFalse { target, .. }
        | Inst::JumpIfTrueBool { target, .. }
        | Inst::JumpIfFalseBool { target, .. }
        | Inst::JumpIfTrueNumber { target, .. }
        | Inst::JumpIfFalseNumber { target, .. } => Some(target.0 as usize),
        _ => None,
    }
}

/// Quickens the instructions of one function (jump targets already instruction indices,
/// register operands register numbers) and returns the instructions before which something
/// is assumed, as a bit set.
pub(crate) fn quicken(insts: &mut [Inst], constants: &[Constant]) -> Vec<u64> {
    let n = insts.len();
    let mut assumes = vec![0u64; n.div_ceil(64)];
    // Where jumps lead, and whether any leads back (to itself or an earlier instruction).
    let mut targets: BTreeMap<usize, bool> = BTreeMap::new();
    for (i, inst) in insts.iter().enumerate() {
        if let Some(t) = target(inst) {
            *targets.entry(t).or_default() |= t <= i;
        }
    }
    // What holds on the forward jumps seen so far, by where they lead.
    let mut incoming: BTreeMap<usize, Known> = BTreeMap::new();
    let mut known = Known::default();
    let mut falls = true;
    for i in 0..n {
        let jumped = incoming.remove(&i);
        known = if targets.get(&i) == Some(&true) {
            // A loop's head: what holds on the way back is not known yet.
            Known::default()
        } else {
            match (falls, jumped) {
                (true, Some(jumped)) => {
                    known.meet(&jumped);
                    known
                }
                (true, None) => known,
                (false, Some(jumped)) => jumped,
                // Reached by no way: nothing to assume.
                (false, None) => Known::default(),
            }
        };
        if !known.0.is_empty() {
            assumes[i / 64] |= 1 << (i % 64);
        }
        insts[i] = quickened(insts[i], &known, constants);
        transfer(&insts[i], &mut known, constants);
        if let Some(t) = target(&insts[i]) {
            if t > i {
                match incoming.get_mut(&t) {
                    Some(k) => k.meet(&known),
                    None => {
                        incoming.insert(t, known.clone());
                    }
                }
            }
        }
        falls = !insts[i].is_terminator();
    }
    assumes
}

/// Returns the kind of constant `k`, when it owns nothing.
fn constant(constants: &[Constant], k: w3_isa::ConstId) -> Option<Kind> {
    match constants.get(k.0 as usize)? {
        Constant::Null => Some(Kind::Null),
        Constant::Bool(_) => Some(Kind::Bool),
        Constant::Number(_) => Some(Kind::Number),
        _ => None,
    }
}

/// Returns `inst`'s quickened form where `known` allows one, else `inst`.
fn quickened(inst: Inst, known: &Known, constants: &[Constant]) -> Inst {
    let is = |r: Reg, kind: Kind| known.get(r) == Some(kind);
    match inst {
        Inst::Move { dst, src } if known.owns_nothing(dst) && known.owns_nothing(src) => Inst::MoveScalar { dst, src },
        Inst::Truthy { dst, a } if known.owns_nothing(dst) && is(a, Kind::Bool) => Inst::MoveScalar { dst, src: a },
        Inst::LoadConst { dst, k } if known.owns_nothing(dst) && constant(constants, k).is_some() => {
            Inst::LoadScalar { dst, k }
        }
        Inst::Not { dst, a } if known.owns_nothing(dst) && is(a, Kind::Bool) => Inst::NotBool { dst, a },
        Inst::Not { dst, a } if known.owns_nothing(dst) && is(a, Kind::Number) => Inst::NotNumber { dst, a },
        Inst::Eq { dst, a, b }
        | Inst::Ne { dst, a, b }
        | Inst::Lt { dst, a, b }
        | Inst::Le { dst, a, b }
        | Inst::Gt { dst, a, b }
        | Inst::Ge { dst, a, b }
            if known.owns_nothing(dst) && is(a, Kind::Number) && is(b, Kind::Number) =>
        {
            match inst {
                Inst::Eq { .. } => Inst::EqNumbers { dst, a, b },
                Inst::Ne { .. } => Inst::NeNumbers { dst, a, b },
                Inst::Lt { .. } => Inst::LtNumbers { dst, a, b },
                Inst::Le { .. } => Inst::LeNumbers { dst, a, b },
                Inst::Gt { .. } => Inst::GtNumbers { dst, a, b },
                _ => Inst::GeNumbers { dst, a, b },
            }
        }
        Inst::JumpIfTrue { cond, target } if is(cond, Kind::Bool) => Inst::JumpIfTrueBool { cond, target },
        Inst::JumpIfFalse { cond, target } if is(cond, Kind::Bool) => Inst::JumpIfFalseBool { cond, target },
        Inst::JumpIfTrue { cond, target } if is(cond, Kind::Number) => Inst::JumpIfTrueNumber { cond, target },
        Inst::JumpIfFalse { cond, target } if is(cond, Kind::Number) => Inst::JumpIfFalseNumber { cond, target },
        other => other,
    }
}

/// Updates `known` for the effect of `inst` on the registers.
fn transfer(inst: &Inst, known: &mut Known, constants: &[Constant]) {
    match *inst {
        Inst::Charge(_)
        | Inst::ChargeBlock(_)
        | Inst::Nop {}
        | Inst::Jump { .. }
        | Inst::JumpIfTrue { .. }
        | Inst::JumpIfFalse { .. }
        | Inst::JumpIfTrueBool { .. }
        | Inst::JumpIfFalseBool { .. }
        | Inst::JumpIfTrueNumber { .. }
        | Inst::JumpIfFalseNumber { .. } => {}
        Inst::LoadNull { dst } => known.set(dst, Some(Kind::Null)),
        Inst::LoadBool { dst, .. } => known.set(dst, Some(Kind::Bool)),
        Inst::LoadConst { dst, k } | Inst::LoadScalar { dst, k } => known.set(dst, constant(constants, k)),
        Inst::Move { dst, src } | Inst::MoveScalar { dst, src } => known.set(dst, known.get(src)),
        Inst::Not { dst, .. }
        | Inst::Truthy { dst, .. }
        | Inst::NotBool { dst, .. }
        | Inst::NotNumber { dst, .. }
        | Inst::Eq { dst, .. }
        | Inst::Ne { dst, .. }
        | Inst::Lt { dst, .. }
        | Inst::Le { dst, .. }
        | Inst::Gt { dst, .. }
        | Inst::Ge { dst, .. }
        | Inst::EqNumbers { dst, .. }
        | Inst::NeNumbers { dst, .. }
        | Inst::LtNumbers { dst, .. }
        | Inst::LeNumbers { dst, .. }
        | Inst::GtNumbers { dst, .. }
        | Inst::GeNumbers { dst, .. }
        | Inst::Status { dst, .. } => known.set(dst, Some(Kind::Bool)),
        Inst::TypeOf { dst, .. } => known.set(dst, Some(Kind::Number)),
        // Instructions that write only their result, of a kind not known here.
        Inst::LoadContext { dst, .. }
        | Inst::GetProp { dst, .. }
        | Inst::Index { dst, .. }
        | Inst::Filter { dst, .. }
        | Inst::MakeArray { dst, .. }
        | Inst::MakeObject { dst, .. }
        | Inst::ToStr { dst, .. }
        | Inst::Concat { dst, .. }
        | Inst::CallBuiltin { dst, .. } => known.set(dst, None),
        // Everything else: calls, host calls, fibers, step bookkeeping, ends. A frame may
        // resume after some of these, where nothing may be assumed.
        _ => known.0.clear(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use w3_isa::{ConstId, FuncId, Imm8, Target};

    fn r(n: u16) -> Reg {
        Reg(n)
    }

    /// Constant 0 is a number, 1 a string.
    fn constants() -> Vec<Constant> {
        vec![Constant::Number(w3_isa::Number::from_f64(2.0)), Constant::String(w3_isa::StrId(0))]
    }

    fn run(mut insts: Vec<Inst>) -> (Vec<Inst>, Vec<bool>) {
        let bits = quicken(&mut insts, &constants());
        let assumes = (0..insts.len()).map(|i| bits[i / 64] & (1 << (i % 64)) != 0).collect();
        (insts, assumes)
    }

    #[test]
    fn kinds_follow_loads_and_moves_within_straight_code() {
        let (insts, assumes) = run(vec![
            Inst::LoadConst { dst: r(1), k: ConstId(0) },
            Inst::Move { dst: r(4), src: r(1) },
            Inst::Move { dst: r(4), src: r(1) },
            Inst::Not { dst: r(4), a: r(1) },
            Inst::Lt { dst: r(5), a: r(1), b: r(1) },
            Inst::Lt { dst: r(4), a: r(1), b: r(1) },
            Inst::LoadConst { dst: r(4), k: ConstId(1) },
            Inst::Move { dst: r(1), src: r(4) },
            Inst::Return { src: r(4) },
        ]);
        assert_eq!(insts[1], Inst::Move { dst: r(4), src: r(1) }, "r4 may own something");
        assert_eq!(insts[2], Inst::MoveScalar { dst: r(4), src: r(1) });
        assert_eq!(insts[3], Inst::NotNumber { dst: r(4), a: r(1) });
        assert_eq!(insts[4], Inst::Lt { dst: r(5), a: r(1), b: r(1) });
        assert_eq!(insts[5], Inst::LtNumbers { dst: r(4), a: r(1), b: r(1) });
        assert_eq!(insts[6], Inst::LoadConst { dst: r(4), k: ConstId(1) }, "a string is not a scalar");
        assert_eq!(insts[7], Inst::Move { dst: r(1), src: r(4) });
        assert_eq!(assumes, [false, true, true, true, true, true, true, true, true]);
    }

    #[test]
    fn ways_in_keep_what_holds_on_all_and_loops_forget() {
        let (insts, _) = run(vec![
            Inst::LoadBool { dst: r(0), value: Imm8(1) },
            Inst::LoadBool { dst: r(1), value: Imm8(0) },
            Inst::JumpIfTrue { cond: r(0), target: Target(4) },
            Inst::LoadConst { dst: r(0), k: ConstId(0) },
            // Reached with r0 a boolean or a number, r1 a boolean on both ways.
            Inst::JumpIfFalse { cond: r(0), target: Target(7) },
            Inst::JumpIfFalse { cond: r(1), target: Target(7) },
            Inst::Move { dst: r(0), src: r(1) },
            // A loop's head: nothing is known.
            Inst::JumpIfFalse { cond: r(1), target: Target(7) },
            Inst::Jump { target: Target(7) },
        ]);
        assert_eq!(insts[2], Inst::JumpIfTrueBool { cond: r(0), target: Target(4) });
        assert_eq!(insts[4], Inst::JumpIfFalse { cond: r(0), target: Target(7) });
        assert_eq!(insts[5], Inst::JumpIfFalseBool { cond: r(1), target: Target(7) });
        assert_eq!(insts[6], Inst::MoveScalar { dst: r(0), src: r(1) });
        assert_eq!(insts[7], Inst::JumpIfFalse { cond: r(1), target: Target(7) });
    }

    #[test]
    fn nothing_is_assumed_where_a_frame_resumes() {
        let call = Inst::Call { dst: r(2), func: FuncId(0), first: r(0), argc: Imm8(1) };
        let host = Inst::HostCall { dst: r(2), kind: w3_isa::HostId(0), arg: r(0) };
        for effect in [call, host] {
            let (insts, assumes) = run(vec![
                Inst::LoadNull { dst: r(0) },
                Inst::LoadNull { dst: r(1) },
                effect,
                Inst::Move { dst: r(1), src: r(0) },
                Inst::Return { src: r(1) },
            ]);
            assert_eq!(insts[3], Inst::Move { dst: r(1), src: r(0) }, "{effect:?}");
            assert_eq!(assumes, [false, true, true, false, false], "{effect:?}");
        }
    }

    #[test]
    fn only_so_many_registers_are_known() {
        let n = KNOWN as u16 + 8;
        let mut insts: Vec<Inst> = (0..n).map(|i| Inst::LoadNull { dst: r(i) }).collect();
        insts.extend((0..n).map(|i| Inst::Move { dst: r(i), src: r(i) }));
        let (insts, _) = run(insts);
        let quick = insts.iter().filter(|i| matches!(i, Inst::MoveScalar { .. })).count();
        assert_eq!(quick, KNOWN);
    }
}
