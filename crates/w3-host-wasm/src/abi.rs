//! The functions a module imports from `w3`, and the state they share during one invocation.
//!
//! Every function charges gas (as fuel) for its call and for the bytes it moves, so that the
//! runtime's own work is metered like the module's. Pointers are offsets into the module's
//! exported `memory`; a pointer or length outside it traps.

use crate::limits::{
    GAS_PER_ABI_BYTE, GAS_PER_ABI_CALL, GAS_PER_FUEL, MAX_FAIL_MESSAGE_BYTES, MAX_HOST_CALLS, MAX_OUTPUT_BYTES,
    MAX_REQUEST_BYTES, MAX_RESPONSE_BYTES,
};
use crate::request::{parse_request, response};
use crate::ActionHost;
use std::fmt;
use w3_host_api::{HostError, HostResult};
use w3_value::{to_json_text, JsonStyle, NonFinite, Object, Value};
use wasmi::{Caller, Extern, Linker, StoreLimits};

/// The import module every ABI function lives in.
pub const MODULE: &str = "w3";

/// The names of the ABI functions, as a module imports them.
pub const FUNCTIONS: [&str; 7] =
    ["input_len", "input_read", "output_write", "host_call", "response_len", "response_read", "fail"];

/// `host_call`: the host refused the call (a permission the workflow does not declare).
pub const DENIED: i32 = -1;
/// `host_call`: the host tried and failed (an HTTP error, a limit of the host, ...).
pub const FAILED: i32 = -2;
/// `host_call`: the request is not a valid request.
pub const BAD_REQUEST: i32 = -3;

/// The JSON layout used across the ABI: compact, NaN and infinities as `null`.
pub const COMPACT: JsonStyle = JsonStyle { pretty: false, non_finite: NonFinite::Null };

/// What the ABI functions of one invocation share.
pub(crate) struct State<'h> {
    pub host: &'h mut dyn ActionHost,
    pub input: Vec<u8>,
    /// The last output written, if any.
    pub output: Option<Vec<u8>>,
    /// The response (or error) of the last host call.
    pub response: Vec<u8>,
    pub host_calls: u32,
    pub limits: StoreLimits,
}

/// Why an ABI function ended the run.
#[derive(Debug)]
pub(crate) enum Abort {
    /// Not enough gas was left for the ABI function's work.
    OutOfGas,
    /// The module called `fail`.
    Fail(String),
    /// The host cannot go on (it ran out of gas for the call).
    Host(HostError),
    /// A bound of the runtime was exceeded.
    Limit { what: &'static str, limit: u64 },
    /// A bad argument: a pointer outside memory, a negative length, no exported memory.
    Trap(String),
}

impl fmt::Display for Abort {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Abort::OutOfGas => f.write_str("out of gas"),
            Abort::Fail(m) => write!(f, "failed: {m}"),
            Abort::Host(e) => write!(f, "host: {e}"),
            Abort::Limit { what, limit } => write!(f, "{what} exceeded its limit of {limit}"),
            Abort::Trap(m) => f.write_str(m),
        }
    }
}

impl wasmi::errors::HostError for Abort {}

type Call<'a, 'h> = Caller<'a, State<'h>>;

fn abort(a: Abort) -> wasmi::Error {
    wasmi::Error::host(a)
}

/// Charges `bytes` moved plus the call itself, as fuel.
fn charge(caller: &mut Call<'_, '_>, bytes: usize) -> Result<(), wasmi::Error> {
    let gas = GAS_PER_ABI_CALL.saturating_add(GAS_PER_ABI_BYTE.saturating_mul(bytes as u64));
    let fuel = gas.div_ceil(GAS_PER_FUEL);
    let left = caller.get_fuel()?;
    if left < fuel {
        caller.set_fuel(0)?;
        return Err(abort(Abort::OutOfGas));
    }
    caller.set_fuel(left - fuel)
}

fn memory(caller: &Call<'_, '_>) -> Result<wasmi::Memory, wasmi::Error> {
    match caller.get_export("memory") {
        Some(Extern::Memory(m)) => Ok(m),
        _ => Err(abort(Abort::Trap("the module exports no `memory`".into()))),
    }
}

fn length(function: &str, len: i32) -> Result<usize, wasmi::Error> {
    usize::try_from(len).map_err(|_| abort(Abort::Trap(format!("{function}: negative length {len}"))))
}

/// Wasm addresses are unsigned 32-bit numbers carried in an `i32`.
fn address(ptr: i32) -> usize {
    ptr as u32 as usize
}

fn read(caller: &Call<'_, '_>, function: &str, ptr: i32, len: usize) -> Result<Vec<u8>, wasmi::Error> {
    let mut buf = vec![0; len];
    memory(caller)?.read(caller, address(ptr), &mut buf).map_err(|_| out_of_bounds(function, ptr, len))?;
    Ok(buf)
}

fn write(caller: &mut Call<'_, '_>, function: &str, ptr: i32, bytes: &[u8]) -> Result<(), wasmi::Error> {
    let m = memory(caller)?;
    m.write(&mut *caller, address(ptr), bytes).map_err(|_| out_of_bounds(function, ptr, bytes.len()))
}

fn out_of_bounds(function: &str, ptr: i32, len: usize) -> wasmi::Error {
    abort(Abort::Trap(format!("{function}: {len} bytes at {} are outside memory", address(ptr))))
}

