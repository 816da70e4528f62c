//! Tests parsing and evaluation together.

use super::*;
use w3_value::ValueError;

fn options() -> ParseOptions {
    ParseOptions::new()
        .named_values(["foo", "github", "a", "b", "c", "d", "e", "f", "g"])
        .functions(FunctionSig::status_functions())
}

fn parse(source: &str) -> Expression {
    match Expression::parse(source, &options()) {
        Ok(e) => e,
        Err(e) => panic!("{source}: {e}"),
    }
}

fn parse_error(source: &str) -> Error {
    match Expression::parse(source, &options()) {
        Ok(e) => panic!("{source}: parsed as {e}"),
        Err(e) => e,
    }
}

fn eval_with(source: &str, contexts: &Object) -> Result<Value, Error> {
    let expression = Expression::parse(source, &options())?;
    let status = |name: &str, _: &[Value]| Ok(Value::Bool(name == "success"));
    Evaluator::new(contexts).with_functions(&status).evaluate(&expression)
}

fn eval(source: &str) -> Value {
    let contexts: Object = [("foo", Value::from(serde_json::json!({"a": [1, 2, {"b": "x"}]})))].into_iter().collect();
    match eval_with(source, &contexts) {
        Ok(v) => v,
        Err(e) => panic!("{source}: {e}"),
    }
}

#[test]
fn precedence_and_spans() {
    let e = parse("!a.b == 1 || c && (d)");
    let root = e.root().unwrap();
    assert_eq!(root.to_string(), "!a.b == 1 || c && d");
    let ExprKind::Logical { op: LogicalOp::Or, operands } = &root.kind else { panic!("{root:?}") };
    assert_eq!(operands[0].span, CharSpan::new(0, 9));
    assert!(matches!(operands[0].kind, ExprKind::Compare { op: CompareOp::Eq, .. }));
    assert_eq!(operands[1].span, CharSpan::new(13, 21));
}

#[test]
fn names_resolve_ignoring_case() {
    let e = parse("FOO.x && SUCCESS() && ToJson(github)");
    let mut names = Vec::new();
    e.root().unwrap().walk(&mut |node| {
        if let ExprKind::Call(call) = &node.kind {
            names.push(call.function.clone());
        }
    });
    assert_eq!(names, [Function::Extension("success".into()), Function::Builtin(Builtin::ToJson)]);
    assert_eq!(e.root().unwrap().children()[0].root_named_value(), Some("FOO"));
}

#[test]
fn logical_chains_flatten_even_through_groups() {
    let e = parse("a || (b || c) || d && e && (f && g)");
    let ExprKind::Logical { operands, .. } = &e.root().unwrap().kind else { panic!() };
    assert_eq!(operands.len(), 4);
    let ExprKind::Logical { operands: inner, .. } = &operands[3].kind else { panic!() };
    assert_eq!(inner.len(), 4);
}

#[test]
fn parse_errors_name_the_first_offending_token() {
    let cases = [
        ("1 <", "Unexpected end of expression: '<'. Located at position 3"),
        ("1 < )", "Unexpected symbol: ')'. Located at position 5"),
        ("(1,", "Unexpected symbol: ','. Located at position 3"),
        ("foo.1", "Unexpected symbol: '1'. Located at position 5"),
        ("foo.()", "Unexpected symbol: '('. Located at position 5"),
        ("'a'.b", "Unexpected symbol: '.'. Located at position 4"),
        ("'a'[0]", "Unexpected symbol: '['. Located at position 4"),
        ("foo[*", "Unexpected end of expression: '*'. Located at position 5"),
        ("foo[* 1]", "Unexpected symbol: '1'. Located at position 7"),
        ("*", "Unexpected symbol: '*'. Located at position 1"),
        ("f(1]", "Unrecognized function: 'f'. Located at position 1"),
        ("join(1]", "Unexpected symbol: ']'. Located at position 7"),
        ("foo[1)", "Unexpected symbol: ')'. Located at position 6"),
        ("join(1,)", "Unexpected symbol: ')'. Located at position 8"),
        ("()", "Unexpected symbol: ')'. Located at position 2"),
        ("x", "Unrecognized named-value: 'x'. Located at position 1"),
        ("foo 2", "Unexpected symbol: '2'. Located at position 5"),
        ("NaN(1)", "Unexpected symbol: '('. Located at position 4"),
        ("foo.bar(1)", "Unexpected symbol: '('. Located at position 8"),
        ("success(1)", "Too many parameters supplied: 'success'. Located at position 1"),
        ("case(true, 1)", "Too few parameters supplied: 'case'"),
        ("!", "Unexpected end of expression: '!'"),
    ];
    for (source, expected) in cases {
        let error = parse_error(source).to_string();
        assert!(error.starts_with(expected), "{source}: {error}");
    }
}

