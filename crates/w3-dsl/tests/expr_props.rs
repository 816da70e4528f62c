//! Checks properties of the expression language: nothing panics on any input, printing a tree
//! and parsing it back gives the same tree, numbers print so they read back, and templates split
//! into pieces that tile the string.

use proptest::prelude::*;
use w3_dsl::expr::{
    js_number_to_string, lex, number_to_string, parse_number, split_template, to_json_text, Builtin, Call, CharSpan,
    CompareOp, Evaluator, Expr, ExprKind, Expression, Function, Ident, JsonStyle, Literal, LogicalOp, NonFinite,
    Object, ParseOptions, Segment, Value,
};

/// Fragments that make up plausible and implausible expressions.
const FRAGMENTS: &[&str] = &[
    "(",
    ")",
    "[",
    "]",
    ",",
    ".",
    "*",
    "!",
    "==",
    "!=",
    "<",
    "<=",
    ">",
    ">=",
    "&&",
    "||",
    " ",
    "'a'",
    "'}}'",
    "''",
    "'{0}{1}'",
    "'[1,{\"a\":2}]'",
    "'{\"b\":[true]}'",
    "1",
    "-1.5",
    ".5",
    "0x1f",
    "1e400",
    "NaN",
    "Infinity",
    "-Infinity",
    "null",
    "true",
    "false",
    "foo",
    "bar",
    "baz",
    "format",
    "join",
    "contains",
    "startsWith",
    "endsWith",
    "case",
    "fromJSON",
    "toJSON",
    "success",
    "hashFiles",
    "@",
    "=",
    "&",
    "|",
    "😊",
    "'",
    "\n",
];

fn contexts() -> Object {
    let object = serde_json::json!({"a": [1, "two", {"b": null}], "c": {"d": "e"}, "n": 3});
    let bar = serde_json::json!([[1, 2], {"x": "y"}, "z", 0.5, false]);
    [("foo", Value::from(object)), ("bar", Value::from(bar))].into_iter().collect()
}

fn options() -> ParseOptions {
    ParseOptions::new().named_values(["foo", "bar"])
}

fn soup() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(FRAGMENTS), 0..40).prop_map(|parts| parts.concat())
}

