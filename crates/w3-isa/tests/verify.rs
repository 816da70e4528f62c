//! Checks each rule of the verifier (`docs/isa.md` §9) and the basic blocks it computes.

use w3_isa::{
    verify, BuiltinId, CodeError, ConstId, Constant, DebugEntry, FuncId, Function, FunctionKind, Header, HostId, Imm16,
    Imm8, Location, Module, Op, Reg, SourceSpan, StatusId, StrId, Target, VerifyErrorKind as E,
};

fn function(ops: &[Op], params: u16, registers: u16) -> Function {
    let mut code = Vec::new();
    ops.iter().for_each(|op| op.encode(&mut code));
    Function { name: StrId(0), kind: FunctionKind::Expression, params, registers, code, debug: vec![] }
}

fn module(functions: Vec<Function>) -> Module {
    Module {
        header: Header::current("t"),
        strings: vec!["main".into(), "callee".into()],
        constants: vec![Constant::Null],
        functions,
        manifest: vec![],
    }
}

/// Returns the verifier's complaint about a one-function module of `ops` with 2 registers.
fn error(ops: &[Op]) -> E {
    verify(&module(vec![function(ops, 0, 2)])).unwrap_err().kind
}

const RET: Op = Op::Return { src: Reg(0) };

#[test]
fn accepts_a_minimal_function() {
    let v = verify(&module(vec![function(&[RET], 0, 1)])).unwrap();
    assert_eq!(v.functions()[0].blocks().len(), 1);
}

#[test]
fn checks_function_shape() {
    assert_eq!(
        verify(&module(vec![function(&[RET], 3, 2)])).unwrap_err().kind,
        E::ParamsExceedRegisters { params: 3, registers: 2 }
    );
    assert_eq!(error(&[]), E::EmptyFunction);
    assert_eq!(error(&[Op::Nop {}]), E::FallsOffEnd("Nop"));
    assert_eq!(error(&[Op::JumpIfTrue { cond: Reg(0), target: Target(0) }]), E::FallsOffEnd("JumpIfTrue"));
    assert_eq!(error(&[Op::HostCall { dst: Reg(0), kind: HostId(0), arg: Reg(0) }]), E::FallsOffEnd("HostCall"));
    let mut twice = module(vec![function(&[RET], 0, 1), function(&[RET], 0, 1)]);
    assert_eq!(verify(&twice).unwrap_err().kind, E::DuplicateFunctionName("main".into()));
    twice.functions[1].name = StrId(7);
    assert!(matches!(verify(&twice).unwrap_err().kind, E::IndexOutOfRange { what: "string", index: 7, .. }));
}

#[test]
fn checks_versions() {
    let mut m = module(vec![function(&[RET], 0, 1)]);
    m.header.gas_version = 7;
    assert_eq!(verify(&m).unwrap_err().kind, E::UnsupportedVersion { what: "gas schedule", version: 7 });
    m.header.gas_version = 1;
    m.header.isa_version = 2;
    assert_eq!(verify(&m).unwrap_err().kind, E::UnsupportedVersion { what: "ISA", version: 2 });
}

#[test]
fn checks_code_decodes() {
    let mut m = module(vec![function(&[RET], 0, 1)]);
    m.functions[0].code.push(0xEE);
    let err = verify(&m).unwrap_err();
    assert_eq!(err.kind, E::Code(CodeError::UnknownOpcode(0xEE)));
    assert_eq!(err.location, Location::Function { function: 0, offset: Some(3) });
    m.functions[0].code = vec![0x03, 0, 0];
    assert!(matches!(verify(&m).unwrap_err().kind, E::Code(CodeError::Truncated { opcode: "LoadConst" })));
}

#[test]
fn checks_operand_ranges() {
    assert!(matches!(error(&[Op::Move { dst: Reg(2), src: Reg(0) }, RET]), E::RegisterOutOfRange { first: 2, .. }));
    assert!(matches!(
        error(&[Op::LoadConst { dst: Reg(0), k: ConstId(1) }, RET]),
        E::IndexOutOfRange { what: "constant", .. }
    ));
    assert!(matches!(
        error(&[Op::LoadContext { dst: Reg(0), name: StrId(2) }, RET]),
        E::IndexOutOfRange { what: "string", .. }
    ));
    assert!(matches!(
        error(&[Op::Spawn { dst: Reg(0), func: FuncId(1), arg: Reg(0) }, RET]),
        E::IndexOutOfRange { what: "function", .. }
    ));
    assert_eq!(error(&[Op::Status { dst: Reg(0), kind: StatusId(4) }, RET]), E::UnknownId { what: "status", id: 4 });
    assert_eq!(
        error(&[Op::HostCall { dst: Reg(0), kind: HostId(99), arg: Reg(0) }, RET]),
        E::UnknownId { what: "host call", id: 99 }
    );
    let call =
        |b: u8, argc: u8| Op::CallBuiltin { dst: Reg(0), builtin: BuiltinId(b), first: Reg(0), argc: Imm8(argc) };
    assert_eq!(error(&[call(9, 1), RET]), E::UnknownId { what: "builtin", id: 9 });
    assert_eq!(error(&[Op::LoadBool { dst: Reg(0), value: Imm8(2) }, RET]), E::BadBool(2));
}