#[test]
fn depth_counts_tree_nodes_not_parentheses() {
    let nots = |n: usize| format!("{}true", "!".repeat(n));
    assert!(Expression::parse(&nots(49), &options()).is_ok());
    let error = parse_error(&nots(50));
    assert_eq!(error.reason(), &Reason::ExceededMaxDepth(50));
    assert_eq!(error.position(), None);
    assert!(error.to_string().ends_with(&format!("Located within expression: {}", nots(50))));
    let parens = format!("{}1{}", "(".repeat(5000), ")".repeat(5000));
    assert_eq!(eval(&parens), Value::from(1.0));
    // A syntax error later in the text wins over the depth error, as in GitHub.
    let error = parse_error(&format!("{} )", nots(60)));
    assert!(matches!(error.reason(), Reason::UnexpectedSymbol(_)));
}

#[test]
fn long_inputs_stay_within_limits() {
    let long = "1 || ".repeat(4000) + "1";
    assert_eq!(eval(&long), Value::from(1.0));
    let error = parse_error(&"x".repeat(21_001));
    assert_eq!(error.reason(), &Reason::ExceededMaxLength(21_000));
    let deep_brackets = "foo".to_owned() + &"[0]".repeat(5000);
    assert!(matches!(parse_error(&deep_brackets).reason(), Reason::ExceededMaxDepth(50)));
    let nested = "join(".repeat(3000) + "1" + &")".repeat(3000);
    assert!(matches!(parse_error(&nested).reason(), Reason::ExceededMaxDepth(50)));
}

#[test]
fn evaluation_semantics() {
    assert_eq!(eval("foo.a[2].B"), Value::from("x"));
    assert_eq!(eval("foo.a.*.b"), Value::Array(vec![Value::from("x")].into_iter().collect()));
    assert_eq!(eval("foo.a[9] || 'fallback'"), Value::from("fallback"));
    assert_eq!(eval("foo == foo"), Value::Bool(true));
    assert_eq!(eval("fromJSON('{}') == fromJSON('{}')"), Value::Bool(false));
    assert_eq!(eval("format('{0}-{1}-{0}', 1.50, foo)"), Value::from("1.5-Object-1.5"));
    assert_eq!(eval("success() && !failure()"), Value::Bool(true));
    assert_eq!(eval("case(false, fromJSON('bad'), 'ok')"), Value::from("ok"));
    assert_eq!(eval("format('x', fromJSON('bad'))"), Value::from("x"));
    assert_eq!(eval("('a')[fromJSON('bad')]"), Value::Null);
    assert_eq!(eval(""), Value::Null);
    assert_eq!(eval("0xffffffff"), Value::from(-1.0));
}

#[test]
fn evaluation_errors() {
    let contexts = Object::new();
    let error = eval_with("format('{0:x}', 1)", &contexts).unwrap_err();
    assert_eq!(error.to_string(), "The format specifiers 'x' are not valid for objects of type 'Number'. Located at position 1 within expression: format('{0:x}', 1)");
    let error = eval_with("fromJSON('{')", &contexts).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Evaluation);
    assert!(error.message().starts_with("Error parsing JSON when evaluating fromJson"));
    let expression = Expression::parse("always()", &options()).unwrap();
    let error = Evaluator::new(&contexts).evaluate(&expression).unwrap_err();
    assert_eq!(error.reason(), &Reason::FunctionUnavailable("always".into()));
    let failing = |_: &str, _: &[Value]| Err::<Value, _>("no jobs".to_owned());
    let error = Evaluator::new(&contexts).with_functions(&failing).evaluate(&expression).unwrap_err();
    assert_eq!(error.message(), "no jobs");
}

#[test]
fn memory_is_bounded() {
    let contexts = Object::new();
    let blowup = format!(
        "format('{}', format('{}', 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'))",
        "{0}".repeat(3000),
        "{0}".repeat(3000)
    );
    let error = eval_with(&blowup, &contexts).unwrap_err();
    assert_eq!(error.reason(), &Reason::Value(ValueError::MemoryExceeded));
    let join_blowup = "join(fromJSON('[1,2,3,4,5,6,7,8,9,10]'), format('{0}{0}{0}{0}{0}{0}{0}{0}{0}{0}', format('{0}{0}{0}{0}{0}{0}{0}{0}{0}{0}', format('{0}{0}{0}{0}{0}{0}{0}{0}{0}{0}', format('{0}{0}{0}{0}{0}{0}{0}{0}{0}{0}', 'abcdefghijklmnopqrstuvwxyz')))))";
    assert_eq!(eval_with(join_blowup, &contexts).unwrap_err().reason(), &Reason::Value(ValueError::MemoryExceeded));
    let expression = Expression::parse("format('{0}{0}', 'abc')", &options()).unwrap();
    let small = Evaluator::new(&contexts).with_max_memory(60);
    assert_eq!(small.evaluate(&expression).unwrap_err().reason(), &Reason::Value(ValueError::MemoryExceeded));
}

