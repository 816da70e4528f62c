//! `shell-name`: `shell:` names a shell the runner's OS has, or is a custom `{0}` template.

use crate::{Context, Rule};
use w3_dsl::ast::{Job, StepKind, Str, Workflow};
use w3_dsl::Diagnostic;

pub struct ShellName;

const NAME: &str = "shell-name";
const UNIX: &[&str] = &["bash", "pwsh", "python", "sh"];
const WINDOWS: &[&str] = &["bash", "cmd", "powershell", "pwsh", "python"];

#[derive(Clone, Copy, PartialEq)]
enum Os {
    Unix,
    Windows,
    Unknown,
}

fn job_os(job: &Job) -> Os {
    let Some(runs_on) = &job.runs_on else { return Os::Unknown };
    let labels = runs_on.labels();
    if labels.iter().any(|l| l.has_expr()) {
        return Os::Unknown;
    }
    let has = |p: &str| labels.iter().any(|l| l.value.to_ascii_lowercase().starts_with(p));
    if has("windows") {
        Os::Windows
    } else if has("ubuntu") || has("macos") || has("linux") || has("w3/") {
        Os::Unix
    } else {
        Os::Unknown
    }
}

fn check_shell(shell: &Str, os: Os, out: &mut Vec<Diagnostic>) {
    let shown = shell.value.trim();
    if shell.has_expr() || shown.contains("{0}") {
        return;
    }
    // GitHub matches shell names case-insensitively.
    let lower = shown.to_ascii_lowercase();
    let name = lower.as_str();
    let quote = |l: &[&str]| l.iter().map(|s| format!("\"{s}\"")).collect::<Vec<_>>().join(", ");
    let msg = match os {
        Os::Unix if !UNIX.contains(&name) && WINDOWS.contains(&name) => {
            format!("shell name \"{shown}\" is invalid on macOS or Linux. available names are {}", quote(UNIX))
        }
        Os::Windows if !WINDOWS.contains(&name) && UNIX.contains(&name) => {
            format!("shell name \"{shown}\" is invalid on Windows. available names are {}", quote(WINDOWS))
        }
        _ if UNIX.contains(&name) || WINDOWS.contains(&name) => return,
        Os::Windows => format!("shell name \"{shown}\" is invalid. available names are {}", quote(WINDOWS)),
        _ => format!("shell name \"{shown}\" is invalid. available names are {}", quote(UNIX)),
    };
    out.push(Diagnostic::at(
        NAME,
        shell.pos,
        format!("{msg}. a custom shell must contain the script placeholder {{0}}"),
    ));
}

impl Rule for ShellName {
    fn name(&self) -> &'static str {
        NAME
    }

    fn check(&self, _cx: &Context<'_>, wf: &Workflow, out: &mut Vec<Diagnostic>) {
        if let Some(s) = wf.defaults.as_ref().and_then(|d| d.run.as_ref()).and_then(|r| r.shell.as_ref()) {
            check_shell(s, Os::Unknown, out);
        }
        for job in &wf.jobs {
            let os = job_os(job);
            if let Some(s) = job.defaults.as_ref().and_then(|d| d.run.as_ref()).and_then(|r| r.shell.as_ref()) {
                check_shell(s, os, out);
            }
            for step in &job.steps {
                if let StepKind::Run { shell: Some(s), .. } = &step.kind {
                    check_shell(s, os, out);
                }
            }
        }
    }
}
