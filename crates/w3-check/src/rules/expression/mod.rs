//! `expression`: every `${{ }}` in the workflow parses, uses only the contexts and special
//! functions available where it is written, reads only properties that exist (declared inputs,
//! earlier steps, jobs in `needs`, matrix keys, documented `github` properties), and does not
//! paste untrusted event data into inline scripts.

mod env;
mod injection;
pub mod sites;
mod typecheck;

use crate::knowledge::availability::availability;
use crate::knowledge::types::Ty;
use crate::{Context, Rule};
use sites::{Kind, Site};
use std::sync::OnceLock;
use w3_dsl::ast::{StepKind, Str, Workflow};
use w3_dsl::expr::{split_template, Expression, FunctionSig, ParseOptions, Segment, MAX_LENGTH, WORKFLOW_CONTEXTS};
use w3_dsl::yaml::Node;
use w3_dsl::{Diagnostic, Pos};

pub struct ExpressionRule;

const NAME: &str = "expression";

/// Parse options allowing every context and special function; availability is checked after
/// parsing, so that the message can say where a name is allowed.
fn options() -> &'static ParseOptions {
    static OPTIONS: OnceLock<ParseOptions> = OnceLock::new();
    OPTIONS.get_or_init(|| {
        ParseOptions::new()
            .named_values(WORKFLOW_CONTEXTS)
            .functions(FunctionSig::status_functions())
            .function(FunctionSig::hash_files())
    })
}

/// One parsed `${{ }}` of a site, with where its text starts in the YAML value.
pub struct Parsed {
    pub expr: Expression,
    /// Where the expression's text starts in the value.
    pub offset: usize,
    /// Where its `${{` starts in the value (equal to `offset` for a bare condition).
    pub start: usize,
}

/// Splits the text of a site into its expressions, reporting syntax errors. An `if:` without
/// `${{ }}` is one expression.
pub fn parse_site(text: &Str, condition: bool, out: &mut Vec<Diagnostic>) -> Vec<Parsed> {
    let at = |offset: usize| text.pos_in_value(offset);
    if condition && !text.has_expr() {
        return parse_one(&text.value, 0, 0, &at, out).into_iter().collect();
    }
    let segments = match split_template(&text.value) {
        Ok(s) => s,
        Err(e) => {
            out.push(Diagnostic::at(NAME, at(e.span.start), e.to_string()));
            return Vec::new();
        }
    };
    // GitHub evaluates a template as one format() expression, under the same length limit.
    let length = text.value.chars().count();
    if segments.iter().any(|s| matches!(s, Segment::Expression { .. })) && length > MAX_LENGTH {
        out.push(Diagnostic::at(NAME, text.pos, format!("the value holds expressions and is {length} characters long; GitHub evaluates it as one expression and rejects it: Exceeded max expression length {MAX_LENGTH}")));
        return Vec::new();
    }
    segments
        .iter()
        .filter_map(|s| match s {
            Segment::Expression { source, offset, span } => parse_one(source, *offset, span.start, &at, out),
            Segment::Literal { .. } => None,
        })
        .collect()
}

fn parse_one(
    source: &str,
    offset: usize,
    start: usize,
    at: &dyn Fn(usize) -> Pos,
    out: &mut Vec<Diagnostic>,
) -> Option<Parsed> {
    match Expression::parse(source, options()) {
        Ok(expr) => Some(Parsed { expr, offset, start }),
        Err(e) => {
            let pos = e.span().map_or(offset, |s| offset + s.start);
            out.push(Diagnostic::at(NAME, at(pos), format!("got an error while parsing expression: {}", e.message())));
            None
        }
    }
}

/// Returns whether `site` is the `script` input of `actions/github-script`, which runs as
/// JavaScript and so is as exposed to injection as `run:`.
fn is_github_script(wf: &Workflow, job: Option<usize>, step: Option<usize>, node: &Node) -> bool {
    let Some(step) = job.and_then(|j| wf.jobs.get(j)).and_then(|j| step.and_then(|s| j.steps.get(s))) else {
        return false;
    };
    let StepKind::Uses { uses, with } = &step.kind else { return false };
    uses.value.starts_with("actions/github-script@")
        && with.iter().any(|(k, v)| k.value == "script" && std::ptr::eq(v, node))
}

