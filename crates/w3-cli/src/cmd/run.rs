//! `w3 run`: runs workflows locally, like act, through the same compiler and VM as the chain:
//! each `run:` step is a host call the sandboxed shell performs. Exit codes: 0 when every job
//! succeeded (or was skipped), 1 when one failed, 2 on an invalid workflow or invocation.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;
use w3_host::sandbox::{AgentCommand, Sandbox, SandboxOptions};
use w3_host::workflow_commands;
use w3_host::{
    EventLog, HttpHost, HttpOptions, MemoryStore, RedbStore, StateStore, StorageHost, StorageLimits, WorkflowId,
};
use w3_host::{JobSandbox, ShellRequest};

use super::progress::Progress;
use w3_host_api::{Capabilities, HostCall, HostError, HostGasSchedule, HostPattern, HostResult};
use w3_host_wasm::{ActionHost, ActionRuntime};
use w3_runner::journal;
use w3_runner::run::{run_module, Executor, RunInputs};
use w3_value::Value;

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SandboxKind {
    /// bubblewrap (`apt-get install bubblewrap`): no network, read-only host, own pid space.
    Bwrap,
    /// No sandbox: steps run directly on this machine, as you. For trusted workflows only.
    None,
}

#[derive(clap::Args)]
pub struct Args {
    /// The event that triggers the run.
    #[arg(default_value = "push")]
    pub event: String,
    /// A workflow file, or a directory whose `*.yml`/`*.yaml` files (not recursive) are run.
    #[arg(short = 'W', long = "workflows", default_value = ".github/workflows")]
    pub workflows: PathBuf,
    /// Run only this job and the jobs it needs.
    #[arg(short = 'j', long = "job", value_name = "JOB")]
    pub job: Option<String>,
    /// A secret, `NAME=VALUE` (repeatable); its value is masked in all output.
    #[arg(long = "secret", value_name = "NAME=VALUE")]
    pub secrets: Vec<String>,
    /// An environment variable for every step, `NAME=VALUE` (repeatable).
    #[arg(long = "env", value_name = "NAME=VALUE")]
    pub env: Vec<String>,
    /// Run only the matrix combinations whose KEY is VALUE (repeatable; several values of one
    /// key select any of them), as act's `--matrix`.
    #[arg(long = "matrix", value_name = "KEY:VALUE")]
    pub matrix: Vec<String>,
    /// A `workflow_dispatch` input, `NAME=VALUE` (repeatable).
    #[arg(long = "input", value_name = "NAME=VALUE")]
    pub inputs: Vec<String>,
    /// A configuration variable (`vars.NAME`), `NAME=VALUE` (repeatable).
    #[arg(long = "var", value_name = "NAME=VALUE")]
    pub vars: Vec<String>,
    /// A JSON file with the event payload (`github.event`).
    #[arg(long = "eventpath", value_name = "FILE")]
    pub eventpath: Option<PathBuf>,
    /// How `run:` steps are isolated.
    #[arg(long, value_enum, default_value = "bwrap")]
    pub sandbox: SandboxKind,
    /// Let `run:` steps use the network.
    #[arg(long)]
    pub allow_net: bool,
    /// Let sandboxed steps make the system calls the seccomp filter refuses (new namespaces,
    /// mounts, the kernel keyring, bpf, perf events...).
    #[arg(long)]
    pub no_seccomp: bool,
    /// Hold each job's processes together to at most this much memory (bytes, or with a K, M
    /// or G suffix), in a control group of the job's own where the host lets w3 make one (as
    /// root with cgroup v1, or a delegated cgroup v2); past it the kernel kills the largest.
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub job_memory: Option<u64>,
    /// Hold each job to at most this many processes and threads together, in the same way.
    #[arg(long, value_name = "N")]
    pub job_pids: Option<u64>,
    /// Keep the workflow storage and events Smart Actions use in DIR (a redb file), across
    /// runs; without it they last for the run only.
    #[arg(long, value_name = "DIR")]
    pub state: Option<PathBuf>,
    /// A directory of actions: Smart Actions (`NAME@VERSION.wasm` or `.wat`) for `uses:
    /// w3/NAME@VERSION`, besides the built-in ones, and GitHub actions
    /// (`OWNER/REPO@REF/action.yml`) for `uses: OWNER/REPO[/PATH]@REF`, compiled into the
    /// workflow like local actions.
    #[arg(long = "action-dir", visible_alias = "actions-dir", value_name = "DIR")]
    pub actions_dir: Option<PathBuf>,
    /// How many host calls (steps of jobs that run side by side) may run at once; default: the
    /// number of cores.
    #[arg(long, value_name = "N")]
    pub parallel: Option<usize>,
    /// A live line per running step below the log: `auto` shows it when stdout is a terminal
    /// and `CI` is not set.
    #[arg(long, value_enum, value_name = "WHEN", default_value = "auto")]
    pub progress: super::progress::When,
    /// Let HTTP host calls (Smart Actions) reach HOST[:PORT] too, beyond the workflow's
    /// `w3.http` (repeatable; `*.example.com` for subdomains).
    #[arg(long = "allow-http", value_name = "HOST")]
    pub allow_http: Vec<String>,
    /// Secrets from a file of `NAME=VALUE` lines (`#` comments, optional quotes).
    #[arg(long = "secret-file", value_name = "FILE")]
    pub secret_file: Option<PathBuf>,
    /// Environment variables from a file of `NAME=VALUE` lines.
    #[arg(long = "env-file", value_name = "FILE")]
    pub env_file: Option<PathBuf>,
    /// Record every host call, its answer and a signed receipt under DIR (one folder per
    /// workflow), so that `w3 replay DIR` can re-execute the run without running anything.
    #[arg(long, value_name = "DIR")]
    pub journal: Option<PathBuf>,
    /// The executor's ed25519 key that signs receipts (32 raw bytes; created if missing).
    /// Default: ~/.w3/executor.key.
    #[arg(long, value_name = "FILE")]
    pub key: Option<PathBuf>,
}

