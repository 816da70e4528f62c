//! Lints every real-world workflow in `shared/corpus`: none may make the linter panic, and the
//! counts of files with findings are printed so changes in behaviour show up in review.

use w3_check::{Config, Context};

#[test]
fn corpus_never_panics() {
    let files = w3_testdata::corpus_workflows();
    assert!(files.len() > 500, "corpus looks incomplete: {} files", files.len());
    let config = Config::default();
    let (mut panics, mut with_errors, mut diags) = (Vec::new(), 0, 0);
    for f in &files {
        let bytes = std::fs::read(f).unwrap();
        // Corpus files are not in their repositories, so there is no project to resolve `./` in.
        let cx = Context { config: &config, project_root: None, now: 1_767_225_600 };
        match std::panic::catch_unwind(|| w3_check::lint(&bytes, &cx)) {
            Ok(d) => {
                with_errors += usize::from(!d.is_empty());
                diags += d.len();
            }
            Err(_) => panics.push(f.display().to_string()),
        }
    }
    println!(
        "corpus: {} files, {} with findings, {} findings, {} panics",
        files.len(),
        with_errors,
        diags,
        panics.len()
    );
    assert!(panics.is_empty(), "w3 check panicked on:\n{}", panics.join("\n"));
}
