//! Lint rules over the workflow AST of `w3-dsl`. Each rule lives in its own file under `rules/`
//! and reports [`w3_dsl::Diagnostic`]s; this crate also renders them as text or JSON.

pub mod rules;