/// Reads a file of `NAME=VALUE` lines: blank lines and `#` comments are skipped, `export ` is
/// allowed before a name, and a value in single quotes is taken as written, one in double
/// quotes with `\n`, `\"` and `\\` escapes.
fn dotenv(path: &Path) -> Result<Vec<(String, String)>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line.strip_prefix("export ").unwrap_or(line);
        let at = |what: &str| format!("{}:{}:1: {what}", path.display(), i + 1);
        let (name, value) = line.split_once('=').ok_or_else(|| at("expected NAME=VALUE"))?;
        let name = name.trim();
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(at(&format!("`{name}` is not a variable name")));
        }
        let value = value.trim();
        let value = if let Some(v) = value.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')) {
            v.to_string()
        } else if let Some(v) = value.strip_prefix('"').and_then(|v| v.strip_suffix('"')) {
            let mut s = String::with_capacity(v.len());
            let mut chars = v.chars();
            while let Some(c) = chars.next() {
                if c != '\\' {
                    s.push(c);
                    continue;
                }
                match chars.next() {
                    Some('n') => s.push('\n'),
                    Some(other) => s.push(other),
                    None => s.push('\\'),
                }
            }
            s
        } else {
            // An unquoted value ends at ` #`, a comment.
            value.split(" #").next().unwrap_or_default().trim_end().to_string()
        };
        out.push((name.to_string(), value));
    }
    Ok(out)
}

/// Loads the executor key from `path`, or creates one there (readable by its owner only).
fn executor_key(path: Option<&Path>) -> Result<ed25519_dalek::SigningKey, String> {
    let default;
    let path = match path {
        Some(p) => p,
        None => {
            let home = std::env::var_os("HOME").ok_or("HOME is not set: pass --key FILE")?;
            default = PathBuf::from(home).join(".w3/executor.key");
            &default
        }
    };
    match std::fs::read(path) {
        Ok(bytes) => {
            let bytes: [u8; 32] =
                bytes.try_into().map_err(|_| format!("{}: an executor key is 32 bytes", path.display()))?;
            Ok(ed25519_dalek::SigningKey::from_bytes(&bytes))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let mut seed = [0u8; 32];
            getrandom::fill(&mut seed).map_err(|e| format!("no randomness for a new key: {e}"))?;
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
            }
            use std::io::Write;
            use std::os::unix::fs::OpenOptionsExt;
            let mut file = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(path)
                .map_err(|e| format!("{}: {e}", path.display()))?;
            file.write_all(&seed).map_err(|e| format!("{}: {e}", path.display()))?;
            Ok(ed25519_dalek::SigningKey::from_bytes(&seed))
        }
        Err(e) => Err(format!("{}: {e}", path.display())),
    }
}

/// Returns the pairs of `file` (see [`dotenv`]), if given, then those of `args`, which win
/// when both name a variable.
pub fn file_and_pairs(file: Option<&Path>, args: &[String], what: &str) -> Result<Vec<(String, String)>, String> {
    let mut out = file.map_or(Ok(Vec::new()), dotenv)?;
    out.extend(pairs(args, what)?);
    Ok(out)
}

