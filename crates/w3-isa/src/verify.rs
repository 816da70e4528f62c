//! Verifies modules at load time and computes their basic blocks (`docs/isa.md` §7, §9).
//!
//! A [`VerifiedModule`] can only be made here, so a VM that accepts nothing else never meets an
//! out-of-range operand, a jump into the middle of an instruction or a function that falls off
//! its end. Verification is linear in the module's size and never panics.

use crate::builtin::{Builtin, HostKind, StatusKind};
use crate::error::{Location, VerifyError, VerifyErrorKind as E};
use crate::gas::GasSchedule;
use crate::module::{Constant, Function, Module};
use crate::op::Op;
use crate::operand::{FuncId, Operand, Reg};
use std::collections::BTreeSet;

/// Holds one decoded instruction and its byte offset in the function's code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Instr {
    /// The byte offset of the instruction.
    pub offset: u32,
    /// The instruction.
    pub op: Op,
}

/// Describes a basic block: instructions entered only at the first, charged up front.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BasicBlock {
    /// The byte offset of the first instruction (the leader).
    pub start: u32,
    /// The byte offset just past the last instruction.
    pub end: u32,
    /// The index of the first instruction in [`VerifiedFunction::instructions`].
    pub first: u32,
    /// The number of instructions.
    pub len: u32,
    /// The block's static gas under the schedule it was verified with.
    pub gas: u64,
}

/// Holds a verified function's decoded instructions and basic blocks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedFunction {
    instrs: Vec<Instr>,
    blocks: Vec<BasicBlock>,
}

impl VerifiedFunction {
    /// Returns the instructions in code order.
    pub fn instructions(&self) -> &[Instr] {
        &self.instrs
    }

    /// Returns the basic blocks in code order; the first starts at offset 0.
    pub fn blocks(&self) -> &[BasicBlock] {
        &self.blocks
    }

    /// Returns the instructions of `block`.
    pub fn block_instructions(&self, block: &BasicBlock) -> &[Instr] {
        let first = block.first as usize;
        self.instrs.get(first..first.saturating_add(block.len as usize)).unwrap_or_default()
    }

    /// Returns the index of the instruction starting at `offset`, if one does.
    pub fn instruction_at(&self, offset: u32) -> Option<usize> {
        self.instrs.binary_search_by_key(&offset, |i| i.offset).ok()
    }

    /// Returns the index of the block starting at `offset`, if one does.
    pub fn block_at(&self, offset: u32) -> Option<usize> {
        self.blocks.binary_search_by_key(&offset, |b| b.start).ok()
    }
}

/// Holds a module that passed verification, with its functions' instructions and blocks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedModule {
    module: Module,
    functions: Vec<VerifiedFunction>,
    gas: GasSchedule,
}

impl VerifiedModule {
    /// Decodes and verifies `bytes` under the gas schedule the module names.
    pub fn decode(bytes: &[u8]) -> Result<VerifiedModule, crate::Error> {
        let module = Module::decode(bytes)?;
        Ok(verify(&module)?)
    }

    /// Returns the module.
    pub fn module(&self) -> &Module {
        &self.module
    }

    /// Returns the module, giving up the verified status.
    pub fn into_module(self) -> Module {
        self.module
    }

    /// Returns the verified functions, in function-table order.
    pub fn functions(&self) -> &[VerifiedFunction] {
        &self.functions
    }

    /// Returns verified function `id`, if in range.
    pub fn function(&self, id: FuncId) -> Option<&VerifiedFunction> {
        self.functions.get(id.0 as usize)
    }

    /// Returns the gas schedule the block gas was computed with.
    pub fn gas_schedule(&self) -> &GasSchedule {
        &self.gas
    }
}

/// Verifies `module` under the gas schedule its header names.
pub fn verify(module: &Module) -> Result<VerifiedModule, VerifyError> {
    let version = module.header.gas_version;
    let unsupported = E::UnsupportedVersion { what: "gas schedule", version };
    let gas = GasSchedule::for_version(version).ok_or(VerifyError { location: Location::Module, kind: unsupported })?;
    verify_with(module, &gas)
}

/// Verifies `module`, computing block gas under `gas` (for calibration experiments).
pub fn verify_with(module: &Module, gas: &GasSchedule) -> Result<VerifiedModule, VerifyError> {
    if module.header.isa_version != crate::ISA_VERSION {
        let kind = E::UnsupportedVersion { what: "ISA", version: module.header.isa_version };
        return Err(VerifyError { location: Location::Module, kind });
    }
    check_names(module)?;
    check_constants(module)?;
    let mut functions = Vec::with_capacity(module.functions.len());
    for (index, function) in module.functions.iter().enumerate() {
        let index = u32::try_from(index).unwrap_or(u32::MAX);
        functions.push(verify_function(module, index, function, gas)?);
    }
    Ok(VerifiedModule { module: module.clone(), functions, gas: gas.clone() })
}

