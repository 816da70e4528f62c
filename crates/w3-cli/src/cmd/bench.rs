//! `w3 bench <what>`: measures and prints one JSON object of figures.

use rayon::prelude::*;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;
use w3_check::{Config, Context};

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub what: What,
}

#[derive(clap::Subcommand)]
pub enum What {
    /// Lint the given workflow files or directories and report files per second.
    Check {
        /// Workflow files or directories (searched recursively).
        #[arg(default_value = ".github/workflows")]
        paths: Vec<PathBuf>,
        /// How many times to lint the whole set; the fastest round is reported.
        #[arg(long, default_value_t = 3)]
        rounds: u32,
    },
}

pub fn run(args: Args) -> ExitCode {
    match args.what {
        What::Check { paths, rounds } => bench_check(&paths, rounds.max(1)),
    }
}

fn bench_check(paths: &[PathBuf], rounds: u32) -> ExitCode {
    let files = match super::check::collect(paths) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("w3 bench: {e}");
            return ExitCode::from(2);
        }
    };
    // Reading is part of what `w3 check` does, so each round reads the files again.
    let config = Config::default();
    let mut best = f64::INFINITY;
    let mut bytes = 0usize;
    let mut diagnostics = 0usize;
    for _ in 0..rounds {
        let start = Instant::now();
        let results: Vec<(usize, usize)> = files
            .par_iter()
            .map(|f| {
                let src = std::fs::read(f).unwrap_or_default();
                let cx = Context { config: &config, project_root: None, now: 0 };
                (src.len(), w3_check::lint(&src, &cx).len())
            })
            .collect();
        best = best.min(start.elapsed().as_secs_f64());
        bytes = results.iter().map(|r| r.0).sum();
        diagnostics = results.iter().map(|r| r.1).sum();
    }
    let out = serde_json::json!({
        "bench": "check",
        "files": files.len(),
        "bytes": bytes,
        "diagnostics": diagnostics,
        "rounds": rounds,
        "threads": rayon::current_num_threads(),
        "seconds": best,
        "files_per_second": files.len() as f64 / best,
        "megabytes_per_second": bytes as f64 / best / 1e6,
    });
    println!("{out}");
    ExitCode::SUCCESS
}
