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
        /// Measure only this class (`move`, `call`, ...); repeatable. All classes by default.
        #[arg(long = "class", value_name = "NAME")]
        classes: Vec<String>,
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
    /// Run workflows with `w3 run` (and with act when `--act` names it), each in a fresh git
    /// repository holding only the workflow (and the files of the directory named like it,
    /// when there is one), alternating the tools, and report median wall times and their ratio.
    Run {
        /// Workflow files or directories (their `*.yml`/`*.yaml` files, not recursive).
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Runs of each workflow with each tool; the medians are reported.
        #[arg(long, default_value_t = 3)]
        runs: usize,
        /// act's binary, run as `act push -P ubuntu-latest=-self-hosted -W FILE`.
        #[arg(long, value_name = "PATH")]
        act: Option<PathBuf>,
        /// Options passed on to `w3 run` (e.g. `--sandbox=none`), repeatable.
        #[arg(long = "w3-arg", value_name = "ARG", allow_hyphen_values = true)]
        w3_args: Vec<String>,
    },
    /// Measure what a sandboxed `run:` step costs: the median wall time of a `true` step in a
    /// job's sandbox (as `w3 run` runs steps), in a bubblewrap sandbox of its own, without a
    /// sandbox, and of a bare `bash -c true`, interleaved in one run; and the job sandbox's
    /// set-up.
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
        What::Vm { rounds, classes } => bench_vm(rounds.max(1), &classes),
        What::Sandbox { samples } => bench_sandbox(samples.max(1)),
        What::Run { paths, runs, act, w3_args } => bench_run(&paths, runs.max(1), act.as_deref(), &w3_args),
    }
}

/// Returns the median of `samples` in milliseconds (the upper one of an even count).
fn median_ms(mut samples: Vec<f64>) -> f64 {
    samples.sort_by(f64::total_cmp);
    samples.get(samples.len() / 2).copied().unwrap_or(0.0)
}

