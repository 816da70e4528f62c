//! Lowers expression trees to instructions, with GitHub's evaluation order and laziness:
//! `&&`/`||` return an operand and stop early, `case()` evaluates only the chosen branch,
//! `format()` with a constant format string evaluates only the referenced arguments (in order
//! of first reference), and an index on a value that is neither array nor object is null
//! without evaluating the index.

use crate::error::CompileError;
use crate::COMPILER;
use w3_dsl::expr::{
    Builtin as ExprBuiltin, CompareOp, Expr, ExprKind, Expression, Function, Literal, LogicalOp, ParseOptions,
};
use w3_isa::{
    Builtin, BuiltinId, FunctionBuilder, FunctionKind, HostId, HostKind, Imm16, Imm8, Module, ModuleBuilder, Op, Reg,
    SourceSpan, StatusId, StatusKind, StrId,
};
use w3_value::builtins::{parse_format, Piece};

/// Kind numbers `TypeOf` produces (docs/isa.md).
const KIND_BOOL: f64 = 1.0;
const KIND_ARRAY: f64 = 4.0;

/// How status functions (`success()`, `failure()`, ...) are answered where the expression is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StatusMode {
    /// In a step (or anywhere inside a running job): the VM's `Status`, which knows the job's
    /// earlier steps.
    Step,
    /// In a job's `if:`: from the results of the jobs in `needs`, listed here.
    Needs(Vec<String>),
}

/// Where the instructions of one expression go, and where its source is.
pub struct Lowering<'a> {
    pub module: &'a mut ModuleBuilder,
    pub f: &'a mut FunctionBuilder,
    /// The source file (string-table id) and the position of the expression's first character,
    /// so the debug map can point at the exact token.
    pub file: StrId,
    pub line: u32,
    pub col: u32,
    pub status: StatusMode,
}

/// Compiles one expression (without `${{ }}`) into a module whose only function, `expr`,
/// returns its value. This is what `w3 expr` runs.
pub fn compile_expression(source: &str, options: &ParseOptions) -> Result<Module, CompileError> {
    let expression = Expression::parse(source, options)?;
    let mut module = ModuleBuilder::new(COMPILER);
    let file = module.string("<expression>");
    let mut f = FunctionBuilder::new(0);
    let dst = f.reg();
    match expression.root() {
        Some(root) => lower(
            &mut Lowering { module: &mut module, f: &mut f, file, line: 1, col: 1, status: StatusMode::Step },
            root,
            dst,
        )?,
        None => {
            f.emit(Op::LoadNull { dst });
        }
    }
    f.emit(Op::Return { src: dst });
    module.function("expr", FunctionKind::Expression, f)?;
    Ok(module.finish()?)
}

/// Emits instructions that leave the value of `e` in `dst`.
pub fn lower(l: &mut Lowering<'_>, e: &Expr, dst: Reg) -> Result<(), CompileError> {
    l.f.set_span(SourceSpan {
        file: l.file,
        line: l.line,
        col: l.col + e.span.start as u32,
        end_line: l.line,
        end_col: l.col + e.span.end as u32,
    });
    match &e.kind {
        ExprKind::Literal(lit) => literal(l, lit, dst),
        ExprKind::NamedValue(name) => {
            let name = l.module.string(&name.to_ascii_lowercase());
            l.f.emit(Op::LoadContext { dst, name });
        }
        ExprKind::Property { object, name } => {
            lower(l, object, dst)?;
            let name = l.module.string(&name.name);
            l.f.emit(Op::GetProp { dst, obj: dst, name });
        }
        ExprKind::Index { object, index } => return index_access(l, object, index, dst),
        ExprKind::Wildcard { object, .. } => {
            lower(l, object, dst)?;
            l.f.emit(Op::Filter { dst, obj: dst });
        }
        ExprKind::Call(call) => return self::call(l, &call.function, &call.name.name, &call.args, dst),
        ExprKind::Not(inner) => {
            lower(l, inner, dst)?;
            l.f.emit(Op::Not { dst, a: dst });
        }
        ExprKind::Compare { op, lhs, rhs } => {
            lower(l, lhs, dst)?;
            let mark = l.f.mark();
            let b = l.f.reg();
            lower(l, rhs, b)?;
            l.f.emit(compare(*op, dst, b));
            l.f.release(mark);
        }
        ExprKind::Logical { op, operands } => {
            let end = l.f.label();
            for (i, operand) in operands.iter().enumerate() {
                if i > 0 {
                    match op {
                        LogicalOp::And => l.f.jump_if_false(dst, end),
                        LogicalOp::Or => l.f.jump_if_true(dst, end),
                    };
                }
                lower(l, operand, dst)?;
            }
            l.f.bind(end);
        }
    }
    Ok(())
}

