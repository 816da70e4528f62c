//! `job-needs`: every job named in `needs:` exists, is listed once, and the graph has no cycle.

use crate::{Context, Rule};
use w3_dsl::ast::{Job, JobIndex, Workflow};
use w3_dsl::diag::did_you_mean;
use w3_dsl::Diagnostic;

pub struct JobNeeds;

const NAME: &str = "job-needs";

impl Rule for JobNeeds {
    fn name(&self) -> &'static str {
        NAME
    }

    fn check(&self, _cx: &Context<'_>, wf: &Workflow, out: &mut Vec<Diagnostic>) {
        let index = wf.job_index();
        for job in &wf.jobs {
            for (i, need) in job.needs.iter().enumerate() {
                if job.needs[..i].iter().any(|n| n.value.eq_ignore_ascii_case(&need.value)) {
                    out.push(Diagnostic::at(
                        NAME,
                        need.pos,
                        format!(
                            "job ID \"{}\" duplicates in \"needs\" section. note that job ID is case insensitive",
                            need.value
                        ),
                    ));
                    continue;
                }
                if index.get(&need.value).is_none() {
                    let hint = did_you_mean(&need.value, wf.jobs.iter().map(|j| j.id.value.as_str()))
                        .map(|s| format!("; did you mean \"{s}\"?"))
                        .unwrap_or_default();
                    out.push(Diagnostic::at(
                        NAME,
                        job.id.pos,
                        format!(
                            "job \"{}\" needs job \"{}\" which does not exist in this workflow{hint}",
                            job.id.value, need.value
                        ),
                    ));
                }
            }
        }
        if let Some(cycle) = find_cycle(&wf.jobs, &index) {
            let first = &wf.jobs[cycle[0]];
            let path: Vec<String> = cycle
                .iter()
                .chain(std::iter::once(&cycle[0]))
                .map(|&i| format!("\"{}\"", wf.jobs[i].id.value))
                .collect();
            out.push(Diagnostic::at(
                NAME,
                first.id.pos,
                format!(
                    "cyclic dependencies in \"needs\" job configurations are detected. detected cycle is {}",
                    path.join(" -> ")
                ),
            ));
        }
    }
}

/// Returns the jobs of one cycle in `needs` order, starting at the cycle's earliest job in the file.
fn find_cycle(jobs: &[Job], index: &JobIndex) -> Option<Vec<usize>> {
    let edges: Vec<Vec<usize>> =
        jobs.iter().map(|j| j.needs.iter().filter_map(|n| index.get(&n.value)).collect()).collect();
    // Iterative depth-first search with colours: 0 new, 1 on the stack, 2 done.
    let mut colour = vec![0u8; jobs.len()];
    for start in 0..jobs.len() {
        if colour[start] != 0 {
            continue;
        }
        let mut stack: Vec<(usize, usize)> = vec![(start, 0)];
        colour[start] = 1;
        while let Some(&mut (node, ref mut next)) = stack.last_mut() {
            if let Some(&to) = edges[node].get(*next) {
                *next += 1;
                match colour[to] {
                    0 => {
                        colour[to] = 1;
                        stack.push((to, 0));
                    }
                    1 => {
                        let from = stack.iter().position(|&(n, _)| n == to).unwrap_or(0);
                        let mut cycle: Vec<usize> = stack[from..].iter().map(|&(n, _)| n).collect();
                        let min = cycle.iter().enumerate().min_by_key(|&(_, &n)| n).map_or(0, |(i, _)| i);
                        cycle.rotate_left(min);
                        return Some(cycle);
                    }
                    _ => {}
                }
            } else {
                colour[node] = 2;
                stack.pop();
            }
        }
    }
    None
}
