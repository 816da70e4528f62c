//! Why compilation failed.

/// A compilation failure.
#[derive(Debug, thiserror::Error)]
pub enum CompileError {
    /// The expression does not lex or parse (GitHub's message, with its position).
    #[error("{0}")]
    Expression(#[from] w3_dsl::expr::Error),
    /// The module could not be assembled (a limit of the module format was exceeded).
    #[error("could not assemble the module: {0}")]
    Build(#[from] w3_isa::BuildError),
    /// An expression needs more registers, arguments or elements than one instruction holds.
    #[error("{0} exceeds the limit of the instruction set")]
    TooLarge(&'static str),
    /// The workflow has errors (structure, syntax); they are the parser's diagnostics.
    #[error("the workflow is not valid: {}", .0.first().map(|d| d.to_string()).unwrap_or_default())]
    Invalid(Vec<w3_dsl::Diagnostic>),
    /// Something at a source position cannot be compiled.
    #[error("{pos}: {message}")]
    At { pos: w3_dsl::Pos, message: String },
    /// Something in the metadata file of an action the workflow uses (`file` is relative to the
    /// repository or the actions directory) cannot be compiled.
    #[error("{file}:{pos}: {message}")]
    Action { file: String, pos: w3_dsl::Pos, message: String },
    /// The compiler produced a module the verifier rejects: a bug in the compiler.
    #[error("internal compiler error: {0}")]
    Internal(String),
}

impl CompileError {
    /// Returns an error at `pos`.
    pub fn at(pos: w3_dsl::Pos, message: impl Into<String>) -> Self {
        CompileError::At { pos, message: message.into() }
    }
}