proptest! {
    #[test]
    fn lexer_never_panics(source in any::<String>()) {
        let _ = lex(&source);
    }

    #[test]
    fn parser_and_evaluator_never_panic(source in soup()) {
        let contexts = contexts();
        if let Ok(expression) = Expression::parse(&source, &options()) {
            let _ = Evaluator::new(&contexts).evaluate(&expression);
            // What parses must print to something that parses to the same text again.
            let printed = expression.to_string();
            let again = Expression::parse(&printed, &options());
            prop_assert!(again.is_ok(), "{source:?} printed as {printed:?}: {again:?}");
            prop_assert_eq!(again.map(|e| e.to_string()).unwrap_or_default(), printed);
        }
    }

    #[test]
    fn arbitrary_text_never_panics_anywhere(source in any::<String>()) {
        let contexts = contexts();
        if let Ok(expression) = Expression::parse(&source, &options()) {
            let _ = Evaluator::new(&contexts).evaluate(&expression);
        }
        let _ = split_template(&source);
    }

    #[test]
    fn printed_trees_parse_back_to_the_same_tree(expr in tree()) {
        let expr = normalize(expr);
        let printed = expr.to_string();
        let parsed = Expression::parse(&printed, &tree_options());
        prop_assert!(parsed.is_ok(), "{printed}: {:?}", parsed.err());
        let parsed = parsed.ok();
        let root = parsed.as_ref().and_then(|e| e.root());
        prop_assert_eq!(root.map(shape), Some(shape(&expr)), "{}", printed);
        // Valid trees evaluate to a value or a clean error, never a panic.
        let contexts: Object = [("a", Value::from(contexts())), ("b", Value::Null), ("c", Value::from("x"))]
            .into_iter()
            .collect();
        if let Some(parsed) = &parsed {
            let _ = Evaluator::new(&contexts).evaluate(parsed);
        }
    }

    #[test]
    fn numbers_print_so_they_read_back(x in any::<f64>()) {
        let text = js_number_to_string(x);
        let back = parse_number(&text);
        if x.is_nan() {
            prop_assert!(back.is_nan());
        } else {
            prop_assert_eq!(back, x, "{}", text);
        }
        let shown = number_to_string(x);
        prop_assert!(x.is_nan() || !parse_number(&shown).is_nan(), "{}", shown);
    }

    #[test]
    fn templates_tile_the_string(s in "([a-z {}'$]|\\$\\{\\{|\\}\\})*") {
        let chars: Vec<char> = s.chars().collect();
        if let Ok(segments) = split_template(&s) {
            let mut next = 0;
            for segment in &segments {
                let span = match segment {
                    Segment::Literal { text, span } => {
                        prop_assert_eq!(text.clone(), chars[span.start..span.end].iter().collect::<String>());
                        *span
                    }
                    Segment::Expression { source, offset, span } => {
                        let inner: String = chars[*offset..*offset + source.chars().count()].iter().collect();
                        prop_assert_eq!(&inner, source);
                        prop_assert_eq!(&chars[span.start..span.start + 3], &['$', '{', '{']);
                        *span
                    }
                };
                prop_assert_eq!(span.start, next);
                next = span.end;
            }
            prop_assert_eq!(next, chars.len());
        }
    }

    #[test]
    fn json_text_reads_back(source in soup()) {
        let contexts = contexts();
        let Ok(expression) = Expression::parse(&source, &options()) else { return Ok(()) };
        let Ok(value) = Evaluator::new(&contexts).evaluate(&expression) else { return Ok(()) };
        let style = JsonStyle { pretty: false, non_finite: NonFinite::Null };
        let text = to_json_text(&value, style).unwrap_or_default();
        let json: Result<serde_json::Value, _> = serde_json::from_str(&text);
        prop_assert!(json.is_ok(), "{}", text);
    }
}

// ----- random trees -----

fn tree_options() -> ParseOptions {
    ParseOptions::new().named_values(["a", "b", "c"])
}

fn node(kind: ExprKind) -> Expr {
    Expr { kind, span: CharSpan::default() }
}

fn ident() -> impl Strategy<Value = String> {
    "[A-Za-z_][A-Za-z0-9_-]{0,6}"
}

fn literal() -> impl Strategy<Value = Expr> {
    prop_oneof![
        Just(Literal::Null),
        any::<bool>().prop_map(Literal::Bool),
        any::<f64>().prop_map(Literal::Number),
        prop_oneof![Just(0.0), Just(-0.0), Just(f64::INFINITY), Just(f64::NEG_INFINITY)].prop_map(Literal::Number),
        "[a-z' {}]{0,8}".prop_map(Literal::String),
    ]
    .prop_map(|l| node(ExprKind::Literal(l)))
}

fn leaf() -> impl Strategy<Value = Expr> {
    prop_oneof![literal(), prop::sample::select(vec!["a", "b", "c"]).prop_map(|n| node(ExprKind::NamedValue(n.into()))),]
}

fn call(name: Builtin, args: Vec<Expr>) -> Expr {
    let name_ident = Ident { name: name.name().to_owned(), span: CharSpan::default() };
    node(ExprKind::Call(Call { name: name_ident, function: Function::Builtin(name), args }))
}

