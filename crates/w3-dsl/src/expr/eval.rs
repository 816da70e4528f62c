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
use super::ast::{Builtin, Call, Expr, ExprKind, Function, Literal, LogicalOp};
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
        let value = match &expr.kind {
            ExprKind::Literal(literal) => literal_value(literal),
            ExprKind::NamedValue(name) => self
                .evaluator
                .contexts
                .get(name)
                .cloned()
                .unwrap_or(Value::Null),
            ExprKind::Property { object, name } => {
                access(&self.eval(object)?, Key::Name(&name.name))
            }
            ExprKind::Index { object, index } => {
                let target = self.eval(object)?;
                // GitHub does not evaluate the index of something that cannot be indexed.
                if target.is_primitive() {
                    Value::Null
                } else {
                    access(&target, Key::Value(&self.eval(index)?))
                }
            }
            ExprKind::Wildcard { object, .. } => access(&self.eval(object)?, Key::Wildcard),
            ExprKind::Call(call) => return self.call(call, expr.span),
            ExprKind::Not(operand) => Value::Bool(!self.eval(operand)?.is_truthy()),
            ExprKind::Compare { op, lhs, rhs } => {
                let lhs = self.eval(lhs)?;
                let rhs = self.eval(rhs)?;
                Value::Bool(compare(*op, &lhs, &rhs))
            }
            ExprKind::Logical { op, operands } => self.logical(*op, operands)?,
        };
        Ok((value, None))
    }

    /// Returns the first operand that decides `op` (falsy for `&&`, truthy for `||`), else the
    /// last; later operands are not evaluated.
    fn logical(&mut self, op: LogicalOp, operands: &[Expr]) -> Result<Value, Error> {
        let mut result = Value::Null;
        for operand in operands {
            result = self.eval(operand)?;
            if result.is_truthy() == (op == LogicalOp::Or) {
                break;
            }
        }
        Ok(result)
    }

    fn call(&mut self, call: &Call, span: CharSpan) -> Outcome {
        let builtin = match &call.function {
            Function::Builtin(Builtin::Format) => return self.format(&call.args, span),
            Function::Builtin(Builtin::Case) => return self.case(&call.args),
            Function::Builtin(builtin) => *builtin,
            Function::Extension(name) => return self.extension(name, &call.args, span),
        };
        let args = self.eval_all(&call.args)?;
        let arg = |i: usize| args.get(i).unwrap_or(&Value::Null);
        let fail = |reason| Error::evaluation(reason, span);
        let value = match builtin {
            Builtin::Contains => Value::Bool(contains(arg(0), arg(1))),
            Builtin::StartsWith => Value::Bool(starts_with(arg(0), arg(1))),
            Builtin::EndsWith => Value::Bool(ends_with(arg(0), arg(1))),
            Builtin::Join => Value::from(join(arg(0), args.get(1), self.limit()).map_err(fail)?),
            Builtin::ToJson => Value::from(
                to_json_limited(arg(0), JsonStyle::TO_JSON, self.limit()).map_err(fail)?,
            ),
            Builtin::FromJson => {
                // GitHub keeps the JSON text accounted for as long as the parsed value lives.
                let text = arg(0).to_str();
                let value = parse_json(&text).map_err(fail)?;
                let bytes = string_bytes(utf16_len(&text)).saturating_add(24);
                return Ok((value, Some(bytes)));
            }
            // Evaluated lazily above.
            Builtin::Format | Builtin::Case => Value::Null,
        };
        Ok((value, None))
    }

    fn eval_all(&mut self, args: &[Expr]) -> Result<Vec<Value>, Error> {
        args.iter().map(|arg| self.eval(arg)).collect()
    }

    fn extension(&mut self, name: &str, args: &[Expr], span: CharSpan) -> Outcome {
        let args = self.eval_all(args)?;
        let Some(functions) = self.evaluator.functions else {
            return Err(Error::evaluation(
                Reason::FunctionUnavailable(name.to_owned()),
                span,
            ));
        };
        let value = functions.call(name, &args).map_err(|message| {
            Error::evaluation(Reason::FunctionFailed(name.to_owned(), message), span)
        })?;
        Ok((value, None))
    }

    /// Evaluates `format(string, args...)`: the string is checked first, then each referenced
    /// argument is evaluated once, when first needed, as GitHub does.
    fn format(&mut self, args: &[Expr], span: CharSpan) -> Outcome {
        let Some((first, rest)) = args.split_first() else {
            return Ok((Value::from(""), None));
        };
        let format = self.eval(first)?;
        let format = format.to_str();
        let fail = |reason| Error::evaluation(reason, span);
        let pieces = parse_format(&format, rest.len()).map_err(fail)?;
        let mut cache: Vec<Option<(ValueKind, String)>> = vec![None; rest.len()];
        let mut out = StringBuilder::new(self.limit());
        for piece in pieces {
            let (index, specifiers) = match piece {
                Piece::Text(text) => {
                    out.push(text).map_err(fail)?;
                    continue;
                }
                Piece::Arg { index, specifiers } => (index, specifiers),
            };
            let (Some(slot), Some(arg)) = (cache.get_mut(index), rest.get(index)) else {
                return Err(fail(Reason::FormatArgumentOutOfRange(format.to_string())));
            };
            if slot.is_none() {
                let value = self.eval(arg)?;
                *slot = Some((value.kind(), value.to_str().into_owned()));
            }
            let Some((kind, text)) = slot.as_ref() else {
                continue;
            };
            if !specifiers.is_empty() {
                return Err(fail(Reason::InvalidFormatSpecifiers {
                    specifiers,
                    kind: *kind,
                }));
            }
            out.push(text).map_err(fail)?;
        }
        Ok((Value::from(out.finish()), None))
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
                    return Err(Error::evaluation(
                        Reason::CasePredicateNotBoolean,
                        pair[0].span,
                    ))
                }
            }
        }
        match pairs.remainder().first() {
            Some(default) => Ok((self.eval(default)?, None)),
            None => Ok((Value::Null, None)),
        }
    }
}
