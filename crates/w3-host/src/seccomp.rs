//! The seccomp filters of sandboxed steps: system calls a CI step has no use for, that widen
//! what a hostile step can reach in the kernel, fail with `EPERM`.
//!
//! Refused: the kernel keyring (`add_key`, `request_key`, `keyctl`), `bpf`,
//! `perf_event_open`, `userfaultfd`, loading kernels and modules, `acct`, swap, `reboot`,
//! setting the clock, every mount call (old and new API), `pivot_root`, `open_by_handle_at`,
//! `quotactl`, `syslog`, `vhangup`, and new namespaces: `unshare`, `setns` and `clone` with a
//! `CLONE_NEW*` flag. `clone3` passes its flags in memory a filter cannot read, so it fails
//! with `ENOSYS` instead, which makes the C library fall back to `clone` (threads and
//! `posix_spawn` keep working). Anything else is allowed: the sandbox's namespaces and
//! identity are the main line, the filter narrows the kernel surface behind it.
//!
//! The programs are compiled with `seccompiler` for the host's architecture (x86-64, AArch64 or
//! RISC-V 64; elsewhere no filter is installed) and handed to bubblewrap (`--add-seccomp-fd`),
//! which installs them after setting up the sandbox. A process of another ABI (32-bit x86) is
//! killed by the architecture check.

use std::collections::BTreeMap;
use std::io::Write;
use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::sync::OnceLock;

use seccompiler::{
    BpfProgram, SeccompAction, SeccompCmpArgLen, SeccompCmpOp, SeccompCondition, SeccompFilter, SeccompRule, TargetArch,
};

use crate::error::SandboxError;
use crate::sandbox::SandboxOptions;

/// System calls refused whatever their arguments.
const REFUSED: &[libc::c_long] = &[
    libc::SYS_add_key,
    libc::SYS_request_key,
    libc::SYS_keyctl,
    libc::SYS_bpf,
    libc::SYS_perf_event_open,
    libc::SYS_userfaultfd,
    libc::SYS_kexec_load,
    libc::SYS_kexec_file_load,
    libc::SYS_init_module,
    libc::SYS_finit_module,
    libc::SYS_delete_module,
    libc::SYS_acct,
    libc::SYS_swapon,
    libc::SYS_swapoff,
    libc::SYS_reboot,
    libc::SYS_settimeofday,
    libc::SYS_clock_settime,
    libc::SYS_clock_adjtime,
    libc::SYS_adjtimex,
    libc::SYS_mount,
    libc::SYS_umount2,
    libc::SYS_pivot_root,
    libc::SYS_fsopen,
    libc::SYS_fsmount,
    libc::SYS_fsconfig,
    libc::SYS_fspick,
    libc::SYS_move_mount,
    libc::SYS_open_tree,
    libc::SYS_mount_setattr,
    libc::SYS_open_by_handle_at,
    libc::SYS_quotactl,
    libc::SYS_syslog,
    libc::SYS_vhangup,
    libc::SYS_unshare,
    libc::SYS_setns,
];

/// The `clone` flags that create namespaces.
const NEW_NAMESPACES: [libc::c_int; 8] = [
    libc::CLONE_NEWNS,
    libc::CLONE_NEWCGROUP,
    libc::CLONE_NEWUTS,
    libc::CLONE_NEWIPC,
    libc::CLONE_NEWUSER,
    libc::CLONE_NEWPID,
    libc::CLONE_NEWNET,
    0x80, // CLONE_NEWTIME
];

/// Returns the host's architecture as seccompiler names it, if it has filters for it.
fn arch() -> Option<TargetArch> {
    match std::env::consts::ARCH {
        "x86_64" => Some(TargetArch::x86_64),
        "aarch64" => Some(TargetArch::aarch64),
        "riscv64" => Some(TargetArch::riscv64),
        _ => None,
    }
}

/// Returns the pipes bubblewrap reads the filters from when `opts` asks for them, and their
/// descriptor numbers.
pub(crate) fn pipes_for(opts: &SandboxOptions) -> Result<(Vec<OwnedFd>, Vec<RawFd>), SandboxError> {
    let pipes = if opts.seccomp { pipes()? } else { Vec::new() };
    let fds = pipes.iter().map(AsRawFd::as_raw_fd).collect();
    Ok((pipes, fds))
}

/// Returns pipes from which bubblewrap reads the filter programs, one per program (none on
/// architectures without filters).
fn pipes() -> Result<Vec<OwnedFd>, SandboxError> {
    static PROGRAMS: OnceLock<Result<Vec<Vec<u8>>, String>> = OnceLock::new();
    let programs = PROGRAMS.get_or_init(|| programs().map_err(|e| e.to_string()));
    let programs = programs.as_ref().map_err(|e| SandboxError::Setup(e.clone()))?;
    let mut out = Vec::new();
    for program in programs {
        let (read, write) = crate::process::pipe()?;
        // A program is a few hundred bytes: it fits in the pipe's buffer.
        std::fs::File::from(write)
            .write_all(program)
            .map_err(|e| SandboxError::io("handing the seccomp filter to bubblewrap", e))?;
        out.push(read);
    }
    Ok(out)
}

/// Returns the filter programs as bubblewrap reads them (`struct sock_filter` arrays in the
/// host's byte order); empty on architectures without filters.
fn programs() -> Result<Vec<Vec<u8>>, SandboxError> {
    let Some(arch) = arch() else { return Ok(Vec::new()) };
    let bad = |e: seccompiler::BackendError| SandboxError::Setup(format!("compiling the seccomp filter: {e}"));
    let mut refused: BTreeMap<i64, Vec<SeccompRule>> = REFUSED.iter().map(|&n| (n, Vec::new())).collect();
    let mut clone_rules = Vec::new();
    for flag in NEW_NAMESPACES {
        let flag = flag as u64;
        let cond =
            SeccompCondition::new(0, SeccompCmpArgLen::Qword, SeccompCmpOp::MaskedEq(flag), flag).map_err(bad)?;
        clone_rules.push(SeccompRule::new(vec![cond]).map_err(bad)?);
    }
    refused.insert(libc::SYS_clone, clone_rules);
    let eperm = SeccompFilter::new(refused, SeccompAction::Allow, SeccompAction::Errno(libc::EPERM as u32), arch)
        .map_err(bad)?;
    let clone3 = [(libc::SYS_clone3, Vec::new())].into_iter().collect();
    let enosys = SeccompFilter::new(clone3, SeccompAction::Allow, SeccompAction::Errno(libc::ENOSYS as u32), arch)
        .map_err(bad)?;
    [eperm, enosys]
        .into_iter()
        .map(|f| {
            let program: BpfProgram = f.try_into().map_err(bad)?;
            Ok(program
                .iter()
                .flat_map(|i| {
                    let mut b = Vec::with_capacity(8);
                    b.extend_from_slice(&i.code.to_ne_bytes());
                    b.push(i.jt);
                    b.push(i.jf);
                    b.extend_from_slice(&i.k.to_ne_bytes());
                    b
                })
                .collect())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn programs_compile_for_this_host() {
        let programs = programs().unwrap();
        if arch().is_some() {
            assert_eq!(programs.len(), 2);
            for p in &programs {
                assert!(!p.is_empty() && p.len() % 8 == 0, "{} bytes", p.len());
            }
        }
    }
}
