//! `w3 compile` and `w3 disasm`: deploy-time compilation of a workflow into a module, and its
//! readable listing.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use w3_compiler::{compile_selection, CompileError, Selection};
use w3_runner::actions::DirActionFiles;

#[derive(clap::Args)]
pub struct CompileArgs {
    /// The workflow files; with several, each module's hash is printed before its path.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Where to write the module (default: the workflow's file name with the extension `.w3m`,
    /// in the current directory); with several files, a directory for the modules.
    #[arg(short, long, value_name = "OUT")]
    pub output: Option<PathBuf>,
    /// Print the manifest as JSON instead of the content hash.
    #[arg(long)]
    pub manifest: bool,
    /// A directory of GitHub actions (`OWNER/REPO@REF/action.yml`): `uses: OWNER/REPO@REF`
    /// found there is compiled into the module like a local action.
    #[arg(long = "action-dir", visible_alias = "actions-dir", value_name = "DIR")]
    pub action_dir: Option<PathBuf>,
}

#[derive(clap::Args)]
pub struct DisasmArgs {
    /// A module (`.w3m`) or a workflow, which is compiled first.
    pub file: PathBuf,
}

/// Prints a compile error as `path:line:col: message`, like `w3 check`.
fn report(path: &Path, e: &CompileError) {
    let shown = path.display();
    match e {
        CompileError::Invalid(diags) => {
            for d in diags {
                eprintln!("{}", d.render(&shown.to_string()));
            }
        }
        CompileError::At { pos, message } => eprintln!("{shown}:{}:{}: {message} [compile]", pos.line, pos.col),
        CompileError::Action { .. } => eprintln!("{e} [compile] (in {shown})"),
        other => eprintln!("{shown}: {other} [compile]"),
    }
}

/// Prints what GitHub would refuse in the workflow at `path` when it loads it (unavailable
/// contexts, unknown needs, expressions that do not parse...) and returns whether there was
/// nothing: such a workflow is not compiled or run, as GitHub would not run it.
pub fn load_check(path: &Path, bytes: &[u8]) -> bool {
    let config = w3_check::Config::default();
    let cx = w3_check::Context { config: &config, project_root: None, now: 0 };
    let errors = w3_check::load_errors(bytes, &cx);
    let shown = path.display().to_string();
    for d in &errors {
        eprintln!("{}", d.render(&shown));
    }
    errors.is_empty()
}

fn read(path: &Path) -> Result<Vec<u8>, ExitCode> {
    std::fs::read(path).map_err(|e| {
        eprintln!("w3: cannot read {}: {e}", path.display());
        ExitCode::from(2)
    })
}

/// Returns the repository a workflow file belongs to, where its local actions (`uses:
/// ./path`) are: the nearest directory above it holding `.git`, else the one holding the
/// `.github` directory it is in. `None` for a file outside any repository.
fn repository_of(path: &Path) -> Option<PathBuf> {
    let abs = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let dirs = || abs.ancestors().skip(1);
    dirs()
        .find(|d| d.join(".git").exists())
        .or_else(|| dirs().find(|d| d.file_name().is_some_and(|n| n == ".github")).and_then(Path::parent))
        .map(Path::to_path_buf)
}

fn compile_file(path: &Path, bytes: &[u8], action_dir: Option<&Path>) -> Result<w3_compiler::Compiled, ExitCode> {
    let Ok(source) = std::str::from_utf8(bytes) else {
        eprintln!("{}: the file is not valid UTF-8 [compile]", path.display());
        return Err(ExitCode::from(1));
    };
    if !load_check(path, bytes) {
        return Err(ExitCode::from(1));
    }
    let name = path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned());
    // Actions are compiled in when the workflow is in a repository (or an actions directory is
    // given, local actions then coming from the current directory). A lone file outside any
    // repository leaves its `uses:` to the executor, as `w3 check` skips what it cannot read.
    let root = repository_of(path).or_else(|| action_dir.and_then(|_| std::env::current_dir().ok()));
    let files = root.map(|root| DirActionFiles::new(root, action_dir.map(Path::to_path_buf)));
    let selection =
        Selection { actions: files.as_ref().map(|f| f as &dyn w3_compiler::ActionFiles), ..Selection::default() };
    compile_selection(source, &name, &selection).map_err(|e| {
        report(path, &e);
        ExitCode::from(1)
    })
}

/// Returns the module file name for a workflow: its stem with the extension `.w3m`.
fn module_name(file: &Path) -> PathBuf {
    let stem = file.file_stem().map_or_else(|| "workflow".into(), |s| s.to_string_lossy().into_owned());
    PathBuf::from(format!("{stem}.w3m"))
}

pub fn compile(args: CompileArgs) -> ExitCode {
    let several = args.files.len() > 1;
    if several && args.manifest {
        eprintln!("w3 compile: --manifest takes one workflow");
        return ExitCode::from(2);
    }
    if let (true, Some(dir)) = (several, &args.output) {
        if let Err(e) = std::fs::create_dir_all(dir) {
            eprintln!("w3: cannot create {}: {e}", dir.display());
            return ExitCode::from(2);
        }
    }
    let mut status = ExitCode::SUCCESS;
    let mut written: std::collections::HashSet<PathBuf> = std::collections::HashSet::new();
    for file in &args.files {
        let compiled = match read(file).and_then(|bytes| compile_file(file, &bytes, args.action_dir.as_deref())) {
            Ok(c) => c,
            Err(code) => {
                status = code;
                continue;
            }
        };
        if args.manifest {
            println!("{}", compiled.manifest.to_pretty_json());
            if args.output.is_none() {
                return ExitCode::SUCCESS;
            }
        }
        let out = match (&args.output, several) {
            (Some(dir), true) => {
                // Workflows of different directories may share a name (`ci.yml`): number them.
                let mut path = dir.join(module_name(file));
                let mut n = 1;
                while !written.insert(path.clone()) {
                    n += 1;
                    let stem = module_name(file).with_extension("");
                    path = dir.join(format!("{}-{n}.w3m", stem.display()));
                }
                path
            }
            (Some(out), false) => out.clone(),
            (None, _) => module_name(file),
        };
        if let Err(e) = std::fs::write(&out, compiled.module.encode()) {
            eprintln!("w3: cannot write {}: {e}", out.display());
            return ExitCode::from(2);
        }
        let hash: String = compiled.module.content_hash().iter().map(|b| format!("{b:02x}")).collect();
        match (args.manifest, several) {
            (true, _) => {}
            (false, true) => println!("blake3:{hash} {}", file.display()),
            (false, false) => println!("blake3:{hash}"),
        }
    }
    status
}

pub fn disasm(args: DisasmArgs) -> ExitCode {
    let bytes = match read(&args.file) {
        Ok(b) => b,
        Err(code) => return code,
    };
    if bytes.starts_with(&w3_isa::MAGIC) {
        return match w3_isa::Module::decode(&bytes) {
            Ok(module) => {
                print!("{}", w3_isa::disassemble(&module, &[]));
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("{}: not a valid module: {e}", args.file.display());
                ExitCode::from(1)
            }
        };
    }
    let compiled = match compile_file(&args.file, &bytes, None) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let name =
        args.file.file_name().map_or_else(|| args.file.display().to_string(), |n| n.to_string_lossy().into_owned());
    let text = String::from_utf8_lossy(&bytes);
    print!("{}", w3_isa::disassemble(&compiled.module, &[(&name, &text)]));
    ExitCode::SUCCESS
}
