//! Instructions that load, access, build, compare and convert values, and the built-ins.

mod common;

use common::{eval, eval_error, expr_module, json};
use w3_isa::{Builtin, Imm16, Imm8, Op};
use w3_value::Value;
use w3_vm::Fault;

#[test]
fn loads_and_moves() {
    let m = expr_module(|m, f| {
        let (a, b, c, out) = (f.reg(), f.reg(), f.reg(), f.regs(4));
        let list = m.number(1.5);
        let list = m.array(vec![list]);
        f.emit(Op::LoadConst { dst: a, k: list });
        f.emit(Op::LoadBool { dst: b, value: Imm8(1) });
        f.emit(Op::LoadNull { dst: c });
        f.emit(Op::Move { dst: out, src: a });
        f.emit(Op::Move { dst: out.offset(1).unwrap(), src: b });
        f.emit(Op::Move { dst: out.offset(2).unwrap(), src: c });
        f.emit(Op::Nop {});
        f.emit(Op::LoadConst { dst: out.offset(3).unwrap(), k: list });
        f.emit(Op::MakeArray { dst: a, first: out, count: Imm16(4) });
        a
    });
    assert_eq!(json(&eval(&m, "{}")), "[[1.5],true,null,[1.5]]");
}

#[test]
fn constants_are_shared_so_they_compare_equal_to_themselves() {
    let m = expr_module(|m, f| {
        let (a, b) = (f.reg(), f.reg());
        let empty = m.array(vec![]);
        f.emit(Op::LoadConst { dst: a, k: empty });
        f.emit(Op::LoadConst { dst: b, k: empty });
        f.emit(Op::Eq { dst: a, a, b });
        a
    });
    assert_eq!(eval(&m, "{}"), Value::Bool(true));
}

