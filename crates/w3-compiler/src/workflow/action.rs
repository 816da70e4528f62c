//! Finding the actions a workflow uses at compile time: local actions (`uses: ./path`) in the
//! repository, and `owner/repo[/path]@ref` in an actions directory. The compiler does no IO of
//! its own: the caller hands it an [`ActionFiles`] that reads files, and every file read is
//! hashed into the manifest.

use crate::error::CompileError;
use std::collections::BTreeMap;
use std::rc::Rc;
use w3_dsl::ast::{self, Action, RunsKind, Str};
use w3_dsl::Pos;

/// The hidden context holding the actions directory's path on the machine that runs the
/// workflow (the runner gives it): where `github.action_path` of its actions points.
/// Expressions cannot name it (a context name has no dot).
pub const ACTIONS_CONTEXT: &str = "w3.actions";

/// Composite actions may use other actions up to this depth.
pub const MAX_ACTION_DEPTH: usize = 16;

/// Where the compiler reads the files of the actions a workflow uses. Paths are relative and
/// `/`-separated, without `.` or `..` segments.
pub trait ActionFiles: std::fmt::Debug {
    /// Returns the bytes of file `path` of the repository, or `None` when there is no such file.
    fn repository_file(&self, path: &str) -> Result<Option<Vec<u8>>, String>;
    /// Returns the bytes of file `path` of the actions directory (`owner/repo@ref/action.yml`),
    /// or `None` when there is no such file or no actions directory.
    fn action_dir_file(&self, path: &str) -> Result<Option<Vec<u8>>, String>;
    /// Names the repository's root in messages.
    fn repository_root(&self) -> String;
    /// Names the actions directory in messages; `None` when there is none.
    fn action_dir(&self) -> Option<String>;
    /// Returns how messages name file `path` of the repository (by default, `path` itself).
    fn shown_repository_file(&self, path: &str) -> String {
        path.to_string()
    }
}

/// Action files held in memory (for tests, and to recompile a recorded run).
#[derive(Clone, Debug, Default)]
pub struct MemoryActionFiles {
    pub repository: BTreeMap<String, Vec<u8>>,
    /// `None`: no actions directory.
    pub action_dir: Option<BTreeMap<String, Vec<u8>>>,
}

impl ActionFiles for MemoryActionFiles {
    fn repository_file(&self, path: &str) -> Result<Option<Vec<u8>>, String> {
        Ok(self.repository.get(path).cloned())
    }

    fn action_dir_file(&self, path: &str) -> Result<Option<Vec<u8>>, String> {
        Ok(self.action_dir.as_ref().and_then(|d| d.get(path).cloned()))
    }

    fn repository_root(&self) -> String {
        "the repository".into()
    }

    fn action_dir(&self) -> Option<String> {
        self.action_dir.as_ref().map(|_| "the actions directory".into())
    }
}

/// Where a resolved action lives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Origin {
    /// A directory of the repository (`""` for its root).
    Repository(String),
    /// A directory of the actions directory: `owner/repo@ref[/path]`.
    ActionDir(String),
}

/// An action found at compile time.
#[derive(Debug)]
pub(crate) struct Resolved {
    /// The `uses:` value, as written.
    pub uses: String,
    pub origin: Origin,
    /// The metadata file, relative to the repository or the actions directory: the name the
    /// debug map and the manifest use (never an absolute path).
    pub file: String,
    /// The metadata file as messages name it: under the actions directory's name for an
    /// action from there.
    pub shown: String,
    pub action: Action,
}

impl Resolved {
    /// The action's directory, relative to its root.
    pub fn dir(&self) -> &str {
        match &self.origin {
            Origin::Repository(d) | Origin::ActionDir(d) => d,
        }
    }

    /// The key that identifies the action (for cycles).
    pub fn key(&self) -> String {
        match &self.origin {
            Origin::Repository(d) => format!("./{d}"),
            Origin::ActionDir(d) => d.clone(),
        }
    }

    /// Whether the action is a JavaScript action with a `post:` script.
    pub fn has_post(&self) -> bool {
        matches!(self.action.runs.as_ref().map(|r| &r.kind), Some(RunsKind::Node { post: Some(_), .. }))
    }

