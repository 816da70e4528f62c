//! Builds the syntax tree from tokens, without recursion.
//!
//! The parser is an operator-precedence (shunting-yard) parser over explicit stacks, so neither
//! deep nesting nor a long chain of operators can exhaust the native stack. It checks, token by
//! token, that each token may follow the previous one, and reports the first offending token as
//! GitHub does (`Unexpected symbol`, `Unexpected end of expression`, unknown names, argument
//! counts). The depth limit applies to the finished tree, as in GitHub's parser: it is reported
//! only if the whole expression is otherwise valid, and nodes beyond the limit are never built.
//!
//! Precedence, loosest first: `||`, `&&`, `==` `!=`, `<` `<=` `>` `>=`, `!`, then postfix
//! `.name`, `[index]`, `.*`, `[*]`.

use super::ast::{Builtin, Call, Expr, ExprKind, Function, Ident, Literal, LogicalOp};
use super::error::{Error, ErrorKind, Reason};
use super::options::ParseOptions;
use super::span::CharSpan;
use super::token::{Token, TokenKind};
use w3_value::CompareOp;

/// Returns the tree of `tokens` (lexed from `source`), or `None` when there are no tokens.
pub(crate) fn parse_tokens(source: &str, tokens: &[Token], options: &ParseOptions) -> Result<Option<Expr>, Error> {
    if tokens.is_empty() {
        return Ok(None);
    }
    let mut parser = Parser {
        source,
        tokens,
        options,
        next: 0,
        operands: Vec::new(),
        pending: Vec::new(),
        expect_operand: true,
        too_deep: false,
    };
    while parser.next < tokens.len() {
        let index = parser.next;
        parser.next += 1;
        parser.step(index)?;
    }
    parser.finish().map(Some)
}

/// An operand on the stack: its tree (absent once the depth limit was passed), its span
/// (including any parentheses around it) and its height.
struct Node {
    expr: Option<Expr>,
    span: CharSpan,
    height: usize,
}

#[derive(Clone, Copy)]
enum Binary {
    Compare(CompareOp),
    Logical(LogicalOp),
}

impl Binary {
    fn precedence(self) -> u8 {
        match self {
            Binary::Logical(LogicalOp::Or) => 1,
            Binary::Logical(LogicalOp::And) => 2,
            Binary::Compare(CompareOp::Eq | CompareOp::Ne) => 3,
            Binary::Compare(_) => 4,
        }
    }

    fn from_token(kind: &TokenKind) -> Option<Binary> {
        Some(match kind {
            TokenKind::Eq => Binary::Compare(CompareOp::Eq),
            TokenKind::Ne => Binary::Compare(CompareOp::Ne),
            TokenKind::Lt => Binary::Compare(CompareOp::Lt),
            TokenKind::Le => Binary::Compare(CompareOp::Le),
            TokenKind::Gt => Binary::Compare(CompareOp::Gt),
            TokenKind::Ge => Binary::Compare(CompareOp::Ge),
            TokenKind::And => Binary::Logical(LogicalOp::And),
            TokenKind::Or => Binary::Logical(LogicalOp::Or),
            _ => return None,
        })
    }
}

/// An operator or bracket waiting for its operands; a `usize` is a token index.
enum Pending {
    Not(usize),
    Binary(Binary),
    /// `(` of a group.
    Group(usize),
    /// `name(`, with the number of arguments completed so far.
    Call {
        name: usize,
        function: Function,
        args: usize,
    },
    /// `[` of an index.
    Index,
}

struct Parser<'a> {
    source: &'a str,
    tokens: &'a [Token],
    options: &'a ParseOptions,
    /// Index of the next token to read.
    next: usize,
    operands: Vec<Node>,
    pending: Vec<Pending>,
    expect_operand: bool,
    too_deep: bool,
}

impl<'a> Parser<'a> {
    fn step(&mut self, index: usize) -> Result<(), Error> {
        let tokens = self.tokens;
        let token = &tokens[index];
        match &token.kind {
            TokenKind::LParen => self.open_group(index),
            TokenKind::RParen => self.close_paren(index),
            TokenKind::LBracket => self.open_index(index),
            TokenKind::RBracket => self.close_index(index),
            TokenKind::Comma => self.comma(index),
            TokenKind::Dot => self.dot(index),
            TokenKind::Not => self.not(index),
            TokenKind::Ident(name) => self.ident(index, name),
            TokenKind::Star => Err(self.unexpected(index)),
            kind => match Binary::from_token(kind) {
                Some(op) => self.binary(index, op),
                None => self.literal(index),
            },
        }
    }

