//! Defines the typed errors of decoding, verifying and building modules.

use thiserror::Error;

/// Says why an instruction could not be decoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Error)]
pub enum CodeError {
    /// No bytes were left where an instruction should start.
    #[error("expected an instruction, found the end of the code")]
    Empty,
    /// The byte is not an opcode of this ISA.
    #[error("unknown opcode {0:#04x}")]
    UnknownOpcode(u8),
    /// The code ends inside the instruction's operands.
    #[error("`{opcode}` is cut short by the end of the code")]
    Truncated {
        /// The op's mnemonic.
        opcode: &'static str,
    },
}

/// Says why a module's bytes were rejected, and where.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[error("invalid module at byte {offset}: {kind}")]
pub struct DecodeError {
    /// The byte offset where the problem was found.
    pub offset: usize,
    /// What is wrong.
    pub kind: DecodeErrorKind,
}

/// Says what is wrong with a module's bytes.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum DecodeErrorKind {
    /// The input does not start with `W3MD`.
    #[error("not a w3 module (bad magic)")]
    BadMagic,
    /// The container format version is not supported.
    #[error("unsupported module format version {0}")]
    UnsupportedFormat(u16),
    /// The ISA version is not supported.
    #[error("unsupported ISA version {0}")]
    UnsupportedIsa(u16),
    /// The gas schedule version is unknown.
    #[error("unknown gas schedule version {0}")]
    UnsupportedGasSchedule(u16),
    /// The input ends before a field.
    #[error("unexpected end of input reading {0}")]
    UnexpectedEnd(&'static str),
    /// A length or count cannot fit in what remains of the input.
    #[error("{what} of {count} does not fit in the remaining {remaining} bytes")]
    TooLong {
        /// What was counted.
        what: &'static str,
        /// The declared count.
        count: u64,
        /// The bytes left.
        remaining: usize,
    },
    /// A string is not valid UTF-8.
    #[error("{0} is not valid UTF-8")]
    InvalidUtf8(&'static str),
    /// A tag byte is not one of the allowed values.
    #[error("invalid {what} tag {tag:#04x}")]
    InvalidTag {
        /// What the tag selects.
        what: &'static str,
        /// The tag found.
        tag: u8,
    },
    /// A number constant holds a NaN other than the canonical one.
    #[error("non-canonical NaN {0:#018x}")]
    NonCanonicalNan(u64),
    /// Debug entries are not strictly increasing by offset.
    #[error("debug map offsets are not strictly increasing")]
    UnsortedDebugMap,
    /// Bytes follow the end of the module.
    #[error("{0} trailing bytes after the module")]
    TrailingBytes(usize),
}

/// Says why a module failed verification, and where.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[error("{location}{kind}")]
pub struct VerifyError {
    /// Where the problem is, printed as a prefix.
    pub location: Location,
    /// What is wrong.
    pub kind: VerifyErrorKind,
}

/// Locates a verification error: a function and offset, a constant, or the module.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Location {
    /// The module as a whole.
    Module,
    /// Constant `index` of the pool.
    Constant(u32),
    /// Function `function`, at code `offset` when known.
    Function {
        /// The function's index.
        function: u32,
        /// The byte offset in its code.
        offset: Option<u32>,
    },
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Location::Module => Ok(()),
            Location::Constant(k) => write!(f, "constant k{k}: "),
            Location::Function { function, offset: None } => write!(f, "function f{function}: "),
            Location::Function { function, offset: Some(at) } => {
                write!(f, "function f{function} at {at:04x}: ")
            }
        }
    }
}

/// Says what the verifier found wrong.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum VerifyErrorKind {
    /// An instruction does not decode.
    #[error("{0}")]
    Code(#[from] CodeError),
    /// The module names an ISA or gas schedule version this crate does not implement.
    #[error("unsupported {what} version {version}")]
    UnsupportedVersion {
        /// `ISA` or `gas schedule`.
        what: &'static str,
        /// The version found.
        version: u16,
    },
    /// A function's debug entries are not strictly increasing by offset.
    #[error("debug map offsets are not strictly increasing")]
    UnsortedDebugMap,
    /// A function has no instructions.
    #[error("function has no code")]
    EmptyFunction,
    /// A function's code is longer than offsets can address.
    #[error("function code is longer than 4 GiB")]
    CodeTooLong,
    /// The last instruction can fall through past the end of the code.
    #[error("control falls off the end of the function after `{0}`")]
    FallsOffEnd(&'static str),
    /// A function takes more parameters than it has registers.
    #[error("{params} parameters exceed {registers} registers")]
    ParamsExceedRegisters {
        /// The parameter count.
        params: u16,
        /// The register count.
        registers: u16,
    },
    /// Two functions have the same name.
    #[error("function name {0:?} is used twice")]
    DuplicateFunctionName(String),
    /// A register range ends past the register file.
    #[error("registers r{first}..r{first}+{count} exceed the {registers} registers")]
    RegisterOutOfRange {
        /// The first register.
        first: u16,
        /// The number of registers used from `first`.
        count: u32,
        /// The register count.
        registers: u16,
    },
    /// An index operand is out of range.
    #[error("{what} {index} is out of range (there are {len})")]
    IndexOutOfRange {
        /// What was indexed (`constant`, `string`, `function`).
        what: &'static str,
        /// The index.
        index: u32,
        /// The table length.
        len: usize,
    },
    /// A constant refers to itself or a later constant.
    #[error("constant refers to k{0}, which is not an earlier constant")]
    ForwardConstant(u32),
    /// A jump target is not an instruction start of the same function.
    #[error("jump target {0:04x} is not an instruction start")]
    BadTarget(u32),
    /// A debug entry points between instructions or past the code.
    #[error("debug entry at {0:04x} is not an instruction start")]
    BadDebugOffset(u32),
    /// An id operand names nothing in its table.
    #[error("unknown {what} id {id}")]
    UnknownId {
        /// Which table (`builtin`, `host call`, `status`).
        what: &'static str,
        /// The id.
        id: u8,
    },
    /// `LoadBool`'s value is neither 0 nor 1.
    #[error("boolean immediate must be 0 or 1, found {0}")]
    BadBool(u8),
    /// A builtin is called with an argument count it does not accept.
    #[error("`{builtin}` does not take {argc} arguments")]
    BuiltinArity {
        /// The builtin's name.
        builtin: &'static str,
        /// The argument count.
        argc: u8,
    },
    /// A call passes a different number of arguments than the callee takes.
    #[error("f{func} takes {params} arguments, not {argc}")]
    CallArity {
        /// The callee.
        func: u32,
        /// The callee's parameter count.
        params: u16,
        /// The argument count.
        argc: u32,
    },
}

/// Says why bytes could not be loaded as a verified module.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum Error {
    /// The bytes are not a canonical module.
    #[error(transparent)]
    Decode(#[from] DecodeError),
    /// The module failed verification.
    #[error(transparent)]
    Verify(#[from] VerifyError),
}

/// Says why a [`ModuleBuilder`](crate::ModuleBuilder) could not finish a module.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum BuildError {
    /// A label was used by a jump but never bound.
    #[error("function {function:?}: label {label} is never bound")]
    UnboundLabel {
        /// The function's name.
        function: String,
        /// The label's number.
        label: u32,
    },
    /// A declared function was never defined.
    #[error("function {0:?} is declared but never defined")]
    Undefined(String),
    /// A function was defined twice.
    #[error("function {0:?} is defined twice")]
    DefinedTwice(String),
    /// A function's code or a table grew past what the format can index.
    #[error("{0} is too large for the module format")]
    TooLarge(&'static str),
}
