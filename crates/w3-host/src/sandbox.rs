//! How a shell step is confined: the options, the bubblewrap command line, the identity the
//! step runs as and its resource limits.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::cgroup::CgroupLimits;
use crate::error::SandboxError;

/// Which sandbox runs shell steps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sandbox {
    /// bubblewrap: new user, mount, pid, network, IPC, UTS and cgroup namespaces.
    Bwrap,
    /// No sandbox: the script runs directly as the current user (`--sandbox none`, for trusted
    /// local runs). Descendants that start their own session survive a timeout.
    None,
}

/// A user and group id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Identity {
    pub uid: u32,
    pub gid: u32,
}

impl Identity {
    /// `nobody:nogroup`, the identity sandboxed steps run as when w3 runs as root.
    pub const NOBODY: Identity = Identity { uid: 65534, gid: 65534 };
}

/// Resource limits applied with `setrlimit` to the sandbox's first process and inherited by
/// every process of the step. `None` leaves a limit as w3's own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// `RLIMIT_NPROC`: processes of the step's uid (counted by the kernel per real uid, so
    /// concurrent steps running as the same uid share it, and a sandbox running as the
    /// invoking user counts that user's other processes too). Not enforced for root, not
    /// applied with [`Sandbox::None`].
    pub processes: Option<u64>,
    /// `RLIMIT_AS`: bytes of address space per process.
    pub address_space: Option<u64>,
    /// `RLIMIT_CPU`: seconds of CPU time per process.
    pub cpu_seconds: Option<u64>,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { processes: Some(1024), address_space: Some(8 << 30), cpu_seconds: None }
    }
}

/// Everything about how shell steps run, except the step itself.
#[derive(Clone, Debug)]
pub struct SandboxOptions {
    pub sandbox: Sandbox,
    /// The job's workspace: absolute, writable inside the sandbox at the same path.
    pub workspace: PathBuf,
    /// A directory mounted as `/tmp` inside the sandbox and kept across the steps of a job.
    /// `None` gives each step a fresh one, removed afterwards. A workspace under `/tmp` is
    /// mounted on top of it, so bubblewrap leaves empty mount-point directories in it.
    pub temp: Option<PathBuf>,
    /// Lets the step use the host's network.
    pub network: bool,
    /// The longest a step may run; a step's own shorter timeout wins.
    pub timeout: Duration,
    pub limits: Limits,
    /// The most bytes kept of stdout and of stderr each; the rest is dropped and a marker
    /// appended.
    pub output_limit: usize,
    /// Who sandboxed steps run as. `None` keeps the current identity; when w3 runs as root
    /// that is refused in favour of [`Identity::NOBODY`] by [`SandboxOptions::new`].
    pub identity: Option<Identity>,
    /// The `bwrap` binary; `None` looks it up on the host's `PATH`.
    pub bwrap: Option<PathBuf>,
    /// Host directories visible read-only inside the sandbox, at the same paths. Symbolic
    /// links among them (`/bin -> usr/bin`) are recreated as links; missing ones are skipped.
    pub read_only: Vec<PathBuf>,
    /// The event payload file steps find at `$GITHUB_EVENT_PATH`: mounted read-only at
    /// [`EVENT_PATH`] inside the sandbox, given as it is without one.
    pub event_file: Option<PathBuf>,
    /// The program that runs the sandbox agent ([`crate::agent`]): with one,
    /// [`JobSandbox`](crate::job::JobSandbox) starts one sandbox per job and runs each step
    /// inside it; without, each step gets a sandbox of its own.
    pub agent: Option<AgentCommand>,
    /// Limits for a job's sandbox as a whole, in control groups where the host has them
    /// ([`crate::cgroup`]); only [`JobSandbox`](crate::job::JobSandbox) applies them. None by
    /// default: moving the sandbox into a new group waits for an RCU grace period on cgroup v1,
    /// which costs a job's start-up 5–10 ms on top of bubblewrap's.
    pub cgroup: CgroupLimits,
    /// Installs the seccomp filters of [`crate::seccomp`] in the sandbox.
    pub seccomp: bool,
}

/// How to start the sandbox agent: a binary and the arguments that select the agent in it. The
/// socket's and the binary's descriptor numbers are appended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AgentCommand {
    pub program: PathBuf,
    pub args: Vec<String>,
}

impl AgentCommand {
    /// The agent of the running binary, when it has one (the `w3` binary does:
    /// `w3 __sandbox-agent`).
    pub fn current_exe() -> Option<AgentCommand> {
        let program = std::env::current_exe().ok()?;
        Some(AgentCommand { program, args: vec![crate::agent::AGENT_ARG.to_string()] })
    }
}

/// Where a sandboxed step finds the event payload, as in GitHub's container actions.
pub const EVENT_PATH: &str = "/github/workflow/event.json";

/// The most bytes of each output stream [`SandboxOptions::new`] keeps: 16 MiB.
pub const DEFAULT_OUTPUT_LIMIT: usize = 16 << 20;

