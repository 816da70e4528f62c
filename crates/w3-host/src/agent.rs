//! The sandbox agent: the one process a job's sandbox starts with, which starts the job's steps
//! inside it.
//!
//! Setting up bubblewrap's namespaces and mounts costs several milliseconds, which one sandbox per
//! step pays again for every step. A [`JobSandbox`](crate::job::JobSandbox) pays it once: its
//! sandbox runs this agent, and each step is a request to it over a Unix socket. The request
//! carries the step's command line, environment and working directory as bytes, and three
//! descriptors as `SCM_RIGHTS`: the write ends of the step's stdout and stderr pipes and of a
//! status pipe. The agent starts the step with those as its output (in a process group of its own,
//! inheriting the sandbox's identity and rlimits), and when the step ends writes `exit N` or
//! `signal N` on the status pipe and closes it; a step that cannot be started gets `error ...`.
//! The host reads the output pipes itself, so nothing is copied twice.
//!
//! The agent is single-threaded: it waits in `poll` for the next request or the end of a running
//! step (through a pidfd per step). When the host closes its end of the socket the agent exits,
//! and bubblewrap ends every process left in the sandbox with it.
//!
//! The agent is an entry point of a binary (the `w3` binary's hidden `__sandbox-agent` command,
//! or this crate's `w3-sandbox-agent` for tests), see [`AgentCommand`](crate::sandbox::AgentCommand).

use std::io::{IoSlice, IoSliceMut, Read, Write};
use std::mem::MaybeUninit;
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::net::UnixStream;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use rustix::net::{
    recvmsg, sendmsg, RecvAncillaryBuffer, RecvAncillaryMessage, RecvFlags, SendAncillaryBuffer, SendAncillaryMessage,
    SendFlags,
};

/// The argument that selects the agent in the `w3` binary.
pub const AGENT_ARG: &str = "__sandbox-agent";

/// The largest request the agent accepts: 64 MiB of command line and environment.
const MAX_REQUEST: usize = 64 << 20;

/// The byte the agent sends once it is ready for requests.
pub(crate) const READY: u8 = b'R';

/// A step for the agent to start.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct StepCommand {
    pub program: String,
    pub args: Vec<String>,
    /// The whole environment, `NAME=value`.
    pub env: Vec<String>,
    pub cwd: PathBuf,
}

impl StepCommand {
    /// Encodes the command as NUL-terminated fields: program, directory, the argument count and
    /// the arguments, the variable count and the variables. None of them can contain NUL
    /// (`execve` could not pass it), so the encoding is unambiguous.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        let mut field = |s: &[u8]| {
            out.extend_from_slice(s);
            out.push(0);
        };
        field(self.program.as_bytes());
        field(self.cwd.as_os_str().as_encoded_bytes());
        field(self.args.len().to_string().as_bytes());
        self.args.iter().for_each(|a| field(a.as_bytes()));
        field(self.env.len().to_string().as_bytes());
        self.env.iter().for_each(|v| field(v.as_bytes()));
        out
    }

    /// Decodes what [`StepCommand::encode`] wrote.
    pub fn decode(bytes: &[u8]) -> Result<StepCommand, String> {
        let mut fields = bytes.split(|&b| b == 0);
        let mut next = |what: &str| -> Result<String, String> {
            let f = fields.next().ok_or(format!("the request ends before its {what}"))?;
            String::from_utf8(f.to_vec()).map_err(|_| format!("the request's {what} is not UTF-8"))
        };
        let program = next("program")?;
        let cwd = PathBuf::from(next("working directory")?);
        let count = |s: String| s.parse::<usize>().map_err(|_| format!("`{s}` is not a count"));
        let n = count(next("argument count")?)?;
        let args = (0..n).map(|_| next("arguments")).collect::<Result<Vec<_>, _>>()?;
        let n = count(next("variable count")?)?;
        let env = (0..n).map(|_| next("variables")).collect::<Result<Vec<_>, _>>()?;
        match (fields.next(), fields.next()) {
            (Some([]), None) => Ok(StepCommand { program, args, env, cwd }),
            _ => Err("the request has bytes after its last field".into()),
        }
    }
}

