//! Modules that misbehave get clean, deterministic errors: never a panic, a hang or an
//! unbounded allocation.

mod common;
use common::*;
use std::path::PathBuf;
use w3_host_api::{ActionRef, HostCall};
use w3_host_wasm::limits::{GAS_PER_FUEL, MAX_HOST_CALLS};
use w3_host_wasm::{ActionError, ActionOutcome, ActionRuntime};

/// Returns a fresh actions directory for one test.
fn dir(test: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("w3-host-wasm-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Runs the WAT module `body` (wrapped in a module with a memory) as `w3/t@v1`.
fn run_body(test: &str, body: &str, gas: u64) -> Result<ActionOutcome, ActionError> {
    run_module(test, &format!("(module {body})"), gas)
}

fn run_module(test: &str, wat: &str, gas: u64) -> Result<ActionOutcome, ActionError> {
    let d = dir(test);
    std::fs::write(d.join("t@v1.wat"), wat).unwrap();
    let r = ActionRuntime::new(Some(d.clone())).invoke(&t(), &input(&[], &[]), gas, &mut TestHost::default());
    std::fs::remove_dir_all(d).unwrap();
    r
}

fn t() -> ActionRef {
    ActionRef { name: "t".into(), version: "v1".into() }
}

const MEMORY: &str = r#"(memory (export "memory") 1)"#;

#[test]
fn an_infinite_loop_runs_out_of_gas_at_the_same_point_every_time() {
    let body = format!(r#"{MEMORY} (func (export "run") (result i32) (loop $l (br $l)) (i32.const 0))"#);
    for gas in [0, 1, 1_000, 1_000_001] {
        let e = run_body("loop", &body, gas).unwrap_err();
        assert_eq!(e, ActionError::OutOfGas { action: "w3/t@v1".into(), limit: gas });
        assert_eq!(e.gas_used(), gas);
    }
    // A counted loop that ends: the same gas on every run, and less than the limit.
    let counted = format!(
        r#"{MEMORY} (func (export "run") (result i32) (local $i i32)
             (loop $l (br_if $l (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 1))) (i32.const 1000))))
             (i32.const 0))"#
    );
    let a = run_body("counted", &counted, 1_000_000).unwrap();
    let b = run_body("counted", &counted, 1_000_000).unwrap();
    assert_eq!(a.gas_used, b.gas_used);
    assert!(a.gas_used > 1000 && a.gas_used < 1_000_000, "{}", a.gas_used);
    // Just enough gas succeeds; one fuel less runs out.
    assert!(run_body("exact", &counted, a.gas_used).is_ok());
    assert!(matches!(run_body("short", &counted, a.gas_used - GAS_PER_FUEL), Err(ActionError::OutOfGas { .. })));
}

