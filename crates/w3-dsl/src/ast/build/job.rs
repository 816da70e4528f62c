//! `jobs:` — regular jobs and reusable-workflow calls.

use super::{common, scalar, step};
use crate::ast::fields::{unique_ids, Cx, Fields};
use crate::ast::{
    Combination, Combinations, Environment, ExprOr, Job, JobSecrets, Matrix, MatrixRow, RunsOn, Snapshot, Str, Strategy,
};
use crate::yaml::{Entry, Node, NodeKind};

const JOB_KEYS: &[&str] = &[
    "name",
    "needs",
    "if",
    "runs-on",
    "environment",
    "outputs",
    "env",
    "defaults",
    "strategy",
    "timeout-minutes",
    "cancel-timeout-minutes",
    "continue-on-error",
    "container",
    "services",
    "steps",
    "uses",
    "with",
    "secrets",
    "permissions",
    "concurrency",
    "snapshot",
    "cache-mode",
    "verification",
    "w3",
];

/// Keys a job that calls a reusable workflow may have.
const CALL_KEYS: &[&str] =
    &["name", "uses", "with", "secrets", "needs", "if", "permissions", "concurrency", "strategy", "verification", "w3"];

/// Reads the `jobs:` mapping.
pub(super) fn jobs(cx: &mut Cx, node: &Node) -> Vec<Job> {
    let Some(entries) = cx.map(node, "jobs") else { return Vec::new() };
    if entries.is_empty() {
        cx.err(node.pos(), "\"jobs\" section should not be empty");
    }
    unique_ids(cx, entries, "\"jobs\" section").into_iter().filter_map(|(id, value)| job(cx, id, value)).collect()
}

fn job(cx: &mut Cx, id: Str, node: &Node) -> Option<Job> {
    let entries = cx.map(node, &id.value)?;
    let section = format!("\"{}\" job", id.value);
    let f = Fields::new(cx, entries, &section, JOB_KEYS);
    let mut job = Job {
        id,
        name: f.get("name").and_then(|n| cx.string(n, "name")),
        needs: f
            .entry("needs")
            .and_then(|e| cx.strings(&e.key, &e.value, "needs", false))
            .map(|s| s.items)
            .unwrap_or_default(),
        if_cond: f.get("if").and_then(|n| cx.string(n, "if")),
        runs_on: f.entry("runs-on").and_then(|e| runs_on(cx, e)),
        environment: f.entry("environment").and_then(|e| environment(cx, e.key.pos(), &e.value)),
        outputs: f.get("outputs").map(|n| common::string_map(cx, n, "outputs")).unwrap_or_default(),
        env: f.get("env").and_then(|n| common::env(cx, n, "env")),
        defaults: f.get("defaults").and_then(|n| common::defaults(cx, n)),
        strategy: f.get("strategy").and_then(|n| strategy(cx, n)),
        timeout_minutes: f.get("timeout-minutes").and_then(|n| common::positive(cx, n, "timeout-minutes")),
        cancel_timeout_minutes: f
            .get("cancel-timeout-minutes")
            .and_then(|n| common::positive(cx, n, "cancel-timeout-minutes")),
        continue_on_error: f.get("continue-on-error").and_then(|n| cx.bool_or_expr(n, "continue-on-error")),
        container: f.entry("container").and_then(|e| common::container(cx, e.key.pos(), &e.value, "container", false)),
        services_expr: f.get("services").and_then(scalar).filter(Str::is_single_expr),
        services: f
            .get("services")
            .filter(|n| !scalar(n).is_some_and(|s| s.is_single_expr()))
            .map(|n| services(cx, n))
            .unwrap_or_default(),
        steps_pos: f.entry("steps").map(|e| e.key.pos()),
        steps: f.get("steps").filter(|n| !n.is_null()).map(|n| step::steps(cx, n)).unwrap_or_default(),
        uses: f.get("uses").and_then(|n| cx.nonempty_string(n, "uses")),
        with: f.get("with").map(|n| with(cx, n)).unwrap_or_default(),
        secrets: f.get("secrets").and_then(|n| secrets(cx, n)),
        permissions: f.get("permissions").and_then(|n| common::permissions(cx, n)),
        concurrency: f.entry("concurrency").and_then(|e| common::concurrency(cx, e.key.pos(), &e.value)),
        snapshot: f.entry("snapshot").and_then(|e| snapshot(cx, e)),
        cache_mode: f.get("cache-mode").and_then(|n| cx.nonempty_string(n, "cache-mode")),
        verification: f.entry("verification").and_then(|e| common::verification(cx, e.key.pos(), &e.value)),
        w3: f.get("w3").and_then(|n| common::capabilities(cx, n)),
    };
    check_shape(cx, &job, entries);
    if job.steps_pos.is_none() {
        job.steps.clear();
    }
    Some(job)
}

