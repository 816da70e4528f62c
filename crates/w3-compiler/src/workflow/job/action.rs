//! Actions compiled into the module: composite actions and JavaScript actions found at compile
//! time (`uses: ./path`, or `owner/repo@ref` in an actions directory).
//!
//! A **composite action** runs in a fiber of its own, spawned by the calling step: the fiber
//! starts with a copy of the caller's contexts (so the step's `env:` applies to every step of
//! the action), a fresh `steps` (ids inside the action are the action's own), `inputs` bound to
//! the step's `with:` (defaults applied) and `github.action_path` set. Its steps are compiled
//! like a job's, so `success()` inside the action asks about the action's own steps, as
//! GitHub's `action_status` does. It returns `{outputs, env, path, posts}`: its
//! `outputs.<id>.value` expressions evaluated, what its steps wrote to `$GITHUB_ENV` and
//! `$GITHUB_PATH`, and the environments of the `post:` steps of the actions it used. The
//! calling step joins the fiber: the outputs become `steps.<id>.outputs`, the action's status
//! the step's outcome, the env and path are handed to the job's later steps, and the post steps
//! become the job's.
//!
//! A **JavaScript action** is one shell step running `node` on its `main:` file, with GitHub's
//! environment for actions: `INPUT_<NAME>` for each input (defaults applied) and
//! `GITHUB_ACTION_PATH` (from `github.action_path`, set for the step only). Its `post:` runs at
//! the end of the job with the environment its main step ran with (also when a composite
//! action used it), its `pre:` when the job starts (for actions of the actions directory, as
//! on GitHub).

use super::ObjectBuilder;
use crate::error::CompileError;
use crate::values::constant;
use crate::workflow::action::{
    self, blake3_hex, check_runs, ActionFile, Found, Origin, Resolved, ACTIONS_CONTEXT, MAX_ACTION_DEPTH,
};
use crate::workflow::Gen;
use std::rc::Rc;
use w3_dsl::ast::{ExprOr, Job, RunsKind, Step, StepKind, Str, Workflow};
use w3_dsl::yaml::Node;
use w3_isa::{FunctionBuilder, FunctionKind, HostKind, Imm16, Op, Reg};
use w3_value::{Object, Value};

/// The hidden context in which a composite action's fiber collects what its steps wrote to
/// `$GITHUB_ENV`, for the caller. Expressions cannot name it (a context name has no dot).
pub(super) const EXPORTED_CONTEXT: &str = "w3.exported";

/// Which part of a JavaScript action a step runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Phase {
    /// `pre:`, when the steps around it start.
    Pre,
    /// `main:`, where the step is.
    Main,
    /// `post:`, when the steps around it end.
    Post,
}

/// A JavaScript action's `post:` to run when the job's steps end.
pub(crate) struct Post {
    label: String,
    step: Step,
    source: PostSource,
}

/// Where a post step finds the environment its action's main step ran with (null when the
/// main step did not run, and then the post step does not either).
#[derive(Clone, Copy)]
enum PostSource {
    /// A register of this function, set when the main step runs.
    Ran(Reg),
    /// Entry `index` of the `posts` array a composite action's fiber returned (in a register
    /// of this function, null until the action ran).
    Returned { posts: Reg, index: usize },
}

/// A post step a composite action hands to its caller: the caller runs it, or hands it on,
/// with the environment found in the `posts` array the action returns, at the same index.
pub(super) struct PostDesc {
    label: String,
    step: Step,
}

/// The hidden context a post step's preparation reads the environment of its action's main
/// step from.
pub(super) const POST_ENV_CONTEXT: &str = "w3.post-env";

/// Returns a `pre-if` or `post-if`, else `always()` (GitHub's default for both).
fn condition(written: &Option<Str>, step: &Step) -> Str {
    written.clone().unwrap_or_else(|| Str {
        value: "always()".into(),
        pos: step.pos,
        span: w3_dsl::Span::point(step.pos),
        style: w3_dsl::yaml::Style::Plain,
    })
}

/// Turns an error at a position of the action's metadata file into one naming that file.
fn in_file(e: CompileError, file: &str) -> CompileError {
    match e {
        CompileError::At { pos, message } => CompileError::Action { file: file.to_string(), pos, message },
        e => e,
    }
}

/// Quotes `s` for a POSIX shell.
fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

