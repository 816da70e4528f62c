//! Background steps in the manifest: a background step is marked, a `parallel` group lists its
//! steps, their capabilities count, and every background fiber's function is in the module.

use w3_compiler::compile_workflow;

#[test]
fn the_manifest_shows_background_steps_and_parallel_groups() {
    let src = "on: push\njobs:\n  j:\n    runs-on: x\n    steps:\n      - id: s\n        uses: actions/checkout@v4\n        background: true\n      - parallel:\n          - run: one\n          - id: two\n            uses: w3/json-select@v1\n      - wait-all:\n";
    let compiled = compile_workflow(src, "w.yml").unwrap();
    let m: serde_json::Value = serde_json::from_str(&compiled.manifest.to_json()).unwrap();
    let steps = &m["jobs"][0]["steps"];
    assert_eq!(steps[0]["background"], true);
    assert_eq!(steps[1]["kind"], "control");
    assert_eq!(steps[1]["steps"][0]["kind"], "run");
    assert_eq!(steps[1]["steps"][1]["id"], "two");
    assert_eq!(steps[2].get("background"), None);
    // A shell step only inside a group still needs the shell.
    assert_eq!(m["capabilities"]["shell"], true);
    assert_eq!(m["capabilities"]["actions"][0], "w3/json-select@v1");
    let names: Vec<&str> = compiled.module.functions.iter().map(|f| compiled.module.string(f.name).unwrap()).collect();
    for name in ["job j step 1 background", "job j step 2.1 background", "job j step 2.2 background"] {
        assert!(names.contains(&name), "{names:?}");
    }
    assert!(compiled.manifest.vm_gas_bound().unwrap() > 0);
}
