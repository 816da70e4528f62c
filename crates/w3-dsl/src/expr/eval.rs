//! Evaluates a parsed expression with GitHub's semantics.
//!
//! Evaluation recurses over the tree, whose depth the parser limited, so it cannot exhaust the
//! stack. This module decides what is evaluated and when (short-circuiting, lazy `case()` and
//! `format()` arguments, no index evaluated for a primitive target) and where errors point;
//! what each operation does to values is `w3_value`'s. Memory is accounted with a
//! [`Memory`]: each node's result is held from when the node completes until its parent
//! does, which releases it (a mark taken before the operands, settled with the result), and
//! strings built by `format()`, `join()` and `toJSON()` are measured while they grow.
//! Exceeding the limit (1 MiB by default) fails with "The maximum allowed memory size was
//! exceeded".

use super::ast::{Builtin, Call, Expr, ExprKind, Function, Literal, LogicalOp};
use super::error::{Error, Reason};
use super::span::CharSpan;
use super::Expression;
use w3_value::builtins::{check_specifiers, parse_format, render_format, Piece};
use w3_value::{
    compare, filter, property, size_of, BuiltinFunction, CompareOp, Memory, Object, Value, ValueError,
    DEFAULT_MAX_MEMORY,
};

/// Implements the extension functions a caller allowed in
/// [`ParseOptions`](super::ParseOptions), such as `success()` or `hashFiles()`.
pub trait ExtensionFunctions {
    /// Returns the result of calling `name` (as registered) with the evaluated `args`, or a
    /// message saying why it failed.
    fn call(&self, name: &str, args: &[Value]) -> Result<Value, String>;
}

impl<F> ExtensionFunctions for F
where
    F: Fn(&str, &[Value]) -> Result<Value, String>,
{
    fn call(&self, name: &str, args: &[Value]) -> Result<Value, String> {
        self(name, args)
    }
}

/// Evaluates expressions against a set of contexts (named values).
#[derive(Clone, Copy)]
pub struct Evaluator<'a> {
    contexts: &'a Object,
    functions: Option<&'a dyn ExtensionFunctions>,
    max_memory: usize,
}

impl<'a> Evaluator<'a> {
    /// Returns an evaluator whose named values are the entries of `contexts` (names ignore
    /// case), without extension functions and with GitHub's memory limit.
    pub fn new(contexts: &'a Object) -> Self {
        Self { contexts, functions: None, max_memory: DEFAULT_MAX_MEMORY }
    }

    /// Returns the evaluator calling extension functions through `functions`.
    pub fn with_functions(mut self, functions: &'a dyn ExtensionFunctions) -> Self {
        self.functions = Some(functions);
        self
    }

    /// Returns the evaluator with a memory limit of `bytes`.
    pub fn with_max_memory(mut self, bytes: usize) -> Self {
        self.max_memory = bytes;
        self
    }

    /// Returns the value of `expression`; an empty expression is `null`. A named value that
    /// was allowed when parsing but is missing from the contexts is `null`.
    pub fn evaluate(&self, expression: &Expression) -> Result<Value, Error> {
        let Some(root) = expression.root() else {
            return Ok(Value::Null);
        };
        let mut run = Run { evaluator: self, memory: Memory::new(self.max_memory) };
        run.eval(root).map_err(|e| e.with_expression(expression.source()))
    }
}

/// A node's value and, when the node knows better than the default, its accounted size.
type Outcome = Result<(Value, Option<usize>), Error>;

struct Run<'e, 'a> {
    evaluator: &'e Evaluator<'a>,
    /// The bytes held by completed results that are still in use.
    memory: Memory,
}

/// Returns a function turning a failed operation on values into an evaluation error at `span`.
fn at(span: CharSpan) -> impl Fn(ValueError) -> Error {
    move |error| Error::evaluation(error.into(), span)
}

fn literal_value(literal: &Literal) -> Value {
    match literal {
        Literal::Null => Value::Null,
        Literal::Bool(b) => Value::Bool(*b),
        Literal::Number(n) => Value::Number(*n),
        Literal::String(s) => Value::string(s),
    }
}

// The methods on the recursive path (`eval` → `eval_node` → one small method per node kind →
// `eval`) keep their frames small: work that needs large locals (building strings, parsing JSON)
// happens in functions called after the recursion returns, so the depth limit of 50 needs well
// under a megabyte of stack even in debug builds.
impl Run<'_, '_> {
    fn eval(&mut self, expr: &Expr) -> Result<Value, Error> {
        let mark = self.memory.mark();
        let (value, bytes) = self.eval_node(expr)?;
        let bytes = bytes.unwrap_or_else(|| size_of(&value));
        self.memory.settle(mark, bytes).map_err(at(expr.span))?;
        Ok(value)
    }

    fn eval_node(&mut self, expr: &Expr) -> Outcome {
        match &expr.kind {
            ExprKind::Literal(literal) => Ok((literal_value(literal), None)),
            ExprKind::NamedValue(name) => Ok((self.named_value(name), None)),
            ExprKind::Property { object, name } => self.property(object, &name.name),
            ExprKind::Index { object, index } => self.index(object, index),
            ExprKind::Wildcard { object, .. } => self.wildcard(object),
            ExprKind::Call(call) => self.call(call, expr.span),
            ExprKind::Not(operand) => self.not(operand),
            ExprKind::Compare { op, lhs, rhs } => self.compare(*op, lhs, rhs),
            ExprKind::Logical { op, operands } => self.logical(*op, operands),
        }
    }

    fn named_value(&self, name: &str) -> Value {
        self.evaluator.contexts.get(name).cloned().unwrap_or(Value::Null)
    }

