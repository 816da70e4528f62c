//! Runs one prepared command: rlimits and identity in the child, output capped, a wall-clock
//! timeout that kills the whole tree.

use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use crate::error::SandboxError;
use crate::sandbox::{Identity, Limits};

/// How the child is set up before `exec`.
pub(crate) struct ChildSetup {
    pub limits: Limits,
    /// Switches to this identity (groups, gid, then uid) after setting the limits.
    pub identity: Option<Identity>,
    /// Descriptors the child inherits, under the same numbers (every other one is closed on
    /// `exec`).
    pub inherit: Vec<RawFd>,
    /// `cgroup.procs` files the child joins (writing `0`), before it changes identity.
    pub cgroups: Vec<std::ffi::CString>,
}

/// What came back from a finished (or killed) process.
pub(crate) struct Finished {
    pub status: ExitStatus,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    pub timed_out: bool,
}

/// Creates a pipe whose ends are closed on `exec`.
pub(crate) fn pipe() -> Result<(OwnedFd, OwnedFd), SandboxError> {
    let mut fds = [0 as RawFd; 2];
    // SAFETY: `fds` has room for the two descriptors pipe2 writes.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return Err(SandboxError::io("creating a pipe", std::io::Error::last_os_error()));
    }
    // SAFETY: pipe2 succeeded, so both descriptors are open and owned by nobody else.
    Ok(unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) })
}

/// Installs `setup` on `cmd`: a new session, rlimits, the inherited descriptors and the
/// identity.
fn install(cmd: &mut Command, setup: &ChildSetup) {
    let limits = setup.limits;
    let identity = setup.identity;
    let inherit = setup.inherit.clone();
    let cgroups = setup.cgroups.clone();
    let hook = move || -> std::io::Result<()> {
        // Only async-signal-safe calls from here on: this runs between fork and exec.
        let check = |rc: libc::c_int| if rc == 0 { Ok(()) } else { Err(std::io::Error::last_os_error()) };
        // SAFETY: each call only reads its arguments; none touches memory shared with the parent.
        unsafe {
            if libc::setsid() < 0 {
                return Err(std::io::Error::last_os_error());
            }
            let set = |res, value: Option<u64>| match value {
                Some(v) => check(libc::setrlimit(res, &libc::rlimit { rlim_cur: v, rlim_max: v })),
                None => Ok(()),
            };
            set(libc::RLIMIT_NPROC, limits.processes)?;
            set(libc::RLIMIT_AS, limits.address_space)?;
            set(libc::RLIMIT_CPU, limits.cpu_seconds)?;
            for &fd in &inherit {
                check(libc::fcntl(fd, libc::F_SETFD, 0))?;
            }
            for procs in &cgroups {
                let fd = libc::open(procs.as_ptr(), libc::O_WRONLY | libc::O_CLOEXEC);
                if fd < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                let written = libc::write(fd, b"0".as_ptr().cast(), 1);
                libc::close(fd);
                if written != 1 {
                    return Err(std::io::Error::last_os_error());
                }
            }
            if let Some(id) = identity {
                check(libc::setgroups(0, std::ptr::null()))?;
                check(libc::setgid(id.gid))?;
                check(libc::setuid(id.uid))?;
                // A real switch: getting root back must fail.
                if libc::setuid(0) == 0 {
                    return Err(std::io::Error::from_raw_os_error(libc::EPERM));
                }
            }
        }
        Ok(())
    };
    // SAFETY: the hook only makes async-signal-safe system calls (see above).
    unsafe { cmd.pre_exec(hook) };
}

/// Spawns `cmd` with `setup`, collects at most `limit` bytes of each output stream and kills
/// the process (SIGKILL to it and its process group) when `timeout` passes.
pub(crate) fn run(
    mut cmd: Command,
    setup: &ChildSetup,
    timeout: Duration,
    limit: usize,
) -> Result<Finished, SandboxError> {
    cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = spawn(cmd, setup)?;
    let out = Collector::new(child.stdout.take().map(OwnedFd::from), limit);
    let err = Collector::new(child.stderr.take().map(OwnedFd::from), limit);
    let deadline = Instant::now().checked_add(timeout);
    let mut streams = [out, err];
    let (status, timed_out) = wait(&mut child, &mut streams, deadline)?;
    // The tree is gone (or, without a sandbox, may have escaped): read what is left, briefly.
    drain(&mut streams, Instant::now() + Duration::from_millis(200));
    let [out, err] = streams;
    Ok(Finished { status, stdout: out.finish(), stderr: err.finish(), timed_out })
}

