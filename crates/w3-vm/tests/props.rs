//! Property tests: random programs never panic and run deterministically, and the VM
//! computes what `w3-value` computes for the same operations.

mod common;

use common::{contexts, json};
use proptest::prelude::*;
use std::sync::Arc;
use w3_isa::{
    verify, Builtin, ConstId, FuncId, FunctionBuilder, FunctionKind, HostKind, Imm16, Imm8, ModuleBuilder, Op, Reg,
    StatusKind, StrId, VerifiedModule,
};
use w3_value::{CompareOp, Memory, Value};
use w3_vm::testing::ScriptedHost;
use w3_vm::{Config, Limits, Vm};

/// Registers of the random function.
const R: u16 = 12;
/// Constants every random module has, in this order.
const CONSTANTS: &[&str] = &[
    "null",
    "true",
    "0",
    "-0",
    "1.5",
    "\"\"",
    "\"abc\"",
    "\"0x1F\"",
    "\"{0}-{1}\"",
    "\"[1, {\\\"a\\\": []}]\"",
    "[]",
    "[1, \"b\", [null]]",
    "{}",
    "{\"A\": 1, \"b\": {\"c\": [true]}}",
    "\"success\"",
    "\"failure\"",
    "{\"os\": [\"l\", \"w\"], \"exclude\": [{\"os\": \"w\"}]}",
    "{\"cmd\": \"echo\", \"env\": {\"X\": 1}}",
    "\"NaN\"",
];
/// Strings every random module has (names for properties, contexts, steps, outputs).
const STRINGS: &[&str] = &["a", "b", "github", "env", "steps", "", "x", "matrix", "len"];

fn reg() -> impl Strategy<Value = Reg> {
    (0..R).prop_map(Reg)
}

fn konst() -> impl Strategy<Value = ConstId> {
    (0..CONSTANTS.len() as u32).prop_map(ConstId)
}

fn string() -> impl Strategy<Value = StrId> {
    (0..STRINGS.len() as u32).prop_map(StrId)
}

/// Returns `(first, count)` of a register range of at most `max` registers.
fn range(max: u16) -> impl Strategy<Value = (Reg, u16)> {
    (0..=max).prop_flat_map(|n| (0..=R - n).prop_map(move |first| (Reg(first), n)))
}

fn builtin_call() -> impl Strategy<Value = Op> {
    (0..Builtin::ALL.len(), reg(), 0..R)
        .prop_flat_map(|(i, dst, first)| {
            let b = Builtin::ALL[i];
            let max = b.arity().max.min((R - first) as u8);
            (Just((b, dst, first)), b.arity().min..=max.max(b.arity().min))
        })
        .prop_filter_map("arity", |((b, dst, first), argc)| {
            (b.arity().accepts(argc) && u16::from(argc) + first <= R).then(|| Op::CallBuiltin {
                dst,
                builtin: b.id(),
                first: Reg(first),
                argc: Imm8(argc),
            })
        })
}

