//! `w3 expr`: evaluates one expression.

use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// JSON object whose keys are the contexts the expression may use.
    #[arg(long, value_name = "FILE.json")]
    pub context: Option<PathBuf>,
    /// The expression, without `${{ }}`.
    pub expr: String,
}

pub fn run(_args: Args) -> ExitCode {
    eprintln!("w3 expr: not implemented yet");
    ExitCode::from(1)
}
