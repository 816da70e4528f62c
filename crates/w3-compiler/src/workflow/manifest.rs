//! The manifest: what a node needs to know about a module without running it — triggers (cron
//! normalized), jobs and their graph, every step's verification policy, the capabilities the
//! workflow uses, and the static gas bound. It is embedded in the module as canonical JSON
//! text (keys in a fixed order) and printed by `w3 compile --manifest` with the module's
//! content hash added.

use super::action::{ActionFile, Resolved};
use super::policy_of;
use serde_json::{json, Map, Value as Json};
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;
use w3_dsl::ast::{Event, ExprOr, Job, Step, StepKind, Workflow};
use w3_isa::{Module, VerifiedModule};

/// What the compiler learnt about the actions the workflow uses.
pub(crate) struct ActionsUsed<'a> {
    /// Each `uses:` value: the action compiled into the module, or `None` (left to the host).
    pub resolved: &'a BTreeMap<String, Option<Rc<Resolved>>>,
    /// The files those actions brought in, with their hashes.
    pub files: &'a BTreeSet<ActionFile>,
    /// The `uses:` values left to the host (`githubAction` calls), nested ones included.
    pub host: &'a BTreeSet<String>,
    /// Whether a compiled action runs shell commands.
    pub shell: bool,
    /// Whether actions were resolved at all (an `ActionFiles` was given).
    pub active: bool,
}

/// The manifest of a compiled workflow.
#[derive(Clone, Debug, PartialEq)]
pub struct Manifest {
    json: Map<String, Json>,
}

/// Writes a cron spec in one normal form: single spaces, month and weekday names in lower case.
pub fn normalize_cron(spec: &str) -> String {
    spec.split_whitespace().map(str::to_ascii_lowercase).collect::<Vec<_>>().join(" ")
}

fn triggers(wf: &Workflow) -> Json {
    let list: Vec<Json> = wf
        .on
        .iter()
        .map(|e| match e {
            Event::Webhook(w) => {
                let mut o = Map::new();
                o.insert("event".into(), json!(w.name.value));
                if let Some(t) = &w.types {
                    o.insert("types".into(), json!(t.items.iter().map(|s| &s.value).collect::<Vec<_>>()));
                }
                for f in &w.filters {
                    o.insert(f.name.value.clone(), json!(f.values.items.iter().map(|s| &s.value).collect::<Vec<_>>()));
                }
                Json::Object(o)
            }
            Event::Schedule(s) => json!({
                "event": "schedule",
                "cron": s.crons.iter().map(|c| normalize_cron(&c.cron.value)).collect::<Vec<_>>(),
                "timezones": s.crons.iter().map(|c| c.timezone.as_ref().map_or("UTC", |t| t.value.as_str())).collect::<Vec<_>>(),
            }),
            Event::WorkflowDispatch(d) => json!({
                "event": "workflow_dispatch",
                "inputs": d.inputs.iter().map(|i| &i.id.value).collect::<Vec<_>>(),
            }),
            Event::WorkflowCall(c) => json!({
                "event": "workflow_call",
                "inputs": c.inputs.iter().map(|i| &i.id.value).collect::<Vec<_>>(),
                "outputs": c.outputs.iter().map(|o| &o.id.value).collect::<Vec<_>>(),
                "secrets": c.secrets.iter().map(|s| &s.id.value).collect::<Vec<_>>(),
            }),
        })
        .collect();
    Json::Array(list)
}

