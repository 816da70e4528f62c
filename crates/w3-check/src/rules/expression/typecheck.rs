//! Walks an expression tree computing types: reports contexts and special functions not
//! available at the site, properties not defined in strict object types, and dereferences of
//! values that are not objects.

use super::env::TypeEnv;
use crate::knowledge::availability::Availability;
use crate::knowledge::contexts::function;
use crate::knowledge::types::Ty;
use w3_dsl::expr::{Builtin, CompareOp, Expr, ExprKind, Function, Literal};

/// A finding at a character offset of the expression.
pub struct Finding {
    pub offset: usize,
    pub message: String,
}

pub struct Checker<'a> {
    pub env: &'a TypeEnv,
    pub availability: Option<&'static Availability>,
    pub findings: Vec<Finding>,
}

fn quote_list(items: &[&str]) -> String {
    items.iter().map(|s| format!("\"{s}\"")).collect::<Vec<_>>().join(", ")
}

impl Checker<'_> {
    fn report(&mut self, offset: usize, message: String) {
        self.findings.push(Finding { offset, message });
    }

    /// Returns the type of `e`, reporting what is wrong inside it.
    pub fn check(&mut self, e: &Expr) -> Ty {
        match &e.kind {
            ExprKind::Literal(l) => match l {
                Literal::Null => Ty::Null,
                Literal::Bool(_) => Ty::Bool,
                Literal::Number(_) => Ty::Number,
                Literal::String(_) => Ty::String,
            },
            ExprKind::NamedValue(name) => self.context(name, e.span.start),
            ExprKind::Property { object, name } => {
                if let Some(t) = self.path_type(e) {
                    return t;
                }
                let t = self.check(object);
                self.property(t, &name.name, e.span.start, object)
            }
            ExprKind::Index { object, index } => {
                let t = self.check(object);
                let i = self.check(index);
                match (&index.kind, t) {
                    (ExprKind::Literal(Literal::String(key)), t @ Ty::Object(_)) => {
                        self.property(t, key, e.span.start, object)
                    }
                    (_, Ty::Array(elem)) => *elem,
                    (_, Ty::Object(o)) => o.rest.map_or(Ty::Any, |r| *r),
                    _ => {
                        let _ = i;
                        Ty::Any
                    }
                }
            }
            ExprKind::Wildcard { object, .. } => match self.check(object) {
                Ty::Array(elem) => Ty::Array(elem),
                Ty::Object(o) => {
                    let elem = o.props.values().cloned().chain(o.rest.map(|r| *r)).reduce(Ty::merge).unwrap_or(Ty::Any);
                    Ty::array(elem)
                }
                _ => Ty::array(Ty::Any),
            },
            ExprKind::Call(call) => {
                for a in &call.args {
                    self.check(a);
                }
                match call.function {
                    Function::Builtin(Builtin::Format) => self.format_args(&call.args),
                    Function::Builtin(Builtin::FromJson) => {
                        if let Some(t) = self.json_literal_type(&call.args) {
                            return t;
                        }
                    }
                    _ => {}
                }
                if let Function::Extension(name) = &call.function {
                    if let Some(av) = self.availability {
                        if !av.allows_function(name) {
                            let allowed = if av.functions.is_empty() {
                                "no special function is available here".to_string()
                            } else {
                                format!("available functions here are {}", quote_list(av.functions))
                            };
                            self.report(call.name.span.start, format!("calling function \"{}\" is not allowed here. \"{}\" is only available in some places; {allowed}. see https://docs.github.com/en/actions/learn-github-actions/contexts#context-availability for more details", call.name.name, call.name.name));
                        }
                    }
                }
                function(&call.name.name).map_or(Ty::Any, |f| f.returns.clone())
            }
            ExprKind::Not(inner) => {
                self.check(inner);
                Ty::Bool
            }
            ExprKind::Compare { lhs, rhs, op } => {
                let (l, r) = (self.check(lhs), self.check(rhs));
                if !comparable(&l, &r, *op) {
                    self.report(
                        e.span.start,
                        format!("\"{l}\" value cannot be compared to \"{r}\" value with \"{}\" operator", op.as_str()),
                    );
                }
                Ty::Bool
            }
            ExprKind::Logical { operands, .. } => {
                operands.iter().map(|o| self.check(o)).reduce(Ty::merge).unwrap_or(Ty::Any)
            }
        }
    }

    /// Checks that `format`'s literal format string and its arguments agree.
    fn format_args(&mut self, args: &[Expr]) {
        let Some(Expr { kind: ExprKind::Literal(Literal::String(fmt)), span }) = args.first() else { return };
        let used = placeholders(fmt);
        let given = args.len() - 1;
        for i in 0..given {
            if !used.contains(&i) {
                self.report(span.start, format!("format string {fmt:?} does not contain placeholder {{{i}}}. remove argument which is unused in the format string"));
            }
        }
        if let Some(&max) = used.iter().max().filter(|&&m| m >= given) {
            self.report(span.start, format!("format string {fmt:?} contains placeholder {{{max}}} but only {given} arguments are given to format"));
        }
    }

    /// Parses `fromJSON('literal')` at lint time: reports broken JSON and returns the type.
    fn json_literal_type(&mut self, args: &[Expr]) -> Option<Ty> {
        let Some(Expr { kind: ExprKind::Literal(Literal::String(text)), span }) = args.first() else { return None };
        match serde_json::from_str::<serde_json::Value>(text) {
            Ok(v) => Some(json_type(&v)),
            Err(e) => {
                let offset =
                    text.lines().take(e.line().saturating_sub(1)).map(|l| l.len() + 1).sum::<usize>() + e.column();
                self.report(span.start, format!("broken JSON string is passed to fromJSON() at offset {offset}: {e}"));
                Some(Ty::Any)
            }
        }
    }

    /// Resolves a plain path `ctx.a.b` by reference, cloning only the type at its end (context
    /// types such as `github` are large). Returns `None` for anything but a plain path whose
    /// steps all exist, leaving the general walk to report.
    fn path_type(&mut self, e: &Expr) -> Option<Ty> {
        let mut names = Vec::new();
        let mut cur = e;
        while let ExprKind::Property { object, name } = &cur.kind {
            names.push(name.name.as_str());
            cur = object;
        }
        let ExprKind::NamedValue(root) = &cur.kind else { return None };
        if self.availability.is_some_and(|av| !av.allows_context(root)) {
            return None;
        }
        let mut t = self.env.get(root)?;
        for n in names.iter().rev() {
            t = match t {
                Ty::Object(o) => o.prop(n)?,
                Ty::Any => return Some(Ty::Any),
                _ => return None,
            };
        }
        Some(t.clone())
    }

    fn context(&mut self, name: &str, offset: usize) -> Ty {
        if let Some(av) = self.availability {
            if !av.allows_context(name) {
                let allowed = if av.contexts.is_empty() {
                    "no context is available here".to_string()
                } else {
                    format!("available contexts are {}", quote_list(av.contexts))
                };
                self.report(offset, format!("context \"{}\" is not allowed here. {allowed}. see https://docs.github.com/en/actions/learn-github-actions/contexts#context-availability for more details", name.to_ascii_lowercase()));
                return Ty::Any;
            }
        }
        self.env.get(name).cloned().unwrap_or(Ty::Any)
    }

    fn property(&mut self, t: Ty, name: &str, offset: usize, object: &Expr) -> Ty {
        match t {
            Ty::Any => Ty::Any,
            Ty::Object(o) => match o.prop(name) {
                Some(t) => t.clone(),
                None => {
                    let hint = w3_dsl::diag::did_you_mean(name, o.props.keys().map(String::as_str))
                        .map(|s| format!("; did you mean \"{s}\"?"))
                        .unwrap_or_default();
                    // Large types (such as `github`) are named by their size, not printed whole.
                    let ty = if o.props.len() > 12 {
                        format!("{{{} properties}}", o.props.len())
                    } else {
                        Ty::Object(o).to_string()
                    };
                    self.report(
                        offset,
                        format!("property \"{}\" is not defined in object type {ty}{hint}", name.to_ascii_lowercase()),
                    );
                    Ty::Any
                }
            },
            // `array.*.name` and `array.name` after a filter read the property of each element.
            Ty::Array(elem) if matches!(object.kind, ExprKind::Wildcard { .. }) => {
                match self.property(*elem, name, offset, object) {
                    Ty::Any => Ty::array(Ty::Any),
                    t => Ty::array(t),
                }
            }
            Ty::Array(_) => Ty::Any,
            other => {
                self.report(
                    offset,
                    format!("receiver of object dereference \"{name}\" must be type of object but got \"{other}\""),
                );
                Ty::Any
            }
        }
    }
}

