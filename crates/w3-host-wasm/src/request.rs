//! Host-call requests and responses as the module sees them: JSON objects with one key naming
//! the call (`{"http": {...}}`), converted to and from [`HostCall`] and [`HostResult`].
//! docs/smart-actions.md lists every field.

use w3_host_api::{HostCall, HostCallKind, HostResult, HttpMethod, LogLevel};
use w3_value::{parse_json, Object, Value};

/// Most random bytes one `random` request may ask for.
pub const MAX_RANDOM_BYTES: u32 = 1024;

/// Parses a request written by a module. The error says what is wrong, for the module to read.
pub fn parse_request(bytes: &[u8]) -> Result<HostCall, String> {
    let text = std::str::from_utf8(bytes).map_err(|_| "the request is not UTF-8".to_string())?;
    let value = parse_json(text).map_err(|e| format!("the request is not JSON: {e}"))?;
    let object = value.as_object().ok_or("the request must be a JSON object")?;
    let mut entries = object.iter();
    let (Some((kind, args)), None) = (entries.next(), entries.next()) else {
        return Err("the request must have exactly one key, the kind of call".to_string());
    };
    let empty = Object::new();
    let args = match args {
        Value::Object(o) => o,
        Value::Null => &empty,
        _ => return Err(format!("the arguments of `{kind}` must be an object")),
    };
    let a = Args { kind, args };
    Ok(match kind {
        "http" => HostCall::HttpRequest {
            url: a.required("url")?,
            method: method(&a.optional("method")?.unwrap_or_else(|| "GET".into()))?,
            headers: a.pairs("headers")?,
            body: a.optional("body")?.unwrap_or_default().into_bytes(),
        },
        "storageRead" => HostCall::StorageRead { key: a.required("key")?.into_bytes() },
        "storageWrite" => {
            HostCall::StorageWrite { key: a.required("key")?.into_bytes(), value: a.required("value")?.into_bytes() }
        }
        "emitEvent" => {
            HostCall::EmitEvent { topic: a.required("topic")?, data: a.get("data").cloned().unwrap_or(Value::Null) }
        }
        "log" => HostCall::Log {
            level: level(&a.optional("level")?.unwrap_or_else(|| "info".into()))?,
            message: a.required("message")?,
        },
        "now" => HostCall::Now,
        "random" => {
            let len = a.get("len").and_then(Value::as_number).ok_or("`random` needs a number `len`")?;
            if !(len.fract() == 0.0 && (0.0..=f64::from(MAX_RANDOM_BYTES)).contains(&len)) {
                return Err(format!("`random.len` must be a whole number from 0 to {MAX_RANDOM_BYTES}"));
            }
            // Whole and in range: the cast is exact.
            HostCall::Random { len: len as u32 }
        }
        "shell" | "githubAction" | "hashFiles" | "invokeAction" => {
            return Err(format!("`{kind}` is not available to Smart Actions"));
        }
        _ => return Err(format!("unknown kind of host call `{kind}`")),
    })
}

struct Args<'a> {
    kind: &'a str,
    args: &'a Object,
}

impl Args<'_> {
    fn get(&self, field: &str) -> Option<&Value> {
        self.args.iter().find(|(k, _)| *k == field).map(|(_, v)| v)
    }

    fn optional(&self, field: &str) -> Result<Option<String>, String> {
        match self.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.to_string())),
            Some(_) => Err(format!("`{}.{field}` must be a string", self.kind)),
        }
    }

    fn required(&self, field: &str) -> Result<String, String> {
        self.optional(field)?.ok_or_else(|| format!("`{}` needs a string `{field}`", self.kind))
    }

    fn pairs(&self, field: &str) -> Result<Vec<(String, String)>, String> {
        match self.get(field) {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(Value::Object(o)) => o
                .iter()
                .map(|(k, v)| match v {
                    Value::String(s) => Ok((k.to_string(), s.to_string())),
                    _ => Err(format!("`{}.{field}.{k}` must be a string", self.kind)),
                })
                .collect(),
            Some(_) => Err(format!("`{}.{field}` must be an object of strings", self.kind)),
        }
    }
}

fn method(name: &str) -> Result<HttpMethod, String> {
    Ok(match name.to_ascii_uppercase().as_str() {
        "GET" => HttpMethod::Get,
        "HEAD" => HttpMethod::Head,
        "POST" => HttpMethod::Post,
        "PUT" => HttpMethod::Put,
        "PATCH" => HttpMethod::Patch,
        "DELETE" => HttpMethod::Delete,
        _ => return Err(format!("unknown HTTP method `{name}`")),
    })
}

fn level(name: &str) -> Result<LogLevel, String> {
    Ok(match name {
        "debug" => LogLevel::Debug,
        "info" => LogLevel::Info,
        "warning" => LogLevel::Warning,
        "error" => LogLevel::Error,
        _ => return Err(format!("unknown log level `{name}` (debug, info, warning, error)")),
    })
}

