//! Reading YAML nodes as typed values, reporting each mismatch as a `syntax-check` diagnostic.

use super::{ExprOr, Str, Strings};
use crate::diag::{did_you_mean, Diagnostic};
use crate::span::Pos;
use crate::yaml::{Entry, Node, NodeKind, Resolved};
use std::collections::HashMap;

pub(crate) const RULE: &str = "syntax-check";

/// Collects diagnostics while converting.
#[derive(Default)]
pub(crate) struct Cx {
    pub diags: Vec<Diagnostic>,
}

impl Cx {
    pub fn err(&mut self, pos: Pos, message: impl Into<String>) {
        self.diags.push(Diagnostic::at(RULE, pos, message));
    }

    /// Returns the entries of a mapping, or reports that `what` must be one.
    pub fn map<'n>(&mut self, node: &'n Node, what: &str) -> Option<&'n [Entry]> {
        match &node.kind {
            NodeKind::Map(entries) => Some(entries),
            _ if node.is_null() => Some(&[]),
            _ => {
                self.err(
                    node.pos(),
                    format!("\"{what}\" section is {} node but mapping node is expected", node_kind(node)),
                );
                None
            }
        }
    }

    /// Returns the entries of a non-empty mapping.
    pub fn nonempty_map<'n>(&mut self, node: &'n Node, what: &str) -> Option<&'n [Entry]> {
        let entries = self.map(node, what)?;
        if entries.is_empty() {
            self.err(node.pos(), format!("\"{what}\" section should not be empty"));
        }
        Some(entries)
    }

    /// Returns a scalar as text; empty strings are allowed.
    pub fn string(&mut self, node: &Node, what: &str) -> Option<Str> {
        match Str::from_node(node) {
            Some(s) => Some(s),
            None => {
                self.err(node.pos(), format!("\"{what}\" must be a string, but found {} node", node_kind(node)));
                None
            }
        }
    }

    /// Returns a non-empty scalar as text.
    pub fn nonempty_string(&mut self, node: &Node, what: &str) -> Option<Str> {
        let s = self.string(node, what)?;
        if s.value.is_empty() {
            self.err(node.pos(), format!("\"{what}\" must not be an empty string"));
        }
        Some(s)
    }

    /// Returns a string or a sequence of strings (`branches: main` or `branches: [a, b]`).
    pub fn strings(&mut self, key: &Node, node: &Node, what: &str, allow_empty: bool) -> Option<Strings> {
        let key = Str::from_node(key)?;
        let items = match &node.kind {
            NodeKind::Seq(items) => {
                if items.is_empty() && !allow_empty {
                    self.err(node.pos(), format!("\"{what}\" section should not be empty"));
                }
                items.iter().filter_map(|n| self.nonempty_string(n, what)).collect()
            }
            NodeKind::Scalar { .. } if node.is_null() && !allow_empty => {
                self.err(node.pos(), format!("\"{what}\" section should not be empty"));
                Vec::new()
            }
            NodeKind::Scalar { .. } => self.nonempty_string(node, what).into_iter().collect(),
            _ => {
                self.err(
                    node.pos(),
                    format!("\"{what}\" section must be a sequence or a string, but found {} node", node_kind(node)),
                );
                return None;
            }
        };
        Some(Strings { key, pos: node.pos(), items })
    }

    /// Returns a sequence of strings; a single string is an error here.
    pub fn sequence(&mut self, key: &Node, node: &Node, what: &str) -> Option<Strings> {
        if let NodeKind::Scalar { .. } = node.kind {
            if !node.is_null() {
                self.err(
                    node.pos(),
                    format!("\"{what}\" section must be a sequence, but found {} node", node.kind_name()),
                );
                return None;
            }
        }
        self.strings(key, node, what, true)
    }

    /// Returns a boolean literal or a `${{ }}` expression.
    pub fn bool_or_expr(&mut self, node: &Node, what: &str) -> Option<ExprOr<bool>> {
        match node.resolve() {
            Some(Resolved::Bool(b)) => Some(ExprOr::Lit { value: b, pos: node.pos() }),
            Some(_) => self.expr_or_err(
                node,
                &format!("\"{what}\" must be a boolean literal (true or false) or a single ${{{{ }}}} expression"),
            ),
            None => self.type_err(node, what, "boolean"),
        }
    }

    /// Returns a number literal or a `${{ }}` expression.
    pub fn number_or_expr(&mut self, node: &Node, what: &str) -> Option<ExprOr<f64>> {
        match node.resolve() {
            Some(Resolved::Int(i)) => Some(ExprOr::Lit { value: i as f64, pos: node.pos() }),
            Some(Resolved::Float(f)) => Some(ExprOr::Lit { value: f, pos: node.pos() }),
            Some(_) => self
                .expr_or_err(node, &format!("\"{what}\" must be a number literal or a single ${{{{ }}}} expression")),
            None => self.type_err(node, what, "number"),
        }
    }

    /// Returns an integer literal or a `${{ }}` expression, as a double.
    pub fn int_or_expr(&mut self, node: &Node, what: &str) -> Option<ExprOr<f64>> {
        match node.resolve() {
            Some(Resolved::Int(i)) => Some(ExprOr::Lit { value: i as f64, pos: node.pos() }),
            Some(Resolved::Float(_)) => {
                self.err(node.pos(), format!("\"{what}\" must be an integer, but found a fractional number"));
                None
            }
            Some(_) => self
                .expr_or_err(node, &format!("\"{what}\" must be an integer literal or a single ${{{{ }}}} expression")),
            None => self.type_err(node, what, "integer"),
        }
    }

    fn expr_or_err<T>(&mut self, node: &Node, message: &str) -> Option<ExprOr<T>> {
        let s = Str::from_node(node)?;
        if s.is_single_expr() {
            Some(ExprOr::Expr(s))
        } else {
            self.err(node.pos(), format!("{message}, but found \"{}\"", s.value));
            None
        }
    }

    fn type_err<T>(&mut self, node: &Node, what: &str, ty: &str) -> Option<T> {
        self.err(node.pos(), format!("\"{what}\" must be a {ty}, but found {} node", node_kind(node)));
        None
    }
}

