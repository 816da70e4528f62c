//! `w3 replay DIR`: re-executes runs recorded with `w3 run --journal DIR`, answering every host
//! call from the journal, and checks that each ends in the state it ended in when it ran.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use w3_runner::journal;

#[derive(clap::Args)]
pub struct Args {
    /// A journal directory (`run.json` in it), or a directory of them as `w3 run --journal`
    /// writes (one per workflow).
    pub dir: PathBuf,
    /// A secret of the recorded run, `NAME=VALUE` (repeatable): journals keep only hashes.
    #[arg(long = "secret", value_name = "NAME=VALUE")]
    pub secrets: Vec<String>,
    /// Secrets from a file of `NAME=VALUE` lines.
    #[arg(long = "secret-file", value_name = "FILE")]
    pub secret_file: Option<PathBuf>,
}

/// Returns the journals in `dir`: itself, or its subdirectories holding one, in name order.
fn journals(dir: &Path) -> Result<Vec<PathBuf>, String> {
    if dir.join("run.json").is_file() {
        return Ok(vec![dir.to_path_buf()]);
    }
    let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut found: Vec<PathBuf> =
        entries.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.join("run.json").is_file()).collect();
    found.sort();
    if found.is_empty() {
        return Err(format!("{}: no journal here (no run.json, nor a folder holding one)", dir.display()));
    }
    Ok(found)
}

pub fn run(args: Args) -> ExitCode {
    let secrets = super::run::file_and_pairs(args.secret_file.as_deref(), &args.secrets, "secret");
    let (dirs, secrets) = match journals(&args.dir).and_then(|d| secrets.map(|s| (d, s))) {
        Ok(x) => x,
        Err(e) => {
            eprintln!("w3 replay: {e}");
            return ExitCode::from(2);
        }
    };
    let mut failed = false;
    for dir in dirs {
        match journal::replay(&dir, &secrets) {
            Ok(r) => {
                let jobs: Vec<String> = r.report.jobs.iter().map(|(j, res)| format!("{j}: {res}")).collect();
                println!(
                    "{}: {} calls replayed, receipts signed by {} verify, state {} matches ({}){}",
                    dir.display(),
                    r.record.calls,
                    &r.record.executor_key[..16],
                    r.record.state_hash,
                    jobs.join(", "),
                    if r.recompiles_identically { "" } else { "; this w3 compiles the workflow to other bytes" }
                );
            }
            Err(e) => {
                eprintln!("{}: {e}", dir.display());
                failed = true;
            }
        }
    }
    ExitCode::from(u8::from(failed))
}
