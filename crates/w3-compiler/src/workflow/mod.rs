//! Compiles a whole workflow: one `workflow` function that starts every job as a fiber in
//! `needs` order, one function per job that joins what it needs and starts its matrix legs,
//! and one leg function per job that runs the steps. Every step's work is a `HostCall`.

mod action;
mod job;
mod manifest;
mod template;

pub use action::{remote_dir, ActionFiles, MemoryActionFiles, ACTIONS_CONTEXT, MAX_ACTION_DEPTH};
pub use manifest::Manifest;

use crate::error::CompileError;
use crate::COMPILER;
use w3_dsl::ast::{self, Job, Step, StepKind, Workflow};
use w3_dsl::expr::{FunctionSig, ParseOptions, WORKFLOW_CONTEXTS};
use w3_dsl::Severity;
use w3_isa::{FuncId, FunctionBuilder, FunctionKind, Module, ModuleBuilder, Op, Reg, StrId};

/// Code generation state for one workflow.
pub(crate) struct Gen<'a> {
    pub m: ModuleBuilder,
    pub file: StrId,
    pub options: ParseOptions,
    pub wf: &'a Workflow,
    /// The jobs by id, built once: workflows may have thousands of jobs.
    pub index: w3_dsl::ast::JobIndex,
    /// The matrix combinations to keep (`w3 run --matrix K:V`); empty keeps all.
    pub matrix_filter: &'a [(String, String)],
    /// Where actions are read; `None` leaves every `uses:` to the host.
    pub actions: Option<&'a dyn ActionFiles>,
    /// Each `uses:` value resolved so far: the action, or `None` when it stays a host call.
    pub resolved: std::collections::BTreeMap<String, Option<std::rc::Rc<action::Resolved>>>,
    /// The files the resolved actions brought in, for the manifest.
    pub action_files: std::collections::BTreeSet<action::ActionFile>,
    /// The actions being compiled, outermost first (composite actions using others).
    pub scope: Vec<std::rc::Rc<action::Resolved>>,
    /// The `uses:` values left to the host (`githubAction` calls), for the manifest.
    pub host_actions: std::collections::BTreeSet<String>,
    /// Whether a resolved action runs shell commands.
    pub action_shell: bool,
    /// Every action file read, as read: what recompiling needs (a journal keeps it).
    pub read: MemoryActionFiles,
    /// The `post:` scripts of the JavaScript actions of the leg being compiled, to run when its
    /// steps end (a stack, one list per leg).
    pub posts: Vec<Vec<job::Post>>,
    /// Which part of a JavaScript action the step being compiled runs.
    pub phase: job::Phase,
    /// The step whose request is being built: its position in the job (from 1) and its
    /// verification policy, which every request names for its receipt.
    pub origin: (u32, &'static str),
}

/// What part of a workflow to compile (what `w3 run -j JOB --matrix K:V` runs).
#[derive(Clone, Debug, Default)]
pub struct Selection<'a> {
    /// Only this job and the jobs it needs, directly or through others.
    pub job: Option<&'a str>,
    /// Only the matrix combinations whose value of each key named here is one of the values
    /// given for it (as text); combinations without the key are kept, as act keeps them.
    pub matrix: &'a [(String, String)],
    /// Where local actions (`uses: ./path`) and those of an actions directory are read, to be
    /// compiled into the module. `None` leaves every `uses:` to the executor at run time.
    pub actions: Option<&'a dyn ActionFiles>,
}

/// Reports whether matrix combination `combo` passes `filter` (see [`Selection::matrix`]).
pub(crate) fn keep_combination(filter: &[(String, String)], combo: &w3_value::Value) -> bool {
    let Some(o) = combo.as_object() else { return true };
    let mut keys: Vec<&str> = filter.iter().map(|(k, _)| k.as_str()).collect();
    keys.dedup();
    keys.iter().all(|key| match o.get(key) {
        None => true,
        Some(v) => filter.iter().any(|(k, want)| k == key && v.to_str() == want.as_str()),
    })
}

