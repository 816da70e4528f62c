//! Journals: everything needed to re-execute a local run without running anything, and the
//! signed receipts that vouch for each host call.
//!
//! A journal is a directory:
//! - `run.json`: the run's inputs (event, payload, inputs, variables, env, workspace,
//!   repository; secrets only as names and BLAKE3 hashes of their values), the module's content
//!   hash, the jobs' results and the VM's final state hash;
//! - `workflow.yml`: the workflow's source; `module.w3m`: the module that ran;
//! - `actions.bin` (when the workflow uses actions compiled into it): the action files the
//!   compiler read, so that the workflow recompiles to the same module;
//! - `calls.bin`: for each host call in recorded order, the job, the canonical request, the
//!   answer and its receipt. Receipts form a hash chain signed with the executor's ed25519 key.
//!   Requests and answers are what the steps sent and printed, secret values included where a
//!   step used them, so the journal's files are written readable by their owner only.
//!
//! [`replay`] checks the module, the receipts (chain, signatures, request and response hashes)
//! and the secrets given against their hashes, then runs the module with every call answered
//! from the journal: it must make the same requests in the same order and end in the same
//! state hash.

use crate::run::{replay_module, Entry, Report, RunError, RunInputs};
use std::path::{Path, PathBuf};
use w3_host_api::canonical::{encode_call, hash, hex, request_hash, response_hash, Writer};
use w3_host_api::decode::{read_receipt, DecodeError, Reader};
use w3_host_api::receipt::verify_signed_chain;
use w3_host_api::{decode, Answer, Evidence, Receipt, ReceiptChainError};
use w3_isa::VerifiedModule;
use w3_value::Value;

/// The version of the journal's layout.
pub const JOURNAL_VERSION: u32 = 1;
/// Starts `actions.bin`.
const ACTIONS_MAGIC: &[u8; 8] = b"w3acts01";
/// Starts `calls.bin`.
const MAGIC: &[u8; 8] = b"W3JRNL\0\x01";

/// Why a journal could not be written, read or replayed.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{path}: {what}")]
    Corrupt { path: PathBuf, what: String },
    #[error("the module in the journal does not load: {0}")]
    Module(String),
    #[error("receipts: {0}")]
    Receipts(#[from] ReceiptChainError),
    #[error("the receipt of call {0} does not match the call it records")]
    ReceiptMismatch(u64),
    #[error("secret `{0}` is needed to replay: pass it with --secret {0}=VALUE")]
    MissingSecret(String),
    #[error("secret `{0}` has another value than in the recorded run")]
    WrongSecret(String),
    #[error("the replay diverged: {0}")]
    Diverged(#[from] RunError),
    #[error("the replay ended in state {replayed}, the run in {recorded}")]
    StateHash { recorded: String, replayed: String },
}

/// What `run.json` holds.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RunRecord {
    pub version: u32,
    /// The workflow's file name.
    pub workflow: String,
    /// The job selected with `-j`, whose module holds it and the jobs it needs.
    pub job: Option<String>,
    /// The matrix filter given with `--matrix`.
    #[serde(default)]
    pub matrix: Vec<(String, String)>,
    pub event: String,
    pub payload: serde_json::Value,
    pub inputs: Vec<(String, String)>,
    pub vars: Vec<(String, String)>,
    pub env: Vec<(String, String)>,
    /// Each secret's name and the hex BLAKE3 hash of its value.
    pub secrets: Vec<(String, String)>,
    pub workspace: String,
    pub repository: String,
    #[serde(default)]
    pub workflow_name: String,
    #[serde(default)]
    pub sha: String,
    #[serde(default)]
    pub git_ref: String,
    /// The actions directory of the run (`--action-dir`), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actions_dir: Option<String>,
    /// The hex content hash of `module.w3m`.
    pub module_hash: String,
    /// The hex id every receipt of the run carries.
    pub run_id: String,
    /// The hex ed25519 public key that signed the receipts.
    pub executor_key: String,
    pub jobs: Vec<(String, String)>,
    pub calls: usize,
    /// The hex state hash the run ended in.
    pub state_hash: String,
}

/// A journal read back.
#[derive(Debug)]
pub struct Journal {
    pub record: RunRecord,
    pub source: String,
    /// The action files the workflow was compiled with.
    pub actions: w3_compiler::MemoryActionFiles,
    pub module: Vec<u8>,
    pub entries: Vec<Entry>,
    pub receipts: Vec<Receipt>,
}

fn secret_hash(value: &str) -> String {
    hex(&hash("w3/secret/v1", value.as_bytes()))
}

