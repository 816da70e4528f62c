//! Reference programs for `w3 bench vm`: the simple instructions of the w3 VM's benchmark, as
//! WebAssembly run by wasmi (the build's own wasmi, fuel on and off), so the VM's figures can
//! be read against a mature interpreter measured on the same machine in the same run.
//!
//! Each program is one exported function `run(a: i64) -> i64` of [`N`] copies of one
//! instruction on locals: `copy` (`local.set $b (local.get $a)`, which wasmi runs as one copy,
//! like the VM's `Move`), `eqz` (`local.set $c (i64.eqz (local.get $a))`, one instruction
//! writing a local, like `Not`) and `branch` (`br_if` out of an empty block on a local that is
//! zero, like the VM's `JumpIfFalse` to the next block).

use std::time::Instant;
use wasmi::{CompilationMode, Config, Engine, Linker, Module, Store, TypedFunc};

/// Counts the measured instructions per program, as in the VM's benchmark.
pub const N: usize = 4_096;

/// Names the reference classes and the VM class each stands beside.
pub const CLASSES: [(&str, &str); 3] = [("copy", "move"), ("eqz", "not"), ("branch", "branch")];

/// Returns the WebAssembly text of reference class `class`, or `None` for an unknown class.
pub fn program(class: &str) -> Option<String> {
    let body = match class {
        "copy" => "(local.set $b (local.get $a))",
        "eqz" => "(local.set $c (i64.eqz (local.get $a)))",
        "branch" => "(block (br_if 0 (local.get $c)))",
        _ => return None,
    };
    let mut text =
        String::from("(module (func (export \"run\") (param $a i64) (result i64) (local $b i64) (local $c i32)\n");
    for _ in 0..N {
        text.push_str(body);
        text.push('\n');
    }
    text.push_str("(i64.add (local.get $b) (i64.extend_i32_u (local.get $c)))))\n");
    Some(text)
}

/// Measures reference class `class`: the fastest of `rounds` calls, in nanoseconds per
/// instruction, with fuel metering on or off. `None` for an unknown class.
pub fn measure(class: &str, rounds: u32, fuel: bool) -> Option<Result<f64, String>> {
    let text = program(class)?;
    Some(run(&text, rounds, fuel).map(|best| best * 1e9 / N as f64))
}

fn run(text: &str, rounds: u32, fuel: bool) -> Result<f64, String> {
    let (mut store, func) = load(text, fuel)?;
    let mut best = f64::INFINITY;
    for _ in 0..rounds.max(1) {
        if fuel {
            store.set_fuel(u64::MAX / 2).map_err(|e| e.to_string())?;
        }
        let start = Instant::now();
        let result = func.call(&mut store, 1).map_err(|e| e.to_string())?;
        best = best.min(start.elapsed().as_secs_f64());
        std::hint::black_box(result);
    }
    Ok(best)
}

/// Compiles and instantiates the program `text`, with fuel metering on or off, and returns its
/// store and its `run` function.
fn load(text: &str, fuel: bool) -> Result<(Store<()>, TypedFunc<i64, i64>), String> {
    let mut config = Config::default();
    config.consume_fuel(fuel).compilation_mode(CompilationMode::Eager);
    let engine = Engine::new(&config);
    let wasm = wat::parse_str(text).map_err(|e| e.to_string())?;
    let module = Module::new(&engine, &wasm).map_err(|e| e.to_string())?;
    let mut store = Store::new(&engine, ());
    let instance = Linker::<()>::new(&engine).instantiate_and_start(&mut store, &module).map_err(|e| e.to_string())?;
    let func = instance.get_typed_func(&store, "run").map_err(|e| e.to_string())?;
    Ok((store, func))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_programs_run_with_and_without_fuel() {
        for (class, _) in CLASSES {
            for fuel in [true, false] {
                let ns = measure(class, 1, fuel).expect("known class").expect("runs");
                assert!(ns.is_finite() && ns > 0.0, "{class}: {ns}");
            }
        }
        assert!(measure("nope", 1, true).is_none());
    }

    #[test]
    fn programs_compute_what_they_say() {
        let (mut store, func) = load(&program("eqz").expect("known class"), false).expect("loads");
        assert_eq!(func.call(&mut store, 0).expect("runs"), 1);
        assert_eq!(func.call(&mut store, 5).expect("runs"), 0);
    }
}
