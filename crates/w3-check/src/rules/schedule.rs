//! `events` (schedules): every `cron:` is a valid five-field POSIX schedule that fires at most
//! once every five minutes, and every `timezone:` is an IANA time-zone name.
//!
//! Patterns are parsed by `croner`, after a check that only the syntax GitHub accepts is used:
//! exactly five fields, no seconds or years, none of the `L`, `W`, `#`, `?` extensions and no
//! `@daily`-style nicknames. Messages name the next fire times, so a user can see at a glance
//! whether the schedule means what they think.

use crate::{Context, Rule};
use chrono::{DateTime, TimeZone, Utc};
use croner::parser::{CronParser, Seconds, Year};
use croner::Cron;
use w3_dsl::ast::{Event, Workflow};
use w3_dsl::Diagnostic;

pub struct Schedule;

const NAME: &str = "events";
/// GitHub runs scheduled workflows at most once every five minutes.
const MIN_INTERVAL_SECS: i64 = 300;

/// Parses a cron pattern the way GitHub accepts it.
pub fn parse_cron(pattern: &str) -> Result<Cron, String> {
    let fields: Vec<&str> = pattern.split_whitespace().collect();
    if pattern.trim_start().starts_with('@') {
        return Err("nicknames such as @daily are not supported; write the five fields".into());
    }
    if fields.len() != 5 {
        return Err(format!(
            "expected exactly 5 fields (minute hour day-of-month month day-of-week), found {}",
            fields.len()
        ));
    }
    for (i, field) in fields.iter().enumerate() {
        check_field(field, i >= 3)?;
    }
    CronParser::builder()
        .seconds(Seconds::Disallowed)
        .year(Year::Disallowed)
        .build()
        .parse(pattern)
        .map_err(|e| e.to_string())
}

const NAMES: &[&str] = &[
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec", "sun", "mon", "tue", "wed",
    "thu", "fri", "sat",
];

/// Accepts digits, `* , - /`, and (in the month and weekday fields) three-letter names.
fn check_field(field: &str, names: bool) -> Result<(), String> {
    let mut word = String::new();
    for c in field.chars().chain(std::iter::once(',')) {
        if c.is_ascii_alphabetic() {
            word.push(c);
            continue;
        }
        if !word.is_empty() {
            if !names || !NAMES.contains(&word.to_ascii_lowercase().as_str()) {
                return Err(format!("\"{word}\" in field \"{field}\" is not supported by GitHub's cron syntax"));
            }
            word.clear();
        }
        if !(c.is_ascii_digit() || "*,-/".contains(c)) {
            return Err(format!("\"{c}\" in field \"{field}\" is not supported by GitHub's cron syntax"));
        }
    }
    Ok(())
}

/// Returns up to `n` fire times after `from`.
pub fn next_fires(cron: &Cron, from: DateTime<Utc>, n: usize) -> Vec<DateTime<Utc>> {
    cron.iter_after(from).take(n).collect()
}

/// Expands a minute field (`*/5`, `0,30`, `10-20/2`) into the minutes it matches.
fn minutes(field: &str) -> Option<Vec<u32>> {
    let mut out = Vec::new();
    for part in field.split(',') {
        let (range, step) = match part.split_once('/') {
            Some((r, s)) => (r, s.parse::<u32>().ok().filter(|s| *s > 0)?),
            None => (part, 1),
        };
        let (lo, hi) = match range {
            "*" => (0, 59),
            r => match r.split_once('-') {
                Some((a, b)) => (a.parse().ok()?, b.parse().ok()?),
                None if step > 1 => (r.parse().ok()?, 59),
                None => (r.parse().ok()?, r.parse().ok()?),
            },
        };
        out.extend((lo..=hi.min(59)).step_by(step as usize));
    }
    out.sort_unstable();
    out.dedup();
    Some(out)
}

