//! Defines the id tables of `CallBuiltin`, `HostCall` and `Status`: which ids exist, their names
//! and, for builtins, their arity. Each table is written once, like the op table.

use crate::operand::{BuiltinId, HostId, StatusId};

/// Says which argument counts a builtin accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Arity {
    /// The fewest arguments.
    pub min: u8,
    /// The most arguments.
    pub max: u8,
    /// Whether the count must be odd (`case`).
    pub odd: bool,
}

impl Arity {
    /// Returns whether `argc` arguments are accepted.
    pub const fn accepts(self, argc: u8) -> bool {
        argc >= self.min && argc <= self.max && (!self.odd || argc % 2 == 1)
    }
}

const fn arity(min: u8, max: u8, odd: bool) -> Arity {
    Arity { min, max, odd }
}

macro_rules! id_table {
    (
        $(#[doc = $tdoc:literal])* $ty:ident($id:ident) {
            $($(#[doc = $doc:literal])* $name:ident = $code:literal, $text:literal $(, $arity:expr)?;)*
        }
    ) => {
        $(#[doc = $tdoc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        #[repr(u8)]
        pub enum $ty {
            $($(#[doc = $doc])* $name = $code,)*
        }

        impl $ty {
            /// Lists every entry, in id order.
            pub const ALL: &'static [$ty] = &[$($ty::$name,)*];

            /// Returns the entry with id `id`, if any.
            pub const fn from_id(id: $id) -> Option<$ty> {
                match id.0 {
                    $($code => Some($ty::$name),)*
                    _ => None,
                }
            }

            /// Returns the entry's id as an operand.
            pub const fn id(self) -> $id {
                $id(self as u8)
            }

            /// Returns the entry's name.
            pub const fn name(self) -> &'static str {
                match self {
                    $($ty::$name => $text,)*
                }
            }

            /// Returns the entry named `name` (exact spelling), if any.
            pub fn from_name(name: &str) -> Option<$ty> {
                Self::ALL.iter().copied().find(|e| e.name() == name)
            }

            id_table!(@arity $ty $($name $(, $arity)?;)*);
        }
    };
    (@arity $ty:ident $($name:ident, $arity:expr;)*) => {
        /// Returns the argument counts the builtin accepts.
        pub const fn arity(self) -> Arity {
            match self {
                $($ty::$name => $arity,)*
            }
        }
    };
    (@arity $ty:ident $($name:ident;)*) => {};
}

id_table! {
    /// Names the built-in functions `CallBuiltin` can call.
    Builtin(BuiltinId) {
        /// `contains(search, item)`.
        Contains = 0, "contains", arity(2, 2, false);
        /// `startsWith(searchString, searchValue)`.
        StartsWith = 1, "startsWith", arity(2, 2, false);
        /// `endsWith(searchString, searchValue)`.
        EndsWith = 2, "endsWith", arity(2, 2, false);
        /// `format(string, values...)`, evaluated eagerly.
        Format = 3, "format", arity(1, 255, false);
        /// `join(array, separator?)`.
        Join = 4, "join", arity(1, 2, false);
        /// `toJSON(value)`.
        ToJson = 5, "toJSON", arity(1, 1, false);
        /// `fromJSON(text)`.
        FromJson = 6, "fromJSON", arity(1, 1, false);
        /// `case(pred, value, ..., default)`, evaluated eagerly.
        Case = 7, "case", arity(3, 255, true);
        /// Expands a matrix object (with `include`/`exclude`) into its combinations (internal).
        MatrixExpand = 128, "matrixExpand", arity(1, 1, false);
    }
}

id_table! {
    /// Names the kinds of request `HostCall` can make; the request fields are `w3-host-api`'s.
    HostKind(HostId) {
        /// Runs a `run:` script in the sandbox.
        Shell = 0, "shell";
        /// Makes an HTTP request to an allowlisted host.
        Http = 1, "http";
        /// Reads the workflow's key/value storage.
        StorageRead = 2, "storageRead";
        /// Writes the workflow's key/value storage.
        StorageWrite = 3, "storageWrite";
        /// Emits an event.
        EmitEvent = 4, "emitEvent";
        /// Runs a WASM Smart Action (`uses: w3/...`).
        InvokeAction = 5, "invokeAction";
        /// Runs a GitHub action (`uses: owner/repo@ref`).
        GithubAction = 6, "githubAction";
        /// Hashes workspace files (`hashFiles`).
        HashFiles = 7, "hashFiles";
        /// Writes a log line.
        Log = 8, "log";
        /// Reads the block (or run start) time.
        Now = 9, "now";
        /// Draws seeded random bytes.
        Random = 10, "random";
    }
}

id_table! {
    /// Names the status functions `Status` evaluates.
    StatusKind(StatusId) {
        /// `success()`.
        Success = 0, "success";
        /// `always()`.
        Always = 1, "always";
        /// `failure()`.
        Failure = 2, "failure";
        /// `cancelled()`.
        Cancelled = 3, "cancelled";
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip() {
        for b in Builtin::ALL {
            assert_eq!(Builtin::from_id(b.id()), Some(*b));
            assert_eq!(Builtin::from_name(b.name()), Some(*b));
        }
        for h in HostKind::ALL {
            assert_eq!(HostKind::from_id(h.id()), Some(*h));
        }
        assert_eq!(StatusKind::from_id(StatusId(4)), None);
        assert_eq!(Builtin::from_id(BuiltinId(8)), None);
    }

    #[test]
    fn arities() {
        assert!(Builtin::Case.arity().accepts(3));
        assert!(!Builtin::Case.arity().accepts(4));
        assert!(!Builtin::Join.arity().accepts(0));
        assert!(Builtin::Format.arity().accepts(255));
    }
}
