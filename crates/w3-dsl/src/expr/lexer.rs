//! Splits an expression's source into tokens.
//!
//! A lexeme runs to the next boundary character (`( [ ) ] , . ! > < = & |` or whitespace);
//! a lexeme that is no token (`b@r`, `=2`, `0xZZ`, an unterminated string, `😊`) is a lexing
//! error naming the whole lexeme. A `.` starts a number (`.5`) where an operand is expected and is
//! the property dereference elsewhere; a name right after `.` is always a property name, so
//! `foo.true` and `foo.null` read properties.

use super::error::{Error, ErrorKind, Reason};
use super::span::CharSpan;
use super::token::{Token, TokenKind};
use w3_value::parse_number;

/// Returns the tokens of `source`, or the first lexeme that is not a token.
pub fn lex(source: &str) -> Result<Vec<Token>, Error> {
    Lexer { source, chars: source.char_indices().collect(), pos: 0, tokens: Vec::new() }.run()
}

struct Lexer<'a> {
    source: &'a str,
    /// Byte offset and character, per character of the source.
    chars: Vec<(usize, char)>,
    /// Index into `chars` of the next character.
    pos: usize,
    tokens: Vec<Token>,
}

fn is_boundary(c: char) -> bool {
    matches!(c, '(' | '[' | ')' | ']' | ',' | '.' | '!' | '>' | '<' | '=' | '&' | '|') || c.is_whitespace()
}

fn is_legal_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