/// Splits `NAME=VALUE` arguments.
fn pairs(args: &[String], what: &str) -> Result<Vec<(String, String)>, String> {
    args.iter()
        .map(|a| {
            a.split_once('=')
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .ok_or(format!("{what} `{a}` is not NAME=VALUE"))
        })
        .collect()
}

/// Reads a size: bytes, or a number with a `K`, `M` or `G` suffix (powers of 1024).
fn parse_size(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let (digits, unit) = match t.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => (&t[..i], c.to_ascii_uppercase()),
        _ => (t, 'B'),
    };
    let shift = match unit {
        'B' => 0,
        'K' => 10,
        'M' => 20,
        'G' => 30,
        _ => return Err(format!("`{text}`: the unit must be K, M or G")),
    };
    let n: u64 = digits.trim().parse().map_err(|_| format!("`{text}` is not a size such as 512M"))?;
    n.checked_mul(1 << shift).filter(|&b| b > 0).ok_or_else(|| format!("`{text}` is not a usable size"))
}

/// Performs a run's host calls on this machine: shell steps in the sandbox, log lines printed.
struct LocalExecutor {
    opts: SandboxOptions,
    workflow: String,
    base_env: Vec<(String, String)>,
    /// Values masked in every line printed: the secrets, then what steps masked, longest first.
    secrets: std::sync::Mutex<Vec<String>>,
    /// Whether `::debug::` lines are shown (secret or variable `ACTIONS_STEP_DEBUG` is `true`).
    debug: bool,
    /// What the module's manifest allows, plus `--allow-http` hosts.
    caps: Capabilities,
    /// Smart Actions: the built-ins and `--actions-dir`.
    actions: ActionRuntime,
    /// The HTTP client, or why there is none.
    http: Result<HttpHost, HostError>,
    /// The run's artifacts (`actions/upload-artifact`, `actions/download-artifact`).
    artifacts: w3_host::artifacts::ArtifactStore,
    /// The run's storage and events: in memory, or in `--state DIR`.
    storage: std::sync::Mutex<Box<dyn StorageCalls>>,
    /// `--action-dir`, named when an action is missing from it.
    action_dir: Option<PathBuf>,
    /// One sandbox per job, started with the job's first step and ended with the run, so a
    /// job's steps share its processes and `/tmp` as on a runner.
    jobs: std::sync::Mutex<std::collections::BTreeMap<String, Arc<JobSandbox>>>,
    /// The live display on a terminal.
    progress: Progress,
}

/// Performs storage and event calls, whatever store keeps them.
trait StorageCalls: Send {
    fn perform(&mut self, call: &HostCall) -> Result<HostResult, HostError>;
}

impl<S: StateStore + EventLog + Send> StorageCalls for StorageHost<S> {
    fn perform(&mut self, call: &HostCall) -> Result<HostResult, HostError> {
        self.run_call(call)
    }
}

/// Performs the host calls a Smart Action makes, as the step's own calls: checked against the
/// same capabilities and charged by the same schedule.
struct ActionCalls<'a> {
    exec: &'a LocalExecutor,
    job: &'a str,
    /// The gas of the calls made so far.
    gas: u64,
    /// The step's gas limit: the action's calls together never get more.
    limit: u64,
}

impl ActionHost for ActionCalls<'_> {
    fn call(&mut self, call: HostCall) -> Result<HostResult, HostError> {
        let (result, gas) = self.exec.execute(self.job, &call, self.limit.saturating_sub(self.gas));
        self.gas = self.gas.saturating_add(gas);
        result
    }
}

impl LocalExecutor {
    /// Runs a shell step: in its job's sandbox when steps are sandboxed and this binary carries
    /// the sandbox agent, else as `opts` says.
    fn shell(&self, job: &str, req: &ShellRequest<'_>) -> Result<HostResult, HostError> {
        if self.opts.sandbox != Sandbox::Bwrap || self.opts.agent.is_none() {
            return w3_host::shell::run(req, &self.opts).map_err(HostError::from);
        }
        let sandbox = {
            let mut jobs = self.jobs.lock().unwrap_or_else(|e| e.into_inner());
            match jobs.get(job) {
                Some(s) => s.clone(),
                None => {
                    let started = Arc::new(JobSandbox::start(&self.opts).map_err(HostError::from)?);
                    jobs.insert(job.to_string(), started.clone());
                    started
                }
            }
        };
        sandbox.run(req).map_err(HostError::from)
    }

    /// Prints `text` line by line as `[workflow/job]   | line`, as act does, with secret values
    /// masked.
    fn print(&self, job: &str, text: &str) {
        self.progress.suspend(|| self.write_lines(job, text));
    }

