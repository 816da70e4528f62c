//! Storage and events of local runs, in memory and in a redb file.

use std::collections::BTreeMap;
use std::path::PathBuf;

use proptest::prelude::*;
use w3_host::{Entries, EventLog, MemoryStore, RedbStore, StateStore, StorageHost, StorageLimits, WorkflowId};
use w3_host_api::{Capabilities, HostCall, HostError, HostResult};
use w3_value::{parse_json, Value};

/// A directory removed when the test ends.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("w3-storage-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn all_caps() -> Capabilities {
    Capabilities { storage_read: true, storage_write: true, events: true, ..Capabilities::default() }
}

fn wf(id: &str) -> WorkflowId {
    WorkflowId::new(id)
}

fn json(text: &str) -> Value {
    parse_json(text).unwrap()
}

fn write(key: &[u8], value: &[u8]) -> HostCall {
    HostCall::StorageWrite { key: key.to_vec(), value: value.to_vec() }
}

fn read(key: &[u8]) -> HostCall {
    HostCall::StorageRead { key: key.to_vec() }
}

fn emit(topic: &str, data: &str) -> HostCall {
    HostCall::EmitEvent { topic: topic.into(), data: json(data) }
}

/// Runs the same calls against any store and returns what the store then lists.
fn exercise<S: StateStore + EventLog>(store: S) -> S {
    let mut host = StorageHost::new(store, wf("ci.yml"), all_caps(), StorageLimits::default());
    assert_eq!(host.run_call(&read(b"count")), Ok(HostResult::Bytes(None)));
    assert_eq!(host.run_call(&write(b"count", b"1")), Ok(HostResult::Done));
    assert_eq!(host.run_call(&write(b"count", b"2")), Ok(HostResult::Done));
    assert_eq!(host.run_call(&write(b"", b"empty key")), Ok(HostResult::Done));
    assert_eq!(host.run_call(&write(b"z", b"")), Ok(HostResult::Done));
    assert_eq!(host.run_call(&read(b"count")), Ok(HostResult::Bytes(Some(b"2".to_vec()))));
    assert_eq!(host.run_call(&read(b"z")), Ok(HostResult::Bytes(Some(vec![]))));
    assert_eq!(host.run_call(&emit("price", r#"{"pair":"ETH","value":3100.5}"#)), Ok(HostResult::Done));
    assert_eq!(host.run_call(&emit("done", "null")), Ok(HostResult::Done));
    host.into_store()
}

fn listing<S: StateStore + EventLog>(store: &S) -> (Entries, Vec<String>) {
    let entries = store.entries(&wf("ci.yml")).unwrap();
    let events = store
        .events()
        .unwrap()
        .iter()
        .map(|e| {
            format!("{} {} {} {}", e.seq, e.workflow, e.topic, w3_value::to_json_text(&e.data, json_style()).unwrap())
        })
        .collect();
    (entries, events)
}

fn json_style() -> w3_value::JsonStyle {
    w3_value::JsonStyle { pretty: false, non_finite: w3_value::NonFinite::Null }
}

#[test]
fn calls_round_trip_in_memory() {
    let store = exercise(MemoryStore::new());
    let (entries, events) = listing(&store);
    let expected: Entries =
        vec![(b"".to_vec(), b"empty key".to_vec()), (b"count".to_vec(), b"2".to_vec()), (b"z".to_vec(), vec![])];
    assert_eq!(entries, expected);
    assert_eq!(events, [r#"0 ci.yml price {"pair":"ETH","value":3100.5}"#, "1 ci.yml done null"]);
}

#[test]
fn memory_and_redb_list_the_same_contents() {
    let dir = TempDir::new("same");
    let memory = exercise(MemoryStore::new());
    let redb = exercise(RedbStore::open_in(&dir.0).unwrap());
    assert_eq!(listing(&memory), listing(&redb));
    assert_eq!(redb.path(), dir.0.join(w3_host::store::STORE_FILE));
}

#[test]
fn redb_contents_survive_reopening() {
    let dir = TempDir::new("reopen");
    let before = listing(&exercise(RedbStore::open_in(&dir.0).unwrap()));
    let mut store = RedbStore::open_in(&dir.0).unwrap();
    assert_eq!(listing(&store), before);
    assert_eq!(store.get(&wf("ci.yml"), b"count").unwrap(), Some(b"2".to_vec()));
    // Numbering goes on where it stopped.
    assert_eq!(store.emit(&wf("ci.yml"), "again", &Value::from(true)).unwrap(), 2);
}

#[test]
fn a_file_that_is_not_a_store_is_an_error() {
    let dir = TempDir::new("garbage");
    let path = dir.0.join("store.redb");
    std::fs::write(&path, vec![0x5a; 10_000]).unwrap();
    let err = RedbStore::open(&path).unwrap_err();
    assert!(err.to_string().contains("store.redb"), "{err}");
}

#[test]
fn workflows_do_not_see_each_others_keys() {
    let mut store = MemoryStore::new();
    // "ab" + key "c" and "a" + key "bc" would collide without the length prefix.
    store.put(&wf("ab"), b"c", b"first").unwrap();
    store.put(&wf("a"), b"bc", b"second").unwrap();
    assert_eq!(store.get(&wf("ab"), b"c").unwrap(), Some(b"first".to_vec()));
    assert_eq!(store.get(&wf("a"), b"bc").unwrap(), Some(b"second".to_vec()));
    assert_eq!(store.get(&wf("a"), b"c").unwrap(), None);
    assert_eq!(store.entries(&wf("ab")).unwrap(), [(b"c".to_vec(), b"first".to_vec())]);
    assert_eq!(store.entries(&wf("a")).unwrap(), [(b"bc".to_vec(), b"second".to_vec())]);
    assert_eq!(store.entries(&wf("b")).unwrap(), []);

    let mut other = StorageHost::new(store, wf("other.yml"), all_caps(), StorageLimits::default());
    assert_eq!(other.run_call(&read(b"c")), Ok(HostResult::Bytes(None)));
}

#[test]
fn limits_refuse_large_keys_values_topics_and_data() {
    let limits = StorageLimits { max_key: 4, max_value: 8, max_topic: 5, max_event_data: 10 };
    let mut host = StorageHost::new(MemoryStore::new(), wf("w"), all_caps(), limits);
    assert_eq!(host.run_call(&write(b"abcd", b"12345678")), Ok(HostResult::Done));
    let limit = |r: Result<HostResult, HostError>| match r {
        Err(HostError::Limit { limit, .. }) => limit,
        other => panic!("expected a limit, got {other:?}"),
    };
    assert_eq!(limit(host.run_call(&write(b"abcde", b"1"))), 4);
    assert_eq!(limit(host.run_call(&read(b"abcde"))), 4);
    assert_eq!(limit(host.run_call(&write(b"k", b"123456789"))), 8);
    assert_eq!(limit(host.run_call(&emit("toolong", "1"))), 5);
    assert_eq!(limit(host.run_call(&emit("t", r#""0123456789""#))), 10);
    assert_eq!(host.run_call(&emit("t", r#""01234567""#)), Ok(HostResult::Done));
    let store = host.into_store();
    assert_eq!(store.entries(&wf("w")).unwrap().len(), 1);
    assert_eq!(store.events().unwrap().len(), 1);
}

#[test]
fn undeclared_calls_are_denied_and_others_unsupported() {
    let mut host = StorageHost::new(MemoryStore::new(), wf("w"), Capabilities::default(), StorageLimits::default());
    for call in [read(b"k"), write(b"k", b"v"), emit("t", "1")] {
        assert!(matches!(host.run_call(&call), Err(HostError::Denied(_))), "{call:?}");
    }
    let read_only = Capabilities { storage_read: true, ..Capabilities::default() };
    let mut host = StorageHost::new(MemoryStore::new(), wf("w"), read_only, StorageLimits::default());
    assert_eq!(host.run_call(&read(b"k")), Ok(HostResult::Bytes(None)));
    assert!(matches!(host.run_call(&write(b"k", b"v")), Err(HostError::Denied(_))));
    assert!(matches!(host.run_call(&HostCall::Now), Err(HostError::Unsupported(_))));
    assert_eq!(host.store(), &MemoryStore::new());
}

#[test]
fn the_same_writes_list_the_same_contents() {
    let dir = TempDir::new("determinism");
    let run = |store: RedbStore| listing(&exercise(store));
    let a = run(RedbStore::open(dir.0.join("a.redb")).unwrap());
    let b = run(RedbStore::open(dir.0.join("b.redb")).unwrap());
    assert_eq!(a, b);
    assert_eq!(listing(&exercise(MemoryStore::new())), a);
}

#[derive(Clone, Debug)]
enum Op {
    Put(u8, Vec<u8>, Vec<u8>),
    Get(u8, Vec<u8>),
}

fn op() -> impl Strategy<Value = Op> {
    // Few workflows and short keys, so that operations hit the same keys often.
    let key = prop::collection::vec(0u8..4, 0..3);
    prop_oneof![
        (0u8..3, key.clone(), prop::collection::vec(any::<u8>(), 0..8)).prop_map(|(w, k, v)| Op::Put(w, k, v)),
        (0u8..3, key).prop_map(|(w, k)| Op::Get(w, k)),
    ]
}

/// Applies `ops` to `store` and to a map keyed by (workflow, key), checking every read and
/// finally every workflow's listing.
fn check_against_model(store: &mut dyn StateStore, ops: &[Op]) -> Result<(), TestCaseError> {
    let ids = [wf("a"), wf("ab"), wf("b")];
    let mut model: BTreeMap<(u8, Vec<u8>), Vec<u8>> = BTreeMap::new();
    for op in ops {
        match op {
            Op::Put(w, k, v) => {
                store.put(&ids[*w as usize], k, v).unwrap();
                model.insert((*w, k.clone()), v.clone());
            }
            Op::Get(w, k) => {
                prop_assert_eq!(store.get(&ids[*w as usize], k).unwrap(), model.get(&(*w, k.clone())).cloned());
            }
        }
    }
    for (w, id) in ids.iter().enumerate() {
        let expected: Entries =
            model.iter().filter(|((mw, _), _)| *mw as usize == w).map(|((_, k), v)| (k.clone(), v.clone())).collect();
        prop_assert_eq!(store.entries(id).unwrap(), expected);
    }
    Ok(())
}

proptest! {
    #[test]
    fn memory_store_behaves_like_a_map(ops in prop::collection::vec(op(), 0..64)) {
        check_against_model(&mut MemoryStore::new(), &ops)?;
    }
}

proptest! {
    // Every redb write is a durable commit; fewer, shorter cases keep the test quick.
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]
    #[test]
    fn redb_store_behaves_like_a_map(ops in prop::collection::vec(op(), 0..24)) {
        let dir = TempDir::new("proptest");
        check_against_model(&mut RedbStore::open_in(&dir.0).unwrap(), &ops)?;
    }
}