    fn property(&mut self, object: &Expr, name: &str) -> Outcome {
        let target = self.eval(object)?;
        Ok((property(&target, name), None))
    }

    fn index(&mut self, object: &Expr, index: &Expr) -> Outcome {
        let target = self.eval(object)?;
        // GitHub does not evaluate the index of something that cannot be indexed.
        if target.is_primitive() {
            return Ok((Value::Null, None));
        }
        let key = self.eval(index)?;
        Ok((w3_value::index(&target, &key), None))
    }

    fn wildcard(&mut self, object: &Expr) -> Outcome {
        let target = self.eval(object)?;
        Ok((filter(&target), None))
    }

    fn not(&mut self, operand: &Expr) -> Outcome {
        let value = self.eval(operand)?;
        Ok((Value::Bool(!value.is_truthy()), None))
    }

    fn compare(&mut self, op: CompareOp, lhs: &Expr, rhs: &Expr) -> Outcome {
        let lhs = self.eval(lhs)?;
        let rhs = self.eval(rhs)?;
        Ok((Value::Bool(compare(op, &lhs, &rhs)), None))
    }

    /// Returns the first operand that decides `op` (falsy for `&&`, truthy for `||`), else the
    /// last; later operands are not evaluated.
    fn logical(&mut self, op: LogicalOp, operands: &[Expr]) -> Outcome {
        let mut result = Value::Null;
        for operand in operands {
            result = self.eval(operand)?;
            if result.is_truthy() == (op == LogicalOp::Or) {
                break;
            }
        }
        Ok((result, None))
    }

    fn call(&mut self, call: &Call, span: CharSpan) -> Outcome {
        match &call.function {
            Function::Builtin(Builtin::Format) => self.format(&call.args, span),
            Function::Builtin(Builtin::Case) => self.case(&call.args),
            Function::Builtin(builtin) => {
                let args = self.eval_all(&call.args)?;
                apply_builtin(*builtin, &args, &self.memory).map_err(at(span))
            }
            Function::Extension(name) => {
                let args = self.eval_all(&call.args)?;
                self.extension(name, &args, span)
            }
        }
    }

    fn eval_all(&mut self, args: &[Expr]) -> Result<Vec<Value>, Error> {
        let mut values = Vec::with_capacity(args.len());
        for arg in args {
            values.push(self.eval(arg)?);
        }
        Ok(values)
    }

    fn extension(&self, name: &str, args: &[Value], span: CharSpan) -> Outcome {
        let Some(functions) = self.evaluator.functions else {
            return Err(Error::evaluation(Reason::FunctionUnavailable(name.to_owned()), span));
        };
        match functions.call(name, args) {
            Ok(value) => Ok((value, None)),
            Err(message) => {
                let reason = Reason::FunctionFailed(name.to_owned(), message);
                Err(Error::evaluation(reason, span))
            }
        }
    }

    /// Evaluates `format(string, args...)`: the string is checked first, then each referenced
    /// argument is evaluated once, in order of first reference, as GitHub does; arguments that
    /// are never referenced are never evaluated.
    fn format(&mut self, args: &[Expr], span: CharSpan) -> Outcome {
        let Some((first, rest)) = args.split_first() else {
            return Ok((Value::from(""), None));
        };
        let format = self.eval(first)?.to_str().into_owned();
        let pieces = parse_format(&format, rest.len()).map_err(at(span))?;
        let mut values: Vec<Option<Value>> = vec![None; rest.len()];
        for piece in &pieces {
            let Piece::Arg { index, specifiers } = piece else {
                continue;
            };
            let (Some(slot), Some(arg)) = (values.get_mut(*index), rest.get(*index)) else {
                continue;
            };
            if slot.is_none() {
                *slot = Some(self.eval(arg)?);
            }
            if let Some(value) = slot {
                check_specifiers(specifiers, value.kind()).map_err(at(span))?;
            }
        }
        let arg = |index: usize| values.get(index).and_then(Option::as_ref);
        let text = render_format(&pieces, arg, &self.memory).map_err(at(span))?;
        Ok((text, None))
    }

    /// Evaluates `case(pred1, val1, ..., default)`: predicates in order until one is `true`;
    /// only the chosen value is evaluated. A predicate that is not a boolean fails.
    fn case(&mut self, args: &[Expr]) -> Outcome {
        let mut pairs = args.chunks_exact(2);
        for pair in pairs.by_ref() {
            match self.eval(&pair[0])? {
                Value::Bool(true) => return Ok((self.eval(&pair[1])?, None)),
                Value::Bool(false) => {}
                _ => {
                    let reason = Reason::CasePredicateNotBoolean;
                    return Err(Error::evaluation(reason, pair[0].span));
                }
            }
        }
        match pairs.remainder().first() {
            Some(default) => Ok((self.eval(default)?, None)),
            None => Ok((Value::Null, None)),
        }
    }
}

/// Returns the result of a built-in function whose arguments are all evaluated, and its
/// accounted size.
fn apply_builtin(builtin: Builtin, args: &[Value], memory: &Memory) -> Result<(Value, Option<usize>), ValueError> {
    let function = match builtin {
        Builtin::Contains => BuiltinFunction::Contains,
        Builtin::StartsWith => BuiltinFunction::StartsWith,
        Builtin::EndsWith => BuiltinFunction::EndsWith,
        Builtin::Join => BuiltinFunction::Join,
        Builtin::ToJson => BuiltinFunction::ToJson,
        Builtin::FromJson => BuiltinFunction::FromJson,
        // Evaluated lazily by the caller.
        Builtin::Format | Builtin::Case => return Ok((Value::Null, None)),
    };
    let held = w3_value::call(function, args, memory)?;
    Ok((held.value, Some(held.bytes)))
}
