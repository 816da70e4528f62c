//! Finding, loading and running Smart Actions.

use crate::abi::{self, Abort, State, COMPACT};
use crate::builtin::{self, BUILTINS};
use crate::error::ActionError;
use crate::limits::{GAS_PER_FUEL, MAX_INPUT_BYTES, MAX_MEMORY_BYTES, MAX_MODULE_BYTES, MAX_TABLE_ELEMENTS};
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use w3_host_api::{ActionRef, HostCall, HostError, HostResult};
use w3_value::{parse_json, to_json_text, Object, Value};
use wasmi::{CompilationMode, Config, Engine, ExternType, Module, Store, StoreLimitsBuilder, TrapCode};

/// Performs the host calls of a running action. The implementation checks each call against
/// the workflow's capabilities and charges its gas by the host-call schedule, exactly as for a
/// call made by the workflow itself: the runtime never performs an effect on its own.
pub trait ActionHost {
    /// Performs `call`. [`HostError::OutOfGas`] ends the invocation; every other error is
    /// handed to the module as a negative result it can react to.
    fn call(&mut self, call: HostCall) -> Result<HostResult, HostError>;
}

/// The result of a successful invocation.
#[derive(Clone, Debug, PartialEq)]
pub struct ActionOutcome {
    /// The step outputs: an object whose values are all strings.
    pub output: Value,
    /// Gas used by the module's instructions and the runtime's ABI work, at most the limit.
    /// Host calls are charged by the [`ActionHost`].
    pub gas_used: u64,
}

/// Runs Smart Actions: the built-in ones and, when given, the modules of an actions directory
/// (`DIR/<name>@<version>.wasm`, or `.wat`). Built-ins take precedence, so a file cannot
/// change what `w3/json-select@v1` means. Compiled modules are kept for the runtime's lifetime.
pub struct ActionRuntime {
    engine: Engine,
    actions_dir: Option<PathBuf>,
    cache: Mutex<BTreeMap<(String, String), Module>>,
}

impl ActionRuntime {
    /// Returns a runtime with the built-in actions and, if given, the actions in `actions_dir`.
    pub fn new(actions_dir: Option<PathBuf>) -> Self {
        Self { engine: Engine::new(&config()), actions_dir, cache: Mutex::new(BTreeMap::new()) }
    }

    /// Returns the built-in actions as `(name, version)`.
    pub fn builtins() -> impl Iterator<Item = (&'static str, &'static str)> {
        BUILTINS.iter().map(|b| (b.name, b.version))
    }