    /// Writes `text` as [`LocalExecutor::print`] says, with the progress display suspended by
    /// the caller.
    fn write_lines(&self, job: &str, text: &str) {
        let mut out = std::io::stdout().lock();
        let masks = self.secrets.lock().unwrap_or_else(|e| e.into_inner());
        for line in text.lines() {
            let masked = masks.iter().fold(line.to_string(), |l, s| l.replace(s.as_str(), "***"));
            let _ = writeln!(out, "[{}/{job}]   | {masked}", self.workflow);
        }
    }

    /// Runs a GitHub action. Built in: `actions/checkout` (the workspace already is the
    /// repository's working tree, so it succeeds without changing anything, as a local checkout
    /// of the same repository would) and `actions/upload-artifact` / `download-artifact` (a
    /// store in the run's directory, shared by its jobs).
    fn github_action(&self, uses: &str, with: &[(String, String)]) -> Result<HostResult, HostError> {
        let name = uses.split('@').next().unwrap_or(uses).to_ascii_lowercase();
        let input = |key: &str| with.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v.as_str());
        let done = |stdout: String, outputs: Vec<(String, String)>| {
            let files = w3_host_api::StepFiles { outputs, ..Default::default() };
            Ok(HostResult::Shell {
                exit_code: 0,
                stdout: stdout.into_bytes(),
                stderr: Vec::new(),
                timed_out: false,
                files,
            })
        };
        let ws = &self.opts.workspace;
        match name.as_str() {
            "actions/checkout" => return done(String::new(), Vec::new()),
            "actions/upload-artifact" => {
                let artifact = input("name").filter(|n| !n.is_empty()).unwrap_or("artifact");
                let paths = input("path").ok_or_else(|| HostError::Failed("input `path` is required".into()))?;
                let when_none = input("if-no-files-found").unwrap_or("warn");
                let up = self.artifacts.upload(ws, artifact, paths, when_none)?;
                let text = match up.files {
                    0 if when_none == "warn" => format!(
                        "Warning: no files were found with the provided path: {paths}. No artifact will be uploaded."
                    ),
                    0 => String::new(),
                    n => format!("Artifact {artifact} has been uploaded: {n} files, {} bytes", up.bytes),
                };
                return done(text, vec![("artifact-name".into(), artifact.into())]);
            }
            "actions/download-artifact" => {
                let dest = self.artifacts.download(ws, input("name"), input("path"))?;
                let dest = dest.display().to_string();
                return done(format!("Artifacts downloaded to {dest}"), vec![("download-path".into(), dest)]);
            }
            _ => {}
        }
        if uses.starts_with("docker://") {
            return Err(HostError::Unsupported(format!("`{uses}`: Docker actions are not supported by w3")));
        }
        let expected = match (w3_compiler::workflow::remote_dir(uses), &self.action_dir) {
            (Some(dir), Some(root)) => format!(" (looked for {}/{dir}/action.yml)", root.display()),
            (Some(dir), None) => format!(" (give --action-dir DIR holding DIR/{dir}/action.yml)"),
            (None, _) => String::new(),
        };
        Err(HostError::Unsupported(format!(
            "`{uses}`: w3 run has actions/checkout, actions/upload-artifact and actions/download-artifact built in; other actions are compiled into the workflow when their files are there: `./path` in the repository, `owner/repo@ref` in the --action-dir directory{expected}"
        )))
    }

    /// Prints a step's output: text lines masked, workflow commands as GitHub's log shows them
    /// (`add-mask` masks from then on and shows nothing; `debug` shows only with
    /// `ACTIONS_STEP_DEBUG`).
    fn print_output(&self, job: &str, output: &[u8]) {
        let text = String::from_utf8_lossy(output);
        self.progress.suspend(|| self.write_output(job, &text));
    }

    /// Writes a step's output for [`LocalExecutor::print_output`].
    fn write_output(&self, job: &str, text: &str) {
        // One step's lines stay together while jobs run side by side (the lock is reentrant).
        let _together = std::io::stdout().lock();
        for line in workflow_commands::scan(text) {
            let c = match line {
                workflow_commands::Line::Text(t) => {
                    self.write_lines(job, t);
                    continue;
                }
                workflow_commands::Line::Command(c) => c,
            };
            match c.name.as_str() {
                "add-mask" => {
                    let value = c.message.trim();
                    let mut masks = self.secrets.lock().unwrap_or_else(|e| e.into_inner());
                    if !value.is_empty() && !masks.iter().any(|s| s == value) {
                        masks.push(value.to_string());
                        // Longer values first, so a value containing another is masked whole.
                        masks.sort_by_key(|s| std::cmp::Reverse(s.len()));
                    }
                }
                "group" => self.write_lines(job, &format!("::group::{}", c.message)),
                "endgroup" => self.write_lines(job, "::endgroup::"),
                "debug" if self.debug => self.write_lines(job, &format!("Debug: {}", c.message)),
                "notice" | "warning" | "error" => {
                    let kind = match c.name.as_str() {
                        "notice" => "Notice",
                        "warning" => "Warning",
                        _ => "Error",
                    };
                    let place = match (c.prop("file"), c.prop("line")) {
                        (Some(f), Some(l)) => format!(" ({f}:{l})"),
                        (Some(f), None) => format!(" ({f})"),
                        _ => String::new(),
                    };
                    let title = c.prop("title").map(|t| format!("{t}: ")).unwrap_or_default();
                    self.write_lines(job, &format!("{kind}{place}: {title}{}", c.message));
                }
                "set-output" => self.write_lines(
                    job,
                    "Warning: the `set-output` command is deprecated; write `name=value` to $GITHUB_OUTPUT instead",
                ),
                "save-state" => self.write_lines(
                    job,
                    "Warning: the `save-state` command is deprecated; write `name=value` to $GITHUB_STATE instead",
                ),
                // Known commands with nothing to show here (`echo`, the disabled ones, which the
                // host reports), and unknown ones, which GitHub ignores.
                _ => {}
            }
        }
    }
}

