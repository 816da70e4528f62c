//! Measures the interpreter: nanoseconds per dispatched instruction by class, nanoseconds per
//! gas unit, and the cost of metering (the same programs with metering on and off).
//!
//! Each program is one function of `N` instructions of one class (plus its setup), so the time
//! per run divided by `N` is the time per instruction; criterion reports it as throughput in
//! `ops` (elements), and in the `gas` group as gas per second. Run with
//! `cargo bench -p w3-vm --bench dispatch`; `W3_BENCH_QUICK=1` shortens it.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use std::sync::Arc;
use std::time::Duration;
use w3_isa::VerifiedModule;
use w3_vm::bench::{classes, start, N};
use w3_vm::RunState;

fn gas_of(module: &Arc<VerifiedModule>) -> u64 {
    match start(module, true).run().unwrap() {
        RunState::Finished(outcome) => outcome.gas_used,
        RunState::Pending(_) => unreachable!("no host calls"),
    }
}

fn bench(c: &mut Criterion) {
    let quick = std::env::var_os("W3_BENCH_QUICK").is_some();
    let time = Duration::from_millis(if quick { 300 } else { 2_000 });
    for (name, module) in classes() {
        let ops = N as u64; // every program runs N instructions of its class (`expression`: 8 kinds)
        let mut group = c.benchmark_group(format!("op/{name}"));
        group.measurement_time(time).warm_up_time(time / 4).sample_size(20);
        group.throughput(Throughput::Elements(ops));
        for (label, metering) in [("metered", true), ("unmetered", false)] {
            let vm = start(&module, metering);
            group.bench_function(label, |b| {
                b.iter_batched(|| vm.clone(), |mut vm| vm.run().unwrap(), BatchSize::SmallInput)
            });
        }
        group.finish();
        let mut group = c.benchmark_group(format!("gas/{name}"));
        group.measurement_time(time).warm_up_time(time / 4).sample_size(20);
        group.throughput(Throughput::Elements(gas_of(&module)));
        let vm = start(&module, true);
        group.bench_function("metered", |b| {
            b.iter_batched(|| vm.clone(), |mut vm| vm.run().unwrap(), BatchSize::SmallInput)
        });
        group.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
