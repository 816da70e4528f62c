//! Literal YAML values as expression values and as module constants.

use w3_dsl::yaml::{Node, NodeKind, Resolved};
use w3_isa::{ConstId, ModuleBuilder};
use w3_value::{Array, Object, Value};

/// Returns the value a literal YAML node has in expressions: YAML's core schema types, arrays
/// and objects (keys in document order).
pub fn node_value(n: &Node) -> Value {
    match &n.kind {
        NodeKind::Scalar { .. } => match n.resolve() {
            Some(Resolved::Null) | None => Value::Null,
            Some(Resolved::Bool(b)) => Value::Bool(b),
            Some(Resolved::Int(i)) => Value::Number(i as f64),
            Some(Resolved::Float(f)) => Value::Number(f),
            Some(Resolved::Str(s)) => Value::from(s),
        },
        NodeKind::Seq(items) => Value::from(Array::new(items.iter().map(node_value).collect())),
        NodeKind::Map(entries) => {
            let mut o = Object::new();
            for e in entries {
                o.insert(e.key.as_scalar().unwrap_or_default(), node_value(&e.value));
            }
            Value::from(o)
        }
        NodeKind::RecursiveAlias { .. } => Value::Null,
    }
}

/// Returns the text a literal YAML scalar has where GitHub wants a string (env values, `with:`
/// inputs): the scalar as written, null as empty.
pub fn node_text(n: &Node) -> String {
    if n.is_null() {
        return String::new();
    }
    n.as_scalar().unwrap_or_default().to_string()
}

/// Interns `v` as a constant.
pub fn constant(m: &mut ModuleBuilder, v: &Value) -> ConstId {
    match v {
        Value::Null => m.null(),
        Value::Bool(b) => m.bool(*b),
        Value::Number(n) => m.number(*n),
        Value::String(s) => m.string_constant(s),
        Value::Array(a) => {
            let items = a.iter().map(|x| constant(m, x)).collect();
            m.array(items)
        }
        Value::Object(o) => {
            let entries: Vec<(String, ConstId)> = o.iter().map(|(k, x)| (k.to_string(), constant(m, x))).collect();
            let refs: Vec<(&str, ConstId)> = entries.iter().map(|(k, c)| (k.as_str(), *c)).collect();
            m.object(&refs)
        }
    }
}
