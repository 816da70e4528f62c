//! Defines [`Vm`]: a run of one module, driven by a host through `run`, `answer` and `cancel`.

use crate::config::Config;
use crate::error::{AnswerError, Fault, LoadError, VmError};
use crate::fiber::{Contexts, Fiber, Frame, Status, Wait};
use crate::host;
use crate::interp::{interpret, Exit};
use crate::meta::{clamp, measure, Meta};
use crate::program::Program;
use crate::sched;
use crate::state::{Recorded, State};
use std::collections::VecDeque;
use std::sync::Arc;
use w3_host_api::{Answer, PendingCall};
use w3_isa::{FuncId, FunctionKind, VerifiedModule};
use w3_value::{Object, Value};

/// Bounds the nodes visited when measuring a context or an answer from a host (a value shared
/// with itself many times over would otherwise take exponential time).
const MEASURE_BUDGET: u64 = 1 << 24;

/// Says where a run stands after [`Vm::run`].
#[derive(Clone, Debug, PartialEq)]
pub enum RunState {
    /// Fibers wait for these host calls (every call made and not yet answered, by index).
    Pending(Vec<PendingCall>),
    /// Every fiber has ended.
    Finished(Outcome),
}

/// Describes how one fiber ended.
#[derive(Clone, Debug, PartialEq)]
pub struct FiberOutcome {
    /// The name of the function it ran.
    pub function: String,
    /// How it ended.
    pub status: Status,
    /// What its function returned (null after `Halt` or an error).
    pub result: Value,
    /// The error that ended it, if one did.
    pub error: Option<VmError>,
}

/// Describes a finished run.
#[derive(Clone, Debug, PartialEq)]
pub struct Outcome {
    /// `failure` if any fiber failed, else `cancelled` if the run or a fiber was cancelled,
    /// else `success`.
    pub status: Status,
    /// What the entry function returned.
    pub result: Value,
    /// The gas used, VM and host calls together.
    pub gas_used: u64,
    /// The part of `gas_used` the hosts reported.
    pub host_gas: u64,
    /// Every fiber, by handle; fiber 0 ran the entry function.
    pub fibers: Vec<FiberOutcome>,
}

/// Runs one module: a deterministic state machine driven by its host.
///
/// [`run`](Vm::run) executes until every fiber waits or has ended; [`answer`](Vm::answer)
/// records host answers, which the next `run` consumes in the order they were recorded;
/// [`snapshot`](Vm::snapshot) and [`restore`](Vm::restore) move a paused run between processes.
#[derive(Clone, Debug)]
pub struct Vm {
    pub(crate) p: Arc<Program>,
    pub(crate) st: State,
}

impl Vm {
    /// Creates a run of `module`'s `workflow` function with the run's initial `contexts`.
    pub fn new(module: impl Into<Arc<VerifiedModule>>, contexts: Object, config: Config) -> Result<Vm, LoadError> {
        let module = module.into();
        let m = module.module();
        let workflows: Vec<usize> = (m.functions.iter().enumerate())
            .filter(|(_, f)| f.kind == FunctionKind::Workflow)
            .map(|(i, _)| i)
            .collect();
        let [entry] = workflows[..] else {
            return Err(LoadError::Entry(workflows.len()));
        };
        Vm::with_entry(module, FuncId(entry as u32), contexts, config)
    }

