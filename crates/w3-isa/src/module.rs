//! Defines the module: what the compiler produces and the VM loads (see `docs/isa.md` §8).

use crate::codec;
use crate::error::DecodeError;
use crate::operand::{ConstId, StrId};

/// Versions the container layout.
pub const FORMAT_VERSION: u16 = 1;
/// Versions the op table and the ops' semantics.
pub const ISA_VERSION: u16 = 1;
/// Starts every encoded module.
pub const MAGIC: [u8; 4] = *b"W3MD";

/// Holds the versions a module was built for.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Header {
    /// The ISA version (only [`ISA_VERSION`] decodes).
    pub isa_version: u16,
    /// The gas schedule version the module was compiled for.
    pub gas_version: u16,
    /// The compiler's version string, recorded for diagnosis.
    pub compiler: String,
}

impl Header {
    /// Returns a header for the current ISA and gas schedule, naming `compiler`.
    pub fn current(compiler: impl Into<String>) -> Header {
        Header {
            isa_version: ISA_VERSION,
            gas_version: crate::gas::GasSchedule::CURRENT_VERSION,
            compiler: compiler.into(),
        }
    }
}

/// Holds a number constant as IEEE-754 bits, with every NaN made the canonical quiet NaN.
///
/// Bits rather than `f64` make equality and hashing exact (`-0` and `0` are different
/// constants, NaN equals itself) and keep the encoding canonical.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Number(u64);

impl Number {
    /// Holds the bits of the one NaN a module may contain.
    pub const CANONICAL_NAN: u64 = 0x7FF8_0000_0000_0000;

    /// Returns the constant for `value`, canonicalizing NaN.
    pub fn from_f64(value: f64) -> Number {
        if value.is_nan() {
            Number(Self::CANONICAL_NAN)
        } else {
            Number(value.to_bits())
        }
    }

    /// Returns the constant whose bits are `bits`, or `None` for a non-canonical NaN.
    pub fn from_bits(bits: u64) -> Option<Number> {
        let value = f64::from_bits(bits);
        (!value.is_nan() || bits == Self::CANONICAL_NAN).then_some(Number(bits))
    }

    /// Returns the IEEE-754 bits.
    pub const fn bits(self) -> u64 {
        self.0
    }

    /// Returns the value.
    pub fn to_f64(self) -> f64 {
        f64::from_bits(self.0)
    }
}

/// Holds one entry of the constant pool.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Constant {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number.
    Number(Number),
    /// A string of the string table.
    String(StrId),
    /// An array of earlier constants.
    Array(Vec<ConstId>),
    /// An object: key strings and earlier constants, in insertion order.
    Object(Vec<(StrId, ConstId)>),
}

/// Says what a function is for; the instructions are the same for every kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(u8)]
pub enum FunctionKind {
    /// One expression or template (`if:`, `${{ }}`).
    Expression = 0,
    /// One step.
    Step = 1,
    /// One job, run as a fiber.
    Job = 2,
    /// The workflow's entry point.
    Workflow = 3,
}

impl FunctionKind {
    /// Returns the kind whose tag is `tag`, if any.
    pub const fn from_tag(tag: u8) -> Option<FunctionKind> {
        match tag {
            0 => Some(FunctionKind::Expression),
            1 => Some(FunctionKind::Step),
            2 => Some(FunctionKind::Job),
            3 => Some(FunctionKind::Workflow),
            _ => None,
        }
    }

    /// Returns the kind's lower-case name.
    pub const fn name(self) -> &'static str {
        match self {
            FunctionKind::Expression => "expression",
            FunctionKind::Step => "step",
            FunctionKind::Job => "job",
            FunctionKind::Workflow => "workflow",
        }
    }
}

/// Locates source text: a file of the string table and a 1-based line/column range.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct SourceSpan {
    /// The source file's name, in the string table.
    pub file: StrId,
    /// The first line.
    pub line: u32,
    /// The first column.
    pub col: u32,
    /// The last line.
    pub end_line: u32,
    /// The column just past the end.
    pub end_col: u32,
}

/// Maps the instruction at `offset`, and those after it up to the next entry, to `span`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct DebugEntry {
    /// A byte offset in the function's code.
    pub offset: u32,
    /// The source the instructions came from.
    pub span: SourceSpan,
}

/// Holds one function: its signature, code and debug map.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Function {
    /// The function's name, in the string table (unique within the module).
    pub name: StrId,
    /// What the function is for.
    pub kind: FunctionKind,
    /// How many arguments it takes (in `r0..`).
    pub params: u16,
    /// How many registers a frame has.
    pub registers: u16,
    /// The encoded instructions.
    pub code: Vec<u8>,
    /// Source spans by code offset, sorted by offset.
    pub debug: Vec<DebugEntry>,
}

impl Function {
    /// Returns the span of the instruction at `offset`: the last entry at or before it.
    pub fn span_at(&self, offset: u32) -> Option<SourceSpan> {
        let after = self.debug.partition_point(|e| e.offset <= offset);
        after.checked_sub(1).and_then(|i| self.debug.get(i)).map(|e| e.span)
    }
}

/// Holds a whole module: header, string table, constant pool, functions and manifest.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Module {
    /// The versions the module was built for.
    pub header: Header,
    /// The string table.
    pub strings: Vec<String>,
    /// The constant pool.
    pub constants: Vec<Constant>,
    /// The function table.
    pub functions: Vec<Function>,
    /// The compiler's manifest, opaque to the ISA.
    pub manifest: Vec<u8>,
}

impl Module {
    /// Returns the canonical binary encoding.
    pub fn encode(&self) -> Vec<u8> {
        codec::encode(self)
    }

    /// Decodes a module, rejecting anything but a canonical encoding.
    pub fn decode(bytes: &[u8]) -> Result<Module, DecodeError> {
        codec::decode(bytes)
    }

    /// Returns the BLAKE3 hash of the canonical encoding.
    pub fn content_hash(&self) -> [u8; 32] {
        *blake3::hash(&self.encode()).as_bytes()
    }

    /// Returns string `id`, if in range.
    pub fn string(&self, id: StrId) -> Option<&str> {
        self.strings.get(id.0 as usize).map(String::as_str)
    }

    /// Returns constant `id`, if in range.
    pub fn constant(&self, id: ConstId) -> Option<&Constant> {
        self.constants.get(id.0 as usize)
    }

    /// Returns the index of the function named `name`, if any.
    pub fn function_named(&self, name: &str) -> Option<crate::FuncId> {
        let position = self.functions.iter().position(|f| self.string(f.name) == Some(name))?;
        u32::try_from(position).ok().map(crate::FuncId)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_canonicalize_nan() {
        let nan = Number::from_f64(-f64::NAN);
        assert_eq!(nan.bits(), Number::CANONICAL_NAN);
        assert!(Number::from_bits(0x7FF8_0000_0000_0001).is_none());
        assert!(Number::from_bits(f64::INFINITY.to_bits()).is_some());
        assert_ne!(Number::from_f64(0.0), Number::from_f64(-0.0));
    }

    #[test]
    fn spans_cover_following_instructions() {
        let span = |line| SourceSpan { line, ..SourceSpan::default() };
        let f = Function {
            name: StrId(0),
            kind: FunctionKind::Expression,
            params: 0,
            registers: 0,
            code: vec![],
            debug: vec![DebugEntry { offset: 2, span: span(1) }, DebugEntry { offset: 5, span: span(2) }],
        };
        assert_eq!(f.span_at(0), None);
        assert_eq!(f.span_at(4).map(|s| s.line), Some(1));
        assert_eq!(f.span_at(9).map(|s| s.line), Some(2));
    }
}
