//! Background steps: `background: true`, `wait`, `wait-all` and `parallel` (`cancel` is refused).
//!
//! A background step's expressions (`if:`, `env:`, the request) are evaluated by the leg when
//! the step starts, as for any step; its host call is made by a fiber of its own (`Spawn` of the
//! step's `background` function), whose handle the leg keeps in a register. Waiting for it
//! `Join`s that fiber and records the step in the leg: `StepBegin`, its outputs, `StepEnd`, then
//! what it wrote to `$GITHUB_ENV` and `$GITHUB_PATH`. So `steps.<id>`, `success()`, the job's
//! status and the env change at the wait, as on GitHub, whose runner defers a background step's
//! outputs, env, path and outcome until it is waited for.
//!
//! Control steps take no `if:`, so which background steps a `wait` or `wait-all` waits for is
//! known when compiling: each is waited for once, by the first wait that names it, and the job
//! waits for the ones still running when its last step is done (GitHub's runner does the same
//! at the end of the job, and their failures fail the job).

use super::{outputs_field, ObjectBuilder};
use crate::error::CompileError;
use crate::workflow::Gen;
use w3_dsl::ast::{ExprOr, Job, Step, StepKind, Workflow};
use w3_dsl::Pos;
use w3_isa::{FunctionBuilder, FunctionKind, HostKind, Op, Reg};

/// The key of the object a background fiber is spawned with: its request. As a context name it
/// has a dot, so expressions cannot name it.
const REQUEST: &str = "w3.request";

/// `TypeOf`'s kind of a string.
const STRING_KIND: f64 = 3.0;

/// A background step the leg started and has not waited for yet.
struct Started<'s> {
    step: &'s Step,
    kind: HostKind,
    /// The fiber's handle, or the outcome decided when the step started: `skipped` (its `if:`
    /// was false) or `failure` (one of its expressions failed).
    slot: Reg,
}

/// Returns whether `step` runs in the background.
fn is_background(step: &Step) -> Result<bool, CompileError> {
    match &step.background {
        None => Ok(false),
        Some(ExprOr::Lit { value, .. }) => Ok(*value),
        Some(ExprOr::Expr(e)) => {
            Err(CompileError::at(e.pos, "`background` must be `true` or `false`, not an expression"))
        }
    }
}

/// Rejects what a control step (`wait`, `wait-all`, `parallel`) may have but is not supported.
fn check_control(step: &Step, what: &str) -> Result<(), CompileError> {
    let unsupported = [
        (step.if_cond.as_ref().map(|s| s.pos), "if"),
        (step.continue_on_error.as_ref().map(ExprOr::pos), "continue-on-error"),
        (step.timeout_minutes.as_ref().map(ExprOr::pos), "timeout-minutes"),
    ];
    match unsupported.into_iter().find_map(|(pos, key)| pos.map(|p| (p, key))) {
        Some((pos, key)) => Err(CompileError::at(
            pos,
            format!("`{key}` on a `{what}` step is not supported yet: which background steps a wait waits for is decided when compiling"),
        )),
        None => Ok(()),
    }
}

