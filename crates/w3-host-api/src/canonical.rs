//! The one byte encoding of requests and responses that receipts hash: tagged, little-endian,
//! length-prefixed, with NaN written as one canonical bit pattern and object keys in their
//! insertion order (which is deterministic: it is the order the workflow built them in).

use crate::call::{HostCall, HttpMethod, LogLevel, Shell};
use crate::result::HostResult;
use w3_value::Value;

/// The bits every NaN is written as.
pub const CANONICAL_NAN: u64 = 0x7ff8_0000_0000_0000;

/// Appends canonical bytes.
#[derive(Default)]
pub struct Writer {
    pub bytes: Vec<u8>,
}

impl Writer {
    pub fn u8(&mut self, v: u8) {
        self.bytes.push(v);
    }
    pub fn u32(&mut self, v: u32) {
        self.bytes.extend_from_slice(&v.to_le_bytes());
    }
    pub fn u64(&mut self, v: u64) {
        self.bytes.extend_from_slice(&v.to_le_bytes());
    }
    pub fn i64(&mut self, v: i64) {
        self.bytes.extend_from_slice(&v.to_le_bytes());
    }
    pub fn f64(&mut self, v: f64) {
        self.u64(if v.is_nan() { CANONICAL_NAN } else { v.to_bits() });
    }
    /// Writes a length; lengths past `u32::MAX` cannot occur (values are bounded far below).
    pub fn len(&mut self, n: usize) {
        self.u32(u32::try_from(n).unwrap_or(u32::MAX));
    }
    pub fn bytes(&mut self, b: &[u8]) {
        self.len(b.len());
        self.bytes.extend_from_slice(b);
    }
    pub fn str(&mut self, s: &str) {
        self.bytes(s.as_bytes());
    }
    pub fn strs(&mut self, items: &[String]) {
        self.len(items.len());
        items.iter().for_each(|s| self.str(s));
    }
    pub fn pairs(&mut self, pairs: &[(String, String)]) {
        self.len(pairs.len());
        for (k, v) in pairs {
            self.str(k);
            self.str(v);
        }
    }

    /// Writes a value: null 0, bool 1, number 2, string 3, array 4, object 5.
    pub fn value(&mut self, v: &Value) {
        match v {
            Value::Null => self.u8(0),
            Value::Bool(b) => {
                self.u8(1);
                self.u8(u8::from(*b));
            }
            Value::Number(n) => {
                self.u8(2);
                self.f64(*n);
            }
            Value::String(s) => {
                self.u8(3);
                self.str(s);
            }
            Value::Array(a) => {
                self.u8(4);
                self.len(a.len());
                a.iter().for_each(|x| self.value(x));
            }
            Value::Object(o) => {
                self.u8(5);
                self.len(o.len());
                for (k, x) in o.iter() {
                    self.str(k);
                    self.value(x);
                }
            }
        }
    }
}

fn shell(w: &mut Writer, s: &Shell) {
    match s {
        Shell::Bash => w.u8(0),
        Shell::Sh => w.u8(1),
        Shell::Python => w.u8(2),
        Shell::Pwsh => w.u8(3),
        Shell::Custom(c) => {
            w.u8(4);
            w.str(c);
        }
        Shell::Default => w.u8(5),
    }
}

