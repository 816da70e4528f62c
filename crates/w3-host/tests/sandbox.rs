//! The sandbox's promises, checked against real bubblewrap. Nothing is skipped: without `bwrap`
//! these tests fail and say how to install it (CI installs it through `.ci/run`).

use std::cell::RefCell;
use std::io::ErrorKind;
use std::net::TcpListener;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use w3_host::sandbox::running_as_root;
use w3_host::{
    AgentCommand, CgroupLimits, Identity, JobSandbox, Limits, Sandbox, SandboxError, SandboxOptions, ShellRequest,
};
use w3_host_api::{HostCall, HostError, HostResult, Shell, StepFiles};

/// The variables naming a step's file commands.
const FILE_COMMAND_VARS: [&str; 5] =
    ["GITHUB_OUTPUT=", "GITHUB_ENV=", "GITHUB_PATH=", "GITHUB_STATE=", "GITHUB_STEP_SUMMARY="];

/// A workspace under the system temp directory, removed on drop.
struct Fixture {
    root: PathBuf,
    opts: SandboxOptions,
    env: Vec<(String, String)>,
    path: Vec<String>,
    /// Whether steps run in one job sandbox (started with the options of the first step, and
    /// again whenever the options change) instead of a sandbox each.
    job: bool,
    sandbox: RefCell<Option<(String, JobSandbox)>>,
}

