//! The scopes of `permissions:` (the `GITHUB_TOKEN`'s access) and the values each accepts.
//!
//! Source: docs.github.com, "Workflow syntax for GitHub Actions" › `permissions` and the
//! `GITHUB_TOKEN` scope table (fpt/ghec, as of November 2026). Some scopes accept only part of
//! `read|write|none`: `id-token` has no `read`; `models` and `vulnerability-alerts` have no
//! `write`. Scopes that only some products have (`models`, `id-token`, `repository-projects`,
//! `artifact-metadata`, `vulnerability-alerts`) are all listed, so none is reported unknown.

/// Lists `read`, `write` and `none`, in the order diagnostics name them.
pub const READ_WRITE_NONE: &[&str] = &["read", "write", "none"];
const WRITE_NONE: &[&str] = &["write", "none"];
const READ_NONE: &[&str] = &["read", "none"];

/// Lists the values `permissions:` may take as a single string, for all scopes at once. An empty
/// mapping (`permissions: {}`) is the third whole-workflow form and disables every scope.
pub const SHORTHANDS: &[&str] = &["read-all", "write-all"];

/// Every scope with the values it accepts, sorted by scope name.
static SCOPES: &[(&str, &[&str])] = &[
    ("actions", READ_WRITE_NONE),
    ("artifact-metadata", READ_WRITE_NONE),
    ("attestations", READ_WRITE_NONE),
    ("checks", READ_WRITE_NONE),
    ("code-quality", READ_WRITE_NONE),
    ("contents", READ_WRITE_NONE),
    ("copilot-requests", READ_WRITE_NONE),
    ("deployments", READ_WRITE_NONE),
    ("discussions", READ_WRITE_NONE),
    ("id-token", WRITE_NONE),
    ("issues", READ_WRITE_NONE),
    ("models", READ_NONE),
    ("packages", READ_WRITE_NONE),
    ("pages", READ_WRITE_NONE),
    ("pull-requests", READ_WRITE_NONE),
    ("repository-projects", READ_WRITE_NONE),
    ("security-events", READ_WRITE_NONE),
    ("statuses", READ_WRITE_NONE),
    ("vulnerability-alerts", READ_NONE),
];

/// Returns the values the scope `name` accepts (case-sensitive, as GitHub is), or `None` when
/// there is no such scope.
pub fn scope(name: &str) -> Option<&'static [&'static str]> {
    SCOPES.binary_search_by(|(s, _)| s.cmp(&name)).ok().map(|i| SCOPES[i].1)
}

/// Returns the names of all scopes, in sorted order.
pub fn scope_names() -> impl Iterator<Item = &'static str> {
    SCOPES.iter().map(|(s, _)| *s)
}

/// Reports whether `value` is a whole-workflow shorthand (`read-all` or `write-all`).
pub fn is_shorthand(value: &str) -> bool {
    SHORTHANDS.contains(&value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::knowledge::strictly_sorted_by;

    #[test]
    fn tables_are_sorted_without_duplicates() {
        assert!(strictly_sorted_by(SCOPES, |a, b| a.0.cmp(b.0)));
        for (name, values) in SCOPES {
            assert!(!values.is_empty(), "{name}");
            for v in *values {
                assert!(READ_WRITE_NONE.contains(v), "{name}: {v}");
                assert_eq!(values.iter().filter(|x| *x == v).count(), 1, "{name}: {v}");
            }
        }
    }

    #[test]
    fn knows_scopes_and_their_values() {
        assert_eq!(scope("contents"), Some(READ_WRITE_NONE));
        assert_eq!(scope("id-token"), Some(&["write", "none"][..]));
        assert_eq!(scope("models"), Some(&["read", "none"][..]));
        assert!(scope("check").is_none());
        assert!(scope("CHECKS").is_none());
        assert!(scope_names().any(|s| s == "pull-requests"));
        assert_eq!(scope_names().count(), 19);
    }

    #[test]
    fn knows_shorthands() {
        assert!(is_shorthand("read-all") && is_shorthand("write-all"));
        assert!(!is_shorthand("read") && !is_shorthand(""));
    }
}
