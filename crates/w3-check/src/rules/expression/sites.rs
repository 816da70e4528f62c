//! Every place in a workflow where GitHub evaluates expressions, with the key of the "context
//! availability" table that says which contexts and functions may be used there.

use w3_dsl::ast::{Combination, Concurrency, Container, Env, Event, ExprOr, Job, Matrix, StepKind, Str, Workflow};
use w3_dsl::yaml::{Node, NodeKind};

/// Returns the scalars inside a YAML value that hold `${{`, in document order.
pub fn scalars(n: &Node) -> Vec<&Node> {
    let mut out = Vec::new();
    let mut todo = vec![n];
    while let Some(x) = todo.pop() {
        match &x.kind {
            NodeKind::Scalar { value, .. } if value.contains("${{") => out.push(x),
            NodeKind::Seq(items) => todo.extend(items.iter().rev()),
            NodeKind::Map(entries) => todo.extend(entries.iter().rev().map(|e| &e.value)),
            _ => {}
        }
    }
    out
}

/// How GitHub reads the text at a site.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A string in which `${{ }}` placeholders are substituted.
    Template,
    /// An `if:` condition: the whole text is an expression even without `${{ }}`.
    Condition,
    /// A `run:` script: like a template, and placeholders there are injection risks.
    Script,
    /// An input of an action; `script` inputs of github-script are injection risks too.
    ActionInput,
    /// A value that may be an object or array when written as one `${{ }}` (`env:`, matrix,
    /// `runs-on`, credentials, services).
    Object,
}

/// One string that may hold expressions.
pub struct Site<'a> {
    pub text: &'a Str,
    /// The row of the context availability table, e.g. `jobs.<job_id>.steps.run`.
    pub key: &'static str,
    pub kind: Kind,
    /// The job the site belongs to, if any.
    pub job: Option<usize>,
    /// The step within the job, if any.
    pub step: Option<usize>,
}

struct Walk<'a> {
    out: Vec<Site<'a>>,
    job: Option<usize>,
    step: Option<usize>,
}

impl<'a> Walk<'a> {
    fn add(&mut self, text: &'a Str, key: &'static str, kind: Kind) {
        self.out.push(Site { text, key, kind, job: self.job, step: self.step });
    }

    fn opt(&mut self, text: Option<&'a Str>, key: &'static str) {
        if let Some(t) = text {
            self.add(t, key, Kind::Template);
        }
    }

    fn expr_or<T>(&mut self, v: Option<&'a ExprOr<T>>, key: &'static str) {
        if let Some(ExprOr::Expr(s)) = v {
            self.add(s, key, Kind::Template);
        }
    }

    fn env(&mut self, env: Option<&'a Env>, key: &'static str) {
        match env {
            Some(Env::Expr(s)) => self.add(s, key, Kind::Object),
            Some(Env::Vars { vars, .. }) => {
                for v in vars {
                    self.add(&v.name, key, Kind::Template);
                    self.add(&v.value, key, Kind::Template);
                }
            }
            None => {}
        }
    }

    fn concurrency(&mut self, c: Option<&'a Concurrency>, key: &'static str) {
        if let Some(c) = c {
            self.opt(c.group.as_ref(), key);
            self.expr_or(c.cancel_in_progress.as_ref(), key);
        }
    }

    fn container(&mut self, c: &'a Container, key: &'static str, creds: &'static str, env: &'static str) {
        self.opt(c.image.as_ref(), key);
        self.opt(c.options.as_ref(), key);
        for p in c.ports.iter().chain(&c.volumes) {
            self.add(p, key, Kind::Template);
        }
        if let Some(cr) = &c.credentials {
            if let Some(e) = &cr.expr {
                self.add(e, creds, Kind::Object);
            }
            self.opt(cr.username.as_ref(), creds);
            self.opt(cr.password.as_ref(), creds);
        }
        self.env(c.env.as_ref(), env);
    }

