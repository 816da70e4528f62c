//! Expands a matrix object (`strategy.matrix`) into the array of its combinations, by GitHub's
//! rules. The compiler uses it for matrices written out in the workflow, the VM's
//! `matrixExpand` for matrices computed at run time, so both expand alike: the cartesian product of the rows (the last row
//! varies fastest), minus every combination an `exclude` entry matches, plus each `include` entry
//! merged into the combinations whose original keys it matches (adding keys, never overwriting an
//! original one) or appended when it matches none.

use crate::{eq_ignore_case, loose_eq, Array, Object, Value};

/// Why a value cannot be expanded as a matrix.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid matrix: {0}")]
pub struct MatrixError(pub String);

/// GitHub's limit on the combinations of one matrix.
pub const MAX_COMBINATIONS: usize = 256;

/// Bounds the `include` and `exclude` entries, and the product before they apply, so the
/// expansion's work stays proportional to its gas.
const MAX_ENTRIES: usize = 256;
const MAX_PRODUCT: usize = MAX_COMBINATIONS * 16;

type Combo = Vec<(String, Value)>;

fn bad(reason: impl Into<String>) -> MatrixError {
    MatrixError(reason.into())
}

fn get<'a>(c: &'a Combo, key: &str) -> Option<&'a Value> {
    c.iter().find(|(k, _)| eq_ignore_case(k, key)).map(|(_, v)| v)
}

/// Returns whether `a` and `b` are the same matrix value: collections by content, primitives of
/// one kind by GitHub's equality. Recursion is bounded by the values' depth limit.
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y.iter()).all(|(p, q)| same(p, q)),
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a.kind() == b.kind() && loose_eq(a, b),
    }
}

/// Returns whether exclude value `pattern` selects `v`: objects by a subset of their keys.
fn selects(pattern: &Value, v: &Value) -> bool {
    match (pattern, v) {
        (Value::Object(p), Value::Object(x)) => p.iter().all(|(k, pv)| x.get(k).is_some_and(|xv| selects(pv, xv))),
        _ => same(pattern, v),
    }
}

/// Returns the entries of an `include` or `exclude` list.
fn entries(value: Option<&Value>, what: &str) -> Result<Vec<Combo>, MatrixError> {
    let items = match value {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(items)) if items.len() <= MAX_ENTRIES => items,
        Some(Value::Array(_)) => return Err(bad(format!("more than {MAX_ENTRIES} `{what}` entries"))),
        Some(_) => return Err(bad(format!("`{what}` must be an array of objects"))),
    };
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        let Value::Object(o) = item else {
            return Err(bad(format!("every `{what}` entry must be an object")));
        };
        out.push(o.iter().map(|(k, v)| (k.to_owned(), v.clone())).collect());
    }
    Ok(out)
}

/// Returns the product of the rows of `matrix` and the names of the rows.
fn product(matrix: &Object) -> Result<(Vec<Combo>, Vec<String>), MatrixError> {
    let mut combos: Vec<Combo> = vec![Vec::new()];
    let mut originals = Vec::new();
    for (key, values) in matrix.iter() {
        if eq_ignore_case(key, "include") || eq_ignore_case(key, "exclude") {
            continue;
        }
        let Value::Array(values) = values else {
            return Err(bad(format!("row `{key}` must be an array")));
        };
        if combos.len().saturating_mul(values.len()) > MAX_PRODUCT {
            return Err(bad(format!("more than {MAX_COMBINATIONS} combinations")));
        }
        let mut next = Vec::with_capacity(combos.len() * values.len());
        for c in &combos {
            for v in values {
                let mut c2 = c.clone();
                c2.push((key.to_owned(), v.clone()));
                next.push(c2);
            }
        }
        combos = next;
        originals.push(key.to_owned());
    }
    if originals.is_empty() {
        combos.clear();
    }
    Ok((combos, originals))
}

/// Adds `include` to every combination of the product (the first `from_product` of `combos`)
/// whose original values it does not change, or else appends it as a combination of its own.
/// Combinations an earlier entry appended are not merged into.
fn merge(combos: &mut Vec<Combo>, from_product: usize, originals: &[String], include: Combo) {
    let original = |k: &str| originals.iter().any(|o| eq_ignore_case(o, k));
    let mut merged = false;
    for c in combos.iter_mut().take(from_product) {
        let fits = include.iter().all(|(k, v)| !original(k) || get(c, k).is_some_and(|cv| same(cv, v)));
        if !fits {
            continue;
        }
        for (k, v) in &include {
            match c.iter_mut().find(|(ck, _)| eq_ignore_case(ck, k)) {
                Some(slot) if !original(k) => slot.1 = v.clone(),
                Some(_) => {}
                None => c.push((k.clone(), v.clone())),
            }
        }
        merged = true;
    }
    if !merged {
        combos.push(include);
    }
}

