//! Sections that appear at several levels: permissions, env, defaults, concurrency, containers,
//! and the W3 extensions `verification` and `w3`.

use super::scalar;
use crate::ast::fields::{node_kind, unique_ids, Cx, Fields};
use crate::ast::{
    Capabilities, Concurrency, Container, Credentials, Defaults, DefaultsRun, Env, EnvVar, ExprOr, Permissions, Str,
    Verification,
};
use crate::span::Pos;
use crate::yaml::{Node, NodeKind};

/// Reads `permissions:`: a single string (`read-all`, `write-all`) or scopes.
pub(super) fn permissions(cx: &mut Cx, node: &Node) -> Option<Permissions> {
    match &node.kind {
        NodeKind::Scalar { .. } if !node.is_null() => scalar(node).map(Permissions::All),
        _ => {
            let entries = cx.map(node, "permissions")?;
            let mut scopes = Vec::new();
            for (scope, value) in unique_ids(cx, entries, "\"permissions\" section") {
                if let Some(level) = cx.string(value, "permissions") {
                    scopes.push((scope, level));
                }
            }
            Some(Permissions::Scopes { pos: node.pos(), scopes })
        }
    }
}

/// Reads `env:`: a mapping of variables, or one expression.
pub(super) fn env(cx: &mut Cx, node: &Node, what: &str) -> Option<Env> {
    if let Some(s) = scalar(node).filter(|_| !node.is_null()) {
        if s.is_single_expr() {
            return Some(Env::Expr(s));
        }
        cx.err(node.pos(), format!("expecting a single ${{{{...}}}} expression or mapping value for \"{what}\" section, but found plain text node"));
        return None;
    }
    let entries = cx.map(node, what)?;
    let mut vars = Vec::new();
    for (name, value) in unique_ids(cx, entries, &format!("\"{what}\" section")) {
        match &value.kind {
            NodeKind::Scalar { .. } => {
                let mut v = scalar(value)?;
                if value.is_null() {
                    v.value.clear();
                }
                vars.push(EnvVar { name, value: v });
            }
            _ => cx.err(
                value.pos(),
                format!(
                    "value of environment variable \"{}\" must be a string, number or boolean, but found {} node",
                    name.value,
                    node_kind(value)
                ),
            ),
        }
    }
    Some(Env::Vars { pos: node.pos(), vars })
}

/// Reads `defaults:`.
pub(super) fn defaults(cx: &mut Cx, node: &Node) -> Option<Defaults> {
    let entries = cx.nonempty_map(node, "defaults")?;
    let f = Fields::new(cx, entries, "\"defaults\" section", &["run"]);
    let run = f.get("run").and_then(|n| {
        let entries = cx.nonempty_map(n, "run")?;
        let f = Fields::new(cx, entries, "\"run\" section", &["shell", "working-directory"]);
        Some(DefaultsRun {
            pos: n.pos(),
            shell: f.get("shell").and_then(|n| cx.nonempty_string(n, "shell")),
            working_directory: f.get("working-directory").and_then(|n| cx.nonempty_string(n, "working-directory")),
        })
    });
    Some(Defaults { pos: node.pos(), run })
}

/// Reads `concurrency:`: a group name, or `{group, cancel-in-progress}`.
pub(super) fn concurrency(cx: &mut Cx, key: Pos, node: &Node) -> Option<Concurrency> {
    if let NodeKind::Scalar { .. } = node.kind {
        let group = cx.nonempty_string(node, "concurrency");
        return Some(Concurrency { pos: node.pos(), group, cancel_in_progress: None });
    }
    let entries = cx.map(node, "concurrency")?;
    let f = Fields::new(cx, entries, "\"concurrency\" section", &["group", "cancel-in-progress"]);
    let group = f.get("group").and_then(|n| cx.nonempty_string(n, "group"));
    if !f.has("group") {
        cx.err(key, "group name is missing in \"concurrency\" section");
    }
    let cancel_in_progress = f.get("cancel-in-progress").and_then(|n| cx.bool_or_expr(n, "cancel-in-progress"));
    Some(Concurrency { pos: node.pos(), group, cancel_in_progress })
}

