//! The events that can trigger a workflow (`on:`), their activity `types` and their filters.
//!
//! Source: docs.github.com, "Events that trigger workflows" and the `on.*` sections of "Workflow
//! syntax for GitHub Actions" (fpt, as of September 2026). Events that only exist on some GitHub
//! Enterprise Server versions (`project`, `project_card`, `project_column`) are included, since a
//! workflow using them is valid somewhere. `merge_group` accepts `branches`/`branches-ignore`
//! (documented in 2026, supported since the merge queue beta).

/// Describes one trigger event: its name, activity types and filter keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventSpec {
    /// The event name as written under `on:`, e.g. `pull_request`.
    pub name: &'static str,
    /// The activity types `types:` accepts, sorted; empty when the event has no activity types.
    pub types: &'static [&'static str],
    /// Whether `types:` accepts any string; true only for `repository_dispatch`, whose types are
    /// the `event_type` values callers choose.
    pub custom_types: bool,
    /// The filter keys the event accepts besides `types`, sorted (e.g. `branches`, `paths`,
    /// `workflows`). Event-specific configuration such as `schedule`'s `cron` or
    /// `workflow_dispatch`'s `inputs` is not a filter and is not listed.
    pub filters: &'static [&'static str],
}

impl EventSpec {
    /// Reports whether `types:` of this event may contain `activity` (case-sensitive).
    pub fn accepts_type(&self, activity: &str) -> bool {
        self.custom_types || self.types.binary_search(&activity).is_ok()
    }

    /// Reports whether this event accepts the filter key `filter` (e.g. `paths-ignore`).
    pub fn accepts_filter(&self, filter: &str) -> bool {
        self.filters.binary_search(&filter).is_ok()
    }

    /// Reports whether the event takes a `types:` key at all.
    pub fn takes_types(&self) -> bool {
        self.custom_types || !self.types.is_empty()
    }
}

const BRANCH_FILTERS: &[&str] = &["branches", "branches-ignore"];
const PR_FILTERS: &[&str] = &["branches", "branches-ignore", "paths", "paths-ignore"];
const PUSH_FILTERS: &[&str] = &["branches", "branches-ignore", "paths", "paths-ignore", "tags", "tags-ignore"];
const CREATED_EDITED_DELETED: &[&str] = &["created", "deleted", "edited"];
const PULL_REQUEST_TYPES: &[&str] = &[
    "assigned",
    "auto_merge_disabled",
    "auto_merge_enabled",
    "closed",
    "converted_to_draft",
    "demilestoned",
    "dequeued",
    "edited",
    "enqueued",
    "labeled",
    "locked",
    "milestoned",
    "opened",
    "ready_for_review",
    "reopened",
    "review_request_removed",
    "review_requested",
    "synchronize",
    "unassigned",
    "unlabeled",
    "unlocked",
];

const fn ev(name: &'static str, types: &'static [&'static str]) -> EventSpec {
    EventSpec { name, types, custom_types: false, filters: &[] }
}

const fn ev_filtered(
    name: &'static str,
    types: &'static [&'static str],
    filters: &'static [&'static str],
) -> EventSpec {
    EventSpec { name, types, custom_types: false, filters }
}

/// Every trigger event, sorted by name.
static EVENTS: &[EventSpec] = &[
    ev("branch_protection_rule", CREATED_EDITED_DELETED),
    ev("check_run", &["completed", "created", "requested_action", "rerequested"]),
    ev("check_suite", &["completed"]),
    ev("create", &[]),
    ev("delete", &[]),
    ev("deployment", &[]),
    ev("deployment_status", &[]),
    ev(
        "discussion",
        &[
            "answered",
            "category_changed",
            "created",
            "deleted",
            "edited",
            "labeled",
            "locked",
            "pinned",
            "transferred",
            "unanswered",
            "unlabeled",
            "unlocked",
            "unpinned",
        ],
    ),
    ev("discussion_comment", CREATED_EDITED_DELETED),
    ev("fork", &[]),
    ev("gollum", &[]),
    ev_filtered("image_version", &[], &["names", "versions"]),
    ev("issue_comment", CREATED_EDITED_DELETED),
    ev(
        "issues",
        &[
            "assigned",
            "closed",
            "deleted",
            "demilestoned",
            "edited",
            "field_added",
            "field_removed",
            "labeled",
            "locked",
            "milestoned",
            "opened",
            "pinned",
            "reopened",
            "transferred",
            "typed",
            "unassigned",
            "unlabeled",
            "unlocked",
            "unpinned",
            "untyped",
        ],
    ),
    ev("label", CREATED_EDITED_DELETED),
    ev_filtered("merge_group", &["checks_requested"], BRANCH_FILTERS),
    ev("milestone", &["closed", "created", "deleted", "edited", "opened"]),
    ev("page_build", &[]),
    ev("project", &["closed", "created", "deleted", "edited", "reopened"]),
    ev("project_card", &["converted", "created", "deleted", "edited", "moved"]),
    ev("project_column", &["created", "deleted", "moved", "updated"]),
    ev("public", &[]),
    ev_filtered("pull_request", PULL_REQUEST_TYPES, PR_FILTERS),
    ev("pull_request_review", &["dismissed", "edited", "submitted"]),
    ev("pull_request_review_comment", CREATED_EDITED_DELETED),
    ev_filtered("pull_request_target", PULL_REQUEST_TYPES, PR_FILTERS),
    ev_filtered("push", &[], PUSH_FILTERS),
    ev("registry_package", &["published", "updated"]),
    ev("release", &["created", "deleted", "edited", "prereleased", "published", "released", "unpublished"]),
    EventSpec { name: "repository_dispatch", types: &[], custom_types: true, filters: &[] },
    ev("schedule", &[]),
    ev("status", &[]),
    ev("watch", &["started"]),
    ev("workflow_call", &[]),
    ev("workflow_dispatch", &[]),
    ev_filtered(
        "workflow_run",
        &["completed", "in_progress", "requested"],
        &["branches", "branches-ignore", "workflows"],
    ),
];

