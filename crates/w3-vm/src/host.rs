//! Converts between the VM's values and `w3-host-api`: a `HostCall` instruction's request
//! object becomes a [`HostCall`], and a host's answer becomes the result object the
//! instruction's `dst` gets. The fields of both are the contract with the compiler, listed in
//! `docs/vm.md` §5.

use crate::error::Fault;
use w3_host_api::{ActionRef, HostCall, HostCallKind, HostError, HostResult, HttpMethod, LogLevel, Policy, Shell};
use w3_value::{Object, Value};

/// The timeout of a shell step when the request names none: GitHub's 360 minutes.
pub const DEFAULT_TIMEOUT_MS: u64 = 360 * 60_000;

/// The most random bytes one call may ask for.
pub const MAX_RANDOM_BYTES: u32 = 4_096;

/// Reads the fields of one request object, reporting problems as [`Fault::BadRequest`].
struct Request<'a> {
    kind: HostCallKind,
    object: Option<&'a Object>,
}

impl<'a> Request<'a> {
    fn bad(&self, reason: String) -> Fault {
        Fault::BadRequest { kind: self.kind.name(), reason }
    }

    fn field(&self, name: &str) -> Option<&'a Value> {
        self.object.and_then(|o| o.get(name)).filter(|v| !matches!(v, Value::Null))
    }

    /// Returns text field `name`: any primitive, as GitHub converts it to a string.
    fn text(&self, name: &str) -> Result<Option<String>, Fault> {
        match self.field(name) {
            None => Ok(None),
            Some(v) if v.is_primitive() => Ok(Some(v.to_str().into_owned())),
            Some(v) => Err(self.bad(format!("field `{name}` must be text, not {}", v.kind()))),
        }
    }

    fn required(&self, name: &str) -> Result<String, Fault> {
        self.text(name)?.ok_or_else(|| self.bad(format!("field `{name}` is required")))
    }

    /// Returns a non-negative number field, floored, or `None` when absent.
    fn count(&self, name: &str) -> Result<Option<f64>, Fault> {
        let Some(v) = self.field(name) else { return Ok(None) };
        let n = if v.is_primitive() { v.to_number() } else { f64::NAN };
        if !(n >= 0.0 && n.is_finite()) {
            return Err(self.bad(format!("field `{name}` must be a non-negative number")));
        }
        Ok(Some(n.floor()))
    }

    /// Returns an object field of text values as pairs, in insertion order.
    fn pairs(&self, name: &str) -> Result<Vec<(String, String)>, Fault> {
        let Some(v) = self.field(name) else { return Ok(Vec::new()) };
        let Value::Object(o) = v else {
            return Err(self.bad(format!("field `{name}` must be an object")));
        };
        let mut out = Vec::with_capacity(o.len());
        for (k, v) in o.iter() {
            if !v.is_primitive() {
                return Err(self.bad(format!("`{name}.{k}` must be text, not {}", v.kind())));
            }
            out.push((k.to_owned(), v.to_str().into_owned()));
        }
        Ok(out)
    }

    fn any(&self, name: &str) -> Value {
        self.field(name).cloned().unwrap_or(Value::Null)
    }
}

fn shell(name: &str) -> Shell {
    match name {
        "" => Shell::Default,
        "bash" => Shell::Bash,
        "sh" => Shell::Sh,
        "python" => Shell::Python,
        "pwsh" => Shell::Pwsh,
        other => Shell::Custom(other.to_owned()),
    }
}

fn method(r: &Request<'_>) -> Result<HttpMethod, Fault> {
    let name = r.text("method")?.unwrap_or_default().to_ascii_uppercase();
    Ok(match name.as_str() {
        "" | "GET" => HttpMethod::Get,
        "HEAD" => HttpMethod::Head,
        "POST" => HttpMethod::Post,
        "PUT" => HttpMethod::Put,
        "PATCH" => HttpMethod::Patch,
        "DELETE" => HttpMethod::Delete,
        _ => return Err(r.bad(format!("unknown method `{name}`"))),
    })
}