impl Gen<'_> {
    /// Compiles the steps of `job` into the leg `f`, background steps and their waits included.
    pub(super) fn steps(&mut self, f: &mut FunctionBuilder, wf: &Workflow, job: &Job) -> Result<(), CompileError> {
        // `pre:` of the JavaScript actions the job uses run first.
        self.run_pres(f, wf, job, "", &job.steps)?;
        self.posts.push(Vec::new());
        let mut pending: Vec<Started<'_>> = Vec::new();
        let mut started: Vec<&str> = Vec::new();
        for (i, step) in job.steps.iter().enumerate() {
            let label = (i + 1).to_string();
            match &step.kind {
                StepKind::Run { .. } | StepKind::Uses { .. } if is_background(step)? => {
                    self.refuse_background_action(step)?;
                    started.extend(step.id.as_ref().map(|s| s.value.as_str()));
                    pending.push(self.start(f, wf, job, &label, step)?);
                }
                StepKind::Wait { ids } => {
                    check_control(step, "wait")?;
                    for id in ids {
                        let at = pending.iter().position(|s| s.step.id.as_ref().is_some_and(|s| s.value == id.value));
                        match at {
                            Some(k) => {
                                let s = pending.remove(k);
                                self.finish(f, &s, step.pos)?;
                            }
                            // Waited for already: nothing left to wait for.
                            None if started.contains(&id.value.as_str()) => {}
                            None => {
                                return Err(CompileError::at(
                                    id.pos,
                                    format!("`wait`: no background step with id `{}` starts before this step", id.value),
                                ))
                            }
                        }
                    }
                }
                StepKind::WaitAll => {
                    check_control(step, "wait-all")?;
                    for s in std::mem::take(&mut pending) {
                        self.finish(f, &s, step.pos)?;
                    }
                }
                StepKind::Parallel { steps } => {
                    check_control(step, "parallel")?;
                    let mut group = Vec::with_capacity(steps.len());
                    for (j, nested) in steps.iter().enumerate() {
                        if !matches!(nested.kind, StepKind::Run { .. } | StepKind::Uses { .. }) {
                            return Err(CompileError::at(nested.pos, "a `parallel` group holds `run` and `uses` steps only"));
                        }
                        is_background(nested)?;
                        self.refuse_background_action(nested)?;
                        started.extend(nested.id.as_ref().map(|s| s.value.as_str()));
                        group.push(self.start(f, wf, job, &format!("{label}.{}", j + 1), nested)?);
                    }
                    for s in &group {
                        self.finish(f, s, step.pos)?;
                    }
                }
                StepKind::Cancel { .. } => {
                    return Err(CompileError::at(
                        step.pos,
                        "`cancel` is not supported yet: the VM cannot stop a host call once it runs, so the background step's process would keep running; wait for the step instead, or let its script end itself",
                    ))
                }
                _ => self.step(f, wf, job, &label, step)?,
            }
        }
        // The job waits for the background steps still running; their failures count.
        for s in pending {
            self.finish(f, &s, s.step.pos)?;
        }
        self.run_posts(f, wf, job)
    }

    /// Starts a background step: evaluates its expressions like any step's, then spawns the
    /// fiber that makes its host call, leaving the handle (or the outcome already decided) in a
    /// register kept for the rest of the leg.
    fn start<'s>(
        &mut self,
        f: &mut FunctionBuilder,
        wf: &Workflow,
        job: &Job,
        label: &str,
        step: &'s Step,
    ) -> Result<Started<'s>, CompileError> {
        let (prepare, kind) = self.step_prepare(wf, job, label, step)?;
        let kind = kind.ok_or_else(|| CompileError::Internal("a composite action in the background".into()))?;
        let func = self.background_function(job, label, step, kind)?;
        let slot = f.reg();
        let mark = f.mark();
        let pair = f.regs(2);
        let error = Reg(pair.0 + 1);
        let (env, t) = (f.reg(), f.reg());
        let (failed, skipped, end) = (f.label(), f.label(), f.label());
        self.span(f, step.pos);
        let env_name = self.m.string("env");
        f.emit(Op::LoadContext { dst: env, name: env_name });
        f.emit(Op::TryCall { dst: pair, func: prepare, first: pair, argc: w3_isa::Imm8(0) });
        // The step's `env:` is the step's alone: its request carries it.
        f.emit(Op::SetContext { name: env_name, value: env });
        f.jump_if_true(error, failed);
        let (skip, request) = (self.m.string("skip"), self.m.string("request"));
        f.emit(Op::GetProp { dst: t, obj: pair, name: skip });
        f.jump_if_true(t, skipped);
        let mut obj = ObjectBuilder::new(f, 1);
        let r = obj.key(self, f, REQUEST);
        f.emit(Op::GetProp { dst: r, obj: pair, name: request });
        obj.finish(f, t);
        f.emit(Op::Spawn { dst: slot, func, arg: t });
        f.jump(end);
        f.bind(failed);
        self.load_text(f, slot, "failure");
        f.jump(end);
        f.bind(skipped);
        self.load_text(f, slot, "skipped");
        f.bind(end);
        f.release(mark);
        Ok(Started { step, kind, slot })
    }

    /// Compiles the function a background step's fiber runs: `r0` is `{"w3.request": request}`;
    /// it makes the host call and returns the answer.
    fn background_function(
        &mut self,
        job: &Job,
        label: &str,
        step: &Step,
        kind: HostKind,
    ) -> Result<w3_isa::FuncId, CompileError> {
        let name = format!("job {} step {label} background", job.id.value);
        let mut f = FunctionBuilder::new(1);
        let arg = f.param(0);
        let (request, result) = (f.reg(), f.reg());
        self.span(&mut f, step.pos);
        let key = self.m.string(REQUEST);
        f.emit(Op::GetProp { dst: request, obj: arg, name: key });
        f.emit(Op::HostCall { dst: result, kind: kind.id(), arg: request });
        f.emit(Op::Return { src: result });
        Ok(self.m.function(&name, FunctionKind::Step, f)?)
    }

    /// Waits for a started background step and records it as the leg's step: `steps.<id>`, its
    /// conclusion (`continue-on-error` applied), then its `$GITHUB_ENV` and `$GITHUB_PATH`.
    fn finish(&mut self, f: &mut FunctionBuilder, s: &Started<'_>, at: Pos) -> Result<(), CompileError> {
        let id = s.step.id.as_ref().map(|s| s.value.as_str()).unwrap_or_default();
        let tag = self.m.string(id);
        let mark = f.mark();
        let (t, k, result, outcome, conclusion) = (f.reg(), f.reg(), f.reg(), f.reg(), f.reg());
        let (decided, recorded) = (f.label(), f.label());
        self.span(f, at);
        f.emit(Op::LoadNull { dst: result });
        f.emit(Op::TypeOf { dst: t, a: s.slot });
        let string = self.m.number(STRING_KIND);
        f.emit(Op::LoadConst { dst: k, k: string });
        f.emit(Op::Eq { dst: t, a: t, b: k });
        f.jump_if_true(t, decided);
        // A fiber ended by an error returns null: the step's outcome is then `failure`.
        f.emit(Op::Join { dst: result, fiber: s.slot });
        let name = self.m.string("result");
        f.emit(Op::GetProp { dst: result, obj: result, name });
        f.emit(Op::StepBegin { step: tag });
        if let Some(field) = outputs_field(s.kind) {
            let name = self.m.string(field);
            f.emit(Op::GetProp { dst: t, obj: result, name });
            f.emit(Op::MergeOutputs { src: t });
        }
        self.outcome(f, result, outcome)?;
        f.jump(recorded);
        f.bind(decided);
        f.emit(Op::Move { dst: outcome, src: s.slot });
        f.emit(Op::StepBegin { step: tag });
        f.bind(recorded);
        f.emit(Op::Move { dst: conclusion, src: outcome });
        if let Some(c) = &s.step.continue_on_error {
            let keep = f.label();
            let failure = self.m.string_constant("failure");
            f.emit(Op::LoadConst { dst: k, k: failure });
            f.emit(Op::Eq { dst: t, a: outcome, b: k });
            f.jump_if_false(t, keep);
            self.expr_or_bool(f, c, t)?;
            f.jump_if_false(t, keep);
            let success = self.m.string_constant("success");
            f.emit(Op::LoadConst { dst: conclusion, k: success });
            f.bind(keep);
        }
        f.emit(Op::StepEnd { step: tag, outcome, conclusion });
        if s.kind == HostKind::Shell {
            self.export(f, result);
        }
        f.release(mark);
        Ok(())
    }
}
