//! Reads the canonical encoding back ([`crate::canonical`]), and encodes what a journal keeps
//! beyond requests and responses: host errors and whole answers. Every length and tag is
//! checked, so corrupt bytes are an error, never a panic or a huge allocation; and encoding
//! what was decoded gives the same bytes.

use crate::call::{ActionRef, HostCall, HostCallKind, HttpMethod, LogLevel, Shell};
use crate::canonical::{encode_result, Writer};
use crate::env::Answer;
use crate::receipt::{Evidence, Policy, Receipt};
use crate::result::{HostError, HostResult, StepFiles};
use w3_value::{Object, Value};

/// Why bytes are not a canonical encoding.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("byte {at}: {what}")]
pub struct DecodeError {
    /// The offset where reading failed.
    pub at: usize,
    pub what: String,
}

/// The deepest nesting of values read back (far beyond what the VM's limits let a run build).
const MAX_DEPTH: u32 = 256;

/// Reads canonical bytes.
pub struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    pub fn new(bytes: &'a [u8]) -> Self {
        Self { bytes, at: 0 }
    }

    fn error(&self, what: impl Into<String>) -> DecodeError {
        DecodeError { at: self.at, what: what.into() }
    }

    fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8], DecodeError> {
        let end = self.at.checked_add(n).filter(|&e| e <= self.bytes.len());
        let end = end.ok_or_else(|| self.error(format!("{what} runs past the end")))?;
        let out = &self.bytes[self.at..end];
        self.at = end;
        Ok(out)
    }

    pub fn array<const N: usize>(&mut self, what: &str) -> Result<[u8; N], DecodeError> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N, what)?);
        Ok(out)
    }

    pub fn u8(&mut self, what: &str) -> Result<u8, DecodeError> {
        Ok(self.array::<1>(what)?[0])
    }
    pub fn u32(&mut self, what: &str) -> Result<u32, DecodeError> {
        Ok(u32::from_le_bytes(self.array(what)?))
    }
    pub fn u64(&mut self, what: &str) -> Result<u64, DecodeError> {
        Ok(u64::from_le_bytes(self.array(what)?))
    }
    pub fn i64(&mut self, what: &str) -> Result<i64, DecodeError> {
        Ok(i64::from_le_bytes(self.array(what)?))
    }
    pub fn hash(&mut self, what: &str) -> Result<[u8; 32], DecodeError> {
        self.array(what)
    }
    pub fn bool(&mut self, what: &str) -> Result<bool, DecodeError> {
        match self.u8(what)? {
            0 => Ok(false),
            1 => Ok(true),
            n => Err(self.error(format!("{what} is {n}, not 0 or 1"))),
        }
    }

    /// Reads a count of items, each at least `min_size` bytes, so that a corrupt count cannot
    /// ask for more items than the bytes left could hold.
    pub fn len(&mut self, min_size: usize, what: &str) -> Result<usize, DecodeError> {
        let n = self.u32(what)? as usize;
        if n.saturating_mul(min_size.max(1)) > self.bytes.len() - self.at {
            return Err(self.error(format!("{what} of {n} is longer than the bytes left")));
        }
        Ok(n)
    }

    pub fn bytes(&mut self, what: &str) -> Result<Vec<u8>, DecodeError> {
        let n = self.len(1, what)?;
        Ok(self.take(n, what)?.to_vec())
    }

    pub fn str(&mut self, what: &str) -> Result<String, DecodeError> {
        let at = self.at;
        String::from_utf8(self.bytes(what)?).map_err(|_| DecodeError { at, what: format!("{what} is not UTF-8") })
    }

    pub fn strs(&mut self, what: &str) -> Result<Vec<String>, DecodeError> {
        let n = self.len(4, what)?;
        (0..n).map(|_| self.str(what)).collect()
    }

    pub fn pairs(&mut self, what: &str) -> Result<Vec<(String, String)>, DecodeError> {
        let n = self.len(8, what)?;
        (0..n).map(|_| Ok((self.str(what)?, self.str(what)?))).collect()
    }

    pub fn value(&mut self) -> Result<Value, DecodeError> {
        self.value_at(0)
    }

    fn value_at(&mut self, depth: u32) -> Result<Value, DecodeError> {
        if depth > MAX_DEPTH {
            return Err(self.error("a value nests too deeply"));
        }
        Ok(match self.u8("value tag")? {
            0 => Value::Null,
            1 => Value::Bool(self.bool("boolean")?),
            2 => Value::Number(f64::from_bits(self.u64("number")?)),
            3 => Value::from(self.str("string")?),
            4 => {
                let n = self.len(1, "array")?;
                Value::Array(w3_value::Array::new((0..n).map(|_| self.value_at(depth + 1)).collect::<Result<_, _>>()?))
            }
            5 => {
                let n = self.len(5, "object")?;
                let mut o = Object::new();
                for _ in 0..n {
                    let k = self.str("key")?;
                    let v = self.value_at(depth + 1)?;
                    o.insert(k, v);
                }
                Value::Object(o)
            }
            n => return Err(self.error(format!("unknown value tag {n}"))),
        })
    }

    /// Fails unless every byte was read.
    pub fn finish(&self) -> Result<(), DecodeError> {
        if self.at == self.bytes.len() {
            Ok(())
        } else {
            Err(self.error(format!("{} bytes left over", self.bytes.len() - self.at)))
        }
    }
}

