//! Sends one HTTP request for a workflow, to allowed hosts only.
//!
//! [`HttpHost`] performs a [`HostCall::HttpRequest`] with a synchronous client (`ureq` over
//! rustls) under these rules:
//!
//! - Only `http://` and `https://` URLs without credentials in them. The URL is read by the
//!   WHATWG rules (`url`), and the host it names must match one of the module's `w3.http`
//!   patterns ([`HostPattern`]); the first URL must also pass [`Capabilities::check`], which
//!   the rest of w3 uses. A refused host is refused before any connection is made.
//! - Redirects are followed here, not by the client: each `Location` is resolved against the
//!   URL that answered, its host checked against the allowlist again, at most
//!   [`HttpOptions::max_redirects`] hops. A redirect from https to http is refused. 303, and
//!   301/302 after a POST, continue as GET without a body (as browsers do); 307 and 308 repeat
//!   the method and body. Credentials (`authorization`, `cookie`) are not sent to another
//!   origin.
//! - Caps: request body, request header count and bytes, response header count and bytes,
//!   response body, and one time limit for the whole request (every hop's connect, send and
//!   receive, and the body). Exceeding one is [`HostError::Limit`].
//! - No proxy is read from the environment (`HTTPS_PROXY` and the like): whether a request goes
//!   through a proxy is the host's configuration ([`HttpOptions::proxy`]), not the machine's.
//! - No `accept-encoding` is sent and nothing is decompressed: the body is the bytes the
//!   server sent.
//! - A non-2xx status is a result ([`HostResult::Http`] with that status); a request that got
//!   no response is [`HostError::Failed`] naming the host and what failed.
//! - Response headers have lower-case names and are sorted by name; repeated headers keep the
//!   order they were received in. Values that are not UTF-8 are read lossily. Receipts hash
//!   this form, so the same response always hashes the same.

use std::time::{Duration, Instant};

use url::Url;
use w3_host_api::caps::PermissionError;
use w3_host_api::{Capabilities, HostCall, HostError, HostPattern, HostResult, HttpMethod};

/// The `user-agent` sent when a request sets none.
pub const USER_AGENT: &str = concat!("w3/", env!("CARGO_PKG_VERSION"));

/// Headers a workflow may not set: they choose where the request goes (`host`), how it is
/// framed (`content-length`, `transfer-encoding`, ...) or concern a proxy, which is the
/// host's business.
const RESERVED_HEADERS: [&str; 10] = [
    "host",
    "content-length",
    "transfer-encoding",
    "connection",
    "keep-alive",
    "upgrade",
    "te",
    "trailer",
    "proxy-authorization",
    "proxy-connection",
];

/// Headers that carry credentials: dropped when a redirect leads to another origin.
const CREDENTIAL_HEADERS: [&str; 2] = ["authorization", "cookie"];

/// The limits and settings of the HTTP host.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpOptions {
    /// Largest response body in bytes.
    pub max_body: u64,
    /// Largest request body in bytes.
    pub max_request_body: u64,
    /// Time for the whole request: every hop's connection, request and response, and reading
    /// the final body.
    pub timeout: Duration,
    /// Most redirects followed; one more is [`HostError::Limit`].
    pub max_redirects: u32,
    /// Most headers a request may set.
    pub max_request_headers: usize,
    /// Most bytes of request header names and values together.
    pub max_request_header_bytes: usize,
    /// Most headers a response may have.
    pub max_response_headers: usize,
    /// Most bytes of a response's status line and headers.
    pub max_response_header_bytes: usize,
    /// A proxy every request goes through (`http://host:port`, `socks5://host:port`); `None`
    /// means direct connections, whatever the environment says.
    pub proxy: Option<String>,
}

impl Default for HttpOptions {
    fn default() -> Self {
        Self {
            max_body: 8 * 1024 * 1024,
            max_request_body: 1024 * 1024,
            timeout: Duration::from_secs(30),
            max_redirects: 5,
            max_request_headers: 64,
            max_request_header_bytes: 16 * 1024,
            max_response_headers: 128,
            max_response_header_bytes: 64 * 1024,
            proxy: None,
        }
    }
}

/// One HTTP request: the fields of [`HostCall::HttpRequest`], borrowed.
#[derive(Clone, Copy, Debug)]
pub struct HttpRequest<'a> {
    pub url: &'a str,
    pub method: HttpMethod,
    pub headers: &'a [(String, String)],
    pub body: &'a [u8],
}