fn tree() -> impl Strategy<Value = Expr> {
    leaf().prop_recursive(6, 48, 4, |inner| {
        let boxed = inner.clone().prop_map(Box::new);
        prop_oneof![
            (boxed.clone(), ident()).prop_map(|(object, name)| node(ExprKind::Property {
                object,
                name: Ident { name, span: CharSpan::default() },
            })),
            (boxed.clone(), boxed.clone()).prop_map(|(object, index)| node(ExprKind::Index { object, index })),
            (boxed.clone(), any::<bool>()).prop_map(|(object, bracket)| node(ExprKind::Wildcard { object, bracket })),
            boxed.clone().prop_map(|e| node(ExprKind::Not(e))),
            (boxed.clone(), boxed.clone(), 0..6usize).prop_map(|(lhs, rhs, op)| {
                let op = [CompareOp::Eq, CompareOp::Ne, CompareOp::Lt, CompareOp::Le, CompareOp::Gt, CompareOp::Ge][op];
                node(ExprKind::Compare { op, lhs, rhs })
            }),
            (prop::collection::vec(inner.clone(), 2..4), any::<bool>()).prop_map(|(operands, and)| {
                let op = if and { LogicalOp::And } else { LogicalOp::Or };
                node(ExprKind::Logical { op, operands })
            }),
            prop::collection::vec(inner.clone(), 1..4).prop_map(|args| call(Builtin::Format, args)),
            (inner.clone(), inner.clone()).prop_map(|(x, y)| call(Builtin::Contains, vec![x, y])),
            prop::collection::vec(inner.clone(), 3..4).prop_map(|args| call(Builtin::Case, args)),
            inner.prop_map(|x| call(Builtin::ToJson, vec![x])),
        ]
    })
}

/// Flattens `&&` inside `&&` (and `||` inside `||`), as the parser does.
fn normalize(mut expr: Expr) -> Expr {
    expr.kind = match expr.kind {
        ExprKind::Logical { op, operands } => {
            let mut flat = Vec::new();
            for operand in operands.into_iter().map(normalize) {
                match operand.kind {
                    ExprKind::Logical { op: inner, operands } if inner == op => flat.extend(operands),
                    kind => flat.push(node(kind)),
                }
            }
            ExprKind::Logical { op, operands: flat }
        }
        ExprKind::Property { object, name } => ExprKind::Property { object: Box::new(normalize(*object)), name },
        ExprKind::Index { object, index } => {
            ExprKind::Index { object: Box::new(normalize(*object)), index: Box::new(normalize(*index)) }
        }
        ExprKind::Wildcard { object, bracket } => ExprKind::Wildcard { object: Box::new(normalize(*object)), bracket },
        ExprKind::Not(operand) => ExprKind::Not(Box::new(normalize(*operand))),
        ExprKind::Compare { op, lhs, rhs } => {
            ExprKind::Compare { op, lhs: Box::new(normalize(*lhs)), rhs: Box::new(normalize(*rhs)) }
        }
        ExprKind::Call(mut call) => {
            call.args = call.args.into_iter().map(normalize).collect();
            ExprKind::Call(call)
        }
        kind => kind,
    };
    expr
}

/// Returns the tree without spans, in a form where NaN equals NaN.
fn shape(expr: &Expr) -> String {
    let mut out = String::new();
    expr.walk(&mut |n| {
        let label = match &n.kind {
            ExprKind::Literal(Literal::Number(x)) => format!("num({})", x.to_bits()),
            ExprKind::Literal(l) => format!("{l:?}"),
            ExprKind::NamedValue(name) => format!("named({name})"),
            ExprKind::Property { name, .. } => format!("prop({})", name.name),
            ExprKind::Index { .. } => "index".to_owned(),
            ExprKind::Wildcard { bracket, .. } => format!("star({bracket})"),
            ExprKind::Call(call) => format!("call({},{})", call.name.name, call.args.len()),
            ExprKind::Not(_) => "not".to_owned(),
            ExprKind::Compare { op, .. } => format!("cmp({op})"),
            ExprKind::Logical { op, operands } => format!("logic({op},{})", operands.len()),
        };
        out.push_str(&label);
        out.push(' ');
    });
    out
}