impl Fixture {
    /// Creates a workspace whose steps run as `uid` when the tests run as root, so that each
    /// test's processes can be told apart from every other's.
    fn new(name: &str, uid: u32) -> Fixture {
        require_bwrap();
        let root = std::env::temp_dir().join(format!("w3-host-test-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(&root).unwrap();
        std::fs::set_permissions(&root, std::fs::Permissions::from_mode(0o755)).unwrap();
        let mut opts = SandboxOptions::new(root.join("ws"));
        if running_as_root() {
            // Spread by process too, so concurrent test runs never share a uid's process count.
            let uid = 200_000 + (std::process::id() % 100_000) * 32 + (uid - 61_000);
            opts.identity = Some(Identity { uid, gid: uid });
        }
        opts.timeout = Duration::from_secs(20);
        opts.prepare_workspace().unwrap();
        let env = [("PATH", "/usr/local/bin:/usr/bin:/bin"), ("HOME", "/tmp"), ("LC_ALL", "C")]
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .to_vec();
        Fixture { root, opts, env, path: Vec::new(), job: false, sandbox: RefCell::new(None) }
    }

    /// The same fixture with its steps in one job sandbox, started by the agent binary.
    fn job(name: &str, uid: u32) -> Fixture {
        let mut f = Fixture::new(&format!("{name}-job"), uid);
        f.job = true;
        f.opts.agent =
            Some(AgentCommand { program: PathBuf::from(env!("CARGO_BIN_EXE_w3-sandbox-agent")), args: vec![] });
        f
    }

    /// A fixture of each kind: a sandbox per step, then one per job.
    fn both(name: &str, uid: u32) -> [Fixture; 2] {
        [Fixture::new(name, uid), Fixture::job(name, uid)]
    }

    fn ws(&self) -> &Path {
        &self.opts.workspace
    }

    /// Runs a bash script in the workspace.
    fn bash(&self, script: &str) -> Out {
        self.run(&Shell::Bash, script, "", 0).unwrap()
    }

    fn run(&self, shell: &Shell, script: &str, workdir: &str, timeout_ms: u64) -> Result<Out, SandboxError> {
        let req = ShellRequest { cmd: script, shell, env: &self.env, path: &self.path, workdir, timeout_ms };
        let start = Instant::now();
        let result = if self.job && self.opts.sandbox == Sandbox::Bwrap {
            let mut cached = self.sandbox.borrow_mut();
            let key = format!("{:?}", self.opts);
            if cached.as_ref().is_none_or(|(k, _)| *k != key) {
                *cached = None;
                *cached = Some((key, JobSandbox::start(&self.opts)?));
            }
            cached.as_ref().map(|(_, job)| job.run(&req)).expect("started above")?
        } else {
            w3_host::run(&req, &self.opts)?
        };
        match result {
            HostResult::Shell { exit_code, stdout, stderr, timed_out, files } => Ok(Out {
                code: exit_code,
                stdout: String::from_utf8_lossy(&stdout).into_owned(),
                stderr: String::from_utf8_lossy(&stderr).into_owned(),
                timed_out,
                elapsed: start.elapsed(),
                files,
            }),
            other => panic!("not a shell result: {other:?}"),
        }
    }

    /// Returns the host pids still running as this fixture's uid, zombies aside (empty unless
    /// running as root).
    fn leftover_pids(&self) -> Vec<u32> {
        let Some(id) = self.opts.identity else { return Vec::new() };
        let mut pids = Vec::new();
        for entry in std::fs::read_dir("/proc").unwrap().flatten() {
            let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else { continue };
            if std::fs::metadata(entry.path()).is_ok_and(|m| m.uid() == id.uid) {
                // A zombie has exited: it runs nothing and holds nothing but its pid until the
                // host's init reaps it.
                let status = std::fs::read_to_string(entry.path().join("status")).unwrap_or_default();
                if !status.lines().any(|l| l.starts_with("State:") && l.contains("Z (zombie)")) {
                    eprintln!("leftover {pid}: {}", status.lines().take(8).collect::<Vec<_>>().join(" | "));
                    pids.push(pid);
                }
            }
        }
        pids
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        self.sandbox.borrow_mut().take();
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

#[derive(Debug)]
struct Out {
    code: i32,
    stdout: String,
    stderr: String,
    timed_out: bool,
    elapsed: Duration,
    files: StepFiles,
}

fn require_bwrap() {
    let found = std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()).any(|d| d.join("bwrap").is_file());
    assert!(
        found,
        "bubblewrap (`bwrap`) is required for the sandbox tests: `apt-get install bubblewrap` \
         (.ci/run installs it on a fresh machine)"
    );
}

#[test]
fn exit_codes_and_output_come_back() {
    for f in Fixture::both("exit", 61001) {
        let out = f.bash("echo out; echo err >&2; exit 7");
        assert_eq!((out.code, out.stdout.as_str(), out.stderr.as_str(), out.timed_out), (7, "out\n", "err\n", false));
        // bash runs with -e and pipefail, as on GitHub.
        let out = f.bash("false | true\necho not reached");
        assert_eq!((out.code, out.stdout.as_str()), (1, ""));
        let out = f.bash("kill -9 $$");
        assert_eq!(out.code, 137, "{out:?}");
    }
}

#[test]
fn env_is_exactly_as_given() {
    for mut f in Fixture::both("env", 61002) {
        f.env.push(("W3_ODD".into(), "a b=c\tä".into()));
        let out = f.bash("tr '\\0' '\\n' < /proc/$$/environ");
        // The file commands are w3's, as on GitHub; their paths are checked elsewhere.
        let mut got: Vec<&str> =
            out.stdout.lines().filter(|l| !FILE_COMMAND_VARS.iter().any(|v| l.starts_with(v))).collect();
        assert_eq!(out.stdout.lines().count() - got.len(), FILE_COMMAND_VARS.len(), "{out:?}");
        // bwrap adds PWD, the working directory, as every shell exports it anyway.
        let mut want: Vec<String> = f.env.iter().map(|(k, v)| format!("{k}={v}")).collect();
        want.push(format!("PWD={}", f.ws().display()));
        let mut want: Vec<&str> = want.iter().map(String::as_str).collect();
        got.sort();
        want.sort();
        assert_eq!(got, want, "{out:?}");
    }
}

#[test]
fn workdir_is_honored_and_stays_in_the_workspace() {
    for f in Fixture::both("workdir", 61003) {
        std::fs::create_dir_all(f.ws().join("sub/dir")).unwrap();
        let out = f.run(&Shell::Bash, "pwd", "sub/dir", 0).unwrap();
        assert_eq!(out.stdout.trim_end(), f.ws().join("sub/dir").to_str().unwrap());
        let err = f.run(&Shell::Bash, "pwd", "../..", 0).unwrap_err();
        assert!(matches!(err, SandboxError::WorkdirOutsideWorkspace(_)), "{err}");
        let err = f.run(&Shell::Bash, "pwd", "missing", 0).unwrap_err();
        assert!(matches!(err, SandboxError::WorkdirMissing(_)), "{err}");
    }
}

#[test]
fn network_is_off_unless_asked_for() {
    for mut f in Fixture::both("net", 61004) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let port = listener.local_addr().unwrap().port();
        let script = format!("exec 3<>/dev/tcp/127.0.0.1/{port} && echo connected");
        let out = f.bash(&script);
        assert_ne!(out.code, 0, "{out:?}");
        assert!(!out.stdout.contains("connected"), "{out:?}");
        assert_eq!(listener.accept().unwrap_err().kind(), ErrorKind::WouldBlock);
        // The same script reaches the listener when the step declares network access.
        f.opts.network = true;
        let out = f.bash(&script);
        assert_eq!((out.code, out.stdout.as_str()), (0, "connected\n"), "{out:?}");
    }
}

#[test]
fn writes_outside_workspace_and_temp_fail() {
    for f in Fixture::both("writes", 61005) {
        let host_marker = std::env::temp_dir().join(format!("w3-host-escape-{}", std::process::id()));
        let script = format!(
            "for p in /usr/w3x /etc/w3x /w3x /bin/w3x /opt/w3x /dev/w3x /proc/w3x /sys/w3x /root/w3x; do\n\
           if (echo x > $p) 2>/dev/null; then echo WROTE $p; fi\n\
         done\n\
         echo ok > ws-file && echo ok > /tmp/tmp-file && echo ok > {}\n\
         echo done",
            host_marker.display()
        );
        let out = f.bash(&script);
        assert_eq!((out.code, out.stdout.as_str()), (0, "done\n"), "{out:?}");
        // The sandbox's /tmp is private: the file it wrote under the host's temp path is not there.
        assert!(!host_marker.exists());
        let meta = std::fs::metadata(f.ws().join("ws-file")).unwrap();
        if let Some(id) = f.opts.identity {
            assert_eq!(meta.uid(), id.uid, "files are written as the step's uid, not root");
        }
    }
}

#[test]
fn host_processes_are_invisible() {
    for f in Fixture::both("procs", 61006) {
        let mut host = std::process::Command::new("sleep").arg("30").spawn().unwrap();
        let script = format!(
            "ls /proc | grep -E '^[0-9]+$' | tr '\\n' ' '; echo\n\
         if [ -e /proc/{} ]; then echo HOST-VISIBLE; fi\n\
         tr '\\0' ' ' < /proc/1/cmdline",
            host.id()
        );
        let out = f.bash(&script);
        let _ = host.kill();
        let _ = host.wait();
        let pids: Vec<u32> =
            out.stdout.lines().next().unwrap_or("").split_whitespace().map(|p| p.parse().unwrap()).collect();
        assert!(!pids.is_empty() && pids.iter().all(|&p| p < 16), "pids start afresh: {out:?}");
        assert!(!out.stdout.contains("HOST-VISIBLE"), "{out:?}");
        assert!(out.stdout.lines().nth(1).is_some_and(|l| l.contains("bwrap")), "pid 1 is the sandbox's: {out:?}");
    }
}

#[test]
fn root_only_files_are_unreadable() {
    for f in Fixture::both("shadow", 61007) {
        assert!(Path::new("/etc/shadow").exists(), "this test needs /etc/shadow");
        let out = f.bash("if cat /etc/shadow; then echo READ; fi; id -u");
        assert!(!out.stdout.contains("READ"), "{out:?}");
        assert!(out.stderr.contains("Permission denied"), "{out:?}");
        assert_ne!(out.stdout.trim(), "0", "steps never run as root: {out:?}");
    }
}

#[test]
fn a_fork_bomb_is_contained() {
    for mut f in Fixture::both("forkbomb", 61008) {
        f.opts.limits.processes = Some(64);
        let out = f.run(&Shell::Bash, "bomb() { bomb | bomb & }; bomb; sleep 30", "", 4000).unwrap();
        assert!(out.elapsed < Duration::from_secs(10), "{out:?}");
        assert!(out.stderr.contains("Resource temporarily unavailable"), "the process limit bit: {out:?}");
        assert_eq!(f.leftover_pids(), Vec::<u32>::new(), "nothing of the bomb survives");
        assert!(std::process::Command::new("true").status().unwrap().success(), "the host can still fork");
    }
}

#[test]
fn a_memory_hog_is_contained() {
    for mut f in Fixture::both("memhog", 61009) {
        f.opts.limits.address_space = Some(512 << 20);
        let out = f.run(&Shell::Python, "b = bytearray(1 << 30)\nprint('allocated', len(b))", "", 20_000).unwrap();
        assert_ne!(out.code, 0, "{out:?}");
        assert!(!out.stdout.contains("allocated"), "{out:?}");
        assert!(out.stderr.contains("MemoryError"), "{out:?}");
    }
}

#[test]
fn a_timeout_kills_every_descendant() {
    for f in Fixture::both("timeout", 61010) {
        let script = "setsid sh -c 'sleep 1.5; echo late > escaped' &\n\
                  (trap '' HUP TERM; sleep 1.5; echo late > child) &\n\
                  nohup sh -c 'sleep 1.5; echo late > nohup' >/dev/null 2>&1 &\n\
                  echo started; sleep 30";
        let out = f.run(&Shell::Bash, script, "", 700).unwrap();
        assert!(out.timed_out, "{out:?}");
        assert_eq!(out.stdout, "started\n");
        assert!(out.elapsed < Duration::from_secs(3), "{out:?}");
        assert_eq!(f.leftover_pids(), Vec::<u32>::new(), "no descendant survives");
        std::thread::sleep(Duration::from_millis(1500));
        for marker in ["escaped", "child", "nohup"] {
            assert!(!f.ws().join(marker).exists(), "a descendant wrote {marker} after the timeout");
        }
    }
}

#[test]
fn output_is_capped() {
    for mut f in Fixture::both("flood", 61011) {
        f.opts.output_limit = 1000;
        let out = f.bash("head -c 100000 /dev/zero | tr '\\0' x; echo err >&2");
        assert_eq!(out.code, 0);
        assert!(out.stdout.starts_with(&"x".repeat(1000)), "{}", &out.stdout[..20]);
        assert!(out.stdout.len() < 1100 && out.stdout.contains("99000 more bytes dropped"), "{}", &out.stdout[1000..]);
        assert_eq!(out.stderr, "err\n");
        // An endless flood still ends at the timeout.
        let out = f.run(&Shell::Bash, "yes", "", 500).unwrap();
        assert!(out.timed_out && out.stdout.len() < 1100, "{}", out.stdout.len());
    }
}

#[test]
fn shells_follow_github() {
    for f in Fixture::both("shells", 61012) {
        let out = f.run(&Shell::Sh, "echo \"$0\"; false; echo not reached", "", 0).unwrap();
        assert_eq!(out.code, 1, "{out:?}");
        assert!(out.stdout.starts_with("/tmp/") && out.stdout.trim_end().ends_with(".sh"), "{out:?}");
        let out = f.run(&Shell::Python, "import os, sys\nprint(os.getcwd())\nsys.exit(3)", "", 0).unwrap();
        assert_eq!((out.code, out.stdout.trim_end()), (3, f.ws().to_str().unwrap()), "{out:?}");
        let out = f.run(&Shell::Custom("cat {0}".into()), "plain text\n", "", 0).unwrap();
        assert_eq!((out.code, out.stdout.as_str()), (0, "plain text\n"), "{out:?}");
        let out = f.run(&Shell::Custom("bash -x {0}".into()), "true", "", 0).unwrap();
        assert_eq!(out.stderr, "+ true\n", "{out:?}");
    }
}

#[test]
fn missing_bwrap_is_a_clear_error() {
    for mut f in Fixture::both("nobwrap", 61013) {
        f.opts.bwrap = Some(PathBuf::from("/nonexistent/bwrap"));
        let msg = f.run(&Shell::Bash, "true", "", 0).unwrap_err().to_string();
        assert!(msg.contains("apt-get install bubblewrap") && msg.contains("--sandbox none"), "{msg}");
    }
}

#[test]
fn sandbox_none_runs_directly() {
    let mut f = Fixture::new("none", 61014);
    f.opts.sandbox = Sandbox::None;
    std::fs::create_dir_all(f.ws().join("d")).unwrap();
    let out = f
        .run(&Shell::Bash, "pwd; tr '\\0' '\\n' < /proc/$$/environ | grep -v '^GITHUB_' | sort; exit 4", "d", 0)
        .unwrap();
    let mut want: Vec<String> = f.env.iter().map(|(k, v)| format!("{k}={v}")).collect();
    want.sort();
    assert_eq!(out.code, 4);
    assert_eq!(out.stdout, format!("{}\n{}\n", f.ws().join("d").display(), want.join("\n")));
    let out = f.run(&Shell::Bash, "sleep 30", "", 300).unwrap();
    assert!(out.timed_out && out.elapsed < Duration::from_secs(3), "{out:?}");
}

#[test]
fn only_shell_calls_are_performed() {
    let f = Fixture::new("calls", 61015);
    let call = HostCall::ShellCommand {
        cmd: "echo hi".into(),
        shell: Shell::Bash,
        env: f.env.clone(),
        path: vec![],
        workdir: String::new(),
        timeout_ms: 5000,
    };
    let result = w3_host::run_call(&call, &f.opts).unwrap();
    assert!(matches!(result, HostResult::Shell { exit_code: 0, ref stdout, .. } if stdout == b"hi\n"), "{result:?}");
    let err = w3_host::run_call(&HostCall::Now, &f.opts).unwrap_err();
    assert!(matches!(err, HostError::Unsupported(_)), "{err}");
}

#[test]
fn step_overhead_is_measured() {
    let f = Fixture::new("bench", 61016);
    let o = w3_host::bench::step_overhead(&f.opts, 3).unwrap();
    assert_eq!(o.samples, 3);
    assert!(o.bare > Duration::ZERO && o.sandboxed > Duration::ZERO && o.unsandboxed > Duration::ZERO, "{o:?}");
}

#[test]
fn steps_never_run_as_root() {
    for mut f in Fixture::both("root", 61017) {
        f.opts.identity = None;
        match f.run(&Shell::Bash, "id -u", "", 0) {
            Err(e) => assert!(running_as_root() && matches!(e, SandboxError::RootStep), "{e}"),
            Ok(out) => assert!(!running_as_root() && out.stdout.trim() != "0", "{out:?}"),
        }
    }
}

#[test]
fn a_job_temp_directory_is_shared_by_its_steps() {
    let mut f = Fixture::new("jobtemp", 61018);
    f.opts.temp = Some(f.root.join("job-tmp"));
    f.opts.prepare_workspace().unwrap();
    let out = f.bash("echo kept > /tmp/state");
    assert_eq!(out.code, 0, "{out:?}");
    let out = f.bash("cat /tmp/state");
    assert_eq!(out.stdout, "kept\n", "{out:?}");
    assert!(f.root.join("job-tmp/state").is_file());
    let scripts = std::fs::read_dir(f.root.join("job-tmp"))
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("w3-script-"))
        .count();
    assert_eq!(scripts, 0, "each step's script is removed afterwards");
}

#[test]
fn file_commands_are_writable_and_checked() {
    for (sandbox, job) in [(Sandbox::Bwrap, false), (Sandbox::Bwrap, true), (Sandbox::None, false)] {
        let name = format!("files-{sandbox:?}");
        let mut f = if job { Fixture::job(&name, 61020) } else { Fixture::new(&name, 61020) };
        f.opts.sandbox = sandbox;
        // Every file exists, is empty and is the step's to write; a step's own value is replaced.
        f.env.push(("GITHUB_OUTPUT".into(), "/nowhere".into()));
        let script = "for v in GITHUB_OUTPUT GITHUB_ENV GITHUB_PATH GITHUB_STATE GITHUB_STEP_SUMMARY; do\n\
                        test -f \"${!v}\" && test ! -s \"${!v}\" && test -w \"${!v}\" || echo \"bad $v=${!v}\"\n\
                      done\n\
                      echo 'answer=42' >> \"$GITHUB_OUTPUT\"\n\
                      printf 'multi<<EOF\\na\\nb\\nEOF\\n' >> \"$GITHUB_ENV\"\n\
                      echo '# summary' >> \"$GITHUB_STEP_SUMMARY\"\n";
        let out = f.bash(script);
        assert_eq!((out.code, out.stdout.as_str()), (0, ""), "{sandbox:?}: {out:?}");
        assert_eq!(out.stderr, "", "{out:?}");
        assert_eq!(out.files.outputs, [("answer".to_string(), "42".to_string())], "{out:?}");
        assert_eq!(out.files.env, [("multi".to_string(), "a\nb".to_string())], "{out:?}");
        assert_eq!(out.files.summary, "# summary\n", "{out:?}");
        // Directories are read in the order written; the ones given come first on PATH.
        let out = f.bash("echo /opt/a >> \"$GITHUB_PATH\"; echo /opt/b >> \"$GITHUB_PATH\"");
        assert_eq!(out.files.path, ["/opt/a", "/opt/b"], "{out:?}");
        f.path = vec!["/opt/b".into(), "/opt/a".into()];
        let out = f.bash("echo \"$PATH\"");
        assert_eq!(out.stdout, "/opt/b:/opt/a:/usr/local/bin:/usr/bin:/bin\n", "{out:?}");
        f.path.clear();
        // A file that breaks the format fails the step and says where; output is kept.
        let out = f.bash("echo before; echo 'no equals sign' >> \"$GITHUB_OUTPUT\"");
        assert_eq!((out.code, out.stdout.as_str()), (1, "before\n"), "{out:?}");
        assert!(out.stderr.contains("Error: $GITHUB_OUTPUT line 1: `no equals sign` is neither"), "{out:?}");
        // A failing step keeps its own exit code.
        let out = f.bash("echo 'k<<EOF' >> \"$GITHUB_ENV\"; exit 3");
        assert_eq!(out.code, 3, "{out:?}");
        assert!(out.stderr.contains("no line `EOF` ending it"), "{out:?}");
    }
}

#[test]
fn a_job_sandbox_keeps_what_its_steps_leave_running() {
    let f = Fixture::job("keeps", 61021);
    // A server left running by one step serves the next, whose processes see each other.
    let out = f.bash(
        "(trap 'echo hup >> /tmp/signals' HUP; while :; do echo tick; sleep 0.05; done) &\n\
         echo $! > /tmp/ticker; echo started",
    );
    // What the background loop printed before the step ended is the step's; the step does not
    // wait for the loop.
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.lines().all(|l| l == "started" || l == "tick"), "{out:?}");
    assert!(out.elapsed < Duration::from_secs(2), "{out:?}");
    std::thread::sleep(Duration::from_millis(300));
    let out = f.bash("kill -0 \"$(cat /tmp/ticker)\" && echo alive; ps -o comm= -p 1");
    assert_eq!(out.stdout, "alive\nbwrap\n", "still printing, not killed by a broken pipe: {out:?}");
    assert!(!f.leftover_pids().is_empty() || f.opts.identity.is_none());
    // Ending the job ends everything in it.
    f.sandbox.borrow_mut().take();
    assert_eq!(f.leftover_pids(), Vec::<u32>::new());
}

