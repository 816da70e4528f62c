//! The lint rules, one per file. Structural (schema) diagnostics come from the parser in
//! `w3-dsl` under the name `syntax-check`; everything here runs on a parsed AST.

use crate::Rule;

/// Returns every rule, in a fixed order.
pub fn all() -> &'static [&'static dyn Rule] {
    &[]
}