/// Names a node's kind for messages.
pub(crate) fn node_kind(node: &Node) -> &'static str {
    match &node.kind {
        NodeKind::RecursiveAlias { .. } => "alias",
        NodeKind::Map(_) => "mapping",
        NodeKind::Seq(_) => "sequence",
        NodeKind::Scalar { .. } => "scalar",
    }
}

/// The keys of one mapping, checked against what the section allows.
pub(crate) struct Fields<'n> {
    entries: Vec<(&'n str, &'n Entry)>,
}

impl<'n> Fields<'n> {
    /// Checks the keys of `entries` of `section` against `allowed`: unknown keys get a "did you
    /// mean" suggestion, and duplicate keys are reported. Keys are matched case-sensitively,
    /// as GitHub does.
    pub fn new(cx: &mut Cx, entries: &'n [Entry], section: &str, allowed: &[&str]) -> Self {
        let mut seen: Vec<(&'n str, &'n Entry)> = Vec::with_capacity(entries.len());
        for e in entries {
            let Some(key) = e.key.as_scalar() else {
                cx.err(e.key.pos(), format!("keys of {section} must be strings, but found {} node", node_kind(&e.key)));
                continue;
            };
            if !allowed.contains(&key) {
                cx.err(e.key.pos(), unexpected_key(key, section, allowed));
                continue;
            }
            if let Some((_, prev)) = seen.iter().find(|(k, _)| *k == key) {
                let p = prev.key.pos();
                cx.err(
                    e.key.pos(),
                    format!(
                        "key \"{key}\" is duplicated in {section}. previously defined at line:{},col:{}",
                        p.line, p.col
                    ),
                );
                continue;
            }
            seen.push((key, e));
        }
        Self { entries: seen }
    }

