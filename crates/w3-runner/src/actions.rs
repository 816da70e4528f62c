//! Action files read from disk for the compiler: local actions from the repository, remote
//! ones (`owner/repo@ref`) from an actions directory.

use std::path::{Component, Path, PathBuf};
use w3_compiler::ActionFiles;

/// Reads action files under a repository's root and, optionally, an actions directory.
#[derive(Clone, Debug)]
pub struct DirActionFiles {
    pub repository: PathBuf,
    pub action_dir: Option<PathBuf>,
    /// How messages name the repository's root before a file's path: nothing when it is the
    /// current directory.
    shown_root: Option<PathBuf>,
}

impl DirActionFiles {
    pub fn new(repository: impl Into<PathBuf>, action_dir: Option<PathBuf>) -> Self {
        let repository = repository.into();
        let here = std::env::current_dir().ok();
        let shown_root = match here.as_deref().and_then(|h| repository.strip_prefix(h).ok()) {
            Some(rel) if rel.as_os_str().is_empty() => None,
            Some(rel) => Some(rel.to_path_buf()),
            None => Some(repository.clone()),
        };
        Self { repository, action_dir, shown_root }
    }
}

/// Reads `root/rel`; `None` when it is not a file. `rel` must stay under `root`.
fn read_under(root: &Path, rel: &str) -> Result<Option<Vec<u8>>, String> {
    let rel = Path::new(rel);
    if !rel.components().all(|c| matches!(c, Component::Normal(_))) {
        return Err(format!("{} is not a path inside {}", rel.display(), root.display()));
    }
    let path = root.join(rel);
    if !path.is_file() {
        return Ok(None);
    }
    std::fs::read(&path).map(Some).map_err(|e| format!("{}: {e}", path.display()))
}

impl ActionFiles for DirActionFiles {
    fn repository_file(&self, path: &str) -> Result<Option<Vec<u8>>, String> {
        read_under(&self.repository, path)
    }

    fn action_dir_file(&self, path: &str) -> Result<Option<Vec<u8>>, String> {
        match &self.action_dir {
            Some(dir) => read_under(dir, path),
            None => Ok(None),
        }
    }

    fn repository_root(&self) -> String {
        self.repository.display().to_string()
    }

    fn action_dir(&self) -> Option<String> {
        self.action_dir.as_ref().map(|d| d.display().to_string())
    }

    fn shown_repository_file(&self, path: &str) -> String {
        match &self.shown_root {
            Some(root) => root.join(path).display().to_string(),
            None => path.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_files_under_the_roots_only() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("a")).unwrap();
        std::fs::write(dir.path().join("a/action.yml"), "x").unwrap();
        let files = DirActionFiles::new(dir.path(), None);
        assert_eq!(files.repository_file("a/action.yml").unwrap(), Some(b"x".to_vec()));
        assert_eq!(files.repository_file("a/action.yaml").unwrap(), None);
        assert_eq!(files.repository_file("a").unwrap(), None);
        assert!(files.repository_file("../etc/passwd").is_err());
        assert_eq!(files.action_dir_file("o/r@v1/action.yml").unwrap(), None);
        assert_eq!(files.action_dir(), None);
    }
}
