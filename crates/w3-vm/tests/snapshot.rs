//! Snapshot/restore and determinism: a run paused anywhere, serialized and restored (in this
//! process or another one) finishes exactly as an unpaused run; the same module, inputs and
//! answers give the same state hash, pinned here so any change shows in review.

mod common;

use common::{contexts, hex, sample_host, sample_workflow};
use proptest::prelude::*;
use std::collections::BTreeSet;
use std::sync::Arc;
use w3_isa::VerifiedModule;
use w3_vm::{Config, RunState, SnapshotError, Status, Vm};

const CONTEXTS: &str = r#"{"github": {"sha": "0123abc", "event": {"commits": [{"id": 1}, {"id": 2}]}}}"#;

/// The state hash of the sample workflow run to the end with the sample host. Update it only
/// for a deliberate change of the VM's semantics or of the snapshot format.
const PINNED: &str = "73332a47963249cf5044a03a8b07881681a22443f86a23d310a7a712ce20385f";

fn fresh() -> Vm {
    Vm::new(sample_workflow(), contexts(CONTEXTS), Config::default()).unwrap()
}

/// Returns the module as another process would load it: decoded from its bytes.
fn reloaded(module: &VerifiedModule) -> Arc<VerifiedModule> {
    Arc::new(VerifiedModule::decode(&module.module().encode()).unwrap())
}

/// Runs `vm` for `rounds` rounds of run-and-answer (answers recorded only when `answer`).
fn advance(vm: &mut Vm, rounds: usize, seen: &mut BTreeSet<u64>) -> bool {
    let mut host = sample_host();
    for _ in 0..rounds {
        match vm.run().unwrap() {
            RunState::Finished(_) => return false,
            RunState::Pending(calls) => host.answer_round(vm, calls, seen),
        }
    }
    true
}

fn finish(vm: &mut Vm) -> w3_vm::Outcome {
    sample_host().drive(vm).unwrap()
}

#[test]
fn the_sample_runs_as_expected() {
    let outcome = finish(&mut fresh());
    assert_eq!(outcome.status, Status::Success);
    let text = common::json(&outcome.result);
    assert!(text.contains(r#""parsed":"Object","error":"""#), "{text}");
    assert!(text.contains(r#""parsed":"","error":"in `job.parse` (f1) at 000e: Error parsing JSON"#), "{text}");
    assert!(text.contains(r#""parsed":"Array""#), "{text}");
}

#[test]
fn same_inputs_and_answers_give_the_same_pinned_hash() {
    let (mut a, mut b) = (fresh(), fresh());
    let (oa, ob) = (finish(&mut a), finish(&mut b));
    assert_eq!(oa, ob);
    assert_eq!(a.state_hash(), b.state_hash());
    assert_eq!(a.snapshot(), b.snapshot());
    assert_eq!(hex(&a.state_hash()), PINNED, "the pinned state hash changed");
}

#[test]
fn a_paused_run_finishes_identically_after_restore() {
    let mut reference = fresh();
    let expected = finish(&mut reference);
    let expected_hash = reference.state_hash();
    for rounds in 0..6 {
        for answered in [false, true] {
            let mut vm = fresh();
            let mut seen = BTreeSet::new();
            if !advance(&mut vm, rounds, &mut seen) {
                continue;
            }
            if answered {
                // Record this round's answers, leaving them unconsumed in the snapshot.
                let calls = vm.pending();
                sample_host().answer_round(&mut vm, calls, &mut seen);
            }
            let bytes = vm.snapshot();
            let before = vm.state_hash();
            drop(vm);
            let mut restored = Vm::restore(reloaded(&sample_workflow()), &bytes).unwrap();
            assert_eq!(restored.snapshot(), bytes, "restoring is lossless (rounds {rounds})");
            assert_eq!(restored.state_hash(), before);
            assert_eq!(finish(&mut restored), expected, "rounds {rounds}, answered {answered}");
            assert_eq!(restored.state_hash(), expected_hash, "rounds {rounds}, answered {answered}");
        }
    }
}

#[test]
fn a_snapshot_belongs_to_its_module() {
    let bytes = fresh().snapshot();
    let other = common::expr_module(|_, f| f.reg());
    assert_eq!(Vm::restore(other, &bytes).err(), Some(SnapshotError::Module));
    assert_eq!(Vm::restore(sample_workflow(), b"W3VS").err(), Some(SnapshotError::Format));
}

/// Restores the snapshot named by `W3VM_SNAPSHOT` and prints the final state hash; run by
/// `restores_in_another_process` as a child process.
#[test]
#[ignore = "run as a child process by restores_in_another_process"]
fn child_finishes_a_snapshot() {
    let Some(path) = std::env::var_os("W3VM_SNAPSHOT") else { return };
    let bytes = std::fs::read(path).unwrap();
    let mut vm = Vm::restore(sample_workflow(), &bytes).unwrap();
    finish(&mut vm);
    println!("state-hash: {}", hex(&vm.state_hash()));
}

#[test]
fn restores_in_another_process() {
    let mut reference = fresh();
    finish(&mut reference);
    let mut vm = fresh();
    advance(&mut vm, 2, &mut BTreeSet::new());
    let path = std::env::temp_dir().join(format!("w3-vm-snapshot-{}.bin", std::process::id()));
    std::fs::write(&path, vm.snapshot()).unwrap();
    let child = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--ignored", "--exact", "child_finishes_a_snapshot", "--nocapture", "--test-threads=1"])
        .env("W3VM_SNAPSHOT", &path)
        .output()
        .unwrap();
    let _ = std::fs::remove_file(&path);
    let stdout = String::from_utf8_lossy(&child.stdout);
    let line = format!("state-hash: {}", hex(&reference.state_hash()));
    assert!(stdout.contains(&line), "child said:\n{stdout}\n{}", String::from_utf8_lossy(&child.stderr));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    /// Corrupt snapshots are refused, or restored into a VM that runs without panicking.
    #[test]
    fn corrupt_snapshots_never_panic(at in 0usize..10_000, byte in any::<u8>(), cut in any::<bool>()) {
        let mut vm = fresh();
        advance(&mut vm, 1, &mut BTreeSet::new());
        let mut bytes = vm.snapshot();
        let at = at % bytes.len();
        if cut {
            bytes.truncate(at);
        } else {
            bytes[at] = byte;
        }
        if let Ok(mut restored) = Vm::restore(sample_workflow(), &bytes) {
            let _ = sample_host().drive(&mut restored);
        }
    }
}