/// Returns the hash a receipt records for an answer: the response's, or for a host error the
/// hash of the whole answer under its own domain.
pub fn answer_hash(a: &Answer) -> [u8; 32] {
    match &a.result {
        Ok(result) => response_hash(result),
        Err(_) => hash("w3/host-error/v1", &decode::encode_answer(a)),
    }
}

/// Returns the id of a run: a hash of the module and the run's inputs, so receipts of one run
/// cannot pass for another's.
fn run_id(module_hash: &[u8; 32], record: &RunRecord) -> [u8; 32] {
    let mut w = Writer::default();
    w.bytes.extend_from_slice(module_hash);
    w.str(&record.workflow);
    w.str(record.job.as_deref().unwrap_or_default());
    w.pairs(&record.matrix);
    w.str(&record.event);
    w.str(&record.payload.to_string());
    for list in [&record.inputs, &record.vars, &record.env, &record.secrets] {
        w.pairs(list);
    }
    w.str(&record.workspace);
    w.str(&record.repository);
    w.str(&record.workflow_name);
    w.str(&record.sha);
    w.str(&record.git_ref);
    if let Some(dir) = &record.actions_dir {
        w.str(dir);
    }
    hash("w3/run/v1", &w.bytes)
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> JournalError + '_ {
    move |source| JournalError::Io { path: path.to_path_buf(), source }
}

/// What a journal records of a finished run: how it was asked for and compiled, and what
/// happened.
#[derive(Clone, Copy)]
pub struct Finished<'a> {
    /// The workflow's file name.
    pub workflow: &'a str,
    pub selection: &'a w3_compiler::Selection<'a>,
    /// The workflow's text, and the action files its compilation read.
    pub source: &'a str,
    pub actions: &'a w3_compiler::MemoryActionFiles,
    pub module: &'a VerifiedModule,
    pub run: &'a RunInputs,
    pub report: &'a Report,
}

/// Writes the journal of `finished` into `dir` (created if needed), signing a receipt per call
/// with `key`. Returns the run's record.
pub fn write(dir: &Path, finished: &Finished<'_>, key: &ed25519_dalek::SigningKey) -> Result<RunRecord, JournalError> {
    let Finished { workflow, selection, source, actions, module, run, report } = *finished;
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let module_hash = module.module().content_hash();
    let mut record = RunRecord {
        version: JOURNAL_VERSION,
        workflow: workflow.to_string(),
        job: selection.job.map(str::to_string),
        matrix: selection.matrix.to_vec(),
        event: run.event.clone(),
        payload: serde_json::Value::from(&run.payload),
        inputs: run.inputs.clone(),
        vars: run.vars.clone(),
        env: run.env.clone(),
        secrets: run.secrets.iter().map(|(k, v)| (k.clone(), secret_hash(v))).collect(),
        workspace: run.workspace.clone(),
        repository: run.repository.clone(),
        workflow_name: run.workflow.clone(),
        sha: run.sha.clone(),
        git_ref: run.git_ref.clone(),
        actions_dir: run.actions_dir.clone(),
        module_hash: hex(&module_hash),
        run_id: String::new(),
        executor_key: hex(&key.verifying_key().to_bytes()),
        jobs: report.jobs.clone(),
        calls: report.journal.len(),
        state_hash: hex(&report.state_hash),
    };
    let id = run_id(&module_hash, &record);
    record.run_id = hex(&id);
    let mut w = Writer::default();
    w.bytes.extend_from_slice(MAGIC);
    w.len(report.journal.len());
    let mut prev = [0u8; 32];
    for e in &report.journal {
        let mut receipt = Receipt {
            version: 1,
            run_id: id,
            job: e.job.clone(),
            step: e.step,
            call_index: e.answer.call_index,
            call_kind: e.call.kind(),
            request_hash: request_hash(&e.call),
            response_hash: answer_hash(&e.answer),
            gas_used: e.answer.gas_used,
            policy: e.policy,
            evidence: Evidence::None,
            executor_key: [0; 32],
            prev_receipt_hash: prev,
            signature: [0; 64],
        };
        receipt.sign(key);
        prev = receipt.hash();
        w.str(&e.job);
        w.bytes(&encode_call(&e.call));
        w.bytes(&decode::encode_answer(&e.answer));
        w.bytes(&receipt.encode());
    }
    let files: [(&str, &[u8]); 3] =
        [("workflow.yml", source.as_bytes()), ("module.w3m", &module.module().encode()), ("calls.bin", &w.bytes)];
    for (name, bytes) in files {
        let path = dir.join(name);
        write_private(&path, bytes)?;
    }
    if !actions.repository.is_empty() || actions.action_dir.is_some() {
        write_private(&dir.join("actions.bin"), &encode_actions(actions))?;
    }
    let path = dir.join("run.json");
    let text = serde_json::to_string_pretty(&record).unwrap_or_default() + "\n";
    std::fs::write(&path, text).map_err(io(&path))?;
    Ok(record)
}