/// Returns a random instruction that never jumps; `helper` takes one parameter, `job` is a job.
fn op(helper: FuncId, job: FuncId) -> impl Strategy<Value = Op> {
    let values = prop_oneof![
        reg().prop_map(|dst| Op::LoadNull { dst }),
        (reg(), 0u8..2).prop_map(|(dst, v)| Op::LoadBool { dst, value: Imm8(v) }),
        (reg(), konst()).prop_map(|(dst, k)| Op::LoadConst { dst, k }),
        (reg(), reg()).prop_map(|(dst, src)| Op::Move { dst, src }),
        (reg(), string()).prop_map(|(dst, name)| Op::LoadContext { dst, name }),
        (reg(), reg(), string()).prop_map(|(dst, obj, name)| Op::GetProp { dst, obj, name }),
        (reg(), reg(), reg()).prop_map(|(dst, obj, key)| Op::Index { dst, obj, key }),
        (reg(), reg()).prop_map(|(dst, obj)| Op::Filter { dst, obj }),
        (reg(), range(4)).prop_map(|(dst, (first, n))| Op::MakeArray { dst, first, count: Imm16(n) }),
        (reg(), range(6)).prop_map(|(dst, (first, n))| Op::MakeObject { dst, first, count: Imm16(n / 2) }),
        (reg(), reg()).prop_map(|(dst, a)| Op::Not { dst, a }),
        (reg(), reg(), reg(), 0u8..6).prop_map(|(dst, a, b, c)| compare_op(c, dst, a, b)),
        (reg(), reg()).prop_map(|(dst, a)| Op::TypeOf { dst, a }),
        (reg(), reg()).prop_map(|(dst, src)| Op::ToStr { dst, src }),
        (reg(), range(4)).prop_map(|(dst, (first, n))| Op::Concat { dst, first, count: Imm16(n) }),
        builtin_call(),
    ];
    let effects = prop_oneof![
        (reg(), reg()).prop_map(move |(dst, first)| Op::Call { dst, func: helper, first, argc: Imm8(1) }),
        (0..R - 1, reg()).prop_map(move |(dst, first)| Op::TryCall {
            dst: Reg(dst),
            func: helper,
            first,
            argc: Imm8(1)
        }),
        (reg(), 0u8..4).prop_map(|(dst, k)| Op::Status { dst, kind: StatusKind::ALL[k as usize].id() }),
        string().prop_map(|step| Op::StepBegin { step }),
        (string(), reg(), reg()).prop_map(|(step, outcome, conclusion)| Op::StepEnd { step, outcome, conclusion }),
        (string(), reg()).prop_map(|(name, value)| Op::SetOutput { name, value }),
        (string(), reg()).prop_map(|(name, value)| Op::SetEnv { name, value }),
        (string(), reg()).prop_map(|(name, value)| Op::SetContext { name, value }),
        (reg(), 0usize..HostKind::ALL.len(), reg()).prop_map(|(dst, k, arg)| Op::HostCall {
            dst,
            kind: HostKind::ALL[k].id(),
            arg
        }),
        (reg(), reg()).prop_map(move |(dst, arg)| Op::Spawn { dst, func: job, arg }),
        (reg(), reg()).prop_map(|(dst, fiber)| Op::Join { dst, fiber }),
    ];
    prop_oneof![4 => values, 1 => effects]
}

fn compare_op(c: u8, dst: Reg, a: Reg, b: Reg) -> Op {
    match c {
        0 => Op::Eq { dst, a, b },
        1 => Op::Ne { dst, a, b },
        2 => Op::Lt { dst, a, b },
        3 => Op::Le { dst, a, b },
        4 => Op::Gt { dst, a, b },
        _ => Op::Ge { dst, a, b },
    }
}

fn constant(m: &mut ModuleBuilder, json: &str) -> ConstId {
    let value = w3_value::parse_json(json).unwrap();
    add_value(m, &value)
}

fn add_value(m: &mut ModuleBuilder, value: &Value) -> ConstId {
    match value {
        Value::Null => m.null(),
        Value::Bool(b) => m.bool(*b),
        Value::Number(n) => m.number(*n),
        Value::String(s) => m.string_constant(s),
        Value::Array(items) => {
            let items = items.iter().map(|v| add_value(m, v)).collect();
            m.array(items)
        }
        Value::Object(o) => {
            let entries: Vec<(String, ConstId)> = o.iter().map(|(k, v)| (k.to_owned(), add_value(m, v))).collect();
            let refs: Vec<(&str, ConstId)> = entries.iter().map(|(k, v)| (k.as_str(), *v)).collect();
            m.object(&refs)
        }
    }
}

/// Builds a module: constants and strings at fixed indices, `main` running `ops`, a helper and
/// a job. Returns `None` when the random program does not verify.
fn program(ops: &[Op]) -> Option<Arc<VerifiedModule>> {
    program_with_jumps(&ops.iter().map(|op| Step::Op(*op)).collect::<Vec<_>>())
}

