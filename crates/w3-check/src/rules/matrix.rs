//! `matrix`: matrix rows have no duplicate values, and every `exclude` entry names an existing
//! row with a value that row can take (otherwise it silently excludes nothing).

use crate::{Context, Rule};
use w3_dsl::ast::{Combination, ExprOr, Matrix, MatrixRow, Workflow};
use w3_dsl::yaml::{Node, NodeKind, Resolved};
use w3_dsl::Diagnostic;

pub struct MatrixRule;

const NAME: &str = "matrix";

/// Compares two YAML values structurally, ignoring where they were written.
fn same(a: &Node, b: &Node) -> bool {
    match (&a.kind, &b.kind) {
        (NodeKind::Scalar { value: x, .. }, NodeKind::Scalar { value: y, .. }) => match (a.resolve(), b.resolve()) {
            (Some(Resolved::Str(_)), _) | (_, Some(Resolved::Str(_))) => x == y,
            (ra, rb) => ra == rb || x == y,
        },
        (NodeKind::Seq(x), NodeKind::Seq(y)) => x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same(p, q)),
        (NodeKind::Map(x), NodeKind::Map(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|e| y.iter().any(|f| e.key.as_scalar() == f.key.as_scalar() && same(&e.value, &f.value)))
        }
        _ => false,
    }
}

/// Returns whether an `exclude` value `pattern` selects the row value `v`: objects match when
/// the pattern's keys are a subset with matching values, as GitHub matches them.
fn selects(pattern: &Node, v: &Node) -> bool {
    match (&pattern.kind, &v.kind) {
        (NodeKind::Map(p), NodeKind::Map(x)) => {
            p.iter().all(|e| x.iter().any(|f| e.key.as_scalar() == f.key.as_scalar() && selects(&e.value, &f.value)))
        }
        _ => same(pattern, v),
    }
}

/// Returns whether a value holds a `${{ }}` expression anywhere.
fn has_expr(n: &Node) -> bool {
    match &n.kind {
        NodeKind::Scalar { value, .. } => value.contains("${{"),
        NodeKind::Seq(items) => items.iter().any(has_expr),
        NodeKind::Map(entries) => entries.iter().any(|e| has_expr(&e.key) || has_expr(&e.value)),
        NodeKind::RecursiveAlias { .. } => true,
    }
}

/// Renders a value as JSON-like text for messages.
pub fn show(n: &Node) -> String {
    match &n.kind {
        NodeKind::Scalar { value, .. } => format!("{value:?}"),
        NodeKind::Seq(items) => format!("[{}]", items.iter().map(show).collect::<Vec<_>>().join(", ")),
        NodeKind::Map(entries) => {
            let mut parts: Vec<String> =
                entries.iter().map(|e| format!("{:?}: {}", e.key.as_scalar().unwrap_or(""), show(&e.value))).collect();
            parts.sort();
            format!("{{{}}}", parts.join(", "))
        }
        NodeKind::RecursiveAlias { anchor } => format!("*{anchor}"),
    }
}

fn check_duplicates(row: &MatrixRow, out: &mut Vec<Diagnostic>) {
    let ExprOr::Lit { value: values, .. } = &row.values else { return };
    for (i, v) in values.iter().enumerate() {
        if let Some(prev) = values[..i].iter().find(|p| same(p, v)) {
            let p = prev.pos();
            out.push(Diagnostic::at(
                NAME,
                v.pos(),
                format!(
                    "duplicate value {} is found in matrix \"{}\". the same value is at line:{},col:{}",
                    show(v),
                    row.key.value,
                    p.line,
                    p.col
                ),
            ));
        }
    }
}

impl Rule for MatrixRule {
    fn name(&self) -> &'static str {
        NAME
    }

    fn check(&self, _cx: &Context<'_>, wf: &Workflow, out: &mut Vec<Diagnostic>) {
        for job in &wf.jobs {
            let Some(Matrix::Rows { rows, include, exclude, .. }) =
                job.strategy.as_ref().and_then(|s| s.matrix.as_ref())
            else {
                continue;
            };
            rows.iter().for_each(|r| check_duplicates(r, out));
            if rows.iter().any(|r| matches!(r.values, ExprOr::Expr(_))) {
                continue;
            }
            let Some(ExprOr::Lit { value: combos, .. }) = exclude.as_ref().map(|e| &e.value) else { continue };
            let include_keys: Vec<&str> = match include.as_ref().map(|i| &i.value) {
                Some(ExprOr::Lit { value, .. }) => value
                    .iter()
                    .filter_map(|c| match c {
                        Combination::Assign { pairs, .. } => Some(pairs.iter().map(|(k, _)| k.value.as_str())),
                        Combination::Expr(_) => None,
                    })
                    .flatten()
                    .collect(),
                Some(ExprOr::Expr(_)) => continue,
                None => Vec::new(),
            };
            for combo in combos {
                let Combination::Assign { pairs, .. } = combo else { continue };
                for (key, value) in pairs {
                    let Some(row) = rows.iter().find(|r| r.key.value.eq_ignore_ascii_case(&key.value)) else {
                        if !include_keys.iter().any(|k| k.eq_ignore_ascii_case(&key.value)) && !key.has_expr() {
                            let mut names: Vec<String> = rows.iter().map(|r| format!("\"{}\"", r.key.value)).collect();
                            names.sort();
                            out.push(Diagnostic::at(NAME, key.pos, format!("\"{}\" in \"exclude\" section does not exist in matrix. available matrix configurations are {}", key.value, names.join(", "))));
                        }
                        continue;
                    };
                    let ExprOr::Lit { value: values, .. } = &row.values else { continue };
                    if has_expr(value) || values.iter().any(|v| has_expr(v) || selects(value, v)) {
                        continue;
                    }
                    let possible: Vec<String> = values.iter().map(show).collect();
                    out.push(Diagnostic::at(NAME, value.pos(), format!("value {} in \"exclude\" does not match in matrix \"{}\" combinations. possible values are {}", show(value), row.key.value, possible.join(", "))));
                }
            }
        }
    }
}