fn check_names(module: &Module) -> Result<(), VerifyError> {
    let mut seen = BTreeSet::new();
    for (index, function) in module.functions.iter().enumerate() {
        let location = Location::Function { function: u32::try_from(index).unwrap_or(u32::MAX), offset: None };
        let fail = |kind| VerifyError { location, kind };
        let name = module.string(function.name).ok_or_else(|| {
            fail(E::IndexOutOfRange { what: "string", index: function.name.0, len: module.strings.len() })
        })?;
        if !seen.insert(name) {
            return Err(fail(E::DuplicateFunctionName(name.to_owned())));
        }
    }
    Ok(())
}

fn check_constants(module: &Module) -> Result<(), VerifyError> {
    let strings = module.strings.len();
    for (index, constant) in module.constants.iter().enumerate() {
        let here = u32::try_from(index).unwrap_or(u32::MAX);
        let fail = |kind| VerifyError { location: Location::Constant(here), kind };
        let string = |s: crate::StrId| {
            if (s.0 as usize) < strings {
                Ok(())
            } else {
                Err(fail(E::IndexOutOfRange { what: "string", index: s.0, len: strings }))
            }
        };
        let earlier = |k: crate::ConstId| {
            if k.0 < here {
                Ok(())
            } else {
                Err(fail(E::ForwardConstant(k.0)))
            }
        };
        match constant {
            Constant::Null | Constant::Bool(_) | Constant::Number(_) => {}
            Constant::String(s) => string(*s)?,
            Constant::Array(items) => items.iter().try_for_each(|k| earlier(*k))?,
            Constant::Object(entries) => entries.iter().try_for_each(|(s, k)| {
                string(*s)?;
                earlier(*k)
            })?,
        }
    }
    Ok(())
}

/// Checks one function and computes its blocks.
fn verify_function(
    module: &Module,
    index: u32,
    function: &Function,
    gas: &GasSchedule,
) -> Result<VerifiedFunction, VerifyError> {
    let at = |offset: Option<u32>| Location::Function { function: index, offset };
    let fail = |offset: Option<u32>, kind| VerifyError { location: at(offset), kind };
    if function.params > function.registers {
        let kind = E::ParamsExceedRegisters { params: function.params, registers: function.registers };
        return Err(fail(None, kind));
    }
    let instrs = decode_all(&function.code).map_err(|(offset, kind)| fail(Some(offset), kind))?;
    let Some(last) = instrs.last() else {
        return Err(fail(None, E::EmptyFunction));
    };
    let ctx = Ctx { module, registers: function.registers };
    for instr in &instrs {
        ctx.check(&instr.op, &instrs).map_err(|kind| fail(Some(instr.offset), kind))?;
    }
    if !last.op.info().terminator {
        return Err(fail(Some(last.offset), E::FallsOffEnd(last.op.name())));
    }
    if function.debug.windows(2).any(|w| w[0].offset >= w[1].offset) {
        return Err(fail(None, E::UnsortedDebugMap));
    }
    for entry in &function.debug {
        let starts = instrs.binary_search_by_key(&entry.offset, |i| i.offset).is_ok();
        if !starts {
            return Err(fail(None, E::BadDebugOffset(entry.offset)));
        }
        ctx.index("string", entry.span.file.0, module.strings.len()).map_err(|kind| fail(None, kind))?;
    }
    let mut verified = VerifiedFunction { blocks: Vec::new(), instrs };
    verified.blocks = compute_blocks(&verified, gas);
    Ok(verified)
}

/// Decodes every instruction of `code`, or returns the offset and reason of the first failure.
fn decode_all(code: &[u8]) -> Result<Vec<Instr>, (u32, E)> {
    if u32::try_from(code.len()).is_err() {
        return Err((0, E::CodeTooLong));
    }
    let mut instrs = Vec::new();
    let mut at = 0usize;
    while at < code.len() {
        let offset = at as u32; // checked above: the code length fits in u32
        let (op, len) = Op::decode(code.get(at..).unwrap_or_default()).map_err(|e| (offset, E::Code(e)))?;
        instrs.push(Instr { offset, op });
        at += len;
    }
    Ok(instrs)
}

