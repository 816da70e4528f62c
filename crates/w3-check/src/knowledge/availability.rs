//! Where each context and special function may be used: the "Context availability" table.
//!
//! Source: docs.github.com, "Contexts reference" › "Context availability" (as of November 2026),
//! every row, with keys written exactly as the docs write them (`jobs.<job_id>.steps.with`). The
//! listed contexts are the only ones a key may use. A function not in [`SPECIAL_FUNCTIONS`] may be
//! used anywhere; a special function only where its row lists it.

use super::cmp_ignore_ascii_case;

/// Describes which contexts and special functions one workflow key may use in expressions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Availability {
    /// The workflow key in the docs' notation, e.g. `jobs.<job_id>.steps.if`.
    pub key: &'static str,
    /// The contexts available there, sorted.
    pub contexts: &'static [&'static str],
    /// The special functions available there, sorted; empty means none.
    pub functions: &'static [&'static str],
}

impl Availability {
    /// Reports whether the context `name` may be used at this key (ASCII case-insensitive, as
    /// context names in expressions are).
    pub fn allows_context(&self, name: &str) -> bool {
        self.contexts.iter().any(|c| c.eq_ignore_ascii_case(name))
    }

    /// Reports whether the function `name` may be called at this key (ASCII case-insensitive,
    /// as function names are). Functions that are not special are allowed everywhere.
    pub fn allows_function(&self, name: &str) -> bool {
        !is_special_function(name) || self.functions.iter().any(|f| f.eq_ignore_ascii_case(name))
    }
}

/// Lists the functions whose use is restricted by the table, sorted.
pub const SPECIAL_FUNCTIONS: &[&str] = &["always", "cancelled", "failure", "hashFiles", "success"];

/// Reports whether `name` is one of the [`SPECIAL_FUNCTIONS`] (ASCII case-insensitive).
pub fn is_special_function(name: &str) -> bool {
    SPECIAL_FUNCTIONS.iter().any(|f| f.eq_ignore_ascii_case(name))
}

const STATUS_FUNCTIONS: &[&str] = &["always", "cancelled", "failure", "success"];
const STEP_IF_FUNCTIONS: &[&str] = &["always", "cancelled", "failure", "hashFiles", "success"];
const HASH_FILES: &[&str] = &["hashFiles"];

const GITHUB_INPUTS_VARS: &[&str] = &["github", "inputs", "vars"];
const GITHUB_INPUTS_NEEDS_VARS: &[&str] = &["github", "inputs", "needs", "vars"];
/// Job-level keys evaluated before the job runs: no `job`, `runner`, `env`, `steps`, `secrets`.
const JOB_LEVEL: &[&str] = &["github", "inputs", "matrix", "needs", "strategy", "vars"];
const JOB_LEVEL_ENV_SECRETS: &[&str] = &["env", "github", "inputs", "matrix", "needs", "secrets", "strategy", "vars"];
/// Container and service `env` entries: evaluated on the runner, without `steps`.
const CONTAINER_ENV: &[&str] =
    &["env", "github", "inputs", "job", "matrix", "needs", "runner", "secrets", "strategy", "vars"];
/// Step keys: everything.
const STEP_ALL: &[&str] =
    &["env", "github", "inputs", "job", "matrix", "needs", "runner", "secrets", "steps", "strategy", "vars"];
/// `jobs.<job_id>.steps.if` and `environment.url`: everything but `secrets`.
const STEP_NO_SECRETS: &[&str] =
    &["env", "github", "inputs", "job", "matrix", "needs", "runner", "steps", "strategy", "vars"];

