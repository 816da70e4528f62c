//! `credentials`: container and service registry passwords come from secrets, never literals.

use crate::{Context, Rule};
use w3_dsl::ast::{Container, Workflow};
use w3_dsl::Diagnostic;

pub struct Credentials;

const NAME: &str = "credentials";

fn check(c: &Container, what: &str, out: &mut Vec<Diagnostic>) {
    let Some(p) = c.credentials.as_ref().and_then(|c| c.password.as_ref()) else { return };
    if !p.has_expr() {
        out.push(Diagnostic::at(
            NAME,
            p.pos,
            format!(
                "\"password\" section in {what} should be specified via secrets. do not put password value directly"
            ),
        ));
    }
}

impl Rule for Credentials {
    fn name(&self) -> &'static str {
        NAME
    }

    fn check(&self, _cx: &Context<'_>, wf: &Workflow, out: &mut Vec<Diagnostic>) {
        for job in &wf.jobs {
            if let Some(c) = &job.container {
                check(c, "\"container\" section", out);
            }
            for (id, s) in &job.services {
                check(s, &format!("\"{}\" service", id.value), out);
            }
        }
    }
}
