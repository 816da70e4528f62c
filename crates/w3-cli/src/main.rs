//! The `w3` binary: lint, evaluate, compile and run GitHub-Actions workflows as verifiable
//! automation.

use clap::{Parser, Subcommand};
use std::process::ExitCode;

mod cmd;

/// Linting allocates many small, short-lived values; mimalloc serves them faster than the
/// system allocator (measured with `w3 bench check` on the corpus).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Verifiable automation from GitHub-Actions workflows.
#[derive(Parser)]
#[command(name = "w3", version, about, long_about = None, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Lint workflow files (default: .github/workflows) like actionlint.
    Check(cmd::check::Args),
    /// Compile a workflow into a bytecode module; print its content hash or manifest.
    Compile(cmd::compile::CompileArgs),
    /// Print the listing of a module, or of a workflow after compiling it.
    Disasm(cmd::compile::DisasmArgs),
    /// Measure performance and print one JSON object of figures.
    Bench(cmd::bench::Args),
    /// Run workflows locally, like act: compiled, executed in the VM, steps in a sandbox.
    Run(Box<cmd::run::Args>),
    /// Re-execute runs recorded with `w3 run --journal`, without running anything, and check
    /// that each ends in the same state.
    Replay(cmd::replay::Args),
    /// Evaluate a GitHub-Actions expression and print its value as JSON.
    Expr(cmd::expr::Args),
}

fn main() -> ExitCode {
    // Inside a job's sandbox, the same binary starts the steps (see `w3_host::agent`).
    let mut args = std::env::args_os().skip(1);
    if args.next().is_some_and(|a| a == w3_host::agent::AGENT_ARG) {
        let rest: Vec<String> = args.map(|a| a.to_string_lossy().into_owned()).collect();
        return ExitCode::from(w3_host::agent::main_with_args(&rest).clamp(0, 255) as u8);
    }
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // Help and version are successful outcomes; anything else is a bad invocation (2).
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match cli.command {
        Command::Bench(args) => cmd::bench::run(args),
        Command::Check(args) => cmd::check::run(args),
        Command::Compile(args) => cmd::compile::compile(args),
        Command::Disasm(args) => cmd::compile::disasm(args),
        Command::Expr(args) => cmd::expr::run(args),
        Command::Run(args) => cmd::run::run(*args),
        Command::Replay(args) => cmd::replay::run(args),
    }
}
