//! Runner labels for `runs-on:`: GitHub-hosted images, the default self-hosted labels, and
//! images GitHub has retired.
//!
//! Sources: docs.github.com, "GitHub-hosted runners reference" and "Larger runners reference";
//! `actions/runner-images` announcements for retirements (as of November 2026: macOS 26 is
//! `macos-latest`; macOS 14 retired on 2026-11-02; Ubuntu 22.04 is deprecated and retires on
//! 2027-04-17). Labels compare case-insensitively, as GitHub matches them. Linux and Windows
//! larger runners are named by their owners, so only the macOS larger-runner labels are fixed.

use super::cmp_ignore_ascii_case;

/// Tells what kind of runner a label names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LabelKind {
    /// A label of a GitHub-hosted runner image that can still be used.
    GitHubHosted,
    /// A label every self-hosted runner gets by default (`self-hosted`, an OS, an architecture).
    SelfHosted,
    /// A GitHub-hosted image label that GitHub has retired; jobs using it never start.
    Removed,
    /// Any other label: a custom self-hosted label, a runner group's label, or a typo.
    Unknown,
}

/// Names the operating system a label implies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunnerOs {
    Linux,
    Windows,
    MacOs,
}

/// The GitHub-hosted labels in use, lowercase and sorted.
static GITHUB_HOSTED: &[&str] = &[
    "macos-15",
    "macos-15-intel",
    "macos-15-large",
    "macos-15-xlarge",
    "macos-26",
    "macos-26-intel",
    "macos-26-large",
    "macos-26-xlarge",
    "macos-latest",
    "macos-latest-large",
    "macos-latest-xlarge",
    "ubuntu-22.04",
    "ubuntu-22.04-arm",
    "ubuntu-24.04",
    "ubuntu-24.04-arm",
    "ubuntu-26.04",
    "ubuntu-26.04-arm",
    "ubuntu-latest",
    "ubuntu-slim",
    "windows-11-arm",
    "windows-11-vs2026-arm",
    "windows-2022",
    "windows-2025",
    "windows-2025-vs2026",
    "windows-latest",
];

/// GitHub-hosted labels that still work but are being retired, with the reason; sorted.
static DEPRECATED: &[(&str, &str)] = &[
    ("ubuntu-22.04", "the Ubuntu 22.04 image is deprecated and will be retired on 2027-04-17"),
    ("ubuntu-22.04-arm", "the Ubuntu 22.04 image is deprecated and will be retired on 2027-04-17"),
];

/// The labels a self-hosted runner gets by default, lowercase and sorted.
static SELF_HOSTED: &[&str] = &["arm", "arm64", "linux", "macos", "self-hosted", "windows", "x64"];

/// GitHub-hosted labels that existed once and were retired, lowercase and sorted.
static REMOVED: &[&str] = &[
    "macos-10.15",
    "macos-11",
    "macos-12",
    "macos-12-large",
    "macos-12-xl",
    "macos-13",
    "macos-13-large",
    "macos-13-xl",
    "macos-13-xlarge",
    "macos-14",
    "macos-14-large",
    "macos-14-xlarge",
    "macos-latest-xl",
    "ubuntu-16.04",
    "ubuntu-18.04",
    "ubuntu-20.04",
    "windows-2016",
    "windows-2019",
];

fn contains(table: &[&str], label: &str) -> bool {
    table.binary_search_by(|e| cmp_ignore_ascii_case(e, label)).is_ok()
}

/// Classifies `label`, ignoring ASCII case.
pub fn classify(label: &str) -> LabelKind {
    if contains(GITHUB_HOSTED, label) {
        LabelKind::GitHubHosted
    } else if contains(SELF_HOSTED, label) {
        LabelKind::SelfHosted
    } else if contains(REMOVED, label) {
        LabelKind::Removed
    } else {
        LabelKind::Unknown
    }
}

/// Returns the GitHub-hosted labels in use, lowercase and sorted; a diagnostic can list them.
pub fn github_hosted() -> &'static [&'static str] {
    GITHUB_HOSTED
}

