//! The types of the contexts at one expression site, refined from the workflow itself: declared
//! inputs and secrets, the job's matrix, the steps before the current one, the jobs in `needs`.

use super::sites::Site;
use crate::knowledge::types::{Obj, Ty};
use crate::knowledge::{actions, contexts};
use crate::Config;
use std::borrow::Cow;
use std::sync::OnceLock;
use w3_dsl::ast::{Event, ExprOr, Job, JobIndex, Matrix, Workflow};
use w3_dsl::yaml::{Node, NodeKind, Resolved};

/// Returns the type of a literal YAML value (matrix values, input defaults).
pub fn node_type(n: &Node) -> Ty {
    match &n.kind {
        NodeKind::Scalar { value, .. } if value.contains("${{") => Ty::Any,
        NodeKind::Scalar { .. } => match n.resolve() {
            Some(Resolved::Null) => Ty::Null,
            Some(Resolved::Bool(_)) => Ty::Bool,
            Some(Resolved::Int(_) | Resolved::Float(_)) => Ty::Number,
            _ => Ty::String,
        },
        NodeKind::Seq(items) => Ty::array(items.iter().map(node_type).reduce(Ty::merge).unwrap_or(Ty::Any)),
        NodeKind::Map(entries) => {
            Ty::object(entries.iter().map(|e| (e.key.as_scalar().unwrap_or(""), node_type(&e.value))))
        }
        NodeKind::RecursiveAlias { .. } => Ty::Any,
    }
}

fn input_type(ty: Option<&str>) -> Ty {
    match ty {
        Some("boolean") => Ty::Bool,
        Some("number") => Ty::Number,
        Some("string" | "choice" | "environment") | None => Ty::String,
        Some(_) => Ty::Any,
    }
}

/// Returns the type of `inputs`: the inputs of `workflow_dispatch` and `workflow_call`, or an
/// empty object when the workflow takes none.
fn inputs(wf: &Workflow) -> Ty {
    let mut props: Vec<(String, Ty)> = Vec::new();
    let mut any_trigger = false;
    for e in &wf.on {
        let list = match e {
            Event::WorkflowDispatch(d) => &d.inputs,
            Event::WorkflowCall(c) => &c.inputs,
            _ => continue,
        };
        any_trigger = true;
        for i in list {
            props.push((i.id.value.clone(), input_type(i.ty.as_ref().map(|t| t.value.as_str()))));
        }
    }
    if !any_trigger {
        return Ty::object(Vec::<(String, Ty)>::new());
    }
    Ty::object(props)
}

/// Returns the type of `secrets`: for a reusable workflow, its declared secrets.
fn secrets(wf: &Workflow) -> Ty {
    match wf.workflow_call() {
        Some(call) if !call.secrets.is_empty() => {
            let mut props: Vec<(String, Ty)> = vec![("github_token".into(), Ty::String)];
            props.extend(call.secrets.iter().map(|s| (s.id.value.clone(), Ty::String)));
            Ty::object(props)
        }
        _ => contexts::secrets(),
    }
}

/// Returns the type of `matrix` in `job`: the rows and `include` keys of a literal matrix,
/// `any` for a computed one, and an empty object when the job has no matrix.
pub fn matrix(job: &Job) -> Ty {
    let Some(m) = job.strategy.as_ref().and_then(|s| s.matrix.as_ref()) else {
        return Ty::object(Vec::<(String, Ty)>::new());
    };
    let Matrix::Rows { rows, include, .. } = m else { return Ty::Any };
    let mut obj = Obj::default();
    for r in rows {
        let t = match &r.values {
            ExprOr::Lit { value, .. } => value.iter().map(node_type).reduce(Ty::merge).unwrap_or(Ty::Any),
            ExprOr::Expr(_) => Ty::Any,
        };
        obj.props.insert(r.key.value.to_ascii_lowercase(), t);
    }
    match include.as_ref().map(|i| &i.value) {
        Some(ExprOr::Expr(_)) => return Ty::Any,
        Some(ExprOr::Lit { value, .. }) => {
            for c in value {
                match c {
                    w3_dsl::ast::Combination::Assign { pairs, .. } => {
                        for (k, v) in pairs {
                            let key = k.value.to_ascii_lowercase();
                            let t = node_type(v);
                            let merged = match obj.props.remove(&key) {
                                Some(old) => old.merge(t),
                                None => t,
                            };
                            obj.props.insert(key, merged);
                        }
                    }
                    w3_dsl::ast::Combination::Expr(_) => return Ty::Any,
                }
            }
        }
        None => {}
    }
    Ty::Object(obj)
}

