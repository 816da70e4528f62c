//! Sets `w3_threaded` when the build optimizes (levels 2, 3, `s`, `z`): then the simple
//! instructions' handlers call the next one in tail position, which the optimizer turns into a
//! jump; an unoptimized build would grow the native stack by one frame per instruction, so it
//! gets a loop instead (see `src/simple.rs`).
fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-env-changed=OPT_LEVEL");
    println!("cargo::rustc-check-cfg=cfg(w3_threaded)");
    let optimizing = matches!(std::env::var("OPT_LEVEL").as_deref(), Ok("2" | "3" | "s" | "z"));
    if optimizing {
        println!("cargo::rustc-cfg=w3_threaded");
    }
}