/// Sends one request: its length, its bytes, and `fds` along with them.
pub(crate) fn send(sock: &UnixStream, body: &[u8], fds: &[BorrowedFd<'_>]) -> std::io::Result<()> {
    let header = u32::try_from(body.len()).map_err(|_| std::io::ErrorKind::InvalidInput)?.to_le_bytes();
    let mut space = [MaybeUninit::uninit(); rustix::cmsg_space!(ScmRights(3))];
    let mut control = SendAncillaryBuffer::new(&mut space);
    if !control.push(SendAncillaryMessage::ScmRights(fds)) {
        return Err(std::io::ErrorKind::InvalidInput.into());
    }
    let sent = sendmsg(sock, &[IoSlice::new(&header), IoSlice::new(body)], &mut control, SendFlags::NOSIGNAL)?;
    // A stream socket may take part of a large message; the descriptors went with the first byte.
    if sent < header.len() {
        (&*sock).write_all(&header[sent..])?;
        (&*sock).write_all(body)?;
    } else {
        (&*sock).write_all(&body[sent - header.len()..])?;
    }
    Ok(())
}

/// Receives one request and the descriptors sent with it (close-on-exec); `None` when the host
/// closed the socket.
pub(crate) fn receive(sock: &UnixStream) -> std::io::Result<Option<(Vec<u8>, Vec<OwnedFd>)>> {
    let mut header = [0u8; 4];
    let mut space = [MaybeUninit::uninit(); rustix::cmsg_space!(ScmRights(3))];
    let mut control = RecvAncillaryBuffer::new(&mut space);
    let got = loop {
        match recvmsg(sock, &mut [IoSliceMut::new(&mut header)], &mut control, RecvFlags::CMSG_CLOEXEC) {
            Ok(m) => break m.bytes,
            Err(rustix::io::Errno::INTR) => continue,
            Err(e) => return Err(e.into()),
        }
    };
    let mut fds = Vec::new();
    for message in control.drain() {
        if let RecvAncillaryMessage::ScmRights(received) = message {
            fds.extend(received);
        }
    }
    if got == 0 {
        return Ok(None);
    }
    (&*sock).read_exact(&mut header[got..])?;
    let len = u32::from_le_bytes(header) as usize;
    if len > MAX_REQUEST {
        return Err(std::io::Error::new(std::io::ErrorKind::InvalidData, format!("a request of {len} bytes")));
    }
    let mut body = vec![0u8; len];
    (&*sock).read_exact(&mut body)?;
    Ok(Some((body, fds)))
}

/// A step the agent started and waits for.
struct Running {
    child: Child,
    /// Readable when the step has exited; `None` on kernels without pidfds (then polled).
    pidfd: Option<OwnedFd>,
    status: std::fs::File,
}

/// Runs the agent on the socket `sock` (inherited by number): returns when the host closes the
/// socket. `exe` is the descriptor the agent's own binary was started from, closed here.
pub fn serve(sock: RawFd, exe: Option<RawFd>) -> i32 {
    // SAFETY: the host passes these descriptors to the agent and nothing else owns them.
    let sock = unsafe { UnixStream::from_raw_fd(sock) };
    if let Some(fd) = exe {
        // SAFETY: as above; closing it keeps the binary's descriptor out of the steps.
        drop(unsafe { OwnedFd::from_raw_fd(fd) });
    }
    // SAFETY: fcntl on a descriptor we own (steps must not inherit the socket); prctl names
    // this process for `ps` (it was started through a descriptor, so its name is a number).
    unsafe {
        libc::fcntl(sock.as_raw_fd(), libc::F_SETFD, libc::FD_CLOEXEC);
        libc::prctl(libc::PR_SET_NAME, c"w3-agent".as_ptr(), 0, 0, 0);
    }
    if (&sock).write_all(&[READY]).is_err() {
        return 1;
    }
    let mut running: Vec<Running> = Vec::new();
    loop {
        let mut fds = vec![libc::pollfd { fd: sock.as_raw_fd(), events: libc::POLLIN, revents: 0 }];
        fds.extend(running.iter().filter_map(|r| r.pidfd.as_ref()).map(|fd| libc::pollfd {
            fd: fd.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        }));
        let timeout = if running.iter().any(|r| r.pidfd.is_none()) { 10 } else { -1 };
        // SAFETY: `fds` is a valid array of `fds.len()` pollfd structures.
        unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, timeout) };
        running.retain_mut(|r| !finished(r));
        if fds[0].revents == 0 {
            continue;
        }
        match receive(&sock) {
            Ok(Some((body, fds))) => {
                if let Some(r) = start(&body, fds) {
                    running.push(r);
                }
            }
            Ok(None) | Err(_) => return 0,
        }
    }
}

