//! A small static type system for expression values, enough to report "property X is not
//! defined in object type {...}" and "receiver of object dereference must be an object".

use std::collections::BTreeMap;
use std::fmt;

/// Describes the type of an expression value.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Ty {
    /// Any value; nothing is checked about it.
    #[default]
    Any,
    Null,
    Bool,
    Number,
    String,
    /// An array whose elements have the given type.
    Array(Box<Ty>),
    Object(Obj),
}

/// Describes an object type: named properties, and optionally the type of any other key.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Obj {
    /// The declared properties; keys are lowercase because property access is case-insensitive.
    pub props: BTreeMap<String, Ty>,
    /// The type of every other key for a map-like object; `None` for a strict object, where any
    /// other key is an error.
    pub rest: Option<Box<Ty>>,
}

/// The type returned by reference for members of [`Ty::Any`].
static ANY: Ty = Ty::Any;

impl Obj {
    /// Builds a strict object from `(name, type)` pairs, lowercasing the names.
    pub fn strict<K: AsRef<str>>(props: impl IntoIterator<Item = (K, Ty)>) -> Obj {
        let props = props.into_iter().map(|(k, t)| (k.as_ref().to_ascii_lowercase(), t)).collect();
        Obj { props, rest: None }
    }

    /// Builds a map-like object with no declared properties whose every key has type `of`.
    pub fn map(of: Ty) -> Obj {
        Obj { props: BTreeMap::new(), rest: Some(Box::new(of)) }
    }

    /// Returns this object with every undeclared key typed `rest`.
    pub fn with_rest(mut self, rest: Ty) -> Obj {
        self.rest = Some(Box::new(rest));
        self
    }

    /// Reports whether keys other than the declared properties are errors.
    pub fn is_strict(&self) -> bool {
        self.rest.is_none()
    }

    /// Returns the type of property `name` (ASCII case-insensitive): the declared property, else
    /// the type of undeclared keys, else `None` when the object is strict.
    pub fn prop(&self, name: &str) -> Option<&Ty> {
        self.props
            .get(name)
            .or_else(|| self.props.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|e| e.1))
            .or(self.rest.as_deref())
    }
}

impl Ty {
    /// Builds a strict object type from `(name, type)` pairs.
    pub fn object<K: AsRef<str>>(props: impl IntoIterator<Item = (K, Ty)>) -> Ty {
        Ty::Object(Obj::strict(props))
    }

    /// Builds a map-like object type whose every key has type `of`.
    pub fn map(of: Ty) -> Ty {
        Ty::Object(Obj::map(of))
    }

    /// Builds an array type with elements of type `of`.
    pub fn array(of: Ty) -> Ty {
        Ty::Array(Box::new(of))
    }

    /// Returns the type of `self.name`: `Some(Any)` for `any`, the property's type for objects,
    /// and `None` when the property does not exist or `self` is not an object.
    pub fn prop(&self, name: &str) -> Option<&Ty> {
        match self {
            Ty::Any => Some(&ANY),
            Ty::Object(o) => o.prop(name),
            _ => None,
        }
    }

    /// Returns the type of `self[n]` for a numeric index: the element type of an array, `any`
    /// for `any`, and `None` otherwise.
    pub fn element(&self) -> Option<&Ty> {
        match self {
            Ty::Any => Some(&ANY),
            Ty::Array(t) => Some(t),
            _ => None,
        }
    }

    /// Returns the least type that both `self` and `other` fit, e.g. for `a || b` or for the
    /// values of one matrix key: equal types stay, objects merge their properties, arrays merge
    /// their elements, and anything else becomes `any`.
    pub fn merge(self, other: Ty) -> Ty {
        match (self, other) {
            (a, b) if a == b => a,
            (Ty::Array(a), Ty::Array(b)) => Ty::Array(Box::new(a.merge(*b))),
            (Ty::Object(a), Ty::Object(b)) => Ty::Object(a.merge(b)),
            _ => Ty::Any,
        }
    }
}