/// Times one run of `program args` in a fresh git repository holding only `workflow` (as
/// `.github/workflows/NAME`) and the files of the directory `NAME/` beside it, if any; returns
/// the milliseconds and the exit code.
fn time_in_repo(workflow: &std::path::Path, program: &std::path::Path, args: &[String]) -> Result<(f64, i32), String> {
    let dir = std::env::temp_dir().join(format!(
        "w3-bench-run-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    ));
    let wf_dir = dir.join(".github/workflows");
    let name = workflow.file_name().ok_or("a workflow path has no file name")?;
    std::fs::create_dir_all(&wf_dir).map_err(|e| format!("{}: {e}", wf_dir.display()))?;
    std::fs::copy(workflow, wf_dir.join(name)).map_err(|e| format!("{}: {e}", workflow.display()))?;
    // The files of the directory named like the workflow (the actions it uses), if there is one.
    w3_host::sandbox::copy_entries(&workflow.with_extension(""), &dir).map_err(|e| e.to_string())?;
    let git = |args: &[&str]| {
        std::process::Command::new("git")
            .args(["-c", "user.email=bench@w3", "-c", "user.name=bench"])
            .args(args)
            .current_dir(&dir)
            .output()
            .map_err(|e| format!("git: {e}"))
    };
    git(&["init", "-q", "-b", "main"])?;
    git(&["add", "-A"])?;
    git(&["commit", "-qm", "bench"])?;
    let file = format!(".github/workflows/{}", name.to_string_lossy());
    let start = Instant::now();
    let out = std::process::Command::new(program)
        .args(args)
        .arg("-W")
        .arg(&file)
        .current_dir(&dir)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .map_err(|e| format!("{}: {e}", program.display()));
    let ms = start.elapsed().as_secs_f64() * 1e3;
    let _ = std::fs::remove_dir_all(&dir);
    Ok((ms, out?.code().unwrap_or(-1)))
}

static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

fn bench_run(paths: &[PathBuf], runs: usize, act: Option<&std::path::Path>, w3_args: &[String]) -> ExitCode {
    let mut files = Vec::new();
    for p in paths {
        match super::run::workflow_files(p) {
            Ok(f) => files.extend(f),
            Err(e) => {
                eprintln!("w3 bench: {e}");
                return ExitCode::from(2);
            }
        }
    }
    let w3 = match std::env::current_exe() {
        Ok(p) => p,
        Err(e) => {
            eprintln!("w3 bench: {e}");
            return ExitCode::from(2);
        }
    };
    let mut w3_cmd = vec!["run".to_string()];
    w3_cmd.extend(w3_args.iter().cloned());
    let act_cmd: Vec<String> = ["push", "-P", "ubuntu-latest=-self-hosted"].map(String::from).to_vec();
    let (mut w3_total, mut act_total) = (0.0, 0.0);
    let mut rows = Vec::new();
    for file in &files {
        let (mut w3_ms, mut act_ms, mut codes) = (Vec::new(), Vec::new(), (None, None));
        // Alternating the tools spreads the machine's drift over both.
        let tools = [Some((w3.as_path(), &w3_cmd)), act.map(|a| (a, &act_cmd))];
        for _ in 0..runs {
            for (i, (program, cmd)) in tools.iter().enumerate().filter_map(|(i, t)| Some((i, (*t)?))) {
                let (ms, code) = match time_in_repo(file, program, cmd) {
                    Ok(x) => x,
                    Err(e) => {
                        eprintln!("w3 bench: {e}");
                        return ExitCode::from(2);
                    }
                };
                let (samples, last) = if i == 0 { (&mut w3_ms, &mut codes.0) } else { (&mut act_ms, &mut codes.1) };
                samples.push(ms);
                *last = Some(code);
            }
        }
        let (w, a) = (median_ms(w3_ms), act.map(|_| median_ms(act_ms)));
        w3_total += w;
        act_total += a.unwrap_or(0.0);
        rows.push(serde_json::json!({
            "workflow": file.display().to_string(),
            "w3_ms": w,
            "w3_exit": codes.0,
            "act_ms": a,
            "act_exit": codes.1,
        }));
    }
    let out = serde_json::json!({
        "bench": "run",
        "runs": runs,
        "workflows": rows,
        "w3_total_ms": w3_total,
        "act_total_ms": act.map(|_| act_total),
        "w3_over_act": act.map(|_| if act_total > 0.0 { w3_total / act_total } else { 0.0 }),
    });
    println!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
    ExitCode::SUCCESS
}

fn bench_sandbox(samples: usize) -> ExitCode {
    let ws = std::env::temp_dir().join(format!("w3-bench-sandbox-{}", std::process::id()));
    let measured = (|| -> Result<w3_host::bench::StepOverhead, String> {
        std::fs::create_dir_all(&ws).map_err(|e| format!("creating {}: {e}", ws.display()))?;
        let mut opts = w3_host::SandboxOptions::new(&ws);
        opts.agent = w3_host::AgentCommand::current_exe();
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
        "own_sandbox_step_ms": ms(o.sandboxed),
        "job_sandbox_step_ms": o.in_job.map(ms),
        "job_sandbox_setup_ms": o.job_setup.map(ms),
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

fn bench_vm(rounds: u32, only: &[String]) -> ExitCode {
    let all = w3_vm::bench::classes();
    if let Some(unknown) = only.iter().find(|c| !all.iter().any(|(name, _)| name == c)) {
        let known: Vec<&str> = all.iter().map(|(name, _)| *name).collect();
        eprintln!("w3 bench: no VM class is called `{unknown}` (the classes: {})", known.join(", "));
        return ExitCode::from(2);
    }
    let mut classes = serde_json::Map::new();
    let (mut metered_total, mut unmetered_total, mut gas_total) = (0.0, 0.0, 0u64);
    let wanted = |class: &str| only.is_empty() || only.iter().any(|c| c == class);
    for (name, module) in all.into_iter().filter(|(name, _)| wanted(name)) {
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
    // The same simple instructions in wasmi, measured here, so the figures above can be read
    // against a mature interpreter on this machine.
    let mut reference = serde_json::Map::new();
    for (name, beside) in w3_host_wasm::bench::CLASSES {
        if !wanted(beside) {
            continue;
        }
        let measure = |fuel| w3_host_wasm::bench::measure(name, rounds, fuel).expect("a reference class");
        match (measure(true), measure(false)) {
            (Ok(fuel), Ok(no_fuel)) => {
                let entry = serde_json::json!({ "beside": beside, "ns_per_op": fuel, "ns_per_op_unmetered": no_fuel });
                reference.insert(format!("wasmi_{name}"), entry);
            }
            (Err(e), _) | (_, Err(e)) => {
                eprintln!("w3 bench: the wasmi reference {name} did not run: {e}");
                return ExitCode::from(3);
            }
        }
    }
    let out = serde_json::json!({
        "bench": "vm",
        "rounds": rounds,
        "ops_per_program": w3_vm::bench::N,
        "classes": classes,
        "reference": reference,
        "ns_per_gas": metered_total * 1e9 / gas_total.max(1) as f64,
        "metering_overhead_percent": (metered_total - unmetered_total) * 100.0 / unmetered_total,
    });
    println!("{out}");
    ExitCode::SUCCESS
}