/// Returns the manifest entry of step `index` of `job`: a background step says so, and a
/// `parallel` group lists its steps.
fn step_entry(wf: &Workflow, job: &Job, index: usize, step: &Step, used: &ActionsUsed<'_>) -> Json {
    let compiled = |uses: &str| used.resolved.get(uses).and_then(Option::as_ref).map(|r| r.using() == "composite");
    let (kind, uses) = match &step.kind {
        StepKind::Run { .. } => ("run", None),
        StepKind::Uses { uses, .. } if uses.value.starts_with("w3/") => ("smart-action", Some(&uses.value)),
        StepKind::Uses { uses, .. } if compiled(&uses.value) == Some(true) => ("composite-action", Some(&uses.value)),
        StepKind::Uses { uses, .. } if compiled(&uses.value) == Some(false) => ("javascript-action", Some(&uses.value)),
        StepKind::Uses { uses, .. } => ("github-action", Some(&uses.value)),
        _ => ("control", None),
    };
    let replicas = [step.verification.as_ref(), job.verification.as_ref(), wf.verification.as_ref()]
        .into_iter()
        .flatten()
        .find_map(|v| v.replicas.as_ref().and_then(ExprOr::literal).copied());
    let mut entry = json!({
        "index": index,
        "id": step.id.as_ref().map(|s| &s.value),
        "name": step.name.as_ref().map(|s| &s.value),
        "kind": kind,
        "uses": uses,
        "verification": policy_of(wf, job, step),
        "replicas": replicas,
    });
    if let Json::Object(o) = &mut entry {
        if step.background.as_ref().and_then(ExprOr::literal).copied().unwrap_or(false) {
            o.insert("background".into(), json!(true));
        }
        if let StepKind::Parallel { steps } = &step.kind {
            let nested: Vec<Json> = steps.iter().enumerate().map(|(i, s)| step_entry(wf, job, i, s, used)).collect();
            o.insert("steps".into(), Json::Array(nested));
        }
    }
    entry
}

fn jobs(wf: &Workflow, legs: &[usize], used: &ActionsUsed<'_>) -> Json {
    let list: Vec<Json> = wf
        .jobs
        .iter()
        .zip(legs)
        .map(|(job, n)| {
            let steps: Vec<Json> = job.steps.iter().enumerate().map(|(i, step)| step_entry(wf, job, i, step, used)).collect();
            json!({
                "id": job.id.value,
                "needs": job.needs.iter().map(|n| &n.value).collect::<Vec<_>>(),
                "runsOn": job.runs_on.as_ref().map(|r| r.labels().iter().map(|l| &l.value).collect::<Vec<_>>()),
                "legs": n,
                "dynamicMatrix": job.strategy.as_ref().and_then(|s| s.matrix.as_ref()).is_some_and(|m| crate::matrix::expand(m).is_err()),
                "steps": steps,
            })
        })
        .collect();
    Json::Array(list)
}

fn capabilities(wf: &Workflow, used: &ActionsUsed<'_>) -> Json {
    let mut http: Vec<&str> = Vec::new();
    let mut storage: Vec<&str> = Vec::new();
    let mut network = false;
    for caps in std::iter::once(wf.w3.as_ref()).chain(wf.jobs.iter().map(|j| j.w3.as_ref())).flatten() {
        http.extend(caps.http.iter().flat_map(|s| &s.items).map(|s| s.value.as_str()));
        storage.extend(caps.storage.iter().flat_map(|s| &s.items).map(|s| s.value.as_str()));
        network |= caps.network.as_ref().and_then(ExprOr::literal).copied().unwrap_or(false);
    }
    http.sort_unstable();
    http.dedup();
    storage.sort_unstable();
    storage.dedup();
    let steps = wf.jobs.iter().flat_map(super::work_steps);
    let shell = used.shell || steps.clone().any(|s| matches!(s.kind, StepKind::Run { .. }));
    let mut actions: Vec<&str> = Vec::new();
    let mut github_actions: Vec<&str> = Vec::new();
    for s in steps {
        if let StepKind::Uses { uses, .. } = &s.kind {
            if uses.value.starts_with("w3/") {
                actions.push(&uses.value);
            } else {
                github_actions.push(&uses.value);
            }
        }
    }
    actions.sort_unstable();
    actions.dedup();
    if used.active {
        github_actions = used.host.iter().map(String::as_str).collect();
    }
    github_actions.sort_unstable();
    github_actions.dedup();
    json!({
        "shell": shell,
        "network": network,
        "http": http,
        "storage": storage,
        "actions": actions,
        "githubActions": github_actions,
    })
}