/// Encodes action files: a flag for the actions directory, then each file of the repository
/// and of the actions directory as a path and its bytes.
fn encode_actions(actions: &w3_compiler::MemoryActionFiles) -> Vec<u8> {
    let mut w = Writer::default();
    w.bytes.extend_from_slice(ACTIONS_MAGIC);
    w.bytes.push(u8::from(actions.action_dir.is_some()));
    let empty = std::collections::BTreeMap::new();
    for map in [&actions.repository, actions.action_dir.as_ref().unwrap_or(&empty)] {
        w.len(map.len());
        for (path, bytes) in map {
            w.str(path);
            w.bytes(bytes);
        }
    }
    w.bytes
}

fn decode_actions(bytes: &[u8]) -> Result<w3_compiler::MemoryActionFiles, DecodeError> {
    let body = bytes.strip_prefix(ACTIONS_MAGIC.as_slice()).unwrap_or_default();
    let (&has_dir, body) = body.split_first().unwrap_or((&0, &[]));
    let mut r = Reader::new(body);
    let mut maps = Vec::new();
    for _ in 0..2 {
        let n = r.len(8, "action files")?;
        let mut map = std::collections::BTreeMap::new();
        for _ in 0..n {
            let path = r.str("path")?;
            map.insert(path, r.bytes("file")?);
        }
        maps.push(map);
    }
    r.finish()?;
    let dir = maps.pop().unwrap_or_default();
    let repository = maps.pop().unwrap_or_default();
    Ok(w3_compiler::MemoryActionFiles { repository, action_dir: (has_dir == 1).then_some(dir) })
}

/// Writes a file only its owner can read: requests and answers hold whatever the steps sent
/// and printed, secret values included.
fn write_private(path: &Path, bytes: &[u8]) -> Result<(), JournalError> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file =
        std::fs::OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(path).map_err(io(path))?;
    file.write_all(bytes).map_err(io(path))
}

/// Reads the journal in `dir`.
pub fn read(dir: &Path) -> Result<Journal, JournalError> {
    let read = |name: &str| {
        let path = dir.join(name);
        std::fs::read(&path).map_err(io(&path))
    };
    let corrupt = |name: &str, what: String| JournalError::Corrupt { path: dir.join(name), what };
    let record: RunRecord =
        serde_json::from_slice(&read("run.json")?).map_err(|e| corrupt("run.json", e.to_string()))?;
    if record.version != JOURNAL_VERSION {
        return Err(corrupt("run.json", format!("journal version {} is not {JOURNAL_VERSION}", record.version)));
    }
    let source = String::from_utf8(read("workflow.yml")?).map_err(|_| corrupt("workflow.yml", "not UTF-8".into()))?;
    let module = read("module.w3m")?;
    let bytes = read("calls.bin")?;
    let calls = |e: DecodeError| corrupt("calls.bin", e.to_string());
    let body = bytes.strip_prefix(MAGIC.as_slice()).ok_or_else(|| corrupt("calls.bin", "not a w3 journal".into()))?;
    let mut r = Reader::new(body);
    let n = r.len(16, "calls").map_err(calls)?;
    let (mut entries, mut receipts) = (Vec::with_capacity(n), Vec::with_capacity(n));
    for _ in 0..n {
        let job = r.str("job").map_err(calls)?;
        let call = decode::decode_call(&r.bytes("request").map_err(calls)?).map_err(calls)?;
        let answer = decode::decode_answer(&r.bytes("answer").map_err(calls)?).map_err(calls)?;
        let receipt = r.bytes("receipt").map_err(calls)?;
        let mut rr = Reader::new(&receipt);
        let receipt = read_receipt(&mut rr).map_err(calls)?;
        rr.finish().map_err(calls)?;
        entries.push(Entry { job, step: receipt.step, policy: receipt.policy, call, answer });
        receipts.push(receipt);
    }
    r.finish().map_err(calls)?;
    let actions = match std::fs::read(dir.join("actions.bin")) {
        Ok(bytes) => decode_actions(&bytes).map_err(|e| corrupt("actions.bin", e.to_string()))?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => w3_compiler::MemoryActionFiles::default(),
        Err(e) => return Err(io(&dir.join("actions.bin"))(e)),
    };
    Ok(Journal { record, source, actions, module, entries, receipts })
}