/// Returns the default self-hosted labels, lowercase and sorted.
pub fn self_hosted() -> &'static [&'static str] {
    SELF_HOSTED
}

/// Returns why `label` is deprecated, when it is a GitHub-hosted label that still works but is
/// scheduled for retirement.
pub fn deprecation(label: &str) -> Option<&'static str> {
    DEPRECATED.binary_search_by(|(l, _)| cmp_ignore_ascii_case(l, label)).ok().map(|i| DEPRECATED[i].1)
}

/// Returns the operating system `label` implies, for GitHub-hosted labels (current or retired)
/// and the OS labels of self-hosted runners; a job asking for two different ones can never run.
pub fn os(label: &str) -> Option<RunnerOs> {
    let known = contains(GITHUB_HOSTED, label) || contains(REMOVED, label);
    let is = |prefix: &str| {
        label.len() >= prefix.len() && label.as_bytes()[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes())
    };
    if (is("linux") && label.len() == 5) || (known && is("ubuntu-")) {
        Some(RunnerOs::Linux)
    } else if (is("windows") && label.len() == 7) || (known && is("windows-")) {
        Some(RunnerOs::Windows)
    } else if (is("macos") && label.len() == 5) || (known && is("macos-")) {
        Some(RunnerOs::MacOs)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::knowledge::strictly_sorted_by;

    #[test]
    fn tables_are_sorted_without_duplicates() {
        for table in [GITHUB_HOSTED, SELF_HOSTED, REMOVED] {
            assert!(strictly_sorted_by(table, |a, b| a.cmp(b)));
            assert!(table.iter().all(|l| *l == l.to_ascii_lowercase()));
        }
        assert!(strictly_sorted_by(DEPRECATED, |a, b| a.0.cmp(b.0)));
        for (label, _) in DEPRECATED {
            assert_eq!(classify(label), LabelKind::GitHubHosted, "{label}");
        }
        for label in GITHUB_HOSTED {
            assert!(!contains(REMOVED, label) && !contains(SELF_HOSTED, label), "{label}");
        }
    }

    #[test]
    fn classifies_labels_ignoring_case() {
        assert_eq!(classify("ubuntu-latest"), LabelKind::GitHubHosted);
        assert_eq!(classify("Ubuntu-24.04-ARM"), LabelKind::GitHubHosted);
        assert_eq!(classify("macos-15-intel"), LabelKind::GitHubHosted);
        assert_eq!(classify("self-hosted"), LabelKind::SelfHosted);
        assert_eq!(classify("ARM64"), LabelKind::SelfHosted);
        assert_eq!(classify("macOS"), LabelKind::SelfHosted);
        assert_eq!(classify("macos-12"), LabelKind::Removed);
        assert_eq!(classify("ubuntu-20.04"), LabelKind::Removed);
        assert_eq!(classify("windows-2019"), LabelKind::Removed);
        assert_eq!(classify("linux-latest"), LabelKind::Unknown);
        assert_eq!(classify("gpu"), LabelKind::Unknown);
        assert_eq!(classify(""), LabelKind::Unknown);
        assert!(github_hosted().contains(&"windows-latest"));
        assert_eq!(self_hosted().len(), 7);
    }

    #[test]
    fn knows_deprecations_and_operating_systems() {
        assert!(deprecation("ubuntu-22.04").is_some());
        assert!(deprecation("ubuntu-24.04").is_none());
        assert_eq!(os("ubuntu-latest"), Some(RunnerOs::Linux));
        assert_eq!(os("Linux"), Some(RunnerOs::Linux));
        assert_eq!(os("windows-11-arm"), Some(RunnerOs::Windows));
        assert_eq!(os("macos-latest"), Some(RunnerOs::MacOs));
        assert_eq!(os("macos-12"), Some(RunnerOs::MacOs));
        assert_eq!(os("ubuntu-oldest"), None);
        assert_eq!(os("linux-latest"), None);
        assert_eq!(os("x64"), None);
    }
}