/// Splits the instructions into basic blocks and sums each block's gas.
fn compute_blocks(function: &VerifiedFunction, gas: &GasSchedule) -> Vec<BasicBlock> {
    let instrs = &function.instrs;
    let mut leader = vec![false; instrs.len()];
    if let Some(first) = leader.first_mut() {
        *first = true;
    }
    for (i, instr) in instrs.iter().enumerate() {
        if instr.op.info().ends_block {
            if let Some(next) = leader.get_mut(i + 1) {
                *next = true;
            }
        }
        if let Some(target) = instr.op.target().and_then(|t| function.instruction_at(t.0)) {
            leader[target] = true;
        }
    }
    let starts: Vec<usize> = (0..instrs.len()).filter(|&i| leader[i]).collect();
    let mut blocks = Vec::with_capacity(starts.len());
    for (n, &first) in starts.iter().enumerate() {
        let next = starts.get(n + 1).copied().unwrap_or(instrs.len());
        let start = instrs.get(first).map_or(0, |i| i.offset);
        let end = instrs.get(next).map_or_else(|| end_offset(instrs), |i| i.offset);
        // Instruction counts are at most the code length, which fits in u32.
        let mut block = BasicBlock { start, end, first: first as u32, len: (next - first) as u32, gas: 0 };
        block.gas = gas.block_gas(function, &block);
        blocks.push(block);
    }
    blocks
}

fn end_offset(instrs: &[Instr]) -> u32 {
    instrs.last().map_or(0, |l| l.offset.saturating_add(l.op.encoded_len() as u32))
}

/// Holds what operand checks of one function need to know.
struct Ctx<'m> {
    module: &'m Module,
    registers: u16,
}

impl Ctx<'_> {
    fn index(&self, what: &'static str, index: u32, len: usize) -> Result<(), E> {
        if (index as usize) < len {
            Ok(())
        } else {
            Err(E::IndexOutOfRange { what, index, len })
        }
    }

    fn id<T>(what: &'static str, id: u8, found: Option<T>) -> Result<(), E> {
        found.map(|_| ()).ok_or(E::UnknownId { what, id })
    }

    fn range(&self, first: Reg, count: u32) -> Result<(), E> {
        if u32::from(first.0) + count <= u32::from(self.registers) {
            Ok(())
        } else {
            Err(E::RegisterOutOfRange { first: first.0, count, registers: self.registers })
        }
    }

    /// Checks every operand of `op` by its kind, then the op's relational rules.
    fn check(&self, op: &Op, instrs: &[Instr]) -> Result<(), E> {
        let m = self.module;
        for operand in op.operands().iter() {
            match operand {
                Operand::Reg(r) => self.range(r, 1)?,
                Operand::ConstId(k) => self.index("constant", k.0, m.constants.len())?,
                Operand::StrId(s) => self.index("string", s.0, m.strings.len())?,
                Operand::FuncId(f) => self.index("function", f.0, m.functions.len())?,
                Operand::Target(t) => {
                    instrs.binary_search_by_key(&t.0, |i| i.offset).map_err(|_| E::BadTarget(t.0))?;
                }
                Operand::BuiltinId(b) => Self::id("builtin", b.0, Builtin::from_id(b))?,
                Operand::HostId(h) => Self::id("host call", h.0, HostKind::from_id(h))?,
                Operand::StatusId(s) => Self::id("status", s.0, StatusKind::from_id(s))?,
                Operand::Imm8(_) | Operand::Imm16(_) | Operand::Imm32(_) => {}
            }
        }
        self.check_relations(op)
    }

    /// Checks the rules that relate an op's operands to each other or to other tables.
    fn check_relations(&self, op: &Op) -> Result<(), E> {
        match *op {
            Op::LoadBool { value, .. } if value.0 > 1 => Err(E::BadBool(value.0)),
            Op::MakeArray { first, count, .. } | Op::Concat { first, count, .. } => {
                self.range(first, u32::from(count.0))
            }
            Op::MakeObject { first, count, .. } => self.range(first, 2 * u32::from(count.0)),
            Op::CallBuiltin { builtin, first, argc, .. } => {
                let b = Builtin::from_id(builtin).ok_or(E::UnknownId { what: "builtin", id: builtin.0 })?;
                if !b.arity().accepts(argc.0) {
                    return Err(E::BuiltinArity { builtin: b.name(), argc: argc.0 });
                }
                self.range(first, u32::from(argc.0))
            }
            Op::Call { func, first, argc, .. } => {
                self.range(first, u32::from(argc.0))?;
                self.callee_takes(func, u32::from(argc.0))
            }
            Op::TryCall { dst, func, first, argc } => {
                self.range(dst, 2)?;
                self.range(first, u32::from(argc.0))?;
                self.callee_takes(func, u32::from(argc.0))
            }
            Op::Spawn { func, .. } => self.callee_takes(func, 1),
            _ => Ok(()),
        }
    }

    fn callee_takes(&self, func: FuncId, argc: u32) -> Result<(), E> {
        let len = self.module.functions.len();
        let callee = self.module.functions.get(func.0 as usize);
        let callee = callee.ok_or(E::IndexOutOfRange { what: "function", index: func.0, len })?;
        if u32::from(callee.params) == argc {
            Ok(())
        } else {
            Err(E::CallArity { func: func.0, params: callee.params, argc })
        }
    }
}
