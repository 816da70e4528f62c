//! `w3 compile` and `w3 disasm`: deploy-time compilation of a workflow into a module, and its
//! readable listing.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use w3_compiler::{compile_workflow, CompileError};

#[derive(clap::Args)]
pub struct CompileArgs {
    /// The workflow file.
    pub file: PathBuf,
    /// Where to write the module (default: the workflow's file name with the extension `.w3m`,
    /// in the current directory).
    #[arg(short, long, value_name = "OUT")]
    pub output: Option<PathBuf>,
    /// Print the manifest as JSON instead of the content hash.
    #[arg(long)]
    pub manifest: bool,
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
        other => eprintln!("{shown}: {other} [compile]"),
    }
}

fn read(path: &Path) -> Result<Vec<u8>, ExitCode> {
    std::fs::read(path).map_err(|e| {
        eprintln!("w3: cannot read {}: {e}", path.display());
        ExitCode::from(2)
    })
}

fn compile_file(path: &Path, bytes: &[u8]) -> Result<w3_compiler::Compiled, ExitCode> {
    let Ok(source) = std::str::from_utf8(bytes) else {
        eprintln!("{}: the file is not valid UTF-8 [compile]", path.display());
        return Err(ExitCode::from(1));
    };
    let name = path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned());
    compile_workflow(source, &name).map_err(|e| {
        report(path, &e);
        ExitCode::from(1)
    })
}

pub fn compile(args: CompileArgs) -> ExitCode {
    let bytes = match read(&args.file) {
        Ok(b) => b,
        Err(code) => return code,
    };
    let compiled = match compile_file(&args.file, &bytes) {
        Ok(c) => c,
        Err(code) => return code,
    };
    if args.manifest {
        println!("{}", compiled.manifest.to_pretty_json());
        if args.output.is_none() {
            return ExitCode::SUCCESS;
        }
    }
    let out = args.output.unwrap_or_else(|| {
        let stem = args.file.file_stem().map_or_else(|| "workflow".into(), |s| s.to_string_lossy().into_owned());
        PathBuf::from(format!("{stem}.w3m"))
    });
    if let Err(e) = std::fs::write(&out, compiled.module.encode()) {
        eprintln!("w3: cannot write {}: {e}", out.display());
        return ExitCode::from(2);
    }
    if !args.manifest {
        let hash: String = compiled.module.content_hash().iter().map(|b| format!("{b:02x}")).collect();
        println!("blake3:{hash}");
    }
    ExitCode::SUCCESS
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
    let compiled = match compile_file(&args.file, &bytes) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let name = args.file.file_name().map_or_else(|| args.file.display().to_string(), |n| n.to_string_lossy().into_owned());
    let text = String::from_utf8_lossy(&bytes);
    print!("{}", w3_isa::disassemble(&compiled.module, &[(&name, &text)]));
    ExitCode::SUCCESS
}
