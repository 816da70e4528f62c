//! Restores a run from snapshot bytes, checking every index so that a corrupt snapshot is an
//! error, never a panic.

use super::codec::{Reader, Table};
use super::{errors, MAGIC, VERSION};
use crate::config::Limits;
use crate::error::SnapshotError;
use crate::fiber::{Contexts, Ended, Fiber, Frame, OpenStep, Ret, Status, Wait};
use crate::host;
use crate::meta::Meta;
use crate::program::{Inst, Program};
use crate::state::{Pending, Recorded, State};
use crate::vm::Vm;
use std::collections::VecDeque;
use std::sync::Arc;
use w3_host_api::HostCallKind;
use w3_isa::VerifiedModule;

type Result<T> = std::result::Result<T, SnapshotError>;

impl Vm {
    /// Restores a run of `module` from bytes made by [`snapshot`](Vm::snapshot), in this or
    /// another process; it continues exactly as the original would have.
    pub fn restore(module: impl Into<Arc<VerifiedModule>>, bytes: &[u8]) -> Result<Vm> {
        let mut r = Reader::new(bytes);
        if r.take(4, "magic").ok() != Some(&MAGIC[..]) || r.u16("version").ok() != Some(VERSION) {
            return Err(SnapshotError::Format);
        }
        let hash = r.take(32, "module hash")?;
        let module = module.into();
        if module.module().content_hash() != hash {
            return Err(SnapshotError::Module);
        }
        let table = Table::read(&mut r)?;
        let gas_limit = r.u64("gas limit")?;
        let metering = r.bool("metering")?;
        let limits = Limits {
            max_stack_slots: r.u32("limit")?,
            max_call_depth: r.u32("limit")?,
            max_value_bytes: r.u32("limit")?,
            max_value_depth: r.u16("limit")?,
            max_memory: r.u64("limit")?,
            max_fibers: r.u32("limit")?,
        };
        let mut program = Program::new(module, metering);
        let d = Decoder { p: &program, t: &table };
        let st = d.state(&mut r, gas_limit, limits)?;
        let constants = d.constants(&mut r)?;
        let st = d.rest(&mut r, st)?;
        if !r.done() {
            return Err(r.invalid("trailing bytes"));
        }
        check(&program, &st).map_err(|what| SnapshotError::Invalid { offset: bytes.len(), what })?;
        // Registers holding a constant's array must keep sharing it with `LoadConst`.
        for ((value, _), restored) in program.constants.iter_mut().zip(constants) {
            *value = restored;
        }
        Ok(Vm { p: Arc::new(program), st })
    }
}

struct Decoder<'a> {
    p: &'a Program,
    t: &'a Table,
}

fn meta(r: &mut Reader<'_>) -> Result<Meta> {
    Ok(Meta { bytes: r.u32("bytes")?, depth: r.u16("depth")? })
}