impl SandboxOptions {
    /// Returns options for `workspace` with bubblewrap, no network, a 6-hour timeout (GitHub's
    /// default job timeout), default limits and, when running as root, [`Identity::NOBODY`].
    pub fn new(workspace: impl Into<PathBuf>) -> Self {
        let read_only = ["/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc", "/opt"];
        SandboxOptions {
            sandbox: Sandbox::Bwrap,
            workspace: workspace.into(),
            temp: None,
            network: false,
            timeout: Duration::from_secs(6 * 3600),
            limits: Limits::default(),
            output_limit: DEFAULT_OUTPUT_LIMIT,
            identity: running_as_root().then_some(Identity::NOBODY),
            bwrap: None,
            read_only: read_only.iter().map(PathBuf::from).collect(),
            event_file: None,
            agent: None,
            cgroup: CgroupLimits::default(),
            seccomp: true,
        }
    }

    /// Creates the workspace (and the job's temp directory, if set) when needed and, when
    /// steps run as another identity, hands them and everything in them to that identity so
    /// steps can write there.
    pub fn prepare_workspace(&self) -> Result<(), SandboxError> {
        if !self.workspace.is_absolute() {
            return Err(SandboxError::WorkspaceNotAbsolute(self.workspace.clone()));
        }
        for dir in std::iter::once(&self.workspace).chain(self.temp.as_ref()) {
            std::fs::create_dir_all(dir).map_err(|e| SandboxError::io(format!("creating {}", dir.display()), e))?;
            if let Some(id) = self.step_identity() {
                chown_tree(dir, id)?;
            }
        }
        Ok(())
    }

    /// Returns the identity steps switch to, if it differs from the current one.
    pub(crate) fn step_identity(&self) -> Option<Identity> {
        if self.sandbox == Sandbox::None {
            return None;
        }
        // SAFETY: getuid/getgid cannot fail and touch no memory.
        let (uid, gid) = unsafe { (libc::getuid(), libc::getgid()) };
        self.identity.filter(|id| id.uid != uid || id.gid != gid)
    }
}

/// Reports whether the current process runs as root.
pub fn running_as_root() -> bool {
    // SAFETY: geteuid cannot fail and touches no memory.
    unsafe { libc::geteuid() == 0 }
}

/// Numbers the temporary directories of this process.
static NEXT_DIR: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Creates a fresh directory `w3-<kind>-<pid>-<n>-<nanos>` under the system temp directory.
pub(crate) fn fresh_temp_dir(kind: &str) -> Result<PathBuf, SandboxError> {
    let n = NEXT_DIR.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
    let dir = std::env::temp_dir().join(format!("w3-{kind}-{}-{n}-{nanos:x}", std::process::id()));
    std::fs::create_dir(&dir).map_err(|e| SandboxError::io(format!("creating {}", dir.display()), e))?;
    Ok(dir)
}

/// Makes the (empty) directory `dir` private to the steps of `opts`: mode 0700, owned by their
/// identity when it is not the current one.
pub(crate) fn private_to_steps(dir: &Path, opts: &SandboxOptions) -> Result<(), SandboxError> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
        .map_err(|e| SandboxError::io(format!("protecting {}", dir.display()), e))?;
    match opts.step_identity() {
        Some(id) => chown_tree(dir, id),
        None => Ok(()),
    }
}

/// Changes the owner of `root` and everything under it, not following symbolic links.
pub(crate) fn chown_tree(root: &Path, id: Identity) -> Result<(), SandboxError> {
    let mut stack = vec![root.to_path_buf()];
    while let Some(path) = stack.pop() {
        std::os::unix::fs::lchown(&path, Some(id.uid), Some(id.gid))
            .map_err(|e| SandboxError::io(format!("handing {} to uid {}", path.display(), id.uid), e))?;
        let meta =
            std::fs::symlink_metadata(&path).map_err(|e| SandboxError::io(format!("reading {}", path.display()), e))?;
        if meta.is_dir() {
            let entries =
                std::fs::read_dir(&path).map_err(|e| SandboxError::io(format!("listing {}", path.display()), e))?;
            for entry in entries {
                let entry = entry.map_err(|e| SandboxError::io(format!("listing {}", path.display()), e))?;
                stack.push(entry.path());
            }
        }
    }
    Ok(())
}

/// Copies the tree at `src` to `dst` (which must not exist): directories, regular files with
/// their permission bits, and symbolic links as links. Other kinds of file (sockets, devices)
/// are skipped. Used to give sandboxed steps a workspace of their own when they may not write
/// the original.
pub fn copy_tree(src: &Path, dst: &Path) -> Result<(), SandboxError> {
    let io = |what: &str, p: &Path| {
        let what = format!("{what} {}", p.display());
        move |e| SandboxError::io(what, e)
    };
    let mut stack = vec![(src.to_path_buf(), dst.to_path_buf())];
    while let Some((from, to)) = stack.pop() {
        let meta = std::fs::symlink_metadata(&from).map_err(io("reading", &from))?;
        let kind = meta.file_type();
        if kind.is_symlink() {
            let target = std::fs::read_link(&from).map_err(io("reading", &from))?;
            std::os::unix::fs::symlink(&target, &to).map_err(io("creating", &to))?;
        } else if kind.is_dir() {
            std::fs::create_dir(&to).map_err(io("creating", &to))?;
            std::fs::set_permissions(&to, meta.permissions()).map_err(io("setting the mode of", &to))?;
            for entry in std::fs::read_dir(&from).map_err(io("listing", &from))? {
                let entry = entry.map_err(io("listing", &from))?;
                stack.push((entry.path(), to.join(entry.file_name())));
            }
        } else if kind.is_file() {
            std::fs::copy(&from, &to).map_err(io("copying", &from))?;
        }
    }
    Ok(())
}