/// What a replay found.
#[derive(Debug)]
pub struct Replayed {
    pub record: RunRecord,
    pub report: Report,
    /// Whether compiling `workflow.yml` again gives the journal's module byte for byte.
    pub recompiles_identically: bool,
}

/// Replays the journal in `dir`: checks the module, the receipts and `secrets` (the run's secret
/// values, which the journal keeps only as hashes), re-executes the run with every call
/// answered from the journal, and compares the final state hash.
pub fn replay(dir: &Path, secrets: &[(String, String)]) -> Result<Replayed, JournalError> {
    let journal = read(dir)?;
    let record = journal.record;
    let module = VerifiedModule::decode(&journal.module).map_err(|e| JournalError::Module(e.to_string()))?;
    let module_hash = module.module().content_hash();
    if hex(&module_hash) != record.module_hash {
        return Err(JournalError::Module(format!(
            "its content hash is {}, the run recorded {}",
            hex(&module_hash),
            record.module_hash
        )));
    }
    verify_signed_chain(&journal.receipts)?;
    let id = hex(&run_id(&module_hash, &record));
    for (r, e) in journal.receipts.iter().zip(&journal.entries) {
        let matches = hex(&r.run_id) == id
            && hex(&r.executor_key) == record.executor_key
            && r.call_index == e.answer.call_index
            && r.call_kind == e.call.kind()
            && r.job == e.job
            && r.request_hash == request_hash(&e.call)
            && r.response_hash == answer_hash(&e.answer)
            && r.gas_used == e.answer.gas_used;
        if !matches {
            return Err(JournalError::ReceiptMismatch(e.answer.call_index));
        }
    }
    if journal.receipts.len() != journal.entries.len() || record.calls != journal.entries.len() {
        return Err(JournalError::Corrupt { path: dir.join("calls.bin"), what: "calls and receipts differ".into() });
    }
    let mut run_secrets = Vec::with_capacity(record.secrets.len());
    for (name, expected) in &record.secrets {
        let value = secrets
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .ok_or_else(|| JournalError::MissingSecret(name.clone()))?;
        if secret_hash(&value) != *expected {
            return Err(JournalError::WrongSecret(name.clone()));
        }
        run_secrets.push((name.clone(), value));
    }
    let run = RunInputs {
        event: record.event.clone(),
        payload: Value::from(record.payload.clone()),
        inputs: record.inputs.clone(),
        secrets: run_secrets,
        vars: record.vars.clone(),
        env: record.env.clone(),
        workspace: record.workspace.clone(),
        repository: record.repository.clone(),
        workflow: record.workflow_name.clone(),
        sha: record.sha.clone(),
        git_ref: record.git_ref.clone(),
        actions_dir: record.actions_dir.clone(),
    };
    let report = replay_module(module.clone(), &run, &journal.entries)?;
    if hex(&report.state_hash) != record.state_hash {
        return Err(JournalError::StateHash { recorded: record.state_hash.clone(), replayed: hex(&report.state_hash) });
    }
    let uses_actions = !journal.actions.repository.is_empty() || journal.actions.action_dir.is_some();
    let selection = w3_compiler::Selection {
        job: record.job.as_deref(),
        matrix: &record.matrix,
        actions: uses_actions.then_some(&journal.actions as &dyn w3_compiler::ActionFiles),
    };
    let recompiled = w3_compiler::compile_selection(&journal.source, &record.workflow, &selection);
    let recompiles_identically = recompiled.is_ok_and(|c| c.module.encode() == journal.module);
    Ok(Replayed { record, report, recompiles_identically })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::{run_module, Executor};
    use w3_host_api::{HostCall, HostError, HostResult, Policy, StepFiles};

    /// Answers shell calls with their command as output, and `v=<n>` as a step output.
    struct Echo(std::sync::atomic::AtomicU32);

    impl Executor for Echo {
        fn execute(&self, _job: &str, call: &HostCall, _gas: u64) -> (Result<HostResult, HostError>, u64) {
            let HostCall::ShellCommand { cmd, .. } = call else {
                return (Err(HostError::Unsupported("test".into())), 5);
            };
            let n = self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
            let files = StepFiles { outputs: vec![("v".into(), n.to_string())], ..StepFiles::default() };
            let result = HostResult::Shell {
                exit_code: 0,
                stdout: cmd.clone().into_bytes(),
                stderr: vec![],
                timed_out: false,
                files,
            };
            (Ok(result), 100)
        }
    }

    const WF: &str = "on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - id: s\n        run: echo ${{ secrets.TOKEN }}\n      - run: echo ${{ steps.s.outputs.v }}\n";

    fn record(dir: &Path) -> Report {
        let compiled = w3_compiler::compile_workflow(WF, "wf.yml").unwrap();
        let module = w3_isa::verify(&compiled.module).unwrap();
        let run = RunInputs { secrets: vec![("TOKEN".into(), "t0k".into())], ..RunInputs::default() };
        let report = run_module(module.clone(), &run, &Echo(Default::default()), 2).unwrap();
        let key = ed25519_dalek::SigningKey::from_bytes(&[5; 32]);
        let actions = w3_compiler::MemoryActionFiles::default();
        let selection = w3_compiler::Selection::default();
        let finished = Finished {
            workflow: "wf.yml",
            selection: &selection,
            source: WF,
            actions: &actions,
            module: &module,
            run: &run,
            report: &report,
        };
        write(dir, &finished, &key).unwrap();
        report
    }

    fn secrets(v: &str) -> Vec<(String, String)> {
        vec![("TOKEN".into(), v.into())]
    }

    #[test]
    fn a_recorded_run_replays_to_the_same_state() {
        let dir = tempfile::tempdir().unwrap();
        let report = record(dir.path());
        assert_eq!(report.journal.len(), 2);
        // Each receipt names the step that made the call and its policy.
        let receipts = read(dir.path()).unwrap().receipts;
        let origins: Vec<(u32, Policy)> = receipts.iter().map(|r| (r.step, r.policy)).collect();
        assert_eq!(origins, [(1, Policy::None), (2, Policy::None)]);
        let replayed = replay(dir.path(), &secrets("t0k")).unwrap();
        assert_eq!(replayed.report.state_hash, report.state_hash);
        assert_eq!(replayed.report.jobs, [("a".to_string(), "success".to_string())]);
        assert!(replayed.recompiles_identically);
        let text = std::fs::read_to_string(dir.path().join("run.json")).unwrap();
        assert!(!text.contains("t0k"), "secret values stay out of run.json: {text}");
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join("calls.bin")).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "calls.bin is the owner's only");
    }

    #[test]
    fn secrets_must_be_given_and_match() {
        let dir = tempfile::tempdir().unwrap();
        record(dir.path());
        assert!(matches!(replay(dir.path(), &[]), Err(JournalError::MissingSecret(s)) if s == "TOKEN"));
        assert!(matches!(replay(dir.path(), &secrets("other")), Err(JournalError::WrongSecret(_))));
    }

    #[test]
    fn tampering_is_detected() {
        let dir = tempfile::tempdir().unwrap();
        record(dir.path());
        let calls = dir.path().join("calls.bin");
        let original = std::fs::read(&calls).unwrap();
        // Change the first step's recorded output: the receipt no longer matches the answer.
        let at = original.windows(3).position(|w| w == b"t0k").unwrap();
        let mut bytes = original.clone();
        bytes[at] = b'T';
        std::fs::write(&calls, &bytes).unwrap();
        let err = replay(dir.path(), &secrets("t0k")).unwrap_err();
        assert!(matches!(err, JournalError::ReceiptMismatch(0)), "{err}");
        // Truncation is corruption, reported with the file.
        std::fs::write(&calls, &original[..original.len() - 3]).unwrap();
        let err = replay(dir.path(), &secrets("t0k")).unwrap_err();
        assert!(err.to_string().contains("calls.bin"), "{err}");
        // A different recorded end state is a divergence.
        std::fs::write(&calls, &original).unwrap();
        let path = dir.path().join("run.json");
        let text = std::fs::read_to_string(&path).unwrap();
        let mut rec: RunRecord = serde_json::from_str(&text).unwrap();
        rec.state_hash = "00".repeat(32);
        std::fs::write(&path, serde_json::to_string(&rec).unwrap()).unwrap();
        assert!(matches!(replay(dir.path(), &secrets("t0k")), Err(JournalError::StateHash { .. })));
        // Changing the event changes the run id the receipts were signed for.
        rec.event = "pull_request".into();
        std::fs::write(&path, serde_json::to_string(&rec).unwrap()).unwrap();
        assert!(matches!(replay(dir.path(), &secrets("t0k")), Err(JournalError::ReceiptMismatch(0))));
    }
}