impl Executor for LocalExecutor {
    fn execute(&self, job: &str, call: &HostCall, gas_limit: u64) -> (Result<HostResult, HostError>, u64) {
        let schedule = HostGasSchedule::v1();
        if schedule.upfront(call) > gas_limit {
            return (Err(HostError::OutOfGas { needed: schedule.upfront(call), left: gas_limit }), gas_limit);
        }
        if let Err(e) = self.caps.check(call) {
            let e = HostError::Denied(e.to_string());
            self.print(job, &format!("Error: {e}"));
            return (Err(e), schedule.upfront(call));
        }
        let start = Instant::now();
        let _spinner = self.progress.call(&format!("{}/{job}", self.workflow), call);
        let result = match call {
            HostCall::GithubAction { uses, with, .. } => {
                let result = self.github_action(uses, with);
                if let Ok(HostResult::Shell { stdout, .. }) = &result {
                    self.print_output(job, stdout);
                }
                result
            }
            HostCall::ShellCommand { cmd, shell, env, path, workdir, timeout_ms } => {
                // The step's env on top of this machine's PATH and HOME.
                let mut all = self.base_env.clone();
                for (k, v) in env {
                    all.retain(|(b, _)| b != k);
                    all.push((k.clone(), v.clone()));
                }
                let req = ShellRequest { cmd, shell, env: &all, path, workdir, timeout_ms: *timeout_ms };
                let result = self.shell(job, &req);
                if let Ok(HostResult::Shell { stdout, stderr, exit_code, .. }) = &result {
                    self.print_output(job, stdout);
                    self.print_output(job, stderr);
                    if *exit_code != 0 {
                        self.print(job, &format!("Error: the step's script exited with code {exit_code}"));
                    }
                }
                result
            }
            HostCall::Log { message, .. } => {
                self.print(job, message);
                Ok(HostResult::Done)
            }
            HostCall::InvokeAction { action, input } => {
                let mut host = ActionCalls { exec: self, job, gas: 0, limit: gas_limit };
                let outcome = self.actions.invoke(action, input, gas_limit, &mut host);
                let host_gas = host.gas;
                return match outcome {
                    Ok(o) => (Ok(HostResult::Value(o.output)), o.gas_used.saturating_add(host_gas)),
                    Err(e) => {
                        let used = e.gas_used().saturating_add(host_gas);
                        let e = HostError::Failed(e.to_string());
                        self.print(job, &format!("Error: {e}"));
                        (Err(e), used.max(schedule.upfront(call)))
                    }
                };
            }
            HostCall::HttpRequest { .. } => match &self.http {
                Ok(http) => http.run_call(call, &self.caps),
                Err(e) => Err(e.clone()),
            },
            HostCall::StorageRead { .. } | HostCall::StorageWrite { .. } | HostCall::EmitEvent { .. } => {
                self.storage.lock().unwrap_or_else(|e| e.into_inner()).perform(call)
            }
            other => Err(HostError::Unsupported(format!(
                "`{}` calls are not supported by `w3 run` yet",
                other.kind().name()
            ))),
        };
        if let Err(e) = &result {
            self.print(job, &format!("Error: {e}"));
        }
        let elapsed = start.elapsed().as_millis() as u64;
        let gas = match &result {
            Ok(r) => schedule.total(call, r, elapsed),
            Err(_) => schedule.upfront(call),
        };
        (result, gas)
    }
}