    // ----- errors -----

    fn error_at(&self, reason: Reason, index: usize) -> Error {
        let span = self.tokens.get(index).map(|t| t.span);
        Error::new(ErrorKind::Parsing, reason, span, self.source)
    }

    fn token_text(&self, index: usize) -> String {
        self.tokens.get(index).map_or("", |t| t.text(self.source)).to_owned()
    }

    fn unexpected(&self, index: usize) -> Error {
        self.error_at(Reason::UnexpectedSymbol(self.token_text(index)), index)
    }

    fn unexpected_end(&self) -> Error {
        let last = self.tokens.len().saturating_sub(1);
        self.error_at(Reason::UnexpectedEnd(self.token_text(last)), last)
    }

    /// Returns the token at `index`, or an "unexpected end" error after the last token.
    fn token_or_end(&self, index: usize) -> Result<&'a Token, Error> {
        self.tokens.get(index).ok_or_else(|| self.unexpected_end())
    }

    // ----- operands -----

    fn push_leaf(&mut self, kind: ExprKind, span: CharSpan) {
        self.operands.push(Node { expr: Some(Expr { kind, span }), span, height: 1 });
        self.expect_operand = false;
    }

    fn pop_operand(&mut self) -> Node {
        // The token checks guarantee an operand here; an empty placeholder keeps this total.
        self.operands.pop().unwrap_or(Node { expr: None, span: CharSpan::default(), height: 0 })
    }

    /// Pushes a node over `children`; `build` gets their trees when all exist and the node is
    /// within the depth limit.
    fn push_node(&mut self, span: CharSpan, children: Vec<Node>, build: impl FnOnce(Vec<Expr>) -> Option<ExprKind>) {
        let height = 1 + children.iter().map(|c| c.height).max().unwrap_or(0);
        let exprs: Option<Vec<Expr>> = children.into_iter().map(|c| c.expr).collect();
        let kind = if height > self.options.depth_limit() {
            self.too_deep = true;
            None
        } else {
            exprs.and_then(build)
        };
        let expr = kind.map(|kind| Expr { kind, span });
        self.operands.push(Node { expr, span, height });
        self.expect_operand = false;
    }

    fn literal(&mut self, index: usize) -> Result<(), Error> {
        if !self.expect_operand {
            return Err(self.unexpected(index));
        }
        let token = &self.tokens[index];
        let literal = match &token.kind {
            TokenKind::Null => Literal::Null,
            TokenKind::True => Literal::Bool(true),
            TokenKind::False => Literal::Bool(false),
            TokenKind::Number(n) => Literal::Number(*n),
            TokenKind::String(s) => Literal::String(s.clone()),
            _ => return Err(self.unexpected(index)),
        };
        self.push_leaf(ExprKind::Literal(literal), token.span);
        Ok(())
    }

    fn ident(&mut self, index: usize, name: &str) -> Result<(), Error> {
        if !self.expect_operand {
            return Err(self.unexpected(index));
        }
        let span = self.tokens[index].span;
        let is_call = matches!(self.tokens.get(index + 1), Some(t) if t.kind == TokenKind::LParen);
        if !is_call {
            if !self.options.allows_named_value(name) {
                let reason = Reason::UnrecognizedNamedValue(name.to_owned());
                return Err(self.error_at(reason, index));
            }
            self.push_leaf(ExprKind::NamedValue(name.to_owned()), span);
            return Ok(());
        }
        let function = if let Some(builtin) = Builtin::from_name(name) {
            Function::Builtin(builtin)
        } else if let Some(sig) = self.options.find_function(name) {
            Function::Extension(sig.name.clone())
        } else {
            return Err(self.error_at(Reason::UnrecognizedFunction(name.to_owned()), index));
        };
        // The `(` after the name belongs to the call, not to a group.
        self.skip_to(index + 1);
        self.pending.push(Pending::Call { name: index, function, args: 0 });
        Ok(())
    }

    // ----- operators -----

    fn not(&mut self, index: usize) -> Result<(), Error> {
        if !self.expect_operand {
            return Err(self.unexpected(index));
        }
        self.pending.push(Pending::Not(index));
        Ok(())
    }

    fn binary(&mut self, index: usize, op: Binary) -> Result<(), Error> {
        if self.expect_operand {
            return Err(self.unexpected(index));
        }
        while let Some(top) = self.pending.last() {
            let reduce = match top {
                Pending::Not(_) => true,
                Pending::Binary(other) => other.precedence() >= op.precedence(),
                _ => false,
            };
            if !reduce {
                break;
            }
            self.reduce_top();
        }
        self.pending.push(Pending::Binary(op));
        self.expect_operand = true;
        Ok(())
    }

    /// Reduces every pending `!` and binary operator down to the innermost open bracket.
    fn reduce_to_bracket(&mut self) {
        while matches!(self.pending.last(), Some(Pending::Not(_) | Pending::Binary(_))) {
            self.reduce_top();
        }
    }

    fn reduce_top(&mut self) {
        match self.pending.pop() {
            Some(Pending::Not(index)) => {
                let operand = self.pop_operand();
                let span = self.tokens[index].span.to(operand.span);
                self.push_node(span, vec![operand], |mut e| Some(ExprKind::Not(Box::new(e.pop()?))));
            }
            Some(Pending::Binary(Binary::Compare(op))) => {
                let rhs = self.pop_operand();
                let lhs = self.pop_operand();
                let span = lhs.span.to(rhs.span);
                self.push_node(span, vec![lhs, rhs], |e| {
                    let [lhs, rhs]: [Expr; 2] = e.try_into().ok()?;
                    Some(ExprKind::Compare { op, lhs: Box::new(lhs), rhs: Box::new(rhs) })
                });
            }
            Some(Pending::Binary(Binary::Logical(op))) => self.reduce_logical(op),
            Some(other) => self.pending.push(other),
            None => {}
        }
    }

    /// Reduces `lhs op rhs`, merging operands that are themselves `op` chains (GitHub flattens
    /// them, which also keeps long chains shallow).
    fn reduce_logical(&mut self, op: LogicalOp) {
        let rhs = self.pop_operand();
        let lhs = self.pop_operand();
        let span = lhs.span.to(rhs.span);
        let mut operands = Vec::new();
        let mut child_height = 0;
        let mut complete = true;
        for node in [lhs, rhs] {
            match node.expr {
                Some(Expr { kind: ExprKind::Logical { op: inner, operands: list }, .. }) if inner == op => {
                    child_height = child_height.max(node.height - 1);
                    if operands.is_empty() {
                        operands = list;
                    } else {
                        operands.extend(list);
                    }
                }
                Some(expr) => {
                    child_height = child_height.max(node.height);
                    operands.push(expr);
                }
                None => {
                    child_height = child_height.max(node.height);
                    complete = false;
                }
            }
        }
        let height = child_height + 1;
        let too_deep = height > self.options.depth_limit();
        self.too_deep |= too_deep;
        let expr = (complete && !too_deep).then_some(Expr { kind: ExprKind::Logical { op, operands }, span });
        self.operands.push(Node { expr, span, height });
        self.expect_operand = false;
    }

    // ----- brackets -----

    fn open_group(&mut self, index: usize) -> Result<(), Error> {
        if !self.expect_operand {
            return Err(self.unexpected(index));
        }
        self.pending.push(Pending::Group(index));
        Ok(())
    }

    fn close_paren(&mut self, index: usize) -> Result<(), Error> {
        if self.expect_operand {
            // Only an argument list with no arguments may close right after its `(`.
            if let Some(Pending::Call { args: 0, .. }) = self.pending.last() {
                return self.finish_call(index, false);
            }
            return Err(self.unexpected(index));
        }
        self.reduce_to_bracket();
        match self.pending.last() {
            Some(Pending::Group(open)) => {
                let open = *open;
                self.pending.pop();
                if let Some(node) = self.operands.last_mut() {
                    node.span = self.tokens[open].span.to(self.tokens[index].span);
                }
                Ok(())
            }
            Some(Pending::Call { .. }) => self.finish_call(index, true),
            _ => Err(self.unexpected(index)),
        }
    }

    fn comma(&mut self, index: usize) -> Result<(), Error> {
        if self.expect_operand {
            return Err(self.unexpected(index));
        }
        self.reduce_to_bracket();
        match self.pending.last_mut() {
            Some(Pending::Call { args, .. }) => {
                *args += 1;
                self.expect_operand = true;
                Ok(())
            }
            _ => Err(self.unexpected(index)),
        }
    }

    /// Completes the call on top of the pending stack at its `)` (token `close`); `has_last`
    /// says whether an argument precedes the `)`.
    fn finish_call(&mut self, close: usize, has_last: bool) -> Result<(), Error> {
        let Some(Pending::Call { name, function, args }) = self.pending.pop() else {
            return Err(self.unexpected(close));
        };
        let count = args + usize::from(has_last);
        self.check_arity(name, &function, count)?;
        let start = self.operands.len().saturating_sub(count);
        let arguments = self.operands.split_off(start);
        let name_token = &self.tokens[name];
        let ident = Ident { name: name_token.text(self.source).to_owned(), span: name_token.span };
        let span = name_token.span.to(self.tokens[close].span);
        self.push_node(span, arguments, |args| Some(ExprKind::Call(Call { name: ident, function, args })));
        Ok(())
    }

    fn check_arity(&self, name: usize, function: &Function, count: usize) -> Result<(), Error> {
        let (min, max) = match function {
            Function::Builtin(builtin) => builtin.arity(),
            Function::Extension(ext) => {
                self.options.find_function(ext).map_or((0, usize::MAX), |sig| (sig.min_args, sig.max_args))
            }
        };
        let text = self.token_text(name);
        let reason = if count < min {
            Reason::TooFewParameters(text)
        } else if count > max {
            Reason::TooManyParameters(text)
        } else if *function == Function::Builtin(Builtin::Case) && count.is_multiple_of(2) {
            Reason::EvenParameterCount(text)
        } else {
            return Ok(());
        };
        Err(self.error_at(reason, name))
    }

    /// Returns whether the token before `index` ends something `.`, `[` or a filter may follow:
    /// a name, `)`, `]` or `*` (not a literal).
    fn follows_postfix_target(&self, index: usize) -> bool {
        index > 0 && self.tokens.get(index - 1).is_some_and(Token::ends_postfix_target)
    }

    fn open_index(&mut self, index: usize) -> Result<(), Error> {
        if self.expect_operand || !self.follows_postfix_target(index) {
            return Err(self.unexpected(index));
        }
        if !matches!(self.tokens.get(index + 1), Some(t) if t.kind == TokenKind::Star) {
            self.pending.push(Pending::Index);
            self.expect_operand = true;
            return Ok(());
        }
        // `[*]` is the filter; it applies to the operand just read, so no pending entry.
        let close = self.token_or_end(index + 2)?;
        if close.kind != TokenKind::RBracket {
            return Err(self.unexpected(index + 2));
        }
        self.skip_to(index + 2);
        self.apply_wildcard(close.span, true);
        Ok(())
    }

    fn close_index(&mut self, index: usize) -> Result<(), Error> {
        if self.expect_operand {
            return Err(self.unexpected(index));
        }
        self.reduce_to_bracket();
        if !matches!(self.pending.last(), Some(Pending::Index)) {
            return Err(self.unexpected(index));
        }
        self.pending.pop();
        let key = self.pop_operand();
        let object = self.pop_operand();
        let span = object.span.to(self.tokens[index].span);
        self.push_node(span, vec![object, key], |e| {
            let [object, index]: [Expr; 2] = e.try_into().ok()?;
            Some(ExprKind::Index { object: Box::new(object), index: Box::new(index) })
        });
        Ok(())
    }

    fn dot(&mut self, index: usize) -> Result<(), Error> {
        if self.expect_operand || !self.follows_postfix_target(index) {
            return Err(self.unexpected(index));
        }
        let next = self.token_or_end(index + 1)?;
        match &next.kind {
            TokenKind::Star => {
                self.skip_to(index + 1);
                self.apply_wildcard(next.span, false);
                Ok(())
            }
            TokenKind::Ident(name) => {
                self.skip_to(index + 1);
                let object = self.pop_operand();
                let ident = Ident { name: name.clone(), span: next.span };
                self.push_node(object.span.to(next.span), vec![object], |mut e| {
                    Some(ExprKind::Property { object: Box::new(e.pop()?), name: ident })
                });
                Ok(())
            }
            _ => Err(self.unexpected(index + 1)),
        }
    }

    fn apply_wildcard(&mut self, end: CharSpan, bracket: bool) {
        let object = self.pop_operand();
        self.push_node(object.span.to(end), vec![object], |mut e| {
            Some(ExprKind::Wildcard { object: Box::new(e.pop()?), bracket })
        });
    }

    /// Marks the tokens up to and including `index` as consumed by the current step.
    fn skip_to(&mut self, index: usize) {
        self.next = index + 1;
    }

    fn finish(mut self) -> Result<Expr, Error> {
        if self.expect_operand {
            return Err(self.unexpected_end());
        }
        self.reduce_to_bracket();
        if !self.pending.is_empty() {
            return Err(self.unexpected_end());
        }
        if self.too_deep {
            let reason = Reason::ExceededMaxDepth(self.options.depth_limit());
            return Err(Error::new(ErrorKind::Parsing, reason, None, self.source));
        }
        match (self.operands.pop(), self.operands.is_empty()) {
            (Some(Node { expr: Some(expr), .. }), true) => Ok(expr),
            _ => Err(self.unexpected_end()),
        }
    }
}