/// The HTTP host: a client configured once by [`HttpOptions`], used for many requests.
#[derive(Debug)]
pub struct HttpHost {
    agent: ureq::Agent,
    opts: HttpOptions,
}

impl HttpHost {
    /// Returns a host with `opts`; fails only when the configured proxy is not a valid URL.
    pub fn new(opts: HttpOptions) -> Result<Self, HostError> {
        let proxy = match &opts.proxy {
            Some(p) => Some(
                ureq::Proxy::new(p)
                    .map_err(|e| HostError::Failed(format!("the HTTP proxy \"{p}\" is not valid: {e}")))?,
            ),
            None => None,
        };
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .proxy(proxy)
            .user_agent(USER_AGENT)
            .max_response_header_size(opts.max_response_header_bytes)
            // Each call stands alone: no connection outlives the request that opened it.
            .max_idle_connections(0)
            .max_idle_connections_per_host(0)
            .build();
        Ok(Self { agent: ureq::Agent::new_with_config(config), opts })
    }

    /// Returns the options the host was made with.
    pub fn options(&self) -> &HttpOptions {
        &self.opts
    }

    /// Performs a [`HostCall::HttpRequest`] allowed by `caps`; any other call is
    /// [`HostError::Unsupported`].
    pub fn run_call(&self, call: &HostCall, caps: &Capabilities) -> Result<HostResult, HostError> {
        match call {
            HostCall::HttpRequest { url, method, headers, body } => {
                self.request(&HttpRequest { url, method: *method, headers, body }, caps)
            }
            other => {
                Err(HostError::Unsupported(format!("the HTTP host cannot perform `{}` calls", other.kind().name())))
            }
        }
    }

    /// Sends `req`, follows allowed redirects, and returns [`HostResult::Http`] with the final
    /// response.
    pub fn request(&self, req: &HttpRequest<'_>, caps: &Capabilities) -> Result<HostResult, HostError> {
        let deadline = Instant::now() + self.opts.timeout;
        let mut url = parse_url(req.url)?;
        let first =
            HostCall::HttpRequest { url: req.url.to_string(), method: req.method, headers: vec![], body: vec![] };
        caps.check(&first).map_err(|e| HostError::Denied(e.to_string()))?;
        check_host(&url, &caps.http).map_err(|e| HostError::Denied(e.to_string()))?;
        self.check_request(req)?;

        let mut method = req.method;
        let mut headers = req.headers.to_vec();
        let mut body = req.body.to_vec();
        let mut hops = 0;
        loop {
            let response = self.send(&url, method, &headers, &body, deadline)?;
            let status = response.status().as_u16();
            let location = match redirect_location(status, &response) {
                Some(location) => location,
                None => return self.read_response(&url, response, deadline),
            };
            if hops == self.opts.max_redirects {
                return Err(HostError::Limit {
                    what: format!("the redirects of the HTTP request to {}", url_host_display(&url)),
                    limit: u64::from(self.opts.max_redirects),
                });
            }
            hops += 1;
            let next = next_url(&url, &location, status, &caps.http)?;
            if next.origin() != url.origin() {
                headers.retain(|(k, _)| !CREDENTIAL_HEADERS.iter().any(|c| k.eq_ignore_ascii_case(c)));
            }
            let keeps_body = matches!(status, 307 | 308) || (status != 303 && method != HttpMethod::Post);
            if !keeps_body {
                if method != HttpMethod::Head {
                    method = HttpMethod::Get;
                }
                body.clear();
                headers.retain(|(k, _)| !k.eq_ignore_ascii_case("content-type"));
            }
            url = next;
        }
    }