/// Returns the response the module reads for `result`, the answer to a call of `kind`.
pub fn response(kind: HostCallKind, result: &HostResult) -> Value {
    let mut o = Object::new();
    match result {
        HostResult::Http { status, headers, body } => {
            o.insert("status", Value::from(f64::from(*status)));
            let mut h = Object::new();
            for (k, v) in headers {
                h.insert(k.as_str(), Value::from(v.as_str()));
            }
            o.insert("headers", Value::Object(h));
            o.insert("body", text(body));
        }
        HostResult::Bytes(Some(bytes)) if kind == HostCallKind::Random => {
            o.insert("hex", Value::from(w3_host_api::canonical::hex(bytes)));
        }
        HostResult::Bytes(bytes) => o.insert("value", bytes.as_deref().map_or(Value::Null, text)),
        HostResult::Value(v) => o.insert("value", v.clone()),
        HostResult::Time { unix_ms } => o.insert("unixMs", Value::from(*unix_ms as f64)),
        HostResult::Shell { exit_code, stdout, stderr, timed_out, .. } => {
            o.insert("exitCode", Value::from(f64::from(*exit_code)));
            o.insert("stdout", text(stdout));
            o.insert("stderr", text(stderr));
            o.insert("timedOut", Value::Bool(*timed_out));
        }
        HostResult::Done => {}
    }
    Value::Object(o)
}

/// Returns bytes as a string value; invalid UTF-8 sequences become U+FFFD.
fn text(bytes: &[u8]) -> Value {
    Value::from(String::from_utf8_lossy(bytes).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_kind_offered() {
        let call = parse_request(br#"{"http":{"url":"https://a.example/p","headers":{"accept":"application/json"}}}"#);
        assert_eq!(
            call,
            Ok(HostCall::HttpRequest {
                url: "https://a.example/p".into(),
                method: HttpMethod::Get,
                headers: vec![("accept".into(), "application/json".into())],
                body: vec![],
            })
        );
        assert_eq!(
            parse_request(br#"{"http":{"method":"post","url":"u","body":"b"}}"#),
            Ok(HostCall::HttpRequest {
                url: "u".into(),
                method: HttpMethod::Post,
                headers: vec![],
                body: b"b".to_vec()
            })
        );
        assert_eq!(parse_request(br#"{"storageRead":{"key":"k"}}"#), Ok(HostCall::StorageRead { key: b"k".to_vec() }));
        assert_eq!(
            parse_request(br#"{"storageWrite":{"key":"k","value":"v"}}"#),
            Ok(HostCall::StorageWrite { key: b"k".to_vec(), value: b"v".to_vec() })
        );
        assert!(matches!(
            parse_request(br#"{"emitEvent":{"topic":"t","data":[1]}}"#),
            Ok(HostCall::EmitEvent { topic, .. }) if topic == "t"
        ));
        assert_eq!(
            parse_request(br#"{"log":{"level":"warning","message":"m"}}"#),
            Ok(HostCall::Log { level: LogLevel::Warning, message: "m".into() })
        );
        assert_eq!(parse_request(br#"{"now":{}}"#), Ok(HostCall::Now));
        assert_eq!(parse_request(br#"{"now":null}"#), Ok(HostCall::Now));
        assert_eq!(parse_request(br#"{"random":{"len":8}}"#), Ok(HostCall::Random { len: 8 }));
    }

    #[test]
    fn bad_requests_say_what_is_wrong() {
        let err = |b: &[u8]| parse_request(b).unwrap_err();
        assert_eq!(err(b"\xff"), "the request is not UTF-8");
        assert!(err(b"{").starts_with("the request is not JSON"));
        assert_eq!(err(b"[]"), "the request must be a JSON object");
        assert_eq!(err(br#"{"now":{},"log":{}}"#), "the request must have exactly one key, the kind of call");
        assert_eq!(err(br#"{"http":{}}"#), "`http` needs a string `url`");
        assert_eq!(err(br#"{"http":{"url":"u","method":"FETCH"}}"#), "unknown HTTP method `FETCH`");
        assert_eq!(err(br#"{"http":{"url":"u","headers":{"a":1}}}"#), "`http.headers.a` must be a string");
        assert_eq!(err(br#"{"shell":{"cmd":"ls"}}"#), "`shell` is not available to Smart Actions");
        assert_eq!(err(br#"{"invokeAction":{}}"#), "`invokeAction` is not available to Smart Actions");
        assert_eq!(err(br#"{"teleport":{}}"#), "unknown kind of host call `teleport`");
        assert!(err(br#"{"random":{"len":1.5}}"#).contains("whole number"));
        assert!(err(br#"{"random":{"len":100000}}"#).contains("whole number"));
        assert_eq!(
            err(br#"{"log":{"level":"loud","message":"m"}}"#),
            "unknown log level `loud` (debug, info, warning, error)"
        );
    }

    #[test]
    fn responses_are_json_objects() {
        let http = HostResult::Http { status: 200, headers: vec![("x".into(), "y".into())], body: b"{}".to_vec() };
        let json = |v: &Value| w3_value::to_json_text(v, crate::abi::COMPACT).unwrap();
        assert_eq!(
            json(&response(HostCallKind::HttpRequest, &http)),
            r#"{"status":200,"headers":{"x":"y"},"body":"{}"}"#
        );
        assert_eq!(json(&response(HostCallKind::StorageRead, &HostResult::Bytes(None))), r#"{"value":null}"#);
        assert_eq!(
            json(&response(HostCallKind::StorageRead, &HostResult::Bytes(Some(b"v".to_vec())))),
            r#"{"value":"v"}"#
        );
        assert_eq!(json(&response(HostCallKind::Random, &HostResult::Bytes(Some(vec![0, 171])))), r#"{"hex":"00ab"}"#);
        assert_eq!(
            json(&response(HostCallKind::Now, &HostResult::Time { unix_ms: 1_700_000_000_000 })),
            r#"{"unixMs":1700000000000}"#
        );
        assert_eq!(json(&response(HostCallKind::Log, &HostResult::Done)), "{}");
    }
}
