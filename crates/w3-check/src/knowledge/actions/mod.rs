//! Metadata of popular actions (inputs and outputs per major version) and the major versions
//! that are too old to run.
//!
//! The table covers the actions used most in public workflows, at the majors whose `action.yml`
//! we know. An action or major that is not in the table has no entry: a rule should then check
//! nothing rather than guess. Names compare ASCII case-insensitively, as GitHub's `owner/repo`
//! does; refs compare exactly, except that `v4.2.1` and `4` also select the `v4` entry.

mod table;

use super::cmp_ignore_ascii_case;
use std::cmp::Ordering;

/// Describes one input of an action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Input {
    pub name: &'static str,
    /// Whether `action.yml` marks it `required: true` (without a default).
    pub required: bool,
    /// The `deprecationMessage` of `action.yml`, when the input is deprecated.
    pub deprecated: Option<&'static str>,
}

const fn opt(name: &'static str) -> Input {
    Input { name, required: false, deprecated: None }
}

const fn req(name: &'static str) -> Input {
    Input { name, required: true, deprecated: None }
}

const fn dep(name: &'static str, message: &'static str) -> Input {
    Input { name, required: false, deprecated: Some(message) }
}

/// Describes an action at one or more major versions that share the same inputs and outputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActionSpec {
    /// `owner/repo` or `owner/repo/path`, lowercase.
    pub name: &'static str,
    /// The refs this entry describes, e.g. `v4`, or `release/v1` for actions with unusual tags.
    pub majors: &'static [&'static str],
    /// The inputs, sorted by lowercase name.
    pub inputs: &'static [Input],
    /// The outputs, sorted by lowercase name.
    pub outputs: &'static [&'static str],
    /// Whether the action accepts inputs that are not listed, so unknown inputs are fine.
    pub extra_inputs: bool,
    /// Whether the action sets outputs that are not listed, so unknown outputs are fine.
    pub extra_outputs: bool,
}

impl ActionSpec {
    /// Returns the input `name` (ASCII case-insensitive, as GitHub matches input names).
    pub fn input(&self, name: &str) -> Option<&'static Input> {
        let inputs = self.inputs;
        inputs.binary_search_by(|i| cmp_ignore_ascii_case(i.name, name)).ok().map(|i| &inputs[i])
    }

    /// Returns the inputs a step must set.
    pub fn required_inputs(&self) -> impl Iterator<Item = &'static Input> {
        self.inputs.iter().filter(|i| i.required)
    }

    /// Reports whether the action sets the output `name` (ASCII case-insensitive), counting any
    /// name as set when the action sets outputs dynamically.
    pub fn has_output(&self, name: &str) -> bool {
        self.extra_outputs || self.outputs.iter().any(|o| o.eq_ignore_ascii_case(name))
    }
}

/// Reports whether the ref `r` selects the table's major `major`: an exact match, or `r` is a
/// version (`4`, `v4`, `v4.2`, `v4.2.1`) whose major number is `major`'s.
fn ref_selects(major: &str, r: &str) -> bool {
    if major == r {
        return true;
    }
    let head = r.split('.').next().unwrap_or(r);
    let head = head.strip_prefix('v').unwrap_or(head);
    match major.strip_prefix('v') {
        Some(m) if is_number(m) => is_number(head) && m == head,
        _ => false,
    }
}

fn is_number(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// Returns the metadata of the action `uses_without_ref` (e.g. `actions/checkout`, or
/// `github/codeql-action/upload-sarif`) at the ref `major_ref` (e.g. `v4`, `v4.2.1`), or `None`
/// when the table does not describe that action at that major.
pub fn action(uses_without_ref: &str, major_ref: &str) -> Option<&'static ActionSpec> {
    let all = table::ACTIONS;
    let start = all.partition_point(|a| cmp_ignore_ascii_case(a.name, uses_without_ref).is_lt());
    all[start..]
        .iter()
        .take_while(|a| cmp_ignore_ascii_case(a.name, uses_without_ref) == Ordering::Equal)
        .find(|a| a.majors.iter().any(|m| ref_selects(m, major_ref)))
}

/// Returns every entry of the table, sorted by lowercase name.
pub fn specs() -> &'static [ActionSpec] {
    table::ACTIONS
}

/// Splits a `uses:` value `owner/repo[/path]@ref` into the action and the ref; returns `None`
/// for local actions (`./path`), Docker images (`docker://...`) and values without a ref.
pub fn split_uses(uses: &str) -> Option<(&str, &str)> {
    if uses.starts_with("./") || uses.starts_with("docker://") {
        return None;
    }
    let (name, r) = uses.split_once('@')?;
    (!name.is_empty() && !r.is_empty()).then_some((name, r))
}

const NODE12: &str = "it runs on Node.js 12, which GitHub Actions no longer provides";
const NODE16: &str = "it runs on Node.js 16, which GitHub Actions no longer provides";

