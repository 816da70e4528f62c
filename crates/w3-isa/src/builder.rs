//! Assembles modules: the API the compiler and the tests use to write bytecode.
//!
//! [`ModuleBuilder`] interns strings and constants (the same value always gets the same index,
//! assigned in first-use order, so the same calls give byte-identical modules) and collects
//! functions; [`FunctionBuilder`] allocates registers, emits instructions, resolves labels and
//! records source spans for the debug map.
//!
//! ```
//! use w3_isa::{FunctionBuilder, FunctionKind, ModuleBuilder, Op, verify};
//!
//! let mut m = ModuleBuilder::new("example");
//! let github = m.string("github");
//! let name = m.string("event_name");
//! let push = m.string_constant("push");
//! let mut f = FunctionBuilder::new(0);
//! let (event, k, result) = (f.reg(), f.reg(), f.reg());
//! f.emit(Op::LoadContext { dst: event, name: github });
//! f.emit(Op::GetProp { dst: event, obj: event, name });
//! f.emit(Op::LoadConst { dst: k, k: push });
//! f.emit(Op::Eq { dst: result, a: event, b: k });
//! f.emit(Op::Return { src: result });
//! m.function("if", FunctionKind::Expression, f).unwrap();
//! let module = m.finish().unwrap();
//! assert!(verify(&module).is_ok());
//! ```

use crate::error::BuildError;
use crate::module::{Constant, DebugEntry, Function, FunctionKind, Header, Module, Number, SourceSpan};
use crate::op::Op;
use crate::operand::{ConstId, FuncId, Reg, StrId, Target};
use std::collections::HashMap;

/// Builds a module: string table, constant pool, functions and manifest.
#[derive(Debug, Default)]
pub struct ModuleBuilder {
    compiler: String,
    strings: Vec<String>,
    string_ids: HashMap<String, StrId>,
    constants: Vec<Constant>,
    constant_ids: HashMap<Constant, ConstId>,
    declared: Vec<(StrId, FunctionKind, u16)>,
    bodies: Vec<Option<Function>>,
    manifest: Vec<u8>,
}

impl ModuleBuilder {
    /// Starts an empty module whose header names `compiler`.
    pub fn new(compiler: impl Into<String>) -> ModuleBuilder {
        ModuleBuilder { compiler: compiler.into(), ..ModuleBuilder::default() }
    }

    /// Returns the index of string `s`, adding it on first use.
    pub fn string(&mut self, s: &str) -> StrId {
        if let Some(id) = self.string_ids.get(s) {
            return *id;
        }
        let id = StrId(index_u32(self.strings.len()));
        self.strings.push(s.to_owned());
        self.string_ids.insert(s.to_owned(), id);
        id
    }

    /// Returns the index of `constant`, adding it on first use. Array and object constants
    /// must refer to constants added before them (the verifier checks it).
    pub fn constant(&mut self, constant: Constant) -> ConstId {
        if let Some(id) = self.constant_ids.get(&constant) {
            return *id;
        }
        let id = ConstId(index_u32(self.constants.len()));
        self.constants.push(constant.clone());
        self.constant_ids.insert(constant, id);
        id
    }

    /// Returns the constant `null`.
    pub fn null(&mut self) -> ConstId {
        self.constant(Constant::Null)
    }

    /// Returns the boolean constant `b`.
    pub fn bool(&mut self, b: bool) -> ConstId {
        self.constant(Constant::Bool(b))
    }

    /// Returns the number constant `n` (NaN canonicalized).
    pub fn number(&mut self, n: f64) -> ConstId {
        self.constant(Constant::Number(Number::from_f64(n)))
    }

    /// Returns the string constant `s`.
    pub fn string_constant(&mut self, s: &str) -> ConstId {
        let id = self.string(s);
        self.constant(Constant::String(id))
    }

    /// Returns the array constant of `items`.
    pub fn array(&mut self, items: Vec<ConstId>) -> ConstId {
        self.constant(Constant::Array(items))
    }

    /// Returns the object constant of `entries`, keys in the given order.
    pub fn object(&mut self, entries: &[(&str, ConstId)]) -> ConstId {
        let entries = entries.iter().map(|(k, v)| (self.string(k), *v)).collect();
        self.constant(Constant::Object(entries))
    }

    /// Declares a function, so calls to it can be emitted before it is defined.
    pub fn declare(&mut self, name: &str, kind: FunctionKind, params: u16) -> FuncId {
        let name = self.string(name);
        self.declared.push((name, kind, params));
        self.bodies.push(None);
        FuncId(index_u32(self.declared.len() - 1))
    }