/// Spawns `cmd` with `setup` installed; the caller has set its standard streams.
pub(crate) fn spawn(mut cmd: Command, setup: &ChildSetup) -> Result<Child, SandboxError> {
    install(&mut cmd, setup);
    cmd.spawn().map_err(|e| SandboxError::io(format!("starting {:?}", cmd.get_program()), e))
}

/// Polls the output streams and the child until it exits or the deadline passes.
fn wait(
    child: &mut Child,
    streams: &mut [Collector; 2],
    deadline: Option<Instant>,
) -> Result<(ExitStatus, bool), SandboxError> {
    let pidfd = pidfd_open(child.id());
    loop {
        if let Some(status) = child.try_wait().map_err(|e| SandboxError::io("waiting for the step", e))? {
            return Ok((status, false));
        }
        let now = Instant::now();
        if deadline.is_some_and(|d| now >= d) {
            kill_tree(child);
            let status = child.wait().map_err(|e| SandboxError::io("waiting for the killed step", e))?;
            return Ok((status, true));
        }
        let mut wait_ms = poll_ms(deadline, now);
        if pidfd.is_none() {
            wait_ms = wait_ms.min(5);
        }
        poll_once(streams, pidfd.as_ref().map(|f| f.as_raw_fd()), wait_ms);
    }
}

/// Returns how long one poll may wait: until `deadline` (a millisecond past it), at most a
/// second so the caller checks the clock again.
pub(crate) fn poll_ms(deadline: Option<Instant>, now: Instant) -> i32 {
    deadline.map_or(1000, |d| d.saturating_duration_since(now).as_millis().min(1000) as i32 + 1)
}

/// Kills the child and everything in its process group. Inside bubblewrap the child is bwrap
/// itself, whose death takes its pid namespace with it (`--die-with-parent`).
fn kill_tree(child: &mut Child) {
    let pid = child.id() as libc::pid_t;
    // SAFETY: plain system calls on a pid we own and have not reaped yet.
    unsafe {
        libc::kill(pid, libc::SIGKILL);
        libc::killpg(pid, libc::SIGKILL);
    }
}

/// Waits until process `pid` (not necessarily a child) has exited, for at most `limit`.
pub(crate) fn wait_gone(pid: u32, limit: Duration) {
    let Some(fd) = pidfd_open(pid) else { return };
    let mut pfd = libc::pollfd { fd: fd.as_raw_fd(), events: libc::POLLIN, revents: 0 };
    // SAFETY: one valid pollfd.
    unsafe { libc::poll(&mut pfd, 1, limit.as_millis().min(i32::MAX as u128) as i32) };
}

/// Opens a pidfd for `pid`, readable once the process exits; `None` on kernels without it.
pub(crate) fn pidfd_open(pid: u32) -> Option<OwnedFd> {
    // SAFETY: pidfd_open takes a pid and flags and returns a new descriptor or -1.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid as libc::pid_t, 0) };
    // SAFETY: a non-negative result is a fresh descriptor we own.
    (fd >= 0).then(|| unsafe { OwnedFd::from_raw_fd(fd as RawFd) })
}

/// Waits up to `wait_ms` for output or the child's exit, then reads what arrived.
pub(crate) fn poll_once(streams: &mut [Collector; 2], pidfd: Option<RawFd>, wait_ms: i32) {
    let mut fds: Vec<libc::pollfd> = Vec::with_capacity(3);
    for s in streams.iter() {
        if let Some(fd) = &s.fd {
            fds.push(libc::pollfd { fd: fd.as_raw_fd(), events: libc::POLLIN, revents: 0 });
        }
    }
    if let Some(fd) = pidfd {
        fds.push(libc::pollfd { fd, events: libc::POLLIN, revents: 0 });
    }
    if fds.is_empty() {
        std::thread::sleep(Duration::from_millis(wait_ms.max(0) as u64));
        return;
    }
    // SAFETY: `fds` is a valid array of `fds.len()` pollfd structures.
    unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, wait_ms) };
    for s in streams.iter_mut() {
        s.read_available();
    }
}

/// Reads the streams until both end or `until` passes.
pub(crate) fn drain(streams: &mut [Collector; 2], until: Instant) {
    while streams.iter().any(|s| s.fd.is_some()) {
        let now = Instant::now();
        if now >= until {
            break;
        }
        let ms = until.saturating_duration_since(now).as_millis() as i32 + 1;
        poll_once(streams, None, ms);
    }
}

