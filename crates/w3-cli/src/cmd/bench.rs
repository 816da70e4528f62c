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
    /// Measure the VM: nanoseconds per instruction by class, per gas unit, and the cost of
    /// metering (the same programs with metering on and off).
    Vm {
        /// Runs of each program per measurement; the fastest is reported.
        #[arg(long, default_value_t = 30)]
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
    /// Measure what a sandboxed `run:` step costs: the median wall time of a `true` step in
    /// bubblewrap, without a sandbox, and of a bare `bash -c true`, interleaved in one run.
    Sandbox {
        /// Runs of each kind; the medians are reported.
        #[arg(long, default_value_t = 20)]
        samples: usize,
    },
}

pub fn run(args: Args) -> ExitCode {
    match args.what {
        What::Check { paths, rounds } => bench_check(&paths, rounds.max(1)),
        What::Compile { paths, rounds } => bench_compile(&paths, rounds.max(1)),
        What::Vm { rounds } => bench_vm(rounds.max(1)),
        What::Sandbox { samples } => bench_sandbox(samples.max(1)),
    }
}

fn bench_sandbox(samples: usize) -> ExitCode {
    let ws = std::env::temp_dir().join(format!("w3-bench-sandbox-{}", std::process::id()));
    let measured = (|| -> Result<w3_host::bench::StepOverhead, String> {
        std::fs::create_dir_all(&ws).map_err(|e| format!("creating {}: {e}", ws.display()))?;
        let opts = w3_host::SandboxOptions::new(&ws);
        opts.prepare_workspace().map_err(|e| e.to_string())?;
        w3_host::bench::step_overhead(&opts, samples).map_err(|e| e.to_string())
    })();
    let _ = std::fs::remove_dir_all(&ws);
    let o = match measured {
        Ok(o) => o,
        Err(e) => {
            eprintln!("w3 bench: {e}");
            return ExitCode::from(2);
        }
    };
    let ms = |d: std::time::Duration| d.as_secs_f64() * 1e3;
    let out = serde_json::json!({
        "bench": "sandbox",
        "samples": o.samples,
        "bare_bash_ms": ms(o.bare),
        "unsandboxed_step_ms": ms(o.unsandboxed),
        "sandboxed_step_ms": ms(o.sandboxed),
        "per_step_overhead_ms": ms(o.per_step()),
    });
    println!("{out}");
    ExitCode::SUCCESS
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

/// Returns the fastest of `rounds` runs of `vm` (cloned each time), in seconds.
fn fastest(vm: &w3_vm::Vm, rounds: u32) -> f64 {
    let mut best = f64::INFINITY;
    for _ in 0..rounds {
        let mut run = vm.clone();
        let start = Instant::now();
        let done = run.run();
        best = best.min(start.elapsed().as_secs_f64());
        debug_assert!(done.is_ok());
    }
    best
}

fn bench_vm(rounds: u32) -> ExitCode {
    let mut classes = serde_json::Map::new();
    let (mut metered_total, mut unmetered_total, mut gas_total) = (0.0, 0.0, 0u64);
    for (name, module) in w3_vm::bench::classes() {
        let ops = if name == "expression" { w3_vm::bench::N / 8 * 8 } else { w3_vm::bench::N } as f64;
        let metered = w3_vm::bench::start(&module, true);
        let gas = match metered.clone().run() {
            Ok(w3_vm::RunState::Finished(outcome)) => outcome.gas_used,
            other => {
                eprintln!("w3 bench: the {name} program did not finish: {other:?}");
                return ExitCode::from(3);
            }
        };
        let on = fastest(&metered, rounds);
        let off = fastest(&w3_vm::bench::start(&module, false), rounds);
        metered_total += on;
        unmetered_total += off;
        gas_total += gas;
        classes.insert(
            name.to_string(),
            serde_json::json!({
                "ns_per_op": on * 1e9 / ops,
                "ns_per_op_unmetered": off * 1e9 / ops,
                "gas_per_op": gas as f64 / ops,
                "ns_per_gas": on * 1e9 / gas.max(1) as f64,
            }),
        );
    }
    let out = serde_json::json!({
        "bench": "vm",
        "rounds": rounds,
        "ops_per_program": w3_vm::bench::N,
        "classes": classes,
        "ns_per_gas": metered_total * 1e9 / gas_total.max(1) as f64,
        "metering_overhead_percent": (metered_total - unmetered_total) * 100.0 / unmetered_total,
    });
    println!("{out}");
    ExitCode::SUCCESS
}
