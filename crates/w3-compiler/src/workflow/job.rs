//! Jobs: a job function that joins the jobs it needs, decides its `if:` and starts one leg per
//! matrix combination; and the leg function that runs the steps.

mod action;
mod background;

pub(crate) use action::{Phase, Post};

use super::{policy_of, Gen};
use crate::error::CompileError;
use crate::expr::StatusMode;
use crate::matrix::{self, MatrixError};
use crate::values::{constant, node_text};
use w3_dsl::ast::{Combination, ExprOr, Job, Matrix, Step, StepKind, Str, Workflow};
use w3_isa::{FuncId, FunctionBuilder, HostKind, Imm16, Op, Reg};
use w3_value::{Object, Value};

/// Builds objects key by key in consecutive registers.
struct ObjectBuilder {
    first: Reg,
    pairs: u16,
}

impl ObjectBuilder {
    fn new(f: &mut FunctionBuilder, pairs: u16) -> Self {
        Self { first: f.regs((pairs * 2).max(1)), pairs: 0 }
    }

    /// Returns the register for the value of the next key, after loading the key.
    fn key(&mut self, g: &mut Gen<'_>, f: &mut FunctionBuilder, key: &str) -> Reg {
        let k = g.m.string_constant(key);
        let r = Reg(self.first.0 + self.pairs * 2);
        f.emit(Op::LoadConst { dst: r, k });
        self.pairs += 1;
        Reg(r.0 + 1)
    }

    fn finish(self, f: &mut FunctionBuilder, dst: Reg) {
        f.emit(Op::MakeObject { dst, first: self.first, count: Imm16(self.pairs) });
    }
}

/// The most keys [`Gen::origin_keys`] adds to a request.
const ORIGIN_KEYS: u16 = 2;

/// Returns the step a request of the step labelled `label` comes from, for its receipt: the
/// job's step whose position leads the label (`3`, `3.2` in a `parallel` group, `3/1` inside
/// the action step 3 uses, `3 post`), and that step's verification policy, which the steps of
/// the actions it uses share.
fn origin(wf: &Workflow, job: &Job, label: &str) -> (u32, &'static str) {
    let digits = |s: &str| s.chars().take_while(char::is_ascii_digit).collect::<String>();
    let n: u32 = digits(label).parse().unwrap_or(0);
    let Some(top) = job.steps.get((n as usize).wrapping_sub(1)) else { return (n, "none") };
    let nested = label.strip_prefix(&n.to_string()).and_then(|r| r.strip_prefix('.')).map(digits);
    let step = match (&top.kind, nested.and_then(|m| m.parse::<usize>().ok())) {
        (StepKind::Parallel { steps }, Some(m)) => steps.get(m.wrapping_sub(1)).unwrap_or(top),
        _ => top,
    };
    let named = policy_of(wf, job, step);
    (n, ["onchain", "tee", "shadow"].into_iter().find(|p| *p == named).unwrap_or("none"))
}

/// The hidden context holding the directories shell steps added with `$GITHUB_PATH`, newest
/// first, `:`-separated. Expressions cannot name it (a context name has no dot).
const PATH_CONTEXT: &str = "w3.path";

fn count(n: usize, what: &'static str) -> Result<u16, CompileError> {
    u16::try_from(n).map_err(|_| CompileError::TooLarge(what))
}

