//! Local runs of w3: compile with `w3-compiler`, execute in `w3-vm`, answer host calls. This
//! crate is where the layers meet; it holds no semantics of its own.
//!
//! [`expr::evaluate`] runs one expression the way a workflow runs it — compiled to bytecode
//! and executed by the VM — which is what `w3 expr` does. [`run::run_module`] runs a workflow
//! with an [`run::Executor`] performing its host calls; [`journal`] records a run with signed
//! receipts and replays it without performing anything.

pub mod actions;
pub mod expr;
pub mod journal;
pub mod run;
