//! Serializes a run's complete state to canonical bytes and restores it (`docs/vm.md` §6).
//!
//! The bytes hold everything but the module, which is named by its content hash: the limits
//! and gas, every fiber (frames, registers with their accounting, contexts, open step,
//! outputs, how it waits or ended), the ready queue, pending calls, recorded answers not yet
//! consumed, the answer cursor and a fatal error if the run ended with one. Equal states give
//! equal bytes, so [`Vm::state_hash`] (BLAKE3 of them) compares runs across machines.
//! A program counter is written as a byte offset of the function, so a snapshot does not
//! depend on how the VM prepares code.

mod codec;
mod errors;
mod read;

use crate::fiber::{Fiber, Wait};
use crate::meta::Meta;
use crate::program::{Inst, Program};
use crate::vm::Vm;
use codec::{Graph, Writer};

/// Starts every snapshot.
pub(crate) const MAGIC: [u8; 4] = *b"W3VS";
/// The snapshot format's version.
pub(crate) const VERSION: u16 = 1;

impl Vm {
    /// Returns the run's complete state as canonical bytes (see `docs/vm.md` §6). Take it
    /// between calls of [`run`](Vm::run), typically while the run is pending.
    pub fn snapshot(&self) -> Vec<u8> {
        let mut graph = Graph::default();
        let mut body = Writer::default();
        write_state(self, &mut graph, &mut body);
        let mut out = Writer::default();
        out.bytes.extend_from_slice(&MAGIC);
        out.u16(VERSION);
        out.bytes.extend_from_slice(&self.p.hash);
        graph.write(&mut out);
        out.bytes.extend_from_slice(&body.bytes);
        out.bytes
    }

    /// Returns the BLAKE3 hash of [`snapshot`](Vm::snapshot): equal for equal states.
    pub fn state_hash(&self) -> [u8; 32] {
        *blake3::hash(&self.snapshot()).as_bytes()
    }
}

fn meta(w: &mut Writer, m: Meta) {
    w.u32(m.bytes);
    w.u16(m.depth);
}

/// Writes a program counter as the byte offset of its instruction and whether that
/// instruction's block was already charged.
fn pc(w: &mut Writer, p: &Program, func: u32, pc: u32) {
    let code = &p.code[func as usize];
    w.u32(code.offsets.get(pc as usize).copied().unwrap_or(u32::MAX));
    w.bool(!code.insts.get(pc as usize).is_some_and(Inst::is_charge));
}

fn write_state<'a>(vm: &'a Vm, g: &mut Graph<'a>, w: &mut Writer) {
    let st = &vm.st;
    let l = &st.limits;
    w.u64(st.gas_limit);
    w.bool(vm.p.metering);
    w.u32(l.max_stack_slots);
    w.u32(l.max_call_depth);
    w.u32(l.max_value_bytes);
    w.u16(l.max_value_depth);
    w.u64(l.max_memory);
    w.u32(l.max_fibers);
    for n in [st.gas_used, st.host_gas, st.held, st.next_call, st.consumed] {
        w.u64(n);
    }
    w.bool(st.cancelled);
    w.bool(st.fatal.is_some());
    if let Some(e) = &st.fatal {
        errors::write(w, e);
    }
    w.len(vm.p.constants.len());
    vm.p.constants.iter().for_each(|(v, _)| g.value(v, w));
    w.len(st.fibers.len());
    st.fibers.iter().for_each(|f| write_fiber(&vm.p, f, g, w));
    w.len(st.ready.len());
    st.ready.iter().for_each(|f| w.u32(*f));
    w.len(st.pending.len());
    for c in &st.pending {
        w.u64(c.index);
        w.u32(c.fiber);
        w.u8(c.kind() as u8);
        g.value(&c.request, w);
        w.u64(c.gas_limit);
        w.bool(c.answered);
    }
    w.len(st.inbox.len());
    for a in &st.inbox {
        w.u64(a.index);
        g.value(&a.value, w);
        meta(w, a.meta);
        w.u64(a.gas_used);
    }
}

fn write_fiber<'a>(p: &Program, f: &'a Fiber, g: &mut Graph<'a>, w: &mut Writer) {
    w.u32(f.entry);
    match f.wait {
        Wait::Ready => w.u8(0),
        Wait::Host { call, dst } => {
            w.u8(1);
            w.u64(call);
            w.u16(dst);
        }
        Wait::Join { target, dst } => {
            w.u8(2);
            w.u32(target);
            w.u16(dst);
        }
        Wait::Done => w.u8(3),
    }
    w.len(f.frames.len());
    for frame in &f.frames {
        w.u32(frame.func);
        pc(w, p, frame.func, frame.pc);
        w.u32(frame.base);
        w.u16(frame.ret.dst);
        w.bool(frame.ret.catch);
    }
    w.len(f.values.len());
    for (v, m) in f.values.iter().zip(&f.metas) {
        g.value(v, w);
        meta(w, *m);
    }
    w.len(f.contexts.entries.len());
    for e in &f.contexts.entries {
        w.str(&e.name);
        g.value(&e.value, w);
        meta(w, e.meta);
    }
    w.bool(f.step.is_some());
    if let Some(step) = &f.step {
        w.str(&step.id);
        g.value(&step.outputs, w);
        w.bool(step.saved_env.is_some());
        if let Some((v, m)) = &step.saved_env {
            g.value(v, w);
            meta(w, *m);
        }
    }
    g.value(&f.outputs, w);
    w.bool(f.step_failed);
    w.bool(f.step_cancelled);
    w.u64(f.held);
    w.bool(f.ended.is_some());
    if let Some(end) = &f.ended {
        w.u8(end.status as u8);
        g.value(&end.result, w);
        meta(w, end.meta);
        w.bool(end.error.is_some());
        if let Some(e) = &end.error {
            errors::write(w, e);
        }
    }
    w.len(f.waiters.len());
    for (fiber, dst) in &f.waiters {
        w.u32(*fiber);
        w.u16(*dst);
    }
}