/// Returns the workflow files `path` names: the file, or the YAML files directly in the directory.
pub fn workflow_files(path: &Path) -> Result<Vec<PathBuf>, String> {
    if path.is_file() {
        return Ok(vec![path.to_path_buf()]);
    }
    let entries = std::fs::read_dir(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "yml" || x == "yaml"))
        .collect();
    files.sort();
    Ok(files)
}

fn inputs(args: &Args) -> Result<RunInputs, String> {
    let workspace = std::env::current_dir().map_err(|e| e.to_string())?;
    let payload = match &args.eventpath {
        Some(p) => {
            let text = std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()))?;
            let json: serde_json::Value = serde_json::from_str(&text).map_err(|e| format!("{}: {e}", p.display()))?;
            Value::from(json)
        }
        None => Value::from(w3_value::Object::new()),
    };
    let secrets = file_and_pairs(args.secret_file.as_deref(), &args.secrets, "secret")?;
    let env = file_and_pairs(args.env_file.as_deref(), &args.env, "env")?;
    let (sha, git_ref) = git_head(&workspace);
    Ok(RunInputs {
        workflow: String::new(),
        sha,
        git_ref,
        event: args.event.clone(),
        payload,
        inputs: pairs(&args.inputs, "input")?,
        secrets,
        vars: pairs(&args.vars, "variable")?,
        env,
        workspace: workspace.display().to_string(),
        repository: format!("local/{}", workspace.file_name().map(|n| n.to_string_lossy()).unwrap_or_default()),
        actions_dir: actions_dir(args)?.map(|d| d.display().to_string()),
    })
}

/// Returns the absolute path of `--action-dir`, which must be a directory.
fn actions_dir(args: &Args) -> Result<Option<PathBuf>, String> {
    let Some(dir) = &args.actions_dir else { return Ok(None) };
    match std::fs::canonicalize(dir) {
        Ok(abs) if abs.is_dir() => Ok(Some(abs)),
        Ok(_) => Err(format!("--action-dir {}: not a directory", dir.display())),
        Err(e) => Err(format!("--action-dir {}: {e}", dir.display())),
    }
}

/// Returns the values to mask for `secrets`: each non-empty value and each non-empty line of a
/// multi-line one, longest first.
fn masks(secrets: &[(String, String)]) -> Vec<String> {
    let mut masks: Vec<String> = secrets
        .iter()
        .flat_map(|(_, v)| std::iter::once(v.as_str()).chain(v.lines().filter(|l| l.len() < v.len())))
        .map(str::trim_end)
        .filter(|m| !m.is_empty())
        .map(str::to_string)
        .collect();
    masks.sort_by_key(|m| std::cmp::Reverse(m.len()));
    masks.dedup();
    masks
}

/// Returns what this machine adds to every step's environment: `PATH` and `HOME`. The
/// runner's variables (`CI`, `GITHUB_*`, `RUNNER_*`) are part of the request the VM makes.
fn base_env(run: &RunInputs) -> Vec<(String, String)> {
    let path = std::env::var("PATH").unwrap_or_else(|_| "/usr/local/bin:/usr/bin:/bin".into());
    vec![("PATH".into(), path), ("HOME".into(), run.workspace.clone())]
}

/// Returns the commit and ref checked out in `workspace`, read from `.git` (no git needed):
/// 40 zeros and `refs/heads/main` when it is not a repository.
fn git_head(workspace: &Path) -> (String, String) {
    let fallback = ("0".repeat(40), "refs/heads/main".to_string());
    let git = workspace.join(".git");
    let Ok(head) = std::fs::read_to_string(git.join("HEAD")) else { return fallback };
    let head = head.trim();
    let is_sha = |s: &str| s.len() == 40 && s.bytes().all(|b| b.is_ascii_hexdigit());
    let Some(reference) = head.strip_prefix("ref: ") else {
        // A detached HEAD.
        return if is_sha(head) { (head.to_string(), fallback.1) } else { fallback };
    };
    let loose = std::fs::read_to_string(git.join(reference)).ok().map(|s| s.trim().to_string());
    let packed = || {
        let text = std::fs::read_to_string(git.join("packed-refs")).ok()?;
        text.lines().find_map(|l| l.strip_suffix(reference)?.strip_suffix(' ').map(str::to_string))
    };
    match loose.filter(|s| is_sha(s)).or_else(packed) {
        Some(sha) => (sha, reference.to_string()),
        // A branch without commits yet.
        None => (fallback.0, reference.to_string()),
    }
}

