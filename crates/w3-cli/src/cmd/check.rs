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
    let projects = Projects::resolve(&files, explicit);
    let now = now();
    let reports: Vec<Report> = files.par_iter().map(|f| check_file(f, &projects, now)).collect();
    print(&reports, args.format, !args.no_snippet && std::io::stdout().is_terminal())
}

/// The project root and configuration of each directory holding files to check, looked up
/// once per directory rather than once per file.
struct Projects {
    dirs: std::collections::HashMap<PathBuf, Result<Project, String>>,
}

/// A directory's project root (if any) and the configuration that applies there.
type Project = (Option<PathBuf>, std::sync::Arc<Config>);

impl Projects {
    fn resolve(files: &[PathBuf], explicit: Option<Config>) -> Self {
        let explicit = explicit.map(std::sync::Arc::new);
        let mut dirs = std::collections::HashMap::new();
        for f in files {
            let dir = f.parent().map(Path::to_path_buf).unwrap_or_default();
            dirs.entry(dir).or_insert_with_key(|dir| {
                let root = project_root(dir);
                let config = match &explicit {
                    Some(c) => Ok(c.clone()),
                    None => Config::discover(root.as_deref().unwrap_or(dir))
                        .map(std::sync::Arc::new)
                        .map_err(|e| e.to_string()),
                };
                config.map(|c| (root, c))
            });
        }
        Self { dirs }
    }

    fn get(&self, file: &Path) -> &Result<Project, String> {
        &self.dirs[file.parent().unwrap_or(Path::new(""))]
    }
}

fn check_file(path: &Path, projects: &Projects, now: i64) -> Report {
    let shown = path.display().to_string();
    let source = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => return Report { path: shown, source: Vec::new(), result: Err(format!("could not read file: {e}")) },
    };
    let (root, config) = match projects.get(path) {
        Ok(p) => p,
        Err(e) => return Report { path: shown, source, result: Err(e.clone()) },
    };
    let cx = Context { config, project_root: root.as_deref(), now };
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| w3_check::lint(&source, &cx)))
        .map_err(|p| panic_message(&p));
    Report { path: shown, source, result }
}

fn print(reports: &[Report], format: Format, snippets: bool) -> ExitCode {
    // Buffered: stdout writes line by line otherwise, one system call per finding.
    let mut stdout = std::io::BufWriter::new(std::io::stdout().lock());
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
    let _ = stdout.flush();
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

/// Returns the nearest ancestor of `dir` (itself included) holding `.git` or `.github`: the
/// repository whose local actions and reusable workflows `./` references name. Without one,
/// rules that read other files are skipped, as a lone workflow file has no repository to look
/// into.
fn project_root(dir: &Path) -> Option<PathBuf> {
    let dir = if dir.as_os_str().is_empty() { Path::new(".") } else { dir };
    let abs = std::fs::canonicalize(dir).ok()?;
    abs.ancestors()
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