    /// Checks the request's body and headers against the caps and the reserved names.
    fn check_request(&self, req: &HttpRequest<'_>) -> Result<(), HostError> {
        if req.body.len() as u64 > self.opts.max_request_body {
            return Err(HostError::Limit {
                what: "the HTTP request's body (bytes)".into(),
                limit: self.opts.max_request_body,
            });
        }
        if req.headers.len() > self.opts.max_request_headers {
            return Err(HostError::Limit {
                what: "the HTTP request's header count".into(),
                limit: self.opts.max_request_headers as u64,
            });
        }
        let bytes: usize = req.headers.iter().map(|(k, v)| k.len() + v.len()).sum();
        if bytes > self.opts.max_request_header_bytes {
            return Err(HostError::Limit {
                what: "the HTTP request's headers (bytes)".into(),
                limit: self.opts.max_request_header_bytes as u64,
            });
        }
        for (name, value) in req.headers {
            if RESERVED_HEADERS.iter().any(|r| name.eq_ignore_ascii_case(r)) {
                return Err(HostError::Denied(format!(
                    "the header `{}` is set by the HTTP host, not by the workflow",
                    name.to_ascii_lowercase()
                )));
            }
            if ureq::http::HeaderName::from_bytes(name.as_bytes()).is_err() {
                return Err(HostError::Failed(format!("`{name}` is not a valid HTTP header name")));
            }
            if ureq::http::HeaderValue::from_str(value).is_err() {
                return Err(HostError::Failed(format!("the value of the header `{name}` is not a valid header value")));
            }
        }
        Ok(())
    }

    /// Sends one hop of the request with what is left of the time.
    fn send(
        &self,
        url: &Url,
        method: HttpMethod,
        headers: &[(String, String)],
        body: &[u8],
        deadline: Instant,
    ) -> Result<ureq::http::Response<ureq::Body>, HostError> {
        let left = self.time_left(url, deadline)?;
        let mut builder = ureq::http::Request::builder().method(http_method(method)).uri(url.as_str());
        for (name, value) in headers {
            builder = builder.header(name.as_str(), value.as_str());
        }
        let failed = |e: ureq::http::Error| HostError::Failed(format!("the HTTP request could not be built: {e}"));
        let result = if body.is_empty() && !matches!(method, HttpMethod::Post | HttpMethod::Put | HttpMethod::Patch) {
            let request = builder.body(()).map_err(failed)?;
            self.agent.run(self.agent.configure_request(request).timeout_global(Some(left)).build())
        } else {
            let request = builder.body(body).map_err(failed)?;
            self.agent.run(self.agent.configure_request(request).timeout_global(Some(left)).build())
        };
        result.map_err(|e| self.transport_error(url, e))
    }

    /// Returns the time left before `deadline`, or the time limit's error when none is.
    fn time_left(&self, url: &Url, deadline: Instant) -> Result<Duration, HostError> {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(self.timeout_error(url));
        }
        Ok(left)
    }

    /// Reads the final response's headers and body within the caps.
    fn read_response(
        &self,
        url: &Url,
        mut response: ureq::http::Response<ureq::Body>,
        deadline: Instant,
    ) -> Result<HostResult, HostError> {
        let status = response.status().as_u16();
        if response.headers().len() > self.opts.max_response_headers {
            return Err(HostError::Limit {
                what: format!("the header count of the HTTP response from {}", url_host_display(url)),
                limit: self.opts.max_response_headers as u64,
            });
        }
        let headers = canonical_headers(response.headers());
        let body_limit = HostError::Limit {
            what: format!("the body of the HTTP response from {} (bytes)", url_host_display(url)),
            limit: self.opts.max_body,
        };
        if response.body().content_length().is_some_and(|n| n > self.opts.max_body) {
            return Err(body_limit);
        }
        self.time_left(url, deadline)?;
        let body = match response.body_mut().with_config().limit(self.opts.max_body).read_to_vec() {
            Ok(body) => body,
            Err(ureq::Error::BodyExceedsLimit(_)) => return Err(body_limit),
            Err(e) => return Err(self.transport_error(url, e)),
        };
        Ok(HostResult::Http { status, headers, body })
    }

    /// Turns a client error into a host error that names the host and what failed.
    fn transport_error(&self, url: &Url, e: ureq::Error) -> HostError {
        let host = url_host_display(url);
        let what = match e {
            ureq::Error::Timeout(_) => return self.timeout_error(url),
            ureq::Error::Io(io) if io.kind() == std::io::ErrorKind::TimedOut => return self.timeout_error(url),
            ureq::Error::Io(io) => format!("{io}"),
            ureq::Error::LargeResponseHeader(_, limit) => {
                return HostError::Limit {
                    what: format!("the headers of the HTTP response from {host} (bytes)"),
                    limit: limit as u64,
                }
            }
            ureq::Error::HostNotFound => "the host name could not be resolved".to_string(),
            ureq::Error::ConnectionFailed => "no connection could be made".to_string(),
            ureq::Error::Protocol(p) => format!("the answer is not valid HTTP/1.1: {p}"),
            ureq::Error::Tls(t) => format!("TLS failed: {t}"),
            ureq::Error::Rustls(r) => format!("TLS failed: {r}"),
            other => other.to_string(),
        };
        HostError::Failed(format!("HTTP request to {host} failed: {what}"))
    }

    /// Returns the error for a request that ran out of time.
    fn timeout_error(&self, url: &Url) -> HostError {
        HostError::Limit {
            what: format!("the time of the HTTP request to {} (ms)", url_host_display(url)),
            limit: u64::try_from(self.opts.timeout.as_millis()).unwrap_or(u64::MAX),
        }
    }
}

