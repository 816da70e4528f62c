//! Control-group limits for a job's sandbox: memory and process count for the job as a whole,
//! where this host lets w3 create control groups.
//!
//! rlimits ([`Limits`](crate::sandbox::Limits)) apply per process (address space) or per user
//! (processes), so a job can still use more memory in many processes, or share its process
//! count with other jobs of the same uid. A control group holds every process of the job's
//! sandbox and counts them together. Two layouts are supported:
//!
//! - cgroup v1 with the `memory` and `pids` controllers mounted (a hybrid host), when w3 runs as
//!   root: one group per job in each controller, under w3's own group;
//! - cgroup v2 where w3's group delegates the controllers (its `cgroup.subtree_control` lists
//!   them and w3 may create children): one child group per job.
//!
//! Elsewhere none is created and the rlimits are the only limits. bubblewrap joins the groups
//! before it starts (its pre-exec hook writes `0` to their `cgroup.procs`), so every process of
//! the sandbox is counted from the first; the groups are removed with the job.

use std::ffi::CString;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::error::SandboxError;

/// What a job's control groups limit; `None` leaves a resource unlimited.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CgroupLimits {
    /// Bytes of memory for all processes of the job together (`memory.max`,
    /// `memory.limit_in_bytes`); past it the kernel kills the largest.
    pub memory: Option<u64>,
    /// Processes and threads of the job together (`pids.max`); past it `fork` fails.
    pub pids: Option<u64>,
}

impl CgroupLimits {
    /// Whether any limit is set.
    pub fn any(&self) -> bool {
        self.memory.is_some() || self.pids.is_some()
    }
}

/// The control groups of one job.
#[derive(Debug)]
pub(crate) struct JobCgroup {
    /// The group directories, removed on drop.
    dirs: Vec<PathBuf>,
    /// Their `cgroup.procs` files, for the pre-exec hook.
    procs: Vec<CString>,
}

impl JobCgroup {
    /// Creates the groups of job `name` with `limits`; `None` when this host offers no
    /// control groups to w3.
    pub fn create(name: &str, limits: &CgroupLimits) -> Result<Option<JobCgroup>, SandboxError> {
        if !limits.any() {
            return Ok(None);
        }
        let own = std::fs::read_to_string("/proc/self/cgroup").unwrap_or_default();
        if let Some(group) = Self::v1(&own, name, limits)? {
            return Ok(Some(group));
        }
        Self::v2(&own, name, limits)
    }

    /// The group directories.
    pub fn dirs(&self) -> &[PathBuf] {
        &self.dirs
    }

    /// The `cgroup.procs` files bubblewrap's pre-exec hook writes its pid to.
    pub fn procs_files(&self) -> &[CString] {
        &self.procs
    }

    /// Returns the group directory `name` under w3's own group of `controller` in `own`
    /// (the contents of `/proc/self/cgroup`), for a v1 hierarchy mounted at `root`.
    fn v1_dir(own: &str, root: &Path, controller: &str, name: &str) -> Option<PathBuf> {
        let path = own.lines().find_map(|l| {
            let mut parts = l.splitn(3, ':');
            let (_, list, path) = (parts.next()?, parts.next()?, parts.next()?);
            list.split(',').any(|c| c == controller).then_some(path)
        })?;
        Some(root.join(path.trim_start_matches('/')).join(name))
    }

    fn v1(own: &str, name: &str, limits: &CgroupLimits) -> Result<Option<JobCgroup>, SandboxError> {
        // SAFETY: geteuid cannot fail and touches no memory.
        if unsafe { libc::geteuid() } != 0 {
            return Ok(None);
        }
        let base = Path::new("/sys/fs/cgroup");
        let wanted = [("memory", limits.memory, "memory.limit_in_bytes"), ("pids", limits.pids, "pids.max")];
        let mut plan = Vec::new();
        for (controller, value, file) in wanted {
            let Some(value) = value else { continue };
            let root = base.join(controller);
            if !root.join("cgroup.procs").is_file() {
                return Ok(None);
            }
            match Self::v1_dir(own, &root, controller, name) {
                Some(dir) => plan.push((dir, vec![(file, value)])),
                None => return Ok(None),
            }
        }
        Self::make(plan).map(Some)
    }

