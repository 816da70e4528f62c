//! A local artifact store: what `actions/upload-artifact` and `actions/download-artifact` do on
//! GitHub, kept in a directory of the run so that the jobs of one run can hand files to each
//! other.
//!
//! Upload takes `path` (one pattern per line, globs allowed, relative to the workspace or
//! absolute inside it; a directory means everything under it) and stores the files relative
//! to the deepest directory that holds them all, as GitHub does. An artifact name is used once
//! per run. Download copies one artifact into a directory of the workspace, or every artifact
//! into a sub-directory named after it.

use std::path::{Path, PathBuf};
use w3_host_api::HostError;

/// Where a run keeps its artifacts: one directory per artifact name.
#[derive(Clone, Debug)]
pub struct ArtifactStore {
    dir: PathBuf,
}

/// What an upload stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Uploaded {
    pub files: usize,
    pub bytes: u64,
}

fn failed(what: String) -> impl FnOnce(std::io::Error) -> HostError {
    move |e| HostError::Failed(format!("{what}: {e}"))
}

/// Checks that an artifact name is one path component GitHub would accept.
fn check_name(name: &str) -> Result<(), HostError> {
    let bad = ['"', ':', '<', '>', '|', '*', '?', '\r', '\n', '\\', '/'];
    if name.is_empty() || name == "." || name == ".." || name.contains(bad) {
        return Err(HostError::Failed(format!("`{name}` is not a valid artifact name")));
    }
    Ok(())
}

/// Resolves `path` against `workspace`, refusing anything outside it (as a step's
/// working directory is resolved).
fn inside(workspace: &Path, path: &str) -> Result<PathBuf, HostError> {
    crate::shell::resolve_workdir(workspace, path)
        .map_err(|_| HostError::Denied(format!("`{path}` lies outside the workspace")))
}

/// Lists the regular files at `path`: itself, or every file under it.
fn files_under(path: &Path, out: &mut Vec<PathBuf>) -> Result<(), HostError> {
    let meta = std::fs::symlink_metadata(path).map_err(failed(format!("reading {}", path.display())))?;
    if meta.is_dir() {
        let entries = std::fs::read_dir(path).map_err(failed(format!("listing {}", path.display())))?;
        let mut children: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        children.sort();
        for child in children {
            files_under(&child, out)?;
        }
    } else if meta.is_file() {
        out.push(path.to_path_buf());
    }
    Ok(())
}

/// Copies the files under `from` into `to`, keeping their relative paths.
fn copy_dir(from: &Path, to: &Path) -> Result<usize, HostError> {
    let mut files = Vec::new();
    files_under(from, &mut files)?;
    for f in &files {
        let rel = f.strip_prefix(from).unwrap_or(f);
        let dst = to.join(rel);
        if let Some(parent) = dst.parent() {
            std::fs::create_dir_all(parent).map_err(failed(format!("creating {}", parent.display())))?;
        }
        std::fs::copy(f, &dst).map_err(failed(format!("copying {}", f.display())))?;
    }
    Ok(files.len())
}

impl ArtifactStore {
    /// Returns the store kept in `dir` (created when the first artifact is uploaded).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    /// Stores the files `patterns` name (one per line) under artifact `name`. With no file,
    /// `if_no_files_found` decides: `error` fails; `warn` (the default) and `ignore` store
    /// nothing and report zero files, as GitHub does.
    pub fn upload(
        &self,
        workspace: &Path,
        name: &str,
        patterns: &str,
        if_no_files_found: &str,
    ) -> Result<Uploaded, HostError> {
        check_name(name)?;
        let mut found = Vec::new();
        for line in patterns.lines().map(str::trim).filter(|l| !l.is_empty()) {
            if line.starts_with('!') {
                return Err(HostError::Unsupported(format!("exclusion patterns (`{line}`) are not supported")));
            }
            let full = inside(workspace, line)?;
            let pattern = full.to_string_lossy().into_owned();
            let matches = glob::glob(&pattern).map_err(|e| HostError::Failed(format!("pattern `{line}`: {e}")))?;
            for m in matches.flatten() {
                files_under(&m, &mut found)?;
            }
        }
        found.sort();
        found.dedup();
        if found.is_empty() {
            return match if_no_files_found {
                "error" => Err(HostError::Failed(format!("no files were found with the provided path: {patterns}"))),
                _ => Ok(Uploaded { files: 0, bytes: 0 }),
            };
        }
        let target = self.dir.join(name);
        if target.exists() {
            return Err(HostError::Failed(format!("an artifact named `{name}` was already uploaded in this run")));
        }
        // The deepest directory holding every file is the artifact's root.
        let mut root = found[0].parent().map(Path::to_path_buf).unwrap_or_default();
        while !found.iter().all(|f| f.starts_with(&root)) {
            if !root.pop() {
                break;
            }
        }
        let mut bytes = 0u64;
        for f in &found {
            let dst = target.join(f.strip_prefix(&root).unwrap_or(f));
            if let Some(parent) = dst.parent() {
                std::fs::create_dir_all(parent).map_err(failed(format!("creating {}", parent.display())))?;
            }
            bytes += std::fs::copy(f, &dst).map_err(failed(format!("copying {}", f.display())))?;
        }
        Ok(Uploaded { files: found.len(), bytes })
    }

