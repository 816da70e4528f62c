//! Generates the `Op` enum, `Opcode`, the op info table `OPS`, and instruction encoding and
//! decoding from the op table in [`table`](crate::table).
//!
//! An instruction is its opcode byte followed by its operands, each of a fixed width, in table
//! order; so every instruction has exactly one encoding and its length depends only on its opcode.

use crate::error::CodeError;
use crate::operand::{
    BuiltinId, ConstId, FuncId, HostId, Imm16, Imm32, Imm8, Kind, Operand, OperandKind, Reg, StatusId, StrId, Target,
};

/// Describes one instruction: everything the op table says about it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OpInfo {
    /// The mnemonic, as printed by the disassembler.
    pub name: &'static str,
    /// The opcode byte.
    pub opcode: Opcode,
    /// The operands' names and kinds, in encoding order.
    pub operands: &'static [(&'static str, Kind)],
    /// The base gas the default schedule charges.
    pub gas: u32,
    /// Whether the op also charges per byte it reads or creates.
    pub per_byte: bool,
    /// Whether the op ends a basic block.
    pub ends_block: bool,
    /// Whether control never falls through to the next instruction.
    pub terminator: bool,
    /// The op's one-line description.
    pub doc: &'static str,
    /// The encoded length in bytes, opcode included.
    pub len: usize,
}

/// Holds the operands of one instruction, for generic inspection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Operands {
    items: [Option<Operand>; MAX_OPERANDS],
}

/// Bounds the number of operands of any instruction.
pub const MAX_OPERANDS: usize = 4;

impl Operands {
    fn push(&mut self, operand: Operand) {
        if let Some(slot) = self.items.iter_mut().find(|s| s.is_none()) {
            *slot = Some(operand);
        }
    }

    /// Returns the operands in encoding order.
    pub fn iter(&self) -> impl Iterator<Item = Operand> + '_ {
        self.items.iter().map_while(|o| *o)
    }
}

macro_rules! define_ops {
    ($(
        $(#[doc = $doc:literal])*
        $name:ident = $code:literal { $($field:ident : $kind:ident),* }
            gas $gas:literal, bytes $bytes:literal, block $block:literal, term $term:literal;
    )*) => {
        /// Holds one decoded instruction; see `docs/isa.md` for each op's semantics.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Op {
            $(
                $(#[doc = $doc])*
                $name {
                    $(
                        #[doc = concat!("The `", stringify!($field), "` operand.")]
                        $field: $kind,
                    )*
                },
            )*
        }

        /// Names an instruction by its opcode byte.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        #[repr(u8)]
        pub enum Opcode {
            $($(#[doc = $doc])* $name = $code,)*
        }

        /// Describes every instruction, in table order.
        pub const OPS: &[OpInfo] = &[
            $(OpInfo {
                name: stringify!($name),
                opcode: Opcode::$name,
                operands: &[$((stringify!($field), Kind::$kind)),*],
                gas: $gas,
                per_byte: $bytes,
                ends_block: $block,
                terminator: $term,
                doc: concat!($($doc),*),
                len: 1 $(+ Kind::$kind.width())*,
            },)*
        ];

        impl Opcode {
            /// Returns the opcode whose byte is `byte`, if any.
            pub const fn from_byte(byte: u8) -> Option<Opcode> {
                match byte {
                    $($code => Some(Opcode::$name),)*
                    _ => None,
                }
            }
        }

        impl Op {
            /// Returns the instruction's opcode.
            pub const fn opcode(&self) -> Opcode {
                match self {
                    $(Op::$name { .. } => Opcode::$name,)*
                }
            }

            /// Appends the instruction's encoding to `out`.
            pub fn encode(&self, out: &mut Vec<u8>) {
                match *self {
                    $(Op::$name { $($field),* } => {
                        out.push($code);
                        $(OperandKind::write($field, out);)*
                    })*
                }
            }

            /// Decodes the instruction at the start of `bytes`; returns it and its length.
            #[allow(unused_mut, unused_variables, unused_assignments)]
            pub fn decode(bytes: &[u8]) -> Result<(Op, usize), CodeError> {
                let Some(&byte) = bytes.first() else {
                    return Err(CodeError::Empty);
                };
                let opcode = Opcode::from_byte(byte).ok_or(CodeError::UnknownOpcode(byte))?;
                let len = opcode.info().len;
                if bytes.len() < len {
                    return Err(CodeError::Truncated { opcode: opcode.info().name });
                }
                let mut rest = bytes.get(1..len).unwrap_or_default();
                let op = match opcode {
                    $(Opcode::$name => Op::$name {
                        $($field: {
                            let value = <$kind as OperandKind>::read(rest);
                            rest = rest.get(Kind::$kind.width()..).unwrap_or_default();
                            value
                        },)*
                    },)*
                };
                Ok((op, len))
            }

            /// Returns the instruction's operands in encoding order.
            pub fn operands(&self) -> Operands {
                #[allow(unused_mut)]
                let mut out = Operands { items: [None; MAX_OPERANDS] };
                match *self {
                    $(Op::$name { $($field),* } => {
                        $(out.push(OperandKind::operand($field));)*
                    })*
                }
                out
            }

            /// Replaces the instruction's jump target with `target`; returns whether it has one.
            pub fn set_target(&mut self, target: Target) -> bool {
                #[allow(unused_mut)]
                let mut hit = false;
                match self {
                    $(Op::$name { $($field),* } => {
                        $(hit |= OperandKind::patch_target($field, target);)*
                    })*
                }
                hit
            }
        }
    };
}

crate::for_each_op!(define_ops);

/// Counts the instructions of the ISA.
pub const OP_COUNT: usize = OPS.len();

/// Maps an opcode byte to its position in [`OPS`] (`u8::MAX` for unused bytes).
const INDEX_OF: [u8; 256] = {
    let mut table = [u8::MAX; 256];
    let mut i = 0;
    while i < OPS.len() {
        table[OPS[i].opcode as usize] = i as u8;
        i += 1;
    }
    table
};

impl Opcode {
    /// Returns the opcode's position in [`OPS`], which also indexes gas schedules.
    pub const fn index(self) -> usize {
        INDEX_OF[self as usize] as usize
    }

    /// Returns what the op table says about this opcode.
    pub const fn info(self) -> &'static OpInfo {
        &OPS[self.index()]
    }
}

impl Op {
    /// Returns what the op table says about this instruction.
    pub const fn info(&self) -> &'static OpInfo {
        self.opcode().info()
    }

    /// Returns the instruction's mnemonic.
    pub const fn name(&self) -> &'static str {
        self.info().name
    }

    /// Returns the encoded length in bytes.
    pub const fn encoded_len(&self) -> usize {
        self.info().len
    }

    /// Returns the instruction's jump target, if it has one.
    pub fn target(&self) -> Option<Target> {
        self.operands().iter().find_map(|o| match o {
            Operand::Target(t) => Some(t),
            _ => None,
        })
    }
}

