//! Converts between numbers and text: GitHub's parsing ([`parse_number`]) and formatting
//! ([`number_to_string`], [`js_number_to_string`]), deterministic on every machine.

mod format;
mod parse;

pub use format::{js_number_to_string, number_to_string};
pub use parse::parse_number;