/// Returns the indexes of `{N}` placeholders in a format string (`{{` and `}}` are escapes).
fn placeholders(fmt: &str) -> Vec<usize> {
    let mut out = Vec::new();
    let b = fmt.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'{' if b.get(i + 1) == Some(&b'{') => i += 2,
            b'}' if b.get(i + 1) == Some(&b'}') => i += 2,
            b'{' => {
                let end = fmt[i..].find('}').map(|e| i + e);
                if let Some(n) = end.and_then(|e| fmt[i + 1..e].parse::<usize>().ok()) {
                    out.push(n);
                }
                i = end.map_or(b.len(), |e| e + 1);
            }
            _ => i += 1,
        }
    }
    out
}

/// Returns the type of a JSON value.
fn json_type(v: &serde_json::Value) -> Ty {
    match v {
        serde_json::Value::Null => Ty::Null,
        serde_json::Value::Bool(_) => Ty::Bool,
        serde_json::Value::Number(_) => Ty::Number,
        serde_json::Value::String(_) => Ty::String,
        serde_json::Value::Array(a) => Ty::array(a.iter().map(json_type).reduce(Ty::merge).unwrap_or(Ty::Any)),
        serde_json::Value::Object(o) => Ty::object(o.iter().map(|(k, v)| (k.as_str(), json_type(v)))),
    }
}

/// Returns whether values of types `l` and `r` can be compared with `op` meaningfully:
/// objects and arrays only equal values of their own type, and ordering needs two numbers or
/// two strings.
fn comparable(l: &Ty, r: &Ty, op: CompareOp) -> bool {
    let composite = |t: &Ty| matches!(t, Ty::Object(_) | Ty::Array(_));
    if matches!(l, Ty::Any) || matches!(r, Ty::Any) {
        return true;
    }
    match op {
        CompareOp::Eq | CompareOp::Ne => {
            matches!(l, Ty::Null) || matches!(r, Ty::Null) || !(composite(l) || composite(r)) || l == r
        }
        _ => matches!(
            (l, r),
            (Ty::Number, Ty::Number) | (Ty::String, Ty::String) | (Ty::Number, Ty::String) | (Ty::String, Ty::Number)
        ),
    }
}
