//! Walks an expression tree computing types: reports contexts and special functions not
//! available at the site, properties not defined in strict object types, and dereferences of
//! values that are not objects.

use super::env::TypeEnv;
use crate::knowledge::availability::Availability;
use crate::knowledge::contexts::function;
use crate::knowledge::types::Ty;
use w3_dsl::expr::{Expr, ExprKind, Function, Literal};

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
                let t = self.check(object);
                self.property(t, &name.name, e.span.start, object)
            }
            ExprKind::Index { object, index } => {
                let t = self.check(object);
                let i = self.check(index);
                match (&index.kind, t) {
                    (ExprKind::Literal(Literal::String(key)), t @ Ty::Object(_)) => self.property(t, key, e.span.start, object),
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
                if let Function::Extension(name) = &call.function {
                    if let Some(av) = self.availability {
                        if !av.allows_function(name) {
                            let allowed = if av.functions.is_empty() { "no special function is available here".to_string() } else { format!("available functions here are {}", quote_list(av.functions)) };
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
            ExprKind::Compare { lhs, rhs, .. } => {
                self.check(lhs);
                self.check(rhs);
                Ty::Bool
            }
            ExprKind::Logical { operands, .. } => operands.iter().map(|o| self.check(o)).reduce(Ty::merge).unwrap_or(Ty::Any),
        }
    }

    fn context(&mut self, name: &str, offset: usize) -> Ty {
        if let Some(av) = self.availability {
            if !av.allows_context(name) {
                let allowed = if av.contexts.is_empty() { "no context is available here".to_string() } else { format!("available contexts are {}", quote_list(av.contexts)) };
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
                    self.report(offset, format!("property \"{}\" is not defined in object type {}", name.to_ascii_lowercase(), Ty::Object(o)));
                    Ty::Any
                }
            },
            // `array.*.name` and `array.name` after a filter read the property of each element.
            Ty::Array(elem) if matches!(object.kind, ExprKind::Wildcard { .. }) => match self.property(*elem, name, offset, object) {
                Ty::Any => Ty::array(Ty::Any),
                t => Ty::array(t),
            },
            Ty::Array(_) => Ty::Any,
            other => {
                self.report(offset, format!("receiver of object dereference \"{name}\" must be type of object but got \"{other}\""));
                Ty::Any
            }
        }
    }
}