/// Copies every entry of the directory `src` into the existing directory `dst` with
/// [`copy_tree`]; nothing when `src` is not a directory.
pub fn copy_entries(src: &Path, dst: &Path) -> Result<(), SandboxError> {
    let Ok(entries) = std::fs::read_dir(src) else { return Ok(()) };
    for entry in entries {
        let from = entry.map_err(|e| SandboxError::io(format!("listing {}", src.display()), e))?.path();
        copy_tree(&from, &dst.join(from.file_name().unwrap_or_default()))?;
    }
    Ok(())
}

/// Finds the `bwrap` binary: the configured one, or the first on the host's `PATH`.
pub(crate) fn find_bwrap(opts: &SandboxOptions) -> Result<PathBuf, SandboxError> {
    if let Some(path) = &opts.bwrap {
        return if path.is_file() { Ok(path.clone()) } else { Err(SandboxError::BwrapMissing(Some(path.clone()))) };
    }
    let path = std::env::var_os("PATH").unwrap_or_else(|| OsString::from("/usr/local/bin:/usr/bin:/bin"));
    std::env::split_paths(&path)
        .map(|dir| dir.join("bwrap"))
        .find(|p| p.is_file())
        .ok_or(SandboxError::BwrapMissing(None))
}

/// What the bubblewrap command line is built from.
pub(crate) struct BwrapPlan<'a> {
    pub opts: &'a SandboxOptions,
    /// The host directory mounted at `/tmp`.
    pub temp: &'a Path,
    /// The step's working directory (inside the workspace).
    pub workdir: &'a Path,
    /// The file descriptor bwrap reports its child's exit status on.
    pub status_fd: i32,
    /// Descriptors bwrap reads seccomp programs from.
    pub seccomp_fds: &'a [i32],
}

/// Returns bwrap's arguments up to and including `--`; the command follows.
pub(crate) fn bwrap_args(plan: &BwrapPlan<'_>) -> Vec<OsString> {
    let mut a: Vec<OsString> = Vec::new();
    let mut push = |items: &[&std::ffi::OsStr]| a.extend(items.iter().map(|s| s.to_os_string()));
    push(&["--unshare-all".as_ref(), "--die-with-parent".as_ref(), "--new-session".as_ref()]);
    if plan.opts.network {
        push(&["--share-net".as_ref()]);
    }
    for dir in &plan.opts.read_only {
        match std::fs::symlink_metadata(dir) {
            Ok(m) if m.file_type().is_symlink() => {
                if let Ok(target) = std::fs::read_link(dir) {
                    push(&["--symlink".as_ref(), target.as_os_str(), dir.as_os_str()]);
                }
            }
            Ok(_) => push(&["--ro-bind".as_ref(), dir.as_os_str(), dir.as_os_str()]),
            Err(_) => {}
        }
    }
    // A minimal /dev, read-only but for a private /dev/shm.
    push(&["--proc".as_ref(), "/proc".as_ref(), "--dev".as_ref(), "/dev".as_ref()]);
    push(&["--tmpfs".as_ref(), "/dev/shm".as_ref(), "--remount-ro".as_ref(), "/dev".as_ref()]);
    // `/tmp` first: a workspace under `/tmp` is then mounted on top of it.
    push(&["--bind".as_ref(), plan.temp.as_os_str(), "/tmp".as_ref()]);
    let ws = plan.opts.workspace.as_os_str();
    push(&["--bind".as_ref(), ws, ws]);
    // Read-only directories under `/tmp` (such as an actions directory) would be hidden by it:
    // they are mounted again on top.
    for dir in plan.opts.read_only.iter().filter(|d| d.starts_with("/tmp") && d.is_dir()) {
        push(&["--ro-bind".as_ref(), dir.as_os_str(), dir.as_os_str()]);
    }
    if let Some(event) = &plan.opts.event_file {
        push(&["--ro-bind".as_ref(), event.as_os_str(), EVENT_PATH.as_ref()]);
    }
    push(&["--remount-ro".as_ref(), "/".as_ref(), "--chdir".as_ref(), plan.workdir.as_os_str()]);
    for fd in plan.seccomp_fds {
        let fd = fd.to_string();
        push(&["--add-seccomp-fd".as_ref(), fd.as_ref()]);
    }
    let fd = plan.status_fd.to_string();
    push(&["--json-status-fd".as_ref(), fd.as_ref(), "--".as_ref()]);
    a
}
