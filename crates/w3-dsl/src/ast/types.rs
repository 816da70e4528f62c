//! The AST's node types.

use super::{ExprOr, Str};
use crate::span::Pos;
use crate::yaml::Node;

/// A whole workflow file.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Workflow {
    pub name: Option<Str>,
    pub description: Option<Str>,
    /// `cache-mode:` as written (how the Actions cache may be used by the workflow's jobs).
    pub cache_mode: Option<Str>,
    pub run_name: Option<Str>,
    /// Position of the `on` key, if present.
    pub on_pos: Option<Pos>,
    pub on: Vec<Event>,
    pub permissions: Option<Permissions>,
    pub env: Option<Env>,
    pub defaults: Option<Defaults>,
    pub concurrency: Option<Concurrency>,
    /// Position of the `jobs` key, if present.
    pub jobs_pos: Option<Pos>,
    pub jobs: Vec<Job>,
    pub verification: Option<Verification>,
    pub w3: Option<Capabilities>,
}

/// Finds jobs by id in constant time: ids compare case-insensitively, as GitHub does.
#[derive(Clone, Debug, Default)]
pub struct JobIndex(std::collections::HashMap<String, usize>);

impl JobIndex {
    /// Returns the position in `jobs` of the job with `id`.
    pub fn get(&self, id: &str) -> Option<usize> {
        self.0.get(&id.to_ascii_lowercase()).copied()
    }
}

impl Workflow {
    /// Returns the job with `id`, compared case-insensitively as GitHub does. This scans the
    /// jobs; code that looks up many ids builds a [`JobIndex`] once instead.
    pub fn job(&self, id: &str) -> Option<&Job> {
        self.jobs.iter().find(|j| j.id.value.eq_ignore_ascii_case(id))
    }

    /// Returns an index of the jobs by id (the first of case-insensitive duplicates wins).
    pub fn job_index(&self) -> JobIndex {
        let mut map = std::collections::HashMap::with_capacity(self.jobs.len());
        for (i, j) in self.jobs.iter().enumerate() {
            map.entry(j.id.value.to_ascii_lowercase()).or_insert(i);
        }
        JobIndex(map)
    }

    /// Returns the `workflow_call` trigger, if the workflow is reusable.
    pub fn workflow_call(&self) -> Option<&WorkflowCall> {
        self.on.iter().find_map(|e| match e {
            Event::WorkflowCall(c) => Some(c),
            _ => None,
        })
    }

    /// Returns the `workflow_dispatch` trigger, if any.
    pub fn workflow_dispatch(&self) -> Option<&WorkflowDispatch> {
        self.on.iter().find_map(|e| match e {
            Event::WorkflowDispatch(d) => Some(d),
            _ => None,
        })
    }
}

/// One trigger under `on:`.
#[derive(Clone, Debug, PartialEq)]
pub enum Event {
    /// Any event configured by activity types and filters (push, pull_request, issues, ...).
    Webhook(Webhook),
    Schedule(Schedule),
    WorkflowDispatch(WorkflowDispatch),
    WorkflowCall(WorkflowCall),
}

impl Event {
    /// Returns the event's name as written.
    pub fn name(&self) -> &Str {
        match self {
            Event::Webhook(w) => &w.name,
            Event::Schedule(s) => &s.name,
            Event::WorkflowDispatch(d) => &d.name,
            Event::WorkflowCall(c) => &c.name,
        }
    }
}

/// A webhook trigger with optional activity types and filters.
#[derive(Clone, Debug, PartialEq)]
pub struct Webhook {
    pub name: Str,
    pub types: Option<Strings>,
    /// `branches`, `tags`, `paths`, their `-ignore` twins, and `workflows`, in source order.
    pub filters: Vec<Filter>,
}

/// A list of strings under a key, with the key's and the list's positions.
#[derive(Clone, Debug, PartialEq)]
pub struct Strings {
    pub key: Str,
    pub pos: Pos,
    pub items: Vec<Str>,
}