fn literal(l: &mut Lowering<'_>, lit: &Literal, dst: Reg) {
    match lit {
        Literal::Null => {
            l.f.emit(Op::LoadNull { dst });
        }
        Literal::Bool(b) => {
            l.f.emit(Op::LoadBool { dst, value: Imm8(u8::from(*b)) });
        }
        Literal::Number(n) => {
            let k = l.module.number(*n);
            l.f.emit(Op::LoadConst { dst, k });
        }
        Literal::String(s) => {
            let k = l.module.string_constant(s);
            l.f.emit(Op::LoadConst { dst, k });
        }
    }
}

fn compare(op: CompareOp, dst: Reg, b: Reg) -> Op {
    let a = dst;
    match op {
        CompareOp::Eq => Op::Eq { dst, a, b },
        CompareOp::Ne => Op::Ne { dst, a, b },
        CompareOp::Lt => Op::Lt { dst, a, b },
        CompareOp::Le => Op::Le { dst, a, b },
        CompareOp::Gt => Op::Gt { dst, a, b },
        CompareOp::Ge => Op::Ge { dst, a, b },
    }
}

/// `object[index]`: null for a target that is neither array nor object, without evaluating
/// the index (GitHub's order).
fn index_access(l: &mut Lowering<'_>, object: &Expr, index: &Expr, dst: Reg) -> Result<(), CompileError> {
    lower(l, object, dst)?;
    let mark = l.f.mark();
    let (kind, limit, key) = (l.f.reg(), l.f.reg(), l.f.reg());
    let (null, end) = (l.f.label(), l.f.label());
    l.f.emit(Op::TypeOf { dst: kind, a: dst });
    let k = l.module.number(KIND_ARRAY);
    l.f.emit(Op::LoadConst { dst: limit, k });
    l.f.emit(Op::Ge { dst: kind, a: kind, b: limit });
    l.f.jump_if_false(kind, null);
    lower(l, index, key)?;
    l.f.emit(Op::Index { dst, obj: dst, key });
    l.f.jump(end);
    l.f.bind(null);
    l.f.emit(Op::LoadNull { dst });
    l.f.bind(end);
    l.f.release(mark);
    Ok(())
}

fn call(l: &mut Lowering<'_>, function: &Function, name: &str, args: &[Expr], dst: Reg) -> Result<(), CompileError> {
    match function {
        Function::Builtin(ExprBuiltin::Format) => format(l, args, dst),
        Function::Builtin(ExprBuiltin::Case) => case(l, args, dst),
        Function::Builtin(b) => {
            let builtin = Builtin::from_name(b.name()).ok_or(CompileError::TooLarge("an unknown built-in"))?;
            eager_builtin(l, builtin, args, dst)
        }
        Function::Extension(_) => extension(l, name, args, dst),
    }
}

/// Evaluates `args` into consecutive registers and returns the first.
fn args_in_registers(l: &mut Lowering<'_>, args: &[Expr]) -> Result<Reg, CompileError> {
    let n = u16::try_from(args.len()).map_err(|_| CompileError::TooLarge("the number of arguments"))?;
    let first = l.f.regs(n.max(1));
    for (i, a) in args.iter().enumerate() {
        lower(l, a, Reg(first.0 + i as u16))?;
    }
    Ok(first)
}

fn eager_builtin(l: &mut Lowering<'_>, builtin: Builtin, args: &[Expr], dst: Reg) -> Result<(), CompileError> {
    let argc = u8::try_from(args.len()).map_err(|_| CompileError::TooLarge("the number of arguments"))?;
    let mark = l.f.mark();
    let first = args_in_registers(l, args)?;
    l.f.emit(Op::CallBuiltin { dst, builtin: builtin.id(), first, argc: Imm8(argc) });
    l.f.release(mark);
    Ok(())
}