/// Returns the event called `name`, matched case-sensitively as GitHub does.
pub fn event(name: &str) -> Option<&'static EventSpec> {
    EVENTS.binary_search_by(|e| e.name.cmp(name)).ok().map(|i| &EVENTS[i])
}

/// Returns the names of all trigger events, in sorted order.
pub fn event_names() -> impl Iterator<Item = &'static str> {
    EVENTS.iter().map(|e| e.name)
}

/// Returns the events that accept the filter key `filter`, in sorted order; a diagnostic about a
/// misplaced filter can list them ("it is only for push, pull_request events").
pub fn events_with_filter(filter: &str) -> impl Iterator<Item = &'static str> + '_ {
    EVENTS.iter().filter(move |e| e.accepts_filter(filter)).map(|e| e.name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::knowledge::strictly_sorted_by;

    #[test]
    fn tables_are_sorted_without_duplicates() {
        assert!(strictly_sorted_by(EVENTS, |a, b| a.name.cmp(b.name)));
        for e in EVENTS {
            assert!(strictly_sorted_by(e.types, |a, b| a.cmp(b)), "types of {}", e.name);
            assert!(strictly_sorted_by(e.filters, |a, b| a.cmp(b)), "filters of {}", e.name);
        }
    }

    #[test]
    fn looks_up_events_case_sensitively() {
        assert!(event("push").is_some());
        assert!(event("SCHEDULE").is_none());
        assert!(event("pullreq").is_none());
        assert!(event("pull_request_comment").is_none(), "docs say: use issue_comment");
        assert_eq!(event_names().count(), EVENTS.len());
        assert!(event_names().any(|n| n == "branch_protection_rule"));
    }

    #[test]
    fn knows_activity_types() {
        let pr = event("pull_request").unwrap();
        assert!(pr.accepts_type("synchronize"));
        assert!(pr.accepts_type("enqueued"));
        assert!(!pr.accepts_type("created"));
        assert_eq!(event("merge_group").unwrap().types, ["checks_requested"]);
        assert!(event("issues").unwrap().accepts_type("typed"));
        assert!(!event("issues").unwrap().accepts_type("created"));
        assert!(!event("push").unwrap().takes_types());
        let dispatch = event("repository_dispatch").unwrap();
        assert!(dispatch.takes_types() && dispatch.accepts_type("anything-the-caller-sends"));
        assert_eq!(event("pull_request_target").unwrap().types, pr.types);
    }

    #[test]
    fn knows_filters() {
        assert!(event("push").unwrap().accepts_filter("tags-ignore"));
        assert!(!event("pull_request").unwrap().accepts_filter("tags"));
        assert!(event("workflow_run").unwrap().accepts_filter("workflows"));
        assert!(event("merge_group").unwrap().accepts_filter("branches"));
        assert!(!event("merge_group").unwrap().accepts_filter("paths"));
        assert!(!event("pull_request_review").unwrap().accepts_filter("branches"));
        let tags: Vec<_> = events_with_filter("tags").collect();
        assert_eq!(tags, ["push"]);
        let paths: Vec<_> = events_with_filter("paths").collect();
        assert_eq!(paths, ["pull_request", "pull_request_target", "push"]);
        let branches: Vec<_> = events_with_filter("branches").collect();
        assert_eq!(branches, ["merge_group", "pull_request", "pull_request_target", "push", "workflow_run"]);
    }
}
