//! The bounds every invocation runs within, and the price of the runtime's own work.
//!
//! They are part of the gas semantics: changing one changes where runs stop, so a change is a
//! change of the gas schedule.

/// Gas per unit of wasmi fuel. wasmi charges one fuel per Wasm operator (control operators
/// are free), for a whole block when the block is entered. Measured in a release build on the
/// 2-core development machine (best of 5, with other builds running), one fuel takes 1.2 to
/// 1.8 ns in an arithmetic and memory loop and 2.0 to 2.6 ns in `w3/json-select@v1` walking
/// 340 kB of JSON (`cargo test -p w3-host-wasm --release --test fuel_speed -- --ignored
/// --nocapture`). The VM's gas is calibrated to about 1 ns of interpreter work, so one fuel
/// costs 2 gas, the middle of that range.
pub const GAS_PER_FUEL: u64 = 2;

/// Gas for each call of an ABI function (`input_len`, `host_call`, ...), before its bytes.
pub const GAS_PER_ABI_CALL: u64 = 50;

/// Gas per byte the runtime copies into or out of the module's memory; it also covers the
/// JSON encoding and decoding on the runtime's side.
pub const GAS_PER_ABI_BYTE: u64 = 1;

/// Largest linear memory of an instance: 16 MiB (256 pages of 64 KiB).
pub const MAX_MEMORY_BYTES: usize = 16 << 20;

/// Most elements a table may hold.
pub const MAX_TABLE_ELEMENTS: usize = 1024;

/// Largest module accepted, in bytes (`.wasm` or `.wat` text).
pub const MAX_MODULE_BYTES: usize = 4 << 20;

/// Largest input, as JSON bytes.
pub const MAX_INPUT_BYTES: usize = 1 << 20;

/// Largest output, as JSON bytes.
pub const MAX_OUTPUT_BYTES: usize = 1 << 20;

/// Largest host-call request, as JSON bytes.
pub const MAX_REQUEST_BYTES: usize = 256 << 10;

/// Largest host-call response handed to the module, as JSON bytes; a larger one is refused
/// with [`crate::abi::FAILED`].
pub const MAX_RESPONSE_BYTES: usize = 4 << 20;

/// Most host calls one invocation may make; one more ends it with [`crate::ActionError::Limit`].
pub const MAX_HOST_CALLS: u32 = 64;

/// Longest `fail` message kept, in bytes; longer ones are cut.
pub const MAX_FAIL_MESSAGE_BYTES: usize = 4096;
