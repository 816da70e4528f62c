//! `deprecated-commands`: `run:` scripts must not use the workflow commands GitHub disabled
//! (`::set-output`, `::save-state`, `::set-env`, `::add-path`).

use crate::{Context, Rule};
use w3_dsl::ast::{StepKind, Workflow};
use w3_dsl::Diagnostic;

pub struct DeprecatedCommands;

const NAME: &str = "deprecated-commands";

const COMMANDS: &[(&str, &str)] = &[
    ("set-output", "echo \"{name}={value}\" >> $GITHUB_OUTPUT"),
    ("save-state", "echo \"{name}={value}\" >> $GITHUB_STATE"),
    ("set-env", "echo \"{name}={value}\" >> $GITHUB_ENV"),
    ("add-path", "echo \"{path}\" >> $GITHUB_PATH"),
];

impl Rule for DeprecatedCommands {
    fn name(&self) -> &'static str {
        NAME
    }

    fn check(&self, _cx: &Context<'_>, wf: &Workflow, out: &mut Vec<Diagnostic>) {
        for step in wf.jobs.iter().flat_map(|j| &j.steps) {
            let StepKind::Run { run, .. } = &step.kind else { continue };
            for (i, _) in run.value.match_indices("::") {
                let rest = &run.value[i + 2..];
                for (cmd, instead) in COMMANDS {
                    let Some(after) = rest.strip_prefix(cmd) else { continue };
                    if after.starts_with("::") || after.starts_with(' ') {
                        let offset = run.value[..i].chars().count();
                        out.push(Diagnostic::at(NAME, run.pos_in_value(offset), format!("workflow command \"{cmd}\" was deprecated. use `{instead}` instead: https://docs.github.com/en/actions/using-workflows/workflow-commands-for-github-actions")));
                    }
                }
            }
        }
    }
}