/// Returns the array of combination objects of `matrix`.
pub fn expand(matrix: &Value) -> Result<Value, MatrixError> {
    let Value::Object(matrix) = matrix else {
        return Err(bad(format!("expected an object, found {}", matrix.kind())));
    };
    let (mut combos, originals) = product(matrix)?;
    for ex in entries(matrix.get("exclude"), "exclude")? {
        combos.retain(|c| !ex.iter().all(|(k, v)| get(c, k).is_some_and(|cv| selects(v, cv))));
    }
    let from_product = combos.len();
    for inc in entries(matrix.get("include"), "include")? {
        merge(&mut combos, from_product, &originals, inc);
    }
    if combos.len() > MAX_COMBINATIONS {
        return Err(bad(format!("{} combinations, more than {MAX_COMBINATIONS}", combos.len())));
    }
    let items = combos.into_iter().map(|c| Value::Object(c.into_iter().collect::<Object>()));
    Ok(Value::Array(items.collect::<Array>()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(text: &str) -> Value {
        crate::parse_json(text).unwrap()
    }

    fn expand_text(text: &str) -> String {
        let out = expand(&json(text)).unwrap();
        crate::to_json_text(&out, crate::JsonStyle { pretty: false, non_finite: crate::NonFinite::Null }).unwrap()
    }

    #[test]
    fn products_exclude_and_include_like_github() {
        assert_eq!(
            expand_text(r#"{"os":["a","b"],"n":[1,2],"exclude":[{"os":"b","n":1}]}"#),
            r#"[{"os":"a","n":1},{"os":"a","n":2},{"os":"b","n":2}]"#
        );
        assert_eq!(
            expand_text(r#"{"os":["a","b"],"include":[{"os":"a","x":1},{"os":"c"},{"y":2}]}"#),
            r#"[{"os":"a","x":1,"y":2},{"os":"b","y":2},{"os":"c"}]"#
        );
        // GitHub's documented example: `banana` entries are combinations of their own, and the
        // second is not merged into the first, which is not an original combination.
        assert_eq!(
            expand_text(
                r#"{"fruit":["apple","pear"],"animal":["cat","dog"],"include":[{"color":"green"},{"color":"pink","animal":"cat"},{"fruit":"apple","shape":"circle"},{"fruit":"banana"},{"fruit":"banana","animal":"cat"}]}"#
            ),
            concat!(
                r#"[{"fruit":"apple","animal":"cat","color":"pink","shape":"circle"},"#,
                r#"{"fruit":"apple","animal":"dog","color":"green","shape":"circle"},"#,
                r#"{"fruit":"pear","animal":"cat","color":"pink"},{"fruit":"pear","animal":"dog","color":"green"},"#,
                r#"{"fruit":"banana"},{"fruit":"banana","animal":"cat"}]"#
            )
        );
        assert_eq!(expand_text(r#"{"include":[{"a":1}]}"#), r#"[{"a":1}]"#);
        // Without rows, each entry is a combination of its own.
        assert_eq!(expand_text(r#"{"include":[{"n":"a"},{"n":"b"}]}"#), r#"[{"n":"a"},{"n":"b"}]"#);
        // An entry is not merged into a combination an earlier entry appended.
        assert_eq!(expand_text(r#"{"os":["a"],"include":[{"os":"c"},{"x":1}]}"#), r#"[{"os":"a","x":1},{"os":"c"}]"#);
    }

    #[test]
    fn rejects_what_is_not_a_matrix() {
        assert!(matches!(expand(&json("[1]")), Err(MatrixError(_))));
        assert!(matches!(expand(&json(r#"{"os":"a"}"#)), Err(MatrixError(_))));
        assert!(matches!(expand(&json(r#"{"os":["a"],"include":[1]}"#)), Err(MatrixError(_))));
        let big = format!(r#"{{"a":{0},"b":{0},"c":{0}}}"#, "[1,2,3,4,5,6,7]");
        assert!(matches!(expand(&json(&big)), Err(MatrixError(_))));
    }
}
