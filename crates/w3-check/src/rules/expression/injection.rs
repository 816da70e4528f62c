//! Script injection: values an outside user controls (titles, bodies, branch names, commit
//! messages...) placed straight into an inline script let that user run code. They should be
//! passed through an environment variable instead.

use w3_dsl::expr::{Builtin, Expr, ExprKind, Function, Literal};

/// Event properties an outside user can choose, as lowercase paths with `*` for any element.
const UNTRUSTED: &[&str] = &[
    "github.event.comment.body",
    "github.event.commits.*.author.email",
    "github.event.commits.*.author.name",
    "github.event.commits.*.message",
    "github.event.discussion.body",
    "github.event.discussion.title",
    "github.event.head_commit.author.email",
    "github.event.head_commit.author.name",
    "github.event.head_commit.message",
    "github.event.issue.body",
    "github.event.issue.title",
    "github.event.pages.*.page_name",
    "github.event.pull_request.body",
    "github.event.pull_request.head.label",
    "github.event.pull_request.head.ref",
    "github.event.pull_request.head.repo.default_branch",
    "github.event.pull_request.title",
    "github.event.review.body",
    "github.event.review_comment.body",
    "github.event.workflow_run.head_branch",
    "github.event.workflow_run.head_commit.author.email",
    "github.event.workflow_run.head_commit.author.name",
    "github.event.workflow_run.head_commit.message",
    "github.event.workflow_run.pull_requests.*.head.ref",
    "github.head_ref",
];

/// Returns the property path of `e` (`github.event.issue.title`), with `*` for filters and
/// non-literal indexes, or `None` when `e` is not a plain path from a context.
fn path(e: &Expr) -> Option<Vec<String>> {
    match &e.kind {
        ExprKind::NamedValue(n) => Some(vec![n.to_ascii_lowercase()]),
        ExprKind::Property { object, name } => path(object).map(|mut p| {
            p.push(name.name.to_ascii_lowercase());
            p
        }),
        ExprKind::Index { object, index } => path(object).map(|mut p| {
            p.push(match &index.kind {
                ExprKind::Literal(Literal::String(s)) => s.to_ascii_lowercase(),
                _ => "*".into(),
            });
            p
        }),
        ExprKind::Wildcard { object, .. } => path(object).map(|mut p| {
            p.push("*".into());
            p
        }),
        _ => None,
    }
}

fn matches(pattern: &str, path: &[String]) -> bool {
    let parts: Vec<&str> = pattern.split('.').collect();
    parts.len() == path.len() && parts.iter().zip(path).all(|(p, s)| *p == s || *p == "*" || s == "*")
}

/// A use of an untrusted value at a character offset of the expression.
pub struct Untrusted {
    pub offset: usize,
    pub message: String,
}

/// Collects untrusted values whose text reaches the expression's result: operands of `&&`,
/// `||`, `format`, `join` and `toJSON` pass text through; comparisons and predicates such as
/// `contains` only yield booleans, so they are safe.
pub fn find(e: &Expr, out: &mut Vec<Untrusted>) {
    if let Some(p) = path(e) {
        let hits: Vec<&str> = UNTRUSTED.iter().copied().filter(|u| matches(u, &p)).collect();
        if hits.is_empty() {
            return;
        }
        let wildcard =
            p.iter().any(|s| s == "*") && !hits.iter().any(|h| h.split('.').count() == p.len() && !h.contains('*'));
        let message = if wildcard
            && (hits.len() > 1 || p.contains(&"*".to_string()))
            && !UNTRUSTED.contains(&p.join(".").as_str())
        {
            let list = hits.iter().map(|h| format!("\"{h}\"")).collect::<Vec<_>>().join(", ");
            format!("object filter extracts potentially untrusted properties {list}. avoid using the value directly in inline scripts. instead, pass the value through an environment variable. see https://docs.github.com/en/actions/reference/security/secure-use#good-practices-for-mitigating-script-injection-attacks for more details")
        } else {
            format!("\"{}\" is potentially untrusted. avoid using it directly in inline scripts. instead, pass it through an environment variable. see https://docs.github.com/en/actions/reference/security/secure-use#good-practices-for-mitigating-script-injection-attacks for more details", p.join("."))
        };
        out.push(Untrusted { offset: e.span.start, message });
        return;
    }
    match &e.kind {
        ExprKind::Logical { operands, .. } => operands.iter().for_each(|o| find(o, out)),
        ExprKind::Call(c)
            if matches!(
                c.function,
                Function::Builtin(
                    Builtin::Format | Builtin::Join | Builtin::ToJson | Builtin::FromJson | Builtin::Case
                )
            ) =>
        {
            c.args.iter().for_each(|a| find(a, out))
        }
        _ => {}
    }
}