impl Gen<'_> {
    /// Returns the action a `uses:` step runs when it is compiled into the module: found (and
    /// checked) once per `uses:` value, its files hashed for the manifest.
    pub(super) fn action_of(&mut self, step: &Step) -> Result<Option<Rc<Resolved>>, CompileError> {
        let (Some(files), StepKind::Uses { uses, .. }) = (self.actions, &step.kind) else { return Ok(None) };
        if let Some(known) = self.resolved.get(&uses.value) {
            return Ok(known.clone());
        }
        let found = match action::resolve(files, uses)? {
            Found::Host => None,
            Found::Action { resolved, bytes } => {
                check_runs(&resolved, uses.pos)?;
                self.record(files, &resolved, &bytes)?;
                Some(resolved)
            }
        };
        self.resolved.insert(uses.value.clone(), found.clone());
        Ok(found)
    }

    /// Adds an action's metadata file, and the scripts of a JavaScript action, to the manifest.
    fn record(&mut self, files: &dyn action::ActionFiles, r: &Resolved, bytes: &[u8]) -> Result<(), CompileError> {
        let entry = |file: &str, hash: String| ActionFile {
            uses: r.uses.clone(),
            using: r.using().to_string(),
            file: file.to_string(),
            hash,
        };
        self.action_files.insert(entry(&r.file, blake3_hex(bytes)));
        self.keep(r, &r.file, bytes);
        let Some(RunsKind::Node { main, pre, post, .. }) = r.action.runs.as_ref().map(|r| &r.kind) else {
            // A composite action needs the shell for its own `run:` steps (the actions it uses
            // are recorded for themselves).
            if let Some(RunsKind::Composite { steps }) = r.action.runs.as_ref().map(|r| &r.kind) {
                self.action_shell |= steps.iter().any(|s| matches!(s.kind, StepKind::Run { .. }));
            }
            return Ok(());
        };
        self.action_shell = true;
        // A local action's `pre:` never runs (see `run_pres`), so its file is not needed.
        let pre = pre.as_ref().filter(|_| !matches!(r.origin, Origin::Repository(_)));
        for script in [main.as_ref(), pre, post.as_ref()].into_iter().flatten() {
            let path = match r.dir() {
                "" => script.value.trim_start_matches("./").to_string(),
                dir => format!("{dir}/{}", script.value.trim_start_matches("./")),
            };
            let read = match r.origin {
                Origin::Repository(_) => files.repository_file(&path),
                Origin::ActionDir(_) => files.action_dir_file(&path),
            };
            match read {
                Ok(Some(bytes)) => {
                    self.action_files.insert(entry(&path, blake3_hex(&bytes)));
                    self.keep(r, &path, &bytes);
                }
                Ok(None) => {
                    return Err(CompileError::Action {
                        file: r.shown.clone(),
                        pos: script.pos,
                        message: format!("the action's script `{path}` is not there"),
                    })
                }
                Err(e) => return Err(CompileError::Action { file: r.shown.clone(), pos: script.pos, message: e }),
            }
        }
        Ok(())
    }

    /// Keeps a file read for action `r`, for [`crate::Compiled::action_files`].
    fn keep(&mut self, r: &Resolved, path: &str, bytes: &[u8]) {
        let map = match r.origin {
            Origin::Repository(_) => Some(&mut self.read.repository),
            Origin::ActionDir(_) => self.read.action_dir.as_mut(),
        };
        if let Some(map) = map {
            map.insert(path.to_string(), bytes.to_vec());
        }
    }

    /// Notes that the step at `label` runs a JavaScript action with `post:`, and returns the
    /// register its step sets to its request's environment once it ran: kept (not released)
    /// until the end of the function, and cleared here, since a register may have served a
    /// step before.
    pub(super) fn register_post(&mut self, f: &mut FunctionBuilder, label: &str, step: &Step, r: &Resolved) -> Reg {
        let ran = f.reg();
        f.emit(Op::LoadNull { dst: ran });
        let Some(RunsKind::Node { post_if, .. }) = r.action.runs.as_ref().map(|r| &r.kind) else { return ran };
        // The post step: no id (it does not change `steps`), `post-if` (default `always()`)
        // as its condition.
        let post = Step { id: None, if_cond: Some(condition(post_if, step)), background: None, ..step.clone() };
        if let Some(list) = self.posts.last_mut() {
            list.push(Post { label: format!("{label} post"), step: post, source: PostSource::Ran(ran) });
        }
        ran
    }

    /// Runs the `post:` scripts registered by the leg's steps, the last first, each whose main
    /// step ran, as GitHub runs them at the end of the job.
    pub(super) fn run_posts(&mut self, f: &mut FunctionBuilder, wf: &Workflow, job: &Job) -> Result<(), CompileError> {
        let posts = self.posts.pop().unwrap_or_default();
        for post in posts.iter().rev() {
            let hidden = self.m.string(POST_ENV_CONTEXT);
            let skip = f.label();
            let mark = f.mark();
            let env = f.reg();
            self.post_env(f, post.source, env);
            f.jump_if_false(env, skip);
            f.emit(Op::SetContext { name: hidden, value: env });
            f.release(mark);
            self.phase = Phase::Post;
            let done = self.step(f, wf, job, &post.label, &post.step);
            self.phase = Phase::Main;
            done?;
            f.bind(skip);
        }
        Ok(())
    }

    /// Emits `dst` = the environment the main step of a post ran with, or null.
    fn post_env(&mut self, f: &mut FunctionBuilder, source: PostSource, dst: Reg) {
        match source {
            PostSource::Ran(ran) => {
                f.emit(Op::Move { dst, src: ran });
            }
            PostSource::Returned { posts, index } => {
                let k = self.m.number(index as f64);
                f.emit(Op::LoadConst { dst, k });
                f.emit(Op::Index { dst, obj: posts, key: dst });
            }
        }
    }

    /// Runs the `pre:` scripts of the JavaScript actions among `steps` (numbered from
    /// `label`), in order, before any of them, as GitHub runs them when the job starts: each
    /// under `pre-if` (default `always()`), with the inputs as they are then. As on GitHub, a
    /// local action's `pre:` does not run (the repository is not there when the job starts),
    /// nor that of an action a local composite action uses; inside a composite action from the
    /// actions directory it is not supported yet.
    pub(super) fn run_pres(
        &mut self,
        f: &mut FunctionBuilder,
        wf: &Workflow,
        job: &Job,
        label: &str,
        steps: &[Step],
    ) -> Result<(), CompileError> {
        for (i, step) in steps.iter().enumerate() {
            if !matches!(step.kind, StepKind::Uses { .. }) {
                continue;
            }
            let Some(r) = self.action_of(step)? else { continue };
            let Some(RunsKind::Node { pre: Some(script), pre_if, .. }) = r.action.runs.as_ref().map(|r| &r.kind) else {
                continue;
            };
            let local = |r: &Resolved| matches!(r.origin, Origin::Repository(_));
            if local(&r) || self.scope.iter().any(|s| local(s)) {
                continue;
            }
            if !self.scope.is_empty() {
                return Err(CompileError::Action {
                    file: r.shown.clone(),
                    pos: script.pos,
                    message: format!(
                        "`pre:` of an action that a composite action uses is not supported yet (`{}` used by `{}`)",
                        r.uses,
                        self.scope.last().map_or("", |s| s.uses.as_str())
                    ),
                });
            }
            let pre = Step { id: None, if_cond: Some(condition(pre_if, step)), background: None, ..step.clone() };
            let at = if label.is_empty() { format!("{} pre", i + 1) } else { format!("{label}/{} pre", i + 1) };
            self.phase = Phase::Pre;
            let done = self.step(f, wf, job, &at, &pre);
            self.phase = Phase::Main;
            done?;
        }
        Ok(())
    }

    /// Refuses a compiled action as a background step (not supported yet).
    pub(super) fn refuse_background_action(&mut self, step: &Step) -> Result<(), CompileError> {
        match self.action_of(step)? {
            Some(r) => Err(CompileError::at(
                step.pos,
                format!("the action `{}` cannot run in the background yet: only `run:` steps and actions run by the host can", r.uses),
            )),
            None => Ok(()),
        }
    }

    /// Emits `dst = github.action_path`.
    pub(super) fn load_action_path(&mut self, f: &mut FunctionBuilder, dst: Reg) {
        let (github, key) = (self.m.string("github"), self.m.string("action_path"));
        f.emit(Op::LoadContext { dst, name: github });
        f.emit(Op::GetProp { dst, obj: dst, name: key });
    }

    /// Emits `github.action_path = src`.
    pub(super) fn set_action_path(&mut self, f: &mut FunctionBuilder, src: Reg) {
        let mark = f.mark();
        let t = f.reg();
        let mut obj = ObjectBuilder::new(f, 1);
        let slot = obj.key(self, f, "action_path");
        f.emit(Op::Move { dst: slot, src });
        obj.finish(f, t);
        let github = self.m.string("github");
        f.emit(Op::MergeContext { name: github, src: t });
        f.release(mark);
    }

    /// Emits `dst` = the action's directory on the machine that runs the workflow: under
    /// `github.workspace` for a local action, under the actions directory (the hidden context
    /// [`ACTIONS_CONTEXT`]) otherwise. Only relative paths are compiled in.
    pub(super) fn action_path(&mut self, f: &mut FunctionBuilder, r: &Resolved, dst: Reg) {
        let mark = f.mark();
        let parts = f.regs(2);
        match &r.origin {
            Origin::Repository(_) => {
                let (github, workspace) = (self.m.string("github"), self.m.string("workspace"));
                f.emit(Op::LoadContext { dst: parts, name: github });
                f.emit(Op::GetProp { dst: parts, obj: parts, name: workspace });
            }
            Origin::ActionDir(_) => {
                let name = self.m.string(ACTIONS_CONTEXT);
                f.emit(Op::LoadContext { dst: parts, name });
            }
        }
        match r.dir() {
            "" => {
                f.emit(Op::Move { dst, src: parts });
            }
            dir => {
                self.load_text(f, Reg(parts.0 + 1), &format!("/{dir}"));
                f.emit(Op::Concat { dst, first: parts, count: Imm16(2) });
            }
        }
        f.release(mark);
    }

    /// Builds the inputs of action `r` for a step's `with:` into `dst`: as the `inputs` object
    /// of a composite action, or as `INPUT_<NAME>` variables (`as_env`) for a JavaScript one.
    /// Inputs not given take their default; a required input without one is a compile error.
    pub(super) fn action_inputs(
        &mut self,
        f: &mut FunctionBuilder,
        r: &Resolved,
        uses: &Str,
        with: &[(Str, Node)],
        as_env: bool,
        dst: Reg,
    ) -> Result<(), CompileError> {
        let given = |id: &str| with.iter().find(|(k, _)| k.value.eq_ignore_ascii_case(id));
        for input in &r.action.inputs {
            if input.required && input.default.is_none() && given(&input.id.value).is_none() {
                return Err(CompileError::at(
                    uses.pos,
                    format!(
                        "input `{}` is required by the action `{}` ({}:{}), but `with:` does not give it",
                        input.id.value, r.uses, r.shown, input.id.pos
                    ),
                ));
            }
        }
        let name =
            |id: &str| if as_env { format!("INPUT_{}", id.to_uppercase().replace(' ', "_")) } else { id.to_string() };
        let undeclared: Vec<&(Str, Node)> = with
            .iter()
            .filter(|(k, _)| !r.action.inputs.iter().any(|i| i.id.value.eq_ignore_ascii_case(&k.value)))
            .collect();
        let n = super::count(r.action.inputs.len() + undeclared.len(), "inputs")?;
        let mut obj = ObjectBuilder::new(f, n);
        for input in &r.action.inputs {
            match (given(&input.id.value), &input.default) {
                (Some((_, v)), _) => {
                    let slot = obj.key(self, f, &name(&input.id.value));
                    self.template(f, &super::with_text(v), slot)?;
                }
                (None, Some(default)) => {
                    let slot = obj.key(self, f, &name(&input.id.value));
                    // The default is written in the action's file.
                    let saved = std::mem::replace(&mut self.file, self.m.string(&r.file));
                    let done = self.template(f, default, slot);
                    self.file = saved;
                    done.map_err(|e| in_file(e, &r.shown))?;
                }
                (None, None) if !as_env => {
                    let slot = obj.key(self, f, &name(&input.id.value));
                    self.load_text(f, slot, "");
                }
                (None, None) => {}
            }
        }
        for (k, v) in undeclared {
            let slot = obj.key(self, f, &name(&k.value));
            self.template(f, &super::with_text(v), slot)?;
        }
        obj.finish(f, dst);
        Ok(())
    }

    /// Builds the shell request of a JavaScript action's step into `arg`: `node` on its `main:`
    /// file, from the workspace, with the step's environment (inputs included).
    pub(super) fn node_request(
        &mut self,
        f: &mut FunctionBuilder,
        job: &Job,
        step: &Step,
        r: &Resolved,
        arg: Reg,
    ) -> Result<HostKind, CompileError> {
        let Some(RunsKind::Node { main: Some(main), pre, post, .. }) = r.action.runs.as_ref().map(|r| &r.kind) else {
            return Err(CompileError::Internal(format!("`{}` is not a JavaScript action", r.uses)));
        };
        let main = match (self.phase, pre, post) {
            (Phase::Pre, Some(pre), _) => pre,
            (Phase::Post, _, Some(post)) => post,
            _ => main,
        };
        let cmd = format!(
            "if ! command -v node >/dev/null 2>&1; then\n  echo {} >&2\n  exit 127\nfi\nexec node \"$GITHUB_ACTION_PATH\"/{}\n",
            shell_quote(&format!(
                "w3: the JavaScript action {} ({}) needs Node.js, but \"node\" is not on PATH; install Node.js on the machine that runs the workflow",
                r.uses,
                r.using()
            )),
            shell_quote(main.value.trim_start_matches("./"))
        );
        if cmd.contains("${{") {
            return Err(CompileError::Action {
                file: r.shown.clone(),
                pos: main.pos,
                message: "`main:` must be a file name, not an expression".into(),
            });
        }
        let at = step.pos;
        let text = |value: &str| Str {
            value: value.to_string(),
            pos: at,
            span: w3_dsl::Span::point(at),
            style: w3_dsl::yaml::Style::Plain,
        };
        self.shell_request(f, job, step, &text(&cmd), Some(&text("bash")), None, arg)?;
        Ok(HostKind::Shell)
    }

    /// Compiles a step that uses composite action `r`: the step's `if:`, `env:` and inputs
    /// are evaluated as for any step, then the action's fiber runs and is joined.
    pub(super) fn composite_step(
        &mut self,
        f: &mut FunctionBuilder,
        wf: &Workflow,
        job: &Job,
        label: &str,
        step: &Step,
        r: &Rc<Resolved>,
    ) -> Result<(), CompileError> {
        let StepKind::Uses { uses, .. } = &step.kind else {
            return Err(CompileError::Internal("a composite action step without `uses:`".into()));
        };
        if let Some(t) = &step.timeout_minutes {
            return Err(CompileError::at(
                t.pos(),
                "`timeout-minutes` on a step that uses a composite action is not supported yet: its steps' host calls are timed one by one",
            ));
        }
        let id = step.id.as_ref().map(|s| s.value.clone()).unwrap_or_default();
        let tag = self.m.string(&id);
        let (prepare, _) = self.step_prepare(wf, job, label, step)?;
        let (child, descs) = self.composite_function(wf, job, label, uses, r)?;
        // The `posts` the action returns, kept until the job's steps end.
        let mut returned = None;
        if !descs.is_empty() {
            let posts = f.reg();
            f.emit(Op::LoadNull { dst: posts });
            returned = Some(posts);
            if let Some(list) = self.posts.last_mut() {
                for (index, d) in descs.into_iter().enumerate() {
                    list.push(Post { label: d.label, step: d.step, source: PostSource::Returned { posts, index } });
                }
            }
        }
        let mark = f.mark();
        let pair = f.regs(2);
        let (t, k, result, outcome, conclusion) = (f.reg(), f.reg(), f.reg(), f.reg(), f.reg());
        let (skipped, failed, decided, end) = (f.label(), f.label(), f.label(), f.label());
        self.span(f, step.pos);
        f.emit(Op::StepBegin { step: tag });
        f.emit(Op::LoadNull { dst: result });
        self.call_prepare(f, prepare, pair, t, failed);
        let (skip, request) = (self.m.string("skip"), self.m.string("request"));
        f.emit(Op::GetProp { dst: t, obj: pair, name: skip });
        f.jump_if_true(t, skipped);
        let mut obj = ObjectBuilder::new(f, 1);
        let slot = obj.key(self, f, "inputs");
        f.emit(Op::GetProp { dst: slot, obj: pair, name: request });
        obj.finish(f, t);
        f.emit(Op::Spawn { dst: result, func: child, arg: t });
        f.emit(Op::Join { dst: result, fiber: result });
        let (status, value, outputs) = (self.m.string("status"), self.m.string("result"), self.m.string("outputs"));
        f.emit(Op::GetProp { dst: t, obj: result, name: status });
        f.emit(Op::GetProp { dst: result, obj: result, name: value });
        f.emit(Op::GetProp { dst: k, obj: result, name: outputs });
        f.emit(Op::MergeOutputs { src: k });
        if let Some(returned) = returned {
            let posts = self.m.string("posts");
            f.emit(Op::GetProp { dst: returned, obj: result, name: posts });
        }
        // The action's status is the step's outcome: `failure` if one of its steps failed
        // (or an expression of it), else `success`.
        let success = self.m.string_constant("success");
        f.emit(Op::LoadConst { dst: k, k: success });
        f.emit(Op::Eq { dst: t, a: t, b: k });
        f.jump_if_false(t, failed);
        f.emit(Op::LoadConst { dst: outcome, k: success });
        f.jump(decided);
        f.bind(failed);
        self.load_text(f, outcome, "failure");
        f.bind(decided);
        self.conclude(f, step, tag, outcome, conclusion, t)?;
        self.export_action(f, result);
        f.jump(end);
        f.bind(skipped);
        self.load_text(f, outcome, "skipped");
        f.emit(Op::StepEnd { step: tag, outcome, conclusion: outcome });
        f.bind(end);
        f.release(mark);
        Ok(())
    }

    /// Hands what a composite action's steps wrote to `$GITHUB_ENV` and `$GITHUB_PATH` (in
    /// `result`, null when the action did not end normally) to the job's later steps.
    fn export_action(&mut self, f: &mut FunctionBuilder, result: Reg) {
        let (env, path, hidden) = (self.m.string("env"), self.m.string("path"), self.m.string(super::PATH_CONTEXT));
        let t = f.reg();
        f.emit(Op::GetProp { dst: t, obj: result, name: env });
        f.emit(Op::MergeEnv { src: t });
        if !self.scope.is_empty() {
            let exported = self.m.string(EXPORTED_CONTEXT);
            f.emit(Op::MergeContext { name: exported, src: t });
        }
        // The action's fiber started from this one's directories and added its own in front.
        let done = f.label();
        f.emit(Op::GetProp { dst: t, obj: result, name: path });
        f.jump_if_false(t, done);
        f.emit(Op::SetContext { name: hidden, value: t });
        f.bind(done);
    }

    /// Compiles the function a composite action's fiber runs (`r0` is `{inputs}`, which the
    /// VM makes the `inputs` context).
    fn composite_function(
        &mut self,
        wf: &Workflow,
        job: &Job,
        label: &str,
        uses: &Str,
        r: &Rc<Resolved>,
    ) -> Result<(w3_isa::FuncId, Vec<PostDesc>), CompileError> {
        if let Some(at) = self.scope.iter().position(|s| s.key() == r.key()) {
            let chain: Vec<&str> = self.scope[at..].iter().map(|s| s.uses.as_str()).chain([r.uses.as_str()]).collect();
            return Err(CompileError::at(
                uses.pos,
                format!("the composite action `{}` uses itself: {}", r.uses, chain.join(" → ")),
            ));
        }
        if self.scope.len() >= MAX_ACTION_DEPTH {
            return Err(CompileError::at(
                uses.pos,
                format!("composite actions nest deeper than {MAX_ACTION_DEPTH} levels here"),
            ));
        }
        let saved = std::mem::replace(&mut self.file, self.m.string(&r.file));
        self.scope.push(r.clone());
        let body = self.composite_body(wf, job, label, r);
        self.scope.pop();
        self.file = saved;
        let (f, posts) = body.map_err(|e| in_file(e, &r.shown))?;
        let name = format!("job {} step {label} action", job.id.value);
        Ok((self.m.function(&name, FunctionKind::Step, f)?, posts))
    }

    fn composite_body(
        &mut self,
        wf: &Workflow,
        job: &Job,
        label: &str,
        r: &Resolved,
    ) -> Result<(FunctionBuilder, Vec<PostDesc>), CompileError> {
        let Some(RunsKind::Composite { steps }) = r.action.runs.as_ref().map(|r| &r.kind) else {
            return Err(CompileError::Internal(format!("`{}` is not a composite action", r.uses)));
        };
        let mut f = FunctionBuilder::new(1);
        let t = f.reg();
        self.span(&mut f, r.action.pos);
        self.action_path(&mut f, r, t);
        self.set_action_path(&mut f, t);
        let empty = constant(&mut self.m, &Value::from(Object::new()));
        f.emit(Op::LoadConst { dst: t, k: empty });
        let exported = self.m.string(EXPORTED_CONTEXT);
        f.emit(Op::SetContext { name: exported, value: t });
        for step in steps {
            check_composite_step(step)?;
        }
        // `pre:` of JavaScript actions used here (see `run_pres`); their `post:` steps are
        // handed to the caller, to run at the end of the job.
        self.run_pres(&mut f, wf, job, label, steps)?;
        self.posts.push(Vec::new());
        for (i, step) in steps.iter().enumerate() {
            self.step(&mut f, wf, job, &format!("{label}/{}", i + 1), step)?;
        }
        let posts = self.posts.pop().unwrap_or_default();
        let n = super::count(posts.len(), "post steps")?;
        let first = f.regs(n.max(1));
        for (i, post) in posts.iter().enumerate() {
            self.post_env(&mut f, post.source, Reg(first.0 + i as u16));
        }
        let returned = f.reg();
        f.emit(Op::MakeArray { dst: returned, first, count: Imm16(n) });
        let n = super::count(r.action.outputs.len(), "outputs")?;
        let mut obj = ObjectBuilder::new(&mut f, n);
        for output in &r.action.outputs {
            let slot = obj.key(self, &mut f, &output.id.value);
            self.optional(&mut f, output.value.as_ref(), "", slot)?;
        }
        let outputs = f.reg();
        obj.finish(&mut f, outputs);
        let mut result = ObjectBuilder::new(&mut f, 4);
        let slot = result.key(self, &mut f, "outputs");
        f.emit(Op::Move { dst: slot, src: outputs });
        let slot = result.key(self, &mut f, "posts");
        f.emit(Op::Move { dst: slot, src: returned });
        let slot = result.key(self, &mut f, "env");
        f.emit(Op::LoadContext { dst: slot, name: exported });
        let slot = result.key(self, &mut f, "path");
        let hidden = self.m.string(super::PATH_CONTEXT);
        f.emit(Op::LoadContext { dst: slot, name: hidden });
        result.finish(&mut f, t);
        f.emit(Op::Return { src: t });
        let descs = posts.into_iter().map(|p| PostDesc { label: p.label, step: p.step }).collect();
        Ok((f, descs))
    }
}

