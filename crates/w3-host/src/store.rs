//! The stores of local runs: [`MemoryStore`] and [`RedbStore`], each holding both the state
//! ([`StateStore`]) and the event log ([`EventLog`]).
//!
//! Both keep the same bytes (state under [`state_key`], events encoded as
//! [`encode_event`](crate::events) writes them), so the same calls list the same contents in
//! either. [`RedbStore`] keeps both in one redb file: one format and one kind of transaction
//! for state and events, as the chain's redb state will have.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use redb::{Database, ReadableDatabase, ReadableTable, TableDefinition};
use w3_value::Value;

use crate::events::{decode_event, encode_event, Event, EventLog};
use crate::storage::{state_key, Entries, StateStore, StoreError, WorkflowId};

/// Returns the keys and values of `workflow` among `entries` (sorted store keys and values),
/// with the workflow's prefix taken off.
fn strip_prefix(workflow: &WorkflowId, entries: impl Iterator<Item = (Vec<u8>, Vec<u8>)>) -> Entries {
    let prefix = state_key(workflow, b"");
    entries.take_while(|(k, _)| k.starts_with(&prefix)).map(|(k, v)| (k[prefix.len()..].to_vec(), v)).collect()
}

/// State and events in memory, for tests and runs that keep nothing.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MemoryStore {
    state: BTreeMap<Vec<u8>, Vec<u8>>,
    events: Vec<Vec<u8>>,
}

impl MemoryStore {
    /// Returns an empty store.
    pub fn new() -> Self {
        Self::default()
    }
}

impl StateStore for MemoryStore {
    fn get(&self, workflow: &WorkflowId, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.state.get(&state_key(workflow, key)).cloned())
    }

    fn put(&mut self, workflow: &WorkflowId, key: &[u8], value: &[u8]) -> Result<(), StoreError> {
        self.state.insert(state_key(workflow, key), value.to_vec());
        Ok(())
    }

    fn entries(&self, workflow: &WorkflowId) -> Result<Entries, StoreError> {
        let from = state_key(workflow, b"");
        Ok(strip_prefix(workflow, self.state.range(from..).map(|(k, v)| (k.clone(), v.clone()))))
    }
}

impl EventLog for MemoryStore {
    fn emit(&mut self, workflow: &WorkflowId, topic: &str, data: &Value) -> Result<u64, StoreError> {
        self.events.push(encode_event(workflow, topic, data)?);
        Ok(self.events.len() as u64 - 1)
    }

    fn events(&self) -> Result<Vec<Event>, StoreError> {
        self.events.iter().enumerate().map(|(seq, bytes)| decode_event(seq as u64, bytes)).collect()
    }
}

/// The state: store key ([`state_key`]) → value.
const STATE: TableDefinition<&[u8], &[u8]> = TableDefinition::new("state");
/// The event log: number → encoded event.
const EVENTS: TableDefinition<u64, &[u8]> = TableDefinition::new("events");

/// The name of the store's file in a run directory.
pub const STORE_FILE: &str = "store.redb";

/// State and events in a redb file. Every write is its own transaction, durable when the call
/// returns, so a run's journal never names a write the file lost.
pub struct RedbStore {
    db: Database,
    path: PathBuf,
}

impl fmt::Debug for RedbStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedbStore").field("path", &self.path).finish_non_exhaustive()
    }
}