impl Manifest {
    /// Builds the manifest of `wf`, whose jobs start `legs[i]` legs each.
    pub(crate) fn new(wf: &Workflow, legs: &[usize], used: &ActionsUsed<'_>) -> Self {
        let mut json = Map::new();
        json.insert("format".into(), json!(1));
        json.insert("name".into(), json!(wf.name.as_ref().map(|n| &n.value)));
        json.insert("triggers".into(), triggers(wf));
        json.insert("jobs".into(), jobs(wf, legs, used));
        json.insert("capabilities".into(), capabilities(wf, used));
        if !used.files.is_empty() {
            // The action files compiled into the module: their hashes make the content hash
            // change with them, even where the code does not.
            let files: Vec<Json> = used
                .files
                .iter()
                .map(|f| json!({"uses": f.uses, "using": f.using, "file": f.file, "hash": f.hash}))
                .collect();
            json.insert("actionFiles".into(), Json::Array(files));
        }
        let budget = wf.w3.as_ref().and_then(|c| c.gas.as_ref()).and_then(ExprOr::literal).map(|g| *g as u64);
        json.insert("hostGasBudget".into(), json!(budget));
        Self { json }
    }

    /// Returns the manifest as canonical JSON text (the bytes embedded in the module).
    pub fn to_json(&self) -> String {
        serde_json::to_string(&self.json).unwrap_or_default()
    }

    /// Returns the manifest with what only the finished module can tell: its content hash and
    /// the static gas bound of its code.
    pub fn with_module(mut self, wf: &Workflow, module: &Module, verified: &VerifiedModule, legs: &[usize]) -> Self {
        let ids: Vec<&str> = wf.jobs.iter().map(|j| j.id.value.as_str()).collect();
        self.json.insert("vmGasBound".into(), json!(static_gas_bound(verified, &ids, legs)));
        self.json.insert("contentHash".into(), json!(format!("blake3:{}", hex(&module.content_hash()))));
        self
    }

    /// Returns the manifest as pretty JSON for people.
    pub fn to_pretty_json(&self) -> String {
        serde_json::to_string_pretty(&self.json).unwrap_or_default()
    }

    /// Returns the workflow's `name:`, if it has one.
    pub fn name(&self) -> Option<&str> {
        self.json.get("name").and_then(Json::as_str)
    }

    /// Reports whether event `event` (such as `push`) triggers the workflow.
    pub fn triggered_by(&self, event: &str) -> bool {
        let triggers = self.json.get("triggers").and_then(Json::as_array);
        triggers.is_some_and(|t| t.iter().any(|e| e.get("event").and_then(Json::as_str) == Some(event)))
    }

    /// Returns the static bound of VM gas, if computed.
    pub fn vm_gas_bound(&self) -> Option<u64> {
        self.json.get("vmGasBound").and_then(Json::as_u64)
    }
}

/// Returns an upper bound of the VM gas one run can use (host calls excluded): compiled code
/// has no backward jumps and every call is to a step function called once per leg, so each
/// instruction runs at most once per invocation of its function; the workflow function runs
/// once, each job function once, and each leg and step function once per leg. Per-byte charges are bounded by the value-size limit per per-byte
/// instruction.
pub fn static_gas_bound(verified: &VerifiedModule, job_ids: &[&str], legs: &[usize]) -> u64 {
    let schedule = verified.gas_schedule().clone();
    let job_ids: std::collections::HashMap<&str, usize> = job_ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
    let module = verified.module();
    let mut total: u64 = 0;
    // What one per-byte instruction can cost: no value it reads or makes exceeds the memory limit.
    let per_byte_op = (w3_value::DEFAULT_MAX_MEMORY as u64).saturating_mul(u64::from(schedule.per_byte));
    for (i, f) in verified.functions().iter().enumerate() {
        let runs = job_runs(module, i, &job_ids, legs);
        total = total.saturating_add(function_bound(f, per_byte_op).saturating_mul(runs));
    }
    total
}