/// Returns the canonical bytes of a request.
pub fn encode_call(call: &HostCall) -> Vec<u8> {
    let mut w = Writer::default();
    w.u8(call.kind() as u8);
    match call {
        HostCall::ShellCommand { cmd, shell: s, env, path, workdir, timeout_ms } => {
            w.str(cmd);
            shell(&mut w, s);
            w.pairs(env);
            w.strs(path);
            w.str(workdir);
            w.u64(*timeout_ms);
        }
        HostCall::HttpRequest { url, method, headers, body } => {
            w.str(url);
            w.u8(*method as u8);
            w.pairs(headers);
            w.bytes(body);
        }
        HostCall::StorageRead { key } => w.bytes(key),
        HostCall::StorageWrite { key, value } => {
            w.bytes(key);
            w.bytes(value);
        }
        HostCall::EmitEvent { topic, data } => {
            w.str(topic);
            w.value(data);
        }
        HostCall::InvokeAction { action, input } => {
            w.str(&action.name);
            w.str(&action.version);
            w.value(input);
        }
        HostCall::GithubAction { uses, with, env } => {
            w.str(uses);
            w.pairs(with);
            w.pairs(env);
        }
        HostCall::HashFiles { patterns } => w.strs(patterns),
        HostCall::Log { level, message } => {
            w.u8(*level as u8);
            w.str(message);
        }
        HostCall::Now => {}
        HostCall::Random { len } => w.u32(*len),
    }
    w.bytes
}

/// Returns the canonical bytes of a response.
pub fn encode_result(result: &HostResult) -> Vec<u8> {
    let mut w = Writer::default();
    match result {
        HostResult::Shell { exit_code, stdout, stderr, timed_out, files } => {
            w.u8(0);
            w.i64(i64::from(*exit_code));
            w.bytes(stdout);
            w.bytes(stderr);
            w.u8(u8::from(*timed_out));
            w.pairs(&files.outputs);
            w.pairs(&files.env);
            w.strs(&files.path);
            w.pairs(&files.state);
            w.str(&files.summary);
        }
        HostResult::Http { status, headers, body } => {
            w.u8(1);
            w.u32(u32::from(*status));
            w.pairs(headers);
            w.bytes(body);
        }
        HostResult::Bytes(b) => {
            w.u8(2);
            match b {
                Some(b) => {
                    w.u8(1);
                    w.bytes(b);
                }
                None => w.u8(0),
            }
        }
        HostResult::Value(v) => {
            w.u8(3);
            w.value(v);
        }
        HostResult::Time { unix_ms } => {
            w.u8(4);
            w.i64(*unix_ms);
        }
        HostResult::Done => w.u8(5),
    }
    w.bytes
}

/// Returns `bytes` as lower-case hexadecimal, as hashes, keys and random bytes are shown.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    bytes.iter().flat_map(|b| [DIGITS[usize::from(b >> 4)], DIGITS[usize::from(b & 15)]]).map(char::from).collect()
}

/// Returns the blake3 hash of `bytes` under a domain tag, so hashes of different things never
/// collide by construction.
pub fn hash(domain: &str, bytes: &[u8]) -> [u8; 32] {
    let mut h = blake3::Hasher::new();
    h.update(domain.as_bytes());
    h.update(&[0]);
    h.update(bytes);
    *h.finalize().as_bytes()
}

/// Returns the hash of a request, as receipts record it.
pub fn request_hash(call: &HostCall) -> [u8; 32] {
    hash("w3/request/v1", &encode_call(call))
}

/// Returns the hash of a response, as receipts record it.
pub fn response_hash(result: &HostResult) -> [u8; 32] {
    hash("w3/response/v1", &encode_result(result))
}

// Keep the method and level discriminants stable: they are part of the encoding.
const _: () = {
    assert!(HttpMethod::Delete as u8 == 5);
    assert!(LogLevel::Error as u8 == 3);
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nan_is_canonical_and_encoding_is_stable() {
        let a = HostCall::EmitEvent { topic: "t".into(), data: Value::Number(f64::NAN) };
        let b = HostCall::EmitEvent { topic: "t".into(), data: Value::Number(-f64::NAN) };
        assert_eq!(encode_call(&a), encode_call(&b));
        // Pinned: a change here changes every receipt hash, so it must be a new version.
        assert_eq!(encode_call(&HostCall::StorageRead { key: b"k".to_vec() }), vec![2, 1, 0, 0, 0, b'k']);
    }

    #[test]
    fn hashes_are_domain_separated() {
        let call = HostCall::Now;
        assert_ne!(request_hash(&call), hash("w3/response/v1", &encode_call(&call)));
    }
}
