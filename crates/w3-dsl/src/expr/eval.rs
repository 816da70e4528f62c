//! Evaluates a parsed expression with GitHub's semantics.
//!
//! Evaluation recurses over the tree, whose depth the parser limited, so it cannot exhaust the
//! stack. Memory is accounted as GitHub does: every node's result counts while it is held (a
//! string 26 bytes plus two per UTF-16 unit, a `fromJSON()` result as its JSON text, anything
//! else 24 bytes plus 8 per element), the results of a node's operands are released when the
//! node completes, and strings built by `format()`, `join()` and `toJSON()` are measured while
//! they grow. Exceeding the limit (1 MiB by default) fails with "The maximum allowed memory size
//! was exceeded".

use super::access::{access, Key};
use super::ast::{Builtin, Call, CompareOp, Expr, ExprKind, Function, Literal, LogicalOp};
use super::error::{Error, Reason};
use super::functions::{
    contains, ends_with, join, parse_format, starts_with, Piece, StringBuilder,
};
use super::json::{parse_json, string_bytes, to_json_limited, JsonStyle};
use super::ops::compare;
use super::span::CharSpan;
use super::text::utf16_len;
use super::value::{Object, Value, ValueKind};
use super::Expression;

/// Memory GitHub allows one evaluation to hold, in bytes.
pub const DEFAULT_MAX_MEMORY: usize = 1_048_576;

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
        Self {
            contexts,
            functions: None,
            max_memory: DEFAULT_MAX_MEMORY,
        }
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
        let mut run = Run {
            evaluator: self,
            live: 0,
        };
        run.eval(root)
            .map_err(|e| e.with_expression(expression.source()))
    }
}

/// A node's value and, when the node knows better than the default, its accounted size.
type Outcome = Result<(Value, Option<usize>), Error>;

struct Run<'e, 'a> {
    evaluator: &'e Evaluator<'a>,
    /// Bytes held by completed results that are still in use.
    live: usize,
}

/// Returns the memory GitHub accounts for holding `value`.
fn accounted_size(value: &Value) -> usize {
    match value {
        Value::String(s) => string_bytes(utf16_len(s)),
        Value::Array(a) => 24usize.saturating_add(a.len().saturating_mul(8)),
        Value::Object(o) => 24usize.saturating_add(o.len().saturating_mul(8)),
        _ => 24,
    }
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
    fn limit(&self) -> usize {
        self.evaluator.max_memory
    }

    fn eval(&mut self, expr: &Expr) -> Result<Value, Error> {
        let mark = self.live;
        let (value, bytes) = self.eval_node(expr)?;
        let bytes = bytes.unwrap_or_else(|| accounted_size(&value));
        self.live = mark.saturating_add(bytes);
        if self.live > self.limit() {
            return Err(Error::evaluation(Reason::MemoryExceeded, expr.span));
        }
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
        self.evaluator
            .contexts
            .get(name)
            .cloned()
            .unwrap_or(Value::Null)
    }

    fn property(&mut self, object: &Expr, name: &str) -> Outcome {
        let target = self.eval(object)?;
        Ok((access(&target, Key::Name(name)), None))
    }

    fn index(&mut self, object: &Expr, index: &Expr) -> Outcome {
        let target = self.eval(object)?;
        // GitHub does not evaluate the index of something that cannot be indexed.
        if target.is_primitive() {
            return Ok((Value::Null, None));
        }
        let key = self.eval(index)?;
        Ok((access(&target, Key::Value(&key)), None))
    }

    fn wildcard(&mut self, object: &Expr) -> Outcome {
        let target = self.eval(object)?;
        Ok((access(&target, Key::Wildcard), None))
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
                apply_builtin(*builtin, &args, self.limit()).map_err(|r| Error::evaluation(r, span))
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
            return Err(Error::evaluation(
                Reason::FunctionUnavailable(name.to_owned()),
                span,
            ));
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
        let pieces = parse_format(&format, rest.len()).map_err(|r| Error::evaluation(r, span))?;
        let mut texts: Vec<Option<(ValueKind, String)>> = vec![None; rest.len()];
        for piece in &pieces {
            let Piece::Arg { index, specifiers } = piece else {
                continue;
            };
            let (Some(slot), Some(arg)) = (texts.get_mut(*index), rest.get(*index)) else {
                continue;
            };
            if slot.is_none() {
                let value = self.eval(arg)?;
                *slot = Some((value.kind(), value.to_str().into_owned()));
            }
            if let (Some((kind, _)), false) = (slot, specifiers.is_empty()) {
                let reason = Reason::InvalidFormatSpecifiers {
                    specifiers: specifiers.clone(),
                    kind: *kind,
                };
                return Err(Error::evaluation(reason, span));
            }
        }
        let text =
            render_format(&pieces, &texts, self.limit()).map_err(|r| Error::evaluation(r, span))?;
        Ok((Value::from(text), None))
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
/// accounted size when it differs from the default.
fn apply_builtin(
    builtin: Builtin,
    args: &[Value],
    limit: usize,
) -> Result<(Value, Option<usize>), Reason> {
    let arg = |i: usize| args.get(i).unwrap_or(&Value::Null);
    let value = match builtin {
        Builtin::Contains => Value::Bool(contains(arg(0), arg(1))),
        Builtin::StartsWith => Value::Bool(starts_with(arg(0), arg(1))),
        Builtin::EndsWith => Value::Bool(ends_with(arg(0), arg(1))),
        Builtin::Join => Value::from(join(arg(0), args.get(1), limit)?),
        Builtin::ToJson => Value::from(to_json_limited(arg(0), JsonStyle::TO_JSON, limit)?),
        Builtin::FromJson => {
            // GitHub keeps the JSON text accounted for as long as the parsed value lives.
            let text = arg(0).to_str();
            let bytes = string_bytes(utf16_len(&text)).saturating_add(24);
            return Ok((parse_json(&text)?, Some(bytes)));
        }
        // Evaluated lazily by the caller.
        Builtin::Format | Builtin::Case => Value::Null,
    };
    Ok((value, None))
}

/// Returns the text of a parsed `format()` string with the argument `texts` filled in.
fn render_format(
    pieces: &[Piece<'_>],
    texts: &[Option<(ValueKind, String)>],
    limit: usize,
) -> Result<String, Reason> {
    let mut out = StringBuilder::new(limit);
    for piece in pieces {
        match piece {
            Piece::Text(text) => out.push(text)?,
            Piece::Arg { index, .. } => {
                let text = texts
                    .get(*index)
                    .and_then(Option::as_ref)
                    .map_or("", |(_, t)| t);
                out.push(text)?;
            }
        }
    }
    Ok(out.finish())
}