impl Gen<'_> {
    /// Compiles the job function of `job`: `r0` is `{"w3.needs": {id: fiber handle}}`.
    pub fn job_function(&mut self, wf: &Workflow, job: &Job, leg: FuncId) -> Result<FunctionBuilder, CompileError> {
        let mut f = FunctionBuilder::new(1);
        let arg = f.param(0);
        let (needs, t, cond) = (f.reg(), f.reg(), f.reg());
        // Join the needed jobs and make their results the `needs` context.
        let mut obj = ObjectBuilder::new(&mut f, count(job.needs.len(), "needs")?);
        let (handles, result) = (self.m.string("w3.needs"), self.m.string("result"));
        for need in &job.needs {
            let id = self.index.get(&need.value).map_or(need.value.as_str(), |i| wf.jobs[i].id.value.as_str());
            let slot = obj.key(self, &mut f, id);
            let name = self.m.string(id);
            f.emit(Op::GetProp { dst: t, obj: arg, name: handles });
            f.emit(Op::GetProp { dst: t, obj: t, name });
            f.emit(Op::Join { dst: t, fiber: t });
            f.emit(Op::GetProp { dst: slot, obj: t, name: result });
        }
        obj.finish(&mut f, needs);
        let ctx = self.m.string("needs");
        f.emit(Op::SetContext { name: ctx, value: needs });
        let ids: Vec<String> = job.needs.iter().map(|n| n.value.clone()).collect();
        self.span(&mut f, job.id.pos);
        self.condition(&mut f, job.if_cond.as_ref(), job.id.pos, &StatusMode::Needs(ids), cond)?;
        let skipped = f.label();
        f.jump_if_false(cond, skipped);
        self.start_legs(&mut f, job, leg, t)?;
        f.emit(Op::Return { src: t });
        f.bind(skipped);
        let k = self.m.string_constant("skipped");
        self.job_result(&mut f, k, None, t);
        f.emit(Op::Return { src: t });
        Ok(f)
    }

    /// Emits `dst = {result: k, outputs: outputs or {}}`.
    fn job_result(&mut self, f: &mut FunctionBuilder, result: w3_isa::ConstId, outputs: Option<Reg>, dst: Reg) {
        let mut obj = ObjectBuilder::new(f, 2);
        let r = obj.key(self, f, "result");
        f.emit(Op::LoadConst { dst: r, k: result });
        let o = obj.key(self, f, "outputs");
        match outputs {
            Some(src) => {
                f.emit(Op::Move { dst: o, src });
            }
            None => {
                let empty = constant(&mut self.m, &Value::from(Object::new()));
                f.emit(Op::LoadConst { dst: o, k: empty });
            }
        }
        obj.finish(f, dst);
    }

    /// Starts one leg per matrix combination, joins them, and leaves `{result, outputs}` in
    /// `dst`: `failure` if a leg failed (unless the job continues on error), `cancelled` if one
    /// was cancelled, else `success`; the outputs of the last leg.
    fn start_legs(&mut self, f: &mut FunctionBuilder, job: &Job, leg: FuncId, dst: Reg) -> Result<(), CompileError> {
        let combos = match job.strategy.as_ref().and_then(|s| s.matrix.as_ref()) {
            None => vec![Value::from(Object::new())],
            Some(m) => match matrix::expand(m) {
                Ok(mut c) => {
                    c.retain(|combo| super::keep_combination(self.matrix_filter, combo));
                    if c.is_empty() {
                        // No combination is selected: the job is skipped, as act skips it.
                        let k = self.m.string_constant("skipped");
                        self.job_result(f, k, None, dst);
                        return Ok(());
                    }
                    c
                }
                Err(MatrixError::Dynamic) if !self.matrix_filter.is_empty() => {
                    return Err(CompileError::at(
                        job.id.pos,
                        "this job's matrix is computed at run time, so a matrix filter (--matrix) cannot select its combinations",
                    ))
                }
                Err(MatrixError::Dynamic) => return self.dynamic_legs(f, job, m, leg, dst),
                Err(MatrixError::Invalid(why)) => {
                    return Err(CompileError::at(job.id.pos, format!("the matrix cannot be expanded: {why}")))
                }
            },
        };
        let n = count(combos.len(), "the matrix")?;
        let handles = f.regs(n.max(1));
        let arg = f.reg();
        let legs = self.leg_state(f);
        let (batch, fail_fast) = (max_parallel(job).unwrap_or(combos.len()).max(1), fail_fast(job));
        let stop = f.label();
        for (b, chunk) in combos.chunks(batch).enumerate() {
            let first = b * batch;
            if b > 0 {
                self.end_batch(f, &legs, handles, (first - batch) as u16..first as u16, fail_fast, stop);
            }
            for (j, combo) in chunk.iter().enumerate() {
                let i = first + j;
                let mut obj = ObjectBuilder::new(f, 2);
                let m = obj.key(self, f, "matrix");
                let k = constant(&mut self.m, combo);
                f.emit(Op::LoadConst { dst: m, k });
                let s = obj.key(self, f, "strategy");
                let k = constant(&mut self.m, &strategy(job, i, combos.len()));
                f.emit(Op::LoadConst { dst: s, k });
                obj.finish(f, arg);
                f.emit(Op::Spawn { dst: Reg(handles.0 + i as u16), func: leg, arg });
            }
        }
        f.bind(stop);
        self.join_legs(f, job, &legs, handles, n, dst)
    }

    /// Starts the legs of a matrix known only at run time (`${{ fromJSON(...) }}`, or rows and
    /// entries computed by expressions): the matrix object is built and expanded by the VM's
    /// `matrixExpand`, then code unrolled for GitHub's limit of 256 combinations counts the
    /// combinations, starts one leg per combination and joins them. The ISA has no loops, so
    /// unrolling is how "expanded by VM code" stays loop-free and statically bounded.
    fn dynamic_legs(
        &mut self,
        f: &mut FunctionBuilder,
        job: &Job,
        m: &Matrix,
        leg: FuncId,
        dst: Reg,
    ) -> Result<(), CompileError> {
        let limit = matrix::MAX_COMBINATIONS as u16;
        let (combos, t, k, total) = (f.reg(), f.reg(), f.reg(), f.reg());
        self.matrix_value(f, m, combos)?;
        f.emit(Op::CallBuiltin {
            dst: combos,
            builtin: w3_isa::Builtin::MatrixExpand.id(),
            first: combos,
            argc: w3_isa::Imm8(1),
        });
        // Count: `total` = the index of the first missing combination.
        let counted = f.label();
        let null_kind = self.m.number(0.0);
        for i in 0..=limit {
            let found = f.label();
            let ki = self.m.number(f64::from(i));
            if i < limit {
                f.emit(Op::LoadConst { dst: k, k: ki });
                f.emit(Op::Index { dst: t, obj: combos, key: k });
                f.emit(Op::TypeOf { dst: t, a: t });
                f.emit(Op::LoadConst { dst: k, k: null_kind });
                f.emit(Op::Eq { dst: t, a: t, b: k });
                f.jump_if_false(t, found);
            }
            f.emit(Op::LoadConst { dst: total, k: ki });
            f.jump(counted);
            f.bind(found);
        }
        f.bind(counted);
        // Start one leg per combination; handles of legs not started stay null.
        let handles = f.regs(limit);
        let arg = f.reg();
        let started = f.label();
        for i in 0..limit {
            let h = Reg(handles.0 + i);
            f.emit(Op::LoadNull { dst: h });
        }
        let legs = self.leg_state(f);
        let batch = max_parallel(job).map_or(limit, |p| p.clamp(1, usize::from(limit)) as u16);
        for i in 0..limit {
            if i > 0 && i % batch == 0 {
                self.end_batch(f, &legs, handles, i - batch..i, fail_fast(job), started);
            }
            let ki = self.m.number(f64::from(i));
            f.emit(Op::LoadConst { dst: k, k: ki });
            f.emit(Op::Ge { dst: t, a: k, b: total });
            f.jump_if_true(t, started);
            let mut obj = ObjectBuilder::new(f, 2);
            let mreg = obj.key(self, f, "matrix");
            f.emit(Op::Index { dst: mreg, obj: combos, key: k });
            let sreg = obj.key(self, f, "strategy");
            self.dynamic_strategy(f, job, ki, total, sreg);
            obj.finish(f, arg);
            f.emit(Op::Spawn { dst: Reg(handles.0 + i), func: leg, arg });
        }
        f.bind(started);
        self.join_legs(f, job, &legs, handles, limit, dst)
    }

    /// Builds the `strategy` context of leg `index` of `total` legs into `dst`.
    fn dynamic_strategy(&mut self, f: &mut FunctionBuilder, job: &Job, index: w3_isa::ConstId, total: Reg, dst: Reg) {
        let fixed = strategy(job, 0, 0);
        let mut obj = ObjectBuilder::new(f, 4);
        for key in ["fail-fast", "job-index", "job-total", "max-parallel"] {
            let r = obj.key(self, f, key);
            match key {
                "job-index" => {
                    f.emit(Op::LoadConst { dst: r, k: index });
                }
                "job-total" => {
                    f.emit(Op::Move { dst: r, src: total });
                }
                "max-parallel" if job.strategy.as_ref().and_then(|s| s.max_parallel.as_ref()).is_none() => {
                    f.emit(Op::Move { dst: r, src: total });
                }
                _ => {
                    let v = fixed.as_object().and_then(|o| o.get(key)).cloned().unwrap_or(Value::Null);
                    let k = constant(&mut self.m, &v);
                    f.emit(Op::LoadConst { dst: r, k });
                }
            }
        }
        obj.finish(f, dst);
    }

    /// Builds the matrix object into `dst`: literal parts as constants, `${{ }}` parts evaluated.
    fn matrix_value(&mut self, f: &mut FunctionBuilder, m: &Matrix, dst: Reg) -> Result<(), CompileError> {
        let Matrix::Rows { rows, include, exclude, .. } = m else {
            let Matrix::Expr(e) = m else { unreachable!() };
            return self.template(f, e, dst);
        };
        let lists = [("include", include), ("exclude", exclude)];
        let n = rows.len() + lists.iter().filter(|(_, c)| c.is_some()).count();
        let mut obj = ObjectBuilder::new(f, count(n, "the matrix")?);
        for row in rows {
            let r = obj.key(self, f, &row.key.value);
            match &row.values {
                ExprOr::Expr(e) => self.template(f, e, r)?,
                ExprOr::Lit { value, .. } => self.literal_list(f, value, r)?,
            }
        }
        for (key, list) in lists {
            let Some(list) = list else { continue };
            let r = obj.key(self, f, key);
            match &list.value {
                ExprOr::Expr(e) => self.template(f, e, r)?,
                ExprOr::Lit { value, .. } => {
                    let items = f.regs(count(value.len(), "include")?.max(1));
                    for (i, combo) in value.iter().enumerate() {
                        let slot = Reg(items.0 + i as u16);
                        match combo {
                            Combination::Expr(e) => self.template(f, e, slot)?,
                            Combination::Assign { pairs, .. } => {
                                let mut o = ObjectBuilder::new(f, count(pairs.len(), "include")?);
                                for (k, v) in pairs {
                                    let vr = o.key(self, f, &k.value);
                                    self.node_into(f, v, vr)?;
                                }
                                o.finish(f, slot);
                            }
                        }
                    }
                    f.emit(Op::MakeArray { dst: r, first: items, count: Imm16(count(value.len(), "include")?) });
                }
            }
        }
        obj.finish(f, dst);
        Ok(())
    }

    fn literal_list(
        &mut self,
        f: &mut FunctionBuilder,
        values: &[w3_dsl::yaml::Node],
        dst: Reg,
    ) -> Result<(), CompileError> {
        let n = count(values.len(), "a matrix row")?;
        let first = f.regs(n.max(1));
        for (i, v) in values.iter().enumerate() {
            self.node_into(f, v, Reg(first.0 + i as u16))?;
        }
        f.emit(Op::MakeArray { dst, first, count: Imm16(n) });
        Ok(())
    }

    /// Loads a YAML value: a constant, or its `${{ }}` evaluated when it is a string holding one.
    fn node_into(&mut self, f: &mut FunctionBuilder, n: &w3_dsl::yaml::Node, dst: Reg) -> Result<(), CompileError> {
        match Str::from_node(n).filter(Str::has_expr) {
            Some(s) => self.template(f, &s, dst),
            None => {
                let k = constant(&mut self.m, &crate::values::node_value(n));
                f.emit(Op::LoadConst { dst, k });
                Ok(())
            }
        }
    }

    /// Allocates and clears the registers that gather the legs' results.
    fn leg_state(&mut self, f: &mut FunctionBuilder) -> Legs {
        let legs = Legs { t: f.reg(), k: f.reg(), outputs: f.reg(), failed: f.reg(), cancelled: f.reg() };
        f.emit(Op::LoadBool { dst: legs.failed, value: w3_isa::Imm8(0) });
        f.emit(Op::LoadBool { dst: legs.cancelled, value: w3_isa::Imm8(0) });
        f.emit(Op::LoadNull { dst: legs.outputs });
        legs
    }

    /// Waits for the leg whose handle is in `handle` (nothing when it is null: not started, or
    /// joined already), notes whether it failed or was cancelled and keeps its outputs; the
    /// handle is null afterwards.
    fn join_leg(&mut self, f: &mut FunctionBuilder, legs: &Legs, handle: Reg) {
        let Legs { t, k, outputs, failed, cancelled } = *legs;
        let (status, result, outs) = (self.m.string("status"), self.m.string("result"), self.m.string("outputs"));
        let (kf, kc) = (self.m.string_constant("failure"), self.m.string_constant("cancelled"));
        let skip = f.label();
        f.jump_if_false(handle, skip);
        f.emit(Op::Join { dst: handle, fiber: handle });
        f.emit(Op::GetProp { dst: t, obj: handle, name: status });
        let (not_failed, not_cancelled) = (f.label(), f.label());
        f.emit(Op::LoadConst { dst: k, k: kf });
        f.emit(Op::Eq { dst: k, a: t, b: k });
        f.jump_if_false(k, not_failed);
        f.emit(Op::LoadBool { dst: failed, value: w3_isa::Imm8(1) });
        f.bind(not_failed);
        f.emit(Op::LoadConst { dst: k, k: kc });
        f.emit(Op::Eq { dst: k, a: t, b: k });
        f.jump_if_false(k, not_cancelled);
        f.emit(Op::LoadBool { dst: cancelled, value: w3_isa::Imm8(1) });
        f.bind(not_cancelled);
        f.emit(Op::GetProp { dst: t, obj: handle, name: result });
        f.emit(Op::GetProp { dst: outputs, obj: t, name: outs });
        f.emit(Op::LoadNull { dst: handle });
        f.bind(skip);
    }

    /// Ends a batch of legs (`max-parallel`): waits for the legs whose handles are `batch`
    /// (offsets from `handles`), then, with fail-fast, jumps to `stop` if one failed, so the
    /// legs not started yet are cancelled.
    fn end_batch(
        &mut self,
        f: &mut FunctionBuilder,
        legs: &Legs,
        handles: Reg,
        batch: std::ops::Range<u16>,
        fail_fast: bool,
        stop: w3_isa::Label,
    ) {
        for j in batch {
            self.join_leg(f, legs, Reg(handles.0 + j));
        }
        if fail_fast {
            f.jump_if_true(legs.failed, stop);
        }
    }

    /// Joins the legs still running and leaves the job's `{result, outputs}` in `dst`.
    fn join_legs(
        &mut self,
        f: &mut FunctionBuilder,
        job: &Job,
        legs: &Legs,
        handles: Reg,
        n: u16,
        dst: Reg,
    ) -> Result<(), CompileError> {
        for i in 0..n {
            self.join_leg(f, legs, Reg(handles.0 + i));
        }
        let Legs { t, outputs, failed, cancelled, .. } = *legs;
        let (kf, kc) = (self.m.string_constant("failure"), self.m.string_constant("cancelled"));
        // A job that continues on error succeeds whatever its legs did.
        if let Some(c) = &job.continue_on_error {
            let done = f.label();
            self.expr_or_bool(f, c, t)?;
            f.jump_if_false(t, done);
            f.emit(Op::LoadBool { dst: failed, value: w3_isa::Imm8(0) });
            f.bind(done);
        }
        let (is_failed, end) = (f.label(), f.label());
        let is_cancelled = f.label();
        f.jump_if_true(cancelled, is_cancelled);
        f.jump_if_true(failed, is_failed);
        let ks = self.m.string_constant("success");
        self.job_result(f, ks, Some(outputs), dst);
        f.jump(end);
        f.bind(is_failed);
        self.job_result(f, kf, Some(outputs), dst);
        f.jump(end);
        f.bind(is_cancelled);
        self.job_result(f, kc, Some(outputs), dst);
        f.bind(end);
        Ok(())
    }

    /// Compiles the leg function of `job`: env, steps, outputs. `r0` is `{matrix, strategy}`.
    pub fn leg_function(&mut self, wf: &Workflow, job: &Job) -> Result<FunctionBuilder, CompileError> {
        let mut f = FunctionBuilder::new(1);
        let value = f.reg();
        // `github.job` is the job's id for everything the leg evaluates and runs.
        let mut obj = ObjectBuilder::new(&mut f, 1);
        let r = obj.key(self, &mut f, "job");
        self.load_text(&mut f, r, &job.id.value);
        obj.finish(&mut f, value);
        let github = self.m.string("github");
        f.emit(Op::MergeContext { name: github, src: value });
        for var in wf.env.iter().chain(&job.env).flat_map(|e| e.vars()) {
            self.template(&mut f, &var.value, value)?;
            let name = self.m.string(&var.name.value);
            f.emit(Op::SetEnv { name, value });
        }
        self.steps(&mut f, wf, job)?;
        let mut obj = ObjectBuilder::new(&mut f, count(job.outputs.len(), "outputs")?);
        for (name, v) in &job.outputs {
            let slot = obj.key(self, &mut f, &name.value);
            self.template(&mut f, v, slot)?;
        }
        let outputs = f.reg();
        obj.finish(&mut f, outputs);
        let mut result = ObjectBuilder::new(&mut f, 1);
        let slot = result.key(self, &mut f, "outputs");
        f.emit(Op::Move { dst: slot, src: outputs });
        result.finish(&mut f, value);
        f.emit(Op::Return { src: value });
        Ok(f)
    }

    /// Compiles a step. Its expressions (`if:`, env, the request) are evaluated in a function
    /// of their own, called with `TryCall`, so that an expression error fails the step (as on
    /// GitHub) rather than the whole leg; the host call itself is made by the leg.
    fn step(
        &mut self,
        f: &mut FunctionBuilder,
        wf: &Workflow,
        job: &Job,
        label: &str,
        step: &Step,
    ) -> Result<(), CompileError> {
        let action = self.action_of(step)?;
        if let Some(r) = action.as_ref().filter(|r| r.using() == "composite") {
            return self.composite_step(f, wf, job, label, step, r);
        }
        let id = step.id.as_ref().map(|s| s.value.clone()).unwrap_or_default();
        let tag = self.m.string(&id);
        let (prepare, kind) = self.step_prepare(wf, job, label, step)?;
        let kind = kind.ok_or_else(|| CompileError::Internal("a composite action step without a call".into()))?;
        // A JavaScript action with `post:` notes that its main step ran, for the end of the job.
        let ran = match &action {
            Some(r) if self.phase == Phase::Main && r.has_post() => Some(self.register_post(f, label, step, r)),
            _ => None,
        };
        let mark = f.mark();
        // A JavaScript action sets `github.action_path` for its step; the value from before
        // comes back after it.
        let saved = action.as_ref().map(|_| {
            let r = f.reg();
            self.load_action_path(f, r);
            r
        });
        let pair = f.regs(2);
        let (t, result, outcome, conclusion) = (f.reg(), f.reg(), f.reg(), f.reg());
        let (skipped, failed, decided, end) = (f.label(), f.label(), f.label(), f.label());
        self.span(f, step.pos);
        f.emit(Op::StepBegin { step: tag });
        if kind == HostKind::Shell {
            // What the step exports to the job: null unless its script ran.
            f.emit(Op::LoadNull { dst: result });
        }
        self.call_prepare(f, prepare, pair, t, failed);
        let (skip, request) = (self.m.string("skip"), self.m.string("request"));
        f.emit(Op::GetProp { dst: t, obj: pair, name: skip });
        f.jump_if_true(t, skipped);
        f.emit(Op::GetProp { dst: t, obj: pair, name: request });
        if let Some(ran) = ran {
            // What the post step will run with: the environment of this request.
            let env = self.m.string("env");
            f.emit(Op::GetProp { dst: ran, obj: t, name: env });
        }
        f.emit(Op::HostCall { dst: result, kind: kind.id(), arg: t });
        // `steps.<id>.outputs`: what a script wrote to `$GITHUB_OUTPUT`, what an action returned.
        if let Some(field) = outputs_field(kind) {
            let name = self.m.string(field);
            f.emit(Op::GetProp { dst: t, obj: result, name });
            f.emit(Op::MergeOutputs { src: t });
        }
        self.outcome(f, result, outcome)?;
        f.jump(decided);
        f.bind(failed);
        self.load_text(f, outcome, "failure");
        f.bind(decided);
        self.conclude(f, step, tag, outcome, conclusion, t)?;
        if kind == HostKind::Shell {
            self.export(f, result);
        }
        f.jump(end);
        f.bind(skipped);
        self.load_text(f, outcome, "skipped");
        f.emit(Op::StepEnd { step: tag, outcome, conclusion: outcome });
        f.bind(end);
        if let Some(saved) = saved {
            self.set_action_path(f, saved);
        }
        f.release(mark);
        Ok(())
    }

    /// Hands what a shell step wrote to `$GITHUB_ENV` and `$GITHUB_PATH` (in `result`, null
    /// when the script did not run) to the job's later steps: the variables into `env`, the
    /// directories in front of the hidden context `w3.path` that later shell requests carry.
    fn export(&mut self, f: &mut FunctionBuilder, result: Reg) {
        let (env, path, hidden) = (self.m.string("env"), self.m.string("path"), self.m.string(PATH_CONTEXT));
        let parts = f.regs(3);
        let (new, sep, old) = (parts, Reg(parts.0 + 1), Reg(parts.0 + 2));
        f.emit(Op::GetProp { dst: new, obj: result, name: env });
        f.emit(Op::MergeEnv { src: new });
        if !self.scope.is_empty() {
            // Inside a composite action: also handed to the caller when the action ends.
            let exported = self.m.string(action::EXPORTED_CONTEXT);
            f.emit(Op::MergeContext { name: exported, src: new });
        }
        let (first, done) = (f.label(), f.label());
        f.emit(Op::GetProp { dst: new, obj: result, name: path });
        f.jump_if_false(new, done);
        f.emit(Op::LoadContext { dst: old, name: hidden });
        f.jump_if_false(old, first);
        self.load_text(f, sep, ":");
        f.emit(Op::Concat { dst: new, first: new, count: Imm16(3) });
        f.bind(first);
        f.emit(Op::SetContext { name: hidden, value: new });
        f.bind(done);
    }

    /// Compiles the function that evaluates a step's expressions: it returns `{skip: true}`
    /// when `if:` is false, else sets the step's env and returns `{skip: false, request}`.
    /// The kind of host call is `None` for a composite action, whose request is its inputs.
    fn step_prepare(
        &mut self,
        wf: &Workflow,
        job: &Job,
        label: &str,
        step: &Step,
    ) -> Result<(FuncId, Option<HostKind>), CompileError> {
        let name = format!("job {} step {label}", job.id.value);
        let func = self.m.declare(&name, w3_isa::FunctionKind::Step, 0);
        let mut f = FunctionBuilder::new(0);
        let (cond, out) = (f.reg(), f.reg());
        let run = f.label();
        self.span(&mut f, step.pos);
        self.condition(&mut f, step.if_cond.as_ref(), step.pos, &StatusMode::Step, cond)?;
        f.jump_if_true(cond, run);
        let mut obj = ObjectBuilder::new(&mut f, 1);
        let r = obj.key(self, &mut f, "skip");
        f.emit(Op::LoadBool { dst: r, value: w3_isa::Imm8(1) });
        obj.finish(&mut f, out);
        f.emit(Op::Return { src: out });
        f.bind(run);
        // Every value is evaluated against the env from before the step, then all are set:
        // a step's `env:` does not see its own entries.
        let vars: Vec<_> = step.env.iter().flat_map(|e| e.vars()).collect();
        if !vars.is_empty() {
            let mut obj = ObjectBuilder::new(&mut f, count(vars.len(), "env")?);
            for var in vars {
                let r = obj.key(self, &mut f, &var.name.value);
                self.template(&mut f, &var.value, r)?;
            }
            obj.finish(&mut f, cond);
            f.emit(Op::MergeEnv { src: cond });
        }
        self.span(&mut f, step.pos);
        if let (Some(r), StepKind::Uses { uses, with }) = (self.action_of(step)?, &step.kind) {
            if r.using() != "composite" {
                // A JavaScript action: its inputs as `INPUT_<NAME>` (for `post:`, the
                // environment its main step ran with, inputs included), its directory as
                // `github.action_path` (and so `GITHUB_ACTION_PATH`).
                if self.phase == Phase::Post {
                    let hidden = self.m.string(action::POST_ENV_CONTEXT);
                    f.emit(Op::LoadContext { dst: cond, name: hidden });
                } else {
                    self.action_inputs(&mut f, &r, uses, with, true, cond)?;
                }
                f.emit(Op::MergeEnv { src: cond });
                self.action_path(&mut f, &r, cond);
                self.set_action_path(&mut f, cond);
            }
        }
        let request = f.reg();
        self.origin = origin(wf, job, label);
        let kind = self.step_request(&mut f, wf, job, step, request)?;
        let mut obj = ObjectBuilder::new(&mut f, 2);
        let r = obj.key(self, &mut f, "skip");
        f.emit(Op::LoadBool { dst: r, value: w3_isa::Imm8(0) });
        let r = obj.key(self, &mut f, "request");
        f.emit(Op::Move { dst: r, src: request });
        obj.finish(&mut f, out);
        f.emit(Op::Return { src: out });
        self.m.define(func, f)?;

        Ok((func, kind))
    }

    /// Ends the step `tag` with `outcome`: its conclusion is the outcome, or `success` when the
    /// step continues on error (`t` is scratch).
    pub(super) fn conclude(
        &mut self,
        f: &mut FunctionBuilder,
        step: &Step,
        tag: w3_isa::StrId,
        outcome: Reg,
        conclusion: Reg,
        t: Reg,
    ) -> Result<(), CompileError> {
        f.emit(Op::Move { dst: conclusion, src: outcome });
        if let Some(c) = &step.continue_on_error {
            let keep = f.label();
            self.expr_or_bool(f, c, t)?;
            f.jump_if_false(t, keep);
            self.load_text(f, conclusion, "success");
            f.bind(keep);
        }
        f.emit(Op::StepEnd { step: tag, outcome, conclusion });
        Ok(())
    }

    /// Emits `outcome = result.ok && result.exitCode in (0, null) ? "success" : "failure"`.
    fn outcome(&mut self, f: &mut FunctionBuilder, result: Reg, outcome: Reg) -> Result<(), CompileError> {
        let t = f.reg();
        let (fail, end) = (f.label(), f.label());
        let (ok, exit) = (self.m.string("ok"), self.m.string("exitCode"));
        f.emit(Op::GetProp { dst: t, obj: result, name: ok });
        f.jump_if_false(t, fail);
        f.emit(Op::GetProp { dst: t, obj: result, name: exit });
        // null (no exit code: not a process) and 0 succeed; anything else fails.
        f.jump_if_true(t, fail);
        self.load_text(f, outcome, "success");
        f.jump(end);
        f.bind(fail);
        self.load_text(f, outcome, "failure");
        f.bind(end);
        Ok(())
    }

    /// Builds the request object of the host call that does the step's work into `arg`, and
    /// returns the call's kind; for a composite action, its inputs and `None`.
    fn step_request(
        &mut self,
        f: &mut FunctionBuilder,
        wf: &Workflow,
        job: &Job,
        step: &Step,
        arg: Reg,
    ) -> Result<Option<HostKind>, CompileError> {
        if let (Some(r), StepKind::Uses { uses, with }) = (self.action_of(step)?, &step.kind) {
            if r.using() == "composite" {
                self.action_inputs(f, &r, uses, with, false, arg)?;
                return Ok(None);
            }
            return self.node_request(f, job, step, &r, arg).map(Some);
        }
        let env = self.m.string("env");
        let in_action = !self.scope.is_empty();
        let kind = match &step.kind {
            StepKind::Run { run, shell, working_directory } => {
                // `defaults.run` of the workflow and the job do not reach into actions.
                let defaults = |pick: fn(&w3_dsl::ast::DefaultsRun) -> Option<&Str>| {
                    if in_action {
                        return None;
                    }
                    job.defaults
                        .as_ref()
                        .and_then(|d| d.run.as_ref())
                        .and_then(pick)
                        .or_else(|| wf.defaults.as_ref().and_then(|d| d.run.as_ref()).and_then(pick))
                };
                let shell = shell.as_ref().or_else(|| defaults(|r| r.shell.as_ref()));
                let workdir = working_directory.as_ref().or_else(|| defaults(|r| r.working_directory.as_ref()));
                self.shell_request(f, job, step, run, shell, workdir, arg)?;
                HostKind::Shell
            }
            StepKind::Uses { uses, with } => {
                let smart = uses.value.strip_prefix("w3/").and_then(|r| r.split_once('@'));
                let mut inputs = ObjectBuilder::new(f, count(with.len(), "with")?);
                for (k, v) in with {
                    let slot = inputs.key(self, f, &k.value);
                    self.template(f, &with_text(v), slot)?;
                }
                let with_obj = f.reg();
                inputs.finish(f, with_obj);
                match smart {
                    Some((name, version)) => {
                        let mut obj = ObjectBuilder::new(f, 3 + ORIGIN_KEYS);
                        self.origin_keys(f, &mut obj);
                        for (key, text) in [("name", name), ("version", version)] {
                            let r = obj.key(self, f, key);
                            self.load_text(f, r, text);
                        }
                        let r = obj.key(self, f, "input");
                        let mut input = ObjectBuilder::new(f, 2);
                        let w = input.key(self, f, "with");
                        f.emit(Op::Move { dst: w, src: with_obj });
                        let e = input.key(self, f, "env");
                        f.emit(Op::LoadContext { dst: e, name: env });
                        input.finish(f, r);
                        obj.finish(f, arg);
                        HostKind::InvokeAction
                    }
                    None => {
                        self.host_actions.insert(uses.value.clone());
                        let mut obj = ObjectBuilder::new(f, 3 + ORIGIN_KEYS);
                        self.origin_keys(f, &mut obj);
                        let r = obj.key(self, f, "uses");
                        self.load_text(f, r, &uses.value);
                        let r = obj.key(self, f, "with");
                        f.emit(Op::Move { dst: r, src: with_obj });
                        let r = obj.key(self, f, "env");
                        f.emit(Op::LoadContext { dst: r, name: env });
                        obj.finish(f, arg);
                        HostKind::GithubAction
                    }
                }
            }
            _ => {
                return Err(CompileError::Internal(format!(
                    "the step at {}:{} is not a run or uses step",
                    step.pos.line, step.pos.col
                )))
            }
        };
        Ok(Some(kind))
    }

    /// Builds a shell request into `arg`: `cmd` run by `shell` in `workdir`, with the step's
    /// environment and what the VM derives the runner's default variables from.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn shell_request(
        &mut self,
        f: &mut FunctionBuilder,
        job: &Job,
        step: &Step,
        run: &Str,
        shell: Option<&Str>,
        workdir: Option<&Str>,
        arg: Reg,
    ) -> Result<(), CompileError> {
        let env = self.m.string("env");
        let mut obj = ObjectBuilder::new(f, 9 + ORIGIN_KEYS);
        self.origin_keys(f, &mut obj);
        let r = obj.key(self, f, "cmd");
        self.template(f, run, r)?;
        let r = obj.key(self, f, "shell");
        self.optional(f, shell, "", r)?;
        let r = obj.key(self, f, "env");
        f.emit(Op::LoadContext { dst: r, name: env });
        let r = obj.key(self, f, "path");
        let hidden = self.m.string(PATH_CONTEXT);
        f.emit(Op::LoadContext { dst: r, name: hidden });
        // What the VM derives the runner's default variables from (docs/vm.md §5).
        for context in ["github", "runner"] {
            let r = obj.key(self, f, context);
            let name = self.m.string(context);
            f.emit(Op::LoadContext { dst: r, name });
        }
        let r = obj.key(self, f, "action");
        self.load_text(f, r, &action_name(job, step));
        let r = obj.key(self, f, "workdir");
        self.optional(f, workdir, "", r)?;
        let r = obj.key(self, f, "timeoutMinutes");
        match step.timeout_minutes.as_ref().or(job.timeout_minutes.as_ref()) {
            Some(v) => self.expr_or(f, v, r)?,
            None => {
                let k = self.m.number(360.0);
                f.emit(Op::LoadConst { dst: r, k });
            }
        }
        obj.finish(f, arg);
        Ok(())
    }

    /// Adds where the request comes from: `step`, and `verification` unless it is `none`.
    /// Calls a step's `prepare` function (its `if:`, env and request) with `TryCall` into
    /// `pair` (the result, then the error that stopped it). When an expression failed, says
    /// why — a `log` call at level `error` of `Error: file:line:col: message`, as GitHub prints
    /// it in the step's log — and continues at `failed`. `scratch` may be overwritten.
    pub(super) fn call_prepare(
        &mut self,
        f: &mut FunctionBuilder,
        prepare: FuncId,
        pair: Reg,
        scratch: Reg,
        failed: w3_isa::Label,
    ) {
        let error = Reg(pair.0 + 1);
        let ok = f.label();
        f.emit(Op::TryCall { dst: pair, func: prepare, first: pair, argc: w3_isa::Imm8(0) });
        f.jump_if_false(error, ok);
        self.log_step_error(f, error, scratch);
        f.jump(failed);
        f.bind(ok);
    }

    /// Makes the `log` call of `call_prepare` for the message in `error`.
    fn log_step_error(&mut self, f: &mut FunctionBuilder, error: Reg, scratch: Reg) {
        let mut obj = ObjectBuilder::new(f, 2 + ORIGIN_KEYS);
        let level = obj.key(self, f, "level");
        self.load_text(f, level, "error");
        let message = obj.key(self, f, "message");
        let parts = f.regs(2);
        self.load_text(f, parts, "Error: ");
        f.emit(Op::Move { dst: Reg(parts.0 + 1), src: error });
        f.emit(Op::Concat { dst: message, first: parts, count: Imm16(2) });
        self.origin_keys(f, &mut obj);
        obj.finish(f, scratch);
        f.emit(Op::HostCall { dst: scratch, kind: HostKind::Log.id(), arg: scratch });
    }

    fn origin_keys(&mut self, f: &mut FunctionBuilder, obj: &mut ObjectBuilder) {
        let (step, policy) = self.origin;
        let r = obj.key(self, f, "step");
        let k = self.m.number(f64::from(step));
        f.emit(Op::LoadConst { dst: r, k });
        if policy != "none" {
            let r = obj.key(self, f, "verification");
            self.load_text(f, r, policy);
        }
    }

    fn optional(
        &mut self,
        f: &mut FunctionBuilder,
        s: Option<&Str>,
        default: &str,
        dst: Reg,
    ) -> Result<(), CompileError> {
        match s {
            Some(s) => self.template(f, s, dst),
            None => {
                let k = self.m.string_constant(default);
                f.emit(Op::LoadConst { dst, k });
                Ok(())
            }
        }
    }
}

