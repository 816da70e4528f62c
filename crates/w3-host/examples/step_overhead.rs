//! Prints the per-step overhead of the sandbox as JSON: `cargo run --release -p w3-host
//! --example step_overhead [samples]`.

use w3_host::SandboxOptions;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let samples = std::env::args().nth(1).map_or(Ok(20), |s| s.parse())?;
    let ws = std::env::temp_dir().join(format!("w3-step-overhead-{}", std::process::id()));
    std::fs::create_dir_all(&ws)?;
    std::fs::set_permissions(&ws, std::os::unix::fs::PermissionsExt::from_mode(0o755))?;
    let opts = SandboxOptions::new(&ws);
    opts.prepare_workspace()?;
    let o = w3_host::bench::step_overhead(&opts, samples);
    let _ = std::fs::remove_dir_all(&ws);
    let o = o?;
    let ms = |d: std::time::Duration| d.as_secs_f64() * 1000.0;
    println!(
        "{{\"samples\":{},\"bare_bash_ms\":{:.3},\"unsandboxed_step_ms\":{:.3},\"sandboxed_step_ms\":{:.3},\"per_step_overhead_ms\":{:.3}}}",
        o.samples,
        ms(o.bare),
        ms(o.unsandboxed),
        ms(o.sandboxed),
        ms(o.per_step())
    );
    Ok(())
}