#[test]
fn printing_round_trips() {
    for source in [
        "a.b[0].*['x'][*]",
        "!(a == b) && (c || d) && -0 == NaN",
        "(1 < 2) < (3 > 4)",
        "format('it''s {0}', -Infinity, 1e+21, 1.5e-7)",
        "(fromJSON('[]'))[0]",
        "!!a",
        "a == (b != c)",
    ] {
        let opts = ParseOptions::new().named_values(["a", "b", "c", "d"]);
        let first = Expression::parse(source, &opts).unwrap();
        let printed = first.to_string();
        let second = Expression::parse(&printed, &opts).unwrap();
        assert_eq!(second.to_string(), printed, "{source}");
        assert_eq!(strip(second.root().unwrap()), strip(first.root().unwrap()));
    }
}

/// Returns the tree's debug form with every span zeroed, for comparing shapes.
fn strip(expr: &Expr) -> String {
    fn zero(e: &mut Expr) {
        e.span = CharSpan::default();
        match &mut e.kind {
            ExprKind::Literal(_) | ExprKind::NamedValue(_) => {}
            ExprKind::Property { object, name } => {
                name.span = CharSpan::default();
                zero(object);
            }
            ExprKind::Wildcard { object, .. } | ExprKind::Not(object) => zero(object),
            ExprKind::Index { object, index } => {
                zero(object);
                zero(index);
            }
            ExprKind::Call(call) => {
                call.name.span = CharSpan::default();
                call.args.iter_mut().for_each(zero);
            }
            ExprKind::Compare { lhs, rhs, .. } => {
                zero(lhs);
                zero(rhs);
            }
            ExprKind::Logical { operands, .. } => operands.iter_mut().for_each(zero),
        }
    }
    let mut copy = expr.clone();
    zero(&mut copy);
    format!("{copy:?}")
}

#[test]
fn deepest_trees_run_on_a_small_stack() {
    // Debug builds need about 8 KiB per level of `format()` nesting; release builds far less.
    let handle = std::thread::Builder::new().stack_size(1024 * 1024).spawn(|| {
        let sources = [
            format!("{}'x'{}", "format('{0}', ".repeat(49), ")".repeat(49)),
            format!("{}1{}", "fromJSON(toJSON(".repeat(24), "))".repeat(24)),
            format!("foo{}", "[0]".repeat(49)),
            format!("{}true", "!".repeat(49)),
            format!("{}1{}", "case(true, ".repeat(24), ", 2)".repeat(24)),
        ];
        for source in sources {
            let expression = parse(&source);
            let printed = expression.to_string();
            let value = Evaluator::new(&Object::new()).evaluate(&expression);
            assert!(value.is_ok(), "{source}: {value:?}");
            assert!(!printed.is_empty());
        }
    });
    assert!(handle.expect("thread starts").join().is_ok());
}

#[test]
fn value_functions_agree_with_the_evaluator() {
    // The VM applies w3-value's functions to arguments it evaluated itself; whenever no
    // argument fails, that must give what the evaluator gives.
    use w3_value::{call, BuiltinFunction as F};
    let cases: [(F, &[&str]); 7] = [
        (F::Format, &["'{1}{0}{{}}{1}'", "foo.a", "1.50"]),
        (F::Join, &["foo.a.*.b", "' | '"]),
        (F::Join, &["fromJSON('[1, true, null]')"]),
        (F::Contains, &["fromJSON('[1, \"X\"]')", "'x'"]),
        (F::StartsWith, &["1234", "12"]),
        (F::ToJson, &["foo"]),
        (F::FromJson, &["' {\"a\": [1, -0, 1e300]} '"]),
    ];
    for (function, args) in cases {
        let source = format!("{}({})", function.name(), args.join(", "));
        let values: Vec<Value> = args.iter().map(|arg| eval(arg)).collect();
        let held = call(function, &values, &Memory::default()).unwrap();
        assert_eq!(held.value, eval(&source), "{source}");
    }
}