/// Returns a `with:` value as the text it is evaluated from.
fn with_text(v: &w3_dsl::yaml::Node) -> Str {
    Str { value: node_text(v), pos: v.pos(), span: v.span, style: v.style().unwrap_or(w3_dsl::yaml::Style::Plain) }
}

/// Returns `$GITHUB_ACTION` for a `run:` step: its id, else `__run` for the job's first step
/// without one, `__run_2` for the second, and so on, as GitHub names them.
fn action_name(job: &Job, step: &Step) -> String {
    if let Some(id) = &step.id {
        return id.value.clone();
    }
    let nth = job
        .steps
        .iter()
        .take_while(|s| !std::ptr::eq(*s, step))
        .filter(|s| s.id.is_none() && matches!(s.kind, StepKind::Run { .. }))
        .count();
    if nth == 0 {
        "__run".to_string()
    } else {
        format!("__run_{}", nth + 1)
    }
}

/// Returns the field of a host answer that holds a step's `steps.<id>.outputs`: what a script
/// wrote to `$GITHUB_OUTPUT`, what an action returned.
fn outputs_field(kind: HostKind) -> Option<&'static str> {
    match kind {
        HostKind::Shell | HostKind::GithubAction => Some("outputs"),
        HostKind::InvokeAction => Some("value"),
        _ => None,
    }
}