fn level(r: &Request<'_>) -> Result<LogLevel, Fault> {
    let name = r.text("level")?.unwrap_or_default().to_ascii_lowercase();
    Ok(match name.as_str() {
        "debug" => LogLevel::Debug,
        "" | "info" => LogLevel::Info,
        "warning" => LogLevel::Warning,
        "error" => LogLevel::Error,
        _ => return Err(r.bad(format!("unknown log level `{name}`"))),
    })
}

fn timeout_ms(r: &Request<'_>) -> Result<u64, Fault> {
    const MAX: f64 = 9_007_199_254_740_992.0; // 2^53: exact as a double, far beyond any timeout
    if let Some(ms) = r.count("timeoutMs")? {
        return Ok(ms.min(MAX) as u64);
    }
    let Some(minutes) = r.field("timeoutMinutes") else { return Ok(DEFAULT_TIMEOUT_MS) };
    let n = if minutes.is_primitive() { minutes.to_number() } else { f64::NAN };
    if !(n >= 0.0 && n.is_finite()) {
        return Err(r.bad("field `timeoutMinutes` must be a non-negative number".into()));
    }
    Ok((n * 60_000.0).floor().min(MAX) as u64)
}

fn patterns(r: &Request<'_>) -> Result<Vec<String>, Fault> {
    let Some(Value::Array(items)) = r.field("patterns") else {
        return Err(r.bad("field `patterns` must be an array".into()));
    };
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        if !item.is_primitive() {
            return Err(r.bad("every pattern must be text".into()));
        }
        out.push(item.to_str().into_owned());
    }
    Ok(out)
}

/// Returns a shell step's environment: the runner's default variables, derived from the
/// request's `github` and `runner` objects (`GITHUB_<KEY>` and `RUNNER_<KEY>` for each text
/// entry, `github.token` aside), `CI`, `GITHUB_ACTIONS` and `GITHUB_ACTION`; then the step's
/// `env`, which may replace `CI` but not a default `GITHUB_*` or `RUNNER_*` variable.
fn shell_env(r: &Request<'_>) -> Result<Vec<(String, String)>, Fault> {
    let mut env: Vec<(String, String)> =
        [("CI", "true"), ("GITHUB_ACTIONS", "true")].map(|(k, v)| (k.to_owned(), v.to_owned())).to_vec();
    for (context, prefix) in [("github", "GITHUB_"), ("runner", "RUNNER_")] {
        let Some(Value::Object(o)) = r.field(context) else { continue };
        for (k, v) in o.iter() {
            if v.is_primitive() && !matches!(v, Value::Null) && !(context == "github" && k == "token") {
                env.push((format!("{prefix}{}", k.to_ascii_uppercase()), v.to_str().into_owned()));
            }
        }
    }
    if let Some(action) = r.text("action")? {
        env.push(("GITHUB_ACTION".to_owned(), action));
    }
    let defaults = env.len();
    for (k, v) in r.pairs("env")? {
        let default = env[..defaults].iter().position(|(d, _)| *d == k);
        match default {
            Some(_) if k.starts_with("GITHUB_") || k.starts_with("RUNNER_") => {}
            Some(i) => env[i].1 = v,
            None => match env[defaults..].iter().position(|(d, _)| *d == k) {
                Some(i) => env[defaults + i].1 = v,
                None => env.push((k, v)),
            },
        }
    }
    Ok(env)
}

/// Returns where a request comes from, as compiled step code records it beside the call's
/// fields: `step` (the step's position in its job, from 1) and `verification` (its policy).
/// Requests without them, and malformed ones, come from no step and run under no policy.
pub(crate) fn origin(request: &Value) -> (u32, Policy) {
    let Value::Object(o) = request else { return (0, Policy::None) };
    let step = match o.get("step") {
        Some(Value::Number(n)) if n.fract() == 0.0 && *n >= 0.0 && *n <= f64::from(u32::MAX) => *n as u32,
        _ => 0,
    };
    let policy = match o.get("verification") {
        Some(Value::String(s)) => Policy::from_name(s).unwrap_or(Policy::None),
        _ => Policy::None,
    };
    (step, policy)
}

