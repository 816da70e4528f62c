//! `w3 expr`: evaluates one GitHub-Actions expression — compiled to bytecode and run in the
//! VM, as workflows run them — and prints its value as JSON.
//!
//! The value goes to stdout as JSON (arrays and objects pretty-printed with two spaces, numbers
//! in their shortest form with integers written without `.0`). NaN and the infinities, which JSON
//! cannot express, are printed as the bare words `NaN`, `Infinity` and `-Infinity`, as Python's
//! `json` module writes and reads them. Exit codes: 0 with a value; 1 for a lexing, parsing or
//! evaluation error (message on stderr, nothing on stdout); 2 when the context file cannot be
//! read or is not a JSON object.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use w3_dsl::expr::{to_json_text, JsonStyle, NonFinite, Object, Value, WORKFLOW_CONTEXTS};

/// Evaluates a GitHub-Actions expression.
#[derive(clap::Args)]
pub struct Args {
    /// JSON object whose keys are the contexts (named values) the expression may use, matched
    /// ignoring case. Without it, the workflow contexts (github, env, vars, job, jobs, steps,
    /// runner, secrets, strategy, matrix, needs, inputs) exist and are empty objects.
    #[arg(long, value_name = "FILE.json")]
    pub context: Option<PathBuf>,
    /// The expression, without `${{ }}`; put it after `--` if it starts with `-`.
    #[arg(allow_hyphen_values = true)]
    pub expr: String,
}

/// Runs `w3 expr` and returns its exit code.
pub fn run(args: Args) -> ExitCode {
    let contexts = match &args.context {
        Some(path) => match load_contexts(path) {
            Ok(contexts) => contexts,
            Err(message) => {
                eprintln!("w3 expr: {message}");
                return ExitCode::from(2);
            }
        },
        None => WORKFLOW_CONTEXTS.iter().map(|name| (*name, Value::from(Object::new()))).collect(),
    };
    // Compiled to bytecode and run in the VM: the path every workflow expression takes.
    let value = match w3_runner::expr::evaluate(&args.expr, &contexts) {
        Ok(value) => value,
        Err(error) => {
            eprintln!("w3 expr: {} error: {error}", error.phase());
            return ExitCode::from(1);
        }
    };
    let style = JsonStyle { pretty: true, non_finite: NonFinite::Bare };
    match to_json_text(&value, style) {
        Ok(json) => {
            println!("{json}");
            ExitCode::SUCCESS
        }
        Err(reason) => {
            eprintln!("w3 expr: evaluation error: {reason}");
            ExitCode::from(1)
        }
    }
}

/// Reads the context file: a JSON object whose entries are the named values.
fn load_contexts(path: &Path) -> Result<Object, String> {
    let text =
        std::fs::read_to_string(path).map_err(|e| format!("cannot read context file {}: {e}", path.display()))?;
    let json: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("context file {} is not valid JSON: {e}", path.display()))?;
    let serde_json::Value::Object(map) = json else {
        return Err(format!("context file {} must hold a JSON object whose keys are context names", path.display()));
    };
    Ok(map.into_iter().map(|(name, value)| (name, Value::from(value))).collect())
}