fn shell(r: &mut Reader<'_>) -> Result<Shell, DecodeError> {
    Ok(match r.u8("shell")? {
        0 => Shell::Bash,
        1 => Shell::Sh,
        2 => Shell::Python,
        3 => Shell::Pwsh,
        4 => Shell::Custom(r.str("shell")?),
        5 => Shell::Default,
        n => return Err(r.error(format!("unknown shell {n}"))),
    })
}

fn method(r: &mut Reader<'_>) -> Result<HttpMethod, DecodeError> {
    Ok(match r.u8("method")? {
        0 => HttpMethod::Get,
        1 => HttpMethod::Head,
        2 => HttpMethod::Post,
        3 => HttpMethod::Put,
        4 => HttpMethod::Patch,
        5 => HttpMethod::Delete,
        n => return Err(r.error(format!("unknown method {n}"))),
    })
}

fn level(r: &mut Reader<'_>) -> Result<LogLevel, DecodeError> {
    Ok(match r.u8("level")? {
        0 => LogLevel::Debug,
        1 => LogLevel::Info,
        2 => LogLevel::Warning,
        3 => LogLevel::Error,
        n => return Err(r.error(format!("unknown log level {n}"))),
    })
}

fn read_call(r: &mut Reader<'_>) -> Result<HostCall, DecodeError> {
    let tag = r.u8("call kind")?;
    let kind = HostCallKind::from_u8(tag).ok_or_else(|| r.error(format!("unknown call kind {tag}")))?;
    Ok(match kind {
        HostCallKind::ShellCommand => HostCall::ShellCommand {
            cmd: r.str("cmd")?,
            shell: shell(r)?,
            env: r.pairs("env")?,
            path: r.strs("path")?,
            workdir: r.str("workdir")?,
            timeout_ms: r.u64("timeout")?,
        },
        HostCallKind::HttpRequest => HostCall::HttpRequest {
            url: r.str("url")?,
            method: method(r)?,
            headers: r.pairs("headers")?,
            body: r.bytes("body")?,
        },
        HostCallKind::StorageRead => HostCall::StorageRead { key: r.bytes("key")? },
        HostCallKind::StorageWrite => HostCall::StorageWrite { key: r.bytes("key")?, value: r.bytes("value")? },
        HostCallKind::EmitEvent => HostCall::EmitEvent { topic: r.str("topic")?, data: r.value()? },
        HostCallKind::InvokeAction => HostCall::InvokeAction {
            action: ActionRef { name: r.str("action name")?, version: r.str("action version")? },
            input: r.value()?,
        },
        HostCallKind::GithubAction => {
            HostCall::GithubAction { uses: r.str("uses")?, with: r.pairs("with")?, env: r.pairs("env")? }
        }
        HostCallKind::HashFiles => HostCall::HashFiles { patterns: r.strs("patterns")? },
        HostCallKind::Log => HostCall::Log { level: level(r)?, message: r.str("message")? },
        HostCallKind::Now => HostCall::Now,
        HostCallKind::Random => HostCall::Random { len: r.u32("length")? },
    })
}

