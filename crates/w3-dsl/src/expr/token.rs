//! Defines the tokens of the expression language.

use super::span::CharSpan;

/// Says what a token is; literals carry their value.
#[derive(Clone, Debug, PartialEq)]
pub enum TokenKind {
    /// `(`: a group, or the argument list after a function name.
    LParen,
    /// `)`.
    RParen,
    /// `[`: an index.
    LBracket,
    /// `]`.
    RBracket,
    /// `,` between function arguments.
    Comma,
    /// `.` before a property name or `*`.
    Dot,
    /// `*` after `.` or `[`: the object filter.
    Star,
    /// `!`.
    Not,
    /// `==`.
    Eq,
    /// `!=`.
    Ne,
    /// `<`.
    Lt,
    /// `<=`.
    Le,
    /// `>`.
    Gt,
    /// `>=`.
    Ge,
    /// `&&`.
    And,
    /// `||`.
    Or,
    /// `null`.
    Null,
    /// `true`.
    True,
    /// `false`.
    False,
    /// A number literal, including `NaN`, `Infinity`, `-Infinity`, hex `0x..` and octal `0o..`.
    Number(f64),
    /// A single-quoted string literal; holds the value with `''` unescaped.
    String(String),
    /// A name: a context (named value), a function, or a property after `.`.
    Ident(String),
}

/// Holds one token and where it stands, in characters and in bytes.
#[derive(Clone, Debug, PartialEq)]
pub struct Token {
    /// What the token is.
    pub kind: TokenKind,
    /// Characters of the source the token covers.
    pub span: CharSpan,
    /// Byte offset of the token's first byte in the source.
    pub byte_start: usize,
    /// Byte offset one past the token's last byte in the source.
    pub byte_end: usize,
}

impl Token {
    /// Returns the token's text as written in `source` (the source it was lexed from), e.g.
    /// `'it''s'` for a string literal; returns `""` if `source` is another text.
    pub fn text<'s>(&self, source: &'s str) -> &'s str {
        source.get(self.byte_start..self.byte_end).unwrap_or("")
    }

    /// Returns whether the token ends an operand, so that an operator or `.` may follow.
    pub(crate) fn ends_postfix_target(&self) -> bool {
        matches!(self.kind, TokenKind::Ident(_) | TokenKind::RParen | TokenKind::RBracket | TokenKind::Star)
    }
}