    /// Returns the entry of `key`.
    pub fn entry(&self, key: &str) -> Option<&'n Entry> {
        self.entries.iter().find(|(k, _)| *k == key).map(|(_, e)| *e)
    }

    /// Returns the value of `key`.
    pub fn get(&self, key: &str) -> Option<&'n Node> {
        self.entry(key).map(|e| &e.value)
    }

    /// Returns whether `key` is present.
    pub fn has(&self, key: &str) -> bool {
        self.entry(key).is_some()
    }
}

/// Formats the "unexpected key" message with the allowed keys and a suggestion.
pub(crate) fn unexpected_key(key: &str, section: &str, allowed: &[&str]) -> String {
    let mut sorted: Vec<&str> = allowed.to_vec();
    sorted.sort_unstable();
    let list = sorted.iter().map(|k| format!("\"{k}\"")).collect::<Vec<_>>().join(", ");
    match did_you_mean(key, allowed.iter().copied()) {
        Some(s) => format!("unexpected key \"{key}\" for {section}; did you mean \"{s}\"? expected one of {list}"),
        None => format!("unexpected key \"{key}\" for {section}. expected one of {list}"),
    }
}

/// Checks keys of a mapping whose keys are user-chosen ids (jobs, inputs, env vars...):
/// duplicates are reported case-insensitively, as GitHub treats these ids. Takes time linear
/// in the number of keys.
pub(crate) fn unique_ids<'n>(cx: &mut Cx, entries: &'n [Entry], section: &str) -> Vec<(Str, &'n Node)> {
    let mut out: Vec<(Str, &'n Node)> = Vec::with_capacity(entries.len());
    // ASCII-lowercased id -> index in `out` of its first occurrence.
    let mut index: HashMap<String, usize> = HashMap::with_capacity(entries.len());
    for e in entries {
        let Some(id) = Str::from_node(&e.key) else {
            cx.err(e.key.pos(), format!("keys of {section} must be strings, but found {} node", node_kind(&e.key)));
            continue;
        };
        let folded = id.value.to_ascii_lowercase();
        if let Some((prev, _)) = index.get(&folded).map(|&i| &out[i]) {
            cx.err(
                id.pos,
                format!(
                    "key \"{}\" is duplicated in {section}. previously defined at line:{},col:{}. note that this key is case insensitive",
                    id.value, prev.pos.line, prev.pos.col
                ),
            );
            continue;
        }
        index.insert(folded, out.len());
        out.push((id, &e.value));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::{load, LoadOptions};

    #[test]
    fn unique_ids_is_linear_and_case_insensitive() {
        // Found with the yaml_front_end fuzz target on a crafted input: a 1.8 MB `env:` of
        // 150,000 distinct names took over a minute, as each id was compared with every earlier
        // one.
        let n = 200_000;
        let src: String = (0..n).map(|i| format!("v{i}: x\n")).collect::<String>() + "V7: y\nv7: z\n";
        let root = load(&src, &LoadOptions::default()).root.unwrap();
        let mut cx = Cx::default();
        let start = std::time::Instant::now();
        let ids = unique_ids(&mut cx, root.as_map().unwrap(), "\"env\" section");
        assert!(start.elapsed().as_secs() < 10, "took {:?}", start.elapsed());
        assert_eq!(ids.len(), n);
        assert_eq!(cx.diags.len(), 2, "{:?}", cx.diags);
        assert_eq!(
            cx.diags[0].message,
            "key \"V7\" is duplicated in \"env\" section. previously defined at line:8,col:1. note that this key is case insensitive"
        );
        assert_eq!(cx.diags[1].span.start, Pos::new(n as u32 + 2, 1));
    }
}
