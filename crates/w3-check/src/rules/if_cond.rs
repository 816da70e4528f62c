//! `if-cond`: an `if:` condition must be able to be false. Text around `${{ }}` turns the whole
//! condition into a non-empty string, which is always true; a condition that uses no context
//! and no status function is a constant.

use crate::{Context, Rule};
use w3_dsl::ast::{Str, Workflow};
use w3_dsl::expr::{split_template, Expr, ExprKind, Function, Segment};
use w3_dsl::Diagnostic;

pub struct IfCond;

const NAME: &str = "if-cond";

/// Returns whether `e` has the same value on every run: no context, no status function.
fn is_constant(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Literal(_) => true,
        ExprKind::NamedValue(_) => false,
        ExprKind::Property { object, .. } | ExprKind::Wildcard { object, .. } => is_constant(object),
        ExprKind::Index { object, index } => is_constant(object) && is_constant(index),
        ExprKind::Call(c) => matches!(c.function, Function::Builtin(_)) && c.args.iter().all(is_constant),
        ExprKind::Not(inner) => is_constant(inner),
        ExprKind::Compare { lhs, rhs, .. } => is_constant(lhs) && is_constant(rhs),
        ExprKind::Logical { operands, .. } => operands.iter().all(is_constant),
    }
}

fn check(cond: &Str, out: &mut Vec<Diagnostic>) {
    let source = if cond.has_expr() {
        match split_template(&cond.value) {
            Ok(segments) => match segments.as_slice() {
                [Segment::Expression { source, .. }] => source.clone(),
                _ => {
                    out.push(Diagnostic::at(NAME, cond.pos, format!("if: condition {:?} is always evaluated to true because extra characters are around ${{{{ }}}}", cond.value)));
                    return;
                }
            },
            // Malformed templates are reported by the expression rule.
            Err(_) => return,
        }
    } else {
        cond.value.trim().to_string()
    };
    let mut sink = Vec::new();
    let parsed = super::expression::parse_site(&Str { value: source.clone(), ..cond.clone() }, true, &mut sink);
    if let Some(root) = parsed.first().and_then(|p| p.expr.root()) {
        if is_constant(root) {
            out.push(Diagnostic::at(
                NAME,
                cond.pos,
                format!("constant expression {source:?} in condition. remove the if: section"),
            ));
        }
    }
}

impl Rule for IfCond {
    fn name(&self) -> &'static str {
        NAME
    }

    fn check(&self, _cx: &Context<'_>, wf: &Workflow, out: &mut Vec<Diagnostic>) {
        for job in &wf.jobs {
            job.if_cond.iter().for_each(|c| check(c, out));
            job.snapshot.iter().filter_map(|s| s.if_cond.as_ref()).for_each(|c| check(c, out));
            job.steps.iter().filter_map(|s| s.if_cond.as_ref()).for_each(|c| check(c, out));
        }
    }
}
