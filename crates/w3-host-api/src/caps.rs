//! What a module may do: the capabilities its manifest declares. Everything not declared is
//! denied.

use crate::call::{ActionRef, HostCall};

/// A host name an HTTP call may reach: exact (`api.example.com`), a wildcard for subdomains
/// (`*.example.com`, which does not match `example.com` itself), optionally with a port.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostPattern(pub String);

/// Splits `host[:port]` (an IPv6 literal in brackets, `[::1]:8080`) into host and port.
fn split_port(s: &str) -> (&str, Option<&str>) {
    if s.starts_with('[') {
        return match s.find(']') {
            Some(end) => (&s[..=end], s[end + 1..].strip_prefix(':')),
            None => (s, None),
        };
    }
    match s.rsplit_once(':') {
        Some((host, port)) if !host.contains(':') => (host, Some(port)),
        _ => (s, None),
    }
}

impl HostPattern {
    /// Reports whether `host` (with `:port` when the URL has one) matches, ignoring ASCII case.
    /// A pattern without a port allows every port; one with a port allows only that port.
    pub fn matches(&self, host: &str) -> bool {
        let pattern = self.0.to_ascii_lowercase();
        let host = host.to_ascii_lowercase();
        let (pattern_host, pattern_port) = split_port(&pattern);
        let (host_name, port) = split_port(&host);
        if pattern_port.is_some() && pattern_port != port {
            return false;
        }
        match pattern_host.strip_prefix("*.") {
            Some(suffix) => host_name.len() > suffix.len() + 1 && host_name.ends_with(&format!(".{suffix}")),
            None => pattern_host == host_name,
        }
    }
}

/// The capabilities of a module, from its manifest.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Capabilities {
    /// Shell steps may run.
    pub shell: bool,
    /// Shell steps may use the network.
    pub network: bool,
    /// Hosts HTTP calls may reach.
    pub http: Vec<HostPattern>,
    pub storage_read: bool,
    pub storage_write: bool,
    pub events: bool,
    /// Smart Actions the module may invoke.
    pub actions: Vec<ActionRef>,
    /// GitHub actions the module may run, as written in `uses:`.
    pub github_actions: Vec<String>,
}

/// Why a call was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PermissionError {
    #[error("shell commands are not declared by this workflow")]
    Shell,
    #[error("HTTP to \"{0}\" is not allowed; add the host to `w3.http`")]
    HttpHost(String),
    #[error("the URL \"{0}\" has no host")]
    BadUrl(String),
    #[error("storage {0} is not declared; add it to `w3.storage`")]
    Storage(&'static str),
    #[error("events are not declared by this workflow")]
    Events,
    #[error("Smart Action w3/{0}@{1} is not declared by this workflow")]
    Action(String, String),
    #[error("the GitHub action \"{0}\" is not declared by this workflow")]
    GithubAction(String),
    #[error("hashFiles() reads the workspace, which only shell-capable workflows have")]
    Workspace,
}

/// Returns the `host[:port]` of an `http://` or `https://` URL.
pub fn url_host(url: &str) -> Option<&str> {
    let rest = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://"))?;
    let authority = rest.split(['/', '?', '#']).next()?;
    let host = authority.rsplit('@').next()?;
    (!host.is_empty()).then_some(host)
}

impl Capabilities {
    /// Checks `call` against the capabilities; deny by default.
    pub fn check(&self, call: &HostCall) -> Result<(), PermissionError> {
        match call {
            HostCall::ShellCommand { .. } if !self.shell => Err(PermissionError::Shell),
            HostCall::HttpRequest { url, .. } => {
                let host = url_host(url).ok_or_else(|| PermissionError::BadUrl(url.clone()))?;
                if self.http.iter().any(|p| p.matches(host)) {
                    Ok(())
                } else {
                    Err(PermissionError::HttpHost(host.to_string()))
                }
            }
            HostCall::StorageRead { .. } if !self.storage_read => Err(PermissionError::Storage("read")),
            HostCall::StorageWrite { .. } if !self.storage_write => Err(PermissionError::Storage("write")),
            HostCall::EmitEvent { .. } if !self.events => Err(PermissionError::Events),
            HostCall::InvokeAction { action, .. } if !self.actions.contains(action) => {
                Err(PermissionError::Action(action.name.clone(), action.version.clone()))
            }
            HostCall::GithubAction { uses, .. } if !self.github_actions.contains(uses) => {
                Err(PermissionError::GithubAction(uses.clone()))
            }
            HostCall::HashFiles { .. } if !self.shell => Err(PermissionError::Workspace),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn http(url: &str) -> HostCall {
        HostCall::HttpRequest { url: url.into(), method: crate::HttpMethod::Get, headers: vec![], body: vec![] }
    }

    #[test]
    fn deny_by_default() {
        let none = Capabilities::default();
        assert_eq!(none.check(&http("https://a.example/x")), Err(PermissionError::HttpHost("a.example".into())));
        assert_eq!(none.check(&HostCall::StorageRead { key: vec![] }), Err(PermissionError::Storage("read")));
        assert_eq!(
            none.check(&HostCall::GithubAction { uses: "actions/checkout@v4".into(), with: vec![], env: vec![] }),
            Err(PermissionError::GithubAction("actions/checkout@v4".into()))
        );
        assert_eq!(none.check(&HostCall::Now), Ok(()));
    }

    #[test]
    fn host_patterns() {
        let caps = Capabilities {
            http: vec![
                HostPattern("api.example.com".into()),
                HostPattern("*.chain.link".into()),
                HostPattern("127.0.0.1:8080".into()),
            ],
            ..Capabilities::default()
        };
        assert!(caps.check(&http("https://API.example.com/v1?x=1")).is_ok());
        assert!(caps.check(&http("https://api.example.com:8443/")).is_ok());
        assert!(caps.check(&http("https://data.chain.link/feed")).is_ok());
        assert!(caps.check(&http("https://chain.link/")).is_err());
        assert!(caps.check(&http("https://evilchain.link/")).is_err());
        assert!(caps.check(&http("http://127.0.0.1:8080/price")).is_ok());
        assert!(caps.check(&http("http://127.0.0.1:9090/price")).is_err());
        assert!(caps.check(&http("https://user@api.example.com.evil.io/")).is_err());
        assert_eq!(caps.check(&http("ftp://x")), Err(PermissionError::BadUrl("ftp://x".into())));
        // A wildcard allows every port too; IPv6 literals keep their colons.
        assert!(caps.check(&http("https://data.chain.link:8443/feed")).is_ok());
        let v6 = Capabilities { http: vec![HostPattern("[::1]:8080".into()), HostPattern("[fd00::2]".into())], ..caps };
        assert!(v6.check(&http("http://[::1]:8080/p")).is_ok());
        assert!(v6.check(&http("http://[::1]:9090/p")).is_err());
        assert!(v6.check(&http("http://[fd00::2]:1234/p")).is_ok());
        assert!(v6.check(&http("http://[fd00::3]/p")).is_err());
    }
}
