//! A workflow's key-value state and the host calls that read and write it.
//!
//! [`StateStore`] is the shape the chain's store will have too: every key belongs to one
//! workflow ([`WorkflowId`]), and the store sees one flat key space in which a workflow's keys
//! are prefixed by its id ([`state_key`]), as a Merkle tree over the whole state needs. Limits
//! on key and value sizes are protocol rules, so [`StorageHost`] checks them before a store is
//! touched; the stores themselves only store.
//!
//! Implementations: [`MemoryStore`](crate::store::MemoryStore) for tests and throwaway runs,
//! and [`RedbStore`](crate::store::RedbStore), a redb file in the run's directory.

use std::fmt;

use w3_host_api::{Capabilities, HostCall, HostError, HostResult};
use w3_value::{to_json_text, JsonStyle, NonFinite};

use crate::events::EventLog;

/// The workflow a key or an event belongs to: locally the workflow's name or path, on chain
/// the deployed module's id.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct WorkflowId(String);

impl WorkflowId {
    /// Returns the id `id`.
    pub fn new(id: impl Into<String>) -> Self {
        Self(id.into())
    }

    /// Returns the id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for WorkflowId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Why a store could not do what it was asked.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database failed (opening, a transaction, a table, the disk).
    #[error("{what}: {source}")]
    Redb {
        what: String,
        #[source]
        source: redb::Error,
    },
    /// The store holds bytes this version cannot read.
    #[error("the store holds a malformed {what}: {detail}")]
    Corrupt { what: &'static str, detail: String },
    /// A value could not be written as JSON (nested deeper than JSON output allows).
    #[error("the event's data cannot be stored: {0}")]
    Data(#[from] w3_value::ValueError),
}

impl StoreError {
    /// Wraps a redb error with a description of what was being done.
    pub(crate) fn redb(what: impl Into<String>, source: impl Into<redb::Error>) -> Self {
        StoreError::Redb { what: what.into(), source: source.into() }
    }
}

impl From<StoreError> for HostError {
    fn from(e: StoreError) -> Self {
        HostError::Failed(e.to_string())
    }
}

/// A workflow's keys and values, sorted by key.
pub type Entries = Vec<(Vec<u8>, Vec<u8>)>;

/// The key-value state of workflows.
pub trait StateStore {
    /// Returns the value of `key` in `workflow`'s state, or `None` when it is not set.
    fn get(&self, workflow: &WorkflowId, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError>;
    /// Sets `key` to `value` in `workflow`'s state.
    fn put(&mut self, workflow: &WorkflowId, key: &[u8], value: &[u8]) -> Result<(), StoreError>;
    /// Returns `workflow`'s keys and values, sorted by key.
    fn entries(&self, workflow: &WorkflowId) -> Result<Entries, StoreError>;
}

/// Returns the store key of `key` in `workflow`'s state: the id's length (4 bytes, big-endian),
/// the id, then the key. The length makes the prefix unambiguous (no workflow's keys can be
/// read as another's), and a workflow's keys are contiguous and in key order.
pub fn state_key(workflow: &WorkflowId, key: &[u8]) -> Vec<u8> {
    let id = workflow.as_str().as_bytes();
    let mut out = Vec::with_capacity(4 + id.len() + key.len());
    out.extend_from_slice(&(id.len() as u32).to_be_bytes());
    out.extend_from_slice(id);
    out.extend_from_slice(key);
    out
}

/// The size limits of storage and events.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StorageLimits {
    /// Longest key in bytes.
    pub max_key: usize,
    /// Longest value in bytes.
    pub max_value: usize,
    /// Longest event topic in bytes.
    pub max_topic: usize,
    /// Longest event data in bytes of compact JSON.
    pub max_event_data: usize,
}

impl Default for StorageLimits {
    fn default() -> Self {
        Self { max_key: 256, max_value: 64 * 1024, max_topic: 256, max_event_data: 64 * 1024 }
    }
}

/// Returns the JSON an event's data is stored as: compact, NaN and the infinities as `null`
/// (as `toJSON()` writes them), object keys in their order.
pub(crate) fn event_json(data: &w3_value::Value) -> Result<String, w3_value::ValueError> {
    to_json_text(data, JsonStyle { pretty: false, non_finite: NonFinite::Null })
}

/// Performs the storage and event calls of one workflow against a store.
#[derive(Debug)]
pub struct StorageHost<S> {
    store: S,
    workflow: WorkflowId,
    caps: Capabilities,
    limits: StorageLimits,
}

impl<S: StateStore + EventLog> StorageHost<S> {
    /// Returns a host for `workflow`, allowed what `caps` declares, on `store`.
    pub fn new(store: S, workflow: WorkflowId, caps: Capabilities, limits: StorageLimits) -> Self {
        Self { store, workflow, caps, limits }
    }

    /// Returns the store.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// Returns the store, ending the host.
    pub fn into_store(self) -> S {
        self.store
    }

    /// Performs [`HostCall::StorageRead`] ([`HostResult::Bytes`]), [`HostCall::StorageWrite`]
    /// and [`HostCall::EmitEvent`] ([`HostResult::Done`]). A call the capabilities do not allow
    /// is [`HostError::Denied`], one over a size limit [`HostError::Limit`], and any other
    /// call [`HostError::Unsupported`].
    pub fn run_call(&mut self, call: &HostCall) -> Result<HostResult, HostError> {
        let limits = self.limits;
        match call {
            HostCall::StorageRead { key } => {
                self.allowed(call)?;
                within("the storage key (bytes)", key.len(), limits.max_key)?;
                Ok(HostResult::Bytes(self.store.get(&self.workflow, key)?))
            }
            HostCall::StorageWrite { key, value } => {
                self.allowed(call)?;
                within("the storage key (bytes)", key.len(), limits.max_key)?;
                within("the storage value (bytes)", value.len(), limits.max_value)?;
                self.store.put(&self.workflow, key, value)?;
                Ok(HostResult::Done)
            }
            HostCall::EmitEvent { topic, data } => {
                self.allowed(call)?;
                within("the event topic (bytes)", topic.len(), limits.max_topic)?;
                let json = event_json(data).map_err(|e| HostError::Failed(format!("the event's data: {e}")))?;
                within("the event data (bytes of JSON)", json.len(), limits.max_event_data)?;
                self.store.emit(&self.workflow, topic, data)?;
                Ok(HostResult::Done)
            }
            other => {
                Err(HostError::Unsupported(format!("the storage host cannot perform `{}` calls", other.kind().name())))
            }
        }
    }

    /// Refuses a call the capabilities do not declare.
    fn allowed(&self, call: &HostCall) -> Result<(), HostError> {
        self.caps.check(call).map_err(|e| HostError::Denied(e.to_string()))
    }
}

/// Refuses `len` over `limit`.
fn within(what: &str, len: usize, limit: usize) -> Result<(), HostError> {
    if len > limit {
        return Err(HostError::Limit { what: what.to_string(), limit: limit as u64 });
    }
    Ok(())
}