/// Returns the type of `steps.<id>` for `step`: its outputs are known exactly when it uses a
/// popular action whose outputs are listed.
fn step_result(step: &w3_dsl::ast::Step) -> Ty {
    let outputs = match &step.kind {
        w3_dsl::ast::StepKind::Uses { uses, .. } => {
            match actions::split_uses(&uses.value).and_then(|(n, r)| actions::action(n, r)) {
                Some(spec) if !spec.extra_outputs => Ty::object(spec.outputs.iter().map(|o| (*o, Ty::String))),
                _ => Ty::map(Ty::String),
            }
        }
        _ => Ty::map(Ty::String),
    };
    Ty::object([("conclusion", Ty::String), ("outcome", Ty::String), ("outputs", outputs)])
}

/// Returns the type of `steps`: the steps with an id that run before step `upto` (all steps
/// when `None`).
fn steps(job: &Job, upto: Option<usize>) -> Ty {
    let end = upto.unwrap_or(job.steps.len()).min(job.steps.len());
    Ty::object(job.steps[..end].iter().filter_map(|s| s.id.as_ref().map(|id| (id.value.clone(), step_result(s)))))
}

/// Returns the type of `needs`: the jobs this job needs, with their declared outputs.
fn needs(wf: &Workflow, index: &JobIndex, job: &Job) -> Ty {
    Ty::object(job.needs.iter().map(|n| {
        let outputs = match index.get(&n.value).map(|i| &wf.jobs[i]) {
            Some(j) if j.uses.is_none() => Ty::object(j.outputs.iter().map(|(k, _)| (k.value.clone(), Ty::String))),
            _ => Ty::map(Ty::String),
        };
        (n.value.clone(), Ty::object([("outputs", outputs), ("result", Ty::String)]))
    }))
}

/// Returns the type of `jobs` (in `on.workflow_call.outputs`): every job with its outputs.
fn jobs(wf: &Workflow) -> Ty {
    Ty::object(wf.jobs.iter().map(|j| {
        let outputs = if j.uses.is_some() {
            Ty::map(Ty::String)
        } else {
            Ty::object(j.outputs.iter().map(|(k, _)| (k.value.clone(), Ty::String)))
        };
        (j.id.value.clone(), Ty::object([("outputs", outputs), ("result", Ty::String)]))
    }))
}

/// The context types at one site.
pub struct TypeEnv {
    entries: Vec<(&'static str, Cow<'static, Ty>)>,
}

impl TypeEnv {
    /// Builds the context types for `site` of `wf`.
    pub fn new(wf: &Workflow, index: &JobIndex, site: &Site<'_>, config: &Config) -> Self {
        let job = site.job.and_then(|j| wf.jobs.get(j));
        let vars = match &config.config_variables {
            Some(names) => Ty::object(names.iter().map(|n| (n.clone(), Ty::String))),
            None => contexts::vars(),
        };
        static FIXED: OnceLock<[Ty; 5]> = OnceLock::new();
        let [env, github, job_ty, runner, strategy] = FIXED.get_or_init(|| {
            [contexts::env(), contexts::github(), contexts::job(), contexts::runner(), contexts::strategy()]
        });
        let own = Cow::Owned;
        let entries = vec![
            ("env", Cow::Borrowed(env)),
            ("github", Cow::Borrowed(github)),
            ("inputs", own(inputs(wf))),
            ("job", Cow::Borrowed(job_ty)),
            ("jobs", own(jobs(wf))),
            ("matrix", own(job.map_or(Ty::Any, matrix))),
            ("needs", own(job.map_or(Ty::object(Vec::<(String, Ty)>::new()), |j| needs(wf, index, j)))),
            ("runner", Cow::Borrowed(runner)),
            ("secrets", own(secrets(wf))),
            ("steps", own(job.map_or(Ty::Any, |j| steps(j, site.step)))),
            ("strategy", Cow::Borrowed(strategy)),
            ("vars", own(vars)),
        ];
        Self { entries }
    }

    /// Returns the type of context `name` (ASCII case-insensitive).
    pub fn get(&self, name: &str) -> Option<&Ty> {
        self.entries.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, t)| t.as_ref())
    }
}
