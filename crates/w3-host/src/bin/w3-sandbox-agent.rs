//! The sandbox agent on its own, for embedders of `w3-host` and its tests; the `w3` binary
//! carries the same agent as `w3 __sandbox-agent`.

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    std::process::exit(w3_host::agent::main_with_args(&args));
}
