//! Keeps `docs/isa.md` in sync with the op table: every op's row names its opcode, operands,
//! base gas and flags as the table does, and the stated op count is right.

use w3_isa::{Builtin, HostKind, OPS};

fn doc() -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/isa.md");
    std::fs::read_to_string(path).expect("docs/isa.md")
}

#[test]
fn every_op_has_a_matching_row() {
    let doc = doc();
    assert!(doc.contains(&format!("**{} instructions**", OPS.len())), "op count in docs/isa.md");
    for info in OPS {
        let prefix = format!("| `{}` | {:02X} |", info.name, info.opcode as u8);
        let row = doc.lines().find(|l| l.starts_with(&prefix));
        let row = row.unwrap_or_else(|| panic!("docs/isa.md has no row starting {prefix}"));
        let cells: Vec<&str> = row.split('|').map(str::trim).collect();
        // cells: "", op, code, operands, gas, per byte, block, semantics, ""
        let operands = cells[3];
        assert_eq!(operands.split(',').filter(|s| !s.trim().is_empty()).count(), info.operands.len(), "{row}");
        for (name, _) in info.operands {
            assert!(operands.contains(name), "{}: operand {name} missing in {row}", info.name);
        }
        assert_eq!(cells[4], info.gas.to_string(), "{}: gas", info.name);
        assert_eq!(cells[5] == "yes", info.per_byte, "{}: per byte", info.name);
        let block = if info.terminator {
            "term"
        } else if info.ends_block {
            "ends"
        } else {
            ""
        };
        assert_eq!(cells[6], block, "{}: block", info.name);
    }
}

#[test]
fn builtin_and_host_tables_are_documented() {
    let doc = doc();
    for b in Builtin::ALL {
        assert!(doc.contains(&format!("| {} | `{}` |", *b as u8, b.name())), "builtin {}", b.name());
    }
    for h in HostKind::ALL {
        assert!(doc.contains(&format!("| {} | `{}` |", *h as u8, h.name())), "host call {}", h.name());
    }
}