    /// Copies artifact `name` into `path` (relative to the workspace; default the workspace),
    /// or, without a name, every artifact into `path/<name>`. Returns the directory written.
    pub fn download(&self, workspace: &Path, name: Option<&str>, path: Option<&str>) -> Result<PathBuf, HostError> {
        let dest = inside(workspace, path.filter(|p| !p.is_empty()).unwrap_or("."))?;
        match name.filter(|n| !n.is_empty()) {
            Some(name) => {
                check_name(name)?;
                let src = self.dir.join(name);
                if !src.is_dir() {
                    return Err(HostError::Failed(format!("no artifact named `{name}` was uploaded in this run")));
                }
                copy_dir(&src, &dest)?;
            }
            None => {
                let Ok(entries) = std::fs::read_dir(&self.dir) else { return Ok(dest) };
                let mut names: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
                names.sort();
                for src in names {
                    let Some(n) = src.file_name() else { continue };
                    copy_dir(&src, &dest.join(n))?;
                }
            }
        }
        // Files copied by root belong to whoever owns the workspace (the steps' user).
        if crate::sandbox::running_as_root() {
            use std::os::unix::fs::MetadataExt;
            let owner = std::fs::metadata(workspace).map_err(failed(format!("reading {}", workspace.display())))?;
            if owner.uid() != 0 && dest.exists() {
                let id = crate::Identity { uid: owner.uid(), gid: owner.gid() };
                crate::sandbox::chown_tree(&dest, id).map_err(|e| HostError::Failed(e.to_string()))?;
            }
        }
        Ok(dest)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(root: &Path, rel: &str, text: &str) {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    #[test]
    fn upload_then_download_keeps_paths_below_the_common_root() {
        let ws = tempfile::tempdir().unwrap();
        let store_dir = tempfile::tempdir().unwrap();
        let store = ArtifactStore::new(store_dir.path().join("artifacts"));
        write(ws.path(), "dist/a.txt", "a");
        write(ws.path(), "dist/sub/b.txt", "bb");
        write(ws.path(), "dist/c.log", "c");
        let up = store.upload(ws.path(), "build", "dist/*.txt\ndist/sub\n", "warn").unwrap();
        assert_eq!(up, Uploaded { files: 2, bytes: 3 });
        let out = store.download(ws.path(), Some("build"), Some("got")).unwrap();
        assert_eq!(std::fs::read_to_string(out.join("a.txt")).unwrap(), "a");
        assert_eq!(std::fs::read_to_string(out.join("sub/b.txt")).unwrap(), "bb");
        assert!(!out.join("c.log").exists());
        // Every artifact, each in a directory of its name.
        write(ws.path(), "report.md", "r");
        store.upload(ws.path(), "report", "report.md", "warn").unwrap();
        let all = store.download(ws.path(), None, Some("all")).unwrap();
        assert!(all.join("build/a.txt").is_file() && all.join("report/report.md").is_file());
    }

    #[test]
    fn bad_uploads_and_downloads_are_clear_errors() {
        let ws = tempfile::tempdir().unwrap();
        let store_dir = tempfile::tempdir().unwrap();
        let store = ArtifactStore::new(store_dir.path());
        write(ws.path(), "f", "x");
        assert_eq!(store.upload(ws.path(), "x", "missing/*", "ignore"), Ok(Uploaded { files: 0, bytes: 0 }));
        assert!(matches!(store.upload(ws.path(), "x", "missing", "error"), Err(HostError::Failed(_))));
        assert!(matches!(store.upload(ws.path(), "x", "../outside", "warn"), Err(HostError::Denied(_))));
        assert!(matches!(store.upload(ws.path(), "a/b", "f", "warn"), Err(HostError::Failed(_))));
        store.upload(ws.path(), "once", "f", "warn").unwrap();
        let again = store.upload(ws.path(), "once", "f", "warn").unwrap_err();
        assert!(again.to_string().contains("already uploaded"), "{again}");
        let none = store.download(ws.path(), Some("nope"), None).unwrap_err();
        assert!(none.to_string().contains("no artifact named `nope`"), "{none}");
        assert!(matches!(store.download(ws.path(), Some("once"), Some("../../x")), Err(HostError::Denied(_))));
    }
}
