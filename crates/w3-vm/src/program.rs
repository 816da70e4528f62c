//! Prepares a verified module for execution, once per VM: instructions with jump targets turned
//! into instruction indices, a `Charge` pseudo-instruction at the head of every basic block
//! (when metering), constants materialized as values, strings ready for use as values and as
//! case-folded context names.

use crate::error::{Location, SourcePos};
use crate::meta::{clamp, Meta};
use crate::{quicken, simple};
use std::sync::Arc;
use w3_isa::{Constant, Op, Target, VerifiedFunction, VerifiedModule};
use w3_value::text::fold;
use w3_value::{Array, Object, Value};

// Generates `Inst` from the op table: every ISA instruction as a variant of its own, next to
// the block charges, so the dispatch loop is a single `match` with one jump table (a nested
// `Inst::Op(Op)` costs a compare-and-branch per instruction before the table).
macro_rules! define_inst {
    ($(
        $(#[doc = $doc:literal])*
        $name:ident = $code:literal { $($field:ident : $kind:ident),* }
            gas $gas:literal, bytes $bytes:literal, block $block:literal, term $term:literal;
    )*) => {
        /// Holds one executable instruction: a block charge, or an ISA instruction (see
        /// [`Op`]) whose jump target is an index into [`Code::insts`]. Its first byte is its
        /// tag, the [`InstKind`] of the same name (`repr(u8)`), which the threaded handlers
        /// are looked up by.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        #[repr(u8)]
        pub(crate) enum Inst {
            /// Charges this much gas: the static gas of the block it heads, when that fits in
            /// a `u32` (always, in practice), so the charge needs no table lookup.
            Charge(u32),
            /// Charges the static gas of block `n` of the function (see
            /// [`Code::block_gas`]), for a block too costly for [`Inst::Charge`].
            ChargeBlock(u32),
            // The quickened forms of simple instructions (see `quicken`): the same effect,
            // for operands whose kinds are known when the code is prepared, so the handler
            // tests nothing. Each stands for the ISA instruction in its name.
            /// `Move` (or `Truthy` of a boolean) of a value that owns nothing into a register
            /// that holds one.
            MoveScalar { dst: w3_isa::Reg, src: w3_isa::Reg },
            /// `LoadConst` of a null, boolean or number into a register that holds one.
            LoadScalar { dst: w3_isa::Reg, k: w3_isa::ConstId },
            /// `Not` of a boolean, into a register that holds a value owning nothing.
            NotBool { dst: w3_isa::Reg, a: w3_isa::Reg },
            /// `Not` of a number, into a register that holds a value owning nothing.
            NotNumber { dst: w3_isa::Reg, a: w3_isa::Reg },
            /// `Eq` of two numbers, into a register that holds a value owning nothing.
            EqNumbers { dst: w3_isa::Reg, a: w3_isa::Reg, b: w3_isa::Reg },
            /// `Ne` of two numbers (as `EqNumbers`).
            NeNumbers { dst: w3_isa::Reg, a: w3_isa::Reg, b: w3_isa::Reg },
            /// `Lt` of two numbers (as `EqNumbers`).
            LtNumbers { dst: w3_isa::Reg, a: w3_isa::Reg, b: w3_isa::Reg },
            /// `Le` of two numbers (as `EqNumbers`).
            LeNumbers { dst: w3_isa::Reg, a: w3_isa::Reg, b: w3_isa::Reg },
            /// `Gt` of two numbers (as `EqNumbers`).
            GtNumbers { dst: w3_isa::Reg, a: w3_isa::Reg, b: w3_isa::Reg },
            /// `Ge` of two numbers (as `EqNumbers`).
            GeNumbers { dst: w3_isa::Reg, a: w3_isa::Reg, b: w3_isa::Reg },
            /// `JumpIfTrue` on a boolean.
            JumpIfTrueBool { cond: w3_isa::Reg, target: w3_isa::Target },
            /// `JumpIfFalse` on a boolean.
            JumpIfFalseBool { cond: w3_isa::Reg, target: w3_isa::Target },
            /// `JumpIfTrue` on a number.
            JumpIfTrueNumber { cond: w3_isa::Reg, target: w3_isa::Target },
            /// `JumpIfFalse` on a number.
            JumpIfFalseNumber { cond: w3_isa::Reg, target: w3_isa::Target },
            $(
                $(#[doc = $doc])*
                $name { $($field: w3_isa::$kind),* },
            )*
        }

        /// Names the kinds of [`Inst`], in the same order, so `InstKind::X as u8` is the tag
        /// of `Inst::X`.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        #[repr(u8)]
        #[allow(dead_code)] // only the simple instructions' kinds are named
        pub(crate) enum InstKind {
            Charge,
            ChargeBlock,
            MoveScalar,
            LoadScalar,
            NotBool,
            NotNumber,
            EqNumbers,
            NeNumbers,
            LtNumbers,
            LeNumbers,
            GtNumbers,
            GeNumbers,
            JumpIfTrueBool,
            JumpIfFalseBool,
            JumpIfTrueNumber,
            JumpIfFalseNumber,
            $($name,)*
        }

        #[cfg(test)]
        impl Inst {
            /// Returns one instruction of each kind, with its kind.
            pub(crate) fn samples() -> Vec<(Inst, InstKind)> {
                vec![
                    (Inst::Charge(7), InstKind::Charge),
                    (Inst::ChargeBlock(7), InstKind::ChargeBlock),
                    (Inst::MoveScalar { dst: Default::default(), src: Default::default() }, InstKind::MoveScalar),
                    (Inst::LoadScalar { dst: Default::default(), k: Default::default() }, InstKind::LoadScalar),
                    (Inst::NotBool { dst: Default::default(), a: Default::default() }, InstKind::NotBool),
                    (Inst::NotNumber { dst: Default::default(), a: Default::default() }, InstKind::NotNumber),
                    (Inst::EqNumbers { dst: Default::default(), a: Default::default(), b: Default::default() }, InstKind::EqNumbers),
                    (Inst::NeNumbers { dst: Default::default(), a: Default::default(), b: Default::default() }, InstKind::NeNumbers),
                    (Inst::LtNumbers { dst: Default::default(), a: Default::default(), b: Default::default() }, InstKind::LtNumbers),
                    (Inst::LeNumbers { dst: Default::default(), a: Default::default(), b: Default::default() }, InstKind::LeNumbers),
                    (Inst::GtNumbers { dst: Default::default(), a: Default::default(), b: Default::default() }, InstKind::GtNumbers),
                    (Inst::GeNumbers { dst: Default::default(), a: Default::default(), b: Default::default() }, InstKind::GeNumbers),
                    (Inst::JumpIfTrueBool { cond: Default::default(), target: Default::default() }, InstKind::JumpIfTrueBool),
                    (Inst::JumpIfFalseBool { cond: Default::default(), target: Default::default() }, InstKind::JumpIfFalseBool),
                    (Inst::JumpIfTrueNumber { cond: Default::default(), target: Default::default() }, InstKind::JumpIfTrueNumber),
                    (Inst::JumpIfFalseNumber { cond: Default::default(), target: Default::default() }, InstKind::JumpIfFalseNumber),
                    $((Inst::$name { $($field: Default::default()),* }, InstKind::$name),)*
                ]
            }
        }

        impl Inst {
            /// Returns whether control never goes on from the instruction to the next one
            /// (the op table's terminators; a block charge and a quickened form never are).
            pub(crate) fn is_terminator(&self) -> bool {
                match self {
                    $(Inst::$name { .. } => $term,)*
                    _ => false,
                }
            }
        }

        impl From<Op> for Inst {
            fn from(op: Op) -> Inst {
                match op {
                    $(Op::$name { $($field),* } => Inst::$name { $($field),* },)*
                }
            }
        }
    };
}
w3_isa::for_each_op!(define_inst);

impl Inst {
    /// Returns the instruction's tag: the value of its [`InstKind`].
    #[inline(always)]
    pub fn tag(&self) -> u8 {
        // SAFETY: `Inst` is `repr(u8)`, so its first byte is its tag.
        unsafe { *(self as *const Inst).cast::<u8>() }
    }

    /// Returns whether the instruction charges a block's gas (heads a block, when metering).
    pub fn is_charge(&self) -> bool {
        matches!(self, Inst::Charge(_) | Inst::ChargeBlock(_))
    }
}

/// Holds one function ready to run.
#[derive(Debug)]
pub(crate) struct Code {
    /// The instructions, with a `Charge` before each block when metering.
    pub insts: Vec<Inst>,
    /// The byte offset of each instruction (a `Charge` has its block's).
    pub offsets: Vec<u32>,
    /// The static gas of each basic block.
    pub block_gas: Vec<u64>,
    /// The instruction index of each block's head, by the block's byte offset.
    pub leaders: Vec<(u32, u32)>,
    /// The registers of a frame.
    pub registers: u16,
    /// The instructions before which the quickened code assumes something of the registers
    /// (see `quicken`), as a bit set: no frame may resume at one.
    pub assumes: Vec<u64>,
}

impl Code {
    fn build(module: &w3_isa::Module, index: usize, f: &VerifiedFunction, metering: bool) -> Code {
        let raw = &module.functions[index];
        let mut code = Code {
            insts: Vec::with_capacity(f.instructions().len() + f.blocks().len()),
            offsets: Vec::with_capacity(f.instructions().len() + f.blocks().len()),
            block_gas: f.blocks().iter().map(|b| b.gas).collect(),
            leaders: Vec::with_capacity(f.blocks().len()),
            registers: raw.registers,
            assumes: Vec::new(),
        };
        let mut at = 0u32;
        for block in f.blocks() {
            code.leaders.push((block.start, at));
            at += u32::from(metering) + f.block_instructions(block).len() as u32;
        }
        // The verifier guarantees every target starts an instruction, and targets are leaders.
        let leaders = &code.leaders;
        let leader = |offset: u32| leaders.binary_search_by_key(&offset, |l| l.0).map_or(0, |at| leaders[at].1);
        for (n, block) in f.blocks().iter().enumerate() {
            if metering {
                code.insts.push(u32::try_from(block.gas).map_or(Inst::ChargeBlock(n as u32), Inst::Charge));
                code.offsets.push(block.start);
            }
            for instr in f.block_instructions(block) {
                let mut op = instr.op;
                if let Some(t) = op.target() {
                    op.set_target(Target(leader(t.0)));
                }
                code.insts.push(Inst::from(op));
                code.offsets.push(instr.offset);
            }
        }
        code.assumes = quicken::quicken(&mut code.insts, &module.constants);
        if code.scaled() {
            code.insts.iter_mut().for_each(simple::scale);
        }
        code
    }

    /// Returns whether the simple instructions' register operands are byte offsets into the
    /// frame rather than register numbers (see `simple::scale`): when the frame is small
    /// enough for every offset to fit.
    pub fn scaled(&self) -> bool {
        self.registers <= simple::SCALED_REGISTERS
    }

    /// Returns whether the quickened code assumes something of the registers before
    /// instruction `pc` (see `quicken`).
    pub fn assumes(&self, pc: usize) -> bool {
        self.assumes.get(pc / 64).is_some_and(|bits| bits & (1 << (pc % 64)) != 0)
    }
}

/// Holds everything about a module that execution needs, shared by all fibers of a run.
#[derive(Debug)]
pub(crate) struct Program {
    /// The module.
    pub module: Arc<VerifiedModule>,
    /// Each function, ready to run.
    pub code: Vec<Code>,
    /// The constant pool as values, each built once per run and shared.
    pub constants: Vec<(Value, Meta)>,
    /// The string table as shared strings.
    pub strings: Vec<Arc<str>>,
    /// The string table case-folded, to look contexts up without allocating.
    pub folded: Vec<String>,
    /// The gas per byte of per-byte instructions.
    pub per_byte: u64,
    /// Whether gas is charged.
    pub metering: bool,
    /// The module's content hash.
    pub hash: [u8; 32],
}

impl Program {
    /// Prepares `module` for execution.
    pub fn new(module: Arc<VerifiedModule>, metering: bool) -> Program {
        let m = module.module();
        let code = (m.functions.iter().enumerate())
            .map(|(i, _)| Code::build(m, i, &module.functions()[i], metering))
            .collect();
        let strings: Vec<Arc<str>> = m.strings.iter().map(|s| Arc::from(s.as_str())).collect();
        let folded = m.strings.iter().map(|s| fold(s)).collect();
        let constants = materialize(&m.constants, &strings);
        Program {
            per_byte: u64::from(module.gas_schedule().per_byte),
            hash: m.content_hash(),
            module,
            code,
            constants,
            strings,
            folded,
            metering,
        }
    }

    /// Returns string `id` of the module (the verifier checked the index).
    pub fn string(&self, id: w3_isa::StrId) -> &Arc<str> {
        &self.strings[id.0 as usize]
    }

    /// Returns where instruction `inst` of function `func` is, with its source position.
    pub fn locate(&self, func: u32, inst: usize) -> Location {
        let m = self.module.module();
        let function = &m.functions[func as usize];
        let offset = self.code[func as usize].offsets.get(inst).copied().unwrap_or(0);
        let source = function.span_at(offset).map(|s| SourcePos {
            file: m.string(s.file).unwrap_or_default().to_owned(),
            line: s.line,
            col: s.col,
            end_line: s.end_line,
            end_col: s.end_col,
        });
        Location { function: func, name: m.string(function.name).unwrap_or_default().to_owned(), offset, source }
    }
}

/// Builds the constant pool's values in index order (each refers only to earlier ones).
fn materialize(constants: &[Constant], strings: &[Arc<str>]) -> Vec<(Value, Meta)> {
    let mut out: Vec<(Value, Meta)> = Vec::with_capacity(constants.len());
    for c in constants {
        let get = |k: &w3_isa::ConstId| out.get(k.0 as usize).cloned().unwrap_or((Value::Null, Meta::ZERO));
        let entry = match c {
            Constant::Null => (Value::Null, Meta::ZERO),
            Constant::Bool(b) => (Value::Bool(*b), Meta::ZERO),
            Constant::Number(n) => (Value::Number(n.to_f64()), Meta::ZERO),
            Constant::String(s) => {
                let s = strings.get(s.0 as usize).cloned().unwrap_or_else(|| Arc::from(""));
                let meta = Meta::string(s.len());
                (Value::String(s), meta)
            }
            Constant::Array(items) => {
                let items: Vec<(Value, Meta)> = items.iter().map(get).collect();
                let meta = nested(items.iter().map(|i| i.1), 8 * items.len() as u64);
                (Value::Array(Array::new(items.into_iter().map(|i| i.0).collect())), meta)
            }
            Constant::Object(entries) => {
                let mut object = Object::new();
                let mut metas = Vec::with_capacity(entries.len());
                let mut keys = 0u64;
                for (key, k) in entries {
                    let key = strings.get(key.0 as usize).map_or("", |s| s);
                    let (value, meta) = get(k);
                    keys += key.len() as u64;
                    metas.push(meta);
                    object.insert(key, value);
                }
                let meta = nested(metas.into_iter(), 16 * entries.len() as u64 + keys);
                (Value::Object(object), meta)
            }
        };
        out.push(entry);
    }
    out
}

/// Returns the meta of a collection of children with `metas`, plus `own` bytes.
fn nested(metas: impl Iterator<Item = Meta>, own: u64) -> Meta {
    let (mut bytes, mut depth) = (own, 0u16);
    for m in metas {
        bytes = bytes.saturating_add(u64::from(m.bytes));
        depth = depth.max(m.depth);
    }
    Meta { bytes: clamp(bytes), depth: depth.saturating_add(1) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use w3_isa::{verify, FunctionBuilder, FunctionKind, ModuleBuilder};

    #[test]
    fn an_instructions_first_byte_is_its_kind() {
        let samples = Inst::samples();
        assert_eq!(samples.len(), 16 + w3_isa::OPS.len());
        for (inst, kind) in samples {
            assert_eq!(inst.tag(), kind as u8, "{inst:?}");
        }
        assert!(std::mem::size_of::<Inst>() <= 12);
    }

    #[test]
    fn charges_head_every_block_and_targets_are_indices() {
        let mut m = ModuleBuilder::new("t");
        let k = m.string_constant("ab");
        let list = m.array(vec![k, k]);
        let mut f = FunctionBuilder::new(0);
        let (r, out) = (f.reg(), f.label());
        f.emit(Op::LoadConst { dst: r, k: list });
        f.jump_if_false(r, out);
        f.emit(Op::Nop {});
        f.bind(out);
        f.emit(Op::Return { src: r });
        m.function("f", FunctionKind::Expression, f).unwrap();
        let module = Arc::new(verify(&m.finish().unwrap()).unwrap());
        let p = Program::new(module.clone(), true);
        let code = &p.code[0];
        let gas = |block: usize| Inst::Charge(module.functions()[0].blocks()[block].gas as u32);
        assert_eq!(code.insts[0], gas(0));
        assert_eq!(code.insts.len(), 4 + 3);
        let Inst::JumpIfFalse { target, .. } = code.insts[2] else { panic!() };
        assert_eq!(code.insts[target.0 as usize], gas(2));
        assert_eq!(p.constants[1].1, Meta { bytes: 16 + 4, depth: 1 });
        let plain = Program::new(module, false);
        assert_eq!(plain.code[0].insts.len(), 4);
        assert_eq!(plain.locate(0, 3).offset, code.offsets[6]);
    }
}