#[test]
fn a_job_sandbox_runs_steps_side_by_side() {
    let f = Fixture::job("sidebyside", 61022);
    f.bash("true");
    let job = f.sandbox.borrow_mut().take().unwrap().1;
    let start = Instant::now();
    std::thread::scope(|s| {
        let runs: Vec<_> = (0..3)
            .map(|i| {
                let (job, env) = (&job, &f.env);
                s.spawn(move || {
                    let script = format!("sleep 0.5; echo step {i}");
                    let req =
                        ShellRequest { cmd: &script, shell: &Shell::Bash, env, path: &[], workdir: "", timeout_ms: 0 };
                    job.run(&req).unwrap()
                })
            })
            .collect();
        for (i, run) in runs.into_iter().enumerate() {
            let HostResult::Shell { exit_code, stdout, .. } = run.join().unwrap() else { panic!() };
            assert_eq!((exit_code, String::from_utf8(stdout).unwrap()), (0, format!("step {i}\n")));
        }
    });
    assert!(start.elapsed() < Duration::from_millis(1400), "the steps overlapped: {:?}", start.elapsed());
}

#[test]
fn a_timeout_ends_the_job_sandbox_and_the_next_step_gets_a_new_one() {
    let f = Fixture::job("restart", 61023);
    let out = f.bash("echo kept > /tmp/kept; sleep 30 & echo $! > /tmp/pid");
    assert_eq!(out.code, 0, "{out:?}");
    let out = f.run(&Shell::Bash, "sleep 30", "", 300).unwrap();
    assert!(out.timed_out && out.code == 137, "{out:?}");
    assert_eq!(f.leftover_pids(), Vec::<u32>::new(), "the background sleep ended with the sandbox");
    let out = f.bash("cat /tmp/kept; kill -0 \"$(cat /tmp/pid)\" 2>/dev/null || echo gone");
    assert_eq!((out.code, out.stdout.as_str()), (0, "kept\ngone\n"), "{out:?}");
}