    fn job(&mut self, job: &'a Job, scalars: &mut Vec<(&'a Node, &'static str, Option<usize>)>) {
        self.opt(job.name.as_ref(), "jobs.<job_id>.name");
        if let Some(c) = job.snapshot.as_ref().and_then(|s| s.if_cond.as_ref()) {
            self.add(c, "jobs.<job_id>.snapshot.if", Kind::Condition);
        }
        if let Some(c) = &job.if_cond {
            self.add(c, "jobs.<job_id>.if", Kind::Condition);
        }
        for l in job.runs_on.iter().flat_map(|r| r.labels()) {
            self.add(l, "jobs.<job_id>.runs-on", Kind::Object);
        }
        if let Some(w3_dsl::ast::RunsOn::Group { group: Some(g), .. }) = &job.runs_on {
            self.add(g, "jobs.<job_id>.runs-on", Kind::Template);
        }
        if let Some(e) = &job.environment {
            self.opt(e.name.as_ref(), "jobs.<job_id>.environment");
            self.opt(e.url.as_ref(), "jobs.<job_id>.environment.url");
        }
        for (_, v) in &job.outputs {
            self.add(v, "jobs.<job_id>.outputs.<output_id>", Kind::Template);
        }
        self.env(job.env.as_ref(), "jobs.<job_id>.env");
        if let Some(run) = job.defaults.as_ref().and_then(|d| d.run.as_ref()) {
            self.opt(run.shell.as_ref(), "jobs.<job_id>.defaults.run");
            self.opt(run.working_directory.as_ref(), "jobs.<job_id>.defaults.run");
        }
        if let Some(s) = &job.strategy {
            self.strategy(s, scalars);
        }
        self.expr_or(job.timeout_minutes.as_ref(), "jobs.<job_id>.timeout-minutes");
        self.expr_or(job.continue_on_error.as_ref(), "jobs.<job_id>.continue-on-error");
        self.concurrency(job.concurrency.as_ref(), "jobs.<job_id>.concurrency");
        if let Some(c) = &job.container {
            self.container(
                c,
                "jobs.<job_id>.container",
                "jobs.<job_id>.container.credentials",
                "jobs.<job_id>.container.env.<env_id>",
            );
        }
        if let Some(e) = &job.services_expr {
            self.add(e, "jobs.<job_id>.services", Kind::Object);
        }
        for (_, s) in &job.services {
            self.container(
                s,
                "jobs.<job_id>.services",
                "jobs.<job_id>.services.<service_id>.credentials",
                "jobs.<job_id>.services.<service_id>.env.<env_id>",
            );
        }
        for (_, v) in &job.with {
            scalars.push((v, "jobs.<job_id>.with.<with_id>", None));
        }
        if let Some(w3_dsl::ast::JobSecrets::Map { secrets, .. }) = &job.secrets {
            for (_, v) in secrets {
                self.add(v, "jobs.<job_id>.secrets.<secrets_id>", Kind::Template);
            }
        }
        for (i, step) in job.steps.iter().enumerate() {
            self.step = Some(i);
            self.step_sites(step, scalars);
        }
        self.step = None;
    }

    fn strategy(&mut self, s: &'a w3_dsl::ast::Strategy, scalars: &mut Vec<(&'a Node, &'static str, Option<usize>)>) {
        const KEY: &str = "jobs.<job_id>.strategy";
        self.expr_or(s.fail_fast.as_ref(), KEY);
        self.expr_or(s.max_parallel.as_ref(), KEY);
        match &s.matrix {
            Some(Matrix::Expr(e)) => self.add(e, KEY, Kind::Object),
            Some(Matrix::Rows { rows, include, exclude, .. }) => {
                for r in rows {
                    match &r.values {
                        ExprOr::Expr(e) => self.add(e, KEY, Kind::Object),
                        ExprOr::Lit { value, .. } => value.iter().for_each(|v| scalars.push((v, KEY, None))),
                    }
                }
                for c in include.iter().chain(exclude) {
                    match &c.value {
                        ExprOr::Expr(e) => self.add(e, KEY, Kind::Object),
                        ExprOr::Lit { value, .. } => {
                            for combo in value {
                                match combo {
                                    Combination::Expr(e) => self.add(e, KEY, Kind::Object),
                                    Combination::Assign { pairs, .. } => {
                                        pairs.iter().for_each(|(_, v)| scalars.push((v, KEY, None)))
                                    }
                                }
                            }
                        }
                    }
                }
            }
            None => {}
        }
    }

