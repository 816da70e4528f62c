//! Measures what a sandboxed step costs over starting a bare shell (for `w3 bench sandbox`).
//!
//! Where the time goes (2-core x86-64, as root, 50 runs of `bwrap ... /bin/true` each): a bare
//! `true` 0.7 ms; bwrap with only the read-only `/usr` and its symlinks 2.0 ms; adding `/proc`
//! 0.1 ms, `/dev` 0.4 ms, a network namespace 0.5–0.7 ms; the full set w3 uses 3.4 ms. One bwrap
//! per step therefore cannot stay under 2 ms of overhead; one sandbox per job
//! ([`JobSandbox`]), with each step started inside it by the agent, can: it is measured here
//! too, with the job sandbox's set-up.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use w3_host_api::Shell;

use crate::error::SandboxError;
use crate::job::JobSandbox;
use crate::sandbox::{Sandbox, SandboxOptions};
use crate::shell::{run, ShellRequest};

/// Median wall times of one step running `true`, measured in the same run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StepOverhead {
    pub samples: usize,
    /// `bash -c true` with the steps' environment, spawned and waited for.
    pub bare: Duration,
    /// A `run: true` step with [`Sandbox::None`].
    pub unsandboxed: Duration,
    /// A `run: true` step in a bubblewrap sandbox of its own.
    pub sandboxed: Duration,
    /// A `run: true` step in a job's sandbox, when the options name an agent.
    pub in_job: Option<Duration>,
    /// Starting a job's sandbox (until its agent is ready), when the options name an agent.
    pub job_setup: Option<Duration>,
}

impl StepOverhead {
    /// Returns a sandboxed step's time above the bare shell's: in a job's sandbox when
    /// measured, else in a sandbox of its own.
    pub fn per_step(&self) -> Duration {
        self.in_job.unwrap_or(self.sandboxed).saturating_sub(self.bare)
    }
}

/// Measures `samples` runs of each kind, interleaved, with `opts` (its workspace must exist).
pub fn step_overhead(opts: &SandboxOptions, samples: usize) -> Result<StepOverhead, SandboxError> {
    let env: Vec<(String, String)> = [("PATH", "/usr/local/bin:/usr/bin:/bin"), ("HOME", "/tmp")]
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .to_vec();
    let req = ShellRequest { cmd: "true", shell: &Shell::Bash, env: &env, path: &[], workdir: "", timeout_ms: 10_000 };
    let direct = SandboxOptions { sandbox: Sandbox::None, ..opts.clone() };
    let boxed = SandboxOptions { sandbox: Sandbox::Bwrap, ..opts.clone() };
    let (mut bare, mut unsandboxed, mut sandboxed) = (Vec::new(), Vec::new(), Vec::new());
    let (mut in_job, mut job_setup) = (Vec::new(), Vec::new());
    let job = match boxed.agent {
        Some(_) => {
            let start = Instant::now();
            let job = JobSandbox::start(&boxed)?;
            job_setup.push(start.elapsed());
            Some(job)
        }
        None => None,
    };
    for _ in 0..samples.max(1) {
        let start = Instant::now();
        Command::new("bash")
            .args(["-c", "true"])
            .env_clear()
            .envs(env.iter().map(|(k, v)| (k, v)))
            .stdout(Stdio::null())
            .status()
            .map_err(|e| SandboxError::io("running bash -c true", e))?;
        bare.push(start.elapsed());
        let start = Instant::now();
        run(&req, &direct)?;
        unsandboxed.push(start.elapsed());
        let start = Instant::now();
        run(&req, &boxed)?;
        sandboxed.push(start.elapsed());
        if let Some(job) = &job {
            let start = Instant::now();
            job.run(&req)?;
            in_job.push(start.elapsed());
            let start = Instant::now();
            let fresh = JobSandbox::start(&boxed)?;
            job_setup.push(start.elapsed());
            drop(fresh);
        }
    }
    Ok(StepOverhead {
        samples: bare.len(),
        bare: median(bare),
        unsandboxed: median(unsandboxed),
        sandboxed: median(sandboxed),
        in_job: (!in_job.is_empty()).then(|| median(in_job)),
        job_setup: (!job_setup.is_empty()).then(|| median(job_setup)),
    })
}

/// Returns the median of non-empty `v`.
fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v.get(v.len() / 2).copied().unwrap_or_default()
}
