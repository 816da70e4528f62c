//! How long one unit of fuel takes, to check `GAS_PER_FUEL` against the VM's 1 gas ≈ 1 ns.
//! Run on a quiet machine:
//! `cargo test -p w3-host-wasm --release --test fuel_speed -- --ignored --nocapture`.

mod common;
use common::*;
use std::time::Instant;
use w3_host_wasm::limits::GAS_PER_FUEL;
use w3_host_wasm::ActionRuntime;

fn best_ns_per_fuel(mut run: impl FnMut() -> u64) -> f64 {
    let mut best = f64::MAX;
    for _ in 0..5 {
        let start = Instant::now();
        let gas = run();
        let ns = start.elapsed().as_nanos() as f64;
        best = best.min(ns / (gas / GAS_PER_FUEL) as f64);
    }
    best
}

#[test]
#[ignore = "a measurement, not a check"]
fn fuel_speed() {
    let dir = std::env::temp_dir().join(format!("w3-fuel-speed-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("spin@v1.wat"),
        r#"(module (memory (export "memory") 1)
             (func (export "run") (result i32) (local $i i32) (local $x i32)
               (loop $l
                 (local.set $x (i32.xor (i32.mul (local.get $x) (i32.const 31)) (local.get $i)))
                 (i32.store (i32.and (local.get $x) (i32.const 0xfffc)) (local.get $i))
                 (br_if $l (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 1))) (i32.const 2000000))))
               (i32.const 0)))"#,
    )
    .unwrap();
    let rt = ActionRuntime::new(Some(dir.clone()));
    let spin = best_ns_per_fuel(|| {
        rt.invoke(
            &w3_host_api::ActionRef { name: "spin".into(), version: "v1".into() },
            &input(&[], &[]),
            u64::MAX,
            &mut TestHost::default(),
        )
        .unwrap()
        .gas_used
    });
    let doc = format!(
        "{{\"items\": [{}], \"data\": {{\"price\": 1}}}}",
        (0..5000)
            .map(|i| format!("{{\"id\": {i}, \"name\": \"item \\\"{i}\\\"\", \"tags\": [true, null, -1.5e3]}}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let select = best_ns_per_fuel(|| {
        rt.invoke(
            &action("json-select"),
            &input(&[("json", &doc), ("path", "data.price")], &[]),
            u64::MAX,
            &mut TestHost::default(),
        )
        .unwrap()
        .gas_used
    });
    println!("ns per fuel: arithmetic loop {spin:.2}, json-select on {} bytes {select:.2}", doc.len());
    std::fs::remove_dir_all(dir).unwrap();
}
