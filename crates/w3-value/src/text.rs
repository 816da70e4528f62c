//! Compares text the way GitHub does: ordinal, ignoring case (.NET's `OrdinalIgnoreCase`).
//!
//! Each character is mapped to its simple upper-case form, except where that form is ASCII but
//! the character is not (`ı` stays `ı`, `ſ` stays `ſ`), and except where the upper case is more
//! than one character (`ß` stays `ß`). Ordering compares the UTF-16 code units of the mapped
//! text, as .NET does, so characters beyond the Basic Multilingual Plane sort by surrogate.

use std::cmp::Ordering;

/// Returns `c` as ordinal ignore-case comparison sees it.
pub fn fold_char(c: char) -> char {
    if c.is_ascii() {
        return c.to_ascii_uppercase();
    }
    let mut upper = c.to_uppercase();
    match (upper.next(), upper.next()) {
        (Some(u), None) if !u.is_ascii() => u,
        _ => c,
    }
}

/// Returns `s` with every character folded; two strings are equal ignoring case exactly when
/// their folded forms are equal.
pub fn fold(s: &str) -> String {
    // ASCII folds to its upper case, byte for byte: one allocation of the right size.
    if s.is_ascii() {
        return s.to_ascii_uppercase();
    }
    let mut folded = String::with_capacity(s.len());
    folded.extend(s.chars().map(fold_char));
    folded
}

/// Returns whether `a` and `b` are equal ignoring case.
pub fn eq_ignore_case(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() {
        return a.eq_ignore_ascii_case(b);
    }
    a.chars().map(fold_char).eq(b.chars().map(fold_char))
}

/// Returns how `a` orders against `b` ignoring case.
pub fn cmp_ignore_case(a: &str, b: &str) -> Ordering {
    // ASCII is one UTF-16 unit per byte, folded to upper case.
    if a.is_ascii() && b.is_ascii() {
        return a.bytes().map(|c| c.to_ascii_uppercase()).cmp(b.bytes().map(|c| c.to_ascii_uppercase()));
    }
    utf16_units(a).cmp(utf16_units(b))
}

fn utf16_units(s: &str) -> impl Iterator<Item = u16> + '_ {
    s.chars().flat_map(|c| {
        let mut buf = [0u16; 2];
        let units = fold_char(c).encode_utf16(&mut buf);
        let (first, second) = (units[0], units.get(1).copied());
        std::iter::once(first).chain(second)
    })
}

/// Returns whether `haystack` contains `needle` ignoring case.
pub fn contains_ignore_case(haystack: &str, needle: &str) -> bool {
    fold(haystack).contains(&fold(needle))
}

/// Returns whether `s` starts with `prefix` ignoring case.
pub fn starts_with_ignore_case(s: &str, prefix: &str) -> bool {
    let mut chars = s.chars().map(fold_char);
    prefix.chars().map(fold_char).all(|p| chars.next() == Some(p))
}

/// Returns whether `s` ends with `suffix` ignoring case.
pub fn ends_with_ignore_case(s: &str, suffix: &str) -> bool {
    let mut chars = s.chars().rev().map(fold_char);
    suffix.chars().rev().map(fold_char).all(|p| chars.next() == Some(p))
}

/// Returns the length of `s` in UTF-16 code units, which is how GitHub measures strings.
pub fn utf16_len(s: &str) -> usize {
    if s.is_ascii() {
        s.len()
    } else {
        s.chars().map(char::len_utf16).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sigma_forms_are_equal() {
        assert!(eq_ignore_case("ς", "Σ"));
        assert!(eq_ignore_case("σ", "ς"));
        assert!(eq_ignore_case("АБВ", "абв"));
        assert!(eq_ignore_case("Ü", "ü"));
    }

    #[test]
    fn dotted_and_dotless_i_stay_apart() {
        assert!(!eq_ignore_case("i", "İ"));
        assert!(!eq_ignore_case("ı", "I"));
        assert_eq!(cmp_ignore_case("i", "İ"), Ordering::Less);
        assert_eq!(cmp_ignore_case("ı", "I"), Ordering::Greater);
        assert!(!eq_ignore_case("ß", "SS"));
    }

    #[test]
    fn ordering_maps_letters_to_upper_case() {
        assert_eq!(cmp_ignore_case("a", "["), Ordering::Less);
        assert_eq!(cmp_ignore_case("abc", "ABD"), Ordering::Less);
        assert_eq!(cmp_ignore_case("abc", "AB"), Ordering::Greater);
        // U+FFFF sorts after the surrogates of U+10000, as in UTF-16.
        assert_eq!(cmp_ignore_case("\u{ffff}", "\u{10000}"), Ordering::Greater);
        let words = ["", "a", "A", "ab", "aB", "b", "[", "_", "`", "z{", "Z", "~", "0x1", "abc"];
        for x in words {
            for y in words {
                assert_eq!(cmp_ignore_case(x, y), utf16_units(x).cmp(utf16_units(y)), "{x} {y}");
            }
        }
    }

    #[test]
    fn affixes() {
        assert!(starts_with_ignore_case("ς_asdf", "Σ"));
        assert!(ends_with_ignore_case("asdf_Σ", "ς"));
        assert!(starts_with_ignore_case("abc", ""));
        assert!(!ends_with_ignore_case("c", "abc"));
        assert!(contains_ignore_case("abCdEf", "cDe"));
        assert!(contains_ignore_case("abc", ""));
        for s in ["", "abc-XYZ_09", "straße", "ǅemal", "ıi", "ς"] {
            assert_eq!(fold(s), s.chars().map(fold_char).collect::<String>(), "{s}");
        }
        assert_eq!(utf16_len("a😊"), 3);
    }
}
