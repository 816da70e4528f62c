//! Formats numbers as text, deterministically and without the platform's `printf`.
//!
//! Two forms exist. [`js_number_to_string`] is ECMAScript's `Number::toString`: the shortest
//! decimal that reads back as the same double, positional between `1e-7` and `1e21`,
//! exponential (`1e+21`, `1.5e-7`) outside. It is what `toJSON()` and `w3 expr` print.
//! [`number_to_string`] is how GitHub's expression language converts a number to a string (for
//! `format()`, `join()`, string comparison, object keys): the value is first rounded to 15
//! decimal places, as GitHub's TypeScript implementation does with `toFixed(15)`, so
//! `0.84551240822557006` shows as `0.84551240822557`; `-0` shows as `0`.
//!
//! Shortest digits come from Rust's core float formatting (Grisu with a Dragon fallback), which
//! is exact and the same on every machine.

/// Returns `value` as GitHub's expression language shows it when a string is needed.
pub fn number_to_string(value: f64) -> String {
    if value == 0.0 {
        return "0".to_owned();
    }
    js_number_to_string(round_to_15_decimals(value))
}

/// Returns `value` as ECMAScript's `Number.prototype.toString()` writes it.
pub fn js_number_to_string(value: f64) -> String {
    if value.is_nan() {
        return "NaN".to_owned();
    }
    if value == 0.0 {
        return "0".to_owned();
    }
    if value.is_infinite() {
        return if value > 0.0 { "Infinity" } else { "-Infinity" }.to_owned();
    }
    let sign = if value < 0.0 { "-" } else { "" };
    // `{:e}` prints the shortest round-trip digits as `d[.ddd]e<exp>`.
    let sci = format!("{:e}", value.abs());
    let (mantissa, exp) = sci.split_once('e').unwrap_or((sci.as_str(), "0"));
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let exp: i64 = exp.parse().unwrap_or(0);
    format!("{sign}{}", layout(&digits, exp + 1))
}

/// Lays out significant `digits` whose decimal point sits after `point` digits, following
/// ECMAScript's Number::toString rules.
fn layout(digits: &str, point: i64) -> String {
    let k = digits.len() as i64;
    if k <= point && point <= 21 {
        let zeros = usize::try_from(point - k).unwrap_or(0);
        format!("{digits}{}", "0".repeat(zeros))
    } else if 0 < point && point <= 21 {
        let split = usize::try_from(point).unwrap_or(0);
        let (int, frac) = digits.split_at(split.min(digits.len()));
        format!("{int}.{frac}")
    } else if -6 < point && point <= 0 {
        let zeros = usize::try_from(-point).unwrap_or(0);
        format!("0.{}{digits}", "0".repeat(zeros))
    } else {
        let (first, rest) = digits.split_at(1.min(digits.len()));
        let exp = point - 1;
        let exp_sign = if exp < 0 { '-' } else { '+' };
        let dot = if rest.is_empty() { "" } else { "." };
        format!("{first}{dot}{rest}e{exp_sign}{}", exp.unsigned_abs())
    }
}

/// Returns `value` rounded to 15 decimal places, halves away from zero, as ECMAScript's
/// `+value.toFixed(15)` computes it: exactly, on the binary value, then read back as the nearest
/// double.
fn round_to_15_decimals(value: f64) -> f64 {
    if !value.is_finite() || value.abs() >= 1e21 || value.fract() == 0.0 {
        return value;
    }
    let (mantissa, exponent) = decompose(value.abs());
    // value.fract() != 0, so the exponent is negative; `shift` is at least 1.
    let shift = u32::try_from(-exponent).unwrap_or(u32::MAX);
    let scaled: u128 = if shift > 120 {
        // value * 1e15 < 2^53 * 2^50 / 2^121 < 0.5, which rounds to zero.
        0
    } else {
        let numerator = u128::from(mantissa) * 1_000_000_000_000_000;
        (numerator + (1u128 << (shift - 1))) >> shift
    };
    let rounded = format!("{scaled}e-15").parse::<f64>().unwrap_or(value.abs());
    if value < 0.0 {
        -rounded
    } else {
        rounded
    }
}

/// Returns `(m, e)` with `value == m * 2^e` for a finite, non-negative `value`.
fn decompose(value: f64) -> (u64, i64) {
    let bits = value.to_bits();
    let biased = i64::try_from((bits >> 52) & 0x7ff).unwrap_or(0);
    let fraction = bits & ((1u64 << 52) - 1);
    if biased == 0 {
        (fraction, -1074)
    } else {
        (fraction | (1u64 << 52), biased - 1075)
    }
}

#[cfg(test)]
mod tests {
    use super::{js_number_to_string as js, number_to_string as gh};

    #[test]
    fn ecmascript_layout() {
        assert_eq!(js(1.0), "1");
        assert_eq!(js(-2.0), "-2");
        assert_eq!(js(0.5), "0.5");
        assert_eq!(js(123456.789), "123456.789");
        assert_eq!(js(1e20), "100000000000000000000");
        assert_eq!(js(1e21), "1e+21");
        assert_eq!(js(1.5e21), "1.5e+21");
        assert_eq!(js(1e-6), "0.000001");
        assert_eq!(js(1e-7), "1e-7");
        assert_eq!(js(-1.25e-7), "-1.25e-7");
        assert_eq!(js(f64::MAX), "1.7976931348623157e+308");
        assert_eq!(js(5e-324), "5e-324");
        assert_eq!(js(0.1 + 0.2), "0.30000000000000004");
        assert_eq!(js(-0.0), "0");
        assert_eq!(js(f64::NAN), "NaN");
        assert_eq!(js(f64::NEG_INFINITY), "-Infinity");
    }

    #[test]
    fn github_rounds_to_15_decimals() {
        // The literal from the conformance data, which has more digits than a double holds.
        #[allow(clippy::excessive_precision)]
        let long = 0.845_512_408_225_570_06;
        assert_eq!(gh(long), "0.84551240822557");
        assert_eq!(gh(0.1 + 0.2), "0.3");
        assert_eq!(gh(1.2e-2), "0.012");
        assert_eq!(gh(-0.0), "0");
        assert_eq!(gh(1e-16), "0");
        assert_eq!(gh(12_345_678_901_234_567.0), "12345678901234568");
        assert_eq!(gh(1e21), "1e+21");
        assert_eq!(gh(f64::INFINITY), "Infinity");
        // 1/65536 has 16 decimals ending in 5: toFixed rounds the tie up.
        assert_eq!(gh(1.0 / 65536.0), "0.000015258789063");
        assert_eq!(gh(-1.0 / 65536.0), "-0.000015258789063");
    }
}
