//! Generates random modules for property tests: arbitrary ones (mostly invalid) and valid ones.

#![allow(dead_code)]

use proptest::collection::vec;
use proptest::prelude::*;
use w3_isa::{
    ConstId, Constant, DebugEntry, Function, FunctionKind, Header, Kind, Module, Number, Op, SourceSpan, StrId, OPS,
};

/// Returns one instruction from the table with random operand bytes.
pub fn any_op() -> impl Strategy<Value = Op> {
    (0..OPS.len(), vec(any::<u8>(), 16)).prop_map(|(i, payload)| {
        let info = &OPS[i];
        let mut bytes = vec![info.opcode as u8];
        bytes.extend_from_slice(&payload[..info.len - 1]);
        Op::decode(&bytes).unwrap().0
    })
}

fn any_constant() -> impl Strategy<Value = Constant> {
    prop_oneof![
        Just(Constant::Null),
        any::<bool>().prop_map(Constant::Bool),
        any::<f64>().prop_map(|n| Constant::Number(Number::from_f64(n))),
        (0u32..8).prop_map(|s| Constant::String(StrId(s))),
        vec((0u32..8).prop_map(ConstId), 0..4).prop_map(Constant::Array),
        vec(((0u32..8).prop_map(StrId), (0u32..8).prop_map(ConstId)), 0..4).prop_map(Constant::Object),
    ]
}

fn any_kind() -> impl Strategy<Value = FunctionKind> {
    (0u8..4).prop_map(|t| FunctionKind::from_tag(t).unwrap())
}

fn any_function() -> impl Strategy<Value = Function> {
    let debug = vec((0u32..64, 0u32..8, any::<u32>(), any::<u32>()), 0..4);
    (0u32..8, any_kind(), 0u16..4, 0u16..8, vec(any_op(), 0..8), debug).prop_map(
        |(name, kind, params, registers, ops, debug)| {
            let mut code = Vec::new();
            ops.iter().for_each(|op| op.encode(&mut code));
            let mut debug: Vec<DebugEntry> = debug
                .into_iter()
                .map(|(offset, file, line, col)| DebugEntry {
                    offset,
                    span: SourceSpan { file: StrId(file), line, col, end_line: line, end_col: col },
                })
                .collect();
            debug.sort_by_key(|e| e.offset);
            debug.dedup_by_key(|e| e.offset);
            Function { name: StrId(name), kind, params, registers, code, debug }
        },
    )
}

/// Returns an arbitrary module that encodes (its tables and operands may be out of range).
pub fn any_module() -> impl Strategy<Value = Module> {
    (".{0,12}", vec(".{0,8}", 0..6), vec(any_constant(), 0..8), vec(any_function(), 0..4), vec(any::<u8>(), 0..16))
        .prop_map(|(compiler, strings, constants, functions, manifest)| Module {
            header: Header::current(compiler),
            strings,
            constants,
            functions,
            manifest,
        })
}

/// Fills each operand of a random op with a value valid for a function with `registers`
/// registers, `n` constants and strings, and instruction starts `starts`.
fn valid_op(pick: &[u32], index: usize, registers: u16, n: u32, starts: &[u32]) -> Op {
    let info = &OPS[index];
    let mut bytes = vec![info.opcode as u8];
    for (i, (_, kind)) in info.operands.iter().enumerate() {
        let p = pick.get(i).copied().unwrap_or(0);
        match kind {
            Kind::Reg => bytes.extend_from_slice(&((p % u32::from(registers)) as u16).to_le_bytes()),
            Kind::ConstId | Kind::StrId => bytes.extend_from_slice(&(p % n).to_le_bytes()),
            Kind::Target => bytes.extend_from_slice(&starts[p as usize % starts.len()].to_le_bytes()),
            Kind::FuncId => bytes.extend_from_slice(&0u32.to_le_bytes()),
            Kind::BuiltinId | Kind::HostId | Kind::StatusId | Kind::Imm8 => bytes.push((p % 2) as u8),
            Kind::Imm16 => bytes.extend_from_slice(&0u16.to_le_bytes()),
            Kind::Imm32 => bytes.extend_from_slice(&p.to_le_bytes()),
        }
    }
    Op::decode(&bytes).unwrap().0
}

/// Returns a module that must verify: one function of random ops whose operands are in range
/// (ops with calls or arity rules are left out), ending with `Return`.
pub fn valid_module() -> impl Strategy<Value = Module> {
    let simple: Vec<usize> = OPS
        .iter()
        .enumerate()
        .filter(|(_, i)| !matches!(i.name, "Call" | "TryCall" | "CallBuiltin" | "Spawn"))
        .map(|(n, _)| n)
        .collect();
    let op = (proptest::sample::select(simple), vec(any::<u32>(), 4));
    (1u16..6, vec(op, 1..24)).prop_map(|(registers, ops)| {
        let mut starts = Vec::new();
        let mut at = 0u32;
        for (index, _) in &ops {
            starts.push(at);
            at += OPS[*index].len as u32;
        }
        let mut code = Vec::new();
        for (index, pick) in &ops {
            valid_op(pick, *index, registers, 2, &starts).encode(&mut code);
        }
        Op::Return { src: w3_isa::Reg(0) }.encode(&mut code);
        let function = Function {
            name: StrId(0),
            kind: FunctionKind::Expression,
            params: 0,
            registers,
            code,
            debug: vec![DebugEntry { offset: 0, span: SourceSpan::default() }],
        };
        Module {
            header: Header::current("prop"),
            strings: vec!["f".into(), "x".into()],
            constants: vec![Constant::Null, Constant::Array(vec![ConstId(0)])],
            functions: vec![function],
            manifest: vec![],
        }
    })
}