/// Reads `container:` or a service: an image name, or the detailed mapping.
pub(super) fn container(cx: &mut Cx, key: Pos, node: &Node, what: &str, service: bool) -> Option<Container> {
    let mut c = Container {
        pos: node.pos(),
        image: None,
        credentials: None,
        env: None,
        ports: Vec::new(),
        volumes: Vec::new(),
        options: None,
        entrypoint: None,
        command: None,
    };
    if let NodeKind::Scalar { .. } = node.kind {
        c.image = cx.nonempty_string(node, "image");
        return Some(c);
    }
    let entries = cx.map(node, what)?;
    let keys: &[&str] = if service {
        &["image", "credentials", "env", "ports", "volumes", "options", "entrypoint", "command"]
    } else {
        &["image", "credentials", "env", "ports", "volumes", "options"]
    };
    let f = Fields::new(cx, entries, &format!("\"{what}\" section"), keys);
    match f.get("image") {
        Some(n) => c.image = cx.nonempty_string(n, "image"),
        None => cx.err(key, format!("\"image\" is missing in \"{what}\" section")),
    }
    c.credentials = f.entry("credentials").and_then(|e| credentials(cx, e.key.pos(), &e.value));
    c.env = f.get("env").and_then(|n| env(cx, n, "env"));
    c.ports =
        f.entry("ports").and_then(|e| cx.sequence(&e.key, &e.value, "ports")).map(|s| s.items).unwrap_or_default();
    c.volumes =
        f.entry("volumes").and_then(|e| cx.sequence(&e.key, &e.value, "volumes")).map(|s| s.items).unwrap_or_default();
    c.options = f.get("options").and_then(|n| cx.string(n, "options"));
    c.entrypoint = f.get("entrypoint").and_then(|n| cx.string(n, "entrypoint"));
    c.command = f.get("command").and_then(|n| cx.string(n, "command"));
    Some(c)
}

fn credentials(cx: &mut Cx, key: Pos, node: &Node) -> Option<Credentials> {
    if let Some(expr) = scalar(node).filter(Str::is_single_expr) {
        return Some(Credentials { pos: node.pos(), expr: Some(expr), username: None, password: None });
    }
    let entries = cx.map(node, "credentials")?;
    let f = Fields::new(cx, entries, "\"credentials\" section", &["username", "password"]);
    let username = f.get("username").and_then(|n| cx.nonempty_string(n, "username"));
    let password = f.get("password").and_then(|n| cx.nonempty_string(n, "password"));
    if !f.has("username") || !f.has("password") {
        cx.err(key, "both \"username\" and \"password\" must be specified in \"credentials\" section");
    }
    Some(Credentials { pos: node.pos(), expr: None, username, password })
}

/// Reads `verification:` (W3): `onchain`, or `{ policy: shadow, replicas: 3 }`.
pub(super) fn verification(cx: &mut Cx, key: Pos, node: &Node) -> Option<Verification> {
    if let NodeKind::Scalar { .. } = node.kind {
        let policy = cx.nonempty_string(node, "verification");
        return Some(Verification { pos: node.pos(), policy, replicas: None });
    }
    let entries = cx.map(node, "verification")?;
    let f = Fields::new(cx, entries, "\"verification\" section", &["policy", "replicas"]);
    let policy = f.get("policy").and_then(|n| cx.nonempty_string(n, "policy"));
    if !f.has("policy") {
        cx.err(key, "\"policy\" is missing in \"verification\" section");
    }
    let replicas = f.get("replicas").and_then(|n| cx.int_or_expr(n, "replicas"));
    Some(Verification { pos: node.pos(), policy, replicas })
}

/// Reads the `w3:` capability block (W3).
pub(super) fn capabilities(cx: &mut Cx, node: &Node) -> Option<Capabilities> {
    let entries = cx.map(node, "w3")?;
    let f = Fields::new(cx, entries, "\"w3\" section", &["http", "network", "storage", "gas"]);
    Some(Capabilities {
        pos: node.pos(),
        http: f.entry("http").and_then(|e| cx.strings(&e.key, &e.value, "http", true)),
        network: f.get("network").and_then(|n| cx.bool_or_expr(n, "network")),
        storage: f.entry("storage").and_then(|e| cx.strings(&e.key, &e.value, "storage", true)),
        gas: f.get("gas").and_then(|n| cx.int_or_expr(n, "gas")),
    })
}

/// Reads `key: string` pairs of a mapping such as `outputs:` or `secrets:`.
pub(super) fn string_map(cx: &mut Cx, node: &Node, what: &str) -> Vec<(Str, Str)> {
    let Some(entries) = cx.map(node, what) else { return Vec::new() };
    unique_ids(cx, entries, &format!("\"{what}\" section"))
        .into_iter()
        .filter_map(|(k, v)| cx.string(v, what).map(|v| (k, v)))
        .collect()
}

/// Reads a number-or-expression that must be greater than zero.
pub(super) fn positive(cx: &mut Cx, node: &Node, what: &str) -> Option<ExprOr<f64>> {
    let v = cx.number_or_expr(node, what)?;
    check_positive(cx, v, what)
}

/// Reads an integer-or-expression that must be greater than zero.
pub(super) fn positive_int(cx: &mut Cx, node: &Node, what: &str) -> Option<ExprOr<f64>> {
    let v = cx.int_or_expr(node, what)?;
    check_positive(cx, v, what)
}

fn check_positive(cx: &mut Cx, v: ExprOr<f64>, what: &str) -> Option<ExprOr<f64>> {
    if let ExprOr::Lit { value, pos } = &v {
        if *value <= 0.0 {
            cx.err(*pos, format!("value at \"{what}\" must be greater than zero: {value}"));
        }
    }
    Some(v)
}