pub fn run(args: Args) -> ExitCode {
    let (files, run) = match workflow_files(&args.workflows).and_then(|f| inputs(&args).map(|r| (f, r))) {
        Ok(x) => x,
        Err(e) => {
            eprintln!("w3 run: {e}");
            return ExitCode::from(2);
        }
    };
    // The event payload steps read at $GITHUB_EVENT_PATH.
    let run_dir = std::env::temp_dir().join(format!("w3-run-{}", std::process::id()));
    let event_file = run_dir.join("event.json");
    let written = std::fs::create_dir_all(&run_dir).and_then(|()| {
        let json = serde_json::Value::from(&run.payload);
        std::fs::write(&event_file, serde_json::to_vec_pretty(&json).unwrap_or_default())
    });
    if let Err(e) = written {
        eprintln!("w3 run: {}: {e}", event_file.display());
        return ExitCode::from(3);
    }
    let mut run = run;
    if args.sandbox == SandboxKind::Bwrap && w3_host::sandbox::running_as_root() {
        // Steps run as an unprivileged user, who may not write the caller's files: they get a
        // copy of the workspace of their own, as a runner's container would.
        let copy = run_dir.join("workspace");
        let prepared = w3_host::sandbox::copy_tree(Path::new(&run.workspace), &copy)
            .and_then(|()| SandboxOptions::new(copy.clone()).prepare_workspace());
        if let Err(e) = prepared {
            eprintln!("w3 run: preparing the workspace for steps that run as an unprivileged user: {e}");
            let _ = std::fs::remove_dir_all(&run_dir);
            return ExitCode::from(3);
        }
        eprintln!(
            "w3 run: running as root, so steps run as an unprivileged user in a copy of the workspace: {}",
            copy.display()
        );
        run.workspace = copy.display().to_string();
        // The actions directory too: its files must be readable by the step user.
        if let Some(dir) = run.actions_dir.clone() {
            let copy = run_dir.join("actions");
            let prepared = w3_host::sandbox::copy_tree(Path::new(&dir), &copy)
                .and_then(|()| SandboxOptions::new(copy.clone()).prepare_workspace());
            if let Err(e) = prepared {
                eprintln!("w3 run: copying --action-dir for steps that run as an unprivileged user: {e}");
                let _ = std::fs::remove_dir_all(&run_dir);
                return ExitCode::from(3);
            }
            run.actions_dir = Some(copy.display().to_string());
        }
    }
    let code = run_files(&args, &files, &run, &event_file);
    let _ = std::fs::remove_dir_all(&run_dir);
    code
}