    /// Runs `action` with `input` (`{"with": {...}, "env": {...}}`) and at most `gas_limit`
    /// gas, performing its host calls through `host`.
    pub fn invoke(
        &self,
        action: &ActionRef,
        input: &Value,
        gas_limit: u64,
        host: &mut dyn ActionHost,
    ) -> Result<ActionOutcome, ActionError> {
        let id = display(action);
        let module = self.module(action)?;
        let input = to_json_text(input, COMPACT)
            .map_err(|e| ActionError::Input { action: id.clone(), message: e.to_string() })?
            .into_bytes();
        if input.len() > MAX_INPUT_BYTES {
            return Err(ActionError::Input {
                action: id,
                message: format!("{} bytes of JSON, more than {MAX_INPUT_BYTES}", input.len()),
            });
        }
        let limits = StoreLimitsBuilder::new()
            .memory_size(MAX_MEMORY_BYTES)
            .table_elements(MAX_TABLE_ELEMENTS)
            .instances(1)
            .memories(1)
            .tables(1)
            .build();
        let state = State { host, input, output: None, response: Vec::new(), host_calls: 0, limits };
        let mut store = Store::new(&self.engine, state);
        store.limiter(|s| &mut s.limits);
        let fuel_limit = gas_limit / GAS_PER_FUEL;
        let failed = |store: &Store<State<'_>>, e: wasmi::Error| {
            let used = gas_used(store, fuel_limit);
            classify(&id, e, used, gas_limit)
        };
        if let Err(e) = store.set_fuel(fuel_limit) {
            return Err(failed(&store, e));
        }
        let linker =
            abi::linker(&self.engine).map_err(|e| ActionError::Load { action: id.clone(), message: e.to_string() })?;
        // Without a start function, instantiation runs no code of the module: its errors are
        // about the module's shape (an import of the wrong type, a memory or table over the cap).
        let instance = match linker.instantiate_and_start(&mut store, &module) {
            Ok(instance) => instance,
            Err(e) if e.as_trap_code() == Some(TrapCode::OutOfFuel) => return Err(failed(&store, e)),
            Err(e) => return Err(ActionError::Load { action: id, message: e.to_string() }),
        };
        let run = instance.get_typed_func::<(), i32>(&store, "run").map_err(|e| ActionError::Load {
            action: id.clone(),
            message: format!("export `run` must be `() -> i32`: {e}"),
        })?;
        let status = match run.call(&mut store, ()) {
            Ok(status) => status,
            Err(e) => return Err(failed(&store, e)),
        };
        let gas_used = gas_used(&store, fuel_limit);
        if status != 0 {
            return Err(ActionError::Failed { action: id, message: format!("`run` returned {status}"), gas_used });
        }
        let output = match store.into_data().output {
            None => Value::Object(Object::new()),
            Some(bytes) => {
                outputs(&bytes).map_err(|message| ActionError::Output { action: id.clone(), message, gas_used })?
            }
        };
        Ok(ActionOutcome { output, gas_used })
    }

    /// Returns the compiled module of `action`, compiling and caching it on first use.
    fn module(&self, action: &ActionRef) -> Result<Module, ActionError> {
        let key = (action.name.clone(), action.version.clone());
        if let Some(m) = self.cache.lock().ok().and_then(|c| c.get(&key).cloned()) {
            return Ok(m);
        }
        let bytes = self.find(action)?;
        let module = load(&self.engine, &display(action), &bytes)?;
        if let Ok(mut cache) = self.cache.lock() {
            cache.insert(key, module.clone());
        }
        Ok(module)
    }

    /// Returns the WebAssembly bytes of `action`: built-in, else from the actions directory.
    fn find(&self, action: &ActionRef) -> Result<Cow<'static, [u8]>, ActionError> {
        let id = display(action);
        if let Some(b) = builtin::find(&action.name, &action.version) {
            return Ok(Cow::Borrowed(b.wasm));
        }
        let mut looked_in = vec![format!(
            "the built-in actions ({})",
            BUILTINS.iter().map(|b| format!("{}@{}", b.name, b.version)).collect::<Vec<_>>().join(", ")
        )];
        let Some(dir) = &self.actions_dir else {
            looked_in.push("no actions directory (none was given)".into());
            return Err(ActionError::NotFound { action: id, looked_in });
        };
        if !safe_part(&action.name) || !safe_part(&action.version) {
            looked_in.push(format!("not {} (the name or version is not a plain file name)", dir.display()));
            return Err(ActionError::NotFound { action: id, looked_in });
        }
        for ext in ["wasm", "wat"] {
            let path = dir.join(format!("{}@{}.{ext}", action.name, action.version));
            if let Some(bytes) = read_module(&id, &path)? {
                return if ext == "wat" {
                    wat::parse_bytes(&bytes).map(|wasm| Cow::Owned(wasm.into_owned())).map_err(|e| ActionError::Load {
                        action: id.clone(),
                        message: format!("{}: {e}", path.display()),
                    })
                } else {
                    Ok(Cow::Owned(bytes))
                };
            }
            looked_in.push(path.display().to_string());
        }
        Err(ActionError::NotFound { action: id, looked_in })
    }
}

/// Returns the engine configuration: fuel, eager compilation (so that the fuel of a run does
/// not depend on whether the module was compiled before), no floats, no SIMD, no proposals
/// beyond the MVP's small extensions, no start function.
fn config() -> Config {
    let mut c = Config::default();
    c.consume_fuel(true)
        .compilation_mode(CompilationMode::Eager)
        .floats(false)
        .wasm_multi_memory(false)
        .wasm_reference_types(false)
        .wasm_tail_call(false)
        .wasm_extended_const(false)
        .wasm_custom_page_sizes(false)
        .wasm_wide_arithmetic(false)
        .allow_start_fn(false)
        .ignore_custom_sections(true)
        .set_max_recursion_depth(1024);
    c
}

