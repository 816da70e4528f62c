//! Arbitrary strings through GitHub's expression language: parse with the workflow contexts
//! (for parser coverage), and parse + evaluate with an empty context.
#![no_main]

use libfuzzer_sys::fuzz_target;
use w3_dsl::expr::{self, Expression, FunctionSig, Object, ParseOptions, WORKFLOW_CONTEXTS};

fuzz_target!(|src: &str| {
    let options = ParseOptions::new()
        .named_values(WORKFLOW_CONTEXTS)
        .functions(FunctionSig::status_functions())
        .function(FunctionSig::hash_files());
    if let Ok(e) = Expression::parse(src, &options) {
        // Printing the tree must not panic either.
        let _ = e.to_string();
    }
    let _ = expr::evaluate(src, &Object::new());
});
