//! Fuzzes `w3_isa` module decoding, verification and disassembly. No input may panic, and every
//! byte string the decoder accepts must be canonical (it re-encodes to itself). Inputs that do not
//! decode are also verified as the code of one function (the first byte is its register count),
//! so random code reaches the instruction checks and the block analysis, not only the container
//! checks. Seeds: encodings of `crates/w3-isa/tests/common` sample modules (see README).

#![no_main]

use libfuzzer_sys::fuzz_target;
use w3_isa::{disassemble, verify, ConstId, Constant, Function, FunctionKind, Header, Module, StrId};

fuzz_target!(|data: &[u8]| {
    match Module::decode(data) {
        Ok(module) => {
            assert_eq!(module.encode(), data, "accepted bytes must be canonical");
            let _ = verify(&module);
            let _ = disassemble(&module, &[]);
        }
        Err(_) => check_code(data),
    }
});

/// Verifies `data` as the code of a function in an otherwise valid module.
fn check_code(data: &[u8]) {
    let (registers, code) = match data.split_first() {
        Some((r, code)) => (u16::from(*r), code.to_vec()),
        None => (0, Vec::new()),
    };
    let function = |name, kind, params, registers, code| Function { name: StrId(name), kind, params, registers, code, debug: vec![] };
    let module = Module {
        header: Header::current("fuzz"),
        strings: vec!["main".into(), "job".into()],
        constants: vec![Constant::Null, Constant::Array(vec![ConstId(0)])],
        functions: vec![
            function(0, FunctionKind::Expression, 0, registers, code),
            // A callee for `Call`/`TryCall` with one argument and for `Spawn`: `Halt`.
            function(1, FunctionKind::Job, 1, 1, vec![0x44]),
        ],
        manifest: Vec::new(),
    };
    if let Ok(verified) = verify(&module) {
        let f = &verified.functions()[0];
        let covered: u32 = f.blocks().iter().map(|b| b.len).sum();
        assert_eq!(covered as usize, f.instructions().len(), "blocks cover every instruction");
    }
    let _ = disassemble(&module, &[]);
}
