//! `runner-label`: `runs-on:` labels name a GitHub-hosted image, a self-hosted label (default
//! ones or those in the config file), or a W3 environment, and never two different systems.

use crate::knowledge::runner_labels::{classify, github_hosted, os, LabelKind};
use crate::{Context, Rule};
use w3_dsl::ast::{Combination, ExprOr, Matrix, RunsOn, Str, Workflow};
use w3_dsl::diag::did_you_mean;
use w3_dsl::yaml::Node;
use w3_dsl::Diagnostic;

pub struct RunnerLabel;

const NAME: &str = "runner-label";

/// The W3 execution environments (`runs-on: w3/<label>`).
pub const W3_LABELS: &[&str] = &["w3/ubuntu-latest", "w3/ubuntu-24.04", "w3/ubuntu-22.04", "w3/wasm"];

/// Matches a configured label, where `*` stands for any run of characters.
fn glob_match(pattern: &str, label: &str) -> bool {
    let (p, l) = (pattern.to_ascii_lowercase(), label.to_ascii_lowercase());
    let parts: Vec<&str> = p.split('*').collect();
    if parts.len() == 1 {
        return p == l;
    }
    let mut rest = l.as_str();
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            let Some(r) = rest.strip_prefix(part) else { return false };
            rest = r;
        } else if i == parts.len() - 1 {
            return rest.ends_with(part);
        } else {
            let Some(at) = rest.find(part) else { return false };
            rest = &rest[at + part.len()..];
        }
    }
    true
}

fn check_label(cx: &Context<'_>, label: &Str, grouped: bool, out: &mut Vec<Diagnostic>) {
    let l = label.value.as_str();
    if label.has_expr() || cx.config.self_hosted_runner_labels.iter().any(|p| glob_match(p, l)) {
        return;
    }
    if let Some(w3) = l.strip_prefix("w3/") {
        if !W3_LABELS.iter().any(|k| k.eq_ignore_ascii_case(l)) {
            let hint = did_you_mean(l, W3_LABELS.iter().copied())
                .map(|s| format!("; did you mean \"{s}\"?"))
                .unwrap_or_default();
            out.push(Diagnostic::at(
                NAME,
                label.pos,
                format!("unknown W3 environment \"{w3}\"{hint} available W3 labels are {}", W3_LABELS.join(", ")),
            ));
        }
        return;
    }
    match classify(l) {
        LabelKind::GitHubHosted | LabelKind::SelfHosted => {}
        LabelKind::Removed => out.push(Diagnostic::at(NAME, label.pos, format!("label \"{l}\" names a GitHub-hosted image that has been removed; jobs using it never start. use one of {}", github_hosted().join(", ")))),
        LabelKind::Unknown if grouped => {}
        LabelKind::Unknown => {
            let hint = did_you_mean(l, github_hosted().iter().copied()).map(|s| format!(" did you mean \"{s}\"?")).unwrap_or_default();
            out.push(Diagnostic::at(NAME, label.pos, format!("label \"{l}\" is unknown.{hint} available labels are {}. if it is a custom label for self-hosted runner, set list of labels in actionlint.yaml config file", github_hosted().join(", "))));
        }
    }
}

/// Returns the matrix values a label of the form `${{ matrix.KEY }}` takes, when the job's matrix
/// lists them literally: the row `KEY`, and `KEY` of every `include` entry.
fn matrix_labels<'a>(job: &'a w3_dsl::ast::Job, label: &Str) -> Vec<&'a Node> {
    let inner = label.value.trim().strip_prefix("${{").and_then(|r| r.strip_suffix("}}")).map(str::trim);
    let Some(key) = inner.and_then(|i| i.strip_prefix("matrix.")) else { return Vec::new() };
    let Some(Matrix::Rows { rows, include, .. }) = job.strategy.as_ref().and_then(|s| s.matrix.as_ref()) else {
        return Vec::new();
    };
    let mut out: Vec<&Node> = Vec::new();
    if let Some(ExprOr::Lit { value, .. }) =
        rows.iter().find(|r| r.key.value.eq_ignore_ascii_case(key)).map(|r| &r.values)
    {
        out.extend(value.iter());
    }
    if let Some(ExprOr::Lit { value, .. }) = include.as_ref().map(|i| &i.value) {
        for combo in value {
            if let Combination::Assign { pairs, .. } = combo {
                out.extend(pairs.iter().filter(|(k, _)| k.value.eq_ignore_ascii_case(key)).map(|(_, v)| v));
            }
        }
    }
    out
}

/// Checks a runner group name: a bare name, or one prefixed by `organization/` or
/// `enterprise/` to pick the group of that level.
fn check_group(g: &Str, out: &mut Vec<Diagnostic>) {
    let Some((prefix, name)) = g.value.split_once('/') else { return };
    if g.has_expr() {
        return;
    }
    if !matches!(prefix, "organization" | "enterprise") {
        out.push(Diagnostic::at(NAME, g.pos, format!("invalid runs-on group name \"{}\". use the \"organization/\" or \"enterprise/\" prefix to target a single runner group", g.value)));
    } else if name.is_empty() || name.contains('/') {
        out.push(Diagnostic::at(NAME, g.pos, format!("invalid runs-on group name \"{}\"", g.value)));
    }
}

impl Rule for RunnerLabel {
    fn name(&self) -> &'static str {
        NAME
    }

    fn check(&self, cx: &Context<'_>, wf: &Workflow, out: &mut Vec<Diagnostic>) {
        for job in &wf.jobs {
            let Some(runs_on) = &job.runs_on else { continue };
            let grouped = matches!(runs_on, RunsOn::Group { group: Some(_), .. });
            if let RunsOn::Group { group: Some(g), .. } = runs_on {
                check_group(g, out);
            }
            let labels = runs_on.labels();
            for label in labels {
                check_label(cx, label, grouped, out);
                for value in matrix_labels(job, label) {
                    let items: Vec<&Node> = match value.as_seq() {
                        Some(seq) => seq.iter().collect(),
                        None => vec![value],
                    };
                    for item in items.into_iter().filter_map(Str::from_node) {
                        check_label(cx, &item, grouped, out);
                        if let (Some(mine), Some(other)) =
                            (os(&item.value), labels.iter().find(|l| os(&l.value).is_some()))
                        {
                            if os(&other.value) != Some(mine) {
                                out.push(Diagnostic::at(NAME, item.pos, format!("label \"{}\" conflicts with label \"{}\" defined at line:{},col:{}. note: to run your job on each workers, use matrix", item.value, other.value, other.pos.line, other.pos.col)));
                            }
                        }
                    }
                }
            }
            for (i, label) in labels.iter().enumerate() {
                let Some(mine) = os(&label.value) else { continue };
                if let Some(prev) = labels[..i].iter().find(|p| os(&p.value).is_some_and(|o| o != mine)) {
                    out.push(Diagnostic::at(NAME, label.pos, format!("label \"{}\" conflicts with label \"{}\" defined at line:{},col:{}. note: to run your job on each workers, use matrix", label.value, prev.value, prev.pos.line, prev.pos.col)));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn globs() {
        assert!(super::glob_match("linux-*", "Linux-Big"));
        assert!(super::glob_match("gpu", "GPU"));
        assert!(!super::glob_match("gpu-*-x", "gpu-a-y"));
    }
}