/// Returns the call that request object `request` describes for `kind`.
pub(crate) fn request(kind: HostCallKind, request: &Value) -> Result<HostCall, Fault> {
    let r = Request { kind, object: request.as_object() };
    Ok(match kind {
        HostCallKind::ShellCommand => HostCall::ShellCommand {
            cmd: r.required("cmd")?,
            shell: shell(&r.text("shell")?.unwrap_or_default()),
            env: shell_env(&r)?,
            path: r.text("path")?.unwrap_or_default().split(':').filter(|d| !d.is_empty()).map(str::to_owned).collect(),
            workdir: r.text("workdir")?.unwrap_or_default(),
            timeout_ms: timeout_ms(&r)?,
        },
        HostCallKind::HttpRequest => HostCall::HttpRequest {
            url: r.required("url")?,
            method: method(&r)?,
            headers: r.pairs("headers")?,
            body: r.text("body")?.unwrap_or_default().into_bytes(),
        },
        HostCallKind::StorageRead => HostCall::StorageRead { key: r.required("key")?.into_bytes() },
        HostCallKind::StorageWrite => {
            HostCall::StorageWrite { key: r.required("key")?.into_bytes(), value: r.required("value")?.into_bytes() }
        }
        HostCallKind::EmitEvent => HostCall::EmitEvent { topic: r.required("topic")?, data: r.any("data") },
        HostCallKind::InvokeAction => HostCall::InvokeAction {
            action: ActionRef { name: r.required("name")?, version: r.required("version")? },
            input: r.any("input"),
        },
        HostCallKind::GithubAction => {
            HostCall::GithubAction { uses: r.required("uses")?, with: r.pairs("with")?, env: r.pairs("env")? }
        }
        HostCallKind::HashFiles => HostCall::HashFiles { patterns: patterns(&r)? },
        HostCallKind::Log => HostCall::Log { level: level(&r)?, message: r.required("message")? },
        HostCallKind::Now => HostCall::Now,
        HostCallKind::Random => {
            let len = r.count("len")?.ok_or_else(|| r.bad("field `len` is required".into()))?;
            if len > f64::from(MAX_RANDOM_BYTES) {
                return Err(r.bad(format!("at most {MAX_RANDOM_BYTES} random bytes per call")));
            }
            HostCall::Random { len: len as u32 }
        }
    })
}

fn text(bytes: &[u8]) -> Value {
    Value::from(String::from_utf8_lossy(bytes).into_owned())
}

fn pairs_object(pairs: &[(String, String)]) -> Value {
    Value::Object(pairs.iter().map(|(k, v)| (k.clone(), Value::from(v.as_str()))).collect::<Object>())
}