fn remap(mut op: Op, pool: &[ConstId], strings: &[StrId], helper: FuncId, job: FuncId) -> Op {
    match &mut op {
        Op::LoadConst { k, .. } => *k = pool[k.0 as usize],
        Op::LoadContext { name, .. }
        | Op::GetProp { name, .. }
        | Op::SetOutput { name, .. }
        | Op::SetEnv { name, .. }
        | Op::SetContext { name, .. } => *name = strings[name.0 as usize],
        Op::StepBegin { step } | Op::StepEnd { step, .. } => *step = strings[step.0 as usize],
        Op::Call { func, .. } | Op::TryCall { func, .. } => *func = helper,
        Op::Spawn { func, .. } => *func = job,
        _ => {}
    }
    op
}

fn small() -> Config {
    let limits = Limits { max_memory: 1 << 20, max_value_bytes: 1 << 16, max_fibers: 8, ..Limits::default() };
    Config { gas_limit: 1_000_000, limits, ..Config::default() }
}

fn run(module: &Arc<VerifiedModule>) -> (Result<w3_vm::Outcome, w3_vm::VmError>, [u8; 32]) {
    let ctx = contexts(r#"{"github": {"a": [1, 2], "b": "x"}, "env": {"x": "1"}}"#);
    let mut vm = Vm::with_entry(module.clone(), FuncId(0), ctx, small()).unwrap();
    let outcome = ScriptedHost::new().drive(&mut vm);
    (outcome, vm.state_hash())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// Random straight-line programs never panic, and running one twice gives the same state.
    #[test]
    fn random_programs_never_panic_and_are_deterministic(ops in prop::collection::vec(op(FuncId(1), FuncId(2)), 1..40)) {
        let Some(module) = program(&ops) else { return Ok(()) };
        let (first, hash) = run(&module);
        let (second, again) = run(&module);
        prop_assert_eq!(first, second);
        prop_assert_eq!(hash, again);
    }
}

/// One step of a random program with jumps: an instruction, a jump to one of the labels, or
/// the place of a label.
#[derive(Clone, Debug)]
enum Step {
    Op(Op),
    Jump(usize),
    JumpIfTrue(Reg, usize),
    JumpIfFalse(Reg, usize),
    Bind(usize),
}

/// Labels of a random program with jumps.
const LABELS: usize = 4;

/// Returns a random step: mostly simple instructions (the ones the VM quickens when it knows
/// their operands' kinds), some others, jumps forward and back, labels.
fn step() -> impl Strategy<Value = Step> {
    let simple = prop_oneof![
        reg().prop_map(|dst| Op::LoadNull { dst }),
        (reg(), 0u8..2).prop_map(|(dst, v)| Op::LoadBool { dst, value: Imm8(v) }),
        (reg(), konst()).prop_map(|(dst, k)| Op::LoadConst { dst, k }),
        (reg(), reg()).prop_map(|(dst, src)| Op::Move { dst, src }),
        (reg(), reg()).prop_map(|(dst, a)| Op::Not { dst, a }),
        (reg(), reg()).prop_map(|(dst, a)| Op::Truthy { dst, a }),
        (reg(), reg(), reg(), 0u8..6).prop_map(|(dst, a, b, c)| compare_op(c, dst, a, b)),
        (reg(), reg()).prop_map(|(dst, a)| Op::TypeOf { dst, a }),
    ];
    // Instructions whose result the VM cannot know before the run.
    let results = prop_oneof![
        (reg(), reg()).prop_map(|(dst, first)| Op::Call { dst, func: FuncId(1), first, argc: Imm8(1) }),
        (0..R - 1, reg()).prop_map(|(dst, first)| Op::TryCall { dst: Reg(dst), func: FuncId(1), first, argc: Imm8(1) }),
        (reg(), reg()).prop_map(|(dst, arg)| Op::HostCall { dst, kind: HostKind::Shell.id(), arg }),
        (reg(), reg(), string()).prop_map(|(dst, obj, name)| Op::GetProp { dst, obj, name }),
    ];
    prop_oneof![
        8 => simple.prop_map(Step::Op),
        2 => results.prop_map(Step::Op),
        1 => op(FuncId(1), FuncId(2)).prop_map(Step::Op),
        1 => (0..LABELS).prop_map(Step::Jump),
        2 => (reg(), 0..LABELS).prop_map(|(r, l)| Step::JumpIfTrue(r, l)),
        2 => (reg(), 0..LABELS).prop_map(|(r, l)| Step::JumpIfFalse(r, l)),
        2 => (0..LABELS).prop_map(Step::Bind),
    ]
}

/// Builds a module: constants and strings at fixed indices, `main` running `steps` (a label
/// never placed is placed at the end; one placed twice, at its first place), a helper and a
/// job. Returns `None` when the random program does not verify.
fn program_with_jumps(steps: &[Step]) -> Option<Arc<VerifiedModule>> {
    let mut m = ModuleBuilder::new("props");
    let pool: Vec<ConstId> = CONSTANTS.iter().map(|c| constant(&mut m, c)).collect();
    let strings: Vec<StrId> = STRINGS.iter().map(|s| m.string(s)).collect();
    let main_id = m.declare("main", FunctionKind::Job, 0);
    let helper = m.declare("helper", FunctionKind::Expression, 1);
    let job = m.declare("job", FunctionKind::Job, 1);
    // The builder interns, so the pool's ids are not 0..n: `remap` maps the random ones.
    let mut f = FunctionBuilder::new(0);
    f.regs(R);
    let labels: Vec<_> = (0..LABELS).map(|_| f.label()).collect();
    let mut bound = [false; LABELS];
    for step in steps {
        match *step {
            Step::Op(op) => {
                f.emit(remap(op, &pool, &strings, helper, job));
            }
            Step::Jump(l) => {
                f.jump(labels[l]);
            }
            Step::JumpIfTrue(r, l) => {
                f.jump_if_true(r, labels[l]);
            }
            Step::JumpIfFalse(r, l) => {
                f.jump_if_false(r, labels[l]);
            }
            Step::Bind(l) if !bound[l] => {
                bound[l] = true;
                f.bind(labels[l]);
            }
            Step::Bind(_) => {}
        }
    }
    for (l, label) in labels.into_iter().enumerate() {
        if !bound[l] {
            f.bind(label);
        }
    }
    f.emit(Op::Return { src: Reg(0) });
    m.define(main_id, f).ok()?;
    let mut h = FunctionBuilder::new(1);
    let t = h.reg();
    h.emit(Op::TypeOf { dst: t, a: Reg(0) });
    h.emit(Op::ToStr { dst: Reg(0), src: Reg(0) });
    h.emit(Op::CallBuiltin { dst: t, builtin: Builtin::FromJson.id(), first: Reg(0), argc: Imm8(1) });
    h.emit(Op::Return { src: t });
    m.define(helper, h).ok()?;
    let mut j = FunctionBuilder::new(1);
    let t = j.reg();
    j.emit(Op::HostCall { dst: t, kind: HostKind::Shell.id(), arg: Reg(0) });
    j.emit(Op::Return { src: t });
    m.define(job, j).ok()?;
    verify(&m.finish().ok()?).ok().map(Arc::new)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// Random programs with jumps forward and back (loops end when their gas does) never
    /// panic and are deterministic. The VM quickens the simple instructions whose operands'
    /// kinds it knows when it loads the code, and in these tests asserts at every quickened
    /// instruction that the registers hold what was assumed, so this also tests that what
    /// it assumes holds on every way into an instruction.
    #[test]
    fn random_programs_with_jumps_never_panic_and_are_deterministic(steps in prop::collection::vec(step(), 1..48)) {
        let Some(module) = program_with_jumps(&steps) else { return Ok(()) };
        let (first, hash) = run(&module);
        let (second, again) = run(&module);
        prop_assert_eq!(first, second);
        prop_assert_eq!(hash, again);
    }
}

/// Returns random JSON texts of small values, including collections and odd numbers.
fn json_value() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        Just("null".to_owned()),
        any::<bool>().prop_map(|b| b.to_string()),
        prop_oneof![Just(0.0), Just(-0.0), Just(1.0), Just(1e21), Just(0.1), Just(-3.5), Just(255.0)]
            .prop_map(|n: f64| format!("{n:?}")),
        "[a-cA-C0-9x. ]{0,4}".prop_map(|s| format!("{s:?}")),
    ];
    leaf.prop_recursive(2, 8, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..3).prop_map(|v| format!("[{}]", v.join(","))),
            prop::collection::vec(("[ab]", inner), 0..3).prop_map(|v| format!(
                "{{{}}}",
                v.iter().map(|(k, x)| format!("{k:?}:{x}")).collect::<Vec<_>>().join(",")
            )),
        ]
    })
}

