//! Converts text to a number the way GitHub's runner does (its `ParseNumber`).
//!
//! The rules follow JavaScript's `Number(string)` in spirit, with the runner's exact edges:
//! surrounding whitespace is ignored, the empty string is `0`, decimals may have a sign, a
//! fraction and an exponent (`+1.5e-3`, `.5`, `5.`), `0x` (lower-case) takes hexadecimal and `0o`
//! octal digits whose value must fit 32 bits (read as a signed 32-bit pattern, so `0xffffffff` is
//! `-1`, as in .NET), and `Infinity`, `+Infinity`, `-Infinity` are infinite. Anything else is
//! NaN. The lexer uses the same function for number literals, so `${{ 0x1F }}` and `'0x1F' == 31`
//! agree.

/// Returns the number `text` denotes, or NaN when it denotes none.
pub fn parse_number(text: &str) -> f64 {
    let text = text.trim();
    if text.is_empty() {
        return 0.0;
    }
    if is_decimal(text) {
        // The grammar was checked above, so Rust's correctly rounded parser sees only decimals.
        return text.parse::<f64>().unwrap_or(f64::NAN);
    }
    if let Some(digits) = text.strip_prefix("0x") {
        return radix_i32(digits, 16);
    }
    if let Some(digits) = text.strip_prefix("0o") {
        return radix_i32(digits, 8);
    }
    match text {
        "Infinity" | "+Infinity" => f64::INFINITY,
        "-Infinity" => f64::NEG_INFINITY,
        _ => f64::NAN,
    }
}

/// Returns whether `text` is `[+-] (digits [. digits?] | . digits) [(e|E) [+-] digits]`.
fn is_decimal(text: &str) -> bool {
    let b = text.as_bytes();
    let mut i = usize::from(matches!(b.first(), Some(b'+' | b'-')));
    let int_digits = count_digits(&b[i..]);
    i += int_digits;
    let mut frac_digits = 0;
    if b.get(i) == Some(&b'.') {
        i += 1;
        frac_digits = count_digits(&b[i..]);
        i += frac_digits;
    }
    if int_digits + frac_digits == 0 {
        return false;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let exp_digits = count_digits(&b[i..]);
        if exp_digits == 0 {
            return false;
        }
        i += exp_digits;
    }
    i == b.len()
}

fn count_digits(bytes: &[u8]) -> usize {
    bytes.iter().take_while(|b| b.is_ascii_digit()).count()
}

/// Returns `digits` in `radix` as a signed 32-bit pattern, or NaN if they are not digits of
/// `radix` or need more than 32 bits.
fn radix_i32(digits: &str, radix: u32) -> f64 {
    if digits.is_empty() {
        return f64::NAN;
    }
    let mut value: u64 = 0;
    for c in digits.chars() {
        let Some(d) = c.to_digit(radix) else {
            return f64::NAN;
        };
        value = value * u64::from(radix) + u64::from(d);
        if value > u64::from(u32::MAX) {
            return f64::NAN;
        }
    }
    // .NET reads the digits as a bit pattern: 0xffffffff is -1. Truncation is the intent.
    f64::from(value as u32 as i32)
}

#[cfg(test)]
mod tests {
    use super::parse_number;

    #[test]
    fn decimals() {
        assert_eq!(parse_number(" 123456.789 "), 123456.789);
        assert_eq!(parse_number("+1.2e2"), 120.0);
        assert_eq!(parse_number("-1.2E+2"), -120.0);
        assert_eq!(parse_number(".5"), 0.5);
        assert_eq!(parse_number("5."), 5.0);
        assert_eq!(parse_number("1e400"), f64::INFINITY);
        assert!(parse_number("-0").is_sign_negative());
    }

    #[test]
    fn empty_is_zero_and_junk_is_nan() {
        assert_eq!(parse_number(""), 0.0);
        assert_eq!(parse_number("  \t\n "), 0.0);
        for junk in [".", "-", "+", "1e", "1.2.3", "abc", "inf", "nan", "NaN", "1_000", "0x", "e5"] {
            assert!(parse_number(junk).is_nan(), "{junk}");
        }
    }

    #[test]
    fn hex_and_octal_follow_the_runner() {
        assert_eq!(parse_number("0xff"), 255.0);
        assert_eq!(parse_number("0xFF"), 255.0);
        assert_eq!(parse_number("0o777"), 511.0);
        assert_eq!(parse_number("0x7fffffff"), 2_147_483_647.0);
        assert_eq!(parse_number("0xffffffff"), -1.0);
        assert!(parse_number("0x100000000").is_nan());
        assert!(parse_number("0XFF").is_nan());
        assert!(parse_number("0o8").is_nan());
        assert!(parse_number("-0xff").is_nan());
        assert!(parse_number("0b101").is_nan());
    }

    #[test]
    fn infinities() {
        assert_eq!(parse_number("Infinity"), f64::INFINITY);
        assert_eq!(parse_number("+Infinity"), f64::INFINITY);
        assert_eq!(parse_number(" -Infinity "), f64::NEG_INFINITY);
        assert!(parse_number("-Inf").is_nan());
        assert!(parse_number("infinity").is_nan());
    }
}