fn read_result(r: &mut Reader<'_>) -> Result<HostResult, DecodeError> {
    Ok(match r.u8("result kind")? {
        0 => {
            let exit_code = r.i64("exit code")?;
            let exit_code = i32::try_from(exit_code).map_err(|_| r.error("exit code out of range"))?;
            HostResult::Shell {
                exit_code,
                stdout: r.bytes("stdout")?,
                stderr: r.bytes("stderr")?,
                timed_out: r.bool("timed out")?,
                files: StepFiles {
                    outputs: r.pairs("outputs")?,
                    env: r.pairs("env")?,
                    path: r.strs("path")?,
                    state: r.pairs("state")?,
                    summary: r.str("summary")?,
                },
            }
        }
        1 => {
            let status = r.u32("status")?;
            let status = u16::try_from(status).map_err(|_| r.error("status out of range"))?;
            HostResult::Http { status, headers: r.pairs("headers")?, body: r.bytes("body")? }
        }
        2 => HostResult::Bytes(if r.bool("bytes present")? { Some(r.bytes("bytes")?) } else { None }),
        3 => HostResult::Value(r.value()?),
        4 => HostResult::Time { unix_ms: r.i64("time")? },
        5 => HostResult::Done,
        n => return Err(r.error(format!("unknown result kind {n}"))),
    })
}

/// Decodes the canonical bytes of a request.
pub fn decode_call(bytes: &[u8]) -> Result<HostCall, DecodeError> {
    let mut r = Reader::new(bytes);
    let call = read_call(&mut r)?;
    r.finish()?;
    Ok(call)
}

/// Decodes the canonical bytes of a response.
pub fn decode_result(bytes: &[u8]) -> Result<HostResult, DecodeError> {
    let mut r = Reader::new(bytes);
    let result = read_result(&mut r)?;
    r.finish()?;
    Ok(result)
}

fn write_error(w: &mut Writer, e: &HostError) {
    match e {
        HostError::Denied(m) => {
            w.u8(0);
            w.str(m);
        }
        HostError::OutOfGas { needed, left } => {
            w.u8(1);
            w.u64(*needed);
            w.u64(*left);
        }
        HostError::Limit { what, limit } => {
            w.u8(2);
            w.str(what);
            w.u64(*limit);
        }
        HostError::Unsupported(m) => {
            w.u8(3);
            w.str(m);
        }
        HostError::Failed(m) => {
            w.u8(4);
            w.str(m);
        }
    }
}

fn read_error(r: &mut Reader<'_>) -> Result<HostError, DecodeError> {
    Ok(match r.u8("error kind")? {
        0 => HostError::Denied(r.str("message")?),
        1 => HostError::OutOfGas { needed: r.u64("gas needed")?, left: r.u64("gas left")? },
        2 => HostError::Limit { what: r.str("limit")?, limit: r.u64("limit")? },
        3 => HostError::Unsupported(r.str("message")?),
        4 => HostError::Failed(r.str("message")?),
        n => return Err(r.error(format!("unknown error kind {n}"))),
    })
}

/// Returns the canonical bytes of an answer: call index, gas used, then 0 and the response or
/// 1 and the error.
pub fn encode_answer(a: &Answer) -> Vec<u8> {
    let mut w = Writer::default();
    w.u64(a.call_index);
    w.u64(a.gas_used);
    match &a.result {
        Ok(result) => {
            w.u8(0);
            w.bytes.extend_from_slice(&encode_result(result));
        }
        Err(e) => {
            w.u8(1);
            write_error(&mut w, e);
        }
    }
    w.bytes
}