/// A compiled workflow: the module (its manifest embedded) and the manifest.
pub struct Compiled {
    pub module: Module,
    pub manifest: Manifest,
    /// The action files the compilation read (empty without [`Selection::actions`]): given
    /// back as [`Selection::actions`], they compile the workflow to the same module.
    pub action_files: MemoryActionFiles,
}

/// The verification policy of a step: the innermost `verification:`, else `none`.
pub fn policy_of<'a>(wf: &'a Workflow, job: &'a Job, step: &'a Step) -> &'a str {
    [step.verification.as_ref(), job.verification.as_ref(), wf.verification.as_ref()]
        .into_iter()
        .flatten()
        .find_map(|v| v.policy.as_ref())
        .map_or("none", |p| p.value.as_str())
}

/// Returns every step of `job` that does work, in order: its steps, and those of its `parallel`
/// groups in their place.
pub fn work_steps(job: &Job) -> impl Iterator<Item = &Step> + Clone {
    job.steps.iter().flat_map(|s| match &s.kind {
        StepKind::Parallel { steps } => steps.iter().collect::<Vec<_>>(),
        _ => vec![s],
    })
}

/// Returns the jobs in an order where every job comes after the jobs it needs (a depth-first
/// post-order that visits jobs in source order, so the order is deterministic), or the job
/// where a cycle was found.
fn job_order(wf: &Workflow) -> Result<Vec<usize>, &Job> {
    let index = wf.job_index();
    let edges: Vec<Vec<usize>> =
        wf.jobs.iter().map(|j| j.needs.iter().filter_map(|n| index.get(&n.value)).collect()).collect();
    // 0 unvisited, 1 on the stack, 2 placed.
    let mut state = vec![0u8; wf.jobs.len()];
    let mut order = Vec::with_capacity(wf.jobs.len());
    for start in 0..wf.jobs.len() {
        if state[start] != 0 {
            continue;
        }
        let mut stack = vec![(start, 0usize)];
        state[start] = 1;
        while let Some((node, next)) = stack.last_mut() {
            let node = *node;
            match edges[node].get(*next) {
                Some(&to) => {
                    *next += 1;
                    match state[to] {
                        0 => {
                            state[to] = 1;
                            stack.push((to, 0));
                        }
                        1 => return Err(&wf.jobs[to]),
                        _ => {}
                    }
                }
                None => {
                    state[node] = 2;
                    order.push(node);
                    stack.pop();
                }
            }
        }
    }
    Ok(order)
}

/// Rejects what the chosen verification policies forbid: under `onchain` every validator
/// re-executes the step, so it must not run a shell or a GitHub action.
fn check_policies(wf: &Workflow) -> Result<(), CompileError> {
    for job in &wf.jobs {
        for step in work_steps(job) {
            if policy_of(wf, job, step) != "onchain" {
                continue;
            }
            let what = match &step.kind {
                StepKind::Run { .. } => "runs a shell command",
                StepKind::Uses { uses, .. } if !uses.value.starts_with("w3/") => "runs a GitHub action",
                _ => continue,
            };
            return Err(CompileError::at(step.pos, format!("this step {what}, which validators cannot re-execute deterministically, but its verification policy is \"onchain\"; declare `verification: tee` or `verification: shadow` on the step")));
        }
    }
    Ok(())
}

/// Compiles the workflow in `source` (named `file` in positions and the debug map).
pub fn compile_workflow(source: &str, file: &str) -> Result<Compiled, CompileError> {
    compile_selection(source, file, &Selection::default())
}

/// Compiles the workflow in `source` with only job `job` and the jobs it needs, directly or
/// through others (what `w3 run -j` runs).
pub fn compile_job(source: &str, file: &str, job: &str) -> Result<Compiled, CompileError> {
    compile_selection(source, file, &Selection { job: Some(job), ..Selection::default() })
}