/// One output stream, read without blocking and kept up to a limit.
pub(crate) struct Collector {
    fd: Option<OwnedFd>,
    buf: Vec<u8>,
    limit: usize,
    dropped: u64,
}

impl Collector {
    /// Wraps `fd`, switching it to non-blocking reads.
    pub(crate) fn new(fd: Option<OwnedFd>, limit: usize) -> Self {
        if let Some(fd) = &fd {
            // SAFETY: fcntl on a descriptor we own.
            unsafe {
                let flags = libc::fcntl(fd.as_raw_fd(), libc::F_GETFL);
                libc::fcntl(fd.as_raw_fd(), libc::F_SETFL, flags | libc::O_NONBLOCK);
            }
        }
        Collector { fd, buf: Vec::new(), limit, dropped: 0 }
    }

    /// Reads what is available now, up to 1 MiB so a flood cannot starve the timeout; closes
    /// the stream at its end.
    pub(crate) fn read_available(&mut self) {
        let Some(fd) = &self.fd else { return };
        let raw = fd.as_raw_fd();
        let mut chunk = [0u8; 64 * 1024];
        for _ in 0..16 {
            // SAFETY: `chunk` is writable for its full length.
            let n = unsafe { libc::read(raw, chunk.as_mut_ptr().cast(), chunk.len()) };
            if n > 0 {
                self.keep(&chunk[..n as usize]);
                continue;
            }
            let err = std::io::Error::last_os_error();
            if n < 0 && err.kind() == std::io::ErrorKind::Interrupted {
                continue;
            }
            if n == 0 || err.kind() != std::io::ErrorKind::WouldBlock {
                self.fd = None;
            }
            return;
        }
    }

    /// Returns the descriptor while the stream is open.
    pub(crate) fn raw_fd(&self) -> Option<RawFd> {
        self.fd.as_ref().map(AsRawFd::as_raw_fd)
    }

    /// Reads until nothing more is available right now; returns whether the stream is still
    /// open (its writers may write more later).
    pub(crate) fn read_now(&mut self) -> bool {
        loop {
            let before = self.buf.len() as u64 + self.dropped;
            self.read_available();
            if self.fd.is_none() || self.buf.len() as u64 + self.dropped == before {
                return self.fd.is_some();
            }
        }
    }

    /// Hands the still-open stream to a thread that reads and drops whatever its writers (the
    /// processes a step left running) write, until they close it, so they never block or die
    /// of a broken pipe.
    pub(crate) fn linger(&mut self) {
        let Some(fd) = self.fd.take() else { return };
        // SAFETY: fcntl on a descriptor we own: back to blocking reads.
        unsafe {
            let flags = libc::fcntl(fd.as_raw_fd(), libc::F_GETFL);
            libc::fcntl(fd.as_raw_fd(), libc::F_SETFL, flags & !libc::O_NONBLOCK);
        }
        let spawned = std::thread::Builder::new().name("w3-step-output".into()).stack_size(64 << 10).spawn(move || {
            let mut file = std::fs::File::from(fd);
            let mut chunk = [0u8; 4096];
            while std::io::Read::read(&mut file, &mut chunk).is_ok_and(|n| n > 0) {}
        });
        // Without a thread the stream is closed: later writes fail with a broken pipe.
        drop(spawned);
    }

    /// Keeps what fits under the limit and counts the rest.
    fn keep(&mut self, bytes: &[u8]) {
        let room = self.limit.saturating_sub(self.buf.len());
        let take = room.min(bytes.len());
        self.buf.extend_from_slice(&bytes[..take]);
        self.dropped += (bytes.len() - take) as u64;
    }

    /// Returns the kept bytes, with a marker when some were dropped.
    pub(crate) fn finish(self) -> Vec<u8> {
        let mut buf = self.buf;
        if self.dropped > 0 {
            let marker = format!("\n[w3: output truncated: {} more bytes dropped]\n", self.dropped);
            buf.extend_from_slice(marker.as_bytes());
        }
        buf
    }
}

/// Returns the exit code a shell would report: the code, or 128 + the signal that killed it.
pub(crate) fn exit_code(status: ExitStatus) -> i32 {
    status.code().unwrap_or_else(|| 128 + status.signal().unwrap_or(0))
}
