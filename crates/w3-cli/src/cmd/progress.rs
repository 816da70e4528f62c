//! `w3 run`'s live display on a terminal: one spinner line per host call in flight (the job,
//! what the call does, how long it has run), kept below the log lines, which print as they
//! would without it. Off when stdout is not a terminal, so logs and pipes stay plain text.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use w3_host_api::HostCall;

/// When the display is shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum When {
    /// When stdout is a terminal and `CI` is not set.
    Auto,
    Always,
    Never,
}

/// The display, or nothing.
pub struct Progress {
    multi: Option<MultiProgress>,
}

impl Progress {
    pub fn new(when: When) -> Progress {
        let ci = std::env::var_os("CI").is_some_and(|v| !v.is_empty() && v != "false");
        let show = match when {
            When::Always => true,
            When::Never => false,
            When::Auto => std::io::stdout().is_terminal() && !ci,
        };
        let multi = show.then(|| MultiProgress::with_draw_target(ProgressDrawTarget::stdout()));
        Progress { multi }
    }

    /// Runs `print`, which writes to stdout, with the spinners out of the way.
    pub fn suspend<R>(&self, print: impl FnOnce() -> R) -> R {
        match &self.multi {
            Some(m) => m.suspend(print),
            None => print(),
        }
    }

    /// Shows a spinner for `call` of `label` until the returned guard is dropped.
    pub fn call(&self, label: &str, call: &HostCall) -> Option<CallSpinner> {
        let multi = self.multi.as_ref()?;
        let style = ProgressStyle::with_template("{spinner} [{prefix}] {wide_msg} {elapsed:>4}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner());
        let bar =
            ProgressBar::new_spinner().with_style(style).with_prefix(label.to_string()).with_message(describe(call));
        let bar = multi.add(bar);
        bar.enable_steady_tick(Duration::from_millis(100));
        Some(CallSpinner(bar))
    }
}

/// A call's spinner, removed when dropped.
pub struct CallSpinner(ProgressBar);

impl Drop for CallSpinner {
    fn drop(&mut self) {
        self.0.finish_and_clear();
    }
}

/// Says in one line what `call` does: a script's first line, an action's name, a request.
pub fn describe(call: &HostCall) -> String {
    let text = match call {
        HostCall::ShellCommand { cmd, .. } => {
            format!("run: {}", cmd.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or(""))
        }
        HostCall::GithubAction { uses, .. } => format!("uses: {uses}"),
        HostCall::InvokeAction { action, .. } => format!("uses: w3/{}@{}", action.name, action.version),
        HostCall::HttpRequest { method, url, .. } => format!("{} {url}", format!("{method:?}").to_uppercase()),
        other => other.kind().name().to_string(),
    };
    match text.char_indices().nth(72) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use w3_host_api::Shell;

    #[test]
    fn calls_are_described_in_one_short_line() {
        let shell = |cmd: &str| HostCall::ShellCommand {
            cmd: cmd.into(),
            shell: Shell::Bash,
            env: vec![],
            path: vec![],
            workdir: String::new(),
            timeout_ms: 0,
        };
        assert_eq!(describe(&shell("\n  cargo test --all\necho done")), "run: cargo test --all");
        let long = describe(&shell(&"x".repeat(200)));
        assert_eq!(long.chars().count(), 73, "{long}");
        assert!(long.ends_with('…'));
        let uses = HostCall::GithubAction { uses: "actions/checkout@v4".into(), with: vec![], env: vec![] };
        assert_eq!(describe(&uses), "uses: actions/checkout@v4");
        assert!(Progress::new(When::Never).call("j", &uses).is_none());
    }
}