/// The registers that gather a job's leg results.
#[derive(Clone, Copy)]
struct Legs {
    t: Reg,
    k: Reg,
    /// The outputs of the last leg joined.
    outputs: Reg,
    /// Whether a leg failed, or was cancelled.
    failed: Reg,
    cancelled: Reg,
}

/// Returns the job's `strategy.fail-fast` (a literal; `true` by default, as on GitHub).
fn fail_fast(job: &Job) -> bool {
    job.strategy.as_ref().and_then(|s| s.fail_fast.as_ref()).and_then(|v| v.literal().copied()).unwrap_or(true)
}

/// Returns the job's literal `strategy.max-parallel`, when it has one that limits anything.
fn max_parallel(job: &Job) -> Option<usize> {
    let p = job.strategy.as_ref().and_then(|s| s.max_parallel.as_ref()).and_then(|v| v.literal().copied())?;
    (p.is_finite() && p >= 1.0).then_some(p.min(f64::from(u16::MAX)) as usize)
}

/// Returns the `strategy` context of leg `index` of `total`.
fn strategy(job: &Job, index: usize, total: usize) -> Value {
    let mut o = Object::new();
    let max_parallel = max_parallel(job).map_or(total as f64, |p| p as f64);
    o.insert("fail-fast", Value::Bool(fail_fast(job)));
    o.insert("job-index", Value::Number(index as f64));
    o.insert("job-total", Value::Number(total as f64));
    o.insert("max-parallel", Value::Number(max_parallel));
    Value::from(o)
}
