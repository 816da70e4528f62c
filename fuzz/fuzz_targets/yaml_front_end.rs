//! Arbitrary bytes through the whole front end: UTF-8 check, YAML loader, typed AST.
//! `parse_bytes` must never panic, hang or use memory out of proportion to the input.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let parsed = w3_dsl::ast::parse_bytes(data);
    // Every diagnostic has a 1-based position.
    for d in &parsed.diagnostics {
        assert!(d.span.start.line >= 1 && d.span.start.col >= 1, "0-based position in {d:?}");
    }
});