    fn v2(own: &str, name: &str, limits: &CgroupLimits) -> Result<Option<JobCgroup>, SandboxError> {
        let Some(path) = own.lines().find_map(|l| l.strip_prefix("0::")) else { return Ok(None) };
        let mounts = std::fs::read_to_string("/proc/self/mounts").unwrap_or_default();
        let Some(root) = mounts.lines().find_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            (f.get(2) == Some(&"cgroup2")).then(|| PathBuf::from(f[1]))
        }) else {
            return Ok(None);
        };
        let parent = root.join(path.trim_start_matches('/'));
        let delegated = std::fs::read_to_string(parent.join("cgroup.subtree_control")).unwrap_or_default();
        let has = |c: &str| delegated.split_whitespace().any(|d| d == c);
        let mut files = Vec::new();
        if let Some(m) = limits.memory {
            if !has("memory") {
                return Ok(None);
            }
            files.push(("memory.max", m));
        }
        if let Some(p) = limits.pids {
            if !has("pids") {
                return Ok(None);
            }
            files.push(("pids.max", p));
        }
        let writable = std::fs::metadata(&parent).is_ok_and(|m| !m.permissions().readonly())
            && std::fs::OpenOptions::new().write(true).open(parent.join("cgroup.procs")).is_ok();
        if !writable {
            return Ok(None);
        }
        Self::make(vec![(parent.join(name), files)]).map(Some)
    }

    /// Creates each directory and writes its limits; on failure removes what it created.
    fn make(plan: Vec<(PathBuf, Vec<(&str, u64)>)>) -> Result<JobCgroup, SandboxError> {
        let mut group = JobCgroup { dirs: Vec::new(), procs: Vec::new() };
        for (dir, files) in plan {
            std::fs::create_dir(&dir)
                .map_err(|e| SandboxError::io(format!("creating the job's control group {}", dir.display()), e))?;
            group.dirs.push(dir.clone());
            for (file, value) in files {
                std::fs::write(dir.join(file), value.to_string())
                    .map_err(|e| SandboxError::io(format!("setting {}", dir.join(file).display()), e))?;
            }
            let procs = dir.join("cgroup.procs");
            let procs = CString::new(procs.as_os_str().as_encoded_bytes())
                .map_err(|_| SandboxError::Setup(format!("{} holds a NUL byte", procs.display())))?;
            group.procs.push(procs);
        }
        Ok(group)
    }
}

impl Drop for JobCgroup {
    fn drop(&mut self) {
        // A group is removable once its last process has been reaped, which may lag the kill.
        for dir in &self.dirs {
            for _ in 0..500 {
                match std::fs::remove_dir(dir) {
                    Err(e) if e.raw_os_error() == Some(libc::EBUSY) => std::thread::sleep(Duration::from_millis(1)),
                    _ => break,
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v1_groups_nest_under_w3s_own() {
        let own = "9:name=systemd:/\n8:pids:/\n4:memory:/runner/abc\n1:cpu,cpuacct:/x\n0::/\n";
        let root = Path::new("/sys/fs/cgroup/memory");
        assert_eq!(
            JobCgroup::v1_dir(own, root, "memory", "job-1"),
            Some(PathBuf::from("/sys/fs/cgroup/memory/runner/abc/job-1"))
        );
        let pids = Path::new("/sys/fs/cgroup/pids");
        assert_eq!(JobCgroup::v1_dir(own, pids, "pids", "job-1"), Some(PathBuf::from("/sys/fs/cgroup/pids/job-1")));
        assert_eq!(JobCgroup::v1_dir(own, root, "cpuacct", "j"), Some(PathBuf::from("/sys/fs/cgroup/memory/x/j")));
        assert_eq!(JobCgroup::v1_dir(own, root, "blkio", "j"), None);
    }

    #[test]
    fn no_limits_no_groups() {
        assert!(JobCgroup::create("w3-test-none", &CgroupLimits::default()).unwrap().is_none());
    }
}
