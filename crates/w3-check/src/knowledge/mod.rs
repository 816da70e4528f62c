//! Built-in knowledge about GitHub Actions that the lint rules consult: trigger events, token
//! permission scopes, runner labels, where each context may be used, the types of contexts and
//! built-in functions, and the inputs and outputs of popular actions.
//!
//! Everything here is a static, sorted table with a lookup function; nothing allocates at lookup
//! and nothing does IO. The facts come from GitHub's documentation (docs.github.com) and the
//! `action.yml` files of the actions; each module says which page it follows and how current it is.

pub mod actions;
pub mod availability;
pub mod contexts;
pub mod events;
pub mod permissions;
pub mod runner_labels;
pub mod types;

use std::cmp::Ordering;

/// Compares `key` with `entry` ignoring ASCII case, as if both were lowercased.
///
/// Tables whose lookups are case-insensitive store their keys in lowercase and sort them with
/// this order, so a binary search can use it without allocating a lowercased copy of the key.
pub(crate) fn cmp_ignore_ascii_case(key: &str, entry: &str) -> Ordering {
    let lower = |b: &u8| b.to_ascii_lowercase();
    key.as_bytes().iter().map(lower).cmp(entry.as_bytes().iter().map(lower))
}

/// Reports whether `items` is strictly increasing under `cmp`, i.e. sorted with no duplicates.
#[cfg(test)]
pub(crate) fn strictly_sorted_by<T>(items: &[T], cmp: impl Fn(&T, &T) -> Ordering) -> bool {
    items.windows(2).all(|w| cmp(&w[0], &w[1]) == Ordering::Less)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ignore_case_order_matches_lowercase_order() {
        assert_eq!(cmp_ignore_ascii_case("Ubuntu-Latest", "ubuntu-latest"), Ordering::Equal);
        assert_eq!(cmp_ignore_ascii_case("MACOS", "ubuntu"), Ordering::Less);
        assert_eq!(cmp_ignore_ascii_case("windows", "Ubuntu"), Ordering::Greater);
        assert_eq!(cmp_ignore_ascii_case("ab", "abc"), Ordering::Less);
    }
}