#[test]
fn memory_grow_past_the_cap_returns_minus_one() {
    // 16 MiB is 256 pages: growing to 257 fails with -1, which this module turns into status 7.
    let body = format!(
        r#"{MEMORY} (func (export "run") (result i32)
             (if (i32.ne (memory.grow (i32.const 255)) (i32.const 1)) (then (return (i32.const 9))))
             (if (i32.eq (memory.grow (i32.const 1)) (i32.const -1)) (then (return (i32.const 7))))
             (i32.const 0))"#
    );
    match run_body("grow", &body, 10_000_000) {
        Err(ActionError::Failed { message, .. }) => assert_eq!(message, "`run` returned 7"),
        other => panic!("{other:?}"),
    }
    // A module that asks for more than the cap up front cannot be instantiated.
    let big = r#"(module (memory (export "memory") 300) (func (export "run") (result i32) (i32.const 0)))"#;
    match run_module("big", big, 10_000_000) {
        Err(ActionError::Load { message, .. }) => assert!(message.contains("memory"), "{message}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn tables_are_capped() {
    let body = format!(r#"{MEMORY} (table 100000 funcref) (func (export "run") (result i32) (i32.const 0))"#);
    assert!(
        matches!(run_body("table", &body, 1_000_000), Err(ActionError::Load { message, .. }) if message.contains("table"))
    );
}

#[test]
fn unknown_imports_are_named() {
    let body = format!(r#"(import "env" "abort" (func)) {MEMORY} (func (export "run") (result i32) (i32.const 0))"#);
    let e = run_body("import", &body, 1_000).unwrap_err();
    assert_eq!(e, ActionError::UnknownImport { action: "w3/t@v1".into(), module: "env".into(), name: "abort".into() });
    assert!(e.to_string().contains("it imports `env.abort`, which is not part of the Smart Action ABI"), "{e}");
    let body = format!(r#"(import "w3" "shell" (func)) {MEMORY} (func (export "run") (result i32) (i32.const 0))"#);
    assert!(
        matches!(run_body("import2", &body, 1_000), Err(ActionError::UnknownImport { name, .. }) if name == "shell")
    );
    // A known name with the wrong type is refused by the linker.
    let body = format!(
        r#"(import "w3" "input_len" (func (param i64))) {MEMORY} (func (export "run") (result i32) (i32.const 0))"#
    );
    assert!(
        matches!(run_body("import3", &body, 1_000), Err(ActionError::Load { message, .. }) if message.contains("type mismatch"))
    );
}

#[test]
fn floating_point_and_simd_are_refused_when_loading() {
    for (name, body) in [
        ("f64", r#"(func (export "run") (result i32) (drop (f64.add (f64.const 1) (f64.const 2))) (i32.const 0))"#),
        ("f32param", r#"(func $f (param f32)) (func (export "run") (result i32) (i32.const 0))"#),
        ("convert", r#"(func (export "run") (result i32) (i32.trunc_sat_f32_s (f32.const 1.5)))"#),
        ("simd", r#"(func (export "run") (result i32) (drop (v128.const i64x2 0 0)) (i32.const 0))"#),
        ("threads", r#"(func (export "run") (result i32) (i32.atomic.load (i32.const 0)))"#),
    ] {
        match run_body(name, &format!("{MEMORY} {body}"), 1_000) {
            Err(ActionError::Load { message, .. }) => {
                let expected = if name == "simd" {
                    "SIMD"
                } else if name == "threads" {
                    "threads"
                } else {
                    "floating-point"
                };
                assert!(message.contains(expected), "{name}: {message}");
            }
            other => panic!("{name}: {other:?}"),
        }
    }
}

#[test]
fn traps_carry_their_message() {
    let cases = [
        ("unreachable", "(unreachable)", "unreachable"),
        ("div", "(drop (i32.div_u (i32.const 1) (i32.const 0)))", "integer divide by zero"),
        ("oob", "(drop (i32.load (i32.const 70000)))", "out of bounds"),
    ];
    for (name, code, expected) in cases {
        let body = format!(r#"{MEMORY} (func (export "run") (result i32) {code} (i32.const 0))"#);
        match run_body(name, &body, 1_000) {
            Err(ActionError::Trap { message, .. }) => assert!(message.contains(expected), "{name}: {message}"),
            other => panic!("{name}: {other:?}"),
        }
    }
    let recursion =
        format!(r#"{MEMORY} (func $f (call $f)) (func (export "run") (result i32) (call $f) (i32.const 0))"#);
    match run_body("recursion", &recursion, 100_000_000) {
        Err(ActionError::Trap { message, .. }) => assert_eq!(message, "call stack exhausted"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn required_exports_and_no_start_function() {
    let cases = [
        ("norun", format!(r#"{MEMORY} (func (export "go") (result i32) (i32.const 0))"#), "exports no function `run`"),
        ("nomem", r#"(memory 1) (func (export "run") (result i32) (i32.const 0))"#.to_string(), "exports no `memory`"),
        (
            "start",
            format!(r#"{MEMORY} (func $s) (start $s) (func (export "run") (result i32) (i32.const 0))"#),
            "start",
        ),
    ];
    for (name, body, expected) in cases {
        match run_body(name, &body, 1_000) {
            Err(ActionError::Load { message, .. }) => assert!(message.contains(expected), "{name}: {message}"),
            other => panic!("{name}: {other:?}"),
        }
    }
    let wrong = format!(r#"{MEMORY} (func (export "run") (param i32) (result i32) (i32.const 0))"#);
    match run_body("signature", &wrong, 1_000) {
        Err(ActionError::Load { message, .. }) => assert!(message.contains("`() -> i32`"), "{message}"),
        other => panic!("{other:?}"),
    }
}

const OUTPUT: &str = r#"(import "w3" "output_write" (func $out (param i32 i32)))"#;

#[test]
fn outputs_must_be_small_json_objects() {
    let write = |data: &str| {
        format!(
            r#"{OUTPUT} {MEMORY} (data (i32.const 0) "{data}")
               (func (export "run") (result i32) (call $out (i32.const 0) (i32.const {})) (i32.const 0))"#,
            data.replace("\\22", "\"").len()
        )
    };
    let ok = run_body("out-ok", &write(r#"{\22a\22:\22x\22,\22n\22:1.5,\22o\22:{\22k\22:[true]}}"#), 100_000).unwrap();
    assert_eq!(ok.output, json(r#"{"a": "x", "n": "1.5", "o": "{\"k\":[true]}"}"#));
    for (name, data, expected) in
        [("out-text", "price", "it is not JSON"), ("out-array", "[1]", "it must be a JSON object, not Array")]
    {
        match run_body(name, &write(data), 100_000) {
            Err(ActionError::Output { message, .. }) => assert!(message.contains(expected), "{name}: {message}"),
            other => panic!("{name}: {other:?}"),
        }
    }
    let huge = format!(
        r#"{OUTPUT} (memory (export "memory") 64) (func (export "run") (result i32) (call $out (i32.const 0) (i32.const 4000000)) (i32.const 0))"#
    );
    assert!(matches!(
        run_body("out-huge", &huge, 100_000_000),
        Err(ActionError::Limit { what: "output size in bytes", .. })
    ));
    let nothing = format!(r#"{MEMORY} (func (export "run") (result i32) (i32.const 0))"#);
    assert_eq!(run_body("out-none", &nothing, 1_000).unwrap().output, json("{}"));
}

#[test]
fn bad_pointers_trap() {
    let body = format!(
        r#"(import "w3" "input_read" (func $read (param i32))) {MEMORY}
           (func (export "run") (result i32) (call $read (i32.const -16)) (i32.const 0))"#
    );
    match run_body("ptr", &body, 100_000) {
        Err(ActionError::Trap { message, .. }) => assert!(message.starts_with("input_read: "), "{message}"),
        other => panic!("{other:?}"),
    }
    let body = format!(
        r#"{OUTPUT} {MEMORY} (func (export "run") (result i32) (call $out (i32.const 0) (i32.const -1)) (i32.const 0))"#
    );
    assert!(
        matches!(run_body("neg", &body, 100_000), Err(ActionError::Trap { message, .. }) if message.contains("negative"))
    );
}

const HOST_CALL: &str = r#"(import "w3" "host_call" (func $call (param i32 i32) (result i32)))
    (import "w3" "response_len" (func $rlen (result i32)))
    (import "w3" "response_read" (func $rread (param i32)))"#;

#[test]
fn host_calls_are_counted_and_bad_requests_are_answered() {
    let many = format!(
        r#"{HOST_CALL} {MEMORY} (data (i32.const 0) "{{\22now\22:{{}}}}")
           (func (export "run") (result i32) (loop $l (drop (call $call (i32.const 0) (i32.const 10))) (br $l)) (i32.const 0))"#
    );
    match run_body("many", &many, 100_000_000) {
        Err(ActionError::Limit { what, limit, .. }) => {
            assert_eq!((what, limit), ("host calls per invocation", u64::from(MAX_HOST_CALLS)))
        }
        other => panic!("{other:?}"),
    }
    // A bad request returns -3 and leaves {"error": ...} to read; the module writes it out.
    let bad = format!(
        r#"{HOST_CALL} {OUTPUT} {MEMORY} (data (i32.const 0) "{{\22shell\22:{{}}}}")
           (func (export "run") (result i32) (local $n i32)
             (if (i32.ne (call $call (i32.const 0) (i32.const 12)) (i32.const -3)) (then (return (i32.const 1))))
             (local.set $n (call $rlen))
             (call $rread (i32.const 100))
             (call $out (i32.const 100) (local.get $n))
             (i32.const 0))"#
    );
    let outcome = run_body("bad", &bad, 1_000_000).unwrap();
    assert_eq!(outcome.output, json(r#"{"error": "`shell` is not available to Smart Actions"}"#));
}

#[test]
fn fail_reports_the_message() {
    let body = format!(
        r#"(import "w3" "fail" (func $fail (param i32 i32))) {MEMORY} (data (i32.const 0) "price feed is stale")
           (func (export "run") (result i32) (call $fail (i32.const 0) (i32.const 19)) (i32.const 0))"#
    );
    match run_body("fail", &body, 100_000) {
        Err(e @ ActionError::Failed { .. }) => {
            assert_eq!(e.to_string(), "Smart Action w3/t@v1 failed: price feed is stale");
            assert!(e.gas_used() > 0);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn unknown_actions_name_the_places_looked_in() {
    let e = ActionRuntime::new(None).invoke(&action("nope"), &input(&[], &[]), 1_000, &mut TestHost::default());
    assert_eq!(
        e.unwrap_err().to_string(),
        "unknown Smart Action w3/nope@v1: looked in the built-in actions (json-select@v1, oracle-action@v1), no actions directory (none was given)"
    );
    let d = dir("unknown");
    let e =
        ActionRuntime::new(Some(d.clone())).invoke(&action("nope"), &input(&[], &[]), 1_000, &mut TestHost::default());
    let message = e.unwrap_err().to_string();
    assert!(message.ends_with(&format!("{0}/nope@v1.wasm, {0}/nope@v1.wat", d.display())), "{message}");
    let sneaky = ActionRef { name: "../etc/passwd".into(), version: "v1".into() };
    let e = ActionRuntime::new(Some(d.clone())).invoke(&sneaky, &input(&[], &[]), 1_000, &mut TestHost::default());
    assert!(matches!(e, Err(ActionError::NotFound { .. })));
    std::fs::remove_dir_all(d).unwrap();
}

#[test]
fn modules_from_the_directory_wasm_first_and_builtins_win() {
    let d = dir("files");
    let wat = |status: i32| format!(r#"(module {MEMORY} (func (export "run") (result i32) (i32.const {status})))"#);
    std::fs::write(d.join("t@v1.wasm"), wat::parse_str(wat(0)).unwrap()).unwrap();
    std::fs::write(d.join("t@v1.wat"), wat(5)).unwrap();
    std::fs::write(d.join("json-select@v1.wat"), wat(5)).unwrap();
    std::fs::write(d.join("broken@v1.wat"), "(module").unwrap();
    std::fs::write(d.join("garbage@v1.wasm"), b"\0asm\x01\0\0\0\xff").unwrap();
    let rt = ActionRuntime::new(Some(d.clone()));
    let mut host = TestHost::default();
    assert!(rt.invoke(&t(), &input(&[], &[]), 1_000, &mut host).is_ok());
    let builtin = rt.invoke(&action("json-select"), &input(&[("json", "1")], &[]), GAS, &mut host).unwrap();
    assert_eq!(out(&builtin, "value").as_deref(), Some("1"));
    assert!(matches!(rt.invoke(&action("broken"), &input(&[], &[]), 1_000, &mut host), Err(ActionError::Load { .. })));
    assert!(matches!(rt.invoke(&action("garbage"), &input(&[], &[]), 1_000, &mut host), Err(ActionError::Load { .. })));
    assert!(host.calls.is_empty());
    std::fs::remove_dir_all(d).unwrap();
}

#[test]
fn gas_never_exceeds_the_limit() {
    let calls = format!(
        r#"{HOST_CALL} {MEMORY} (data (i32.const 0) "{{\22now\22:{{}}}}")
           (func (export "run") (result i32) (local $i i32)
             (loop $l (drop (call $call (i32.const 0) (i32.const 10)))
               (br_if $l (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 1))) (i32.const 10))))
             (i32.const 0))"#
    );
    for gas in (0..3000).step_by(97) {
        match run_body("limit", &calls, gas) {
            Ok(o) => assert!(o.gas_used <= gas),
            Err(e) => assert!(e.gas_used() <= gas, "{e:?}"),
        }
    }
    let d = dir("now");
    std::fs::write(d.join("t@v1.wat"), format!("(module {calls})")).unwrap();
    let mut host = TestHost::default();
    ActionRuntime::new(Some(d.clone())).invoke(&t(), &input(&[], &[]), 1_000_000, &mut host).unwrap();
    assert_eq!(host.calls, vec![HostCall::Now; 10]);
    std::fs::remove_dir_all(d).unwrap();
}