/// `format()`: with a constant format string, only referenced arguments are evaluated, each
/// once, in order of first reference, and the result is a `Concat`; otherwise (a computed
/// format string, or `{0:spec}` specifiers) the eager built-in.
fn format(l: &mut Lowering<'_>, args: &[Expr], dst: Reg) -> Result<(), CompileError> {
    let Some((Expr { kind: ExprKind::Literal(Literal::String(fmt)), .. }, rest)) = args.split_first() else {
        return computed_format(l, args, dst);
    };
    let pieces = match parse_format(fmt, rest.len()) {
        Ok(p) => p,
        Err(e) => {
            let msg = l.module.string(&e.to_string());
            l.f.emit(Op::Fail { msg });
            return Ok(());
        }
    };
    if pieces.iter().any(|p| matches!(p, Piece::Arg { specifiers, .. } if !specifiers.is_empty())) {
        return eager_builtin(l, Builtin::Format, args, dst);
    }
    let mark = l.f.mark();
    // Arguments in order of first reference, each in its own register.
    let mut arg_regs: Vec<Option<Reg>> = vec![None; rest.len()];
    for p in &pieces {
        if let Piece::Arg { index, .. } = p {
            if arg_regs[*index].is_none() {
                let r = l.f.reg();
                lower(l, &rest[*index], r)?;
                arg_regs[*index] = Some(r);
            }
        }
    }
    let count = u16::try_from(pieces.len()).map_err(|_| CompileError::TooLarge("the format string"))?;
    let first = l.f.regs(count.max(1));
    for (i, p) in pieces.iter().enumerate() {
        let r = Reg(first.0 + i as u16);
        match p {
            Piece::Text(t) => {
                let k = l.module.string_constant(t);
                l.f.emit(Op::LoadConst { dst: r, k });
            }
            Piece::Arg { index, .. } => {
                let src = arg_regs[*index].ok_or(CompileError::TooLarge("the format string"))?;
                l.f.emit(Op::Move { dst: r, src });
            }
        }
    }
    if pieces.is_empty() {
        let k = l.module.string_constant("");
        l.f.emit(Op::LoadConst { dst, k });
    } else {
        l.f.emit(Op::Concat { dst, first, count: Imm16(count) });
    }
    l.f.release(mark);
    Ok(())
}

/// `format()` with a format string known only at run time: the string is evaluated first and
/// an argument only when the string mentions its placeholder (`{i}` or `{i:`), so an argument
/// the format does not use is never evaluated, as on GitHub.
fn computed_format(l: &mut Lowering<'_>, args: &[Expr], dst: Reg) -> Result<(), CompileError> {
    let argc = u8::try_from(args.len()).map_err(|_| CompileError::TooLarge("the number of arguments"))?;
    let mark = l.f.mark();
    let first = args_in_registers(l, &args[..args.len().min(1)])?;
    l.f.emit(Op::ToStr { dst: first, src: first });
    let rest = l.f.regs(u16::from(argc.saturating_sub(1)).max(1));
    let (pattern, hit) = (l.f.regs(2), l.f.reg());
    for (i, arg) in args.iter().enumerate().skip(1) {
        let r = Reg(rest.0 + (i - 1) as u16);
        let (evaluate, next) = (l.f.label(), l.f.label());
        l.f.emit(Op::LoadNull { dst: r });
        for text in [format!("{{{}}}", i - 1), format!("{{{}:", i - 1)] {
            l.f.emit(Op::Move { dst: pattern, src: first });
            let k = l.module.string_constant(&text);
            l.f.emit(Op::LoadConst { dst: Reg(pattern.0 + 1), k });
            l.f.emit(Op::CallBuiltin { dst: hit, builtin: Builtin::Contains.id(), first: pattern, argc: Imm8(2) });
            l.f.jump_if_true(hit, evaluate);
        }
        l.f.jump(next);
        l.f.bind(evaluate);
        lower(l, arg, r)?;
        l.f.bind(next);
    }
    // `format` takes its arguments in consecutive registers: the string, then the rest.
    let call = l.f.regs(u16::from(argc).max(1));
    l.f.emit(Op::Move { dst: call, src: first });
    for i in 1..usize::from(argc) {
        l.f.emit(Op::Move { dst: Reg(call.0 + i as u16), src: Reg(rest.0 + (i - 1) as u16) });
    }
    l.f.emit(Op::CallBuiltin { dst, builtin: Builtin::Format.id(), first: call, argc: Imm8(argc) });
    l.f.release(mark);
    Ok(())
}

