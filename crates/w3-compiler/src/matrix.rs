//! Static matrices: a `strategy.matrix` written out in the workflow is expanded at compile time
//! by `w3_value::matrix::expand` — the same function the VM's `matrixExpand` uses for matrices
//! computed at run time, so both expand alike.

use crate::values::node_value;
use w3_dsl::ast::{Combination, Combinations, ExprOr, Matrix};
use w3_value::{Array, Object, Value};

pub use w3_value::matrix::MAX_COMBINATIONS;

/// Why a matrix cannot be expanded at compile time.
#[derive(Debug, PartialEq, Eq)]
pub enum MatrixError {
    /// A row, `include` or `exclude` is computed by an expression.
    Dynamic,
    /// The expansion failed (too many combinations).
    Invalid(String),
}

fn entries(c: &Option<Combinations>) -> Result<Option<Value>, MatrixError> {
    let Some(c) = c else { return Ok(None) };
    let ExprOr::Lit { value, .. } = &c.value else { return Err(MatrixError::Dynamic) };
    let mut items = Vec::with_capacity(value.len());
    for combo in value {
        let Combination::Assign { pairs, .. } = combo else { return Err(MatrixError::Dynamic) };
        let mut o = Object::new();
        for (k, v) in pairs {
            o.insert(k.value.clone(), node_value(v));
        }
        items.push(Value::from(o));
    }
    Ok(Some(Value::from(Array::new(items))))
}

/// Expands a literal matrix into its combinations (each the `matrix` context of one leg).
pub fn expand(matrix: &Matrix) -> Result<Vec<Value>, MatrixError> {
    let Matrix::Rows { rows, include, exclude, .. } = matrix else { return Err(MatrixError::Dynamic) };
    let mut m = Object::new();
    for row in rows {
        let ExprOr::Lit { value, .. } = &row.values else { return Err(MatrixError::Dynamic) };
        m.insert(row.key.value.clone(), Value::from(Array::new(value.iter().map(node_value).collect())));
    }
    for (key, list) in [("include", entries(include)?), ("exclude", entries(exclude)?)] {
        if let Some(list) = list {
            m.insert(key, list);
        }
    }
    match w3_value::matrix::expand(&Value::from(m)) {
        Ok(Value::Array(items)) => Ok(items.iter().cloned().collect()),
        Ok(_) => Err(MatrixError::Invalid("the expansion is not an array".into())),
        Err(e) => Err(MatrixError::Invalid(e.0)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expand_yaml(src: &str) -> Vec<String> {
        let parsed = w3_dsl::ast::parse(src);
        let wf = parsed.workflow.unwrap();
        let m = wf.jobs[0].strategy.as_ref().unwrap().matrix.as_ref().unwrap();
        let style = w3_value::JsonStyle { pretty: false, non_finite: w3_value::NonFinite::Bare };
        expand(m).unwrap().iter().map(|c| w3_value::to_json_text(c, style).unwrap()).collect()
    }

    const HEAD: &str =
        "on: push\njobs:\n  t:\n    runs-on: x\n    steps: [{run: echo}]\n    strategy:\n      matrix:\n";

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