/// Rejects what a step of a composite action may not have.
fn check_composite_step(step: &Step) -> Result<(), CompileError> {
    match &step.kind {
        StepKind::Run { shell: None, .. } => {
            return Err(CompileError::at(
                step.pos,
                "a `run` step of a composite action needs `shell:`, as GitHub requires",
            ))
        }
        StepKind::Run { .. } | StepKind::Uses { .. } => {}
        _ => return Err(CompileError::at(step.pos, "a composite action's steps are `run` and `uses` steps only")),
    }
    let unsupported = [
        (step.background.as_ref().map(ExprOr::pos), "background"),
        (step.verification.as_ref().map(|v| v.pos), "verification"),
    ];
    match unsupported.into_iter().find_map(|(pos, key)| pos.map(|p| (p, key))) {
        Some((pos, key)) => {
            Err(CompileError::at(pos, format!("`{key}` is not supported in a composite action's steps")))
        }
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use crate::workflow::{compile_selection, MemoryActionFiles, Selection};
    use crate::CompileError;

    fn files(list: &[(&str, &str)]) -> MemoryActionFiles {
        let repository = list.iter().map(|(p, t)| (p.to_string(), t.as_bytes().to_vec())).collect();
        MemoryActionFiles { repository, action_dir: None }
    }

    fn compile(wf: &str, files: &MemoryActionFiles) -> Result<crate::Compiled, CompileError> {
        compile_selection(wf, "w.yml", &Selection { actions: Some(files), ..Selection::default() })
    }

    fn manifest(c: &crate::Compiled) -> serde_json::Value {
        serde_json::from_str(&c.manifest.to_json()).unwrap()
    }

    const WF: &str = "on: push\njobs:\n  j:\n    runs-on: x\n    steps:\n      - id: a\n        uses: ./act\n        with:\n          who: me\n";
    const GREET: &str = "name: greet\ninputs:\n  who:\n    required: true\n  how:\n    default: hi\noutputs:\n  said:\n    value: ${{ steps.s.outputs.x }}\nruns:\n  using: composite\n  steps:\n    - id: s\n      shell: bash\n      run: echo ${{ inputs.how }} ${{ inputs.who }}\n    - uses: actions/checkout@v4\n";

    #[test]
    fn a_composite_action_becomes_a_fiber_of_the_job() {
        let c = compile(WF, &files(&[("act/action.yml", GREET)])).unwrap();
        let names: Vec<&str> = c.module.functions.iter().map(|f| c.module.string(f.name).unwrap()).collect();
        for name in ["job j step 1 action", "job j step 1/1", "job j step 1/2"] {
            assert!(names.contains(&name), "{names:?}");
        }
        let m = manifest(&c);
        assert_eq!(m["jobs"][0]["steps"][0]["kind"], "composite-action");
        // The action's shell step counts; only the nested remote action goes to the host.
        assert_eq!(m["capabilities"]["shell"], true);
        assert_eq!(m["capabilities"]["githubActions"], serde_json::json!(["actions/checkout@v4"]));
        let file = &m["actionFiles"][0];
        assert_eq!(file["file"], "act/action.yml");
        assert_eq!(file["using"], "composite");
        assert!(file["hash"].as_str().unwrap().starts_with("blake3:"));
        assert_eq!(c.action_files.repository.keys().collect::<Vec<_>>(), ["act/action.yml"]);
        assert!(c.manifest.vm_gas_bound().unwrap() > 0);
    }

    #[test]
    fn compiling_is_deterministic_and_covers_the_action_files() {
        let fs = files(&[("act/action.yml", GREET)]);
        let (a, b) = (compile(WF, &fs).unwrap(), compile(WF, &fs).unwrap());
        assert_eq!(a.module.encode(), b.module.encode());
        // Recompiling from the files the compilation read gives the same module.
        let again = compile(WF, &a.action_files).unwrap();
        assert_eq!(again.module.encode(), a.module.encode());
        // A change that compiles to the same code still changes the content hash.
        let described = GREET.replacen("name: greet\n", "name: greet\ndescription: says hello\n", 1);
        let c = compile(WF, &files(&[("act/action.yml", &described)])).unwrap();
        assert_ne!(c.module.content_hash(), a.module.content_hash());
    }

    #[test]
    fn a_composite_action_without_run_steps_needs_no_shell() {
        let only_uses = "runs:\n  using: composite\n  steps:\n    - uses: actions/checkout@v4\n";
        let c = compile(&WF.replace("who: me", "x: y"), &files(&[("act/action.yml", only_uses)])).unwrap();
        let m = manifest(&c);
        assert_eq!(m["capabilities"]["shell"], false);
        assert_eq!(m["capabilities"]["githubActions"], serde_json::json!(["actions/checkout@v4"]));
    }

    #[test]
    fn without_a_resolver_uses_stay_host_calls() {
        let c = compile_selection(WF, "w.yml", &Selection::default()).unwrap();
        let m = manifest(&c);
        assert_eq!(m["jobs"][0]["steps"][0]["kind"], "github-action");
        assert_eq!(m["capabilities"]["githubActions"], serde_json::json!(["./act"]));
        assert!(m.get("actionFiles").is_none());
    }

    fn error(wf: &str, list: &[(&str, &str)]) -> String {
        match compile(wf, &files(list)) {
            Ok(_) => panic!("compiled"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn a_missing_local_action_is_an_error_at_the_uses() {
        let e = error(WF, &[]);
        assert_eq!(
            e,
            "7:15: ./act/action.yml not found under the repository: w3 compiles local actions at deploy time, so they must be in the repository"
        );
        // `action.yaml` is found too; `..` may not leave the repository.
        assert!(compile(WF, &files(&[("act/action.yaml", GREET)])).is_ok());
        let e = error(&WF.replace("./act", "./../x"), &[]);
        assert!(e.contains("leaves the repository"), "{e}");
    }

    #[test]
    fn inputs_required_without_default_must_be_given() {
        let e = error(&WF.replace("who: me", "how: yo"), &[("act/action.yml", GREET)]);
        assert_eq!(
            e,
            "7:15: input `who` is required by the action `./act` (act/action.yml:3:3), but `with:` does not give it"
        );
    }

    #[test]
    fn errors_in_action_metadata_point_into_the_action_file() {
        let e = error(WF, &[("act/action.yml", "name: x\nrunz: 1\nruns:\n  using: composite\n  steps: []\n")]);
        assert!(
            e.starts_with("act/action.yml:2:1: unexpected key \"runz\" for action metadata; did you mean \"runs\"?"),
            "{e}"
        );
        assert!(e.contains("(the action `./act` used at line 7)"), "{e}");
        let e = error(WF, &[("act/action.yml", "name: x\nruns:\n  using: composite\n  stepz: []\n")]);
        assert!(e.starts_with("act/action.yml:3:3: \"steps\" is missing"), "{e}");
        let e = error(WF, &[("act/action.yml", "runs:\n  using: composite\n  steps:\n    - run: echo\n")]);
        assert_eq!(e, "act/action.yml:4:7: a `run` step of a composite action needs `shell:`, as GitHub requires");
        let e = error(
            WF,
            &[(
                "act/action.yml",
                "runs:\n  using: composite\n  steps:\n    - shell: bash\n      run: echo ${{ nope( }}\n",
            )],
        );
        assert!(e.starts_with("act/action.yml:5:"), "{e}");
        let e = error(WF, &[("act/action.yml", "runs:\n  using: docker\n  image: Dockerfile\n")]);
        assert!(e.starts_with("act/action.yml:2:10: Docker actions (`using: docker`) are not supported"), "{e}");
        let e = error(WF, &[("act/action.yml", "runs:\n  using: node20\n  main: x.js\n")]);
        assert_eq!(e, "act/action.yml:3:9: the action's script `act/x.js` is not there");
        // A local action's `pre:` does not run, so its file need not be there.
        let pre = "runs:\n  using: node20\n  main: x.js\n  pre: p.js\n";
        assert!(compile(WF, &files(&[("act/action.yml", pre), ("act/x.js", "")])).is_ok());
        let bad_post_if = "runs:\n  using: node20\n  main: x.js\n  post: x.js\n  post-if: success(\n";
        let e = error(WF, &[("act/action.yml", bad_post_if), ("act/x.js", "")]);
        assert!(e.starts_with("act/action.yml:5:12: `post-if`:"), "{e}");
    }

    #[test]
    fn nested_composite_actions_compile_and_cycles_are_errors() {
        let outer = "runs:\n  using: composite\n  steps:\n    - uses: ./inner\n";
        let inner = "runs:\n  using: composite\n  steps:\n    - shell: sh\n      run: echo inner\n";
        let c = compile(
            WF.replace("who: me", "x: y").as_str(),
            &files(&[("act/action.yml", outer), ("inner/action.yml", inner)]),
        )
        .unwrap();
        let names: Vec<&str> = c.module.functions.iter().map(|f| c.module.string(f.name).unwrap()).collect();
        assert!(names.contains(&"job j step 1/1 action") && names.contains(&"job j step 1/1/1"), "{names:?}");
        assert_eq!(manifest(&c)["actionFiles"].as_array().unwrap().len(), 2);
        let looping = "runs:\n  using: composite\n  steps:\n    - uses: ./act\n";
        let e = error(WF, &[("act/action.yml", outer), ("inner/action.yml", looping)]);
        assert_eq!(e, "inner/action.yml:4:13: the composite action `./act` uses itself: ./act → ./inner → ./act");
    }

    #[test]
    fn javascript_actions_become_shell_steps_with_their_inputs() {
        let js = "inputs:\n  who:\n    default: x\n  my input:\n    default: d\nruns:\n  using: node20\n  main: dist/index.js\n";
        let c = compile(WF, &files(&[("act/action.yml", js), ("act/dist/index.js", "//")])).unwrap();
        let m = manifest(&c);
        assert_eq!(m["jobs"][0]["steps"][0]["kind"], "javascript-action");
        assert_eq!(m["capabilities"]["shell"], true);
        assert_eq!(m["capabilities"]["githubActions"], serde_json::json!([]));
        let files: Vec<&str> =
            m["actionFiles"].as_array().unwrap().iter().map(|f| f["file"].as_str().unwrap()).collect();
        assert_eq!(files, ["act/action.yml", "act/dist/index.js"]);
        let text = w3_isa::disassemble(&c.module, &[]);
        for needle in ["INPUT_WHO", "INPUT_MY_INPUT", "exec node \\\"$GITHUB_ACTION_PATH\\\"/'dist/index.js'"] {
            assert!(text.contains(needle), "{needle} not in\n{text}");
        }
    }

    #[test]
    fn remote_actions_come_from_the_actions_directory_when_there() {
        let wf =
            "on: push\njobs:\n  j:\n    runs-on: x\n    steps:\n      - uses: o/r/sub@v1\n      - uses: o/other@v2\n";
        let composite = "runs:\n  using: composite\n  steps:\n    - shell: sh\n      run: echo remote\n";
        let dir = [("o/r@v1/sub/action.yml".to_string(), composite.as_bytes().to_vec())].into();
        let fs = MemoryActionFiles { action_dir: Some(dir), ..MemoryActionFiles::default() };
        let c = compile(wf, &fs).unwrap();
        let m = manifest(&c);
        assert_eq!(m["jobs"][0]["steps"][0]["kind"], "composite-action");
        assert_eq!(m["jobs"][0]["steps"][1]["kind"], "github-action");
        assert_eq!(m["capabilities"]["githubActions"], serde_json::json!(["o/other@v2"]));
        assert_eq!(m["actionFiles"][0]["file"], "o/r@v1/sub/action.yml");
        assert_eq!(c.action_files.action_dir.as_ref().unwrap().len(), 1);
    }

    #[test]
    fn a_timeout_on_a_composite_action_step_is_refused() {
        let wf = WF.replace("        with:", "        timeout-minutes: 5\n        with:");
        let e = error(&wf, &[("act/action.yml", GREET)]);
        assert!(
            e.starts_with("8:26: `timeout-minutes` on a step that uses a composite action is not supported yet"),
            "{e}"
        );
    }

    #[test]
    fn pre_runs_for_actions_of_the_actions_directory_only() {
        let wf = "on: push\njobs:\n  j:\n    runs-on: x\n    steps:\n      - uses: o/c@v1\n";
        let js = "runs:\n  using: node20\n  pre: p.js\n  main: m.js\n";
        let composite = "runs:\n  using: composite\n  steps:\n    - uses: o/js@v1\n";
        let dir =
            [("o/c@v1/action.yml", composite), ("o/js@v1/action.yml", js), ("o/js@v1/p.js", ""), ("o/js@v1/m.js", "")];
        let dir = dir.iter().map(|(p, t)| (p.to_string(), t.as_bytes().to_vec())).collect();
        let fs = MemoryActionFiles { action_dir: Some(dir), ..MemoryActionFiles::default() };
        let e = compile(wf, &fs).err().map(|e| e.to_string()).unwrap_or_default();
        assert_eq!(
            e,
            "the actions directory/o/js@v1/action.yml:3:8: `pre:` of an action that a composite action uses is not supported yet (`o/js@v1` used by `o/c@v1`)"
        );
        let c = compile(&wf.replace("o/c@v1", "o/js@v1"), &fs).unwrap();
        let names: Vec<&str> = c.module.functions.iter().map(|f| c.module.string(f.name).unwrap()).collect();
        assert!(names.contains(&"job j step 1 pre"), "{names:?}");
    }

    #[test]
    fn post_of_an_action_inside_a_composite_action_runs_in_the_leg() {
        let js = "runs:\n  using: node20\n  main: m.js\n  post: p.js\n";
        let inner = "runs:\n  using: composite\n  steps:\n    - uses: ./js\n";
        let outer = "runs:\n  using: composite\n  steps:\n    - uses: ./inner\n    - uses: ./js\n";
        let list = [
            ("act/action.yml", outer),
            ("inner/action.yml", inner),
            ("js/action.yml", js),
            ("js/m.js", ""),
            ("js/p.js", ""),
        ];
        let c = compile(&WF.replace("who: me", "x: y"), &files(&list)).unwrap();
        let names: Vec<&str> = c.module.functions.iter().map(|f| c.module.string(f.name).unwrap()).collect();
        // The post steps are the leg's: prepared by functions of their own, after the action's.
        for name in ["job j step 1/1/1", "job j step 1/2", "job j step 1/1/1 post", "job j step 1/2 post"] {
            assert!(names.contains(&name), "{name} not in {names:?}");
        }
        assert!(c.manifest.vm_gas_bound().unwrap() > 0);
    }

    #[test]
    fn compiled_actions_cannot_run_in_the_background_yet() {
        let wf = WF.replace("        with:", "        background: true\n        with:");
        let e = error(&wf, &[("act/action.yml", GREET)]);
        assert!(e.starts_with("6:9: the action `./act` cannot run in the background yet"), "{e}");
    }
}