/// Runs `a op b`, `a[b]`, `a.*`, `toStr(a)` and the two-argument builtins in the VM, on
/// values given as contexts (so collections keep their identity), and returns the results.
fn vm_results(a: &Value, b: &Value) -> Value {
    let module = common::module(|m| {
        let mut f = FunctionBuilder::new(0);
        let (x, y) = (f.reg(), f.reg());
        f.emit(Op::LoadContext { dst: x, name: m.string("a") });
        f.emit(Op::LoadContext { dst: y, name: m.string("b") });
        let out = f.regs(13);
        let r = |i| out.offset(i).unwrap();
        for c in 0..6u8 {
            f.emit(compare_op(c, r(u16::from(c)), x, y));
        }
        f.emit(Op::Index { dst: r(6), obj: x, key: y });
        f.emit(Op::Filter { dst: r(7), obj: x });
        f.emit(Op::ToStr { dst: r(8), src: x });
        for (i, b) in [Builtin::Contains, Builtin::StartsWith, Builtin::EndsWith, Builtin::Join].iter().enumerate() {
            f.emit(Op::CallBuiltin { dst: r(9 + i as u16), builtin: b.id(), first: x, argc: Imm8(2) });
        }
        f.emit(Op::MakeArray { dst: x, first: out, count: Imm16(13) });
        f.emit(Op::Return { src: x });
        m.function("main", FunctionKind::Expression, f).unwrap();
    });
    let ctx: w3_value::Object = [("a", a.clone()), ("b", b.clone())].into_iter().collect();
    let outcome = common::run_with(&module, ctx, Config::default()).unwrap();
    outcome.result
}

