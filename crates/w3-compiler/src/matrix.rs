//! Static matrix expansion, GitHub's way: the cartesian product of the rows (the last row
//! varies fastest), minus every combination an `exclude` entry matches, plus `include` entries
//! merged into the combinations they extend without overwriting, or appended as new ones.

use crate::values::node_value;
use w3_dsl::ast::{Combination, ExprOr, Matrix};
use w3_value::{loose_eq, Object, Value};

/// GitHub's limit on the number of jobs a matrix may generate.
pub const MAX_COMBINATIONS: usize = 256;

/// Why a matrix cannot be expanded at compile time.
#[derive(Debug, PartialEq, Eq)]
pub enum MatrixError {
    /// A row, `include` or `exclude` is computed by an expression.
    Dynamic,
    /// More than [`MAX_COMBINATIONS`] combinations.
    TooLarge(usize),
}

/// One combination: key/value pairs in row order, then included keys.
pub type Combo = Vec<(String, Value)>;

fn get<'a>(c: &'a Combo, key: &str) -> Option<&'a Value> {
    c.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, v)| v)
}

/// Returns whether `a` and `b` are the same matrix value (objects and arrays compare by content).
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y.iter()).all(|(p, q)| same(p, q)),
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => std::mem::discriminant(a) == std::mem::discriminant(b) && loose_eq(a, b),
    }
}

/// Returns whether `pattern` (an exclude value) selects `v`: objects by a subset of keys.
fn selects(pattern: &Value, v: &Value) -> bool {
    match (pattern, v) {
        (Value::Object(p), Value::Object(x)) => p.iter().all(|(k, pv)| x.get(k).is_some_and(|xv| selects(pv, xv))),
        _ => same(pattern, v),
    }
}

fn pairs(c: &Combination) -> Result<Combo, MatrixError> {
    match c {
        Combination::Assign { pairs, .. } => Ok(pairs.iter().map(|(k, v)| (k.value.clone(), node_value(v))).collect()),
        Combination::Expr(_) => Err(MatrixError::Dynamic),
    }
}

/// Expands a literal matrix into its combinations.
pub fn expand(matrix: &Matrix) -> Result<Vec<Combo>, MatrixError> {
    let Matrix::Rows { rows, include, exclude, .. } = matrix else { return Err(MatrixError::Dynamic) };
    let mut combos: Vec<Combo> = vec![Vec::new()];
    let mut originals: Vec<String> = Vec::new();
    for row in rows {
        let ExprOr::Lit { value: values, .. } = &row.values else { return Err(MatrixError::Dynamic) };
        originals.push(row.key.value.clone());
        let mut next = Vec::with_capacity(combos.len() * values.len());
        for c in &combos {
            for v in values {
                let mut c2 = c.clone();
                c2.push((row.key.value.clone(), node_value(v)));
                next.push(c2);
            }
        }
        combos = next;
        if combos.len() > MAX_COMBINATIONS * 16 {
            return Err(MatrixError::TooLarge(combos.len()));
        }
    }
    if rows.is_empty() {
        combos.clear();
    }
    let list = |c: &Option<w3_dsl::ast::Combinations>| -> Result<Vec<Combo>, MatrixError> {
        match c.as_ref().map(|c| &c.value) {
            None => Ok(Vec::new()),
            Some(ExprOr::Expr(_)) => Err(MatrixError::Dynamic),
            Some(ExprOr::Lit { value, .. }) => value.iter().map(pairs).collect(),
        }
    };
    for ex in list(exclude)? {
        combos.retain(|c| !ex.iter().all(|(k, v)| get(c, k).is_some_and(|cv| selects(v, cv))));
    }
    for inc in list(include)? {
        let mut merged = false;
        for c in combos.iter_mut() {
            // An include extends a combination when every original key it names matches.
            let fits = inc.iter().all(|(k, v)| {
                !originals.iter().any(|o| o.eq_ignore_ascii_case(k)) || get(c, k).is_some_and(|cv| same(cv, v))
            });
            if fits {
                for (k, v) in &inc {
                    match c.iter_mut().find(|(ck, _)| ck.eq_ignore_ascii_case(k)) {
                        Some(slot) if !originals.iter().any(|o| o.eq_ignore_ascii_case(k)) => slot.1 = v.clone(),
                        Some(_) => {}
                        None => c.push((k.clone(), v.clone())),
                    }
                }
                merged = true;
            }
        }
        if !merged {
            combos.push(inc);
        }
    }
    if combos.len() > MAX_COMBINATIONS {
        return Err(MatrixError::TooLarge(combos.len()));
    }
    Ok(combos)
}

/// Returns a combination as the `matrix` context object.
pub fn to_object(c: &Combo) -> Value {
    let mut o = Object::new();
    for (k, v) in c {
        o.insert(k.clone(), v.clone());
    }
    Value::from(o)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expand_yaml(src: &str) -> Vec<String> {
        let parsed = w3_dsl::ast::parse(src);
        let wf = parsed.workflow.unwrap();
        let m = wf.jobs[0].strategy.as_ref().unwrap().matrix.as_ref().unwrap();
        expand(m).unwrap().iter().map(|c| w3_value::to_json_text(&to_object(c), w3_value::JsonStyle { pretty: false, non_finite: w3_value::NonFinite::Bare }).unwrap()).collect()
    }

    const HEAD: &str = "on: push\njobs:\n  t:\n    runs-on: x\n    steps: [{run: echo}]\n    strategy:\n      matrix:\n";

    #[test]
    fn product_exclude_include() {
        let src = format!(
            "{HEAD}        os: [linux, mac]\n        node: [18, 20]\n        exclude:\n          - os: mac\n            node: 18\n        include:\n          - os: linux\n            experimental: true\n          - os: windows\n            node: 20\n"
        );
        assert_eq!(
            expand_yaml(&src),
            vec![
                r#"{"os":"linux","node":18,"experimental":true}"#,
                r#"{"os":"linux","node":20,"experimental":true}"#,
                r#"{"os":"mac","node":20}"#,
                r#"{"os":"windows","node":20}"#,
            ]
        );
    }

    #[test]
    fn include_does_not_overwrite_original_values() {
        let src = format!("{HEAD}        fruit: [apple, pear]\n        include:\n          - color: green\n          - color: pink\n            fruit: apple\n");
        assert_eq!(
            expand_yaml(&src),
            vec![r#"{"fruit":"apple","color":"pink"}"#, r#"{"fruit":"pear","color":"green"}"#]
        );
    }
}