/// An event filter such as `branches: [main]`.
#[derive(Clone, Debug, PartialEq)]
pub struct Filter {
    pub name: Str,
    pub values: Strings,
}

/// `on.schedule`.
#[derive(Clone, Debug, PartialEq)]
pub struct Schedule {
    pub name: Str,
    pub crons: Vec<Cron>,
}

/// One `- cron: '...'` entry.
#[derive(Clone, Debug, PartialEq)]
pub struct Cron {
    pub pos: Pos,
    pub cron: Str,
    pub timezone: Option<Str>,
}

/// `on.workflow_dispatch`.
#[derive(Clone, Debug, PartialEq)]
pub struct WorkflowDispatch {
    pub name: Str,
    pub inputs: Vec<Input>,
}

/// `on.workflow_call`.
#[derive(Clone, Debug, PartialEq)]
pub struct WorkflowCall {
    pub name: Str,
    pub inputs: Vec<Input>,
    pub outputs: Vec<CallOutput>,
    pub secrets: Vec<CallSecret>,
}

/// An input of `workflow_dispatch` or `workflow_call`.
#[derive(Clone, Debug, PartialEq)]
pub struct Input {
    pub id: Str,
    pub description: Option<Str>,
    pub required: Option<ExprOr<bool>>,
    pub default: Option<Node>,
    /// `type:` as written (`string`, `boolean`, `number`, `choice`, `environment`).
    pub ty: Option<Str>,
    pub options: Option<Strings>,
}

/// An output of `workflow_call`.
#[derive(Clone, Debug, PartialEq)]
pub struct CallOutput {
    pub id: Str,
    pub description: Option<Str>,
    pub value: Option<Str>,
}

/// A secret declared by `workflow_call`.
#[derive(Clone, Debug, PartialEq)]
pub struct CallSecret {
    pub id: Str,
    pub description: Option<Str>,
    pub required: Option<ExprOr<bool>>,
}

/// `permissions:` at workflow or job level.
#[derive(Clone, Debug, PartialEq)]
pub enum Permissions {
    /// `read-all`, `write-all`, or another single string.
    All(Str),
    /// Per-scope access levels; `{}` is an empty list.
    Scopes { pos: Pos, scopes: Vec<(Str, Str)> },
}

/// `env:` — variables, or one expression yielding an object.
#[derive(Clone, Debug, PartialEq)]
pub enum Env {
    Vars { pos: Pos, vars: Vec<EnvVar> },
    Expr(Str),
}

impl Env {
    /// Returns the variables, empty for an expression.
    pub fn vars(&self) -> &[EnvVar] {
        match self {
            Env::Vars { vars, .. } => vars,
            Env::Expr(_) => &[],
        }
    }
}

/// One `NAME: value` of `env:`; the value is kept as text (numbers and booleans as written).
#[derive(Clone, Debug, PartialEq)]
pub struct EnvVar {
    pub name: Str,
    pub value: Str,
}

/// `defaults:`.
#[derive(Clone, Debug, PartialEq)]
pub struct Defaults {
    pub pos: Pos,
    pub run: Option<DefaultsRun>,
}

/// `defaults.run`.
#[derive(Clone, Debug, PartialEq)]
pub struct DefaultsRun {
    pub pos: Pos,
    pub shell: Option<Str>,
    pub working_directory: Option<Str>,
}

/// `concurrency:` — a group name, or group plus cancellation.
#[derive(Clone, Debug, PartialEq)]
pub struct Concurrency {
    pub pos: Pos,
    pub group: Option<Str>,
    pub cancel_in_progress: Option<ExprOr<bool>>,
}