/// Reports whether `r` has ended, writing its status if so.
fn finished(r: &mut Running) -> bool {
    match r.child.try_wait() {
        Ok(Some(status)) => {
            let line = match (status.code(), status.signal()) {
                (Some(code), _) => format!("exit {code}\n"),
                (None, Some(sig)) => format!("signal {sig}\n"),
                (None, None) => "exit 128\n".to_string(),
            };
            let _ = r.status.write_all(line.as_bytes());
            true
        }
        Ok(None) => false,
        Err(e) => {
            let _ = r.status.write_all(format!("error waiting for the step: {e}\n").as_bytes());
            true
        }
    }
}

/// Starts the step `body` describes with the descriptors sent along; `None` when it could not
/// be started (the status pipe then says why).
fn start(body: &[u8], fds: Vec<OwnedFd>) -> Option<Running> {
    let [stdout, stderr, status]: [OwnedFd; 3] = fds.try_into().ok()?;
    let mut status = std::fs::File::from(status);
    let cmd = match StepCommand::decode(body) {
        Ok(c) => c,
        Err(e) => {
            let _ = status.write_all(format!("error {e}\n").as_bytes());
            return None;
        }
    };
    let mut command = Command::new(&cmd.program);
    command.args(&cmd.args).env_clear().current_dir(&cmd.cwd);
    command.envs(cmd.env.iter().map(|v| v.split_once('=').unwrap_or((v, ""))));
    command.stdin(Stdio::null()).stdout(Stdio::from(stdout)).stderr(Stdio::from(stderr));
    // A process group of its own, as a shell gives each job; set by posix_spawn, which is
    // cheaper than fork for the agent.
    command.process_group(0);
    match command.spawn() {
        Ok(child) => {
            let pidfd = crate::process::pidfd_open(child.id());
            Some(Running { child, pidfd, status })
        }
        Err(e) => {
            let _ = status.write_all(format!("error {}: {e}\n", cmd.program).as_bytes());
            None
        }
    }
}

/// Runs the agent from its command-line arguments (those after [`AGENT_ARG`]): the socket's
/// descriptor number, then the binary's.
pub fn main_with_args(args: &[String]) -> i32 {
    let number = |i: usize| args.get(i).and_then(|a| a.parse::<RawFd>().ok());
    match number(0) {
        Some(sock) => serve(sock, number(1)),
        None => {
            eprintln!("w3 sandbox agent: expected the socket's descriptor number");
            2
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::fd::AsFd;

    #[test]
    fn step_commands_round_trip() {
        let cmd = StepCommand {
            program: "/usr/bin/bash".into(),
            args: vec!["-e".into(), String::new(), "a b".into()],
            env: vec!["A=1".into(), "B=x=y".into(), "EMPTY=".into()],
            cwd: PathBuf::from("/w/ws"),
        };
        assert_eq!(StepCommand::decode(&cmd.encode()).unwrap(), cmd);
        let none = StepCommand { program: "p".into(), args: vec![], env: vec![], cwd: PathBuf::from("/") };
        assert_eq!(StepCommand::decode(&none.encode()).unwrap(), none);
        let bytes = cmd.encode();
        for cut in 0..bytes.len() {
            assert!(StepCommand::decode(&bytes[..cut]).is_err(), "cut at {cut}");
        }
        assert!(StepCommand::decode(b"p\0/\0x\0").is_err());
        assert!(StepCommand::decode(b"p\0/\x000\x000\0extra\0").is_err());
    }

    #[test]
    fn requests_carry_descriptors() {
        let (a, b) = UnixStream::pair().unwrap();
        let (r, w) = crate::process::pipe().unwrap();
        let big = vec![b'x'; 1 << 20];
        std::thread::scope(|s| {
            s.spawn(|| send(&a, &big, &[w.as_fd()]).unwrap());
            let (body, fds) = receive(&b).unwrap().unwrap();
            assert_eq!(body.len(), big.len());
            assert_eq!(fds.len(), 1);
            std::fs::File::from(fds.into_iter().next().unwrap()).write_all(b"through").unwrap();
        });
        drop(w);
        let mut got = String::new();
        std::fs::File::from(r).read_to_string(&mut got).unwrap();
        assert_eq!(got, "through");
        drop(a);
        assert!(receive(&b).unwrap().is_none());
    }
}