/// Performs `call` with a host made from `opts`: for one-off requests. Many requests should
/// share one [`HttpHost`].
pub fn run_call(call: &HostCall, caps: &Capabilities, opts: &HttpOptions) -> Result<HostResult, HostError> {
    HttpHost::new(opts.clone())?.run_call(call, caps)
}

/// Reads `url` and refuses schemes other than http and https, and credentials in the URL.
fn parse_url(text: &str) -> Result<Url, HostError> {
    // The scheme is checked first, so that a URL of another scheme is refused as such, not
    // reported as malformed by that scheme's rules.
    let scheme = text.trim_start().split_once(':').map(|(s, _)| s.to_ascii_lowercase());
    if !matches!(scheme.as_deref(), Some("http" | "https")) {
        return Err(only_http(text));
    }
    let url = Url::parse(text).map_err(|e| HostError::Failed(format!("\"{text}\" is not a valid URL: {e}")))?;
    check_scheme(&url, text)?;
    Ok(url)
}

/// Refuses URLs that are not http or https or that carry credentials.
fn check_scheme(url: &Url, text: &str) -> Result<(), HostError> {
    if !matches!(url.scheme(), "http" | "https") {
        return Err(only_http(text));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(HostError::Denied(format!(
            "the URL \"{text}\" carries credentials; send them in an `authorization` header"
        )));
    }
    if url.host_str().is_none() {
        return Err(HostError::Failed(format!("the URL \"{text}\" has no host")));
    }
    Ok(())
}

/// Returns the refusal of a URL that is not http or https.
fn only_http(text: &str) -> HostError {
    HostError::Denied(format!("only http:// and https:// URLs can be requested, not \"{text}\""))
}

/// Returns `host[:port]` as the URL writes it after normalization: the port only when it is
/// not the scheme's default.
fn url_host_display(url: &Url) -> String {
    let host = url.host_str().unwrap_or_default();
    match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_string(),
    }
}

/// Checks the URL's host against the allowlist. A pattern with a port matches the URL's port,
/// written or implied by the scheme (`api.example.com:443` allows `https://api.example.com/`).
fn check_host(url: &Url, allow: &[HostPattern]) -> Result<(), PermissionError> {
    let shown = url_host_display(url);
    let with_port = match url.port_or_known_default() {
        Some(port) => format!("{}:{port}", url.host_str().unwrap_or_default()),
        None => shown.clone(),
    };
    if allow.iter().any(|p| p.matches(&shown) || p.matches(&with_port)) {
        Ok(())
    } else {
        Err(PermissionError::HttpHost(shown))
    }
}

/// Returns the `Location` of a redirect response, or `None` when the response is final (not a
/// redirect, or a redirect without a usable location).
fn redirect_location(status: u16, response: &ureq::http::Response<ureq::Body>) -> Option<String> {
    if !matches!(status, 301 | 302 | 303 | 307 | 308) {
        return None;
    }
    let location = response.headers().get("location")?.to_str().ok()?.trim();
    (!location.is_empty()).then(|| location.to_string())
}

