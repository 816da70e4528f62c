//! Runs one `run:` script, sandboxed or not.
//!
//! [`run`] writes the script to a file in the step's temp directory (mounted as `/tmp` inside
//! the sandbox), builds the shell's command line as GitHub does (`bash --noprofile --norc -eo
//! pipefail {0}`, `sh -e {0}`, `python {0}`, `pwsh -command ". '{0}'"`, or a custom template
//! with `{0}`), and runs it with exactly the given environment in the given working directory,
//! which must lie inside the workspace. A non-zero exit is a result; only a step that could not
//! be started at all is an error.
//!
//! Like GitHub's runner, it also gives the step empty file-command files in the same directory
//! (`$GITHUB_OUTPUT`, `$GITHUB_ENV`, `$GITHUB_PATH`, `$GITHUB_STATE`, `$GITHUB_STEP_SUMMARY`)
//! and reads them afterwards into [`StepFiles`], which the VM hands on: outputs to
//! `steps.<id>.outputs`, variables and directories to the job's later steps. A file that
//! breaks the format fails the step, with the line on stderr.

use std::ffi::OsString;
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::fs::PermissionsExt;
use std::path::{Component, Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use w3_host_api::{HostCall, HostError, HostResult, Shell, StepFiles};

use crate::agent::StepCommand;
use crate::error::SandboxError;
use crate::job::JobSandbox;
use crate::process::{self, ChildSetup};
use crate::sandbox::{self, BwrapPlan, Limits, Sandbox, SandboxOptions};
use crate::{file_commands, workflow_commands};

/// One shell step: the fields of [`HostCall::ShellCommand`], borrowed.
#[derive(Clone, Copy, Debug)]
pub struct ShellRequest<'a> {
    /// The script.
    pub cmd: &'a str,
    pub shell: &'a Shell,
    /// The step's whole environment: nothing else is passed, and nothing is added but `PWD`
    /// (the working directory), which bubblewrap sets as every shell does, the file-command
    /// variables, and `path` in front of `PATH`.
    pub env: &'a [(String, String)],
    /// Directories earlier steps added with `$GITHUB_PATH`, newest first.
    pub path: &'a [String],
    /// Relative to the workspace, or absolute inside it; empty means the workspace.
    pub workdir: &'a str,
    /// The step's own timeout in milliseconds; 0 means only the sandbox's.
    pub timeout_ms: u64,
}

/// Performs a [`HostCall::ShellCommand`]; any other call is [`HostError::Unsupported`].
pub fn run_call(call: &HostCall, opts: &SandboxOptions) -> Result<HostResult, HostError> {
    match call {
        HostCall::ShellCommand { cmd, shell, env, path, workdir, timeout_ms } => {
            let req = ShellRequest { cmd, shell, env, path, workdir, timeout_ms: *timeout_ms };
            run(&req, opts).map_err(HostError::from)
        }
        other => Err(HostError::Unsupported(format!("the shell host cannot perform `{}` calls", other.kind().name()))),
    }
}

/// Runs `req` as `opts` says and returns [`HostResult::Shell`] with the exit code (128 + the
/// signal when killed), the captured output (capped) and whether the timeout killed it.
pub fn run(req: &ShellRequest<'_>, opts: &SandboxOptions) -> Result<HostResult, SandboxError> {
    if !opts.workspace.is_absolute() {
        return Err(SandboxError::WorkspaceNotAbsolute(opts.workspace.clone()));
    }
    let bwrap = match opts.sandbox {
        Sandbox::Bwrap if sandbox::running_as_root() && opts.step_identity().is_none() => {
            return Err(SandboxError::RootStep);
        }
        Sandbox::Bwrap => Some(sandbox::find_bwrap(opts)?),
        Sandbox::None => None,
    };
    match &bwrap {
        Some(b) => run_with(req, opts, Exec::Bwrap(b)),
        None => run_with(req, opts, Exec::Direct),
    }
}

/// Runs `req` in `job`'s sandbox.
pub(crate) fn run_in_job(req: &ShellRequest<'_>, job: &JobSandbox) -> Result<HostResult, SandboxError> {
    run_with(req, job.options(), Exec::Job(job))
}

