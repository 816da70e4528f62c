//! One sandbox per job: bubblewrap's set-up paid once, every step of the job started inside it.
//!
//! A [`JobSandbox`] starts bubblewrap with the sandbox agent ([`crate::agent`]) as its only
//! process, with the same namespaces, mounts, identity and rlimits a single step's sandbox has.
//! Each step is then a request to the agent, which starts it in the sandbox; the step's output
//! comes back through pipes the host reads itself. As on GitHub's runners, the steps of a job
//! share its `/tmp` and its processes: a server a step starts in the background is still there
//! for the next step, and is ended with the job (when the `JobSandbox` is dropped).
//!
//! A step that runs past its timeout cannot be told apart from what it left running (a
//! descendant may have started a session of its own), so the timeout ends the whole sandbox,
//! every process in it included; the next step of the job starts a fresh one, with the same
//! workspace and `/tmp`. Steps of the job running at that moment end as killed.

use std::io::Read;
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::os::unix::net::UnixStream;
use std::os::unix::process::ExitStatusExt;
use std::path::PathBuf;
use std::process::{Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use w3_host_api::HostResult;

use crate::agent::{self, StepCommand, READY};
use crate::cgroup::JobCgroup;
use crate::error::SandboxError;
use crate::process::{self, ChildSetup, Collector, Finished};
use crate::sandbox::{self, AgentCommand, BwrapPlan, Sandbox, SandboxOptions};
use crate::shell::{self, ShellRequest};

/// How long a new sandbox may take to report ready.
const READY_TIMEOUT: Duration = Duration::from_secs(30);

/// A job's sandbox; see the module documentation.
pub struct JobSandbox {
    /// The options, with `temp` set to the job's `/tmp`.
    opts: SandboxOptions,
    bwrap: PathBuf,
    agent: AgentCommand,
    /// The host directory holding bubblewrap's log and, unless the options named one, the job's
    /// `/tmp`; removed on drop.
    dir: PathBuf,
    /// The sandbox running now, if any.
    live: Mutex<Option<Arc<Live>>>,
    /// The job's control groups, when the host has them; removed after the sandbox ends.
    cgroup: Option<JobCgroup>,
}

impl std::fmt::Debug for JobSandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JobSandbox").field("dir", &self.dir).finish_non_exhaustive()
    }
}

impl JobSandbox {
    /// Starts a sandbox for a job with `opts`, which must choose bubblewrap and name an agent.
    /// Its `/tmp` is `opts.temp`, or a fresh directory removed with the sandbox.
    pub fn start(opts: &SandboxOptions) -> Result<JobSandbox, SandboxError> {
        if !opts.workspace.is_absolute() {
            return Err(SandboxError::WorkspaceNotAbsolute(opts.workspace.clone()));
        }
        if opts.sandbox != Sandbox::Bwrap {
            return Err(SandboxError::Setup("a job sandbox needs bubblewrap".into()));
        }
        if sandbox::running_as_root() && opts.step_identity().is_none() {
            return Err(SandboxError::RootStep);
        }
        let agent = opts.agent.clone().ok_or_else(|| SandboxError::Setup("no sandbox agent is configured".into()))?;
        let bwrap = sandbox::find_bwrap(opts)?;
        let dir = sandbox::fresh_temp_dir("job")?;
        let mut opts = opts.clone();
        if opts.temp.is_none() {
            let tmp = dir.join("tmp");
            let made = std::fs::create_dir(&tmp)
                .map_err(|e| SandboxError::io(format!("creating {}", tmp.display()), e))
                .and_then(|()| sandbox::private_to_steps(&tmp, &opts));
            if let Err(e) = made {
                let _ = std::fs::remove_dir_all(&dir);
                return Err(e);
            }
            opts.temp = Some(tmp);
        }
        let name = dir.file_name().map_or_else(String::new, |n| n.to_string_lossy().into_owned());
        let cgroup = match JobCgroup::create(&name, &opts.cgroup) {
            Ok(c) => c,
            Err(e) => {
                let _ = std::fs::remove_dir_all(&dir);
                return Err(e);
            }
        };
        let job = JobSandbox { opts, bwrap, agent, dir, live: Mutex::new(None), cgroup };
        job.live()?;
        Ok(job)
    }

    /// The control groups the job's processes are counted in ([`SandboxOptions::cgroup`]);
    /// empty where the host has none for w3.
    pub fn cgroups(&self) -> &[PathBuf] {
        self.cgroup.as_ref().map_or(&[], |c| c.dirs())
    }

    /// The options steps run with (`temp` is the job's `/tmp`).
    pub fn options(&self) -> &SandboxOptions {
        &self.opts
    }

    /// Runs one step in the job's sandbox, as [`shell::run`] would in a sandbox of its own.
    pub fn run(&self, req: &ShellRequest<'_>) -> Result<HostResult, SandboxError> {
        shell::run_in_job(req, self)
    }

