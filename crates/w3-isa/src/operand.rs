//! Defines the operand kinds of instructions: fixed-width little-endian fields, one type each.
//!
//! Each kind is a newtype so an instruction's fields say what they index (`Reg` cannot be passed
//! where a `StrId` is expected), and so the verifier can check every operand by its kind alone.

use std::fmt;

/// Names an operand kind, as listed in the op table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    /// A register of the current frame.
    Reg,
    /// An index into the constant pool.
    ConstId,
    /// An index into the string table.
    StrId,
    /// A byte offset in the current function's code.
    Target,
    /// An index into the function table.
    FuncId,
    /// A built-in function id.
    BuiltinId,
    /// A host-call kind id.
    HostId,
    /// A status-function id.
    StatusId,
    /// An 8-bit immediate.
    Imm8,
    /// A 16-bit immediate.
    Imm16,
    /// A 32-bit immediate.
    Imm32,
}

impl Kind {
    /// Returns the number of bytes the operand takes in the code.
    pub const fn width(self) -> usize {
        match self {
            Kind::BuiltinId | Kind::HostId | Kind::StatusId | Kind::Imm8 => 1,
            Kind::Reg | Kind::Imm16 => 2,
            Kind::ConstId | Kind::StrId | Kind::Target | Kind::FuncId | Kind::Imm32 => 4,
        }
    }
}

/// Reads and writes one operand kind; implemented by every operand type.
pub trait OperandKind: Copy {
    /// Names the kind.
    const KIND: Kind;
    /// Appends the operand's little-endian bytes.
    fn write(self, out: &mut Vec<u8>);
    /// Reads the operand from the start of `bytes`, which holds at least its width.
    fn read(bytes: &[u8]) -> Self;
    /// Wraps the operand for generic inspection.
    fn operand(self) -> Operand;
    /// Replaces the operand with `target` when it is a jump target; returns whether it was.
    fn patch_target(&mut self, _target: Target) -> bool {
        false
    }
}

macro_rules! operand_types {
    ($($(#[doc = $doc:literal])* $name:ident($int:ty), $prefix:literal;)*) => {
        $(
            $(#[doc = $doc])*
            #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
            pub struct $name(pub $int);

            impl OperandKind for $name {
                const KIND: Kind = Kind::$name;
                fn write(self, out: &mut Vec<u8>) {
                    out.extend_from_slice(&self.0.to_le_bytes());
                }
                fn read(bytes: &[u8]) -> Self {
                    let mut raw = [0u8; std::mem::size_of::<$int>()];
                    let n = raw.len().min(bytes.len());
                    raw[..n].copy_from_slice(&bytes[..n]);
                    $name(<$int>::from_le_bytes(raw))
                }
                fn operand(self) -> Operand {
                    Operand::$name(self)
                }
                operand_types!(@patch $name);
            }

            impl fmt::Display for $name {
                fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    write!(f, "{}{}", $prefix, self.0)
                }
            }
        )*

        /// Holds one operand of any kind, for code that inspects instructions generically.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Operand {
            $($(#[doc = $doc])* $name($name),)*
        }

        impl Operand {
            /// Returns the operand's kind.
            pub const fn kind(self) -> Kind {
                match self {
                    $(Operand::$name(_) => Kind::$name,)*
                }
            }
        }

        impl fmt::Display for Operand {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                match self {
                    $(Operand::$name(x) => x.fmt(f),)*
                }
            }
        }
    };
    (@patch Target) => {
        fn patch_target(&mut self, target: Target) -> bool {
            *self = target;
            true
        }
    };
    (@patch $other:ident) => {};
}

operand_types! {
    /// Names register `rN` of the current frame.
    Reg(u16), "r";
    /// Indexes the constant pool (`kN`).
    ConstId(u32), "k";
    /// Indexes the string table (`sN`).
    StrId(u32), "s";
    /// Holds a byte offset in the current function's code (`@N`).
    Target(u32), "@";
    /// Indexes the function table (`fN`).
    FuncId(u32), "f";
    /// Names a built-in function by id (see [`Builtin`](crate::Builtin)).
    BuiltinId(u8), "b";
    /// Names a host-call kind by id (see [`HostKind`](crate::HostKind)).
    HostId(u8), "h";
    /// Names a status function by id (see [`StatusKind`](crate::StatusKind)).
    StatusId(u8), "st";
    /// Holds an 8-bit immediate.
    Imm8(u8), "#";
    /// Holds a 16-bit immediate.
    Imm16(u16), "#";
    /// Holds a 32-bit immediate.
    Imm32(u32), "#";
}

impl Reg {
    /// Returns the register `n` places after this one, or `None` past `r65535`.
    pub fn offset(self, n: u16) -> Option<Reg> {
        self.0.checked_add(n).map(Reg)
    }
}
