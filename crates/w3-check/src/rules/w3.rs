//! `w3`: the W3 extensions are used correctly — `verification` policies and replicas, the `w3:`
//! capability block, and steps whose policy is `onchain` must be deterministic (no shell, no
//! GitHub action), since every validator re-executes them.

use crate::{Context, Rule};
use w3_dsl::ast::{Capabilities, ExprOr, StepKind, Verification, Workflow};
use w3_dsl::diag::did_you_mean;
use w3_dsl::Diagnostic;

pub struct W3;

const NAME: &str = "w3";
/// The verification policies, innermost declaration wins.
pub const POLICIES: &[&str] = &["onchain", "tee", "shadow"];

fn check_verification(v: &Verification, out: &mut Vec<Diagnostic>) {
    let Some(p) = &v.policy else { return };
    if p.has_expr() {
        out.push(Diagnostic::at(
            NAME,
            p.pos,
            "\"verification\" must be known at deploy time; it cannot be a ${{ }} expression",
        ));
        return;
    }
    if !POLICIES.contains(&p.value.as_str()) {
        let hint = did_you_mean(&p.value, POLICIES.iter().copied())
            .map(|s| format!("; did you mean \"{s}\"?"))
            .unwrap_or_default();
        out.push(Diagnostic::at(
            NAME,
            p.pos,
            format!(
                "unknown verification policy \"{}\"{hint} available policies are \"onchain\", \"tee\" and \"shadow\"",
                p.value
            ),
        ));
    }
    match &v.replicas {
        Some(ExprOr::Lit { value, pos }) if p.value != "shadow" => {
            out.push(Diagnostic::at(
                NAME,
                *pos,
                format!("\"replicas\" only applies to the \"shadow\" policy, not to \"{}\" ({value} given)", p.value),
            ));
        }
        Some(ExprOr::Lit { value, pos }) if *value < 1.0 => {
            out.push(Diagnostic::at(NAME, *pos, format!("\"replicas\" must be at least 1, but is {value}")));
        }
        Some(ExprOr::Expr(s)) => out.push(Diagnostic::at(
            NAME,
            s.pos,
            "\"replicas\" must be known at deploy time; it cannot be a ${{ }} expression",
        )),
        _ => {}
    }
}

fn check_capabilities(c: &Capabilities, out: &mut Vec<Diagnostic>) {
    for h in c.http.iter().flat_map(|s| &s.items) {
        let host = h.value.strip_prefix("*.").unwrap_or(&h.value);
        let valid = !host.is_empty()
            && host
                .split('.')
                .all(|l| !l.is_empty() && l.len() <= 63 && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
            && !host.contains("://");
        let with_port = host.rsplit_once(':').is_some_and(|(h, p)| !h.is_empty() && p.parse::<u16>().is_ok());
        if !valid && !with_port {
            out.push(Diagnostic::at(NAME, h.pos, format!("\"{}\" is not a host name; write hosts such as \"api.example.com\", \"*.example.com\" or \"127.0.0.1:8080\" (no scheme or path)", h.value)));
        }
    }
    for s in c.storage.iter().flat_map(|s| &s.items) {
        if s.value != "read" && s.value != "write" {
            out.push(Diagnostic::at(
                NAME,
                s.pos,
                format!("unknown storage access \"{}\"; available values are \"read\" and \"write\"", s.value),
            ));
        }
    }
    match &c.gas {
        Some(ExprOr::Lit { value, pos }) if *value <= 0.0 => {
            out.push(Diagnostic::at(NAME, *pos, format!("\"gas\" must be a positive integer, but is {value}")))
        }
        Some(ExprOr::Expr(s)) => out.push(Diagnostic::at(
            NAME,
            s.pos,
            "\"gas\" must be known at deploy time; it cannot be a ${{ }} expression",
        )),
        _ => {}
    }
}

/// Returns the policy a `verification:` declares, if any.
fn policy(v: Option<&Verification>) -> Option<&str> {
    v.and_then(|v| v.policy.as_ref()).map(|p| p.value.as_str())
}

impl Rule for W3 {
    fn name(&self) -> &'static str {
        NAME
    }

    fn check(&self, _cx: &Context<'_>, wf: &Workflow, out: &mut Vec<Diagnostic>) {
        wf.verification.iter().for_each(|v| check_verification(v, out));
        wf.w3.iter().for_each(|c| check_capabilities(c, out));
        for job in &wf.jobs {
            job.verification.iter().for_each(|v| check_verification(v, out));
            job.w3.iter().for_each(|c| check_capabilities(c, out));
            let job_policy = policy(job.verification.as_ref()).or(policy(wf.verification.as_ref()));
            for step in &job.steps {
                step.verification.iter().for_each(|v| check_verification(v, out));
                if policy(step.verification.as_ref()).or(job_policy) != Some("onchain") {
                    continue;
                }
                let what = match &step.kind {
                    StepKind::Run { .. } => "runs a shell command",
                    StepKind::Uses { uses, .. } if !uses.value.starts_with("w3/") => "runs a GitHub action",
                    _ => continue,
                };
                out.push(Diagnostic::at(NAME, step.pos, format!("step {what}, which validators cannot re-execute deterministically, but its verification policy is \"onchain\"; declare `verification: tee` or `verification: shadow` on the step")));
            }
        }
    }
}