fn len_i32(len: usize) -> i32 {
    // Inputs and responses are capped far below 2 GiB.
    i32::try_from(len).unwrap_or(i32::MAX)
}

/// Returns a linker defining every ABI function.
pub(crate) fn linker<'h>(engine: &wasmi::Engine) -> Result<Linker<State<'h>>, wasmi::Error> {
    let mut l = Linker::<State<'h>>::new(engine);
    l.func_wrap(MODULE, "input_len", |mut c: Call<'_, 'h>| -> Result<i32, wasmi::Error> {
        charge(&mut c, 0)?;
        Ok(len_i32(c.data().input.len()))
    })?;
    l.func_wrap(MODULE, "input_read", |mut c: Call<'_, 'h>, ptr: i32| -> Result<(), wasmi::Error> {
        let n = c.data().input.len();
        charge(&mut c, n)?;
        let input = std::mem::take(&mut c.data_mut().input);
        let result = write(&mut c, "input_read", ptr, &input);
        c.data_mut().input = input;
        result
    })?;
    l.func_wrap(MODULE, "output_write", |mut c: Call<'_, 'h>, ptr: i32, len: i32| -> Result<(), wasmi::Error> {
        let len = length("output_write", len)?;
        if len > MAX_OUTPUT_BYTES {
            return Err(abort(Abort::Limit { what: "output size in bytes", limit: MAX_OUTPUT_BYTES as u64 }));
        }
        charge(&mut c, len)?;
        let bytes = read(&c, "output_write", ptr, len)?;
        c.data_mut().output = Some(bytes);
        Ok(())
    })?;
    l.func_wrap(MODULE, "host_call", host_call)?;
    l.func_wrap(MODULE, "response_len", |mut c: Call<'_, 'h>| -> Result<i32, wasmi::Error> {
        charge(&mut c, 0)?;
        Ok(len_i32(c.data().response.len()))
    })?;
    l.func_wrap(MODULE, "response_read", |mut c: Call<'_, 'h>, ptr: i32| -> Result<(), wasmi::Error> {
        let n = c.data().response.len();
        charge(&mut c, n)?;
        let response = std::mem::take(&mut c.data_mut().response);
        let result = write(&mut c, "response_read", ptr, &response);
        c.data_mut().response = response;
        result
    })?;
    l.func_wrap(MODULE, "fail", |mut c: Call<'_, 'h>, ptr: i32, len: i32| -> Result<(), wasmi::Error> {
        let len = length("fail", len)?.min(MAX_FAIL_MESSAGE_BYTES);
        charge(&mut c, len)?;
        let bytes = read(&c, "fail", ptr, len)?;
        Err(abort(Abort::Fail(String::from_utf8_lossy(&bytes).into_owned())))
    })?;
    Ok(l)
}

/// Performs one host call for the module: parse, hand to the host, keep the response.
fn host_call(mut c: Call<'_, '_>, ptr: i32, len: i32) -> Result<i32, wasmi::Error> {
    let len = length("host_call", len)?;
    if c.data().host_calls >= MAX_HOST_CALLS {
        return Err(abort(Abort::Limit { what: "host calls per invocation", limit: u64::from(MAX_HOST_CALLS) }));
    }
    c.data_mut().host_calls += 1;
    if len > MAX_REQUEST_BYTES {
        charge(&mut c, 0)?;
        return Ok(refuse(&mut c, BAD_REQUEST, &format!("the request is longer than {MAX_REQUEST_BYTES} bytes")));
    }
    charge(&mut c, len)?;
    let bytes = read(&c, "host_call", ptr, len)?;
    let call = match parse_request(&bytes) {
        Ok(call) => call,
        Err(message) => return Ok(refuse(&mut c, BAD_REQUEST, &message)),
    };
    let kind = call.kind();
    let (code, body) = match c.data_mut().host.call(call) {
        Ok(result) => answer(kind, &result),
        Err(HostError::OutOfGas { needed, left }) => {
            return Err(abort(Abort::Host(HostError::OutOfGas { needed, left })))
        }
        Err(e @ HostError::Denied(_)) => (DENIED, error_json(&e.to_string())),
        Err(e) => (FAILED, error_json(&e.to_string())),
    };
    charge(&mut c, body.len())?;
    let code = if code == 0 { len_i32(body.len()) } else { code };
    c.data_mut().response = body;
    Ok(code)
}

fn answer(kind: w3_host_api::HostCallKind, result: &HostResult) -> (i32, Vec<u8>) {
    match to_json_text(&response(kind, result), COMPACT) {
        Ok(text) if text.len() <= MAX_RESPONSE_BYTES => (0, text.into_bytes()),
        Ok(text) => {
            (FAILED, error_json(&format!("the response has {} bytes, more than {MAX_RESPONSE_BYTES}", text.len())))
        }
        Err(e) => (FAILED, error_json(&e.to_string())),
    }
}

fn refuse(c: &mut Call<'_, '_>, code: i32, message: &str) -> i32 {
    c.data_mut().response = error_json(message);
    code
}

/// Returns `{"error": message}` as JSON bytes.
fn error_json(message: &str) -> Vec<u8> {
    let mut o = Object::new();
    o.insert("error", Value::from(message));
    to_json_text(&Value::Object(o), COMPACT).unwrap_or_default().into_bytes()
}
