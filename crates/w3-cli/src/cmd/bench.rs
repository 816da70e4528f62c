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
    /// Compile the given workflows (files or directories) and report the time per workflow.
    Compile {
        /// Workflow files or directories (searched recursively).
        #[arg(default_value = ".github/workflows")]
        paths: Vec<PathBuf>,
        /// How many times to compile the whole set; the fastest round is reported.
        #[arg(long, default_value_t = 5)]
        rounds: u32,
    },
}

pub fn run(args: Args) -> ExitCode {
    match args.what {
        What::Check { paths, rounds } => bench_check(&paths, rounds.max(1)),
        What::Compile { paths, rounds } => bench_compile(&paths, rounds.max(1)),
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

fn bench_compile(paths: &[PathBuf], rounds: u32) -> ExitCode {
    let files = match super::check::collect(paths) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("w3 bench: {e}");
            return ExitCode::from(2);
        }
    };
    // Sources are read once: the figure is compile time, not disk time.
    let sources: Vec<(String, String)> = files
        .iter()
        .filter_map(|f| Some((f.file_name()?.to_string_lossy().into_owned(), std::fs::read_to_string(f).ok()?)))
        .collect();
    let mut best = f64::INFINITY;
    let (mut compiled, mut module_bytes) = (0usize, 0usize);
    for _ in 0..rounds {
        let start = Instant::now();
        let results: Vec<Option<usize>> = sources
            .iter()
            .map(|(name, src)| w3_compiler::compile_workflow(src, name).ok().map(|c| c.module.encode().len()))
            .collect();
        best = best.min(start.elapsed().as_secs_f64());
        compiled = results.iter().flatten().count();
        module_bytes = results.iter().flatten().sum();
    }
    let out = serde_json::json!({
        "bench": "compile",
        "files": sources.len(),
        "compiled": compiled,
        "module_bytes": module_bytes,
        "rounds": rounds,
        "threads": 1,
        "seconds": best,
        "ms_per_workflow": best * 1e3 / sources.len().max(1) as f64,
    });
    println!("{out}");
    ExitCode::SUCCESS
}