/// Keeps the type environment of the last (job, step) checked: sites come grouped by step, and
/// building the environment is the costly part of checking a short expression.
struct EnvCache {
    key: Option<(Option<usize>, Option<usize>)>,
    env: Option<env::TypeEnv>,
    index: w3_dsl::ast::JobIndex,
}

impl EnvCache {
    fn get(&mut self, cx: &Context<'_>, wf: &Workflow, site: &Site<'_>) -> &env::TypeEnv {
        let key = (site.job, site.step);
        if self.key != Some(key) || self.env.is_none() {
            self.env = Some(env::TypeEnv::new(wf, &self.index, site, cx.config));
            self.key = Some(key);
        }
        self.env.get_or_insert_with(|| env::TypeEnv::new(wf, &self.index, site, cx.config))
    }
}

fn check_site(cx: &Context<'_>, wf: &Workflow, site: &Site<'_>, cache: &mut EnvCache, out: &mut Vec<Diagnostic>) {
    let parsed = parse_site(site.text, site.kind == Kind::Condition, out);
    if parsed.is_empty() {
        return;
    }
    let env = cache.get(cx, wf, site);
    for p in &parsed {
        let Some(root) = p.expr.root() else { continue };
        let mut checker = typecheck::Checker { env, availability: availability(site.key), findings: Vec::new() };
        let ty = checker.check(root);
        if matches!(site.kind, Kind::Template | Kind::Script | Kind::ActionInput)
            && matches!(ty, Ty::Object(_) | Ty::Array(_) | Ty::Null)
        {
            let message = format!("object, array, and null values should not be evaluated in template with ${{{{ }}}} but evaluating the value of type {ty}");
            out.push(Diagnostic::at(NAME, site.text.pos_in_value(p.start), message));
        }
        // Matrix values may be any value; elsewhere a whole-value expression must expand to the
        // object (or, for runs-on, the array) the key expects.
        let expands = site.kind == Kind::Object && site.key != "jobs.<job_id>.strategy" && p.start == 0;
        if expands && matches!(ty, Ty::String | Ty::Number | Ty::Bool | Ty::Null) {
            let what = site.key.rsplit('.').find(|k| !k.starts_with('<')).unwrap_or(site.key);
            let expected = if what == "runs-on" { "string or array" } else { "object" };
            if !(expected == "string or array" && ty == Ty::String) {
                out.push(Diagnostic::at(
                    NAME,
                    site.text.pos,
                    format!("type of expression at \"{what}\" must be {expected} but found type {ty}"),
                ));
            }
        }
        if site.kind == Kind::Object && site.key.ends_with("runs-on") && matches!(ty, Ty::Object(_)) {
            out.push(Diagnostic::at(
                NAME,
                site.text.pos,
                format!("type of expression at \"runs-on\" must be string or array but found type \"{ty}\""),
            ));
        }
        for f in checker.findings {
            out.push(Diagnostic::at(NAME, site.text.pos_in_value(p.offset + f.offset), f.message));
        }
        if matches!(site.kind, Kind::Script | Kind::ActionInput) {
            let mut found = Vec::new();
            injection::find(root, &mut found);
            for u in found {
                out.push(Diagnostic::at(NAME, site.text.pos_in_value(p.offset + u.offset), u.message));
            }
        }
    }
}

impl Rule for ExpressionRule {
    fn name(&self) -> &'static str {
        NAME
    }

    fn check(&self, cx: &Context<'_>, wf: &Workflow, out: &mut Vec<Diagnostic>) {
        let (sites, values) = sites::collect(wf);
        let mut cache = EnvCache { key: None, env: None, index: wf.job_index() };
        for site in &sites {
            check_site(cx, wf, site, &mut cache, out);
        }
        for (node, key, job, step) in values {
            for scalar in sites::scalars(node) {
                let Some(text) = Str::from_node(scalar) else { continue };
                let kind = if key == "jobs.<job_id>.strategy" {
                    Kind::Object
                } else if is_github_script(wf, job, step, node) {
                    Kind::ActionInput
                } else {
                    Kind::Template
                };
                let site = Site { text: &text, key, kind, job, step };
                check_site(cx, wf, &site, &mut cache, out);
            }
        }
    }
}
