//! The types of the expression contexts (`github`, `runner`, `job`, ...) and of the built-in
//! functions.
//!
//! Source: docs.github.com, "Contexts reference" (every documented property, as of November
//! 2026) and "Evaluate expressions in workflows and actions" (functions). Types are the broadest
//! the docs allow: `matrix` is `any` (a rule that reads the matrix can compute a precise type),
//! `inputs` is a map of `any` (a rule that reads the input definitions can do better), and
//! `github.event` is `any` since its shape depends on the event.

use super::cmp_ignore_ascii_case;
use super::types::{Obj, Ty};

/// Lists the names of all contexts, sorted.
pub const CONTEXT_NAMES: &[&str] =
    &["env", "github", "inputs", "job", "jobs", "matrix", "needs", "runner", "secrets", "steps", "strategy", "vars"];

/// Returns the type of the context `name` (ASCII case-insensitive), or `None` when there is no
/// such context.
pub fn context(name: &str) -> Option<Ty> {
    let i = CONTEXT_NAMES.binary_search_by(|c| cmp_ignore_ascii_case(c, name)).ok()?;
    Some(match CONTEXT_NAMES[i] {
        "env" => env(),
        "github" => github(),
        "inputs" => inputs(),
        "job" => job(),
        "jobs" => jobs(),
        "matrix" => matrix(),
        "needs" => needs(),
        "runner" => runner(),
        "secrets" => secrets(),
        "steps" => steps(),
        "strategy" => strategy(),
        _ => vars(),
    })
}

fn strings(names: &[&str]) -> Obj {
    Obj::strict(names.iter().map(|n| (*n, Ty::String)))
}

/// Returns the type of `github`: a strict object of every documented property.
pub fn github() -> Ty {
    let mut o = strings(&[
        "action",
        "action_path",
        "action_ref",
        "action_repository",
        "action_status",
        "actor",
        "actor_id",
        "api_url",
        "artifacts",
        "artifacts_list",
        "base_ref",
        "env",
        "event_name",
        "event_path",
        "graphql_url",
        "head_ref",
        "job",
        "path",
        "ref",
        "ref_name",
        "ref_type",
        "repository",
        "repository_id",
        "repository_owner",
        "repository_owner_id",
        "repositoryUrl",
        "retention_days",
        "run_attempt",
        "run_id",
        "run_number",
        "secret_source",
        "server_url",
        "sha",
        "token",
        "triggering_actor",
        "workflow",
        "workflow_ref",
        "workflow_sha",
        "workspace",
    ]);
    // An object whose shape depends on the event: any property may be read, but the object
    // itself is not a string.
    o.props.insert("event".into(), Ty::map(Ty::Any));
    o.props.insert("ref_protected".into(), Ty::Bool);
    Ty::Object(o)
}

/// Returns the type of `runner`: `name`, `os`, `arch`, `temp`, `tool_cache`, `debug` and
/// `environment`, all strings.
pub fn runner() -> Ty {
    Ty::Object(strings(&["arch", "debug", "environment", "name", "os", "temp", "tool_cache"]))
}

/// Returns the type of `job`: the job's container, service containers, status, check run and
/// the identity of the workflow file that defines it.
pub fn job() -> Ty {
    let mut service = strings(&["id", "network"]);
    service.props.insert("ports".into(), Ty::map(Ty::String));
    let mut o = strings(&["status", "workflow_file_path", "workflow_ref", "workflow_repository", "workflow_sha"]);
    o.props.insert("check_run_id".into(), Ty::Number);
    o.props.insert("container".into(), Ty::Object(strings(&["id", "network"])));
    o.props.insert("services".into(), Ty::map(Ty::Object(service)));
    Ty::Object(o)
}

/// Returns the type of a job's `result` and `outputs`, shared by `needs.<id>` and `jobs.<id>`.
fn job_result() -> Ty {
    Ty::object([("outputs", Ty::map(Ty::String)), ("result", Ty::String)])
}

/// Returns the type of `jobs` (reusable workflows only): a map of `{outputs, result}`.
pub fn jobs() -> Ty {
    Ty::map(job_result())
}

/// Returns the type of `needs`: a map of `{outputs, result}` by job id.
pub fn needs() -> Ty {
    Ty::map(job_result())
}

/// Returns the type of `steps`: a map of `{outputs, conclusion, outcome}` by step id.
pub fn steps() -> Ty {
    Ty::map(Ty::object([("conclusion", Ty::String), ("outcome", Ty::String), ("outputs", Ty::map(Ty::String))]))
}

/// Returns the type of `strategy`: `fail-fast`, `job-index`, `job-total` and `max-parallel`.
pub fn strategy() -> Ty {
    Ty::object([
        ("fail-fast", Ty::Bool),
        ("job-index", Ty::Number),
        ("job-total", Ty::Number),
        ("max-parallel", Ty::Number),
    ])
}

/// Returns the type of `secrets`: strings by name, with `GITHUB_TOKEN` always present.
pub fn secrets() -> Ty {
    Ty::Object(Obj::strict([("github_token", Ty::String)]).with_rest(Ty::String))
}

/// Returns the type of `vars`: configuration variables, strings by name.
pub fn vars() -> Ty {
    Ty::map(Ty::String)
}