    /// Returns the running sandbox, starting one when there is none or the last one ended.
    fn live(&self) -> Result<Arc<Live>, SandboxError> {
        let mut live = self.live.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(l) = live.as_ref().filter(|l| !l.dead.load(Ordering::SeqCst)) {
            return Ok(l.clone());
        }
        if let Some(old) = live.take() {
            old.stop();
        }
        let started = Arc::new(Live::start(self)?);
        *live = Some(started.clone());
        Ok(started)
    }

    /// Starts `cmd` in the sandbox and waits for it, collecting at most `limit` bytes of each
    /// output stream; past `timeout` the sandbox is ended and the step reported killed.
    pub(crate) fn exec(&self, cmd: &StepCommand, timeout: Duration, limit: usize) -> Result<Finished, SandboxError> {
        let body = cmd.encode();
        // A sandbox that ended since the last step (a timeout) is replaced once.
        let mut attempt = 0;
        let (live, out, err, status) = loop {
            let live = self.live()?;
            let (out_r, out_w) = process::pipe()?;
            let (err_r, err_w) = process::pipe()?;
            let (status_r, status_w) = process::pipe()?;
            let sent = {
                let control = live.control.lock().unwrap_or_else(|e| e.into_inner());
                agent::send(&control, &body, &[out_w.as_fd(), err_w.as_fd(), status_w.as_fd()])
            };
            match sent {
                Ok(()) => break (live, out_r, err_r, status_r),
                Err(_) if attempt == 0 => {
                    live.stop();
                    attempt += 1;
                }
                Err(e) => return Err(SandboxError::io("handing the step to the job's sandbox", e)),
            }
        };
        let mut streams = [Collector::new(Some(out), limit), Collector::new(Some(err), limit)];
        let mut status = Collector::new(Some(status), 4096);
        let deadline = Instant::now().checked_add(timeout);
        while let Some(fd) = status.raw_fd() {
            let now = Instant::now();
            if deadline.is_some_and(|d| now >= d) {
                live.stop();
                process::drain(&mut streams, Instant::now() + Duration::from_millis(200));
                let [out, err] = streams;
                let status = ExitStatus::from_raw(libc::SIGKILL);
                return Ok(Finished { status, stdout: out.finish(), stderr: err.finish(), timed_out: true });
            }
            let wait_ms = process::poll_ms(deadline, now);
            process::poll_once(&mut streams, Some(fd), wait_ms);
            status.read_available();
        }
        let line = String::from_utf8_lossy(&status.finish()).into_owned();
        // What the step wrote is in the pipes now; what it left running may write more later.
        for s in &mut streams {
            if s.read_now() {
                s.linger();
            }
        }
        let [out, err] = streams;
        let (stdout, mut stderr) = (out.finish(), err.finish());
        let status = match line.trim_end().split_once(' ') {
            Some(("exit", code)) => ExitStatus::from_raw(code.parse::<i32>().unwrap_or(1).clamp(0, 255) << 8),
            Some(("signal", sig)) => ExitStatus::from_raw(sig.parse::<i32>().unwrap_or(libc::SIGKILL) & 0x7f),
            Some(("error", why)) => return Err(SandboxError::Setup(why.to_string())),
            _ => {
                // The agent ended without a word: the sandbox was ended under the step.
                stderr.extend_from_slice(b"[w3: the job's sandbox ended while the step ran]\n");
                ExitStatus::from_raw(libc::SIGKILL)
            }
        };
        Ok(Finished { status, stdout, stderr, timed_out: false })
    }
}