const fn row(key: &'static str, contexts: &'static [&'static str], functions: &'static [&'static str]) -> Availability {
    Availability { key, contexts, functions }
}

/// Every row of the table, sorted by key.
static ROWS: &[Availability] = &[
    row("concurrency", GITHUB_INPUTS_VARS, &[]),
    row("env", &["github", "inputs", "secrets", "vars"], &[]),
    row("jobs.<job_id>.concurrency", JOB_LEVEL, &[]),
    row("jobs.<job_id>.container", JOB_LEVEL, &[]),
    row("jobs.<job_id>.container.credentials", JOB_LEVEL_ENV_SECRETS, &[]),
    row("jobs.<job_id>.container.env.<env_id>", CONTAINER_ENV, &[]),
    row("jobs.<job_id>.container.image", JOB_LEVEL, &[]),
    row("jobs.<job_id>.continue-on-error", JOB_LEVEL, &[]),
    row("jobs.<job_id>.defaults.run", &["env", "github", "inputs", "matrix", "needs", "strategy", "vars"], &[]),
    row("jobs.<job_id>.env", &["github", "inputs", "matrix", "needs", "secrets", "strategy", "vars"], &[]),
    row("jobs.<job_id>.environment", JOB_LEVEL, &[]),
    row("jobs.<job_id>.environment.url", STEP_NO_SECRETS, &[]),
    row("jobs.<job_id>.if", GITHUB_INPUTS_NEEDS_VARS, STATUS_FUNCTIONS),
    row("jobs.<job_id>.name", JOB_LEVEL, &[]),
    row("jobs.<job_id>.outputs.<output_id>", STEP_ALL, &[]),
    row("jobs.<job_id>.runs-on", JOB_LEVEL, &[]),
    row(
        "jobs.<job_id>.secrets.<secrets_id>",
        &["github", "inputs", "matrix", "needs", "secrets", "strategy", "vars"],
        &[],
    ),
    row("jobs.<job_id>.services", JOB_LEVEL, &[]),
    row("jobs.<job_id>.services.<service_id>.credentials", JOB_LEVEL_ENV_SECRETS, &[]),
    row("jobs.<job_id>.services.<service_id>.env.<env_id>", CONTAINER_ENV, &[]),
    row("jobs.<job_id>.steps.continue-on-error", STEP_ALL, HASH_FILES),
    row("jobs.<job_id>.steps.env", STEP_ALL, HASH_FILES),
    row("jobs.<job_id>.steps.if", STEP_NO_SECRETS, STEP_IF_FUNCTIONS),
    row("jobs.<job_id>.steps.name", STEP_ALL, HASH_FILES),
    row("jobs.<job_id>.steps.run", STEP_ALL, HASH_FILES),
    row("jobs.<job_id>.steps.timeout-minutes", STEP_ALL, HASH_FILES),
    row("jobs.<job_id>.steps.with", STEP_ALL, HASH_FILES),
    row("jobs.<job_id>.steps.working-directory", STEP_ALL, HASH_FILES),
    row("jobs.<job_id>.strategy", GITHUB_INPUTS_NEEDS_VARS, &[]),
    row("jobs.<job_id>.timeout-minutes", JOB_LEVEL, &[]),
    row("jobs.<job_id>.with.<with_id>", JOB_LEVEL, &[]),
    row("on.workflow_call.inputs.<inputs_id>.default", GITHUB_INPUTS_VARS, &[]),
    row("on.workflow_call.outputs.<output_id>.value", &["github", "inputs", "jobs", "vars"], &[]),
    row("run-name", GITHUB_INPUTS_VARS, &[]),
];

/// Returns the row for `key`, written in the docs' notation (e.g. `jobs.<job_id>.steps.with`).
pub fn availability(key: &str) -> Option<&'static Availability> {
    ROWS.binary_search_by(|r| r.key.cmp(key)).ok().map(|i| &ROWS[i])
}

/// Returns every row of the table, sorted by key.
pub fn all() -> &'static [Availability] {
    ROWS
}

/// Reports whether `name` is a context that some workflow key can use (ASCII case-insensitive).
pub fn is_known_context(name: &str) -> bool {
    STEP_ALL.binary_search_by(|c| cmp_ignore_ascii_case(c, name)).is_ok() || name.eq_ignore_ascii_case("jobs")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::knowledge::strictly_sorted_by;

    #[test]
    fn tables_are_sorted_without_duplicates() {
        assert!(strictly_sorted_by(ROWS, |a, b| a.key.cmp(b.key)));
        assert!(strictly_sorted_by(SPECIAL_FUNCTIONS, |a, b| a.cmp(b)));
        for r in ROWS {
            assert!(strictly_sorted_by(r.contexts, |a, b| a.cmp(b)), "{}", r.key);
            assert!(strictly_sorted_by(r.functions, |a, b| a.cmp(b)), "{}", r.key);
            assert!(r.contexts.contains(&"github") && r.contexts.contains(&"vars"), "{}", r.key);
            assert!(r.contexts.iter().all(|c| is_known_context(c)), "{}", r.key);
            assert!(r.functions.iter().all(|f| is_special_function(f)), "{}", r.key);
        }
        assert_eq!(all().len(), 34);
    }

    #[test]
    fn knows_documented_rows() {
        let run_name = availability("run-name").unwrap();
        assert_eq!(run_name.contexts, ["github", "inputs", "vars"]);
        let job_if = availability("jobs.<job_id>.if").unwrap();
        assert!(job_if.allows_context("needs") && !job_if.allows_context("matrix"));
        assert!(job_if.allows_function("always") && !job_if.allows_function("hashFiles"));
        let step_if = availability("jobs.<job_id>.steps.if").unwrap();
        assert!(step_if.allows_function("hashFiles") && step_if.allows_function("Success"));
        assert!(!step_if.allows_context("secrets") && step_if.allows_context("steps"));
        let with = availability("jobs.<job_id>.steps.with").unwrap();
        assert!(with.allows_context("Secrets") && !with.allows_function("failure"));
        assert!(with.allows_function("format") && with.allows_function("fromJSON"));
        let env = availability("env").unwrap();
        assert!(env.allows_context("secrets") && !env.allows_context("env"));
        let strategy = availability("jobs.<job_id>.strategy").unwrap();
        assert!(!strategy.allows_context("matrix"));
        let outputs = availability("on.workflow_call.outputs.<output_id>.value").unwrap();
        assert!(outputs.allows_context("jobs"));
        assert!(availability("jobs.<job_id>.steps.uses").is_none());
        assert!(availability("jobs.<job_id>.steps[*].with").is_none());
    }
}
