//! A scripted host for the tests: it checks calls against capabilities as a real host does,
//! answers HTTP from canned responses and keeps storage, events and logs in memory.

#![allow(dead_code)] // Each test file uses a different part.

use std::collections::BTreeMap;
use w3_host_api::{ActionRef, Capabilities, HostCall, HostError, HostPattern, HostResult};
use w3_host_wasm::{ActionError, ActionHost, ActionOutcome, ActionRuntime};
use w3_value::{parse_json, Object, Value};

/// Plenty of gas for the built-ins on small inputs.
pub const GAS: u64 = 10_000_000;

#[derive(Default)]
pub struct TestHost {
    pub caps: Capabilities,
    /// URL → (status, body).
    pub http: BTreeMap<String, (u16, String)>,
    pub storage: BTreeMap<Vec<u8>, Vec<u8>>,
    pub calls: Vec<HostCall>,
    /// Answers every call with this error instead.
    pub fail_with: Option<HostError>,
}

impl TestHost {
    /// Returns a host that allows HTTP to `host` and answers `url` with `status` and `body`.
    pub fn serving(host: &str, url: &str, status: u16, body: &str) -> Self {
        let mut h = TestHost {
            caps: Capabilities {
                http: vec![HostPattern(host.into())],
                storage_read: true,
                storage_write: true,
                events: true,
                ..Capabilities::default()
            },
            ..TestHost::default()
        };
        h.http.insert(url.into(), (status, body.into()));
        h
    }
}

impl ActionHost for TestHost {
    fn call(&mut self, call: HostCall) -> Result<HostResult, HostError> {
        self.calls.push(call.clone());
        if let Some(e) = &self.fail_with {
            return Err(e.clone());
        }
        self.caps.check(&call).map_err(|e| HostError::Denied(e.to_string()))?;
        Ok(match call {
            HostCall::HttpRequest { url, .. } => match self.http.get(&url) {
                Some((status, body)) => HostResult::Http {
                    status: *status,
                    headers: vec![("content-type".into(), "application/json".into())],
                    body: body.clone().into_bytes(),
                },
                None => return Err(HostError::Failed(format!("connection refused: {url}"))),
            },
            HostCall::StorageRead { key } => HostResult::Bytes(self.storage.get(&key).cloned()),
            HostCall::StorageWrite { key, value } => {
                self.storage.insert(key, value);
                HostResult::Done
            }
            HostCall::Now => HostResult::Time { unix_ms: 1_700_000_000_000 },
            HostCall::Random { len } => HostResult::Bytes(Some(vec![7; len as usize])),
            _ => HostResult::Done,
        })
    }
}

pub fn action(name: &str) -> ActionRef {
    ActionRef { name: name.into(), version: "v1".into() }
}

/// Returns the action input `{"with": with, "env": env}` from string pairs.
pub fn input(with: &[(&str, &str)], env: &[(&str, &str)]) -> Value {
    let obj = |pairs: &[(&str, &str)]| {
        let mut o = Object::new();
        for (k, v) in pairs {
            o.insert(*k, Value::from(*v));
        }
        Value::Object(o)
    };
    let mut o = Object::new();
    o.insert("with", obj(with));
    o.insert("env", obj(env));
    Value::Object(o)
}

/// Returns output `name` of an outcome.
pub fn out(outcome: &ActionOutcome, name: &str) -> Option<String> {
    outcome.output.as_object()?.get(name)?.as_str().map(str::to_string)
}

/// Runs w3/json-select@v1 on `json` and `path` with no host.
pub fn select(json: &str, path: &str) -> Result<String, ActionError> {
    let rt = ActionRuntime::new(None);
    let outcome = rt.invoke(
        &action("json-select"),
        &input(&[("json", json), ("path", path)], &[]),
        GAS,
        &mut TestHost::default(),
    )?;
    Ok(out(&outcome, "value").unwrap_or_else(|| panic!("no value in {:?}", outcome.output)))
}

/// Returns the message of a failed action.
pub fn failure(r: Result<impl std::fmt::Debug, ActionError>) -> String {
    match r {
        Err(ActionError::Failed { message, .. }) => message,
        other => panic!("expected a failed action, got {other:?}"),
    }
}

pub fn json(text: &str) -> Value {
    parse_json(text).unwrap()
}