    /// Defines declared function `id` with `body`, which must take the declared parameters.
    pub fn define(&mut self, id: FuncId, body: FunctionBuilder) -> Result<(), BuildError> {
        let index = id.0 as usize;
        let (Some(&(name, kind, params)), Some(slot)) = (self.declared.get(index), self.bodies.get(index)) else {
            return Err(BuildError::Undefined(format!("f{}", id.0)));
        };
        let name_text = self.strings.get(name.0 as usize).cloned().unwrap_or_default();
        if slot.is_some() {
            return Err(BuildError::DefinedTwice(name_text));
        }
        let (code, debug, registers) = body.finish(&name_text)?;
        let function = Function { name, kind, params, registers: registers.max(params), code, debug };
        if let Some(slot) = self.bodies.get_mut(index) {
            *slot = Some(function);
        }
        Ok(())
    }

    /// Declares and defines a function in one call; returns its index.
    pub fn function(&mut self, name: &str, kind: FunctionKind, body: FunctionBuilder) -> Result<FuncId, BuildError> {
        let id = self.declare(name, kind, body.params);
        self.define(id, body)?;
        Ok(id)
    }

    /// Sets the manifest blob.
    pub fn set_manifest(&mut self, manifest: Vec<u8>) {
        self.manifest = manifest;
    }

    /// Returns the module, or an error when a declared function was never defined.
    pub fn finish(self) -> Result<Module, BuildError> {
        let mut functions = Vec::with_capacity(self.bodies.len());
        for (body, (name, _, _)) in self.bodies.into_iter().zip(&self.declared) {
            let name = || self.strings.get(name.0 as usize).cloned().unwrap_or_default();
            functions.push(body.ok_or_else(|| BuildError::Undefined(name()))?);
        }
        if [self.strings.len(), self.constants.len(), functions.len()].iter().any(|n| u32::try_from(*n).is_err()) {
            return Err(BuildError::TooLarge("a table"));
        }
        Ok(Module {
            header: Header::current(self.compiler),
            strings: self.strings,
            constants: self.constants,
            functions,
            manifest: self.manifest,
        })
    }
}