#[test]
fn checks_register_ranges_and_arity() {
    let call =
        |b: u8, argc: u8| Op::CallBuiltin { dst: Reg(0), builtin: BuiltinId(b), first: Reg(0), argc: Imm8(argc) };
    assert_eq!(error(&[call(0, 1), RET]), E::BuiltinArity { builtin: "contains", argc: 1 });
    assert!(matches!(error(&[call(0, 3), RET]), E::BuiltinArity { .. }));
    assert!(verify(&module(vec![function(&[call(0, 2), RET], 0, 2)])).is_ok());
    assert_eq!(
        error(&[Op::MakeObject { dst: Reg(0), first: Reg(0), count: Imm16(2) }, RET]),
        E::RegisterOutOfRange { first: 0, count: 4, registers: 2 }
    );
    assert!(matches!(
        error(&[Op::Concat { dst: Reg(0), first: Reg(1), count: Imm16(2) }, RET]),
        E::RegisterOutOfRange { .. }
    ));
    let callee = Function { name: StrId(1), ..function(&[RET], 1, 1) };
    let caller =
        |argc: u8| function(&[Op::Call { dst: Reg(0), func: FuncId(1), first: Reg(0), argc: Imm8(argc) }, RET], 0, 2);
    assert!(verify(&module(vec![caller(1), callee.clone()])).is_ok());
    let err = verify(&module(vec![caller(2), callee.clone()])).unwrap_err().kind;
    assert_eq!(err, E::CallArity { func: 1, params: 1, argc: 2 });
    let try_call = |dst: u16| Op::TryCall { dst: Reg(dst), func: FuncId(1), first: Reg(0), argc: Imm8(1) };
    assert!(verify(&module(vec![function(&[try_call(0), RET], 0, 2), callee.clone()])).is_ok());
    let err = verify(&module(vec![function(&[try_call(1), RET], 0, 2), callee.clone()])).unwrap_err().kind;
    assert_eq!(err, E::RegisterOutOfRange { first: 1, count: 2, registers: 2 });
    let spawner = function(&[Op::Spawn { dst: Reg(0), func: FuncId(0), arg: Reg(0) }, RET], 0, 1);
    assert_eq!(verify(&module(vec![spawner])).unwrap_err().kind, E::CallArity { func: 0, params: 0, argc: 1 });
}

#[test]
fn checks_jump_targets() {
    let jump = |t: u32| Op::Jump { target: Target(t) };
    assert!(verify(&module(vec![function(&[jump(5), RET], 0, 1)])).is_ok());
    assert_eq!(error(&[jump(1), RET]), E::BadTarget(1));
    assert_eq!(error(&[jump(8), RET]), E::BadTarget(8));
    assert_eq!(error(&[jump(u32::MAX), RET]), E::BadTarget(u32::MAX));
}

#[test]
fn checks_constants_and_debug_map() {
    let mut m = module(vec![function(&[RET], 0, 1)]);
    m.constants = vec![Constant::Null, Constant::Array(vec![ConstId(1)])];
    assert_eq!(verify(&m).unwrap_err().kind, E::ForwardConstant(1));
    assert_eq!(verify(&m).unwrap_err().location, Location::Constant(1));
    m.constants = vec![Constant::Object(vec![(StrId(5), ConstId(0))])];
    assert!(matches!(verify(&m).unwrap_err().kind, E::IndexOutOfRange { what: "string", .. }));
    m.constants = vec![];
    m.functions[0].debug = vec![DebugEntry { offset: 1, span: SourceSpan::default() }];
    assert_eq!(verify(&m).unwrap_err().kind, E::BadDebugOffset(1));
    m.functions[0].debug = vec![DebugEntry { offset: 0, span: SourceSpan { file: StrId(9), ..SourceSpan::default() } }];
    assert!(matches!(verify(&m).unwrap_err().kind, E::IndexOutOfRange { what: "string", index: 9, .. }));
}

#[test]
fn blocks_end_after_suspensions_and_at_targets() {
    let ops = [
        Op::LoadNull { dst: Reg(0) },                               // 0, block 0
        Op::HostCall { dst: Reg(0), kind: HostId(0), arg: Reg(0) }, // 3
        Op::Truthy { dst: Reg(1), a: Reg(0) },                      // 9, block 1 (after a host call)
        Op::JumpIfFalse { cond: Reg(1), target: Target(27) },       // 14
        Op::Join { dst: Reg(0), fiber: Reg(1) },                    // 21, block 2 (after a branch)
        Op::Nop {},                                                 // 26, block 3 (after a join)
        Op::Return { src: Reg(0) },                                 // 27, block 4 (a target)
        Op::Halt {},                                                // 30, block 5 (after a return)
    ];
    let v = verify(&module(vec![function(&ops, 0, 2)])).unwrap();
    let f = &v.functions()[0];
    let starts: Vec<u32> = f.blocks().iter().map(|b| b.start).collect();
    assert_eq!(starts, [0, 9, 21, 26, 27, 30]);
    let gas: Vec<u64> = f.blocks().iter().map(|b| b.gas).collect();
    // Each block's gas is the sum of its ops' costs under the module's schedule.
    let schedule = w3_isa::GasSchedule::current();
    let expected: Vec<u64> = f
        .blocks()
        .iter()
        .map(|b| f.block_instructions(b).iter().map(|i| schedule.op_gas(i.op.opcode())).sum())
        .collect();
    assert_eq!(gas, expected);
    assert_eq!(gas.len(), 6);
    assert_eq!(f.block_at(9), Some(1));
    assert_eq!(f.block_at(14), None);
    assert_eq!(f.instruction_at(14), Some(3));
    assert_eq!(f.blocks()[5].end, 31);
}