impl Decoder<'_> {
    fn state(&self, r: &mut Reader<'_>, gas_limit: u64, limits: Limits) -> Result<State> {
        let [gas_used, host_gas, held, next_call, consumed] =
            [r.u64("gas")?, r.u64("gas")?, r.u64("held")?, r.u64("call index")?, r.u64("cursor")?];
        let cancelled = r.bool("cancelled")?;
        let fatal = if r.bool("fatal")? { Some(errors::read(r)?) } else { None };
        Ok(State {
            fibers: Vec::new(),
            ready: VecDeque::new(),
            pending: Vec::new(),
            inbox: VecDeque::new(),
            gas_used,
            host_gas,
            gas_limit,
            held,
            cancelled,
            next_call,
            consumed,
            fatal,
            limits,
        })
    }

    fn constants(&self, r: &mut Reader<'_>) -> Result<Vec<w3_value::Value>> {
        let n = r.count(1, "constants")?;
        if n != self.p.constants.len() {
            return Err(r.invalid("constants"));
        }
        (0..n).map(|_| self.t.value(r)).collect()
    }

    fn rest(&self, r: &mut Reader<'_>, mut st: State) -> Result<State> {
        let n = r.count(8, "fibers")?;
        for _ in 0..n {
            st.fibers.push(self.fiber(r)?);
        }
        let n = r.count(4, "ready")?;
        for _ in 0..n {
            st.ready.push_back(r.u32("ready")?);
        }
        let n = r.count(20, "pending")?;
        for _ in 0..n {
            let (index, fiber) = (r.u64("call index")?, r.u32("fiber")?);
            let kind = HostCallKind::from_u8(r.u8("kind")?).ok_or(r.invalid("kind"))?;
            let request = self.t.value(r)?;
            let call = host::request(kind, &request).map_err(|_| r.invalid("request"))?;
            let (gas_limit, answered) = (r.u64("gas limit")?, r.bool("answered")?);
            st.pending.push(Pending { index, fiber, request, call, gas_limit, answered });
        }
        let n = r.count(20, "inbox")?;
        for _ in 0..n {
            let index = r.u64("call index")?;
            let value = self.t.value(r)?;
            let (meta, gas_used) = (meta(r)?, r.u64("gas")?);
            st.inbox.push_back(Recorded { index, value, meta, gas_used });
        }
        Ok(st)
    }

    fn pc(&self, r: &mut Reader<'_>, func: u32) -> Result<u32> {
        let (offset, charged) = (r.u32("offset")?, r.bool("charged")?);
        let code = self.p.code.get(func as usize).ok_or(r.invalid("function"))?;
        let at = code.offsets.partition_point(|o| *o < offset);
        if code.offsets.get(at) != Some(&offset) {
            return Err(r.invalid("offset"));
        }
        let charge = code.insts.get(at).is_some_and(Inst::is_charge);
        let pc = match (charge, charged) {
            (true, true) => at + 1,
            (_, false) if !charge => return Err(r.invalid("offset")),
            _ => at,
        };
        // A frame resumes only where the prepared code assumes nothing of its registers
        // (after a call, a host call or a join, or at its function's start): anywhere else
        // the registers a snapshot brings could break what a quickened instruction assumes.
        if code.assumes(pc) {
            return Err(r.invalid("offset"));
        }
        Ok(pc as u32)
    }

    fn fiber(&self, r: &mut Reader<'_>) -> Result<Fiber> {
        let mut f = Fiber { entry: r.u32("entry")?, ..Fiber::default() };
        f.wait = match r.u8("wait")? {
            0 => Wait::Ready,
            1 => Wait::Host { call: r.u64("call")?, dst: r.u16("dst")? },
            2 => Wait::Join { target: r.u32("target")?, dst: r.u16("dst")? },
            3 => Wait::Done,
            _ => return Err(r.invalid("wait")),
        };
        for _ in 0..r.count(16, "frames")? {
            let func = r.u32("function")?;
            let pc = self.pc(r, func)?;
            let base = r.u32("base")?;
            let ret = Ret { dst: r.u16("dst")?, catch: r.bool("catch")? };
            f.frames.push(Frame { func, pc, base, ret });
        }
        for _ in 0..r.count(7, "registers")? {
            f.values.push(self.t.value(r)?);
            f.metas.push(meta(r)?);
        }
        f.contexts = Contexts::default();
        for _ in 0..r.count(11, "contexts")? {
            let name = r.str("name")?.to_owned();
            let value = self.t.value(r)?;
            f.contexts.set(&name, value, meta(r)?).map_err(|_| r.invalid("contexts"))?;
        }
        if r.bool("step")? {
            let id = Arc::from(r.str("step id")?);
            let outputs = self.t.value(r)?;
            let saved_env = if r.bool("env")? { Some((self.t.value(r)?, meta(r)?)) } else { None };
            f.step = Some(OpenStep { id, outputs, saved_env });
        }
        f.outputs = self.t.value(r)?;
        (f.step_failed, f.step_cancelled, f.held) = (r.bool("failed")?, r.bool("cancelled")?, r.u64("held")?);
        if r.bool("ended")? {
            let status = match r.u8("status")? {
                0 => Status::Success,
                1 => Status::Failure,
                2 => Status::Cancelled,
                _ => return Err(r.invalid("status")),
            };
            let (result, meta) = (self.t.value(r)?, meta(r)?);
            let error = if r.bool("error")? { Some(errors::read(r)?) } else { None };
            f.ended = Some(Ended { status, result, meta, error });
        }
        for _ in 0..r.count(6, "waiters")? {
            f.waiters.push((r.u32("waiter")?, r.u16("dst")?));
        }
        Ok(f)
    }
}

