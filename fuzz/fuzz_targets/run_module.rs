//! Fuzzes the VM on random code that passes the verifier. The interpreter reads registers and
//! fetches its simple instructions without bounds checks, trusting what the verifier proves
//! (docs/vm.md §9), so any verified module must run to an outcome or a typed error within its
//! gas: never a panic, never an out-of-bounds access (AddressSanitizer), never a stack overflow
//! (the threaded handlers continue in tail position). The input is one function's code, its
//! first byte the register count, in a module with a few constants and a callee, run metered
//! with a small gas limit (so loops end) by the scripted test host, then once more unmetered when
//! the code has no backward jump.

#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::Arc;
use w3_isa::{verify, ConstId, Constant, FuncId, Function, FunctionKind, Header, Module, StrId};
use w3_value::Object;
use w3_vm::testing::ScriptedHost;
use w3_vm::{Config, Limits, Vm};

fuzz_target!(|data: &[u8]| {
    let Some((registers, code)) = data.split_first() else { return };
    let function = |name, kind, params, registers, code| Function { name: StrId(name), kind, params, registers, code, debug: vec![] };
    let module = Module {
        header: Header::current("fuzz"),
        strings: vec!["main".into(), "job".into(), "a string".into()],
        constants: vec![
            Constant::Null,
            Constant::Array(vec![ConstId(0)]),
            Constant::Number(w3_isa::Number::from_f64(2.5)),
            Constant::String(StrId(2)),
        ],
        functions: vec![
            function(0, FunctionKind::Expression, 0, u16::from(*registers), code.to_vec()),
            // A callee for `Call`/`TryCall` with one argument and for `Spawn`: `Return r0`.
            function(1, FunctionKind::Job, 1, 1, vec![0x43, 0x00, 0x00]),
        ],
        manifest: Vec::new(),
    };
    let Ok(verified) = verify(&module) else { return };
    let verified = Arc::new(verified);
    let limits = Limits { max_memory: 1 << 20, max_value_bytes: 1 << 16, max_stack_slots: 4096, max_call_depth: 64, ..Limits::default() };
    for metering in [true, false] {
        let config = Config { gas_limit: 200_000, metering, limits: limits.clone() };
        let Ok(mut vm) = Vm::with_entry(verified.clone(), FuncId(0), Object::new(), config) else { return };
        let _ = ScriptedHost::new().drive(&mut vm);
        // Unmetered, only code that cannot loop is run (a loop would never end).
        if has_backward_jump(&verified) {
            break;
        }
    }
});

/// Reports whether any jump of the module goes back (or to itself), so it may loop.
fn has_backward_jump(verified: &w3_isa::VerifiedModule) -> bool {
    verified.functions().iter().any(|f| f.instructions().iter().any(|i| i.op.target().is_some_and(|t| t.0 <= i.offset)))
}
