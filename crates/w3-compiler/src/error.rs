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
}
