//! Defines the syntax tree of an expression, for evaluation and for linters to walk.
//!
//! Every node has a [`CharSpan`] within the expression's source. Parentheses leave no node of
//! their own, and chains of `&&` (or `||`) are flattened into one node, as in GitHub's parser; this
//! is also how the tree's depth is measured against the limit of 50.

use super::span::CharSpan;
use std::fmt;
use w3_value::CompareOp;

/// Holds one node of the syntax tree.
#[derive(Clone, Debug, PartialEq)]
pub struct Expr {
    /// What the node is.
    pub kind: ExprKind,
    /// The source characters of the node (without surrounding parentheses).
    pub span: CharSpan,
}

/// Says what a node is.
#[derive(Clone, Debug, PartialEq)]
pub enum ExprKind {
    /// A literal: `null`, `true`, `1.5`, `'text'`.
    Literal(Literal),
    /// A context (named value) such as `github`; holds the name as written.
    NamedValue(String),
    /// Property access `object.name`.
    Property {
        /// The value whose property is read.
        object: Box<Expr>,
        /// The property name as written.
        name: Ident,
    },
    /// Index access `object[index]`.
    Index {
        /// The value that is indexed.
        object: Box<Expr>,
        /// The index or key.
        index: Box<Expr>,
    },
    /// The object filter `object.*` or `object[*]`.
    Wildcard {
        /// The value whose elements or property values are collected.
        object: Box<Expr>,
        /// Whether it was written `[*]` (else `.*`).
        bracket: bool,
    },
    /// A function call.
    Call(Call),
    /// Logical negation `!operand`.
    Not(Box<Expr>),
    /// A comparison `lhs op rhs`.
    Compare {
        /// The operator.
        op: CompareOp,
        /// The left operand.
        lhs: Box<Expr>,
        /// The right operand.
        rhs: Box<Expr>,
    },
    /// `a && b && ...` or `a || b || ...`, flattened; holds at least two operands.
    Logical {
        /// The operator.
        op: LogicalOp,
        /// The operands in source order.
        operands: Vec<Expr>,
    },
}

/// Holds a literal's value.
#[derive(Clone, Debug, PartialEq)]
pub enum Literal {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number, including `NaN` and the infinities.
    Number(f64),
    /// A string, with `''` unescaped.
    String(String),
}

/// Holds a name with its span.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ident {
    /// The name as written.
    pub name: String,
    /// Where it is written.
    pub span: CharSpan,
}

/// Holds a function call.
#[derive(Clone, Debug, PartialEq)]
pub struct Call {
    /// The function name as written (function names ignore case).
    pub name: Ident,
    /// Which function the name resolved to when parsing.
    pub function: Function,
    /// The arguments in order.
    pub args: Vec<Expr>,
}

/// Names the function a call resolved to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Function {
    /// One of GitHub's built-in functions.
    Builtin(Builtin),
    /// A function the caller allowed in [`ParseOptions`](super::ParseOptions) (such as
    /// `success()` or `hashFiles()`); holds its name as registered.
    Extension(String),
}

/// Names GitHub's built-in functions, which every expression may call.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Builtin {
    /// `contains(search, item)`.
    Contains,
    /// `startsWith(searchString, searchValue)`.
    StartsWith,
    /// `endsWith(searchString, searchValue)`.
    EndsWith,
    /// `format(string, replaceValue0, ...)`.
    Format,
    /// `join(array, optionalSeparator)`.
    Join,
    /// `toJSON(value)`.
    ToJson,
    /// `fromJSON(value)`.
    FromJson,
    /// `case(pred1, val1, ..., default)`.
    Case,
}

impl Builtin {
    /// Lists every built-in function.
    pub const ALL: [Builtin; 8] = [
        Builtin::Contains,
        Builtin::StartsWith,
        Builtin::EndsWith,
        Builtin::Format,
        Builtin::Join,
        Builtin::ToJson,
        Builtin::FromJson,
        Builtin::Case,
    ];

    /// Returns the function's name as GitHub documents it.
    pub const fn name(self) -> &'static str {
        match self {
            Builtin::Contains => "contains",
            Builtin::StartsWith => "startsWith",
            Builtin::EndsWith => "endsWith",
            Builtin::Format => "format",
            Builtin::Join => "join",
            Builtin::ToJson => "toJSON",
            Builtin::FromJson => "fromJSON",
            Builtin::Case => "case",
        }
    }

    /// Returns the fewest and the most arguments the function takes.
    pub const fn arity(self) -> (usize, usize) {
        match self {
            Builtin::Contains | Builtin::StartsWith | Builtin::EndsWith => (2, 2),
            Builtin::Format => (1, 255),
            Builtin::Join => (1, 2),
            Builtin::ToJson | Builtin::FromJson => (1, 1),
            Builtin::Case => (3, usize::MAX),
        }
    }

    /// Returns the built-in function called `name`, ignoring case.
    pub fn from_name(name: &str) -> Option<Builtin> {
        Builtin::ALL.into_iter().find(|b| b.name().eq_ignore_ascii_case(name))
    }
}

/// Names a logical operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LogicalOp {
    /// `&&`: the first falsy operand, else the last.
    And,
    /// `||`: the first truthy operand, else the last.
    Or,
}

impl LogicalOp {
    /// Returns the operator as written.
    pub const fn as_str(self) -> &'static str {
        match self {
            LogicalOp::And => "&&",
            LogicalOp::Or => "||",
        }
    }
}

impl fmt::Display for LogicalOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Expr {
    /// Returns the node's direct children in source order.
    pub fn children(&self) -> Vec<&Expr> {
        match &self.kind {
            ExprKind::Literal(_) | ExprKind::NamedValue(_) => Vec::new(),
            ExprKind::Property { object, .. } | ExprKind::Wildcard { object, .. } => vec![object],
            ExprKind::Index { object, index } => vec![object, index],
            ExprKind::Call(call) => call.args.iter().collect(),
            ExprKind::Not(operand) => vec![operand],
            ExprKind::Compare { lhs, rhs, .. } => vec![lhs, rhs],
            ExprKind::Logical { operands, .. } => operands.iter().collect(),
        }
    }

    /// Calls `visit` on this node and then on every descendant, depth first, in source order.
    pub fn walk<'e>(&'e self, visit: &mut dyn FnMut(&'e Expr)) {
        let mut stack = vec![self];
        while let Some(node) = stack.pop() {
            visit(node);
            stack.extend(node.children().into_iter().rev());
        }
    }

    /// Returns whether this node or a descendant calls the function `name` (ignoring case), e.g.
    /// to tell whether an `if:` condition mentions a status function, without which GitHub
    /// evaluates it as `success() && (condition)`.
    pub fn calls_function(&self, name: &str) -> bool {
        let mut found = false;
        self.walk(&mut |node| {
            if let ExprKind::Call(call) = &node.kind {
                found |= call.name.name.eq_ignore_ascii_case(name);
            }
        });
        found
    }

    /// Returns the context name this node reads from, looking through property, index and
    /// filter accesses: `github` for `github.event.inputs['x']`.
    pub fn root_named_value(&self) -> Option<&str> {
        let mut node = self;
        loop {
            match &node.kind {
                ExprKind::NamedValue(name) => return Some(name),
                ExprKind::Property { object, .. }
                | ExprKind::Index { object, .. }
                | ExprKind::Wildcard { object, .. } => node = object,
                _ => return None,
            }
        }
    }
}