/// Majors of popular actions whose runtime GitHub has removed, sorted by lowercase name.
///
/// Node.js 20 majors (e.g. `actions/checkout@v4`) are not listed: since 2026-06-02 runners force
/// them onto Node.js 24, so they still run.
static OUTDATED: &[(&str, &[&str], &str)] = &[
    ("actions/cache", &["v1", "v2"], NODE12),
    ("actions/cache", &["v3"], NODE16),
    ("actions/cache/restore", &["v3"], NODE16),
    ("actions/cache/save", &["v3"], NODE16),
    ("actions/checkout", &["v1", "v2"], NODE12),
    ("actions/checkout", &["v3"], NODE16),
    ("actions/configure-pages", &["v1", "v2", "v3"], NODE16),
    ("actions/create-release", &["v1"], NODE12),
    ("actions/deploy-pages", &["v1", "v2"], NODE16),
    ("actions/download-artifact", &["v1", "v2"], NODE12),
    ("actions/download-artifact", &["v3"], NODE16),
    ("actions/github-script", &["v1", "v2", "v3", "v4", "v5"], NODE12),
    ("actions/github-script", &["v6"], NODE16),
    ("actions/labeler", &["v1", "v2", "v3"], NODE12),
    ("actions/labeler", &["v4"], NODE16),
    ("actions/setup-dotnet", &["v1", "v2"], NODE12),
    ("actions/setup-dotnet", &["v3"], NODE16),
    ("actions/setup-go", &["v1", "v2"], NODE12),
    ("actions/setup-go", &["v3"], NODE16),
    ("actions/setup-java", &["v1", "v2"], NODE12),
    ("actions/setup-java", &["v3"], NODE16),
    ("actions/setup-node", &["v1", "v2"], NODE12),
    ("actions/setup-node", &["v3"], NODE16),
    ("actions/setup-python", &["v1", "v2"], NODE12),
    ("actions/setup-python", &["v3", "v4"], NODE16),
    ("actions/stale", &["v1", "v2", "v3", "v4"], NODE12),
    ("actions/stale", &["v5", "v6", "v7", "v8"], NODE16),
    ("actions/upload-artifact", &["v1", "v2"], NODE12),
    ("actions/upload-artifact", &["v3"], NODE16),
    ("actions/upload-release-asset", &["v1"], NODE12),
    ("aws-actions/configure-aws-credentials", &["v1", "v2"], NODE16),
    ("docker/build-push-action", &["v1", "v2"], NODE12),
    ("docker/build-push-action", &["v3", "v4"], NODE16),
    ("docker/login-action", &["v1"], NODE12),
    ("docker/login-action", &["v2"], NODE16),
    ("docker/metadata-action", &["v1", "v2", "v3"], NODE12),
    ("docker/metadata-action", &["v4"], NODE16),
    ("docker/setup-buildx-action", &["v1"], NODE12),
    ("docker/setup-buildx-action", &["v2"], NODE16),
    ("docker/setup-qemu-action", &["v1"], NODE12),
    ("docker/setup-qemu-action", &["v2"], NODE16),
    ("github/codeql-action/analyze", &["v1"], NODE12),
    ("github/codeql-action/analyze", &["v2"], NODE16),
    ("github/codeql-action/autobuild", &["v1"], NODE12),
    ("github/codeql-action/autobuild", &["v2"], NODE16),
    ("github/codeql-action/init", &["v1"], NODE12),
    ("github/codeql-action/init", &["v2"], NODE16),
    ("github/codeql-action/upload-sarif", &["v1"], NODE12),
    ("github/codeql-action/upload-sarif", &["v2"], NODE16),
    ("peter-evans/create-pull-request", &["v1", "v2", "v3"], NODE12),
    ("peter-evans/create-pull-request", &["v4", "v5"], NODE16),
    ("softprops/action-gh-release", &["v1"], NODE16),
];