/// Returns the object a `HostCall`'s `dst` gets for `result`, the answer to a call of `kind`.
pub(crate) fn answer_value(kind: HostCallKind, result: &Result<HostResult, HostError>) -> Value {
    let mut o = Object::new();
    let result = match result {
        Ok(r) => r,
        Err(e) => {
            o.insert("ok", Value::Bool(false));
            o.insert("error", Value::from(e.to_string()));
            return Value::Object(o);
        }
    };
    o.insert("ok", Value::Bool(true));
    match result {
        HostResult::Shell { exit_code, stdout, stderr, timed_out, files } => {
            o.insert("exitCode", Value::Number(f64::from(*exit_code)));
            o.insert("stdout", text(stdout));
            o.insert("stderr", text(stderr));
            o.insert("timedOut", Value::Bool(*timed_out));
            o.insert("outputs", pairs_object(&files.outputs));
            o.insert("env", pairs_object(&files.env));
            // Newest first, as `PATH` lists them: a later line of `$GITHUB_PATH` wins.
            let path: Vec<&str> = files.path.iter().rev().map(String::as_str).collect();
            o.insert("path", Value::from(path.join(":")));
        }
        HostResult::Http { status, headers, body } => {
            o.insert("status", Value::Number(f64::from(*status)));
            o.insert("headers", pairs_object(headers));
            o.insert("body", text(body));
        }
        HostResult::Bytes(bytes) => {
            let value = match (bytes, kind) {
                (None, _) => Value::Null,
                (Some(b), HostCallKind::Random) => Value::from(w3_host_api::canonical::hex(b)),
                (Some(b), _) => text(b),
            };
            o.insert("value", value);
        }
        HostResult::Value(v) => o.insert("value", v.clone()),
        HostResult::Time { unix_ms } => o.insert("unixMs", Value::Number(*unix_ms as f64)),
        HostResult::Done => {}
    }
    Value::Object(o)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(text: &str) -> Value {
        w3_value::parse_json(text).unwrap()
    }

    #[test]
    fn a_request_says_which_step_made_it_and_under_which_policy() {
        assert_eq!(origin(&json(r#"{"cmd":"x","step":3,"verification":"tee"}"#)), (3, Policy::Tee));
        assert_eq!(origin(&json(r#"{"cmd":"x","step":1,"verification":"shadow"}"#)), (1, Policy::Shadow));
        assert_eq!(origin(&json(r#"{"cmd":"x"}"#)), (0, Policy::None));
        // Anything else is no step and no policy, never a fault.
        assert_eq!(origin(&json(r#"{"step":1.5,"verification":"strict"}"#)), (0, Policy::None));
        assert_eq!(origin(&json(r#"{"step":-1,"verification":7}"#)), (0, Policy::None));
        assert_eq!(origin(&json("[1]")), (0, Policy::None));
    }

    #[test]
    fn shell_requests_take_defaults() {
        let call = request(
            HostCallKind::ShellCommand,
            &json(r#"{"cmd":"echo hi","env":{"A":1,"B":"x"},"timeoutMinutes":1.5}"#),
        );
        assert_eq!(
            call,
            Ok(HostCall::ShellCommand {
                cmd: "echo hi".into(),
                shell: Shell::Default,
                env: [("CI", "true"), ("GITHUB_ACTIONS", "true"), ("A", "1"), ("B", "x")]
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .to_vec(),
                path: vec![],
                workdir: String::new(),
                timeout_ms: 90_000,
            })
        );
        let call = request(
            HostCallKind::ShellCommand,
            &json(
                r#"{"cmd":"x","github":{"job":"build","event":{"a":1},"token":"t","run_number":7},"runner":{"os":"Linux"},"action":"__run","env":{"GITHUB_JOB":"mine","CI":"no","X":"1"}}"#,
            ),
        );
        let Ok(HostCall::ShellCommand { env, .. }) = call else { panic!("{call:?}") };
        let env: Vec<String> = env.iter().map(|(k, v)| format!("{k}={v}")).collect();
        assert_eq!(
            env,
            [
                "CI=no",
                "GITHUB_ACTIONS=true",
                "GITHUB_JOB=build",
                "GITHUB_RUN_NUMBER=7",
                "RUNNER_OS=Linux",
                "GITHUB_ACTION=__run",
                "X=1"
            ]
        );
        let bad = request(HostCallKind::ShellCommand, &json(r#"{"cmd":["x"]}"#));
        assert!(matches!(bad, Err(Fault::BadRequest { kind: "shell", .. })));
        assert!(request(HostCallKind::ShellCommand, &Value::Null).is_err());
        assert!(request(HostCallKind::Random, &json(r#"{"len":-1}"#)).is_err());
        assert_eq!(request(HostCallKind::Now, &Value::Null), Ok(HostCall::Now));
    }

    #[test]
    fn answers_become_objects() {
        let files = w3_host_api::StepFiles {
            outputs: vec![("a".into(), "1".into()), ("a".into(), "2".into())],
            path: vec!["/x".into(), "/y".into()],
            ..Default::default()
        };
        let shell = Ok(HostResult::Shell {
            exit_code: 2,
            stdout: b"out".to_vec(),
            stderr: vec![0xff],
            timed_out: false,
            files,
        });
        let v = answer_value(HostCallKind::ShellCommand, &shell);
        let text =
            w3_value::to_json_text(&v, w3_value::JsonStyle { pretty: false, non_finite: w3_value::NonFinite::Null });
        assert_eq!(
            text.unwrap(),
            r#"{"ok":true,"exitCode":2,"stdout":"out","stderr":"�","timedOut":false,"outputs":{"a":"2"},"env":{},"path":"/y:/x"}"#
        );
        let random = answer_value(HostCallKind::Random, &Ok(HostResult::Bytes(Some(vec![0, 171]))));
        assert_eq!(w3_value::property(&random, "value"), Value::from("00ab"));
        let failed = answer_value(HostCallKind::Now, &Err(HostError::Failed("boom".into())));
        assert_eq!(w3_value::property(&failed, "error"), Value::from("boom"));
    }
}
