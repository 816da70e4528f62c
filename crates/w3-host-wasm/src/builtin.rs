//! The built-in Smart Actions, compiled from `actions/*.wat` by the build script and embedded
//! in the binary.

/// One built-in action: its name, version and module bytes.
pub struct Builtin {
    pub name: &'static str,
    pub version: &'static str,
    pub wasm: &'static [u8],
}

/// Every built-in action, sorted by name.
pub const BUILTINS: &[Builtin] = &[
    Builtin { name: "json-select", version: "v1", wasm: include_bytes!(concat!(env!("OUT_DIR"), "/json-select.wasm")) },
    Builtin {
        name: "oracle-action",
        version: "v1",
        wasm: include_bytes!(concat!(env!("OUT_DIR"), "/oracle-action.wasm")),
    },
];

/// Returns the built-in action `name@version`, if there is one.
pub fn find(name: &str, version: &str) -> Option<&'static Builtin> {
    BUILTINS.iter().find(|b| b.name == name && b.version == version)
}
