//! Measures places inside one expression's source text, in characters.

use std::fmt;

/// Marks the half-open range `[start, end)` of an expression's source text, counted in
/// characters (Unicode scalar values, 0-based) from the start of the expression.
///
/// GitHub reports error positions as 1-based character offsets; [`CharSpan::position`] returns
/// that number.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CharSpan {
    /// First character of the range.
    pub start: usize,
    /// One past the last character of the range.
    pub end: usize,
}

impl CharSpan {
    /// Returns the range `[start, end)`.
    pub const fn new(start: usize, end: usize) -> Self {
        Self { start, end }
    }

    /// Returns the smallest range covering both `self` and `other`.
    pub fn to(self, other: CharSpan) -> CharSpan {
        CharSpan { start: self.start.min(other.start), end: self.end.max(other.end) }
    }

    /// Returns the number of characters in the range.
    pub const fn len(self) -> usize {
        self.end.saturating_sub(self.start)
    }

    /// Returns whether the range holds no character.
    pub const fn is_empty(self) -> bool {
        self.len() == 0
    }

    /// Returns the range moved `by` characters to the right, e.g. from expression-relative to
    /// string-relative offsets.
    pub const fn shifted(self, by: usize) -> CharSpan {
        CharSpan { start: self.start.saturating_add(by), end: self.end.saturating_add(by) }
    }

    /// Returns the 1-based position of the first character, as GitHub prints it.
    pub const fn position(self) -> usize {
        self.start.saturating_add(1)
    }
}

impl fmt::Display for CharSpan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}..{}", self.start, self.end)
    }
}