/// Returns the shortest gap in seconds between two fire times, read from the minute field:
/// within an hour, and across the hour boundary when every hour matches.
fn shortest_interval(pattern: &str) -> Option<i64> {
    let fields: Vec<&str> = pattern.split_whitespace().collect();
    let mins = minutes(fields.first()?)?;
    let mut gaps: Vec<u32> = mins.windows(2).map(|w| w[1] - w[0]).collect();
    if fields.get(1) == Some(&"*") {
        gaps.push(60 - mins.last()? + mins.first()?);
    }
    gaps.into_iter().min().map(|g| i64::from(g) * 60)
}

fn fmt_times(times: &[DateTime<Utc>]) -> String {
    times.iter().map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string()).collect::<Vec<_>>().join(", ")
}

impl Rule for Schedule {
    fn name(&self) -> &'static str {
        NAME
    }

    fn check(&self, cx: &Context<'_>, wf: &Workflow, out: &mut Vec<Diagnostic>) {
        let now = Utc.timestamp_opt(cx.now, 0).single().unwrap_or_default();
        for event in &wf.on {
            let Event::Schedule(s) = event else { continue };
            for entry in &s.crons {
                let pattern = &entry.cron.value;
                if entry.cron.has_expr() {
                    out.push(Diagnostic::at(NAME, entry.cron.pos, "a cron schedule cannot contain ${{ }} expressions"));
                    continue;
                }
                match parse_cron(pattern) {
                    Err(e) => out.push(Diagnostic::at(
                        NAME,
                        entry.cron.pos,
                        format!("invalid CRON format \"{pattern}\" in schedule event: {e}"),
                    )),
                    Ok(cron) => {
                        let next = next_fires(&cron, now, 3);
                        if next.is_empty() {
                            out.push(Diagnostic::at(
                                NAME,
                                entry.cron.pos,
                                format!("CRON schedule \"{pattern}\" never fires (no date matches it)"),
                            ));
                        } else if let Some(gap) = shortest_interval(pattern).filter(|g| *g < MIN_INTERVAL_SECS) {
                            out.push(Diagnostic::at(NAME, entry.cron.pos, format!("scheduled job runs too frequently. it runs once per {gap} seconds. the shortest interval is once every 5 minutes (next runs: {})", fmt_times(&next))));
                        }
                    }
                }
                if let Some(tz) = &entry.timezone {
                    if !tz.has_expr() && tz.value.parse::<chrono_tz::Tz>().is_err() {
                        out.push(Diagnostic::at(NAME, tz.pos, format!("invalid timezone \"{}\" in schedule event. it must be a valid IANA timezone name such as \"America/New_York\"", tz.value)));
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn github_cron_syntax() {
        assert!(parse_cron("*/5 * * * *").is_ok());
        assert!(parse_cron("0 12 * JAN-MAR MON-FRI").is_ok());
        assert!(parse_cron("30 5,17 * * 1-5").is_ok());
        assert!(parse_cron("0 */3 * *").unwrap_err().contains("exactly 5 fields"));
        assert!(parse_cron("0 0 * * * 2025").is_err());
        assert!(parse_cron("@daily").is_err());
        assert!(parse_cron("0 0 L * *").is_err());
        assert!(parse_cron("0 0 * * 5#2").is_err());
        assert!(parse_cron("61 * * * *").is_err());
        assert!(parse_cron("0 0 * * WED").is_ok());
    }

    #[test]
    fn intervals_and_next_fires() {
        let from = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        assert_eq!(shortest_interval("*/4 * * * *"), Some(240));
        assert_eq!(shortest_interval("0,58 * * * *"), Some(120));
        assert_eq!(shortest_interval("0,58 3 * * *"), Some(3480));
        assert_eq!(shortest_interval("10-12 0 1 1 *"), Some(60));
        assert_eq!(shortest_interval("0 * * * *"), Some(3600));
        let daily = parse_cron("30 6 * * *").unwrap();
        let next = next_fires(&daily, from, 2);
        assert_eq!(fmt_times(&next), "2026-01-01 06:30 UTC, 2026-01-02 06:30 UTC");
    }
}
