//! One expression, compiled and run in the VM.

use w3_compiler::{compile_expression, CompileError};
use w3_dsl::expr::ParseOptions;
use w3_isa::{verify, FuncId};
use w3_value::{Object, Value};
use w3_vm::{Config, Fault, RunState, Status, Vm, VmError};

/// Why an expression has no value.
#[derive(Debug, thiserror::Error)]
pub enum ExprError {
    /// It does not lex or parse (GitHub's message and position).
    #[error("{0}")]
    Compile(#[from] CompileError),
    /// Evaluating it failed (GitHub's message where GitHub has one).
    #[error("{0}")]
    Evaluation(String),
}

impl ExprError {
    /// Returns the phase that failed: `lexing`, `parsing` or `evaluation`.
    pub fn phase(&self) -> &'static str {
        match self {
            ExprError::Compile(CompileError::Expression(e)) => match e.kind() {
                w3_dsl::expr::ErrorKind::Lexing => "lexing",
                w3_dsl::expr::ErrorKind::Parsing => "parsing",
                w3_dsl::expr::ErrorKind::Evaluation => "evaluation",
            },
            ExprError::Compile(_) => "parsing",
            ExprError::Evaluation(_) => "evaluation",
        }
    }
}

/// Evaluates `source` (without `${{ }}`) with `contexts` as its named values (each key is an
/// allowed name, matched ignoring case): parse, compile to a module, verify, run in the VM.
pub fn evaluate(source: &str, contexts: &Object) -> Result<Value, ExprError> {
    let options = ParseOptions::new().named_values(contexts.keys());
    let module = compile_expression(source, &options)?;
    let verified = verify(&module).map_err(|e| ExprError::Evaluation(format!("internal error: {e}")))?;
    // GitHub bounds the memory of one expression's evaluation; so does a run of one expression.
    let mut config = Config::default();
    config.limits.max_memory = w3_value::DEFAULT_MAX_MEMORY as u64;
    let mut vm = Vm::with_entry(verified, FuncId(0), contexts.clone(), config)
        .map_err(|e| ExprError::Evaluation(e.to_string()))?;
    match vm.run() {
        Ok(RunState::Finished(outcome)) => {
            let fiber = outcome.fibers.first();
            match fiber.and_then(|f| f.error.as_ref()) {
                Some(e) => Err(evaluation_error(e)),
                None if outcome.status == Status::Success => Ok(outcome.result),
                None => Err(ExprError::Evaluation(format!("the expression ended with status {:?}", outcome.status))),
            }
        }
        Ok(RunState::Pending(_)) => Err(ExprError::Evaluation(
            "the expression asked the host for something (hashFiles), which `w3 expr` has no workspace for".into(),
        )),
        Err(e) => Err(evaluation_error(&e)),
    }
}

/// Words a VM error as GitHub does where GitHub has words for it: outgrowing memory is
/// "The maximum allowed memory size was exceeded", whichever VM limit caught it.
fn evaluation_error(e: &VmError) -> ExprError {
    match e.fault {
        Fault::Memory { .. } | Fault::ValueTooLarge { .. } => {
            ExprError::Evaluation(format!("{} ({e})", w3_value::ValueError::MemoryExceeded))
        }
        _ => ExprError::Evaluation(e.to_string()),
    }
}