    fn step_sites(&mut self, step: &'a w3_dsl::ast::Step, scalars: &mut Vec<(&'a Node, &'static str, Option<usize>)>) {
        if let Some(c) = &step.if_cond {
            self.add(c, "jobs.<job_id>.steps.if", Kind::Condition);
        }
        self.opt(step.name.as_ref(), "jobs.<job_id>.steps.name");
        self.env(step.env.as_ref(), "jobs.<job_id>.steps.env");
        self.expr_or(step.continue_on_error.as_ref(), "jobs.<job_id>.steps.continue-on-error");
        self.expr_or(step.timeout_minutes.as_ref(), "jobs.<job_id>.steps.timeout-minutes");
        match &step.kind {
            StepKind::Run { run, shell, working_directory } => {
                self.add(run, "jobs.<job_id>.steps.run", Kind::Script);
                self.opt(shell.as_ref(), "jobs.<job_id>.steps.shell");
                self.opt(working_directory.as_ref(), "jobs.<job_id>.steps.working-directory");
            }
            StepKind::Uses { with, .. } => {
                for (_, v) in with {
                    scalars.push((v, "jobs.<job_id>.steps.with", self.step));
                }
            }
            StepKind::Parallel { steps } => steps.iter().for_each(|s| self.step_sites(s, scalars)),
            StepKind::Wait { .. } | StepKind::WaitAll | StepKind::Cancel { .. } | StepKind::Invalid => {}
        }
    }
}

/// A free-form YAML value read as a template: the value, its key path, its job and its step.
pub type DataValue<'a> = (&'a Node, &'static str, Option<usize>, Option<usize>);

/// Returns every expression site of `wf`, plus the YAML values (with their keys, jobs and steps)
/// of free-form data such as `with:` and matrix rows, whose scalars the caller reads as
/// templates (see [`scalars`]).
pub fn collect(wf: &Workflow) -> (Vec<Site<'_>>, Vec<DataValue<'_>>) {
    let mut w = Walk { out: Vec::new(), job: None, step: None };
    let mut scalars: Vec<DataValue<'_>> = Vec::new();
    w.opt(wf.run_name.as_ref(), "run-name");
    w.env(wf.env.as_ref(), "env");
    w.concurrency(wf.concurrency.as_ref(), "concurrency");
    if let Some(run) = wf.defaults.as_ref().and_then(|d| d.run.as_ref()) {
        w.opt(run.shell.as_ref(), "defaults.run");
        w.opt(run.working_directory.as_ref(), "defaults.run");
    }
    for e in &wf.on {
        if let Event::WorkflowCall(c) = e {
            for i in &c.inputs {
                if let Some(d) = &i.default {
                    scalars.push((d, "on.workflow_call.inputs.<inputs_id>.default", None, None));
                }
            }
            for o in &c.outputs {
                w.opt(o.value.as_ref(), "on.workflow_call.outputs.<output_id>.value");
            }
        }
    }
    for (j, job) in wf.jobs.iter().enumerate() {
        w.job = Some(j);
        let mut local = Vec::new();
        w.job(job, &mut local);
        scalars.extend(local.into_iter().map(|(n, k, s)| (n, k, Some(j), s)));
    }
    (w.out, scalars)
}