fn run_files(args: &Args, files: &[PathBuf], run: &RunInputs, event_file: &Path) -> ExitCode {
    let mut matrix = Vec::new();
    for m in &args.matrix {
        match m.split_once(':') {
            Some((k, v)) if !k.is_empty() => matrix.push((k.to_string(), v.to_string())),
            _ => {
                eprintln!("w3 run: --matrix `{m}` is not KEY:VALUE");
                return ExitCode::from(2);
            }
        }
    }
    // A bad key is refused before anything runs, not after.
    let key = match args.journal.as_ref().map(|_| executor_key(args.key.as_deref())).transpose() {
        Ok(k) => k,
        Err(e) => {
            eprintln!("w3 run: {e}");
            return ExitCode::from(2);
        }
    };
    let mut failed = false;
    let mut summary = Vec::new();
    for file in files {
        let name = file.file_name().map_or_else(String::new, |n| n.to_string_lossy().into_owned());
        let source = match std::fs::read_to_string(file) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("w3 run: {}: {e}", file.display());
                return ExitCode::from(2);
            }
        };
        if !super::compile::load_check(file, source.as_bytes()) {
            return ExitCode::from(2);
        }
        // Local actions are read from the workspace, the repository `w3 run` runs in.
        let action_dir = run.actions_dir.as_ref().map(PathBuf::from);
        let action_files = w3_runner::actions::DirActionFiles::new(&run.workspace, action_dir.clone());
        let selection =
            w3_compiler::Selection { job: args.job.as_deref(), matrix: &matrix, actions: Some(&action_files) };
        let compiled = w3_compiler::compile_selection(&source, &name, &selection);
        let compiled = match compiled {
            Ok(c) => c,
            Err(e @ w3_compiler::CompileError::Action { .. }) => {
                eprintln!("{e} (in {})", file.display());
                return ExitCode::from(2);
            }
            Err(e) => {
                eprintln!("{}: {e}", file.display());
                return ExitCode::from(2);
            }
        };
        if !compiled.manifest.triggered_by(&run.event) {
            continue;
        }
        let mut run = run.clone();
        run.workflow = compiled.manifest.name().map_or_else(|| file.display().to_string(), str::to_string);
        let module = match w3_isa::verify(&compiled.module) {
            Ok(m) => m,
            Err(e) => {
                eprintln!("{}: internal error: {e}", file.display());
                return ExitCode::from(3);
            }
        };
        let mut caps = w3_runner::run::capabilities(&module.module().manifest);
        caps.http.extend(args.allow_http.iter().cloned().map(HostPattern));
        let mut opts = SandboxOptions::new(PathBuf::from(&run.workspace));
        opts.sandbox = if args.sandbox == SandboxKind::None { Sandbox::None } else { Sandbox::Bwrap };
        opts.network = args.allow_net || caps.network;
        opts.event_file = Some(event_file.to_path_buf());
        // The scripts of actions compiled from the actions directory run from there.
        opts.read_only.extend(action_dir.clone());
        opts.agent = AgentCommand::current_exe();
        opts.seccomp = !args.no_seccomp;
        opts.cgroup = w3_host::CgroupLimits { memory: args.job_memory, pids: args.job_pids };
        let (id, limits) = (WorkflowId::new(name.as_str()), StorageLimits::default());
        let storage: Box<dyn StorageCalls> = match &args.state {
            Some(dir) => match RedbStore::open_in(dir) {
                Ok(store) => Box::new(StorageHost::new(store, id, caps.clone(), limits)),
                Err(e) => {
                    eprintln!("w3 run: --state {}: {e}", dir.display());
                    return ExitCode::from(2);
                }
            },
            None => Box::new(StorageHost::new(MemoryStore::new(), id, caps.clone(), limits)),
        };
        let exec = LocalExecutor {
            opts,
            workflow: name.trim_end_matches(".yml").trim_end_matches(".yaml").to_string(),
            base_env: base_env(&run),
            secrets: std::sync::Mutex::new(masks(&run.secrets)),
            debug: run.secrets.iter().chain(&run.vars).any(|(k, v)| k == "ACTIONS_STEP_DEBUG" && v == "true"),
            actions: ActionRuntime::new(args.actions_dir.clone()),
            action_dir,
            artifacts: w3_host::artifacts::ArtifactStore::new(event_file.with_file_name("artifacts")),
            http: HttpHost::new(HttpOptions::default()),
            storage: std::sync::Mutex::new(storage),
            jobs: std::sync::Mutex::default(),
            progress: Progress::new(args.progress),
            caps,
        };
        let parallel = args.parallel.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
        match run_module(module.clone(), &run, &exec, parallel) {
            Ok(report) => {
                if let (Some(dir), Some(key)) = (&args.journal, &key) {
                    let dir = dir.join(&exec.workflow);
                    let finished = journal::Finished {
                        workflow: &name,
                        selection: &selection,
                        source: &source,
                        actions: &compiled.action_files,
                        module: &module,
                        run: &run,
                        report: &report,
                    };
                    let written = journal::write(&dir, &finished, key);
                    match written {
                        Ok(record) => eprintln!(
                            "w3 run: journal of {} calls in {} (state {})",
                            record.calls,
                            dir.display(),
                            record.state_hash
                        ),
                        Err(e) => {
                            eprintln!("w3 run: the journal could not be written: {e}");
                            failed = true;
                        }
                    }
                }
                for (job, result) in report.jobs {
                    failed |= result == "failure" || result == "cancelled";
                    summary.push((exec.workflow.clone(), job, result));
                }
            }
            Err(e) => {
                eprintln!("{}: the run stopped: {e}", file.display());
                failed = true;
            }
        }
    }
    if summary.is_empty() {
        eprintln!("w3 run: no workflow in {} is triggered by `{}`", args.workflows.display(), run.event);
    } else {
        println!("\n{:<24} {:<24} result", "workflow", "job");
        for (wf, job, result) in &summary {
            println!("{wf:<24} {job:<24} {result}");
        }
    }
    ExitCode::from(u8::from(failed))
}

#[cfg(test)]
mod tests {
    use super::parse_size;

    #[test]
    fn sizes_take_binary_units() {
        assert_eq!(parse_size("512M"), Ok(512 << 20));
        assert_eq!(parse_size("2g"), Ok(2 << 30));
        assert_eq!(parse_size("4096"), Ok(4096));
        assert_eq!(parse_size(" 1K "), Ok(1024));
        for bad in ["", "M", "12X", "-1M", "0", "99999999999999G"] {
            assert!(parse_size(bad).is_err(), "{bad}");
        }
    }
}
