//! Resolution of scalars by YAML 1.2's core schema, which is what GitHub's workflow parser uses.

use super::Style;

/// A scalar after tag resolution.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Resolved<'a> {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(&'a str),
}

/// Resolves `value` written in `style` with an optional explicit `tag`.
pub fn resolve<'a>(value: &'a str, style: Style, tag: Option<&str>) -> Resolved<'a> {
    match tag {
        Some("!!str") => return Resolved::Str(value),
        Some("!!null") => return Resolved::Null,
        Some("!!bool") => return parse_bool(value).map_or(Resolved::Str(value), Resolved::Bool),
        Some("!!int") => return parse_int(value).map_or(Resolved::Str(value), Resolved::Int),
        Some("!!float") => return parse_float(value).map_or(Resolved::Str(value), Resolved::Float),
        _ => {}
    }
    if style != Style::Plain {
        return Resolved::Str(value);
    }
    if matches!(value, "" | "~" | "null" | "Null" | "NULL") {
        return Resolved::Null;
    }
    if let Some(b) = parse_bool(value) {
        return Resolved::Bool(b);
    }
    if let Some(i) = parse_int(value) {
        return Resolved::Int(i);
    }
    if let Some(f) = parse_float(value) {
        return Resolved::Float(f);
    }
    Resolved::Str(value)
}

fn parse_bool(s: &str) -> Option<bool> {
    match s {
        "true" | "True" | "TRUE" => Some(true),
        "false" | "False" | "FALSE" => Some(false),
        _ => None,
    }
}

fn parse_int(s: &str) -> Option<i64> {
    if let Some(hex) = s.strip_prefix("0x") {
        return (!hex.is_empty() && hex.bytes().all(|b| b.is_ascii_hexdigit()))
            .then(|| i64::from_str_radix(hex, 16).ok())
            .flatten();
    }
    if let Some(oct) = s.strip_prefix("0o") {
        return (!oct.is_empty() && oct.bytes().all(|b| (b'0'..=b'7').contains(&b)))
            .then(|| i64::from_str_radix(oct, 8).ok())
            .flatten();
    }
    let digits = s.strip_prefix(['-', '+']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

fn parse_float(s: &str) -> Option<f64> {
    match s {
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => return Some(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => return Some(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return Some(f64::NAN),
        _ => {}
    }
    // [-+]? ( \. [0-9]+ | [0-9]+ ( \. [0-9]* )? ) ( [eE] [-+]? [0-9]+ )?
    let body = s.strip_prefix(['-', '+']).unwrap_or(s);
    let (mantissa, exponent) = match body.find(['e', 'E']) {
        Some(i) => (&body[..i], Some(&body[i + 1..])),
        None => (body, None),
    };
    let (int, frac) = match mantissa.find('.') {
        Some(i) => (&mantissa[..i], Some(&mantissa[i + 1..])),
        None => (mantissa, None),
    };
    let digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = match frac {
        None => !int.is_empty() && digits(int),
        Some(f) => digits(int) && digits(f) && !(int.is_empty() && f.is_empty()),
    };
    let exponent_ok = exponent.is_none_or(|e| {
        let e = e.strip_prefix(['-', '+']).unwrap_or(e);
        !e.is_empty() && digits(e)
    });
    if mantissa_ok && exponent_ok {
        s.parse().ok()
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(s: &str) -> Resolved<'_> {
        resolve(s, Style::Plain, None)
    }

    #[test]
    fn core_schema() {
        assert_eq!(plain(""), Resolved::Null);
        assert_eq!(plain("~"), Resolved::Null);
        assert_eq!(plain("True"), Resolved::Bool(true));
        assert_eq!(plain("yes"), Resolved::Str("yes"));
        assert_eq!(plain("on"), Resolved::Str("on"));
        assert_eq!(plain("42"), Resolved::Int(42));
        assert_eq!(plain("-7"), Resolved::Int(-7));
        assert_eq!(plain("0x1F"), Resolved::Int(31));
        assert_eq!(plain("0o17"), Resolved::Int(15));
        assert_eq!(plain("1.5"), Resolved::Float(1.5));
        assert_eq!(plain(".5"), Resolved::Float(0.5));
        assert_eq!(plain("1e3"), Resolved::Float(1000.0));
        assert_eq!(plain("1.2.3"), Resolved::Str("1.2.3"));
        assert_eq!(plain("."), Resolved::Str("."));
        assert_eq!(plain("-.inf"), Resolved::Float(f64::NEG_INFINITY));
        assert_eq!(resolve("42", Style::DoubleQuoted, None), Resolved::Str("42"));
        assert_eq!(resolve("42", Style::Plain, Some("!!str")), Resolved::Str("42"));
    }
}
