//! Says what an expression may refer to: its named values (contexts), extension functions and
//! limits.

use std::collections::HashSet;
use w3_value::text::fold;

/// Deepest syntax tree GitHub accepts.
pub const MAX_DEPTH: usize = 50;
/// Longest expression GitHub accepts, in characters.
pub const MAX_LENGTH: usize = 21_000;
/// Deepest tree any [`ParseOptions`] may allow, so that evaluation cannot exhaust the stack.
const DEPTH_CEILING: usize = 100;

/// The contexts available somewhere in a workflow: the named values `w3 expr` offers by default.
pub const WORKFLOW_CONTEXTS: [&str; 12] =
    ["github", "env", "vars", "job", "jobs", "steps", "runner", "secrets", "strategy", "matrix", "needs", "inputs"];

/// Describes a function the caller adds to the language: its name and how many arguments it
/// takes. The evaluator calls it through [`ExtensionFunctions`](super::ExtensionFunctions).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct FunctionSig {
    /// The name as documented, e.g. `hashFiles`; calls match it ignoring case.
    pub name: String,
    /// Fewest arguments.
    pub min_args: usize,
    /// Most arguments.
    pub max_args: usize,
}

impl FunctionSig {
    /// Returns the signature of `name` taking `min_args..=max_args` arguments.
    pub fn new(name: impl Into<String>, min_args: usize, max_args: usize) -> Self {
        Self { name: name.into(), min_args, max_args }
    }

    /// Returns the signatures of the job-status functions `success()`, `always()`,
    /// `cancelled()` and `failure()`, which take no arguments.
    pub fn status_functions() -> [FunctionSig; 4] {
        ["success", "always", "cancelled", "failure"].map(|name| FunctionSig::new(name, 0, 0))
    }

    /// Returns the signature of `hashFiles(path, ...)`: one to 255 patterns.
    pub fn hash_files() -> FunctionSig {
        FunctionSig::new("hashFiles", 1, 255)
    }
}

/// Says which names an expression may use and how large it may be. Built-in functions are
/// always available; named values and extension functions only when added here.
#[derive(Clone, Debug)]
pub struct ParseOptions {
    named_values: Vec<String>,
    folded_named_values: HashSet<String>,
    functions: Vec<FunctionSig>,
    max_depth: usize,
    max_length: usize,
}

impl Default for ParseOptions {
    fn default() -> Self {
        Self::new()
    }
}

impl ParseOptions {
    /// Returns options with no named values, no extension functions, and GitHub's limits.
    pub fn new() -> Self {
        Self {
            named_values: Vec::new(),
            folded_named_values: HashSet::new(),
            functions: Vec::new(),
            max_depth: MAX_DEPTH,
            max_length: MAX_LENGTH,
        }
    }

    /// Returns the options with `name` allowed as a named value (matched ignoring case).
    pub fn named_value(mut self, name: impl Into<String>) -> Self {
        let name = name.into();
        if self.folded_named_values.insert(fold(&name)) {
            self.named_values.push(name);
        }
        self
    }

    /// Returns the options with every name in `names` allowed as a named value.
    pub fn named_values<S: Into<String>>(self, names: impl IntoIterator<Item = S>) -> Self {
        names.into_iter().fold(self, |options, name| options.named_value(name))
    }

    /// Returns the options with the function `sig` allowed. A later signature with the same
    /// name (ignoring case) replaces an earlier one; built-in functions cannot be replaced.
    pub fn function(mut self, sig: FunctionSig) -> Self {
        self.functions.retain(|f| !f.name.eq_ignore_ascii_case(&sig.name));
        self.functions.push(sig);
        self
    }

    /// Returns the options with every function in `sigs` allowed.
    pub fn functions(self, sigs: impl IntoIterator<Item = FunctionSig>) -> Self {
        sigs.into_iter().fold(self, ParseOptions::function)
    }

    /// Returns the options with a different depth limit, at most 100 (deeper trees could
    /// exhaust the evaluator's stack on a 2 MiB thread in debug builds).
    pub fn max_depth(mut self, depth: usize) -> Self {
        self.max_depth = depth.min(DEPTH_CEILING);
        self
    }

    /// Returns the options with a different length limit, in characters.
    pub fn max_length(mut self, length: usize) -> Self {
        self.max_length = length;
        self
    }

    /// Returns whether `name` is an allowed named value, ignoring case.
    pub fn allows_named_value(&self, name: &str) -> bool {
        self.folded_named_values.contains(&fold(name))
    }

    /// Returns the allowed named values as they were added.
    pub fn named_value_names(&self) -> &[String] {
        &self.named_values
    }

    /// Returns the extension function called `name`, ignoring case.
    pub fn find_function(&self, name: &str) -> Option<&FunctionSig> {
        self.functions.iter().find(|f| f.name.eq_ignore_ascii_case(name))
    }

    /// Returns the allowed extension functions.
    pub fn function_sigs(&self) -> &[FunctionSig] {
        &self.functions
    }

    /// Returns the depth limit.
    pub fn depth_limit(&self) -> usize {
        self.max_depth
    }

    /// Returns the length limit, in characters.
    pub fn length_limit(&self) -> usize {
        self.max_length
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_ignore_case() {
        let options =
            ParseOptions::new().named_values(["GitHub", "github", "env"]).functions(FunctionSig::status_functions());
        assert!(options.allows_named_value("GITHUB"));
        assert_eq!(options.named_value_names(), ["GitHub", "env"]);
        assert_eq!(options.find_function("SUCCESS").map(|f| f.max_args), Some(0));
        assert!(options.find_function("hashFiles").is_none());
        assert_eq!(ParseOptions::new().max_depth(100_000).depth_limit(), 100);
    }
}
