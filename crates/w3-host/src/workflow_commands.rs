//! Workflow commands: the `::name key=value,...::message` lines a step prints to talk to its
//! runner, as GitHub's runner reads them from stdout and stderr.
//!
//! [`scan`] reads a step's output once and says, line by line, what is plain text and what is a
//! command, honouring `::stop-commands::TOKEN` (commands are plain text until `::TOKEN::`). The
//! shell host takes the commands that change state (`set-output`, `save-state`, and the
//! disabled `set-env` and `add-path`, which fail the step); a runner's log takes the rest
//! (`add-mask`, `group`, `endgroup`, `debug`, `notice`, `warning`, `error`). Both read the
//! same bytes with the same function, so they never disagree about which line is a command.

/// One workflow command.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Command {
    /// The command's name, such as `add-mask` (lower case as written; names are case-sensitive).
    pub name: String,
    /// The `key=value` properties, unescaped, in the order written.
    pub props: Vec<(String, String)>,
    /// The text after the second `::`, unescaped.
    pub message: String,
}

impl Command {
    /// Returns property `key`.
    pub fn prop(&self, key: &str) -> Option<&str> {
        self.props.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }
}

/// A line of a step's output.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Line<'a> {
    /// Text to show (masked) in the log.
    Text(&'a str),
    /// A command, not shown as it was written.
    Command(Command),
}

/// Undoes the escapes of a command's message: `%25` `%0D` `%0A`.
fn unescape_data(s: &str) -> String {
    s.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")
}

/// Undoes the escapes of a property value: those of a message, plus `%3A` and `%2C`.
fn unescape_property(s: &str) -> String {
    s.replace("%0D", "\r").replace("%0A", "\n").replace("%3A", ":").replace("%2C", ",").replace("%25", "%")
}

/// Parses one line as a command: `::name::message` or `::name key=value,key=value::message`,
/// after leading whitespace. Returns `None` for any other line (a line that merely starts with
/// `::` but has no second `::` is text, as on GitHub).
pub fn parse(line: &str) -> Option<Command> {
    let rest = line.trim_start().strip_prefix("::")?;
    let (head, message) = rest.split_once("::")?;
    let (name, props) = match head.split_once(' ') {
        Some((name, props)) => (name, props),
        None => (head, ""),
    };
    if name.is_empty() {
        return None;
    }
    let props = props
        .split(',')
        .filter(|p| !p.trim().is_empty())
        .filter_map(|p| p.split_once('='))
        .map(|(k, v)| (k.trim().to_string(), unescape_property(v)))
        .collect();
    let message = unescape_data(message.strip_suffix('\r').unwrap_or(message));
    Some(Command { name: name.to_string(), props, message })
}

/// Reads `output` line by line into text and commands, honouring `stop-commands`.
pub fn scan(output: &str) -> Vec<Line<'_>> {
    let mut stopped: Option<String> = None;
    let mut lines = Vec::new();
    for line in output.lines() {
        let command = parse(line);
        match (&stopped, command) {
            (Some(token), Some(c)) if c.name == *token => stopped = None,
            (Some(_), _) | (None, None) => lines.push(Line::Text(line)),
            (None, Some(c)) if c.name == "stop-commands" && !c.message.is_empty() => stopped = Some(c.message),
            (None, Some(c)) => lines.push(Line::Command(c)),
        }
    }
    lines
}

/// What the state-changing commands of a step's output amount to.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Effects {
    /// `set-output name=N::value`, in order.
    pub outputs: Vec<(String, String)>,
    /// `save-state name=N::value`, in order.
    pub state: Vec<(String, String)>,
    /// Lines for the log about commands that could not be carried out; any fails the step.
    pub errors: Vec<String>,
}

/// Collects the state-changing commands of `output`. `set-env` and `add-path` are refused, as
/// GitHub refuses them by default: they let any printed text change the environment of later
/// steps. w3 has no `ACTIONS_ALLOW_UNSECURE_COMMANDS` escape; `$GITHUB_ENV` and `$GITHUB_PATH`
/// do the same safely.
pub fn effects(output: &str) -> Effects {
    let mut fx = Effects::default();
    for line in scan(output) {
        let Line::Command(c) = line else { continue };
        let slot = match c.name.as_str() {
            "set-output" => &mut fx.outputs,
            "save-state" => &mut fx.state,
            "set-env" | "add-path" => {
                let file = if c.name == "set-env" { "GITHUB_ENV" } else { "GITHUB_PATH" };
                let props: Vec<String> = c.props.iter().map(|(k, v)| format!("{k}={v}")).collect();
                let head = if props.is_empty() { c.name.clone() } else { format!("{} {}", c.name, props.join(",")) };
                fx.errors.push(format!(
                    "Error: the `{}` command is disabled: write to ${file} instead (`::{head}::{}`)",
                    c.name, c.message
                ));
                continue;
            }
            _ => continue,
        };
        match c.prop("name") {
            Some(name) if !name.is_empty() => slot.push((name.to_string(), c.message.clone())),
            _ => fx.errors.push(format!("Error: the `{}` command needs a `name` property", c.name)),
        }
    }
    fx
}

#[cfg(test)]
mod tests {
    use super::*;

    fn command(name: &str, props: &[(&str, &str)], message: &str) -> Command {
        Command {
            name: name.into(),
            props: props.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            message: message.into(),
        }
    }

    #[test]
    fn parses_commands_and_their_escapes() {
        assert_eq!(parse("::add-mask::s3cr3t"), Some(command("add-mask", &[], "s3cr3t")));
        assert_eq!(
            parse("  ::error file=a.rs,line=3,title=x%2Cy%3Az::bad%0Athing 100%25"),
            Some(command("error", &[("file", "a.rs"), ("line", "3"), ("title", "x,y:z")], "bad\nthing 100%"))
        );
        assert_eq!(parse("::endgroup::"), Some(command("endgroup", &[], "")));
        assert_eq!(parse("::set-output name=a::b::c"), Some(command("set-output", &[("name", "a")], "b::c")));
        for text in ["plain", ":: no second", "::::empty name", "a ::x::y"] {
            assert_eq!(parse(text), None, "{text}");
        }
    }

    #[test]
    fn stop_commands_turns_commands_into_text_until_the_token() {
        let out = "::stop-commands::tok\n::add-mask::x\n::tok::\n::add-mask::y\n";
        assert_eq!(
            scan(out),
            [Line::Text("::add-mask::x"), Line::Command(command("add-mask", &[], "y"))],
            "the stop and resume lines are not shown"
        );
    }

    #[test]
    fn effects_keep_order_and_refuse_disabled_commands() {
        let out = "::set-output name=a::1\nhello\n::save-state name=s::st\n::set-output name=a::2\n::set-env name=X::y\n::set-output::nameless\n";
        let fx = effects(out);
        assert_eq!(fx.outputs, [("a".to_string(), "1".to_string()), ("a".to_string(), "2".to_string())]);
        assert_eq!(fx.state, [("s".to_string(), "st".to_string())]);
        assert_eq!(fx.errors.len(), 2, "{fx:?}");
        assert!(fx.errors[0].contains("`set-env` command is disabled"), "{fx:?}");
        assert!(fx.errors[1].contains("needs a `name`"), "{fx:?}");
    }
}