// Keeps the operand imports used even if a table edit drops the last op of some kind.
#[allow(dead_code)]
type AllKinds = (Reg, ConstId, StrId, Target, FuncId, BuiltinId, HostId, StatusId, Imm8, Imm16, Imm32);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opcodes_are_unique_and_indexed() {
        let mut seen = [false; 256];
        for (i, info) in OPS.iter().enumerate() {
            let byte = info.opcode as usize;
            assert!(!seen[byte], "opcode {byte:#04x} used twice");
            seen[byte] = true;
            assert_eq!(info.opcode.index(), i);
            assert_eq!(Opcode::from_byte(info.opcode as u8), Some(info.opcode));
            assert!(info.operands.len() <= MAX_OPERANDS, "{}", info.name);
            assert!(!info.terminator || info.ends_block, "{}: terminators end blocks", info.name);
        }
    }

    #[test]
    fn every_op_round_trips_through_bytes() {
        for info in OPS {
            let mut bytes = vec![info.opcode as u8];
            bytes.extend((1..info.len).map(|i| (i as u8).wrapping_mul(37)));
            let (op, len) = Op::decode(&bytes).unwrap();
            assert_eq!(len, info.len);
            assert_eq!(op.info(), info);
            let mut again = Vec::new();
            op.encode(&mut again);
            assert_eq!(again, bytes);
            assert_eq!(op.operands().iter().count(), info.operands.len());
        }
    }

    #[test]
    fn truncated_and_unknown_code_is_an_error() {
        assert_eq!(Op::decode(&[]), Err(CodeError::Empty));
        assert_eq!(Op::decode(&[0xFF]), Err(CodeError::UnknownOpcode(0xFF)));
        assert!(matches!(Op::decode(&[0x03, 1, 0]), Err(CodeError::Truncated { .. })));
    }

    #[test]
    fn decoded_ops_stay_small() {
        // The VM predecodes functions into `Op`s; keep them at most three words of 4 bytes.
        assert!(std::mem::size_of::<Op>() <= 12, "{}", std::mem::size_of::<Op>());
    }

    #[test]
    fn jumps_have_patchable_targets() {
        let mut op = Op::JumpIfFalse { cond: Reg(1), target: Target(0) };
        assert!(op.set_target(Target(9)));
        assert_eq!(op.target(), Some(Target(9)));
        let mut op = Op::Move { dst: Reg(0), src: Reg(1) };
        assert!(!op.set_target(Target(9)));
        assert_eq!(op.target(), None);
    }
}