/// A job under `jobs:`.
#[derive(Clone, Debug, PartialEq)]
pub struct Job {
    pub id: Str,
    pub name: Option<Str>,
    pub needs: Vec<Str>,
    pub if_cond: Option<Str>,
    pub runs_on: Option<RunsOn>,
    pub environment: Option<Environment>,
    pub outputs: Vec<(Str, Str)>,
    pub env: Option<Env>,
    pub defaults: Option<Defaults>,
    pub strategy: Option<Strategy>,
    pub timeout_minutes: Option<ExprOr<f64>>,
    pub cancel_timeout_minutes: Option<ExprOr<f64>>,
    pub continue_on_error: Option<ExprOr<bool>>,
    pub container: Option<Container>,
    pub services: Vec<(Str, Container)>,
    /// `services:` written as one expression.
    pub services_expr: Option<Str>,
    /// Position of the `steps` key, if present.
    pub steps_pos: Option<Pos>,
    pub steps: Vec<Step>,
    /// A reusable workflow call (`uses: owner/repo/.github/workflows/x.yml@ref`).
    pub uses: Option<Str>,
    pub with: Vec<(Str, Node)>,
    pub secrets: Option<JobSecrets>,
    pub permissions: Option<Permissions>,
    pub concurrency: Option<Concurrency>,
    pub snapshot: Option<Snapshot>,
    /// `cache-mode:` as written.
    pub cache_mode: Option<Str>,
    pub verification: Option<Verification>,
    pub w3: Option<Capabilities>,
}

/// `snapshot:`: save the runner's disk as a custom image after the job.
#[derive(Clone, Debug, PartialEq)]
pub struct Snapshot {
    pub pos: Pos,
    pub image_name: Option<Str>,
    pub if_cond: Option<Str>,
    pub version: Option<Str>,
}

/// `runs-on:`.
#[derive(Clone, Debug, PartialEq)]
pub enum RunsOn {
    Labels { pos: Pos, labels: Vec<Str> },
    Group { pos: Pos, group: Option<Str>, labels: Vec<Str> },
}

impl RunsOn {
    /// Returns the labels.
    pub fn labels(&self) -> &[Str] {
        match self {
            RunsOn::Labels { labels, .. } | RunsOn::Group { labels, .. } => labels,
        }
    }
}

/// `environment:`.
#[derive(Clone, Debug, PartialEq)]
pub struct Environment {
    pub pos: Pos,
    pub name: Option<Str>,
    pub url: Option<Str>,
}

/// `strategy:`.
#[derive(Clone, Debug, PartialEq)]
pub struct Strategy {
    pub pos: Pos,
    pub matrix: Option<Matrix>,
    pub fail_fast: Option<ExprOr<bool>>,
    pub max_parallel: Option<ExprOr<f64>>,
}

/// `strategy.matrix:`.
#[derive(Clone, Debug, PartialEq)]
pub enum Matrix {
    /// The whole matrix is one expression, e.g. `${{ fromJSON(needs.a.outputs.m) }}`.
    Expr(Str),
    Rows {
        pos: Pos,
        /// `key: [values]` rows (a row may itself be an expression).
        rows: Vec<MatrixRow>,
        include: Option<Combinations>,
        exclude: Option<Combinations>,
    },
}

/// One `key: [values]` row of a matrix.
#[derive(Clone, Debug, PartialEq)]
pub struct MatrixRow {
    pub key: Str,
    pub values: ExprOr<Vec<Node>>,
}

/// `include:` or `exclude:` of a matrix.
#[derive(Clone, Debug, PartialEq)]
pub struct Combinations {
    pub key: Str,
    pub value: ExprOr<Vec<Combination>>,
}

/// One entry of `include:`/`exclude:`: assignments, or an expression.
#[derive(Clone, Debug, PartialEq)]
pub enum Combination {
    Assign { pos: Pos, pairs: Vec<(Str, Node)> },
    Expr(Str),
}

/// `container:` or one of `services:`.
#[derive(Clone, Debug, PartialEq)]
pub struct Container {
    pub pos: Pos,
    pub image: Option<Str>,
    pub credentials: Option<Credentials>,
    pub env: Option<Env>,
    pub ports: Vec<Str>,
    pub volumes: Vec<Str>,
    pub options: Option<Str>,
    pub entrypoint: Option<Str>,
    pub command: Option<Str>,
}