    /// `using:` of the action.
    pub fn using(&self) -> &str {
        self.action.runs.as_ref().map_or("", |r| r.using.value.as_str())
    }
}

/// A file an action brought into the compilation, hashed for the manifest.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct ActionFile {
    pub uses: String,
    pub using: String,
    pub file: String,
    pub hash: String,
}

/// Normalizes `./a/../b/` into `b`; `None` when it leaves the root.
fn normalize(rel: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    for p in rel.split('/') {
        match p {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    Some(parts.join("/"))
}

fn join(dir: &str, file: &str) -> String {
    if dir.is_empty() {
        file.to_string()
    } else {
        format!("{dir}/{file}")
    }
}

pub(crate) fn blake3_hex(bytes: &[u8]) -> String {
    let hash = blake3::hash(bytes);
    format!("blake3:{}", hash.as_bytes().iter().map(|b| format!("{b:02x}")).collect::<String>())
}

/// What resolving a `uses:` found.
pub(crate) enum Found {
    /// Not an action the compiler resolves (a Smart Action, `docker://`, a remote action with
    /// no actions directory holding it): the step stays a host call.
    Host,
    Action {
        resolved: Rc<Resolved>,
        bytes: Vec<u8>,
    },
}

/// Reads `dir/action.yml` (else `action.yaml`) through `read`.
fn read_metadata(
    read: impl Fn(&str) -> Result<Option<Vec<u8>>, String>,
    dir: &str,
    at: Pos,
) -> Result<Option<(String, Vec<u8>)>, CompileError> {
    for name in ["action.yml", "action.yaml"] {
        let path = join(dir, name);
        match read(&path) {
            Ok(Some(bytes)) => return Ok(Some((path, bytes))),
            Ok(None) => {}
            Err(e) => return Err(CompileError::at(at, format!("{path}: {e}"))),
        }
    }
    Ok(None)
}

/// Resolves `uses` with `files`: `./path` must be found in the repository; `owner/repo@ref`
/// is looked up in the actions directory.
pub(crate) fn resolve(files: &dyn ActionFiles, uses: &Str) -> Result<Found, CompileError> {
    let value = uses.value.as_str();
    let at = uses.pos;
    let (origin, read, describe) = if let Some(rel) =
        value.strip_prefix("./").or(if value == "." { Some("") } else { None })
    {
        let Some(dir) = normalize(rel) else {
            return Err(CompileError::at(at, format!("`{value}` leaves the repository")));
        };
        let found = read_metadata(|p| files.repository_file(p), &dir, at)?;
        let Some(found) = found else {
            return Err(CompileError::at(
                at,
                format!(
                    "{} not found under {}: w3 compiles local actions at deploy time, so they must be in the repository",
                    if dir.is_empty() { "./action.yml".to_string() } else { format!("./{dir}/action.yml") },
                    files.repository_root()
                ),
            ));
        };
        (Origin::Repository(dir), found, files.repository_root())
    } else if value.starts_with("docker://") || value.starts_with("w3/") || !value.contains('@') {
        return Ok(Found::Host);
    } else {
        let Some(dir_name) = files.action_dir() else { return Ok(Found::Host) };
        let Some(dir) = remote_dir(value) else { return Ok(Found::Host) };
        let Some(found) = read_metadata(|p| files.action_dir_file(p), &dir, at)? else { return Ok(Found::Host) };
        (Origin::ActionDir(dir), found, dir_name)
    };
    let (file, bytes) = read;
    let shown = match &origin {
        Origin::Repository(_) => files.shown_repository_file(&file),
        Origin::ActionDir(_) => format!("{describe}/{file}"),
    };
    let text =
        String::from_utf8(bytes.clone()).map_err(|_| CompileError::at(at, format!("{shown} is not valid UTF-8")))?;
    let parsed = ast::parse_action(&text);
    if let Some(d) = parsed.diagnostics.iter().find(|d| d.severity == w3_dsl::Severity::Error) {
        return Err(CompileError::Action {
            file: shown,
            pos: d.span.start,
            message: format!("{} [{}] (the action `{value}` used at line {})", d.message, d.rule, at.line),
        });
    }
    let action = parsed.action.unwrap_or_default();
    let resolved = Resolved { uses: value.to_string(), origin, file, shown, action };
    Ok(Found::Action { resolved: Rc::new(resolved), bytes })
}

/// Returns `owner/repo@ref[/path]` for `owner/repo[/path]@ref`, the directory an actions
/// directory keeps that action in.
pub fn remote_dir(uses: &str) -> Option<String> {
    let (path, git_ref) = uses.rsplit_once('@')?;
    let mut parts = path.splitn(3, '/');
    let (owner, repo) = (parts.next()?, parts.next()?);
    if owner.is_empty() || repo.is_empty() || git_ref.split('/').any(|s| s.is_empty() || s == "." || s == "..") {
        return None;
    }
    let base = format!("{owner}/{repo}@{git_ref}");
    match parts.next() {
        Some(sub) => Some(join(&base, &normalize(sub)?)),
        None => Some(base),
    }
}

/// Checks what the compiler can run: composite and JavaScript actions.
pub(crate) fn check_runs(r: &Resolved, at: Pos) -> Result<(), CompileError> {
    let Some(runs) = &r.action.runs else {
        return Err(CompileError::Action {
            file: r.shown.clone(),
            pos: r.action.pos,
            message: "the action has no `runs:`".into(),
        });
    };
    let unsupported = |message: String| CompileError::Action { file: r.shown.clone(), pos: runs.using.pos, message };
    match &runs.kind {
        RunsKind::Composite { .. } => Ok(()),
        RunsKind::Node { pre_if, post_if, .. } => {
            for (cond, key) in [(pre_if, "pre-if"), (post_if, "post-if")] {
                if let Some(cond) = cond {
                    check_condition(cond, key).map_err(|message| CompileError::Action {
                        file: r.shown.clone(),
                        pos: cond.pos,
                        message,
                    })?;
                }
            }
            if !["node12", "node16", "node20", "node24"].contains(&runs.using.value.as_str()) {
                return Err(unsupported(format!("`using: {}` is not a Node.js version GitHub runs (node12, node16, node20, node24)", runs.using.value)));
            }
            Ok(())
        }
        RunsKind::Docker => Err(unsupported(format!(
            "Docker actions (`using: docker`) are not supported by w3: `{}` used at line {} needs a container runtime; use a composite or JavaScript action",
            r.uses, at.line
        ))),
        RunsKind::Other => Err(unsupported(format!(
            "`using: {}` is not a kind of action GitHub runs (composite, node20, node24, docker)",
            runs.using.value
        ))),
    }
}

/// Checks that `pre-if:` or `post-if:` (`key`) parses (it is compiled where that step runs, in
/// the job).
fn check_condition(cond: &Str, key: &str) -> Result<(), String> {
    let text = cond.value.trim();
    let source = match text.strip_prefix("${{").and_then(|t| t.strip_suffix("}}")) {
        Some(inner) if !inner.contains("${{") => inner,
        _ if text.contains("${{") => return Ok(()),
        _ => text,
    };
    let options = w3_dsl::expr::ParseOptions::new()
        .named_values(w3_dsl::expr::WORKFLOW_CONTEXTS)
        .functions(w3_dsl::expr::FunctionSig::status_functions())
        .function(w3_dsl::expr::FunctionSig::hash_files());
    w3_dsl::expr::Expression::parse(source, &options).map(|_| ()).map_err(|e| format!("`{key}`: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_normalize_and_stay_inside() {
        assert_eq!(normalize("a/./b/../c/").as_deref(), Some("a/c"));
        assert_eq!(normalize("").as_deref(), Some(""));
        assert_eq!(normalize("../x"), None);
        assert_eq!(remote_dir("o/r@v1").as_deref(), Some("o/r@v1"));
        assert_eq!(remote_dir("o/r/sub/dir@main").as_deref(), Some("o/r@main/sub/dir"));
        assert_eq!(remote_dir("o/r/../../x@v1"), None);
        assert_eq!(remote_dir("o@v1"), None);
    }
}