impl Drop for JobSandbox {
    fn drop(&mut self) {
        if let Some(live) = self.live.lock().unwrap_or_else(|e| e.into_inner()).take() {
            live.stop();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A running sandbox: bubblewrap with the agent inside.
struct Live {
    /// The host's end of the agent's socket.
    control: Mutex<UnixStream>,
    /// bubblewrap's pid, and a pidfd for it when the kernel has them.
    pid: u32,
    pidfd: Option<OwnedFd>,
    /// The sandbox's pid 1: when it is gone, so is every process in the sandbox.
    init_pid: Option<u32>,
    /// The thread that started bubblewrap and waits for it. bubblewrap's `--die-with-parent`
    /// follows the thread that started it, so that thread lives as long as the sandbox.
    keeper: Mutex<Option<JoinHandle<()>>>,
    dead: AtomicBool,
}

impl Live {
    /// Starts bubblewrap with the agent for `job` and waits until the agent is ready.
    fn start(job: &JobSandbox) -> Result<Live, SandboxError> {
        let opts = &job.opts;
        let temp = opts.temp.as_deref().unwrap_or(&job.dir);
        let log_path = job.dir.join("bwrap.log");
        let log = std::fs::File::create(&log_path)
            .map_err(|e| SandboxError::io(format!("creating {}", log_path.display()), e))?;
        let exe = std::fs::File::open(&job.agent.program)
            .map_err(|e| SandboxError::io(format!("opening the sandbox agent {}", job.agent.program.display()), e))?;
        let (host, inside) = UnixStream::pair().map_err(|e| SandboxError::io("creating the agent's socket", e))?;
        let (status_r, status_w) = process::pipe()?;
        let (seccomp, seccomp_fds) = crate::seccomp::pipes_for(opts)?;
        let plan = BwrapPlan {
            opts,
            temp,
            workdir: &opts.workspace,
            status_fd: status_w.as_raw_fd(),
            seccomp_fds: &seccomp_fds,
        };
        let mut cmd = Command::new(&job.bwrap);
        cmd.args(sandbox::bwrap_args(&plan)).arg(format!("/proc/self/fd/{}", exe.as_raw_fd()));
        cmd.args(&job.agent.args).arg(inside.as_raw_fd().to_string()).arg(exe.as_raw_fd().to_string());
        cmd.env_clear().current_dir("/").stdin(Stdio::null()).stdout(Stdio::null());
        cmd.stderr(log.try_clone().map_err(|e| SandboxError::io("opening bubblewrap's log", e))?);
        let setup = ChildSetup {
            limits: opts.limits,
            identity: opts.step_identity(),
            inherit: [status_w.as_raw_fd(), inside.as_raw_fd(), exe.as_raw_fd()]
                .into_iter()
                .chain(seccomp_fds.iter().copied())
                .collect(),
            cgroups: job.cgroup.as_ref().map(|c| c.procs_files().to_vec()).unwrap_or_default(),
        };
        let (tx, rx) = std::sync::mpsc::channel();
        let keeper = std::thread::Builder::new()
            .name("w3-job-sandbox".into())
            .stack_size(64 << 10)
            .spawn(move || {
                let spawned = process::spawn(cmd, &setup);
                // The descriptors are the sandbox's now.
                drop((inside, exe, status_w, seccomp));
                match spawned {
                    Ok(mut child) => {
                        let pidfd = process::pidfd_open(child.id());
                        let _ = tx.send(Ok((child.id(), pidfd)));
                        let _ = child.wait();
                    }
                    Err(e) => drop(tx.send(Err(e))),
                }
            })
            .map_err(|e| SandboxError::io("starting the job sandbox's thread", e))?;
        let (pid, pidfd) = match rx.recv() {
            Ok(r) => r?,
            Err(_) => return Err(SandboxError::Setup("the job sandbox's thread ended".into())),
        };
        let mut live = Live {
            control: Mutex::new(host),
            pid,
            pidfd,
            init_pid: None,
            keeper: Mutex::new(Some(keeper)),
            dead: AtomicBool::new(false),
        };
        let mut ready = [0u8; 1];
        let control = live.control.get_mut().unwrap_or_else(|e| e.into_inner());
        let _ = control.set_read_timeout(Some(READY_TIMEOUT));
        let answered = (&*control).read(&mut ready).is_ok_and(|n| n == 1 && ready[0] == READY);
        let _ = control.set_read_timeout(None);
        live.init_pid = shell::json_number(&shell::read_status(&status_r), "child-pid").map(|p| p as u32);
        if !answered {
            live.stop();
            let message = std::fs::read_to_string(&log_path).unwrap_or_default().trim().to_string();
            let message = if message.is_empty() { "the sandbox agent did not start".to_string() } else { message };
            return Err(SandboxError::Setup(shell::setup_hint(message, opts)));
        }
        Ok(live)
    }

    /// Ends the sandbox and every process in it, and waits until they are gone.
    fn stop(&self) {
        self.dead.store(true, Ordering::SeqCst);
        // SAFETY: signalling through a pidfd we own, or a pid we have not reaped (the keeper
        // thread reaps it, and is joined below).
        unsafe {
            match &self.pidfd {
                Some(fd) => {
                    libc::syscall(
                        libc::SYS_pidfd_send_signal,
                        fd.as_raw_fd(),
                        libc::SIGKILL,
                        std::ptr::null::<u8>(),
                        0,
                    );
                }
                None => {
                    if self.keeper.lock().unwrap_or_else(|e| e.into_inner()).is_some() {
                        libc::kill(self.pid as libc::pid_t, libc::SIGKILL);
                    }
                }
            }
        }
        if let Some(pid) = self.init_pid {
            process::wait_gone(pid, Duration::from_secs(2));
        }
        if let Some(keeper) = self.keeper.lock().unwrap_or_else(|e| e.into_inner()).take() {
            let _ = keeper.join();
        }
    }
}