impl RedbStore {
    /// Opens the store at `path`, creating it when the file does not exist. The file's
    /// integrity is checked on opening, so a damaged file is an error rather than trusted.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        let path = path.as_ref().to_path_buf();
        let db = Database::builder()
            .set_check_integrity_on_open(true)
            .create(&path)
            .map_err(|e| StoreError::redb(format!("opening the store {}", path.display()), e))?;
        let store = Self { db, path };
        // Creating both tables up front lets reads assume they exist.
        let txn = store.db.begin_write().map_err(|e| store.error("starting a write", e))?;
        txn.open_table(STATE).map_err(|e| store.error("opening the state table", e))?;
        txn.open_table(EVENTS).map_err(|e| store.error("opening the events table", e))?;
        txn.commit().map_err(|e| store.error("creating the tables", e))?;
        Ok(store)
    }

    /// Opens the store of the run directory `dir` ([`STORE_FILE`] in it), creating the
    /// directory when needed.
    pub fn open_in(dir: impl AsRef<Path>) -> Result<Self, StoreError> {
        let dir = dir.as_ref();
        std::fs::create_dir_all(dir).map_err(|e| {
            StoreError::redb(format!("creating the run directory {}", dir.display()), redb::StorageError::Io(e))
        })?;
        Self::open(dir.join(STORE_FILE))
    }

    /// Returns the path of the store's file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Wraps a redb error, naming the file.
    fn error(&self, what: &str, e: impl Into<redb::Error>) -> StoreError {
        StoreError::redb(format!("{what} in the store {}", self.path.display()), e)
    }
}

impl StateStore for RedbStore {
    fn get(&self, workflow: &WorkflowId, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        let txn = self.db.begin_read().map_err(|e| self.error("starting a read", e))?;
        let table = txn.open_table(STATE).map_err(|e| self.error("opening the state table", e))?;
        let value = table.get(state_key(workflow, key).as_slice()).map_err(|e| self.error("reading a key", e))?;
        Ok(value.map(|v| v.value().to_vec()))
    }

    fn put(&mut self, workflow: &WorkflowId, key: &[u8], value: &[u8]) -> Result<(), StoreError> {
        let txn = self.db.begin_write().map_err(|e| self.error("starting a write", e))?;
        {
            let mut table = txn.open_table(STATE).map_err(|e| self.error("opening the state table", e))?;
            table.insert(state_key(workflow, key).as_slice(), value).map_err(|e| self.error("writing a key", e))?;
        }
        txn.commit().map_err(|e| self.error("committing a write", e))
    }

    fn entries(&self, workflow: &WorkflowId) -> Result<Entries, StoreError> {
        let txn = self.db.begin_read().map_err(|e| self.error("starting a read", e))?;
        let table = txn.open_table(STATE).map_err(|e| self.error("opening the state table", e))?;
        let from = state_key(workflow, b"");
        let mut rows = Vec::new();
        for row in table.range(from.as_slice()..).map_err(|e| self.error("listing keys", e))? {
            let (k, v) = row.map_err(|e| self.error("listing keys", e))?;
            if !k.value().starts_with(&from) {
                break;
            }
            rows.push((k.value().to_vec(), v.value().to_vec()));
        }
        Ok(strip_prefix(workflow, rows.into_iter()))
    }
}

impl EventLog for RedbStore {
    fn emit(&mut self, workflow: &WorkflowId, topic: &str, data: &Value) -> Result<u64, StoreError> {
        let bytes = encode_event(workflow, topic, data)?;
        let txn = self.db.begin_write().map_err(|e| self.error("starting a write", e))?;
        let seq = {
            let mut table = txn.open_table(EVENTS).map_err(|e| self.error("opening the events table", e))?;
            let last = table.last().map_err(|e| self.error("reading the last event", e))?;
            let seq = last.map_or(0, |(k, _)| k.value() + 1);
            table.insert(seq, bytes.as_slice()).map_err(|e| self.error("appending an event", e))?;
            seq
        };
        txn.commit().map_err(|e| self.error("committing an event", e))?;
        Ok(seq)
    }

    fn events(&self) -> Result<Vec<Event>, StoreError> {
        let txn = self.db.begin_read().map_err(|e| self.error("starting a read", e))?;
        let table = txn.open_table(EVENTS).map_err(|e| self.error("opening the events table", e))?;
        let mut events = Vec::new();
        for row in table.iter().map_err(|e| self.error("listing events", e))? {
            let (k, v) = row.map_err(|e| self.error("listing events", e))?;
            events.push(decode_event(k.value(), v.value())?);
        }
        Ok(events)
    }
}