/// Compiles and checks a module: only ABI imports, a `memory` and a `run` export.
fn load(engine: &Engine, id: &str, wasm: &[u8]) -> Result<Module, ActionError> {
    let load_error = |message: String| ActionError::Load { action: id.to_string(), message };
    if wasm.len() > MAX_MODULE_BYTES {
        return Err(load_error(format!("the module has {} bytes, more than {MAX_MODULE_BYTES}", wasm.len())));
    }
    let module = Module::new(engine, wasm).map_err(|e| load_error(e.to_string()))?;
    for import in module.imports() {
        let known = import.module() == abi::MODULE
            && abi::FUNCTIONS.contains(&import.name())
            && matches!(import.ty(), ExternType::Func(_));
        if !known {
            return Err(ActionError::UnknownImport {
                action: id.to_string(),
                module: import.module().to_string(),
                name: import.name().to_string(),
            });
        }
    }
    if !matches!(module.get_export("run"), Some(ExternType::Func(_))) {
        return Err(load_error("it exports no function `run`".into()));
    }
    if !matches!(module.get_export("memory"), Some(ExternType::Memory(_))) {
        return Err(load_error("it exports no `memory`".into()));
    }
    Ok(module)
}

/// Reads a module file; `None` when there is none.
fn read_module(id: &str, path: &Path) -> Result<Option<Vec<u8>>, ActionError> {
    let io = |message: String| ActionError::Io { action: id.to_string(), path: path.display().to_string(), message };
    let meta = match std::fs::metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io(e.to_string())),
    };
    if meta.len() > MAX_MODULE_BYTES as u64 {
        return Err(io(format!("{} bytes, more than {MAX_MODULE_BYTES}", meta.len())));
    }
    std::fs::read(path).map(Some).map_err(|e| io(e.to_string()))
}

/// Reports whether `s` can be part of a file name without leaving the directory.
fn safe_part(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 128
        && !s.starts_with('.')
        && s.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

fn display(action: &ActionRef) -> String {
    format!("w3/{}@{}", action.name, action.version)
}

fn gas_used(store: &Store<State<'_>>, fuel_limit: u64) -> u64 {
    let left = store.get_fuel().unwrap_or(0).min(fuel_limit);
    (fuel_limit - left).saturating_mul(GAS_PER_FUEL)
}

/// Turns an error of wasmi into the action's error.
fn classify(id: &str, e: wasmi::Error, gas_used: u64, gas_limit: u64) -> ActionError {
    let action = id.to_string();
    if let Some(abort) = e.downcast_ref::<Abort>() {
        return match abort {
            Abort::OutOfGas => ActionError::OutOfGas { action, limit: gas_limit },
            Abort::Fail(message) => ActionError::Failed { action, message: message.clone(), gas_used },
            Abort::Host(error) => ActionError::Host { action, error: error.clone(), gas_used },
            Abort::Limit { what, limit } => ActionError::Limit { action, what, limit: *limit, gas_used },
            Abort::Trap(message) => ActionError::Trap { action, message: message.clone(), gas_used },
        };
    }
    match e.as_trap_code() {
        Some(TrapCode::OutOfFuel) => ActionError::OutOfGas { action, limit: gas_limit },
        Some(code) => ActionError::Trap { action, message: code.to_string(), gas_used },
        None => ActionError::Trap { action, message: e.to_string(), gas_used },
    }
}

/// Reads the output a module wrote: a JSON object; string values are kept, other values
/// become their JSON text, since step outputs are strings.
fn outputs(bytes: &[u8]) -> Result<Value, String> {
    let text = std::str::from_utf8(bytes).map_err(|_| "it is not UTF-8".to_string())?;
    let value = parse_json(text).map_err(|e| format!("it is not JSON: {e}"))?;
    let object = value.as_object().ok_or_else(|| format!("it must be a JSON object, not {}", value.kind()))?;
    let mut out = Object::new();
    for (k, v) in object.iter() {
        let text = match v {
            Value::String(s) => Value::String(s.clone()),
            other => Value::from(to_json_text(other, COMPACT).map_err(|e| e.to_string())?),
        };
        out.insert(k, text);
    }
    Ok(Value::Object(out))
}