/// Keeps `job` and the jobs it needs, transitively.
fn select(wf: &mut Workflow, job: &str) -> Result<(), CompileError> {
    let index = wf.job_index();
    let Some(start) = index.get(job) else {
        let known: Vec<&str> = wf.jobs.iter().map(|j| j.id.value.as_str()).collect();
        return Err(CompileError::at(
            wf.jobs_pos.unwrap_or_default(),
            format!("there is no job \"{job}\"; the jobs are {}", known.join(", ")),
        ));
    };
    let mut keep = vec![false; wf.jobs.len()];
    let mut todo = vec![start];
    while let Some(i) = todo.pop() {
        if !std::mem::replace(&mut keep[i], true) {
            todo.extend(wf.jobs[i].needs.iter().filter_map(|n| index.get(&n.value)));
        }
    }
    let mut i = 0;
    wf.jobs.retain(|_| {
        i += 1;
        keep[i - 1]
    });
    Ok(())
}

/// Compiles the part of the workflow in `source` that `selection` names.
pub fn compile_selection(source: &str, file: &str, selection: &Selection<'_>) -> Result<Compiled, CompileError> {
    let job = selection.job;
    let parsed = ast::parse(source);
    let errors: Vec<_> = parsed.diagnostics.into_iter().filter(|d| d.severity == Severity::Error).collect();
    let mut wf = match parsed.workflow {
        Some(wf) if errors.is_empty() => wf,
        _ => return Err(CompileError::Invalid(errors)),
    };
    if let Some(job) = job {
        select(&mut wf, job)?;
    }
    if wf.jobs.is_empty() {
        return Err(CompileError::at(wf.jobs_pos.unwrap_or_default(), "the workflow has no jobs"));
    }
    check_policies(&wf)?;
    let order = job_order(&wf)
        .map_err(|j| CompileError::at(j.id.pos, format!("the jobs' needs form a cycle through \"{}\"", j.id.value)))?;
    let mut m = ModuleBuilder::new(COMPILER);
    let file = m.string(file);
    let options = ParseOptions::new()
        .named_values(WORKFLOW_CONTEXTS)
        .functions(FunctionSig::status_functions())
        .function(FunctionSig::hash_files());
    let mut g = Gen {
        m,
        file,
        options,
        wf: &wf,
        index: wf.job_index(),
        matrix_filter: selection.matrix,
        actions: selection.actions,
        resolved: Default::default(),
        action_files: Default::default(),
        scope: Vec::new(),
        host_actions: Default::default(),
        action_shell: false,
        read: MemoryActionFiles {
            repository: Default::default(),
            action_dir: selection.actions.and_then(|a| a.action_dir()).map(|_| Default::default()),
        },
        posts: Vec::new(),
        phase: job::Phase::Main,
        origin: (0, "none"),
    };
    let main = g.m.declare("workflow", FunctionKind::Workflow, 0);
    let mut ids = Vec::with_capacity(wf.jobs.len());
    for job in &wf.jobs {
        let job_fn = g.m.declare(&format!("job {}", job.id.value), FunctionKind::Job, 1);
        let leg_fn = g.m.declare(&format!("job {} leg", job.id.value), FunctionKind::Job, 1);
        ids.push((job_fn, leg_fn));
    }
    for (job, (job_fn, leg_fn)) in wf.jobs.iter().zip(&ids) {
        let body = g.job_function(&wf, job, *leg_fn)?;
        g.m.define(*job_fn, body)?;
        let body = g.leg_function(&wf, job)?;
        g.m.define(*leg_fn, body)?;
    }
    let body = g.workflow_function(&order, &ids)?;
    g.m.define(main, body)?;
    let counts: Vec<usize> = wf.jobs.iter().map(|j| legs(j, selection.matrix)).collect();
    let used = manifest::ActionsUsed {
        resolved: &g.resolved,
        files: &g.action_files,
        host: &g.host_actions,
        shell: g.action_shell,
        active: g.actions.is_some(),
    };
    let manifest = Manifest::new(&wf, &counts, &used);
    g.m.set_manifest(manifest.to_json().into_bytes());
    let module = g.m.finish()?;
    let verified = w3_isa::verify(&module).map_err(|e| CompileError::Internal(e.to_string()))?;
    let manifest = manifest.with_module(&wf, &module, &verified, &counts);
    Ok(Compiled { module, manifest, action_files: g.read })
}

