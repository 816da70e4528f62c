//! Pins the disassembler's output for the sample modules: `tests/golden/NAME.w3asm`.
//!
//! Regenerate with `BLESS=1 cargo test -p w3-isa --test golden` and review the diff; never edit
//! the files by hand. The listings include each module's content hash, so any change of the
//! encoding shows up here too.

mod common;

use std::path::PathBuf;
use w3_isa::{disassemble, verify, Module};

#[test]
fn listings_match_golden_files() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let bless = std::env::var_os("BLESS").is_some();
    let mut mismatches = Vec::new();
    for case in common::cases() {
        assert_eq!(Module::decode(&case.module.encode()).as_ref(), Ok(&case.module), "{}", case.name);
        assert_eq!(verify(&case.module).is_ok(), case.name != "invalid", "{}", case.name);
        let listing = disassemble(&case.module, &case.sources);
        let path = dir.join(format!("{}.w3asm", case.name));
        if bless {
            std::fs::write(&path, &listing).unwrap();
            continue;
        }
        let expected = std::fs::read_to_string(&path).unwrap_or_default();
        if expected != listing {
            mismatches.push(format!("--- {} ---\n{listing}", path.display()));
        }
    }
    assert!(mismatches.is_empty(), "listings differ (BLESS=1 to accept):\n{}", mismatches.join("\n"));
}