/// Checks the keys that depend on whether the job calls a reusable workflow.
fn check_shape(cx: &mut Cx, job: &Job, entries: &[Entry]) {
    let id = &job.id.value;
    if job.uses.is_some() {
        for e in entries {
            let Some(key) = e.key.as_scalar() else { continue };
            if JOB_KEYS.contains(&key) && !CALL_KEYS.contains(&key) {
                let allowed = CALL_KEYS.iter().map(|k| format!("\"{k}\"")).collect::<Vec<_>>().join(", ");
                cx.err(e.key.pos(), format!("when a reusable workflow is called with \"uses\", \"{key}\" is not available. only following keys are allowed: {allowed} in job \"{id}\""));
            }
        }
        return;
    }
    for key in ["with", "secrets"] {
        if let Some(e) = entries.iter().find(|e| e.key.as_scalar() == Some(key)) {
            cx.err(e.key.pos(), format!("\"{key}\" is only available for a reusable workflow call with \"uses\" but \"uses\" is not found in job \"{id}\""));
        }
    }
    if !entries.iter().any(|e| e.key.as_scalar() == Some("runs-on")) {
        cx.err(job.id.pos, format!("\"runs-on\" section is missing in job \"{id}\""));
    }
    // `steps:` with nothing after it is as good as no steps at all.
    if !entries.iter().any(|e| e.key.as_scalar() == Some("steps") && !e.value.is_null()) {
        cx.err(job.id.pos, format!("\"steps\" section is missing in job \"{id}\""));
    }
}

fn snapshot(cx: &mut Cx, entry: &Entry) -> Option<Snapshot> {
    let node = &entry.value;
    let key = entry.key.pos();
    match &node.kind {
        NodeKind::Scalar { .. } => {
            let image_name = cx.nonempty_string(node, "snapshot");
            Some(Snapshot { pos: node.pos(), image_name, if_cond: None, version: None })
        }
        NodeKind::Map(entries) => {
            let f = Fields::new(cx, entries, "\"snapshot\" section", &["image-name", "if", "version"]);
            if !f.has("image-name") {
                cx.err(key, "\"snapshot\" section must have \"image-name\" configuration");
            }
            Some(Snapshot {
                pos: node.pos(),
                image_name: f.get("image-name").and_then(|n| cx.nonempty_string(n, "image-name")),
                if_cond: f.get("if").and_then(|n| cx.string(n, "if")),
                version: f.get("version").and_then(|n| cx.nonempty_string(n, "version")),
            })
        }
        _ => {
            cx.err(
                node.pos(),
                format!(
                    "\"snapshot\" section value must be a string or a mapping, but found {} node",
                    node.kind_name()
                ),
            );
            None
        }
    }
}

fn runs_on(cx: &mut Cx, entry: &Entry) -> Option<RunsOn> {
    let node = &entry.value;
    match &node.kind {
        NodeKind::Map(entries) => {
            let f = Fields::new(cx, entries, "\"runs-on\" section", &["group", "labels"]);
            let group = f.get("group").and_then(|n| cx.nonempty_string(n, "group"));
            let labels = f
                .entry("labels")
                .and_then(|e| cx.strings(&e.key, &e.value, "labels", false))
                .map(|s| s.items)
                .unwrap_or_default();
            Some(RunsOn::Group { pos: node.pos(), group, labels })
        }
        _ => {
            let labels = cx.strings(&entry.key, node, "runs-on", false)?.items;
            Some(RunsOn::Labels { pos: node.pos(), labels })
        }
    }
}

fn environment(cx: &mut Cx, key: crate::span::Pos, node: &Node) -> Option<Environment> {
    if let NodeKind::Scalar { .. } = node.kind {
        // GitHub accepts an empty name, meaning no environment.
        return Some(Environment { pos: node.pos(), name: cx.string(node, "environment"), url: None });
    }
    let entries = cx.map(node, "environment")?;
    let f = Fields::new(cx, entries, "\"environment\" section", &["name", "url", "deployment"]);
    let name = f.get("name").and_then(|n| cx.nonempty_string(n, "name"));
    if !f.has("name") {
        cx.err(key, "name is missing in \"environment\" section");
    }
    let url = f.get("url").and_then(|n| cx.string(n, "url"));
    Some(Environment { pos: node.pos(), name, url })
}

fn strategy(cx: &mut Cx, node: &Node) -> Option<Strategy> {
    let entries = cx.nonempty_map(node, "strategy")?;
    let f = Fields::new(cx, entries, "\"strategy\" section", &["matrix", "fail-fast", "max-parallel"]);
    Some(Strategy {
        pos: node.pos(),
        matrix: f.get("matrix").and_then(|n| matrix(cx, n)),
        fail_fast: f.get("fail-fast").and_then(|n| cx.bool_or_expr(n, "fail-fast")),
        max_parallel: f.get("max-parallel").and_then(|n| common::positive_int(cx, n, "max-parallel")),
    })
}

