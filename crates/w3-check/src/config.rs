//! The linter's configuration, read from `.github/actionlint.yaml` (or `.yml`) so that settings
//! teams already keep for actionlint carry over unchanged.

use std::path::{Path, PathBuf};
use w3_dsl::yaml::{self, Node, NodeKind};

/// Settings that change what the rules accept.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Config {
    /// Labels of self-hosted runners, accepted by the `runner-label` rule.
    pub self_hosted_runner_labels: Vec<String>,
    /// Names of configuration variables (`vars.*`); `None` means any name is accepted.
    pub config_variables: Option<Vec<String>>,
    /// Where the configuration was read from, if anywhere.
    pub source: Option<PathBuf>,
}

/// Why a configuration file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("could not read config file {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("{path}:{line}:{col}: {message}")]
    Invalid { path: PathBuf, line: u32, col: u32, message: String },
}

impl Config {
    /// Finds `.github/actionlint.yaml` or `.github/actionlint.yml` in `dir` or its ancestors and
    /// reads it; returns the default configuration when there is none.
    pub fn discover(dir: &Path) -> Result<Config, ConfigError> {
        for d in dir.ancestors() {
            for name in ["actionlint.yaml", "actionlint.yml"] {
                let p = d.join(".github").join(name);
                if p.is_file() {
                    return Config::load(&p);
                }
            }
        }
        Ok(Config::default())
    }

    /// Reads the configuration file at `path`.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read { path: path.into(), source })?;
        let mut cfg = Config::parse(&text).map_err(|(pos, message)| ConfigError::Invalid {
            path: path.into(),
            line: pos.line,
            col: pos.col,
            message,
        })?;
        cfg.source = Some(path.into());
        Ok(cfg)
    }

    /// Parses the text of a configuration file.
    pub fn parse(text: &str) -> Result<Config, (w3_dsl::Pos, String)> {
        let loaded = yaml::load(text, &yaml::LoadOptions::default());
        if let Some(d) = loaded.diagnostics.into_iter().find(|d| d.severity == w3_dsl::Severity::Error) {
            return Err((d.span.start, d.message));
        }
        let mut cfg = Config::default();
        let Some(root) = loaded.root else { return Ok(cfg) };
        if root.is_null() {
            return Ok(cfg);
        }
        let entries = root.as_map().ok_or((root.pos(), "config must be a mapping".to_string()))?;
        for e in entries {
            match e.key.as_scalar() {
                Some("self-hosted-runner") => {
                    let Some(inner) = e.value.as_map() else {
                        if e.value.is_null() {
                            continue;
                        }
                        return Err((e.value.pos(), "\"self-hosted-runner\" must be a mapping with \"labels\"".into()));
                    };
                    for i in inner {
                        if i.key.as_scalar() == Some("labels") {
                            cfg.self_hosted_runner_labels = strings(&i.value)?;
                        }
                    }
                }
                Some("config-variables") => {
                    cfg.config_variables = if e.value.is_null() { None } else { Some(strings(&e.value)?) };
                }
                // `paths` (per-path ignore patterns) is read by actionlint; w3 accepts the key.
                Some("paths") => {}
                Some(other) => return Err((e.key.pos(), format!("unknown key \"{other}\" in config"))),
                None => return Err((e.key.pos(), "config keys must be strings".into())),
            }
        }
        Ok(cfg)
    }
}

fn strings(node: &Node) -> Result<Vec<String>, (w3_dsl::Pos, String)> {
    match &node.kind {
        NodeKind::Seq(items) => items
            .iter()
            .map(|n| n.as_scalar().map(str::to_string).ok_or((n.pos(), "expected a string".to_string())))
            .collect(),
        _ if node.is_null() => Ok(Vec::new()),
        _ => Err((node.pos(), "expected a sequence of strings".into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_actionlint_config() {
        let cfg = Config::parse("self-hosted-runner:\n  labels: [gpu, 'linux-*']\nconfig-variables: [FOO]\n").unwrap();
        assert_eq!(cfg.self_hosted_runner_labels, vec!["gpu", "linux-*"]);
        assert_eq!(cfg.config_variables, Some(vec!["FOO".to_string()]));
        assert!(Config::parse("bogus: 1\n").is_err());
        assert_eq!(Config::parse("").unwrap(), Config::default());
    }
}