/// Returns the type of `env`: environment variables, strings by name.
pub fn env() -> Ty {
    Ty::map(Ty::String)
}

/// Returns the type of `inputs` when the input definitions are not known: a map of `any`.
pub fn inputs() -> Ty {
    Ty::map(Ty::Any)
}

/// Returns the type of `matrix` when the matrix is not known: `any`.
pub fn matrix() -> Ty {
    Ty::Any
}

/// Describes a built-in function: how many arguments it takes and what it returns.
#[derive(Debug, Clone, PartialEq)]
pub struct FunctionSpec {
    /// The name in GitHub's spelling; calls match it ASCII case-insensitively.
    pub name: &'static str,
    pub min_args: usize,
    /// The most arguments allowed; `None` for variadic functions.
    pub max_args: Option<usize>,
    pub returns: Ty,
}

const fn func(name: &'static str, min: usize, max: Option<usize>, returns: Ty) -> FunctionSpec {
    FunctionSpec { name, min_args: min, max_args: max, returns }
}

/// Every built-in function, sorted by lowercase name.
static FUNCTIONS: &[FunctionSpec] = &[
    func("always", 0, Some(0), Ty::Bool),
    func("cancelled", 0, Some(0), Ty::Bool),
    // case(pred1, val1, [pred2, val2, ...], default): an odd number of arguments, at least 3.
    func("case", 3, None, Ty::Any),
    func("contains", 2, Some(2), Ty::Bool),
    func("endsWith", 2, Some(2), Ty::Bool),
    func("failure", 0, Some(0), Ty::Bool),
    func("format", 1, None, Ty::String),
    func("fromJSON", 1, Some(1), Ty::Any),
    func("hashFiles", 1, None, Ty::String),
    func("join", 1, Some(2), Ty::String),
    func("startsWith", 2, Some(2), Ty::Bool),
    func("success", 0, Some(0), Ty::Bool),
    func("toJSON", 1, Some(1), Ty::String),
];

/// Returns the built-in function `name` (ASCII case-insensitive), or `None` when there is none.
pub fn function(name: &str) -> Option<&'static FunctionSpec> {
    FUNCTIONS.binary_search_by(|f| cmp_ignore_ascii_case(f.name, name)).ok().map(|i| &FUNCTIONS[i])
}

/// Returns all built-in functions, sorted by lowercase name.
pub fn functions() -> &'static [FunctionSpec] {
    FUNCTIONS
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::knowledge::strictly_sorted_by;

    #[test]
    fn tables_are_sorted_without_duplicates() {
        assert!(strictly_sorted_by(CONTEXT_NAMES, |a, b| a.cmp(b)));
        assert!(strictly_sorted_by(FUNCTIONS, |a, b| cmp_ignore_ascii_case(a.name, b.name)));
        for name in CONTEXT_NAMES {
            assert!(context(name).is_some(), "{name}");
        }
    }

    #[test]
    fn types_contexts_as_documented() {
        assert_eq!(
            runner().to_string(),
            "{arch: string; debug: string; environment: string; name: string; os: string; \
             temp: string; tool_cache: string}"
        );
        let github = context("GitHub").unwrap();
        assert_eq!(github.prop("repositoryUrl"), Some(&Ty::String));
        assert_eq!(github.prop("ref_protected"), Some(&Ty::Bool));
        assert_eq!(github.prop("event").and_then(|e| e.prop("head_commit")), Some(&Ty::Any));
        assert_eq!(github.prop("event").map(ToString::to_string).as_deref(), Some("object"));
        assert_eq!(github.prop("repository").and_then(|r| r.prop("permissions")), None);
        assert!(github.prop("no_such_property").is_none());
        let job = job();
        assert_eq!(job.prop("container").unwrap().to_string(), "{id: string; network: string}");
        let ports = job.prop("services").and_then(|s| s.prop("postgres")).unwrap().prop("ports");
        assert_eq!(ports, Some(&Ty::map(Ty::String)));
        assert_eq!(job.prop("check_run_id"), Some(&Ty::Number));
        let step = steps().prop("build").cloned().unwrap();
        assert_eq!(step.prop("outputs").and_then(|o| o.prop("x")), Some(&Ty::String));
        assert!(step.prop("result").is_none());
        assert_eq!(needs().prop("build").unwrap().prop("result"), Some(&Ty::String));
        assert_eq!(strategy().prop("job-index"), Some(&Ty::Number));
        assert_eq!(secrets().prop("GITHUB_TOKEN"), Some(&Ty::String));
        assert_eq!(secrets().prop("NPM_TOKEN"), Some(&Ty::String));
        assert_eq!(matrix(), Ty::Any);
        assert!(context("nope").is_none());
    }

    #[test]
    fn knows_function_signatures() {
        assert_eq!(function("contains").unwrap().returns, Ty::Bool);
        assert_eq!(function("fromJson").unwrap().returns, Ty::Any);
        assert_eq!(function("TOJSON").unwrap().returns, Ty::String);
        assert_eq!(function("hashFiles").unwrap().max_args, None);
        assert_eq!(function("join").unwrap().max_args, Some(2));
        assert_eq!(function("success").unwrap().max_args, Some(0));
        assert_eq!(function("case").unwrap().min_args, 3);
        assert!(function("toLower").is_none());
        assert_eq!(functions().len(), 13);
    }
}