/// Checks what the interpreter relies on without checking: frames tile the register file,
/// result registers exist, every fiber, call and register a wait names exists, and registers
/// holding scalars are accounted zero (`Meta::fits`).
fn check(p: &Program, st: &State) -> std::result::Result<(), &'static str> {
    let n = st.fibers.len();
    let registers = |func: u32| p.code.get(func as usize).map(|c| u32::from(c.registers));
    for (i, f) in st.fibers.iter().enumerate() {
        if f.values.len() != f.metas.len() || (f.entry as usize) >= p.code.len() {
            return Err("fiber");
        }
        if !f.values.iter().zip(&f.metas).all(|(v, m)| m.fits(v)) {
            return Err("register accounting");
        }
        if f.ended.is_some() != f.frames.is_empty() || f.ended.is_some() != (f.wait == Wait::Done) {
            return Err("fiber end");
        }
        let mut top = 0u32;
        let mut caller: Option<u32> = None;
        for frame in &f.frames {
            let size = registers(frame.func).ok_or("frame")?;
            let need = u32::from(frame.ret.dst) + u32::from(frame.ret.catch);
            if frame.base != top || caller.is_some_and(|c| need >= c) {
                return Err("frame");
            }
            (top, caller) = (top + size, Some(size));
        }
        if f.values.len() != top as usize {
            return Err("registers");
        }
        let fits = |dst: u16| caller.is_some_and(|c| u32::from(dst) < c);
        let ok = match f.wait {
            Wait::Host { call, dst } => {
                fits(dst) && st.pending.iter().any(|c| c.index == call && c.fiber as usize == i)
            }
            Wait::Join { target, dst } => fits(dst) && (target as usize) < n && target as usize != i,
            Wait::Ready | Wait::Done => true,
        };
        if !ok || f.waiters.iter().any(|(w, _)| *w as usize >= n) {
            return Err("wait");
        }
    }
    let live = |i: &u32| st.fibers.get(*i as usize).is_some_and(|f| f.ended.is_none());
    if !st.ready.iter().all(live) || !st.pending.iter().all(|c| live(&c.fiber)) {
        return Err("fiber handle");
    }
    if !st.inbox.iter().all(|a| st.pending.iter().any(|c| c.index == a.index && c.answered)) {
        return Err("answer");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::meta::Meta;
    use crate::{bench, SnapshotError, Vm};

    #[test]
    fn a_scalar_register_accounted_as_holding_bytes_is_refused() {
        let module = bench::classes().swap_remove(0).1;
        let vm = bench::start(&module, true);
        assert!(Vm::restore(module.clone(), &vm.snapshot()).is_ok());
        let mut bad = vm.clone();
        let fiber = &mut bad.st.fibers[0];
        assert!(fiber.values[1].owns_nothing(), "the bench programs start with null registers");
        fiber.metas[1] = Meta { bytes: 8, depth: 0 };
        let refused = Vm::restore(module, &bad.snapshot()).err();
        assert!(matches!(refused, Some(SnapshotError::Invalid { what: "register accounting", .. })), "{refused:?}");
    }

    #[test]
    fn a_frame_resuming_where_quickened_code_assumes_is_refused() {
        // `move` loads a number, then moves it 4,096 times: from the second move on, the code
        // assumes both registers hold scalars.
        let module = bench::classes().swap_remove(0).1;
        let vm = bench::start(&module, true);
        let main = module.module().function_named("main").unwrap();
        let code = &vm.p.code[main.0 as usize];
        assert_eq!(vm.st.fibers[0].frames[0].func, main.0);
        let assuming = (0..code.insts.len()).filter(|&pc| code.assumes(pc)).collect::<Vec<_>>();
        assert!(assuming.len() > 4_000, "{}", assuming.len());
        assert!(!code.assumes(0));
        let mut bad = vm.clone();
        bad.st.fibers[0].frames[0].pc = assuming[10] as u32;
        let refused = Vm::restore(module, &bad.snapshot()).err();
        assert!(matches!(refused, Some(SnapshotError::Invalid { what: "offset", .. })), "{refused:?}");
    }
}
