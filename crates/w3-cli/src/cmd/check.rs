//! `w3 check`: lints workflow files like actionlint.
//!
//! Exit codes: 0 no problems, 1 problems found, 2 bad invocation, 3 internal error.

use rayon::prelude::*;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use w3_check::{output, Config, Context};
use w3_dsl::{Diagnostic, Severity};

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
}

#[derive(clap::Args)]
pub struct Args {
    /// Workflow files or directories (searched recursively for *.yml and *.yaml).
    #[arg(default_value = ".github/workflows")]
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
    /// Configuration file (default: .github/actionlint.yaml or .yml of the project).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Never print source snippets, even on a terminal.
    #[arg(long)]
    pub no_snippet: bool,
}

/// What checking one file produced.
struct Report {
    path: String,
    source: Vec<u8>,
    result: Result<Vec<Diagnostic>, String>,
}

pub fn run(args: Args) -> ExitCode {
    let files = match collect(&args.paths) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("w3 check: {e}");
            return ExitCode::from(2);
        }
    };
    let explicit = match args.config.as_deref().map(Config::load).transpose() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("w3 check: {e}");
            return ExitCode::from(2);
        }
    };
    let reports: Vec<Report> = files.par_iter().map(|f| check_file(f, explicit.as_ref())).collect();
    print(&reports, args.format, !args.no_snippet && std::io::stdout().is_terminal())
}

fn check_file(path: &Path, explicit: Option<&Config>) -> Report {
    let shown = path.display().to_string();
    let source = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => return Report { path: shown, source: Vec::new(), result: Err(format!("could not read file: {e}")) },
    };
    let root = project_root(path);
    let lookup_root = root.clone().unwrap_or_else(|| path.parent().map(Path::to_path_buf).unwrap_or_default());
    let discovered;
    let config = match explicit {
        Some(c) => c,
        None => {
            discovered = match Config::discover(&lookup_root) {
                Ok(c) => c,
                Err(e) => return Report { path: shown, source, result: Err(e.to_string()) },
            };
            &discovered
        }
    };
    let cx = Context { config, project_root: root.as_deref(), now: now() };
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| w3_check::lint(&source, &cx)))
        .map_err(|p| panic_message(&p));
    Report { path: shown, source, result }
}

fn print(reports: &[Report], format: Format, snippets: bool) -> ExitCode {
    let mut stdout = std::io::stdout().lock();
    let mut problems = false;
    let mut internal = false;
    let mut json = Vec::new();
    for r in reports {
        let diags = match &r.result {
            Ok(d) => d,
            Err(e) => {
                eprintln!("w3 check: internal error while checking {}: {e}", r.path);
                internal = true;
                continue;
            }
        };
        problems |= diags.iter().any(|d| d.severity == Severity::Error);
        match format {
            Format::Json => json.extend(diags.iter().map(|d| output::JsonDiagnostic::new(&r.path, d))),
            Format::Text => {
                let src = snippets.then(|| String::from_utf8_lossy(&r.source));
                for d in diags {
                    let _ = stdout.write_all(output::text(&r.path, d, src.as_deref()).as_bytes());
                }
            }
        }
    }
    if let Format::Json = format {
        let _ = serde_json::to_writer_pretty(&mut stdout, &json);
        let _ = writeln!(stdout);
    }
    ExitCode::from(if internal {
        3
    } else if problems {
        1
    } else {
        0
    })
}

/// Expands the command-line paths into the workflow files to check, in a stable order.
pub(crate) fn collect(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut out = Vec::new();
    for p in paths {
        let meta = std::fs::metadata(p).map_err(|e| format!("{}: {e}", p.display()))?;
        if meta.is_dir() {
            walk(p, &mut out).map_err(|e| format!("{}: {e}", p.display()))?;
        } else {
            out.push(p.clone());
        }
    }
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let path = e.path();
        let ty = e.file_type()?;
        if ty.is_dir() {
            walk(&path, out)?;
        } else if path.extension().is_some_and(|x| x == "yml" || x == "yaml") {
            out.push(path);
        }
    }
    Ok(())
}

/// Returns the nearest ancestor of `file` holding `.git` or `.github`: the repository whose
/// local actions and reusable workflows `./` references name. Without one, rules that read
/// other files are skipped, as a lone workflow file has no repository to look into.
fn project_root(file: &Path) -> Option<PathBuf> {
    let abs = std::fs::canonicalize(file).unwrap_or_else(|_| file.to_path_buf());
    let dir = abs.parent()?.to_path_buf();
    dir.ancestors()
        .find(|d| d.join(".git").exists() || (d.join(".github").is_dir() && !d.ends_with(".github")))
        .map(Path::to_path_buf)
}

/// Returns the current time, or `SOURCE_DATE_EPOCH` when set, for reproducible output.
fn now() -> i64 {
    std::env::var("SOURCE_DATE_EPOCH").ok().and_then(|s| s.parse().ok()).unwrap_or_else(|| {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
    })
}

fn panic_message(p: &Box<dyn std::any::Any + Send>) -> String {
    p.downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "panic".into())
}