    /// Creates a run of function `entry` (which takes no parameters), e.g. the expression of a
    /// module compiled by `w3 expr`.
    pub fn with_entry(
        module: impl Into<Arc<VerifiedModule>>,
        entry: FuncId,
        contexts: Object,
        config: Config,
    ) -> Result<Vm, LoadError> {
        let module = module.into();
        let function = module.module().functions.get(entry.0 as usize).ok_or(LoadError::NoFunction(entry.0))?;
        if function.params != 0 {
            let name = module.module().string(function.name).unwrap_or_default().to_owned();
            return Err(LoadError::EntryParams(name));
        }
        let limits = &config.limits;
        let registers = usize::from(function.registers);
        if registers > limits.max_stack_slots as usize || limits.max_call_depth == 0 || limits.max_fibers == 0 {
            return Err(LoadError::Limits);
        }
        let mut initial = Contexts::default();
        for (name, value) in contexts.iter() {
            let (_, depth) = measure(value, limits.max_value_depth, MEASURE_BUDGET)
                .ok_or_else(|| LoadError::ContextTooDeep(name.to_owned()))?;
            let too_many = LoadError::TooManyContexts(crate::fiber::MAX_CONTEXTS);
            initial.set(name, value.clone(), Meta { bytes: 0, depth }).map_err(|_| too_many)?;
        }
        if initial.get("steps").is_none() {
            let steps = initial.set("steps", Value::Object(Object::new()), Meta { bytes: 0, depth: 1 });
            steps.map_err(|_| LoadError::TooManyContexts(crate::fiber::MAX_CONTEXTS))?;
        }
        if initial.get("job").is_none() {
            let job = initial.set("job", crate::steps::job_context("success"), Meta { bytes: 0, depth: 1 });
            job.map_err(|_| LoadError::TooManyContexts(crate::fiber::MAX_CONTEXTS))?;
        }
        let fiber = Fiber {
            entry: entry.0,
            frames: vec![Frame { func: entry.0, ..Frame::default() }],
            values: vec![Value::Null; registers],
            metas: vec![Meta::ZERO; registers],
            contexts: initial,
            ..Fiber::default()
        };
        let st = State {
            fibers: vec![fiber],
            ready: VecDeque::from([0]),
            pending: Vec::new(),
            inbox: VecDeque::new(),
            gas_used: 0,
            host_gas: 0,
            gas_limit: config.gas_limit,
            held: 0,
            cancelled: false,
            next_call: 0,
            consumed: 0,
            fatal: None,
            limits: config.limits.clone(),
        };
        let p = Arc::new(Program::new(module, config.metering));
        Ok(Vm { p, st })
    }

    /// Runs until every fiber waits for a host call or has ended, consuming recorded answers
    /// one at a time (each followed by running everything it made ready). A fatal error (out
    /// of gas, the run's memory, a deadlock) ends the run; later calls return it again.
    pub fn run(&mut self) -> Result<RunState, VmError> {
        if let Some(e) = &self.st.fatal {
            return Err(e.clone());
        }
        self.drive().inspect_err(|e| self.st.fatal = Some(e.clone()))
    }

    fn drive(&mut self) -> Result<RunState, VmError> {
        loop {
            while let Some(fid) = self.st.ready.pop_front() {
                self.execute(fid)?;
            }
            match self.st.inbox.pop_front() {
                Some(recorded) => self.consume(recorded)?,
                None => break,
            }
        }
        if self.st.fibers.iter().all(|f| f.ended.is_some()) {
            return Ok(RunState::Finished(self.outcome()));
        }
        if self.st.pending.is_empty() {
            return Err(VmError { fault: Fault::Deadlock, at: None });
        }
        Ok(RunState::Pending(self.pending()))
    }

    /// Runs fiber `fid` until it suspends or ends, catching and unwinding runtime errors.
    fn execute(&mut self, fid: u32) -> Result<(), VmError> {
        let p = Arc::clone(&self.p);
        let mut fiber = std::mem::take(&mut self.st.fibers[fid as usize]);
        let result = loop {
            let (fault, at) = match interpret(&p, &mut self.st, fid, &mut fiber) {
                Exit::Suspended => break Ok(()),
                Exit::Ended(value, meta) => break sched::finish(&mut self.st, fid, &mut fiber, Ok((value, meta))),
                Exit::Fault(fault, at) => (fault, at),
            };
            let error = VmError { fault, at: Some(at) };
            if error.fault.is_fatal() {
                self.st.fibers[fid as usize] = fiber;
                return Err(error);
            }
            match sched::unwind(&mut self.st, &mut fiber, &error) {
                Ok(true) => continue,
                Ok(false) => break sched::finish(&mut self.st, fid, &mut fiber, Err(error)),
                Err(fault) => break Err(fault),
            }
        };
        self.st.fibers[fid as usize] = fiber;
        result.map_err(|fault| VmError { fault, at: None })
    }