/// `case(pred1, val1, ..., default)`: predicates in order until one is `true`; only the chosen
/// value is evaluated; a predicate that is not a boolean is a runtime error.
fn case(l: &mut Lowering<'_>, args: &[Expr], dst: Reg) -> Result<(), CompileError> {
    let end = l.f.label();
    let mark = l.f.mark();
    let (kind, want) = (l.f.reg(), l.f.reg());
    let mut pairs = args.chunks_exact(2);
    for pair in pairs.by_ref() {
        let (ok, next) = (l.f.label(), l.f.label());
        lower(l, &pair[0], dst)?;
        l.f.emit(Op::TypeOf { dst: kind, a: dst });
        let k = l.module.number(KIND_BOOL);
        l.f.emit(Op::LoadConst { dst: want, k });
        l.f.emit(Op::Eq { dst: kind, a: kind, b: want });
        l.f.jump_if_true(kind, ok);
        let msg = l.module.string("case predicate must evaluate to a boolean value");
        l.f.emit(Op::Fail { msg });
        l.f.bind(ok);
        l.f.jump_if_false(dst, next);
        lower(l, &pair[1], dst)?;
        l.f.jump(end);
        l.f.bind(next);
    }
    match pairs.remainder().first() {
        Some(default) => lower(l, default, dst)?,
        None => {
            l.f.emit(Op::LoadNull { dst });
        }
    }
    l.f.bind(end);
    l.f.release(mark);
    Ok(())
}

/// Status functions become `Status`; `hashFiles(patterns...)` asks the host, which owns the
/// workspace.
fn extension(l: &mut Lowering<'_>, name: &str, args: &[Expr], dst: Reg) -> Result<(), CompileError> {
    if let Some(status) = StatusKind::ALL.iter().find(|s| s.name().eq_ignore_ascii_case(name)) {
        match (&l.status, status) {
            (StatusMode::Needs(needs), StatusKind::Success | StatusKind::Failure) => {
                let needs = needs.clone();
                needs_status(l, &needs, *status == StatusKind::Success, dst);
            }
            _ => {
                let kind: StatusId = status.id();
                l.f.emit(Op::Status { dst, kind });
            }
        }
        return Ok(());
    }
    let mark = l.f.mark();
    let count = u16::try_from(args.len()).map_err(|_| CompileError::TooLarge("the number of arguments"))?;
    let first = args_in_registers(l, args)?;
    let (key, list) = (l.f.reg(), l.f.reg());
    l.f.emit(Op::MakeArray { dst: list, first, count: Imm16(count) });
    let k = l.module.string_constant("patterns");
    l.f.emit(Op::LoadConst { dst: key, k });
    l.f.emit(Op::MakeObject { dst, first: key, count: Imm16(1) });
    let kind: HostId = HostKind::HashFiles.id();
    l.f.emit(Op::HostCall { dst, kind, arg: dst });
    // The answer is `{ok, value}`; a host error fails the expression, as on GitHub.
    let (ok, value, done) = (l.module.string("ok"), l.module.string("value"), l.f.label());
    l.f.emit(Op::GetProp { dst: key, obj: dst, name: ok });
    l.f.jump_if_true(key, done);
    let msg = l.module.string("hashFiles failed: the host could not hash the workspace files");
    l.f.emit(Op::Fail { msg });
    l.f.bind(done);
    l.f.emit(Op::GetProp { dst, obj: dst, name: value });
    l.f.release(mark);
    Ok(())
}

/// Answers `success()` (every needed job succeeded and the run is not cancelled) or `failure()`
/// (some needed job failed) in a job's `if:`, from the `needs` context.
fn needs_status(l: &mut Lowering<'_>, needs: &[String], success: bool, dst: Reg) {
    let mark = l.f.mark();
    let (t, k) = (l.f.reg(), l.f.reg());
    let (decided, end) = (l.f.label(), l.f.label());
    let (ctx, result) = (l.module.string("needs"), l.module.string("result"));
    let want = l.module.string_constant(if success { "success" } else { "failure" });
    if success {
        // A cancelled run fails every success().
        let kind: StatusId = StatusKind::Cancelled.id();
        l.f.emit(Op::Status { dst: t, kind });
        l.f.jump_if_true(t, decided);
    }
    for need in needs {
        let id = l.module.string(need);
        l.f.emit(Op::LoadContext { dst: t, name: ctx });
        l.f.emit(Op::GetProp { dst: t, obj: t, name: id });
        l.f.emit(Op::GetProp { dst: t, obj: t, name: result });
        l.f.emit(Op::LoadConst { dst: k, k: want });
        l.f.emit(Op::Eq { dst: t, a: t, b: k });
        if success {
            l.f.jump_if_false(t, decided);
        } else {
            l.f.jump_if_true(t, decided);
        }
    }
    // Fell through: success() saw no failure; failure() saw none.
    l.f.emit(Op::LoadBool { dst, value: Imm8(u8::from(success)) });
    l.f.jump(end);
    l.f.bind(decided);
    l.f.emit(Op::LoadBool { dst, value: Imm8(u8::from(!success)) });
    l.f.bind(end);
    l.f.release(mark);
}

// `BuiltinId` is named so the type of `Builtin::id()` stays visible at the call sites above.
const _: fn(Builtin) -> BuiltinId = Builtin::id;