/// Resolves a redirect's location against the URL that answered and checks where it leads.
fn next_url(from: &Url, location: &str, status: u16, allow: &[HostPattern]) -> Result<Url, HostError> {
    let origin = url_host_display(from);
    let next = from.join(location).map_err(|e| {
        HostError::Failed(format!("{origin} answered {status} with an invalid location \"{location}\": {e}"))
    })?;
    check_scheme(&next, next.as_str()).map_err(|e| match e {
        HostError::Denied(m) => HostError::Denied(format!("the redirect from {origin}: {m}")),
        other => other,
    })?;
    if from.scheme() == "https" && next.scheme() == "http" {
        return Err(HostError::Denied(format!(
            "the redirect from {origin} to \"{next}\" leaves https for http; w3 does not follow it"
        )));
    }
    check_host(&next, allow)
        .map_err(|e| HostError::Denied(format!("the redirect from {origin} to \"{next}\": {e}")))?;
    Ok(next)
}

/// Returns the headers with lower-case names, sorted by name; repeated names keep the order
/// they were received in (the sort is stable).
fn canonical_headers(map: &ureq::http::HeaderMap) -> Vec<(String, String)> {
    let mut headers: Vec<(String, String)> = map
        .iter()
        .map(|(k, v)| (k.as_str().to_ascii_lowercase(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
        .collect();
    headers.sort_by(|a, b| a.0.cmp(&b.0));
    headers
}

/// Returns the client's method for `m`.
fn http_method(m: HttpMethod) -> ureq::http::Method {
    match m {
        HttpMethod::Get => ureq::http::Method::GET,
        HttpMethod::Head => ureq::http::Method::HEAD,
        HttpMethod::Post => ureq::http::Method::POST,
        HttpMethod::Put => ureq::http::Method::PUT,
        HttpMethod::Patch => ureq::http::Method::PATCH,
        HttpMethod::Delete => ureq::http::Method::DELETE,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allow(patterns: &[&str]) -> Vec<HostPattern> {
        patterns.iter().map(|p| HostPattern(p.to_string())).collect()
    }

    #[test]
    fn hosts_are_checked_with_and_without_the_default_port() {
        let url = Url::parse("https://api.example.com/v1").unwrap();
        assert!(check_host(&url, &allow(&["api.example.com"])).is_ok());
        assert!(check_host(&url, &allow(&["api.example.com:443"])).is_ok());
        assert!(check_host(&url, &allow(&["api.example.com:8443"])).is_err());
        assert!(check_host(&url, &allow(&["*.example.com"])).is_ok());
        let url = Url::parse("http://127.0.0.1:8080/").unwrap();
        assert!(check_host(&url, &allow(&["127.0.0.1:8080"])).is_ok());
        assert_eq!(
            check_host(&url, &allow(&["127.0.0.1:9090"])),
            Err(PermissionError::HttpHost("127.0.0.1:8080".into()))
        );
    }

    #[test]
    fn backslashes_and_userinfo_cannot_hide_the_host() {
        // WHATWG reads `\` as `/` in http URLs, so the host is the part before it.
        let url = parse_url("http://allowed.example\\@evil.example/").unwrap();
        assert_eq!(url.host_str(), Some("allowed.example"));
        assert!(matches!(parse_url("http://user:pw@allowed.example/"), Err(HostError::Denied(_))));
        assert!(matches!(parse_url("file:///etc/passwd"), Err(HostError::Denied(_))));
    }

    #[test]
    fn redirects_resolve_relative_locations_and_refuse_downgrades() {
        let from = Url::parse("https://a.example/x/y?q=1").unwrap();
        let all = allow(&["a.example", "b.example"]);
        assert_eq!(next_url(&from, "z", 302, &all).unwrap().as_str(), "https://a.example/x/z");
        assert_eq!(next_url(&from, "//b.example/p", 302, &all).unwrap().as_str(), "https://b.example/p");
        assert!(matches!(next_url(&from, "http://a.example/", 302, &all), Err(HostError::Denied(_))));
        assert!(
            matches!(next_url(&from, "https://c.example/", 302, &all), Err(HostError::Denied(m)) if m.contains("c.example"))
        );
    }

    #[test]
    fn headers_are_lower_case_and_sorted_stably() {
        let mut map = ureq::http::HeaderMap::new();
        map.append("X-B", "1".parse().unwrap());
        map.append("set-cookie", "b".parse().unwrap());
        map.append("a", "2".parse().unwrap());
        map.append("Set-Cookie", "a".parse().unwrap());
        let got = canonical_headers(&map);
        let want = [("a", "2"), ("set-cookie", "b"), ("set-cookie", "a"), ("x-b", "1")];
        assert_eq!(got, want.map(|(k, v)| (k.to_string(), v.to_string())));
    }
}