impl Obj {
    fn merge(mut self, other: Obj) -> Obj {
        for (k, t) in other.props {
            let merged = match self.props.remove(&k) {
                Some(mine) => mine.merge(t),
                None => t,
            };
            self.props.insert(k, merged);
        }
        self.rest = match (self.rest, other.rest) {
            (Some(a), Some(b)) => Some(Box::new(a.merge(*b))),
            (Some(a), None) | (None, Some(a)) => Some(a),
            (None, None) => None,
        };
        self
    }
}

impl fmt::Display for Ty {
    /// Writes the type as diagnostics show it: `any`, `array<string>`, `{a: string; b: number}`,
    /// `{string => string}` for maps, and `object` for an object of anything.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Ty::Any => f.write_str("any"),
            Ty::Null => f.write_str("null"),
            Ty::Bool => f.write_str("bool"),
            Ty::Number => f.write_str("number"),
            Ty::String => f.write_str("string"),
            Ty::Array(t) => write!(f, "array<{t}>"),
            Ty::Object(o) => o.fmt(f),
        }
    }
}

impl fmt::Display for Obj {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.props.is_empty() && self.rest.as_deref() == Some(&Ty::Any) {
            return f.write_str("object");
        }
        f.write_str("{")?;
        let mut sep = "";
        for (k, t) in &self.props {
            write!(f, "{sep}{k}: {t}")?;
            sep = "; ";
        }
        if let Some(rest) = &self.rest {
            write!(f, "{sep}string => {rest}")?;
        }
        f.write_str("}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn displays_like_diagnostics_expect() {
        assert_eq!(Ty::Any.to_string(), "any");
        assert_eq!(Ty::Bool.to_string(), "bool");
        assert_eq!(Ty::array(Ty::String).to_string(), "array<string>");
        assert_eq!(Ty::object::<&str>([]).to_string(), "{}");
        let t = Ty::object([("url", Ty::String), ("Lucky_Number", Ty::Number)]);
        assert_eq!(t.to_string(), "{lucky_number: number; url: string}");
        assert_eq!(Ty::map(Ty::String).to_string(), "{string => string}");
        assert_eq!(Ty::map(Ty::Any).to_string(), "object");
        let secrets = Ty::Object(Obj::strict([("github_token", Ty::String)]).with_rest(Ty::String));
        assert_eq!(secrets.to_string(), "{github_token: string; string => string}");
    }

    #[test]
    fn looks_up_properties_case_insensitively() {
        let t = Ty::object([("cache-hit", Ty::String)]);
        assert_eq!(t.prop("cache-hit"), Some(&Ty::String));
        assert_eq!(t.prop("Cache-Hit"), Some(&Ty::String));
        assert_eq!(t.prop("cache_hit"), None);
        assert_eq!(Ty::map(Ty::Number).prop("anything"), Some(&Ty::Number));
        assert_eq!(Ty::Any.prop("x"), Some(&Ty::Any));
        assert_eq!(Ty::String.prop("permissions"), None);
        assert_eq!(Ty::array(Ty::Bool).element(), Some(&Ty::Bool));
        assert_eq!(Ty::Number.element(), None);
        assert!(Obj::strict::<&str>([]).is_strict() && !Obj::map(Ty::Any).is_strict());
    }

    #[test]
    fn merges_types() {
        assert_eq!(Ty::String.merge(Ty::String), Ty::String);
        assert_eq!(Ty::String.merge(Ty::Number), Ty::Any);
        let a = Ty::object([("os", Ty::String)]);
        let b = Ty::object([("os", Ty::String), ("node", Ty::Number)]);
        assert_eq!(a.merge(b).to_string(), "{node: number; os: string}");
        assert_eq!(Ty::array(Ty::Number).merge(Ty::array(Ty::Bool)), Ty::array(Ty::Any));
    }
}
