//! Says why an operation on values failed, in GitHub's words.

use crate::value::ValueKind;

/// Says why an operation on values failed. Each variant displays as GitHub's message, so an
/// evaluator can add its own location suffix and match GitHub byte for byte.
///
/// `w3-dsl`'s `Reason::Value` carries it unchanged, so its messages are written only here.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ValueError {
    /// A `format()` string with an unbalanced or malformed brace; holds the format string.
    #[error("The following format string is invalid: {0}")]
    InvalidFormatString(String),
    /// A `format()` string that references an argument that was not supplied.
    #[error("The following format string references more arguments than were supplied: {0}")]
    FormatArgumentOutOfRange(String),
    /// A `format()` placeholder with specifiers (`{0:x}`), which no value kind supports.
    #[error("The format specifiers '{specifiers}' are not valid for objects of type '{kind}'")]
    InvalidFormatSpecifiers {
        /// The text after `:` in the placeholder.
        specifiers: String,
        /// The kind of the referenced argument.
        kind: ValueKind,
    },
    /// The values held during evaluation outgrew the memory limit.
    #[error("The maximum allowed memory size was exceeded")]
    MemoryExceeded,
    /// `fromJSON()` was given text that is not JSON.
    #[error("Error parsing JSON when evaluating fromJson: {0}")]
    InvalidJson(String),
    /// A value nested too deeply to be written as JSON.
    #[error("The value is nested too deeply to convert to JSON")]
    ValueTooDeep,
}