/// Returns why the action in `uses` (`owner/repo[/path]@ref`) cannot run any more, when its ref
/// selects a major whose JavaScript runtime GitHub has removed. Refs such as `v3-node20` or a
/// commit SHA select no major and are never reported.
pub fn outdated(uses: &str) -> Option<&'static str> {
    let (name, r) = split_uses(uses)?;
    let start = OUTDATED.partition_point(|e| cmp_ignore_ascii_case(e.0, name).is_lt());
    OUTDATED[start..]
        .iter()
        .take_while(|e| cmp_ignore_ascii_case(e.0, name) == Ordering::Equal)
        .find(|e| e.1.iter().any(|m| ref_selects(m, r)))
        .map(|e| e.2)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::knowledge::strictly_sorted_by;

    #[test]
    fn tables_are_sorted_without_duplicates() {
        let all = specs();
        assert!(all.windows(2).all(|w| w[0].name <= w[1].name));
        for a in all {
            assert_eq!(a.name, a.name.to_ascii_lowercase());
            assert!(!a.majors.is_empty(), "{}", a.name);
            assert!(strictly_sorted_by(a.inputs, |x, y| cmp_ignore_ascii_case(x.name, y.name)));
            assert!(strictly_sorted_by(a.outputs, |x, y| cmp_ignore_ascii_case(x, y)));
            for b in all.iter().filter(|b| b.name == a.name && !std::ptr::eq(*b, a)) {
                assert!(a.majors.iter().all(|m| !b.majors.contains(m)), "{}", a.name);
            }
        }
        assert!(OUTDATED.windows(2).all(|w| w[0].0 <= w[1].0));
        for (name, majors, _) in OUTDATED {
            for m in *majors {
                let uses = format!("{name}@{m}");
                assert!(outdated(&uses).is_some(), "{uses}");
                assert!(action(name, m).is_none(), "{uses} is both outdated and described");
            }
        }
    }

    #[test]
    fn describes_popular_actions() {
        let node = action("actions/setup-node", "v4").unwrap();
        let names: Vec<_> = node.inputs.iter().map(|i| i.name).collect();
        assert_eq!(
            names,
            [
                "always-auth",
                "architecture",
                "cache",
                "cache-dependency-path",
                "check-latest",
                "mirror",
                "mirror-token",
                "node-version",
                "node-version-file",
                "registry-url",
                "scope",
                "token"
            ]
        );
        assert!(node.input("node_version").is_none());
        assert!(action("actions/setup-node", "v6").unwrap().input("package-manager-cache").is_some());
        let cache = action("actions/cache", "v4").unwrap();
        let required: Vec<_> = cache.required_inputs().map(|i| i.name).collect();
        assert_eq!(required, ["key", "path"]);
        assert!(cache.input("save-always").unwrap().deprecated.is_some());
        assert!(cache.has_output("cache-hit") && !cache.has_output("cache_hit"));
        assert!(cache.input("ENABLECROSSOSARCHIVE").is_some());
        let checkout = action("Actions/Checkout", "v4.2.2").unwrap();
        assert!(checkout.input("fetch-depth").is_some() && checkout.has_output("commit"));
        assert!(action("actions/checkout", "v7").unwrap().input("allow-unsafe-pr-checkout").is_some());
        assert!(action("actions/upload-artifact", "v7").unwrap().input("archive").is_some());
        assert!(action("actions/upload-artifact", "v6").unwrap().input("archive").is_none());
        assert!(action("actions/github-script", "v7").unwrap().has_output("anything"));
        let pypi = action("pypa/gh-action-pypi-publish", "release/v1").unwrap();
        assert_eq!(
            pypi.input("packages_dir").unwrap().deprecated,
            Some("The inputs have been normalized to use kebab-case. Use `packages-dir` instead")
        );
        let request = action("octokit/request-action", "v2.x").unwrap();
        assert!(request.extra_inputs && request.has_output("data") && !request.has_output("x"));
        let vim = action("rhysd/action-setup-vim", "v1").unwrap();
        let names: Vec<_> = vim.inputs.iter().map(|i| i.name).collect();
        assert_eq!(names, ["configure-args", "neovim", "token", "version"]);
        assert!(action("actions/checkout", "main").is_none());
        assert!(action("actions/checkout", "3d3c42e5aac5ba805825da76410c181273ba90b1").is_none());
        assert!(action("actions/download-artifact", "v3-node20").is_none());
        assert!(action("actions/cache/restore", "v5").is_some());
        assert!(action("no/such-action", "v1").is_none());
    }

    #[test]
    fn selects_majors_from_refs() {
        assert!(ref_selects("v4", "v4") && ref_selects("v4", "v4.1") && ref_selects("v4", "4"));
        assert!(ref_selects("v4", "v4.2.1") && !ref_selects("v4", "v41"));
        assert!(!ref_selects("v3", "v3-node20") && !ref_selects("v4", "") && !ref_selects("v4", "v"));
        assert!(ref_selects("v2.x", "v2.x") && !ref_selects("v2.x", "v2"));
        assert!(ref_selects("release/v1", "release/v1") && !ref_selects("release/v1", "v1"));
        assert!(ref_selects("stable", "stable") && !ref_selects("stable", "1.80.0"));
    }

    #[test]
    fn reports_outdated_majors() {
        assert!(outdated("actions/checkout@v2").unwrap().contains("Node.js 12"));
        assert!(outdated("actions/checkout@v3").unwrap().contains("Node.js 16"));
        assert!(outdated("actions/stale@v4").is_some());
        assert!(outdated("actions/checkout@v3.6.0").is_some());
        assert!(outdated("actions/checkout@v4").is_none());
        assert!(outdated("actions/stale@v9").is_none());
        assert!(outdated("actions/download-artifact@v3-node20").is_none());
        assert!(outdated("actions/checkout@f43a0e5ff2bd294095638e18286ca9a3d1956744").is_none());
        assert!(outdated("./.github/actions/checkout").is_none());
        assert!(outdated("docker://alpine:3").is_none());
        assert!(outdated("actions/checkout").is_none());
    }

    #[test]
    fn splits_uses() {
        assert_eq!(split_uses("actions/checkout@v4"), Some(("actions/checkout", "v4")));
        assert_eq!(split_uses("github/codeql-action/init@v4"), Some(("github/codeql-action/init", "v4")));
        assert_eq!(split_uses("./local"), None);
        assert_eq!(split_uses("owner/repo@"), None);
    }
}