impl Lexer<'_> {
    fn run(mut self) -> Result<Vec<Token>, Error> {
        loop {
            while self.peek().is_some_and(char::is_whitespace) {
                self.pos += 1;
            }
            let Some(c) = self.peek() else {
                return Ok(self.tokens);
            };
            let start = self.pos;
            self.pos += 1;
            let kind = self.scan(c, start)?;
            let token = Token {
                kind,
                span: CharSpan::new(start, self.pos),
                byte_start: self.byte_at(start),
                byte_end: self.byte_at(self.pos),
            };
            self.tokens.push(token);
        }
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).map(|&(_, c)| c)
    }

    fn byte_at(&self, index: usize) -> usize {
        self.chars.get(index).map_or(self.source.len(), |&(b, _)| b)
    }

    fn eat(&mut self, expected: char) -> bool {
        let matched = self.peek() == Some(expected);
        if matched {
            self.pos += 1;
        }
        matched
    }

    /// Scans the token whose first character `c` (at `start`) was just consumed.
    fn scan(&mut self, c: char, start: usize) -> Result<TokenKind, Error> {
        use TokenKind as T;
        let kind = match c {
            '(' => T::LParen,
            ')' => T::RParen,
            '[' => T::LBracket,
            ']' => T::RBracket,
            ',' => T::Comma,
            '*' => T::Star,
            '\'' => return self.string(start),
            '!' => {
                if self.eat('=') {
                    T::Ne
                } else {
                    T::Not
                }
            }
            '<' => {
                if self.eat('=') {
                    T::Le
                } else {
                    T::Lt
                }
            }
            '>' => {
                if self.eat('=') {
                    T::Ge
                } else {
                    T::Gt
                }
            }
            '=' if self.eat('=') => T::Eq,
            '&' if self.eat('&') => T::And,
            '|' if self.eat('|') => T::Or,
            '=' | '&' | '|' => return Err(self.bad_lexeme(start)),
            '.' if !self.operand_expected() => T::Dot,
            '.' | '-' | '+' | '0'..='9' => return self.number(start),
            _ => return self.word(start),
        };
        Ok(kind)
    }

    /// Returns whether the previous token leaves the parser expecting an operand, which makes a
    /// `.` the start of a number rather than a dereference.
    fn operand_expected(&self) -> bool {
        use TokenKind as T;
        match self.tokens.last().map(|t| &t.kind) {
            None => true,
            Some(kind) => matches!(
                kind,
                T::LParen
                    | T::LBracket
                    | T::Comma
                    | T::Not
                    | T::Eq
                    | T::Ne
                    | T::Lt
                    | T::Le
                    | T::Gt
                    | T::Ge
                    | T::And
                    | T::Or
            ),
        }
    }

    fn skip_to_boundary(&mut self) {
        while self.peek().is_some_and(|c| !is_boundary(c)) {
            self.pos += 1;
        }
    }

    fn lexeme(&self, start: usize) -> &str {
        self.source.get(self.byte_at(start)..self.byte_at(self.pos)).unwrap_or("")
    }

    fn error(&self, start: usize) -> Error {
        let reason = Reason::UnexpectedSymbol(self.lexeme(start).to_owned());
        Error::new(ErrorKind::Lexing, reason, Some(CharSpan::new(start, self.pos)), self.source)
    }

    fn bad_lexeme(&mut self, start: usize) -> Error {
        self.skip_to_boundary();
        self.error(start)
    }

    fn number(&mut self, start: usize) -> Result<TokenKind, Error> {
        // Dots do not end a number, so `1.2.3` and `..x` are single (invalid) lexemes.
        while self.peek().is_some_and(|c| c == '.' || !is_boundary(c)) {
            self.pos += 1;
        }
        let value = parse_number(self.lexeme(start));
        if value.is_nan() {
            return Err(self.error(start));
        }
        Ok(TokenKind::Number(value))
    }

    fn word(&mut self, start: usize) -> Result<TokenKind, Error> {
        self.skip_to_boundary();
        let word = self.lexeme(start);
        if !is_legal_identifier(word) {
            return Err(self.error(start));
        }
        if matches!(self.tokens.last(), Some(Token { kind: TokenKind::Dot, .. })) {
            return Ok(TokenKind::Ident(word.to_owned()));
        }
        Ok(match word {
            "null" => TokenKind::Null,
            "true" => TokenKind::True,
            "false" => TokenKind::False,
            "NaN" => TokenKind::Number(f64::NAN),
            "Infinity" => TokenKind::Number(f64::INFINITY),
            _ => TokenKind::Ident(word.to_owned()),
        })
    }

    fn string(&mut self, start: usize) -> Result<TokenKind, Error> {
        let mut value = String::new();
        loop {
            match self.peek() {
                None => return Err(self.error(start)),
                Some('\'') => {
                    self.pos += 1;
                    if !self.eat('\'') {
                        return Ok(TokenKind::String(value));
                    }
                    value.push('\'');
                }
                Some(c) => {
                    value.push(c);
                    self.pos += 1;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<TokenKind> {
        lex(src).unwrap().into_iter().map(|t| t.kind).collect()
    }

    fn lex_error(src: &str) -> String {
        lex(src).unwrap_err().to_string()
    }

    #[test]
    fn operators_and_punctuation() {
        use TokenKind as T;
        assert_eq!(
            kinds("a.b[*] != (1) && !c || d <= e"),
            [
                T::Ident("a".into()),
                T::Dot,
                T::Ident("b".into()),
                T::LBracket,
                T::Star,
                T::RBracket,
                T::Ne,
                T::LParen,
                T::Number(1.0),
                T::RParen,
                T::And,
                T::Not,
                T::Ident("c".into()),
                T::Or,
                T::Ident("d".into()),
                T::Le,
                T::Ident("e".into()),
            ]
        );
    }

    #[test]
    fn dot_starts_a_number_only_where_an_operand_is_expected() {
        assert_eq!(kinds(".5"), [TokenKind::Number(0.5)]);
        assert_eq!(kinds("(.5)")[1], TokenKind::Number(0.5));
        assert_eq!(kinds("foo[1].x")[4], TokenKind::Dot);
        assert_eq!(kinds("1 .5")[1], TokenKind::Dot);
    }

    #[test]
    fn keywords_after_a_dot_are_property_names() {
        assert_eq!(kinds("foo.true")[2], TokenKind::Ident("true".into()));
        assert_eq!(kinds("foo.NaN")[2], TokenKind::Ident("NaN".into()));
        assert!(matches!(kinds("NaN")[..], [TokenKind::Number(n)] if n.is_nan()));
        assert_eq!(kinds("TRUE"), [TokenKind::Ident("TRUE".into())]);
    }

    #[test]
    fn strings_unescape_every_doubled_quote() {
        assert_eq!(kinds("'it''s ''ok'''"), [TokenKind::String("it's 'ok'".into())]);
        assert_eq!(kinds("''"), [TokenKind::String(String::new())]);
    }

    #[test]
    fn spans_count_characters_and_bytes() {
        let tokens = lex("'é' == x").unwrap();
        assert_eq!(tokens[1].span, CharSpan::new(4, 6));
        assert_eq!((tokens[1].byte_start, tokens[1].byte_end), (5, 7));
        assert_eq!(tokens[0].text("'é' == x"), "'é'");
    }

    #[test]
    fn bad_lexemes_name_the_whole_lexeme() {
        assert_eq!(lex_error("1 =2 =3"), "Unexpected symbol: '=2'. Located at position 3 within expression: 1 =2 =3");
        assert!(lex_error("foo.b@r").starts_with("Unexpected symbol: 'b@r'. Located at position 5"));
        assert!(lex_error("'foo").starts_with("Unexpected symbol: ''foo'. Located at position 1"));
        assert!(lex_error("😊 x").starts_with("Unexpected symbol: '😊'. Located at position 1"));
        assert!(lex_error("1 && ..a/b.c").starts_with("Unexpected symbol: '..a/b.c'. Located at position 6"));
        assert!(lex_error("-Inf").starts_with("Unexpected symbol: '-Inf'"));
        assert!(lex_error("a | b").starts_with("Unexpected symbol: '|'"));
        assert_eq!(lex("x &").unwrap_err().kind(), ErrorKind::Lexing);
    }
}