/// Where a step runs.
#[derive(Clone, Copy)]
enum Exec<'a> {
    /// Directly, as the current user.
    Direct,
    /// In a bubblewrap sandbox of its own (this `bwrap` binary).
    Bwrap(&'a Path),
    /// In its job's sandbox.
    Job(&'a JobSandbox),
}

/// Prepares the step's files and environment, runs it as `exec` says and reads its file
/// commands.
fn run_with(req: &ShellRequest<'_>, opts: &SandboxOptions, exec: Exec<'_>) -> Result<HostResult, SandboxError> {
    if !opts.workspace.is_absolute() {
        return Err(SandboxError::WorkspaceNotAbsolute(opts.workspace.clone()));
    }
    let workdir = resolve_workdir(&opts.workspace, req.workdir)?;
    if !workdir.is_dir() {
        return Err(SandboxError::WorkdirMissing(workdir));
    }
    let sandboxed = !matches!(exec, Exec::Direct);
    let temp = StepTemp::new(opts)?;
    let script = temp.write_script(req)?;
    let files = temp.file_commands(sandboxed);
    if let Err(e) = temp.create_file_commands(&files, opts, sandboxed) {
        temp.clean_up(&script, &files);
        return Err(e);
    }
    // GitHub's runner sets these for every step; the step's own values cannot replace them.
    let mut env: Vec<(String, String)> =
        req.env.iter().filter(|(k, _)| !files.iter().any(|f| f.var == k)).cloned().collect();
    env.extend(files.iter().map(|f| (f.var.to_string(), f.inside.clone())));
    if let Some(event) = &opts.event_file {
        let inside = if sandboxed { sandbox::EVENT_PATH.into() } else { event.display().to_string() };
        env.retain(|(k, _)| k != "GITHUB_EVENT_PATH");
        env.push(("GITHUB_EVENT_PATH".to_string(), inside));
    }
    if !req.path.is_empty() {
        let base = env.iter().rev().find(|(k, _)| k == "PATH").map_or(DEFAULT_PATH, |(_, v)| v.as_str());
        let path = req.path.iter().map(String::as_str).chain([base]).collect::<Vec<_>>().join(":");
        env.retain(|(k, _)| k != "PATH");
        env.push(("PATH".to_string(), path));
    }
    let req = &ShellRequest { env: &env, ..*req };
    let result = match exec {
        Exec::Bwrap(bwrap) => run_sandboxed(req, opts, bwrap, &temp, &script, &workdir),
        Exec::Direct => run_direct(req, opts, &temp.step_path(&script, false), &workdir),
        Exec::Job(job) => run_job_step(req, job, &temp, &script, &workdir),
    };
    let result = result.map(|r| read_file_commands(r, &files));
    temp.clean_up(&script, &files);
    result
}

/// One file command of a step: the variable naming it, how it is read, and its path inside and
/// outside the sandbox.
struct FileCommand {
    var: &'static str,
    format: Format,
    inside: String,
    host: PathBuf,
}

/// How a file command's contents are read.
#[derive(Clone, Copy)]
enum Format {
    /// `NAME=value` and heredoc pairs ([`file_commands::parse_pairs`]), kept in the field
    /// of [`StepFiles`] the function returns.
    Pairs(fn(&mut StepFiles) -> &mut Vec<(String, String)>),
    /// One directory per line ([`file_commands::parse_paths`]).
    Paths,
    /// Markdown for the run's summary, not read back.
    Summary,
}

/// Appends `line` to `out` on a line of its own.
fn append_line(out: &mut Vec<u8>, line: &str) {
    if out.last().is_some_and(|&b| b != b'\n') {
        out.push(b'\n');
    }
    out.extend_from_slice(line.as_bytes());
    out.push(b'\n');
}

/// The file commands w3 provides: variable, file name stem, format.
const FILE_COMMANDS: [(&str, &str, Format); 5] = [
    ("GITHUB_OUTPUT", "output", Format::Pairs(|f| &mut f.outputs)),
    ("GITHUB_ENV", "env", Format::Pairs(|f| &mut f.env)),
    ("GITHUB_PATH", "path", Format::Paths),
    ("GITHUB_STATE", "state", Format::Pairs(|f| &mut f.state)),
    ("GITHUB_STEP_SUMMARY", "summary", Format::Summary),
];

/// Reads what the step wrote to its file commands into the result. A file that breaks the
/// format fails the step, as on GitHub, with the reason on stderr; the other files still count.
fn read_file_commands(result: HostResult, files: &[FileCommand]) -> HostResult {
    let HostResult::Shell { mut exit_code, stdout, mut stderr, timed_out, files: _ } = result else { return result };
    // Workflow commands come first: the files are read after the step, so they win.
    let mut fx = workflow_commands::effects(&String::from_utf8_lossy(&stdout));
    let more = workflow_commands::effects(&String::from_utf8_lossy(&stderr));
    fx.outputs.extend(more.outputs);
    fx.state.extend(more.state);
    fx.errors.extend(more.errors);
    for e in &fx.errors {
        append_line(&mut stderr, e);
    }
    if !fx.errors.is_empty() && exit_code == 0 {
        exit_code = 1;
    }
    let mut out = StepFiles { outputs: fx.outputs, state: fx.state, ..StepFiles::default() };
    for f in files {
        let text = match std::fs::read(&f.host) {
            Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
            Err(_) => continue,
        };
        match f.format {
            Format::Summary => out.summary = text,
            Format::Paths => out.path = file_commands::parse_paths(&text),
            Format::Pairs(slot) => match file_commands::parse_pairs(&text) {
                Ok(pairs) => slot(&mut out).extend(pairs),
                Err(e) => {
                    append_line(&mut stderr, &format!("Error: ${} {e}", f.var));
                    exit_code = if exit_code == 0 { 1 } else { exit_code };
                }
            },
        }
    }
    HostResult::Shell { exit_code, stdout, stderr, timed_out, files: out }
}

/// Runs the script inside bubblewrap.
fn run_sandboxed(
    req: &ShellRequest<'_>,
    opts: &SandboxOptions,
    bwrap: &Path,
    temp: &StepTemp,
    script: &str,
    workdir: &Path,
) -> Result<HostResult, SandboxError> {
    let (program, args) = command_line(req.shell, &temp.step_path(script, true), req.env, Some(opts))?;
    let (status_read, status_write) = process::pipe()?;
    let (seccomp, seccomp_fds) = crate::seccomp::pipes_for(opts)?;
    let plan =
        BwrapPlan { opts, temp: &temp.dir, workdir, status_fd: status_write.as_raw_fd(), seccomp_fds: &seccomp_fds };
    let mut cmd = Command::new(bwrap);
    cmd.args(sandbox::bwrap_args(&plan)).arg(program).args(args);
    cmd.env_clear().envs(req.env.iter().map(|(k, v)| (k, v))).current_dir("/");
    let setup = ChildSetup {
        limits: opts.limits,
        identity: opts.step_identity(),
        inherit: [status_write.as_raw_fd()].into_iter().chain(seccomp_fds.iter().copied()).collect(),
        cgroups: Vec::new(),
    };
    let finished = process::run(cmd, &setup, timeout(req, opts), opts.output_limit);
    drop((status_write, seccomp));
    let finished = finished?;
    let status = read_status(&status_read);
    if let Some(pid) = json_number(&status, "child-pid") {
        // The sandbox's pid 1 outlives a killed bwrap for a moment; when it is gone, so is
        // every process of the step.
        process::wait_gone(pid as u32, Duration::from_secs(2));
    }
    let started = json_number(&status, "exit-code").is_some();
    if !started && !finished.timed_out {
        let message = String::from_utf8_lossy(&finished.stderr).trim().to_string();
        return Err(SandboxError::Setup(setup_hint(message, opts)));
    }
    Ok(shell_result(finished))
}

/// The answer for a finished step, before its file commands are read.
fn shell_result(finished: process::Finished) -> HostResult {
    HostResult::Shell {
        exit_code: process::exit_code(finished.status),
        stdout: finished.stdout,
        stderr: finished.stderr,
        timed_out: finished.timed_out,
        files: StepFiles::default(),
    }
}

/// Runs the script in its job's sandbox.
fn run_job_step(
    req: &ShellRequest<'_>,
    job: &JobSandbox,
    temp: &StepTemp,
    script: &str,
    workdir: &Path,
) -> Result<HostResult, SandboxError> {
    let opts = job.options();
    let (program, args) = command_line(req.shell, &temp.step_path(script, true), req.env, Some(opts))?;
    // Every shell exports its working directory; bubblewrap sets it for a sandbox's first process.
    let mut env: Vec<String> = req.env.iter().filter(|(k, _)| k != "PWD").map(|(k, v)| format!("{k}={v}")).collect();
    env.push(format!("PWD={}", workdir.display()));
    let cmd = StepCommand { program, args, env, cwd: workdir.to_path_buf() };
    let finished = job.exec(&cmd, timeout(req, opts), opts.output_limit)?;
    Ok(shell_result(finished))
}

/// Runs the script directly, as the current user.
fn run_direct(
    req: &ShellRequest<'_>,
    opts: &SandboxOptions,
    script: &str,
    workdir: &Path,
) -> Result<HostResult, SandboxError> {
    let (program, args) = command_line(req.shell, script, req.env, None)?;
    let mut cmd = Command::new(program);
    cmd.args(args).env_clear().envs(req.env.iter().map(|(k, v)| (k, v))).current_dir(workdir);
    // The process limit counts every process of the user, most of them not the step's.
    let limits = Limits { processes: None, ..opts.limits };
    let setup = ChildSetup { limits, identity: None, inherit: Vec::new(), cgroups: Vec::new() };
    let finished = process::run(cmd, &setup, timeout(req, opts), opts.output_limit)?;
    Ok(shell_result(finished))
}

/// Returns the step's timeout: its own when shorter than the sandbox's.
fn timeout(req: &ShellRequest<'_>, opts: &SandboxOptions) -> Duration {
    match req.timeout_ms {
        0 => opts.timeout,
        ms => Duration::from_millis(ms).min(opts.timeout),
    }
}

/// Adds what usually causes a bubblewrap set-up failure to its message.
pub(crate) fn setup_hint(message: String, opts: &SandboxOptions) -> String {
    let mut out = if message.is_empty() { "bwrap exited before starting the step".to_string() } else { message };
    if out.contains("Permission denied") || out.contains("Operation not permitted") {
        out.push_str(&format!(
            " (the step runs as {}; the workspace {} and its parent directories must be reachable by it, \
             and unprivileged user namespaces must be enabled)",
            opts.step_identity().map_or("the current user".to_string(), |id| format!("uid {}", id.uid)),
            opts.workspace.display()
        ));
    }
    out
}

/// Reads whatever bwrap wrote on its status descriptor.
pub(crate) fn read_status(fd: &OwnedFd) -> String {
    let raw = fd.as_raw_fd();
    let mut out = Vec::new();
    let mut chunk = [0u8; 4096];
    // SAFETY: fcntl and read on a descriptor we own into a buffer of the given length.
    unsafe {
        let flags = libc::fcntl(raw, libc::F_GETFL);
        libc::fcntl(raw, libc::F_SETFL, flags | libc::O_NONBLOCK);
        loop {
            let n = libc::read(raw, chunk.as_mut_ptr().cast(), chunk.len());
            if n <= 0 || out.len() > 1 << 20 {
                break;
            }
            out.extend_from_slice(&chunk[..n as usize]);
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Finds `"key": <number>` in bwrap's JSON status lines.
pub(crate) fn json_number(status: &str, key: &str) -> Option<u64> {
    let quoted = format!("\"{key}\"");
    let rest = &status[status.find(&quoted)? + quoted.len()..];
    let rest = rest.trim_start().strip_prefix(':')?.trim_start();
    let end = rest.find(|c: char| !c.is_ascii_digit()).unwrap_or(rest.len());
    rest[..end].parse().ok()
}

/// Resolves the step's working directory against the workspace, refusing any that leaves it.
pub(crate) fn resolve_workdir(workspace: &Path, workdir: &str) -> Result<PathBuf, SandboxError> {
    let joined = workspace.join(workdir);
    let mut out = PathBuf::new();
    for part in joined.components() {
        match part {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other.as_os_str()),
        }
    }
    let ws = normalize(workspace);
    if out.starts_with(&ws) {
        Ok(out)
    } else {
        Err(SandboxError::WorkdirOutsideWorkspace(workdir.to_string()))
    }
}

/// Removes `.` components and trailing slashes from an absolute path.
fn normalize(path: &Path) -> PathBuf {
    path.components().filter(|c| !matches!(c, Component::CurDir)).collect()
}

/// Returns the program and arguments that run `script` with `shell`, as GitHub builds them.
pub(crate) fn command_line(
    shell: &Shell,
    script: &str,
    env: &[(String, String)],
    visible: Option<&SandboxOptions>,
) -> Result<(String, Vec<String>), SandboxError> {
    let find = |names: &[&str]| find_program(names, env, visible);
    let s = script.to_string();
    Ok(match shell {
        Shell::Bash => {
            let mut args: Vec<String> = ["--noprofile", "--norc", "-eo", "pipefail"].map(String::from).to_vec();
            args.push(s);
            (find(&["bash"]), args)
        }
        Shell::Sh => (find(&["sh"]), vec!["-e".to_string(), s]),
        Shell::Default => {
            let bash = find(&["bash"]);
            let program = if Path::new(&bash).is_absolute() { bash } else { find(&["sh"]) };
            (program, vec!["-e".to_string(), s])
        }
        Shell::Python => (find(&["python", "python3"]), vec![s]),
        Shell::Pwsh => (find(&["pwsh"]), vec!["-command".to_string(), format!(". '{s}'")]),
        Shell::Custom(template) => {
            let mut words = template.split_whitespace();
            let first = words.next().ok_or_else(|| SandboxError::EmptyShell(template.clone()))?;
            let mut args: Vec<String> = words.map(|w| w.replace("{0}", script)).collect();
            if !template.contains("{0}") {
                args.push(s);
            }
            (find_program(&[&first.replace("{0}", script)], env, visible), args)
        }
    })
}

/// The `PATH` used when the step's environment has none.
const DEFAULT_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// Finds the first of `names` on the step's `PATH` that the step can see, as an absolute
/// path; the first name unchanged when none is found (the step then fails as a shell would).
fn find_program(names: &[&str], env: &[(String, String)], visible: Option<&SandboxOptions>) -> String {
    let first = names.first().copied().unwrap_or_default();
    if first.contains('/') {
        return first.to_string();
    }
    let path = env.iter().rev().find(|(k, _)| k == "PATH").map_or(DEFAULT_PATH, |(_, v)| v.as_str());
    let seen = |p: &Path| match visible {
        None => true,
        Some(o) => o.read_only.iter().any(|r| p.starts_with(r)) || p.starts_with(&o.workspace),
    };
    for name in names {
        for dir in std::env::split_paths(&OsString::from(path)) {
            let candidate = dir.join(name);
            let executable =
                std::fs::metadata(&candidate).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0);
            if dir.is_absolute() && executable && seen(&candidate) {
                return candidate.to_string_lossy().into_owned();
            }
        }
    }
    first.to_string()
}

/// Numbers the script files of this process.
static NEXT_STEP: AtomicU64 = AtomicU64::new(0);

/// The host directory a step sees as `/tmp`: the job's, or a fresh one removed afterwards.
struct StepTemp {
    dir: PathBuf,
    owned: bool,
}

impl StepTemp {
    /// Picks the job's temp directory or creates a fresh one the step's identity owns.
    fn new(opts: &SandboxOptions) -> Result<Self, SandboxError> {
        if let Some(dir) = &opts.temp {
            return Ok(StepTemp { dir: dir.clone(), owned: false });
        }
        let temp = StepTemp { dir: sandbox::fresh_temp_dir("step")?, owned: true };
        sandbox::private_to_steps(&temp.dir, opts)?;
        Ok(temp)
    }

    /// Writes the script and returns its file name.
    fn write_script(&self, req: &ShellRequest<'_>) -> Result<String, SandboxError> {
        let ext = match req.shell {
            Shell::Default | Shell::Bash | Shell::Sh => ".sh",
            Shell::Python => ".py",
            Shell::Pwsh => ".ps1",
            Shell::Custom(_) => "",
        };
        let name = format!("w3-script-{}{ext}", NEXT_STEP.fetch_add(1, Ordering::Relaxed));
        let path = self.dir.join(&name);
        std::fs::write(&path, req.cmd).map_err(|e| SandboxError::io(format!("writing {}", path.display()), e))?;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644))
            .map_err(|e| SandboxError::io(format!("writing {}", path.display()), e))?;
        Ok(name)
    }

    /// Names this step's file-command files (not yet created).
    fn file_commands(&self, sandboxed: bool) -> Vec<FileCommand> {
        let n = NEXT_STEP.fetch_add(1, Ordering::Relaxed);
        FILE_COMMANDS
            .map(|(var, stem, format)| {
                let name = format!("w3-{stem}-{n}");
                FileCommand { var, format, inside: self.step_path(&name, sandboxed), host: self.dir.join(name) }
            })
            .into()
    }

    /// Creates `files` empty, writable by the step.
    fn create_file_commands(
        &self,
        files: &[FileCommand],
        opts: &SandboxOptions,
        sandboxed: bool,
    ) -> Result<(), SandboxError> {
        for f in files {
            std::fs::write(&f.host, b"").map_err(|e| SandboxError::io(format!("creating {}", f.host.display()), e))?;
            if let (true, Some(id)) = (sandboxed, opts.step_identity()) {
                std::os::unix::fs::lchown(&f.host, Some(id.uid), Some(id.gid))
                    .map_err(|e| SandboxError::io(format!("handing {} to uid {}", f.host.display(), id.uid), e))?;
            }
        }
        Ok(())
    }

    /// Returns the path the step sees for a file in the directory: under `/tmp` in the
    /// sandbox, the host path without one.
    fn step_path(&self, name: &str, sandboxed: bool) -> String {
        if sandboxed {
            format!("/tmp/{name}")
        } else {
            self.dir.join(name).to_string_lossy().into_owned()
        }
    }

    /// Removes the script and file commands, and the whole directory when it was made for
    /// this step.
    fn clean_up(&self, script: &str, files: &[FileCommand]) {
        if self.owned {
            let _ = std::fs::remove_dir_all(&self.dir);
        } else {
            let _ = std::fs::remove_file(self.dir.join(script));
            files.iter().for_each(|f| drop(std::fs::remove_file(&f.host)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workdirs_stay_inside_the_workspace() {
        let ws = Path::new("/w/ws");
        assert_eq!(resolve_workdir(ws, "").unwrap(), PathBuf::from("/w/ws"));
        assert_eq!(resolve_workdir(ws, "a/./b/../c").unwrap(), PathBuf::from("/w/ws/a/c"));
        assert_eq!(resolve_workdir(ws, "/w/ws/x").unwrap(), PathBuf::from("/w/ws/x"));
        assert!(resolve_workdir(ws, "..").is_err());
        assert!(resolve_workdir(ws, "a/../../ws2").is_err());
        assert!(resolve_workdir(ws, "/etc").is_err());
        assert!(resolve_workdir(Path::new("/w/ws/"), "../ws").is_ok());
    }

    #[test]
    fn bwrap_status_numbers_are_found() {
        let status = "{ \"child-pid\": 9031, \"pid-namespace\": 4 }\n{ \"exit-code\": 137 }\n";
        assert_eq!(json_number(status, "child-pid"), Some(9031));
        assert_eq!(json_number(status, "exit-code"), Some(137));
        assert_eq!(json_number("{ \"child-pid\": 12 }", "exit-code"), None);
        assert_eq!(json_number("{ \"exit-code\": x }", "exit-code"), None);
    }

    #[test]
    fn command_lines_follow_github() {
        let env = [("PATH".to_string(), "/usr/bin:/bin".to_string())];
        let (p, a) = command_line(&Shell::Bash, "/tmp/s.sh", &env, None).unwrap();
        assert!(p.ends_with("/bash"), "{p}");
        assert_eq!(a, ["--noprofile", "--norc", "-eo", "pipefail", "/tmp/s.sh"]);
        let (p, a) = command_line(&Shell::Default, "/tmp/s.sh", &env, None).unwrap();
        assert!(p.ends_with("/bash"), "{p}");
        assert_eq!(a, ["-e", "/tmp/s.sh"]);
        let (_, a) = command_line(&Shell::Sh, "/tmp/s.sh", &env, None).unwrap();
        assert_eq!(a, ["-e", "/tmp/s.sh"]);
        let (p, a) = command_line(&Shell::Custom("perl -w {0} x".into()), "/tmp/s", &env, None).unwrap();
        assert!(p.ends_with("perl"), "{p}");
        assert_eq!(a, ["-w", "/tmp/s", "x"]);
        let (_, a) = command_line(&Shell::Custom("cat".into()), "/tmp/s", &env, None).unwrap();
        assert_eq!(a, ["/tmp/s"]);
        let (_, a) = command_line(&Shell::Pwsh, "/tmp/s.ps1", &env, None).unwrap();
        assert_eq!(a, ["-command", ". '/tmp/s.ps1'"]);
        assert!(matches!(
            command_line(&Shell::Custom("  ".into()), "/tmp/s", &env, None),
            Err(SandboxError::EmptyShell(_))
        ));
    }
}