fn value_results(a: &Value, b: &Value) -> Value {
    use w3_value::BuiltinFunction as F;
    let ops = [CompareOp::Eq, CompareOp::Ne, CompareOp::Lt, CompareOp::Le, CompareOp::Gt, CompareOp::Ge];
    let mut out: Vec<Value> = ops.iter().map(|op| Value::Bool(w3_value::compare(*op, a, b))).collect();
    out.push(w3_value::index(a, b));
    out.push(w3_value::filter(a));
    out.push(Value::from(a.to_str().into_owned()));
    for f in [F::Contains, F::StartsWith, F::EndsWith, F::Join] {
        out.push(w3_value::call(f, &[a.clone(), b.clone()], &Memory::default()).unwrap().value);
    }
    Value::Array(out.into_iter().collect())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// The VM's comparisons, access, conversions and builtins are w3-value's.
    #[test]
    fn the_vm_agrees_with_w3_value(a in json_value(), b in json_value(), same in any::<bool>()) {
        let a = w3_value::parse_json(&a).unwrap();
        let b = if same { a.clone() } else { w3_value::parse_json(&b).unwrap() };
        let (vm, reference) = (vm_results(&a, &b), value_results(&a, &b));
        prop_assert_eq!(json(&vm), json(&reference));
        // Identity too: `a == a` holds for the same collection in the VM as in w3-value.
        let eq = vm.as_array().and_then(|v| v.get(0)).cloned();
        prop_assert_eq!(eq, Some(Value::Bool(w3_value::loose_eq(&a, &b))));
    }
}
