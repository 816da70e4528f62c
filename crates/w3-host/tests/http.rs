//! The HTTP host against small servers on 127.0.0.1, one per test, each stopped when the test
//! ends. No test needs the internet.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use w3_host::http::{HttpHost, HttpOptions};
use w3_host_api::{Capabilities, HostCall, HostError, HostPattern, HostResult, HttpMethod};

/// A request as the server received it; header names lower-cased.
#[derive(Clone, Debug)]
struct Seen {
    method: String,
    target: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Seen {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

/// What the server does with a request.
enum Reply {
    /// Writes these bytes and closes the connection.
    Bytes(Vec<u8>),
    /// Never answers; holds the connection until the server stops.
    Hang,
}

type Handler = Box<dyn Fn(&Seen) -> Reply + Send>;

/// A server answering each connection's one request with its handler.
struct Server {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    connections: Arc<AtomicUsize>,
    seen: Arc<Mutex<Vec<Seen>>>,
    thread: Option<JoinHandle<()>>,
}

impl Server {
    fn start(handler: impl Fn(&Seen) -> Reply + Send + 'static) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let addr = listener.local_addr().unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let connections = Arc::new(AtomicUsize::new(0));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let handler: Handler = Box::new(handler);
        let thread = {
            let (stop, connections, seen) = (stop.clone(), connections.clone(), seen.clone());
            std::thread::spawn(move || serve(listener, handler, stop, connections, seen))
        };
        Server { addr, stop, connections, seen, thread: Some(thread) }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    fn host(&self) -> String {
        self.addr.to_string()
    }

    fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wakes the accept loop so that it sees the flag.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn serve(
    listener: TcpListener,
    handler: Handler,
    stop: Arc<AtomicBool>,
    connections: Arc<AtomicUsize>,
    seen: Arc<Mutex<Vec<Seen>>>,
) {
    for stream in listener.incoming() {
        if stop.load(Ordering::SeqCst) {
            break;
        }
        let Ok(mut stream) = stream else { continue };
        connections.fetch_add(1, Ordering::SeqCst);
        let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
        let Some(request) = read_request(&mut stream) else { continue };
        seen.lock().unwrap().push(request.clone());
        match handler(&request) {
            Reply::Bytes(bytes) => {
                let _ = stream.write_all(&bytes);
                let _ = stream.flush();
            }
            Reply::Hang => {
                while !stop.load(Ordering::SeqCst) {
                    std::thread::sleep(Duration::from_millis(10));
                }
                break;
            }
        }
    }
}

fn read_request(stream: &mut TcpStream) -> Option<Seen> {
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_string();
    let target = parts.next()?.to_string();
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).ok()?;
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        let (k, v) = line.split_once(':')?;
        headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
    }
    let len: usize = headers.iter().find(|(k, _)| k == "content-length").and_then(|(_, v)| v.parse().ok()).unwrap_or(0);
    let mut body = vec![0; len];
    reader.read_exact(&mut body).ok()?;
    Some(Seen { method, target, headers, body })
}

/// Returns an HTTP/1.1 response with a content length that closes the connection.
fn response(status: u16, headers: &[(&str, &str)], body: &[u8]) -> Reply {
    let mut out = format!("HTTP/1.1 {status} Status\r\nContent-Length: {}\r\nConnection: close\r\n", body.len());
    for (k, v) in headers {
        out.push_str(&format!("{k}: {v}\r\n"));
    }
    out.push_str("\r\n");
    let mut bytes = out.into_bytes();
    bytes.extend_from_slice(body);
    Reply::Bytes(bytes)
}

fn redirect(status: u16, location: &str) -> Reply {
    response(status, &[("Location", location)], b"")
}

fn caps(hosts: &[&str]) -> Capabilities {
    Capabilities { http: hosts.iter().map(|h| HostPattern(h.to_string())).collect(), ..Capabilities::default() }
}

fn call(method: HttpMethod, url: &str, headers: &[(&str, &str)], body: &[u8]) -> HostCall {
    HostCall::HttpRequest {
        url: url.to_string(),
        method,
        headers: headers.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        body: body.to_vec(),
    }
}

fn get(url: &str) -> HostCall {
    call(HttpMethod::Get, url, &[], b"")
}

fn host(opts: HttpOptions) -> HttpHost {
    HttpHost::new(opts).expect("http host")
}

fn http(result: Result<HostResult, HostError>) -> (u16, Vec<(String, String)>, Vec<u8>) {
    match result {
        Ok(HostResult::Http { status, headers, body }) => (status, headers, body),
        other => panic!("expected an HTTP result, got {other:?}"),
    }
}

#[test]
fn get_returns_a_json_body_with_sorted_lower_case_headers() {
    let server = Server::start(|_| {
        response(200, &[("Content-Type", "application/json"), ("X-Zeta", "z"), ("A-Alpha", "a")], br#"{"price":42}"#)
    });
    let result = host(HttpOptions::default()).run_call(&get(&server.url("/price?pair=ETH")), &caps(&[&server.host()]));
    let (status, headers, body) = http(result);
    assert_eq!(status, 200);
    assert_eq!(body, br#"{"price":42}"#);
    assert!(headers.contains(&("content-type".into(), "application/json".into())), "{headers:?}");
    let names: Vec<&str> = headers.iter().map(|(k, _)| k.as_str()).collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);
    assert!(names.iter().all(|n| *n == n.to_ascii_lowercase()));
    let seen = server.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!((seen[0].method.as_str(), seen[0].target.as_str()), ("GET", "/price?pair=ETH"));
    assert!(seen[0].header("user-agent").is_some_and(|ua| ua.starts_with("w3/")));
    assert_eq!(seen[0].header("accept-encoding"), None);
}

#[test]
fn post_sends_its_body_and_headers() {
    let server = Server::start(|_| response(201, &[], b"created"));
    let body = br#"{"answer":42}"#;
    let c = call(
        HttpMethod::Post,
        &server.url("/submit"),
        &[("Content-Type", "application/json"), ("X-Token", "abc")],
        body,
    );
    let (status, _, reply) = http(host(HttpOptions::default()).run_call(&c, &caps(&[&server.host()])));
    assert_eq!((status, reply.as_slice()), (201, &b"created"[..]));
    let seen = server.seen();
    assert_eq!(seen[0].method, "POST");
    assert_eq!(seen[0].body, body);
    assert_eq!(seen[0].header("content-type"), Some("application/json"));
    assert_eq!(seen[0].header("x-token"), Some("abc"));
}

#[test]
fn a_404_is_a_result() {
    let server = Server::start(|_| response(404, &[], b"no such thing"));
    let (status, _, body) =
        http(host(HttpOptions::default()).run_call(&get(&server.url("/missing")), &caps(&[&server.host()])));
    assert_eq!((status, body.as_slice()), (404, &b"no such thing"[..]));
}

#[test]
fn a_redirect_to_an_allowed_host_is_followed_without_credentials() {
    let target = Server::start(|_| response(200, &[], b"final"));
    let to = target.url("/final");
    let origin = Server::start(move |_| redirect(302, &to));
    let c = call(HttpMethod::Get, &origin.url("/start"), &[("Authorization", "Bearer s3cret"), ("X-Keep", "1")], b"");
    let (status, _, body) = http(host(HttpOptions::default()).run_call(&c, &caps(&[&origin.host(), &target.host()])));
    assert_eq!((status, body.as_slice()), (200, &b"final"[..]));
    let seen = target.seen();
    assert_eq!((seen[0].method.as_str(), seen[0].target.as_str()), ("GET", "/final"));
    assert_eq!(seen[0].header("authorization"), None, "credentials must not follow a redirect to another origin");
    assert_eq!(seen[0].header("x-keep"), Some("1"));
}

#[test]
fn redirects_change_post_to_get_on_303_and_keep_it_on_307() {
    let server = Server::start(|seen| match seen.target.as_str() {
        "/see-other" => redirect(303, "/done"),
        "/temporary" => redirect(307, "/done"),
        _ => response(200, &[], seen.method.as_bytes()),
    });
    let h = host(HttpOptions::default());
    let allow = caps(&[&server.host()]);
    let (_, _, body) = http(h.run_call(&call(HttpMethod::Post, &server.url("/see-other"), &[], b"x"), &allow));
    assert_eq!(body, b"GET");
    let (_, _, body) = http(h.run_call(&call(HttpMethod::Post, &server.url("/temporary"), &[], b"x"), &allow));
    assert_eq!(body, b"POST");
    let seen = server.seen();
    assert_eq!(seen.len(), 4);
    assert_eq!(seen[1].body, b"");
    assert_eq!(seen[3].body, b"x");
}

#[test]
fn a_redirect_to_a_host_not_allowed_is_refused() {
    let elsewhere = Server::start(|_| response(200, &[], b"should not be reached"));
    let to = elsewhere.url("/steal");
    let origin = Server::start(move |_| redirect(301, &to));
    let result = host(HttpOptions::default()).run_call(&get(&origin.url("/")), &caps(&[&origin.host()]));
    match result {
        Err(HostError::Denied(message)) => {
            assert!(message.contains(&elsewhere.host()), "the message names the refused host: {message}")
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert_eq!(elsewhere.connections(), 0);
    assert_eq!(origin.seen().len(), 1);
}

#[test]
fn a_redirect_loop_stops_after_the_limit() {
    let server = Server::start(|_| redirect(302, "/again"));
    let opts = HttpOptions { max_redirects: 3, ..HttpOptions::default() };
    let result = host(opts).run_call(&get(&server.url("/")), &caps(&[&server.host()]));
    assert!(matches!(result, Err(HostError::Limit { limit: 3, .. })), "{result:?}");
    assert_eq!(server.seen().len(), 4, "the first request and three redirects");
}

#[test]
fn a_body_over_the_cap_is_refused() {
    let big = Server::start(|_| response(200, &[], &[b'x'; 2000]));
    let opts = HttpOptions { max_body: 1000, ..HttpOptions::default() };
    let h = host(opts);
    let result = h.run_call(&get(&big.url("/")), &caps(&[&big.host()]));
    assert!(matches!(&result, Err(HostError::Limit { limit: 1000, what }) if what.contains("body")), "{result:?}");

    // Without a content length the cap applies while the body is read.
    let streamed = Server::start(|_| {
        let mut bytes = b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n".to_vec();
        bytes.extend_from_slice(&[b'y'; 5000]);
        Reply::Bytes(bytes)
    });
    let result = h.run_call(&get(&streamed.url("/")), &caps(&[&streamed.host()]));
    assert!(matches!(&result, Err(HostError::Limit { limit: 1000, .. })), "{result:?}");

    let exact = Server::start(|_| response(200, &[], &[b'z'; 1000]));
    let (_, _, body) = http(h.run_call(&get(&exact.url("/")), &caps(&[&exact.host()])));
    assert_eq!(body.len(), 1000);
}

#[test]
fn response_headers_over_their_caps_are_refused() {
    let long = "v".repeat(4000);
    let server = Server::start(move |seen| match seen.target.as_str() {
        "/long" => response(200, &[("X-Long", &long)], b""),
        _ => response(200, &[("A", "1"), ("B", "2"), ("C", "3"), ("D", "4")], b""),
    });
    let allow = caps(&[&server.host()]);
    let h = host(HttpOptions { max_response_header_bytes: 1000, max_response_headers: 5, ..HttpOptions::default() });
    let result = h.run_call(&get(&server.url("/long")), &allow);
    assert!(matches!(&result, Err(HostError::Limit { limit: 1000, what }) if what.contains("headers")), "{result:?}");
    // Four headers, plus the content length and connection the server adds.
    let result = h.run_call(&get(&server.url("/many")), &allow);
    assert!(matches!(&result, Err(HostError::Limit { limit: 5, what }) if what.contains("header count")), "{result:?}");
}

#[test]
fn a_server_that_never_answers_times_out_within_the_cap() {
    let server = Server::start(|_| Reply::Hang);
    let opts = HttpOptions { timeout: Duration::from_millis(300), ..HttpOptions::default() };
    let started = Instant::now();
    let result = host(opts).run_call(&get(&server.url("/slow")), &caps(&[&server.host()]));
    let elapsed = started.elapsed();
    match result {
        Err(HostError::Limit { what, limit: 300 }) => {
            assert!(what.contains("time") && what.contains(&server.host()), "{what}")
        }
        other => panic!("expected the time limit, got {other:?}"),
    }
    assert!(elapsed >= Duration::from_millis(250) && elapsed < Duration::from_secs(5), "{elapsed:?}");
}

#[test]
fn a_host_not_allowed_is_refused_before_connecting() {
    let server = Server::start(|_| response(200, &[], b"secret"));
    let result = host(HttpOptions::default()).run_call(&get(&server.url("/")), &caps(&["api.example.com"]));
    assert!(matches!(&result, Err(HostError::Denied(m)) if m.contains(&server.host())), "{result:?}");
    let none = host(HttpOptions::default()).run_call(&get(&server.url("/")), &Capabilities::default());
    assert!(matches!(none, Err(HostError::Denied(_))));
    assert_eq!(server.connections(), 0);
}

#[test]
fn only_http_and_https_are_requested() {
    let server = Server::start(|_| response(200, &[], b""));
    let h = host(HttpOptions::default());
    let allow = caps(&[&server.host()]);
    for url in [format!("ftp://{}/file", server.host()), format!("file://{}/etc/passwd", server.host())] {
        let result = h.run_call(&get(&url), &allow);
        assert!(matches!(&result, Err(HostError::Denied(m)) if m.contains("http")), "{url}: {result:?}");
    }
    assert_eq!(server.connections(), 0);
}

#[test]
fn requests_over_their_caps_or_with_reserved_headers_are_refused() {
    let server = Server::start(|_| response(200, &[], b""));
    let allow = caps(&[&server.host()]);
    let h = host(HttpOptions { max_request_body: 10, max_request_headers: 2, ..HttpOptions::default() });
    let too_big = call(HttpMethod::Put, &server.url("/"), &[], &[0; 11]);
    assert!(matches!(h.run_call(&too_big, &allow), Err(HostError::Limit { limit: 10, .. })));
    let too_many = call(HttpMethod::Get, &server.url("/"), &[("a", "1"), ("b", "2"), ("c", "3")], b"");
    assert!(matches!(h.run_call(&too_many, &allow), Err(HostError::Limit { limit: 2, .. })));
    let host_header = call(HttpMethod::Get, &server.url("/"), &[("Host", "evil.example")], b"");
    assert!(matches!(h.run_call(&host_header, &allow), Err(HostError::Denied(m)) if m.contains("`host`")));
    let bad_name = call(HttpMethod::Get, &server.url("/"), &[("bad name", "1")], b"");
    assert!(matches!(h.run_call(&bad_name, &allow), Err(HostError::Failed(_))));
    assert_eq!(server.connections(), 0);
}

#[test]
fn a_refused_connection_is_a_failure_naming_the_host() {
    let addr = {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    };
    let result = host(HttpOptions::default()).run_call(&get(&format!("http://{addr}/")), &caps(&[&addr.to_string()]));
    assert!(matches!(&result, Err(HostError::Failed(m)) if m.contains(&addr.to_string())), "{result:?}");
}

#[test]
fn other_calls_are_unsupported() {
    let result = host(HttpOptions::default()).run_call(&HostCall::Now, &Capabilities::default());
    assert!(matches!(result, Err(HostError::Unsupported(_))));
}