#[test]
fn contexts_properties_indexes_and_filters() {
    let m = expr_module(|m, f| {
        let (github, list, tmp, out) = (m.string("GitHub"), m.string("list"), f.reg(), f.regs(4));
        let (name, one) = (m.string("name"), m.number(1.0));
        let r = |i| out.offset(i).unwrap();
        f.emit(Op::LoadContext { dst: tmp, name: github });
        f.emit(Op::GetProp { dst: tmp, obj: tmp, name: list });
        f.emit(Op::Filter { dst: r(0), obj: tmp });
        f.emit(Op::GetProp { dst: r(0), obj: r(0), name });
        f.emit(Op::LoadConst { dst: r(1), k: one });
        f.emit(Op::Index { dst: r(1), obj: tmp, key: r(1) });
        f.emit(Op::GetProp { dst: r(2), obj: r(1), name: m.string("NAME") });
        f.emit(Op::LoadContext { dst: r(3), name: m.string("missing") });
        f.emit(Op::MakeArray { dst: tmp, first: out, count: Imm16(4) });
        tmp
    });
    let ctx = r#"{"github": {"LIST": [{"name": "a"}, {"Name": "b"}, 3]}}"#;
    assert_eq!(json(&eval(&m, ctx)), r#"[["a","b"],{"Name":"b"},"b",null]"#);
}

#[test]
fn objects_keep_the_first_spelling_and_the_last_value() {
    let m = expr_module(|m, f| {
        let pairs = f.regs(6);
        let r = |i| pairs.offset(i).unwrap();
        let (k1, k2, v1, v2) = (m.string_constant("Key"), m.string_constant("KEY"), m.number(1.0), m.number(2.0));
        f.emit(Op::LoadConst { dst: r(0), k: k1 });
        f.emit(Op::LoadConst { dst: r(1), k: v1 });
        f.emit(Op::LoadConst { dst: r(2), k: v1 });
        f.emit(Op::LoadNull { dst: r(3) });
        f.emit(Op::LoadConst { dst: r(4), k: k2 });
        f.emit(Op::LoadConst { dst: r(5), k: v2 });
        f.emit(Op::MakeObject { dst: r(0), first: pairs, count: Imm16(3) });
        r(0)
    });
    assert_eq!(json(&eval(&m, "{}")), r#"{"Key":2,"1":null}"#);
}

#[test]
fn logic_comparisons_and_kinds() {
    let m = expr_module(|m, f| {
        let (a, b) = (f.reg(), f.reg());
        let out = f.regs(10);
        let r = |i| out.offset(i).unwrap();
        f.emit(Op::LoadConst { dst: a, k: m.string_constant("0x10") });
        f.emit(Op::LoadConst { dst: b, k: m.number(16.0) });
        f.emit(Op::Eq { dst: r(0), a, b });
        f.emit(Op::Ne { dst: r(1), a, b });
        f.emit(Op::Lt { dst: r(2), a, b });
        f.emit(Op::Le { dst: r(3), a, b });
        f.emit(Op::Gt { dst: r(4), a, b });
        f.emit(Op::Ge { dst: r(5), a, b });
        f.emit(Op::Not { dst: r(6), a });
        f.emit(Op::Truthy { dst: r(7), a: r(6) });
        f.emit(Op::TypeOf { dst: r(8), a });
        f.emit(Op::TypeOf { dst: r(9), a: r(0) });
        f.emit(Op::MakeArray { dst: a, first: out, count: Imm16(10) });
        a
    });
    assert_eq!(json(&eval(&m, "{}")), "[true,false,false,true,false,true,false,false,3,1]");
}

#[test]
fn strings_convert_and_concatenate_like_github() {
    let m = expr_module(|m, f| {
        let parts = f.regs(5);
        let r = |i| parts.offset(i).unwrap();
        f.emit(Op::LoadConst { dst: r(0), k: m.string_constant("n=") });
        f.emit(Op::LoadConst { dst: r(1), k: m.number(1e21) });
        f.emit(Op::LoadConst { dst: r(2), k: m.number(-0.0) });
        f.emit(Op::LoadNull { dst: r(3) });
        f.emit(Op::LoadConst { dst: r(4), k: m.number(0.1 + 0.2) });
        f.emit(Op::Concat { dst: r(0), first: parts, count: Imm16(5) });
        f.emit(Op::ToStr { dst: r(1), src: r(2) });
        f.emit(Op::MakeArray { dst: r(0), first: parts, count: Imm16(2) });
        r(0)
    });
    assert_eq!(json(&eval(&m, "{}")), r#"["n=1e+2100.3","0"]"#);
}

fn builtin(name: Builtin, args: &[&str]) -> w3_isa::VerifiedModule {
    let m = expr_module(|m, f| {
        let first = f.regs(args.len() as u16);
        for (i, a) in args.iter().enumerate() {
            let k = m.string_constant(a);
            f.emit(Op::LoadConst { dst: first.offset(i as u16).unwrap(), k });
        }
        let out = f.reg();
        f.emit(Op::CallBuiltin { dst: out, builtin: name.id(), first, argc: Imm8(args.len() as u8) });
        out
    });
    (*m).clone()
}

fn call(name: Builtin, args: &[&str]) -> Value {
    eval(&std::sync::Arc::new(builtin(name, args)), "{}")
}

#[test]
fn builtins_are_w3_values() {
    assert_eq!(call(Builtin::Contains, &["Hello", "ELL"]), Value::Bool(true));
    assert_eq!(call(Builtin::StartsWith, &["Hello", "he"]), Value::Bool(true));
    assert_eq!(call(Builtin::EndsWith, &["Hello", "x"]), Value::Bool(false));
    assert_eq!(call(Builtin::Format, &["{0}-{1}", "a", "b"]), Value::from("a-b"));
    assert_eq!(call(Builtin::Join, &["abc"]), Value::from("abc"));
    assert_eq!(call(Builtin::ToJson, &["x"]), Value::from("\"x\""));
    assert_eq!(json(&call(Builtin::FromJson, &[r#"{"a":[1,{}]}"#])), r#"{"a":[1,{}]}"#);
    let matrix = r#"{"os":["l","w"],"v":[1],"include":[{"os":"w","x":true}]}"#;
    let m = expr_module(|m, f| {
        let (text, out) = (f.reg(), f.reg());
        f.emit(Op::LoadConst { dst: text, k: m.string_constant(matrix) });
        f.emit(Op::CallBuiltin { dst: text, builtin: Builtin::FromJson.id(), first: text, argc: Imm8(1) });
        f.emit(Op::CallBuiltin { dst: out, builtin: Builtin::MatrixExpand.id(), first: text, argc: Imm8(1) });
        out
    });
    assert_eq!(json(&eval(&m, "{}")), r#"[{"os":"l","v":1},{"os":"w","v":1,"x":true}]"#);
}

#[test]
fn case_evaluates_eagerly_and_checks_predicates() {
    let m = expr_module(|m, f| {
        let args = f.regs(5);
        let r = |i| args.offset(i).unwrap();
        f.emit(Op::LoadBool { dst: r(0), value: Imm8(0) });
        f.emit(Op::LoadConst { dst: r(1), k: m.string_constant("a") });
        f.emit(Op::LoadBool { dst: r(2), value: Imm8(1) });
        f.emit(Op::LoadConst { dst: r(3), k: m.string_constant("b") });
        f.emit(Op::LoadConst { dst: r(4), k: m.string_constant("c") });
        f.emit(Op::CallBuiltin { dst: r(0), builtin: Builtin::Case.id(), first: args, argc: Imm8(5) });
        r(0)
    });
    assert_eq!(eval(&m, "{}"), Value::from("b"));
    let error = eval_error(&std::sync::Arc::new(builtin(Builtin::Case, &["yes", "a", "b"])), "{}");
    assert_eq!(error.fault, Fault::Fail("case predicate must evaluate to a boolean value".into()));
}

#[test]
fn builtin_errors_carry_github_messages_and_positions() {
    let error = eval_error(&std::sync::Arc::new(builtin(Builtin::FromJson, &["{bad"])), "{}");
    assert!(matches!(error.fault, Fault::Value(w3_value::ValueError::InvalidJson(_))), "{error}");
    let at = error.at.clone().expect("located");
    assert_eq!((at.name.as_str(), at.offset), ("expr", 7));
    let source = at.source.expect("debug map");
    assert_eq!((source.file.as_str(), source.line, source.col), ("test.yml", 3, 7));
    assert!(error.to_string().starts_with("test.yml:3:7: in `expr` (f0) at 0007: Error parsing JSON"), "{error}");
    let error = eval_error(&std::sync::Arc::new(builtin(Builtin::Format, &["{0", "x"])), "{}");
    assert_eq!(error.fault.to_string(), "The following format string is invalid: {0");
}
