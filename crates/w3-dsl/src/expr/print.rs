//! Writes a syntax tree back as expression source.
//!
//! The output parses back to the same tree: parentheses are added only where precedence needs
//! them, strings are quoted with `''` escapes, and numbers are written so they read back as the
//! same double (`-0`, `NaN`, `-Infinity` included).

use super::ast::{Expr, ExprKind, Literal, LogicalOp};
use std::fmt::{self, Write};
use w3_value::js_number_to_string;

/// Binding strength of a node, from loosest (`||`) to tightest (postfix and primaries).
fn precedence(expr: &Expr) -> u8 {
    match &expr.kind {
        ExprKind::Logical { op: LogicalOp::Or, .. } => 1,
        ExprKind::Logical { op: LogicalOp::And, .. } => 2,
        ExprKind::Compare { op, .. } => {
            if matches!(op, super::CompareOp::Eq | super::CompareOp::Ne) {
                3
            } else {
                4
            }
        }
        ExprKind::Not(_) => 5,
        _ => 6,
    }
}

/// Writes the node as expression source.
impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ExprKind::Literal(literal) => write_literal(f, literal),
            ExprKind::NamedValue(name) => f.write_str(name),
            ExprKind::Property { object, name } => {
                write_postfix_target(f, object)?;
                write!(f, ".{}", name.name)
            }
            ExprKind::Index { object, index } => {
                write_postfix_target(f, object)?;
                write!(f, "[{index}]")
            }
            ExprKind::Wildcard { object, bracket } => {
                write_postfix_target(f, object)?;
                f.write_str(if *bracket { "[*]" } else { ".*" })
            }
            ExprKind::Call(call) => {
                write!(f, "{}(", call.name.name)?;
                for (i, arg) in call.args.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{arg}")?;
                }
                f.write_char(')')
            }
            ExprKind::Not(operand) => {
                f.write_char('!')?;
                write_operand(f, operand, precedence(operand) < 5)
            }
            ExprKind::Compare { op, lhs, rhs } => {
                let own = precedence(self);
                write_operand(f, lhs, precedence(lhs) < own)?;
                write!(f, " {op} ")?;
                write_operand(f, rhs, precedence(rhs) <= own)
            }
            ExprKind::Logical { op, operands } => {
                let own = precedence(self);
                for (i, operand) in operands.iter().enumerate() {
                    if i > 0 {
                        write!(f, " {op} ")?;
                    }
                    write_operand(f, operand, precedence(operand) <= own)?;
                }
                Ok(())
            }
        }
    }
}

fn write_operand(f: &mut fmt::Formatter<'_>, expr: &Expr, parens: bool) -> fmt::Result {
    if parens {
        write!(f, "({expr})")
    } else {
        write!(f, "{expr}")
    }
}

/// Writes the target of `.x`, `[i]` or `.*`, which must be a name, a call, an access or a group.
fn write_postfix_target(f: &mut fmt::Formatter<'_>, object: &Expr) -> fmt::Result {
    let bare = matches!(
        object.kind,
        ExprKind::NamedValue(_)
            | ExprKind::Call(_)
            | ExprKind::Property { .. }
            | ExprKind::Index { .. }
            | ExprKind::Wildcard { .. }
    );
    write_operand(f, object, !bare)
}

fn write_literal(f: &mut fmt::Formatter<'_>, literal: &Literal) -> fmt::Result {
    match literal {
        Literal::Null => f.write_str("null"),
        Literal::Bool(b) => f.write_str(if *b { "true" } else { "false" }),
        Literal::Number(n) if *n == 0.0 && n.is_sign_negative() => f.write_str("-0"),
        Literal::Number(n) => f.write_str(&js_number_to_string(*n)),
        Literal::String(s) => {
            f.write_char('\'')?;
            f.write_str(&s.replace('\'', "''"))?;
            f.write_char('\'')
        }
    }
}
