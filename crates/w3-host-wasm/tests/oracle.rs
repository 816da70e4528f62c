//! w3/oracle-action@v1 against a scripted host: the GET goes through the host's permission
//! check, the status must be 2xx, and the value is selected from the JSON body.

mod common;
use common::*;
use w3_host_api::{HostCall, HostError, HttpMethod};
use w3_host_wasm::{ActionError, ActionRuntime};

const URL: &str = "https://prices.example/v1/eth";

fn oracle(
    host: &mut TestHost,
    with: &[(&str, &str)],
    env: &[(&str, &str)],
) -> Result<w3_host_wasm::ActionOutcome, ActionError> {
    ActionRuntime::new(None).invoke(&action("oracle-action"), &input(with, env), GAS, host)
}

#[test]
fn fetches_and_selects_the_price() {
    let mut host = TestHost::serving("prices.example", URL, 200, r#"{"symbol": "ETH", "price": 3150.25}"#);
    let outcome = oracle(&mut host, &[("url", URL)], &[]).unwrap();
    assert_eq!(out(&outcome, "value").as_deref(), Some("3150.25"));
    assert_eq!(out(&outcome, "status").as_deref(), Some("200"));
    assert_eq!(outcome.output.as_object().map(|o| o.len()), Some(2));
    assert_eq!(
        host.calls,
        [HostCall::HttpRequest {
            url: URL.into(),
            method: HttpMethod::Get,
            headers: vec![("accept".into(), "application/json".into())],
            body: vec![],
        }]
    );
    assert!(outcome.gas_used > 0);
}

#[test]
fn url_defaults_to_the_environment_and_path_is_an_input() {
    let body = r#"{"data": {"quotes": [{"usd": "1.01"}, {"usd": "0.99"}]}}"#;
    let mut host = TestHost::serving("prices.example", URL, 203, body);
    let outcome = oracle(&mut host, &[("path", "data.quotes.1.usd")], &[("W3_ORACLE_URL", URL)]).unwrap();
    assert_eq!(out(&outcome, "value").as_deref(), Some("0.99"));
    assert_eq!(out(&outcome, "status").as_deref(), Some("203"));
}

#[test]
fn without_a_url_it_says_how_to_give_one() {
    let mut host = TestHost::default();
    assert_eq!(
        failure(oracle(&mut host, &[], &[])),
        "no URL: set the input `url` or the environment variable W3_ORACLE_URL"
    );
    assert!(host.calls.is_empty());
}

#[test]
fn a_host_the_workflow_does_not_allow_is_denied_by_the_host() {
    let mut host = TestHost::serving("other.example", URL, 200, "{}");
    let message = failure(oracle(&mut host, &[("url", URL)], &[]));
    assert_eq!(
        message,
        format!(
            "GET {URL} failed: permission denied: HTTP to \"prices.example\" is not allowed; add the host to `w3.http`"
        )
    );
}

#[test]
fn http_errors_and_bad_bodies_fail_the_step() {
    let mut host = TestHost::serving("prices.example", URL, 503, "busy");
    assert_eq!(failure(oracle(&mut host, &[("url", URL)], &[])), format!("GET {URL} answered HTTP status 503"));
    let mut host = TestHost::serving("prices.example", URL, 200, "<html>");
    assert_eq!(
        failure(oracle(&mut host, &[("url", URL)], &[])),
        format!("the response of GET {URL} is not valid JSON")
    );
    let mut host = TestHost::serving("prices.example", URL, 200, r#"{"prices": {}}"#);
    assert_eq!(failure(oracle(&mut host, &[("url", URL)], &[])), r#"no value at "price" (path "price")"#);
    let mut host = TestHost::serving("prices.example", URL, 200, "{}");
    host.fail_with = Some(HostError::Failed("connection reset".into()));
    assert_eq!(failure(oracle(&mut host, &[("url", URL)], &[])), format!("GET {URL} failed: connection reset"));
}

#[test]
fn a_url_with_quotes_is_escaped_in_the_request() {
    let url = "https://prices.example/q?s=\"eth\"\\";
    let mut host = TestHost::serving("prices.example", url, 200, r#"{"price": 1}"#);
    let outcome = oracle(&mut host, &[("url", url)], &[]).unwrap();
    assert_eq!(out(&outcome, "value").as_deref(), Some("1"));
}

#[test]
fn the_host_running_out_of_gas_ends_the_run() {
    let mut host = TestHost::serving("prices.example", URL, 200, "{}");
    host.fail_with = Some(HostError::OutOfGas { needed: 500_000, left: 10 });
    match oracle(&mut host, &[("url", URL)], &[]) {
        Err(ActionError::Host { error: HostError::OutOfGas { .. }, gas_used, .. }) => assert!(gas_used > 0),
        other => panic!("{other:?}"),
    }
}