/// Registry credentials of a container.
#[derive(Clone, Debug, PartialEq)]
pub struct Credentials {
    pub pos: Pos,
    /// The credentials written as one expression yielding `{username, password}`.
    pub expr: Option<Str>,
    pub username: Option<Str>,
    pub password: Option<Str>,
}

/// `secrets:` of a reusable-workflow call.
#[derive(Clone, Debug, PartialEq)]
pub enum JobSecrets {
    Inherit(Str),
    Map { pos: Pos, secrets: Vec<(Str, Str)> },
}

/// A step.
#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    pub pos: Pos,
    pub id: Option<Str>,
    pub name: Option<Str>,
    pub if_cond: Option<Str>,
    pub kind: StepKind,
    pub env: Option<Env>,
    pub continue_on_error: Option<ExprOr<bool>>,
    pub timeout_minutes: Option<ExprOr<f64>>,
    pub verification: Option<Verification>,
    /// `background: true` starts the step and goes on without waiting for it.
    pub background: Option<ExprOr<bool>>,
}

/// What a step does.
#[derive(Clone, Debug, PartialEq)]
pub enum StepKind {
    Run {
        run: Str,
        shell: Option<Str>,
        working_directory: Option<Str>,
    },
    Uses {
        uses: Str,
        with: Vec<(Str, Node)>,
    },
    /// `wait: [ids]`: waits for background steps.
    Wait {
        ids: Vec<Str>,
    },
    /// `wait-all:`: waits for every background step started so far.
    WaitAll,
    /// `cancel: id`: cancels a background step.
    Cancel {
        id: Str,
    },
    /// `parallel:`: runs the nested steps concurrently.
    Parallel {
        steps: Vec<Step>,
    },
    /// Neither `run` nor `uses` could be read (already diagnosed).
    Invalid,
}

/// `verification:` (W3): the trust policy of a workflow, job or step.
#[derive(Clone, Debug, PartialEq)]
pub struct Verification {
    pub pos: Pos,
    /// `onchain`, `tee` or `shadow` as written.
    pub policy: Option<Str>,
    /// Shadow replicas (detailed form only).
    pub replicas: Option<ExprOr<f64>>,
}

/// The `w3:` capability block (W3).
#[derive(Clone, Debug, PartialEq)]
pub struct Capabilities {
    pub pos: Pos,
    pub http: Option<Strings>,
    pub network: Option<ExprOr<bool>>,
    pub storage: Option<Strings>,
    pub gas: Option<ExprOr<f64>>,
}

/// An action's metadata (`action.yml`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Action {
    /// Where the document starts.
    pub pos: Pos,
    pub name: Option<Str>,
    pub inputs: Vec<ActionInput>,
    pub outputs: Vec<ActionOutput>,
    /// `runs:`, absent when missing or unreadable (diagnosed).
    pub runs: Option<ActionRuns>,
}

/// `inputs.<id>` of an action.
#[derive(Clone, Debug, PartialEq)]
pub struct ActionInput {
    pub id: Str,
    pub required: bool,
    pub default: Option<Str>,
}

/// `outputs.<id>` of an action: `value` is given for composite actions.
#[derive(Clone, Debug, PartialEq)]
pub struct ActionOutput {
    pub id: Str,
    pub value: Option<Str>,
}

/// `runs:` of an action.
#[derive(Clone, Debug, PartialEq)]
pub struct ActionRuns {
    pub pos: Pos,
    /// `composite`, `node20`, `docker`, ...
    pub using: Str,
    pub kind: RunsKind,
}

/// How an action runs.
#[derive(Clone, Debug, PartialEq)]
#[allow(clippy::large_enum_variant)] // one per action file: boxing would save nothing that matters
pub enum RunsKind {
    Composite {
        steps: Vec<Step>,
    },
    /// A JavaScript action (`using: node12`, `node16`, `node20`, `node24`).
    Node {
        main: Option<Str>,
        pre: Option<Str>,
        pre_if: Option<Str>,
        post: Option<Str>,
        post_if: Option<Str>,
    },
    Docker,
    /// Any other `using:`.
    Other,
}