/// Returns the most gas one invocation of `f` can use: the costliest path through its blocks
/// (each block's gas, and `per_byte_op` for each per-byte instruction in it). Compiled code
/// only jumps forward, so the blocks form a DAG walked once from the last; a backward edge
/// (never emitted, but a module could have one) falls back to the sum of every block.
fn function_bound(f: &w3_isa::VerifiedFunction, per_byte_op: u64) -> u64 {
    let blocks = f.blocks();
    let cost = |b: &w3_isa::BasicBlock| {
        let per_byte = f.block_instructions(b).iter().filter(|i| i.op.opcode().info().per_byte).count() as u64;
        b.gas.saturating_add(per_byte.saturating_mul(per_byte_op))
    };
    let mut best = vec![0u64; blocks.len()];
    for (n, block) in blocks.iter().enumerate().rev() {
        let Some(last) = f.block_instructions(block).last() else { continue };
        let info = last.op.opcode().info();
        let mut successors: Vec<usize> = last.op.target().and_then(|t| f.block_at(t.0)).into_iter().collect();
        if !info.terminator && n + 1 < blocks.len() {
            successors.push(n + 1);
        }
        if successors.iter().any(|&s| s <= n) {
            return blocks.iter().map(cost).fold(0, u64::saturating_add);
        }
        let next = successors.iter().map(|&s| best[s]).max().unwrap_or(0);
        best[n] = cost(block).saturating_add(next);
    }
    best.first().copied().unwrap_or(0)
}

/// Returns how often function `i` runs: the job function (`job X`) once, the leg function
/// (`job X leg`) and step functions (`job X step N`, `job X step N background`) once per leg
/// of job `X`.
fn job_runs(module: &Module, i: usize, job_ids: &std::collections::HashMap<&str, usize>, legs: &[usize]) -> u64 {
    let name = module.string(module.functions[i].name).unwrap_or_default();
    let rest = name.strip_prefix("job ").unwrap_or(name);
    let (id, part) = rest.split_once(' ').unwrap_or((rest, ""));
    if part.is_empty() {
        return 1;
    }
    job_ids.get(id).and_then(|k| legs.get(*k)).map_or(1, |n| *n as u64)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bound_follows_the_costliest_path_not_every_block() {
        // Each step's `if:` chooses between running and skipping: the paths exclude each other.
        let src = "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - if: github.ref == 'refs/heads/main'\n        run: echo main\n      - if: failure()\n        run: echo failed\n";
        let compiled = crate::compile_workflow(src, "w.yml").unwrap();
        let verified = w3_isa::verify(&compiled.module).unwrap();
        let per_byte =
            (w3_value::DEFAULT_MAX_MEMORY as u64).saturating_mul(u64::from(verified.gas_schedule().per_byte));
        let mut some_branching = false;
        for f in verified.functions() {
            let every_block: u64 = f
                .blocks()
                .iter()
                .map(|b| {
                    let n = f.block_instructions(b).iter().filter(|i| i.op.opcode().info().per_byte).count() as u64;
                    b.gas + n * per_byte
                })
                .sum();
            let bound = function_bound(f, per_byte);
            assert!(bound <= every_block);
            let entry = f.blocks().first().map_or(0, |b| b.gas);
            assert!(bound >= entry);
            some_branching |= bound < every_block;
        }
        assert!(some_branching, "a function with exclusive branches is bounded below the sum of its blocks");
        assert_eq!(compiled.manifest.vm_gas_bound(), Some(static_gas_bound(&verified, &["a"], &[1])));
    }
}
