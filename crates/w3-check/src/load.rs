//! Which findings GitHub itself reports when it loads a workflow: a workflow with one of them
//! never runs there, so `w3 run` and `w3 compile` refuse it too. The other rules find likely
//! mistakes in workflows GitHub runs anyway (a type that will not match, a shell that is not
//! installed, a script open to injection), which stay `w3 check`'s business.

use w3_dsl::Diagnostic;

/// Reports whether GitHub refuses a workflow with `d`: broken structure, a `needs:` naming a
/// job that does not exist or closing a cycle, an expression that does not parse, a context or
/// function used where it is not available, an unknown event, an invalid or repeated id.
pub fn rejected_by_github(d: &Diagnostic) -> bool {
    let m = d.message.as_str();
    match d.rule {
        "syntax-check" => true,
        "job-needs" => m.contains("which does not exist") || m.starts_with("cyclic dependencies"),
        "expression" => m.starts_with("got an error while parsing expression") || m.contains(" is not allowed here."),
        "events" => m.starts_with("unknown Webhook event"),
        "id" => m.starts_with("invalid ") || m.contains(" duplicates. "),
        _ => false,
    }
}

/// Returns the findings of [`crate::lint`] for `bytes` that GitHub reports at load time.
pub fn load_errors(bytes: &[u8], cx: &crate::Context<'_>) -> Vec<Diagnostic> {
    crate::lint(bytes, cx).into_iter().filter(rejected_by_github).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Config, Context};

    fn errors(src: &str) -> Vec<String> {
        let config = Config::default();
        let cx = Context { config: &config, project_root: None, now: 0 };
        load_errors(src.as_bytes(), &cx)
            .iter()
            .map(|d| format!("{}:{} [{}]", d.span.start.line, d.span.start.col, d.rule))
            .collect()
    }

    #[test]
    fn what_github_refuses_is_found() {
        let head = "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n";
        // `env` is not available in a job's env.
        assert_eq!(
            errors(&format!("{head}    env:\n      B: ${{{{ env.A }}}}\n    steps:\n      - run: echo\n")),
            ["6:14 [expression]"]
        );
        assert_eq!(errors(&format!("{head}    needs: zzz\n    steps:\n      - run: echo\n")), ["3:3 [job-needs]"]);
        assert_eq!(errors(&format!("{head}    steps:\n      - run: echo ${{{{ foo( }}}}\n")), ["6:23 [expression]"]);
        assert_eq!(
            errors("on: pushh\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo\n").len(),
            1
        );
        assert!(!errors(&format!("{head}    stepz: []\n")).is_empty());
    }

    #[test]
    fn likely_mistakes_github_runs_anyway_are_not() {
        let head = "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n";
        // A script open to injection, an unknown property, a deprecated command, an odd label.
        for step in [
            "      - run: echo \"${{ github.event.issue.title }}\"\n",
            "      - run: echo ${{ github.nothing_like_this }}\n",
            "      - run: echo '::set-output name=x::y'\n",
        ] {
            assert_eq!(errors(&format!("{head}{step}")), Vec::<String>::new(), "{step}");
        }
        assert_eq!(
            errors("on: push\njobs:\n  a:\n    runs-on: ubuntu-lates\n    steps:\n      - run: echo\n"),
            Vec::<String>::new()
        );
    }
}