fn matrix(cx: &mut Cx, node: &Node) -> Option<Matrix> {
    if let Some(s) = scalar(node).filter(|s| s.is_single_expr()) {
        return Some(Matrix::Expr(s));
    }
    let entries = cx.nonempty_map(node, "matrix")?;
    let (mut rows, mut include, mut exclude) = (Vec::new(), None, None);
    for (key, value) in unique_ids(cx, entries, "\"matrix\" section") {
        match key.value.as_str() {
            "include" => include = combinations(cx, key, value),
            "exclude" => exclude = combinations(cx, key, value),
            _ => {
                if let Some(values) = row_values(cx, value) {
                    rows.push(MatrixRow { key, values });
                }
            }
        }
    }
    Some(Matrix::Rows { pos: node.pos(), rows, include, exclude })
}

fn row_values(cx: &mut Cx, node: &Node) -> Option<ExprOr<Vec<Node>>> {
    match &node.kind {
        NodeKind::Seq(items) => {
            if items.is_empty() {
                cx.err(node.pos(), "\"matrix values\" section should not be empty");
            }
            Some(ExprOr::Lit { value: items.clone(), pos: node.pos() })
        }
        NodeKind::Scalar { .. } => match scalar(node).filter(|s| s.is_single_expr()) {
            Some(s) => Some(ExprOr::Expr(s)),
            None => {
                cx.err(node.pos(), "a matrix row must be a sequence of values or a single ${{ }} expression");
                None
            }
        },
        _ => {
            cx.err(
                node.pos(),
                "a matrix row must be a sequence of values or a single ${{ }} expression, but found a mapping",
            );
            None
        }
    }
}

fn combinations(cx: &mut Cx, key: Str, node: &Node) -> Option<Combinations> {
    let what = key.value.clone();
    let value = match &node.kind {
        NodeKind::Seq(items) => {
            if items.is_empty() {
                cx.err(node.pos(), format!("\"{what}\" section should not be empty"));
            }
            let combos = items.iter().filter_map(|item| combination(cx, item, &what)).collect();
            ExprOr::Lit { value: combos, pos: node.pos() }
        }
        _ => match scalar(node).filter(|s| s.is_single_expr()) {
            Some(s) => ExprOr::Expr(s),
            None => {
                cx.err(node.pos(), format!("\"{what}\" section must be a sequence or a single ${{{{ }}}} expression"));
                return None;
            }
        },
    };
    Some(Combinations { key, value })
}

fn combination(cx: &mut Cx, node: &Node, what: &str) -> Option<Combination> {
    if let Some(s) = scalar(node).filter(|s| s.is_single_expr()) {
        return Some(Combination::Expr(s));
    }
    let entries = cx.map(node, what)?;
    if entries.is_empty() {
        cx.err(
            node.pos(),
            format!(
                "element of \"{what}\" section should not be empty. please remove this section if it's unnecessary"
            ),
        );
    }
    let pairs =
        unique_ids(cx, entries, &format!("\"{what}\" section")).into_iter().map(|(k, v)| (k, v.clone())).collect();
    Some(Combination::Assign { pos: node.pos(), pairs })
}

fn services(cx: &mut Cx, node: &Node) -> Vec<(Str, crate::ast::Container)> {
    let Some(entries) = cx.map(node, "services") else { return Vec::new() };
    unique_ids(cx, entries, "\"services\" section")
        .into_iter()
        .filter_map(|(id, v)| common::container(cx, id.pos, v, "services", true).map(|c| (id, c)))
        .collect()
}

/// Reads `with:` of a job or a step; values stay nodes (strings, numbers or booleans).
pub(super) fn with(cx: &mut Cx, node: &Node) -> Vec<(Str, Node)> {
    let Some(entries) = cx.map(node, "with") else { return Vec::new() };
    if entries.is_empty() {
        cx.err(node.pos(), "\"with\" section should not be empty. please remove this section if it's unnecessary");
    }
    let mut out = Vec::new();
    for (k, v) in unique_ids(cx, entries, "\"with\" section") {
        if matches!(v.kind, NodeKind::Scalar { .. }) {
            out.push((k, v.clone()));
        } else {
            cx.err(v.pos(), format!("input \"{}\" of \"with\" section must be a string, number or boolean", k.value));
        }
    }
    out
}

fn secrets(cx: &mut Cx, node: &Node) -> Option<JobSecrets> {
    if let Some(s) = scalar(node).filter(|_| !node.is_null()) {
        if s.value == "inherit" {
            return Some(JobSecrets::Inherit(s));
        }
        cx.err(
            node.pos(),
            format!("expected mapping node for secrets or \"inherit\" string node but found \"{}\"", s.value),
        );
        return None;
    }
    let secrets = common::string_map(cx, node, "secrets");
    Some(JobSecrets::Map { pos: node.pos(), secrets })
}
