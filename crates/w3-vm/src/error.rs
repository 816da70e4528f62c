//! Defines the VM's typed errors and where they happened.
//!
//! A [`Fault`] says what went wrong; a [`VmError`] adds the [`Location`]: the function, the code
//! offset and the source position from the module's debug map, so a runtime error points at a
//! YAML line. Faults fall in three classes (see `docs/vm.md`): *fatal* ones end the whole run
//! (gas, the run's memory, deadlock), *limits* end the fiber that hit them, and the rest are
//! *runtime errors* that a `TryCall` catches or that otherwise end the fiber with `failure`.

use std::fmt;
use w3_value::ValueError;

/// Says what went wrong while running.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Fault {
    /// The run used all its gas (VM and host calls together).
    #[error("out of gas: the run's limit of {limit} gas is used up")]
    OutOfGas {
        /// The run's gas limit.
        limit: u64,
    },
    /// The values the run holds outgrew its memory limit.
    #[error("the run holds more than its memory limit of {limit} bytes")]
    Memory {
        /// The limit in accounted bytes.
        limit: u64,
    },
    /// Every unfinished fiber waits for another fiber, and no host call is outstanding.
    #[error("deadlock: every unfinished fiber waits on another fiber")]
    Deadlock,
    /// A call went deeper than the frame limit.
    #[error("call depth exceeds the limit of {limit} frames")]
    CallDepth {
        /// The frame limit.
        limit: u32,
    },
    /// A call needed more registers than the fiber's limit.
    #[error("the fiber needs more than its limit of {limit} registers")]
    Stack {
        /// The register limit.
        limit: u32,
    },
    /// A fiber would have more contexts than the VM allows.
    #[error("a fiber may have at most {limit} contexts")]
    Contexts {
        /// The limit.
        limit: u32,
    },
    /// `Spawn` would start more fibers than the run's limit.
    #[error("the run may start at most {limit} fibers")]
    Fibers {
        /// The fiber limit.
        limit: u32,
    },
    /// An instruction would create a value larger than the value limit.
    #[error("a value would exceed the limit of {limit} bytes")]
    ValueTooLarge {
        /// The limit in accounted bytes.
        limit: u32,
    },
    /// An instruction would create a value nested deeper than the depth limit.
    #[error("a value would be nested deeper than the limit of {limit}")]
    ValueTooDeep {
        /// The depth limit.
        limit: u16,
    },
    /// `Fail` ran, or `case()` met a predicate that is not a boolean.
    #[error("{0}")]
    Fail(String),
    /// A built-in function failed, with GitHub's message.
    #[error("{0}")]
    Value(#[from] ValueError),
    /// `matrixExpand` was given something that is not a matrix.
    #[error("invalid matrix: {0}")]
    Matrix(String),
    /// A `HostCall`'s request object does not describe a call of its kind.
    #[error("invalid `{kind}` host request: {reason}")]
    BadRequest {
        /// The host-call kind.
        kind: &'static str,
        /// What is wrong with the request.
        reason: String,
    },
    /// `Join` was given something that is not the handle of another fiber.
    #[error("`Join` needs the handle of another fiber, not {0}")]
    BadHandle(String),
    /// `StepBegin`/`StepEnd` were used out of order or with a bad outcome.
    #[error("{0}")]
    Step(String),
    /// The VM broke one of its own invariants (a bug, reported rather than panicking).
    #[error("internal VM error: {0}")]
    Internal(String),
}

impl Fault {
    /// Returns whether the fault ends the whole run rather than one fiber.
    pub fn is_fatal(&self) -> bool {
        matches!(self, Fault::OutOfGas { .. } | Fault::Memory { .. } | Fault::Deadlock | Fault::Internal(_))
    }

    /// Returns whether a `TryCall` catches the fault: runtime errors do, limits and fatal
    /// faults do not.
    pub fn is_catchable(&self) -> bool {
        !self.is_fatal()
            && !matches!(
                self,
                Fault::CallDepth { .. } | Fault::Stack { .. } | Fault::Fibers { .. } | Fault::Contexts { .. }
            )
    }
}

/// Locates a source position: a file and a 1-based line/column range.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SourcePos {
    /// The source file, as the module's debug map names it.
    pub file: String,
    /// The first line.
    pub line: u32,
    /// The first column.
    pub col: u32,
    /// The last line.
    pub end_line: u32,
    /// The column just past the end.
    pub end_col: u32,
}

/// Locates an instruction: its function, code offset and, when the debug map has it, source.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Location {
    /// The function's index in the module.
    pub function: u32,
    /// The function's name.
    pub name: String,
    /// The instruction's byte offset in the function's code.
    pub offset: u32,
    /// The source the instruction was compiled from.
    pub source: Option<SourcePos>,
}

/// Writes `file:line:col` (where the span starts).
impl fmt::Display for SourcePos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.col)
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(s) = &self.source {
            write!(f, "{s}: ")?;
        }
        write!(f, "in `{}` (f{}) at {:04x}", self.name, self.function, self.offset)
    }
}

/// Holds a fault and where it happened.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct VmError {
    /// What went wrong.
    pub fault: Fault,
    /// Where, when an instruction caused it (a deadlock has no single place).
    pub at: Option<Location>,
}

impl fmt::Display for VmError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.at {
            Some(at) => write!(f, "{at}: {}", self.fault),
            None => write!(f, "{}", self.fault),
        }
    }
}

/// Says why a VM could not be created for a module.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LoadError {
    /// The module has no function of kind `workflow`, or more than one.
    #[error("the module must have exactly one `workflow` function; it has {0}")]
    Entry(usize),
    /// The entry function takes parameters.
    #[error("the entry function `{0}` must take no parameters")]
    EntryParams(String),
    /// The function index is out of range.
    #[error("there is no function f{0}")]
    NoFunction(u32),
    /// More initial contexts than a fiber may have.
    #[error("more than {0} contexts")]
    TooManyContexts(usize),
    /// A context value is nested deeper than the value depth limit.
    #[error("context `{0}` is nested deeper than the value depth limit")]
    ContextTooDeep(String),
    /// The limits cannot hold the entry frame.
    #[error("the limits cannot hold the entry function's frame")]
    Limits,
}

/// Says why an answer was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AnswerError {
    /// No pending call has this index.
    #[error("no pending host call has index {0}")]
    Unknown(u64),
    /// The call was already answered.
    #[error("host call {0} was already answered")]
    Duplicate(u64),
}

/// Says why a snapshot could not be restored.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SnapshotError {
    /// The bytes are not a VM snapshot of a supported version.
    #[error("not a w3 VM snapshot (bad magic or version)")]
    Format,
    /// The snapshot was taken of a run of a different module.
    #[error("the snapshot belongs to another module")]
    Module,
    /// The bytes end early or hold an invalid field.
    #[error("invalid snapshot at byte {offset}: {what}")]
    Invalid {
        /// The byte offset where the problem was found.
        offset: usize,
        /// What is wrong.
        what: &'static str,
    },
}
