//! `env-var`: environment variable names at every level are usable by a shell.

use crate::{Context, Rule};
use w3_dsl::ast::{Env, Workflow};
use w3_dsl::Diagnostic;

pub struct EnvVar;

const NAME: &str = "env-var";

fn check_env(env: Option<&Env>, out: &mut Vec<Diagnostic>) {
    for var in env.map(Env::vars).unwrap_or_default() {
        let n = &var.name.value;
        if !var.name.has_expr() && n.chars().any(|c| c == '&' || c == '=' || c.is_whitespace()) {
            out.push(Diagnostic::at(
                NAME,
                var.name.pos,
                format!("environment variable name \"{n}\" is invalid. '&', '=' and spaces should not be contained"),
            ));
        }
    }
}

impl Rule for EnvVar {
    fn name(&self) -> &'static str {
        NAME
    }

    fn check(&self, _cx: &Context<'_>, wf: &Workflow, out: &mut Vec<Diagnostic>) {
        check_env(wf.env.as_ref(), out);
        for job in &wf.jobs {
            check_env(job.env.as_ref(), out);
            if let Some(c) = &job.container {
                check_env(c.env.as_ref(), out);
            }
            for (_, s) in &job.services {
                check_env(s.env.as_ref(), out);
            }
            for step in &job.steps {
                check_env(step.env.as_ref(), out);
            }
        }
    }
}