/// Returns how many legs `job` starts at most: its matrix combinations, one without a matrix,
/// and GitHub's limit for a matrix computed at run time.
fn legs(job: &Job, filter: &[(String, String)]) -> usize {
    match job.strategy.as_ref().and_then(|s| s.matrix.as_ref()) {
        None => 1,
        Some(m) => crate::matrix::expand(m).map_or(crate::matrix::MAX_COMBINATIONS, |c| {
            c.iter().filter(|combo| keep_combination(filter, combo)).count()
        }),
    }
}

impl Gen<'_> {
    /// Emits `dst = "text"`.
    pub(crate) fn load_text(&mut self, f: &mut FunctionBuilder, dst: w3_isa::Reg, text: &str) {
        let k = self.m.string_constant(text);
        f.emit(Op::LoadConst { dst, k });
    }

    /// Compiles the entry point: starts each job (in `needs` order, handing it the fibers of
    /// the jobs it needs), then joins them all and returns `{jobs: {id: {result, outputs}}}`.
    fn workflow_function(
        &mut self,
        order: &[usize],
        ids: &[(FuncId, FuncId)],
    ) -> Result<FunctionBuilder, CompileError> {
        let wf = self.wf;
        let n = u16::try_from(wf.jobs.len()).map_err(|_| CompileError::TooLarge("the number of jobs"))?;
        let mut f = FunctionBuilder::new(0);
        let handles = f.regs(n);
        let (arg, t) = (f.reg(), f.reg());
        let key = self.m.string_constant("w3.needs");
        for &i in order {
            let job = &wf.jobs[i];
            let needs: Vec<usize> = job.needs.iter().filter_map(|need| self.index.get(&need.value)).collect();
            let pairs = u16::try_from(needs.len()).map_err(|_| CompileError::TooLarge("needs"))?;
            let first = f.regs((pairs * 2).max(1));
            for (p, &k) in needs.iter().enumerate() {
                let name = self.m.string_constant(&wf.jobs[k].id.value);
                f.emit(Op::LoadConst { dst: Reg(first.0 + 2 * p as u16), k: name });
                f.emit(Op::Move { dst: Reg(first.0 + 2 * p as u16 + 1), src: Reg(handles.0 + k as u16) });
            }
            f.emit(Op::MakeObject { dst: t, first, count: w3_isa::Imm16(pairs) });
            f.emit(Op::LoadConst { dst: arg, k: key });
            f.emit(Op::MakeObject { dst: arg, first: arg, count: w3_isa::Imm16(1) });
            // `arg` and `t` are consecutive: the object {"w3.needs": t}.
            f.emit(Op::Spawn { dst: Reg(handles.0 + i as u16), func: ids[i].0, arg });
        }
        let first = f.regs(n * 2);
        for (i, job) in wf.jobs.iter().enumerate() {
            let k = self.m.string_constant(&job.id.value);
            f.emit(Op::LoadConst { dst: Reg(first.0 + 2 * i as u16), k });
            let dst = Reg(first.0 + 2 * i as u16 + 1);
            f.emit(Op::Join { dst, fiber: Reg(handles.0 + i as u16) });
            let result = self.m.string("result");
            f.emit(Op::GetProp { dst, obj: dst, name: result });
        }
        f.emit(Op::MakeObject { dst: t, first, count: w3_isa::Imm16(n) });
        f.emit(Op::Return { src: t });
        Ok(f)
    }
}
