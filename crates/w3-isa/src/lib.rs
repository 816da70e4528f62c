//! Defines w3's instruction set: the op table, the module format, the load-time verifier, the
//! gas schedule and the disassembler.
//!
//! The compiler writes modules with [`ModuleBuilder`]; a VM runs only a [`VerifiedModule`],
//! which [`verify`] makes from a [`Module`] after checking every instruction, operand, jump
//! target and register range, and which carries each function's basic blocks with their gas.
//! Every instruction is listed once, in [`for_each_op!`]; the [`Op`] enum, the encoder, the
//! decoder, the verifier's operand checks, the default gas schedule and the disassembler are
//! generated from that table. The crate is pure: no IO, no clock, no randomness, and no input
//! can make it panic. `docs/isa.md` is the full specification.

#![warn(missing_docs)]

mod builder;
mod builtin;
mod codec;
mod disasm;
mod error;
mod gas;
mod module;
mod op;
mod operand;
pub mod table;
mod verify;

pub use builder::{FunctionBuilder, Label, ModuleBuilder, RegMark};
pub use builtin::{Arity, Builtin, HostKind, StatusKind};
pub use disasm::{disassemble, Source};
pub use error::{BuildError, CodeError, DecodeError, DecodeErrorKind, Error, Location, VerifyError, VerifyErrorKind};
pub use gas::GasSchedule;
pub use module::{
    Constant, DebugEntry, Function, FunctionKind, Header, Module, Number, SourceSpan, FORMAT_VERSION, ISA_VERSION,
    MAGIC,
};
pub use op::{Op, OpInfo, Opcode, Operands, MAX_OPERANDS, OPS, OP_COUNT};
pub use operand::{
    BuiltinId, ConstId, FuncId, HostId, Imm16, Imm32, Imm8, Kind, Operand, OperandKind, Reg, StatusId, StrId, Target,
};
pub use verify::{verify, verify_with, BasicBlock, Instr, VerifiedFunction, VerifiedModule};