/// Converts a table length to an index; tables past `u32::MAX` are refused by `finish`.
fn index_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Names a code position that jumps can target before it is known; see [`FunctionBuilder::bind`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Label(u32);

/// Remembers how many registers were in use, to release temporaries with
/// [`FunctionBuilder::release`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RegMark(u32);

/// Builds one function's code, register file and debug map.
#[derive(Debug)]
pub struct FunctionBuilder {
    params: u16,
    next_reg: u32,
    max_reg: u32,
    ops: Vec<Op>,
    len: u64,
    labels: Vec<Option<u64>>,
    fixups: Vec<(usize, Label)>,
    span: Option<SourceSpan>,
    debug: Vec<DebugEntry>,
}

impl FunctionBuilder {
    /// Starts a function taking `params` arguments, which occupy `r0..r(params-1)`.
    pub fn new(params: u16) -> FunctionBuilder {
        FunctionBuilder {
            params,
            next_reg: u32::from(params),
            max_reg: u32::from(params),
            ops: Vec::new(),
            len: 0,
            labels: Vec::new(),
            fixups: Vec::new(),
            span: None,
            debug: Vec::new(),
        }
    }

    /// Returns the register holding argument `i`.
    pub fn param(&self, i: u16) -> Reg {
        Reg(i)
    }

    /// Allocates a fresh register.
    pub fn reg(&mut self) -> Reg {
        self.regs(1)
    }

    /// Allocates `n` consecutive registers and returns the first (for `MakeArray`, `Concat`,
    /// `CallBuiltin`, `Call` argument ranges).
    pub fn regs(&mut self, n: u16) -> Reg {
        let first = self.next_reg;
        self.next_reg = self.next_reg.saturating_add(u32::from(n));
        self.max_reg = self.max_reg.max(self.next_reg);
        Reg(u16::try_from(first).unwrap_or(u16::MAX))
    }

    /// Returns a mark of the registers in use now.
    pub fn mark(&self) -> RegMark {
        RegMark(self.next_reg)
    }

    /// Frees every register allocated since `mark`, for reuse by later allocations.
    pub fn release(&mut self, mark: RegMark) {
        self.next_reg = mark.0.max(u32::from(self.params));
    }

    /// Returns the offset the next instruction will have.
    pub fn offset(&self) -> u32 {
        u32::try_from(self.len).unwrap_or(u32::MAX)
    }

    /// Sets the source span of the instructions emitted from now on.
    pub fn set_span(&mut self, span: SourceSpan) {
        self.span = Some(span);
    }

    /// Appends `op`; returns its offset.
    pub fn emit(&mut self, op: Op) -> u32 {
        let offset = self.offset();
        if let Some(span) = self.span {
            if self.debug.last().map(|e| e.span) != Some(span) {
                self.debug.push(DebugEntry { offset, span });
            }
        }
        self.len += op.encoded_len() as u64;
        self.ops.push(op);
        offset
    }

    /// Appends `op`, whose jump target is set to `label`'s position when the function is
    /// finished; returns its offset.
    pub fn emit_to(&mut self, op: Op, label: Label) -> u32 {
        self.fixups.push((self.ops.len(), label));
        self.emit(op)
    }

    /// Appends `Jump` to `label`.
    pub fn jump(&mut self, label: Label) -> u32 {
        self.emit_to(Op::Jump { target: Target(0) }, label)
    }

    /// Appends `JumpIfTrue cond` to `label`.
    pub fn jump_if_true(&mut self, cond: Reg, label: Label) -> u32 {
        self.emit_to(Op::JumpIfTrue { cond, target: Target(0) }, label)
    }

    /// Appends `JumpIfFalse cond` to `label`.
    pub fn jump_if_false(&mut self, cond: Reg, label: Label) -> u32 {
        self.emit_to(Op::JumpIfFalse { cond, target: Target(0) }, label)
    }

    /// Creates a label, not yet bound to a position.
    pub fn label(&mut self) -> Label {
        self.labels.push(None);
        Label(index_u32(self.labels.len() - 1))
    }

    /// Binds `label` to the offset of the next instruction.
    pub fn bind(&mut self, label: Label) {
        if let Some(slot) = self.labels.get_mut(label.0 as usize) {
            *slot = Some(self.len);
        }
    }

    /// Resolves labels and encodes; returns the code, debug map and register count.
    fn finish(mut self, name: &str) -> Result<(Vec<u8>, Vec<DebugEntry>, u16), BuildError> {
        if u32::try_from(self.len).is_err() {
            return Err(BuildError::TooLarge("function code"));
        }
        let registers = u16::try_from(self.max_reg).map_err(|_| BuildError::TooLarge("register file"))?;
        for (index, label) in std::mem::take(&mut self.fixups) {
            let bound = self.labels.get(label.0 as usize).copied().flatten();
            let unbound = || BuildError::UnboundLabel { function: name.to_owned(), label: label.0 };
            let target = Target(bound.and_then(|at| u32::try_from(at).ok()).ok_or_else(unbound)?);
            if let Some(op) = self.ops.get_mut(index) {
                op.set_target(target);
            }
        }
        let mut code = Vec::with_capacity(usize::try_from(self.len).unwrap_or(0));
        self.ops.iter().for_each(|op| op.encode(&mut code));
        Ok((code, self.debug, registers))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verify;

    #[test]
    fn interns_in_first_use_order() {
        let mut m = ModuleBuilder::new("t");
        assert_eq!(m.string("a"), StrId(0));
        assert_eq!(m.string("b"), StrId(1));
        assert_eq!(m.string("a"), StrId(0));
        let one = m.number(1.0);
        assert_eq!(m.number(1.0), one);
        assert_ne!(m.number(-0.0), m.number(0.0));
        assert_eq!(m.number(f64::NAN), m.number(-f64::NAN));
    }

    #[test]
    fn labels_resolve_forward_and_backward() {
        let mut m = ModuleBuilder::new("t");
        let mut f = FunctionBuilder::new(1);
        let (top, out) = (f.label(), f.label());
        f.bind(top);
        let r = f.reg();
        f.jump_if_false(f.param(0), out);
        f.emit(Op::Not { dst: r, a: r });
        f.jump(top);
        f.bind(out);
        f.emit(Op::Return { src: r });
        m.function("loop", FunctionKind::Expression, f).unwrap();
        let module = m.finish().unwrap();
        let v = verify(&module).unwrap();
        let instrs = v.functions()[0].instructions();
        assert_eq!(instrs[0].op, Op::JumpIfFalse { cond: Reg(0), target: Target(instrs[3].offset) });
        assert_eq!(instrs[2].op, Op::Jump { target: Target(0) });
        assert_eq!(module.functions[0].registers, 2);
    }

    #[test]
    fn reports_unbound_labels_and_undefined_functions() {
        let mut m = ModuleBuilder::new("t");
        let mut f = FunctionBuilder::new(0);
        let nowhere = f.label();
        f.jump(nowhere);
        assert!(matches!(m.function("f", FunctionKind::Step, f), Err(BuildError::UnboundLabel { .. })));
        let mut m = ModuleBuilder::new("t");
        m.declare("g", FunctionKind::Job, 1);
        assert_eq!(m.finish(), Err(BuildError::Undefined("g".into())));
    }

    #[test]
    fn records_spans_once_per_change() {
        let mut f = FunctionBuilder::new(0);
        let span = SourceSpan { line: 3, col: 1, ..SourceSpan::default() };
        f.emit(Op::Nop {});
        f.set_span(span);
        f.emit(Op::Nop {});
        f.emit(Op::Nop {});
        f.set_span(SourceSpan { line: 4, ..span });
        f.emit(Op::Halt {});
        let (_, debug, _) = f.finish("f").unwrap();
        assert_eq!(debug.iter().map(|e| (e.offset, e.span.line)).collect::<Vec<_>>(), [(1, 3), (3, 4)]);
    }
}