    /// Resumes the fiber that made the call `recorded` answers.
    fn consume(&mut self, recorded: Recorded) -> Result<(), VmError> {
        let Some(at) = self.st.pending.iter().position(|c| c.index == recorded.index) else {
            return Ok(());
        };
        let call = self.st.pending.remove(at);
        self.st.consumed += 1;
        let fid = call.fiber as usize;
        let mut fiber = std::mem::take(&mut self.st.fibers[fid]);
        let location = fiber.frames.last().map(|f| self.p.locate(f.func, (f.pc as usize).saturating_sub(1)));
        let mut result = Ok(());
        if self.p.metering {
            self.st.host_gas = self.st.host_gas.saturating_add(recorded.gas_used);
            result = self.st.charge(recorded.gas_used);
        }
        if let (Ok(()), Wait::Host { dst, .. }) = (&result, fiber.wait) {
            result = sched::deliver(&mut self.st, &mut fiber, dst, recorded.value, recorded.meta);
        }
        fiber.wait = Wait::Ready;
        self.st.fibers[fid] = fiber;
        result.map_err(|fault| VmError { fault, at: location })?;
        self.st.ready.push_back(call.fiber);
        Ok(())
    }

    /// Records the answer to a pending call; the next [`run`](Vm::run) consumes answers in the
    /// order they were recorded, whatever order the calls were made in.
    pub fn answer(&mut self, answer: Answer) -> Result<(), AnswerError> {
        let index = answer.call_index;
        let limits = &self.st.limits;
        let call = self.st.pending.iter_mut().find(|c| c.index == index).ok_or(AnswerError::Unknown(index))?;
        if call.answered {
            return Err(AnswerError::Duplicate(index));
        }
        call.answered = true;
        let mut value = host::answer_value(call.kind(), &answer.result);
        let meta = match measure(&value, limits.max_value_depth, MEASURE_BUDGET) {
            Some((bytes, depth)) => Meta { bytes: clamp(bytes), depth },
            None => {
                let refused = Err(w3_host_api::HostError::Limit {
                    what: "the answer's nesting".into(),
                    limit: u64::from(limits.max_value_depth),
                });
                value = host::answer_value(call.kind(), &refused);
                Meta { bytes: 128, depth: 1 }
            }
        };
        let gas_used = answer.gas_used;
        self.st.inbox.push_back(Recorded { index, value, meta, gas_used });
        Ok(())
    }

    /// Cancels the run: from now on `cancelled()` is true and `success()` false, and fibers
    /// that end are `cancelled` unless they failed. Fibers keep running: compiled code decides
    /// what still runs (`always()` steps).
    pub fn cancel(&mut self) {
        self.st.cancelled = true;
    }

    /// Returns every call made and not yet answered, by index.
    pub fn pending(&self) -> Vec<PendingCall> {
        (self.st.pending.iter())
            .filter(|c| !c.answered)
            .map(|c| {
                let (step, policy) = crate::host::origin(&c.request);
                PendingCall {
                    fiber: c.fiber,
                    call_index: c.index,
                    call: c.call.clone(),
                    gas_limit: c.gas_limit,
                    step,
                    policy,
                }
            })
            .collect()
    }

    /// Returns the name of the function fiber `fiber` runs (for a job leg, `job X leg`), so a
    /// host can say which job a call comes from.
    pub fn fiber_function(&self, fiber: u32) -> Option<&str> {
        let entry = self.st.fibers.get(fiber as usize)?.entry;
        let module = self.p.module.module();
        module.string(module.functions.get(entry as usize)?.name)
    }

    /// Returns the gas used so far, VM and host calls together.
    pub fn gas_used(&self) -> u64 {
        self.st.gas_used
    }

    /// Returns the accounted bytes the run holds now.
    pub fn memory_held(&self) -> u64 {
        self.st.held
    }

    /// Returns how many recorded answers were consumed.
    pub fn answers_consumed(&self) -> u64 {
        self.st.consumed
    }

    fn outcome(&self) -> Outcome {
        let module = self.p.module.module();
        let fibers: Vec<FiberOutcome> = (self.st.fibers.iter())
            .filter_map(|f| {
                let ended = f.ended.as_ref()?;
                let name = module.functions.get(f.entry as usize).and_then(|g| module.string(g.name));
                Some(FiberOutcome {
                    function: name.unwrap_or_default().to_owned(),
                    status: ended.status,
                    result: ended.result.clone(),
                    error: ended.error.clone(),
                })
            })
            .collect();
        let any = |s: Status| fibers.iter().any(|f| f.status == s);
        let status = if any(Status::Failure) {
            Status::Failure
        } else if self.st.cancelled || any(Status::Cancelled) {
            Status::Cancelled
        } else {
            Status::Success
        };
        Outcome {
            status,
            result: fibers.first().map_or(Value::Null, |f| f.result.clone()),
            gas_used: self.st.gas_used,
            host_gas: self.st.host_gas,
            fibers,
        }
    }
}
