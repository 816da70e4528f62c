//! Defines fibers (one per job, plus the workflow's) and what each holds: a call stack of frames
//! over one register file, its contexts, its open step, its job outputs and how it waits.

use crate::error::{Fault, VmError};
use crate::meta::Meta;
use std::fmt;
use std::sync::Arc;
use w3_value::text::fold;
use w3_value::Value;

/// Says how a fiber (a job) ended, as `Join` reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Status {
    /// It ended normally and no step concluded `failure`.
    Success,
    /// A step concluded `failure`, or an error ended it.
    Failure,
    /// The run was cancelled before it ended, or a step concluded `cancelled`.
    Cancelled,
}

impl Status {
    /// Returns the status as GitHub spells results: `success`, `failure`, `cancelled`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Status::Success => "success",
            Status::Failure => "failure",
            Status::Cancelled => "cancelled",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Holds one named value of a fiber's contexts.
#[derive(Clone, Debug)]
pub(crate) struct Entry {
    /// The name, case-folded for lookups.
    pub folded: String,
    /// The name as first written.
    pub name: Arc<str>,
    /// The value.
    pub value: Value,
    /// What the entry holds: `bytes` counts towards the run's memory (zero for the contexts
    /// the run started with), `depth` bounds the value's nesting.
    pub meta: Meta,
}

/// Bounds the contexts of one fiber (GitHub has a dozen), so looking one up stays cheap.
pub const MAX_CONTEXTS: usize = 64;

/// Holds a fiber's contexts in insertion order, looked up ignoring case.
#[derive(Clone, Debug, Default)]
pub(crate) struct Contexts {
    pub entries: Vec<Entry>,
}

impl Contexts {
    /// Returns the entry whose case-folded name is `folded`.
    pub fn get(&self, folded: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.folded == folded)
    }

    /// Sets `name` to `value`; returns the bytes of the entry it replaced (zero if new), or
    /// fails when a new entry would exceed [`MAX_CONTEXTS`].
    pub fn set(&mut self, name: &str, value: Value, meta: Meta) -> Result<u32, Fault> {
        let folded = fold(name);
        let full = self.entries.len() >= MAX_CONTEXTS;
        match self.entries.iter_mut().find(|e| e.folded == folded) {
            Some(e) => {
                e.value = value;
                Ok(std::mem::replace(&mut e.meta, meta).bytes)
            }
            None if full => Err(Fault::Contexts { limit: MAX_CONTEXTS as u32 }),
            None => {
                self.entries.push(Entry { folded, name: Arc::from(name), value, meta });
                Ok(0)
            }
        }
    }

    /// Returns the accounted bytes of every entry.
    pub fn bytes(&self) -> u64 {
        self.entries.iter().map(|e| u64::from(e.meta.bytes)).sum()
    }
}

/// Says where a frame's result goes in its caller.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Ret {
    /// The caller's register for the result.
    pub dst: u16,
    /// Whether the frame was entered by `TryCall`, which catches runtime errors below it.
    pub catch: bool,
}

/// Holds one activation of a function.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Frame {
    /// The function.
    pub func: u32,
    /// The next instruction (an index into the function's code) when the frame resumes.
    pub pc: u32,
    /// The frame's first register in the fiber's register file.
    pub base: u32,
    /// Where the result goes.
    pub ret: Ret,
}

/// Holds the step a fiber is in, between `StepBegin` and `StepEnd`.
#[derive(Clone, Debug)]
pub(crate) struct OpenStep {
    /// The step's id (empty for a step without one).
    pub id: Arc<str>,
    /// The outputs set so far (an object).
    pub outputs: Value,
    /// The `env` context before the step, restored when it ends.
    pub saved_env: Option<(Value, Meta)>,
}

/// Says what a fiber waits for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum Wait {
    /// Nothing: it is ready to run (or running).
    #[default]
    Ready,
    /// The answer to host call `call`, for register `dst`.
    Host {
        /// The call's index.
        call: u64,
        /// The register the answer goes to.
        dst: u16,
    },
    /// Fiber `target` to end, for register `dst`.
    Join {
        /// The awaited fiber.
        target: u32,
        /// The register the join result goes to.
        dst: u16,
    },
    /// Nothing ever again: it ended.
    Done,
}

/// Holds how a fiber ended.
#[derive(Clone, Debug)]
pub(crate) struct Ended {
    pub status: Status,
    pub result: Value,
    pub meta: Meta,
    pub error: Option<VmError>,
}

/// Holds one fiber.
#[derive(Clone, Debug)]
pub(crate) struct Fiber {
    /// The function the fiber started with.
    pub entry: u32,
    /// The call stack; the last frame runs.
    pub frames: Vec<Frame>,
    /// The registers of all frames, each frame's from its `base`.
    pub values: Vec<Value>,
    /// The accounting of each register.
    pub metas: Vec<Meta>,
    /// The named values `LoadContext` reads.
    pub contexts: Contexts,
    /// The open step, if any.
    pub step: Option<OpenStep>,
    /// Outputs set outside any step: the job's (an object).
    pub outputs: Value,
    /// Whether a step concluded `failure`.
    pub step_failed: bool,
    /// Whether a step concluded `cancelled`.
    pub step_cancelled: bool,
    /// What the fiber waits for.
    pub wait: Wait,
    /// How it ended, once it has.
    pub ended: Option<Ended>,
    /// Fibers waiting in `Join` for this one, with their destination registers, in the order
    /// they started waiting.
    pub waiters: Vec<(u32, u16)>,
    /// The accounted bytes held outside registers: contexts written, outputs.
    pub held: u64,
}

impl Default for Fiber {
    /// Returns a fiber with no frames, no contexts and no outputs (an empty object).
    fn default() -> Fiber {
        Fiber {
            entry: 0,
            frames: Vec::new(),
            values: Vec::new(),
            metas: Vec::new(),
            contexts: Contexts::default(),
            step: None,
            outputs: Value::Object(w3_value::Object::new()),
            step_failed: false,
            step_cancelled: false,
            wait: Wait::Ready,
            ended: None,
            waiters: Vec::new(),
            held: 0,
        }
    }
}

impl Fiber {
    /// Returns the bytes held by the registers of frames from `base` up.
    pub fn slot_bytes(&self, base: usize) -> u64 {
        self.metas.get(base..).unwrap_or_default().iter().map(|m| u64::from(m.bytes)).sum()
    }

    /// Drops the registers from `base` up; returns the bytes they held.
    pub fn truncate(&mut self, base: usize) -> u64 {
        let bytes = self.slot_bytes(base);
        self.values.truncate(base);
        self.metas.truncate(base);
        bytes
    }
}