#[test]
fn a_job_sandbox_that_cannot_start_says_why() {
    let mut f = Fixture::job("noagent", 61024);
    f.opts.agent = Some(AgentCommand { program: PathBuf::from("/nonexistent/agent"), args: vec![] });
    let msg = f.run(&Shell::Bash, "true", "", 0).unwrap_err().to_string();
    assert!(msg.contains("/nonexistent/agent"), "{msg}");
    // An agent that is not one: the sandbox never reports ready.
    f.opts.agent = Some(AgentCommand { program: PathBuf::from("/bin/false"), args: vec![] });
    let msg = f.run(&Shell::Bash, "true", "", 0).unwrap_err().to_string();
    assert!(msg.contains("the sandbox agent did not start"), "{msg}");
    // A shell that does not exist is the step's error, and the sandbox goes on.
    f.opts.agent = Fixture::job("x", 61024).opts.agent.clone();
    let msg = f.run(&Shell::Custom("/nonexistent/shell {0}".into()), "true", "", 0).unwrap_err().to_string();
    assert!(msg.contains("/nonexistent/shell"), "{msg}");
    assert_eq!(f.bash("echo fine").stdout, "fine\n");
}

#[test]
fn a_job_is_limited_as_a_whole_in_control_groups() {
    let mut f = Fixture::job("cgroup", 61025);
    // No rlimits: whatever stops the step here is the job's control groups.
    f.opts.limits = Limits { processes: None, address_space: None, cpu_seconds: None };
    f.opts.cgroup = CgroupLimits { memory: Some(256 << 20), pids: Some(64) };
    assert_eq!(f.bash("echo up").stdout, "up\n");
    let dirs = f.sandbox.borrow().as_ref().map(|(_, job)| job.cgroups().to_vec()).unwrap_or_default();
    if running_as_root() {
        assert!(!dirs.is_empty(), "as root on a host with cgroup v1 memory and pids, a job gets control groups");
    }
    if dirs.is_empty() {
        eprintln!("no control groups for w3 on this host: the rlimits are the only limits");
        return;
    }
    // 1 GiB in a job held to 256 MiB: the kernel kills the hog, and only it.
    let out = f.run(&Shell::Python, "b = bytearray(1 << 30)\nprint('allocated', len(b))", "", 20_000).unwrap();
    assert_eq!(out.code, 137, "{out:?}");
    assert!(!out.stdout.contains("allocated"), "{out:?}");
    assert_eq!(f.bash("echo still up").stdout, "still up\n");
    // A fork bomb meets the job's process count.
    let out = f.run(&Shell::Bash, "bomb() { bomb | bomb & }; bomb; sleep 30", "", 3000).unwrap();
    assert!(out.stderr.contains("Resource temporarily unavailable"), "{out:?}");
    assert_eq!(f.leftover_pids(), Vec::<u32>::new());
    // The groups go with the job.
    f.sandbox.borrow_mut().take();
    for dir in dirs {
        assert!(!dir.exists(), "{} was not removed", dir.display());
    }
}

#[test]
fn seccomp_refuses_what_steps_have_no_use_for() {
    for mut f in Fixture::both("seccomp", 61026) {
        let script = "unshare -U true && echo NESTED\n\
                      python3 -c \"import threading; t = threading.Thread(target=lambda: print('thread ran')); t.start(); t.join()\"";
        let out = f.bash(script);
        assert!(!out.stdout.contains("NESTED"), "no namespaces inside the sandbox: {out:?}");
        assert!(out.stderr.contains("Operation not permitted"), "{out:?}");
        assert!(out.stdout.contains("thread ran"), "threads still start (clone3 falls back to clone): {out:?}");
        f.opts.seccomp = false;
        let out = f.bash("unshare -U true && echo NESTED");
        assert_eq!(out.stdout, "NESTED\n", "without the filter the same step may: {out:?}");
    }
}
