//! One module per subcommand.

pub mod bench;
pub mod check;
pub mod compile;
pub mod expr;
pub mod progress;
pub mod replay;
pub mod run;
