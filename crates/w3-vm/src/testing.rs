//! Provides an in-memory, deterministic host for tests and benchmarks: it answers host calls
//! from a script and records the answers in a journal, so a run can be replayed.

use crate::error::VmError;
use crate::vm::{Outcome, RunState, Vm};
use std::collections::BTreeSet;
use w3_host_api::{Answer, HostCall, HostCallKind, HostError, HostGasSchedule, HostResult, PendingCall};
use w3_value::Value;

/// Chooses the order in which the host records the answers to the calls of one round.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Order {
    /// In the order the calls were made.
    Issued,
    /// Last call first, as if the later calls finished earlier.
    Reversed,
}

/// Holds one scripted reply: for calls of `kind` whose canonical request contains `needle`.
#[derive(Clone, Debug)]
struct Rule {
    kind: HostCallKind,
    needle: Option<String>,
    reply: Result<HostResult, HostError>,
}

/// Answers host calls from a script, deterministically.
#[derive(Clone, Debug)]
pub struct ScriptedHost {
    rules: Vec<Rule>,
    order: Order,
    /// Every call answered, in the order the answers were recorded.
    pub calls: Vec<HostCall>,
    /// Every answer, in the order it was recorded: the run's journal.
    pub journal: Vec<Answer>,
}

impl Default for ScriptedHost {
    fn default() -> ScriptedHost {
        ScriptedHost::new()
    }
}

/// Returns the reply a host gives when the script has none: success with empty output.
pub fn default_reply(call: &HostCall) -> Result<HostResult, HostError> {
    Ok(match call {
        HostCall::ShellCommand { .. } | HostCall::GithubAction { .. } => HostResult::Shell {
            exit_code: 0,
            stdout: Vec::new(),
            stderr: Vec::new(),
            timed_out: false,
            files: Default::default(),
        },
        HostCall::HttpRequest { .. } => HostResult::Http { status: 200, headers: Vec::new(), body: Vec::new() },
        HostCall::StorageRead { .. } => HostResult::Bytes(None),
        HostCall::Random { len } => HostResult::Bytes(Some(vec![0; *len as usize])),
        HostCall::Now => HostResult::Time { unix_ms: 0 },
        HostCall::HashFiles { .. } => HostResult::Value(Value::from("")),
        HostCall::InvokeAction { .. } => HostResult::Value(Value::Null),
        HostCall::StorageWrite { .. } | HostCall::EmitEvent { .. } | HostCall::Log { .. } => HostResult::Done,
    })
}

impl ScriptedHost {
    /// Returns a host that gives every call its [`default_reply`], in the order calls were made.
    pub fn new() -> ScriptedHost {
        ScriptedHost { rules: Vec::new(), order: Order::Issued, calls: Vec::new(), journal: Vec::new() }
    }

    /// Returns the host recording answers in `order`.
    pub fn with_order(mut self, order: Order) -> ScriptedHost {
        self.order = order;
        self
    }

    /// Adds a reply for calls of `kind`; with `needle`, only for those whose request (its
    /// debug form, e.g. the shell command) contains it. The first matching rule wins.
    pub fn on(
        mut self,
        kind: HostCallKind,
        needle: Option<&str>,
        reply: Result<HostResult, HostError>,
    ) -> ScriptedHost {
        self.rules.push(Rule { kind, needle: needle.map(str::to_owned), reply });
        self
    }

    /// Adds a reply for shell commands containing `needle`: this exit code and stdout.
    pub fn shell(self, needle: &str, exit_code: i32, stdout: &str) -> ScriptedHost {
        let reply = HostResult::Shell {
            exit_code,
            stdout: stdout.into(),
            stderr: Vec::new(),
            timed_out: false,
            files: Default::default(),
        };
        self.on(HostCallKind::ShellCommand, Some(needle), Ok(reply))
    }

    /// Returns the answer to `call`: the first matching rule's reply, else the default, with
    /// the gas host schedule 1 charges for it (no time metered).
    pub fn reply(&self, call: &PendingCall) -> Answer {
        let text = format!("{:?}", call.call);
        let rule = self
            .rules
            .iter()
            .find(|r| r.kind == call.call.kind() && r.needle.as_deref().is_none_or(|n| text.contains(n)));
        let result = rule.map_or_else(|| default_reply(&call.call), |r| r.reply.clone());
        let gas_used = match &result {
            Ok(r) => HostGasSchedule::v1().total(&call.call, r, 0),
            Err(_) => HostGasSchedule::v1().upfront(&call.call),
        };
        Answer { call_index: call.call_index, result, gas_used }
    }

    /// Answers the calls of one round: every pending call not answered before, recorded in this
    /// host's order.
    pub fn answer_round(&mut self, vm: &mut Vm, calls: Vec<PendingCall>, seen: &mut BTreeSet<u64>) {
        let mut fresh: Vec<PendingCall> = calls.into_iter().filter(|c| seen.insert(c.call_index)).collect();
        if self.order == Order::Reversed {
            fresh.reverse();
        }
        for call in fresh {
            let answer = self.reply(&call);
            if vm.answer(answer.clone()).is_ok() {
                self.calls.push(call.call);
                self.journal.push(answer);
            }
        }
    }

    /// Runs `vm` to the end, answering every call; returns the outcome or the fatal error.
    pub fn drive(&mut self, vm: &mut Vm) -> Result<Outcome, VmError> {
        let mut seen = BTreeSet::new();
        loop {
            match vm.run()? {
                RunState::Finished(outcome) => return Ok(outcome),
                RunState::Pending(calls) => self.answer_round(vm, calls, &mut seen),
            }
        }
    }
}

/// Runs `vm` to the end, recording the answers of `journal` one by one as their calls appear;
/// returns the outcome. Replays a run whose journal a [`ScriptedHost`] (or any host) recorded.
pub fn replay(vm: &mut Vm, journal: &[Answer]) -> Result<Outcome, VmError> {
    let mut next = journal.iter();
    loop {
        match vm.run()? {
            RunState::Finished(outcome) => return Ok(outcome),
            RunState::Pending(_) => {
                let Some(answer) = next.next() else {
                    return Err(VmError {
                        fault: crate::error::Fault::Internal("the journal ran out".into()),
                        at: None,
                    });
                };
                vm.answer(answer.clone())
                    .map_err(|e| VmError { fault: crate::error::Fault::Internal(e.to_string()), at: None })?;
            }
        }
    }
}