/// Reads one answer written by [`encode_answer`].
pub fn read_answer(r: &mut Reader<'_>) -> Result<Answer, DecodeError> {
    let call_index = r.u64("call index")?;
    let gas_used = r.u64("gas used")?;
    let result = if r.bool("answer kind")? { Err(read_error(r)?) } else { Ok(read_result(r)?) };
    Ok(Answer { call_index, result, gas_used })
}

/// Decodes the bytes of one answer.
pub fn decode_answer(bytes: &[u8]) -> Result<Answer, DecodeError> {
    let mut r = Reader::new(bytes);
    let a = read_answer(&mut r)?;
    r.finish()?;
    Ok(a)
}

/// Reads one receipt written by [`Receipt::encode`].
pub fn read_receipt(r: &mut Reader<'_>) -> Result<Receipt, DecodeError> {
    let version = r.u32("receipt version")?;
    let version = u16::try_from(version).map_err(|_| r.error("receipt version out of range"))?;
    let run_id = r.hash("run id")?;
    let job = r.str("job")?;
    let step = r.u32("step")?;
    let call_index = r.u64("call index")?;
    let tag = r.u8("call kind")?;
    let call_kind = HostCallKind::from_u8(tag).ok_or_else(|| r.error(format!("unknown call kind {tag}")))?;
    let request_hash = r.hash("request hash")?;
    let response_hash = r.hash("response hash")?;
    let gas_used = r.u64("gas used")?;
    let policy = match r.u8("policy")? {
        0 => Policy::None,
        1 => Policy::Onchain,
        2 => Policy::Tee,
        3 => Policy::Shadow,
        n => return Err(r.error(format!("unknown policy {n}"))),
    };
    let evidence = match r.u8("evidence")? {
        0 => Evidence::None,
        1 => Evidence::Tee { attestation: r.bytes("attestation")? },
        2 => {
            let n = r.len(64, "votes")?;
            Evidence::Shadow {
                votes: (0..n).map(|_| Ok((r.hash("voter")?, r.hash("vote")?))).collect::<Result<_, _>>()?,
            }
        }
        n => return Err(r.error(format!("unknown evidence {n}"))),
    };
    let executor_key = r.hash("executor key")?;
    let prev_receipt_hash = r.hash("previous receipt")?;
    let signature = r.array::<64>("signature")?;
    Ok(Receipt {
        version,
        run_id,
        job,
        step,
        call_index,
        call_kind,
        request_hash,
        response_hash,
        gas_used,
        policy,
        evidence,
        executor_key,
        prev_receipt_hash,
        signature,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::canonical::encode_call;
    use proptest::prelude::*;

    fn text() -> impl Strategy<Value = String> {
        "[a-zA-Z0-9 =:\\n\u{e9}]{0,12}"
    }

    fn pairs() -> impl Strategy<Value = Vec<(String, String)>> {
        prop::collection::vec((text(), text()), 0..4)
    }

    fn value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<f64>().prop_filter("NaN encodes canonically", |n| !n.is_nan()).prop_map(Value::Number),
            text().prop_map(Value::from),
        ];
        leaf.prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(|v| Value::Array(w3_value::Array::new(v))),
                prop::collection::vec(("[a-z]{1,4}", inner), 0..4)
                    .prop_map(|kv| Value::Object(kv.into_iter().collect::<Object>())),
            ]
        })
    }

    fn call() -> impl Strategy<Value = HostCall> {
        prop_oneof![
            (text(), pairs(), prop::collection::vec(text(), 0..3), text(), any::<u64>()).prop_map(
                |(cmd, env, path, workdir, timeout_ms)| HostCall::ShellCommand {
                    cmd,
                    shell: Shell::Custom("bash {0}".into()),
                    env,
                    path,
                    workdir,
                    timeout_ms
                }
            ),
            (text(), pairs(), prop::collection::vec(any::<u8>(), 0..8)).prop_map(|(url, headers, body)| {
                HostCall::HttpRequest { url, method: HttpMethod::Patch, headers, body }
            }),
            (text(), value()).prop_map(|(topic, data)| HostCall::EmitEvent { topic, data }),
            (text(), value()).prop_map(|(name, input)| HostCall::InvokeAction {
                action: ActionRef { name, version: "v1".into() },
                input
            }),
            prop::collection::vec(text(), 0..3).prop_map(|patterns| HostCall::HashFiles { patterns }),
            any::<u32>().prop_map(|len| HostCall::Random { len }),
            Just(HostCall::Now),
        ]
    }

    fn result() -> impl Strategy<Value = HostResult> {
        prop_oneof![
            (any::<i32>(), prop::collection::vec(any::<u8>(), 0..8), pairs(), prop::collection::vec(text(), 0..3))
                .prop_map(|(exit_code, stdout, outputs, path)| HostResult::Shell {
                    exit_code,
                    stdout,
                    stderr: vec![],
                    timed_out: exit_code % 2 == 0,
                    files: StepFiles { outputs, path, summary: "s".into(), ..StepFiles::default() },
                }),
            (any::<u16>(), pairs()).prop_map(|(status, headers)| HostResult::Http { status, headers, body: vec![1] }),
            prop::option::of(prop::collection::vec(any::<u8>(), 0..8)).prop_map(HostResult::Bytes),
            value().prop_map(HostResult::Value),
            any::<i64>().prop_map(|unix_ms| HostResult::Time { unix_ms }),
            Just(HostResult::Done),
        ]
    }

    proptest! {
        #[test]
        fn calls_round_trip(c in call()) {
            let bytes = encode_call(&c);
            prop_assert_eq!(decode_call(&bytes), Ok(c));
        }

        #[test]
        fn answers_round_trip(r in result(), index in any::<u64>(), gas in any::<u64>(), fail in any::<bool>()) {
            let result = if fail { Err(HostError::Limit { what: "body".into(), limit: gas }) } else { Ok(r) };
            let a = Answer { call_index: index, result, gas_used: gas };
            prop_assert_eq!(decode_answer(&encode_answer(&a)), Ok(a));
        }

        /// Truncated bytes are an error; flipped bytes an error or another answer, never a panic.
        #[test]
        fn corrupt_bytes_never_panic(r in result(), cut in any::<prop::sample::Index>(), flip in any::<prop::sample::Index>()) {
            let bytes = encode_answer(&Answer { call_index: 1, result: Ok(r), gas_used: 2 });
            prop_assert!(decode_answer(&bytes[..cut.index(bytes.len())]).is_err());
            let mut flipped = bytes.clone();
            flipped[flip.index(bytes.len())] ^= 0xA5;
            let _ = decode_answer(&flipped);
        }
    }

    #[test]
    fn receipts_round_trip() {
        let mut receipt = Receipt {
            version: 1,
            run_id: [1; 32],
            job: "build".into(),
            step: 2,
            call_index: 3,
            call_kind: HostCallKind::ShellCommand,
            request_hash: [4; 32],
            response_hash: [5; 32],
            gas_used: 6,
            policy: Policy::Shadow,
            evidence: Evidence::Shadow { votes: vec![([7; 32], [8; 32])] },
            executor_key: [0; 32],
            prev_receipt_hash: [9; 32],
            signature: [0; 64],
        };
        receipt.sign(&ed25519_dalek::SigningKey::from_bytes(&[3; 32]));
        let bytes = receipt.encode();
        let mut r = Reader::new(&bytes);
        assert_eq!(read_receipt(&mut r), Ok(receipt));
        assert_eq!(r.finish(), Ok(()));
        let mut short = Reader::new(&bytes[..bytes.len() - 1]);
        assert!(read_receipt(&mut short).is_err());
    }

    #[test]
    fn huge_counts_are_refused_without_allocating() {
        let mut bytes = vec![0u8; 17];
        bytes.extend_from_slice(&[3]); // a Value result
        bytes.extend_from_slice(&[4, 0xff, 0xff, 0xff, 0xff]); // an array of 2^32-1 items
        let err = decode_answer(&bytes).unwrap_err();
        assert!(err.what.contains("longer than the bytes left"), "{err}");
    }
}
