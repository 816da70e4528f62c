//! `w3 run` as a user runs it: jobs in `needs` order, matrix legs, `if: always()`, secrets
//! masked, the summary table and the exit code.

use std::process::Command;

const WORKFLOW: &str = r#"name: ci
on: [push, workflow_dispatch]
env:
  GREETING: hello
jobs:
  build:
    runs-on: ubuntu-latest
    strategy:
      matrix:
        n: [1, 2]
    steps:
      - run: echo "$GREETING from leg ${{ matrix.n }} of ${{ github.event_name }}"
      - run: echo "secret is ${{ secrets.TOKEN }}"
  test:
    needs: build
    runs-on: ubuntu-latest
    steps:
      - run: |
          echo in test
          exit 3
      - run: echo cleanup
        if: always()
  never:
    needs: test
    runs-on: ubuntu-latest
    steps:
      - run: echo should not run
"#;

/// Returns a fresh directory holding `wf` as `wf.yml`.
fn workspace(wf: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("wf.yml"), wf).unwrap();
    dir
}

fn run(dir: &std::path::Path, args: &[&str]) -> (Option<i32>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_w3")).arg("run").args(args).current_dir(dir).output().unwrap();
    (out.status.code(), String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr))
}

#[test]
fn runs_jobs_steps_and_reports() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join(".github/workflows")).unwrap();
    std::fs::write(dir.path().join(".github/workflows/ci.yml"), WORKFLOW).unwrap();
    let (code, out) = run(dir.path(), &["--sandbox", "none", "--secret", "TOKEN=s3cr3t"]);
    assert_eq!(code, Some(1), "{out}");
    for line in [
        "[ci/build]   | hello from leg 1 of push",
        "[ci/build]   | hello from leg 2 of push",
        "[ci/build]   | secret is ***",
        "[ci/test]   | in test",
        "[ci/test]   | cleanup",
    ] {
        assert!(out.contains(line), "missing {line:?} in:\n{out}");
    }
    assert!(!out.contains("s3cr3t"), "{out}");
    assert!(!out.contains("should not run"), "{out}");
    let summary: Vec<&str> = out.lines().skip_while(|l| !l.starts_with("workflow")).collect();
    assert_eq!(summary.len(), 4, "{out}");
    assert!(summary[1].contains("build") && summary[1].ends_with("success"));
    assert!(summary[2].contains("test") && summary[2].ends_with("failure"));
    assert!(summary[3].contains("never") && summary[3].ends_with("skipped"));
}

#[test]
fn a_job_runs_with_the_jobs_it_needs() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("ci.yml"), WORKFLOW).unwrap();
    let (code, out) = run(dir.path(), &["-W", "ci.yml", "-j", "test", "--sandbox", "none"]);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("[ci/build]   | hello from leg 1") && out.contains("[ci/test]   | in test"), "{out}");
    assert!(!out.lines().any(|l| l.starts_with("ci ") && l.contains("never")), "{out}");
    let (code, out) = run(dir.path(), &["-W", "ci.yml", "-j", "nope", "--sandbox", "none"]);
    assert_eq!(code, Some(2), "{out}");
    assert!(out.contains("there is no job \"nope\""), "{out}");
}

#[test]
fn events_select_workflows_and_bad_input_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("ok.yml"),
        "on: workflow_dispatch\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: echo input ${{ inputs.who }}\n",
    )
    .unwrap();
    let (code, out) = run(dir.path(), &["-W", "ok.yml", "--sandbox", "none"]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("no workflow"), "{out}");
    let (code, out) = run(dir.path(), &["workflow_dispatch", "-W", "ok.yml", "--sandbox", "none", "--input", "who=me"]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("[ok/a]   | input me"), "{out}");
    std::fs::write(
        dir.path().join("bad.yml"),
        "on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: echo ${{ 1 + }}\n",
    )
    .unwrap();
    let (code, out) = run(dir.path(), &["-W", "bad.yml", "--sandbox", "none"]);
    assert_eq!(code, Some(2), "{out}");
    let (code, _) = run(dir.path(), &["--input", "novalue", "-W", "ok.yml"]);
    assert_eq!(code, Some(2));
}

const FILE_COMMANDS: &str = r#"on: push
env:
  LEVEL: workflow
jobs:
  a:
    runs-on: ubuntu-latest
    outputs:
      answer: ${{ steps.s.outputs.v }}
    steps:
      - id: s
        run: |
          echo "v=1" >> "$GITHUB_OUTPUT"
          echo "v=42" >> "$GITHUB_OUTPUT"
          printf 'note<<END\nline one\nline two\nEND\n' >> "$GITHUB_OUTPUT"
          echo "LEVEL=exported" >> "$GITHUB_ENV"
          mkdir -p tools-a tools-b
          printf '#!/bin/sh\necho tool a\n' > tools-a/tool; chmod +x tools-a/tool
          printf '#!/bin/sh\necho tool b\n' > tools-b/tool; chmod +x tools-b/tool
          echo "$PWD/tools-a" >> "$GITHUB_PATH"
          echo "$PWD/tools-b" >> "$GITHUB_PATH"
          echo "same step sees $LEVEL"
      - run: |
          echo "output ${{ steps.s.outputs.v }} / ${{ steps.s.outputs.note }}"
          echo "env $LEVEL / ${{ env.LEVEL }}"
          tool
      - run: echo "step env wins $LEVEL"
        env:
          LEVEL: step
      - id: failing
        run: |
          echo "late=yes" >> "$GITHUB_OUTPUT"
          exit 1
        continue-on-error: true
      - run: echo "failed step's output ${{ steps.failing.outputs.late }}"
  b:
    needs: a
    runs-on: ubuntu-latest
    steps:
      - run: echo "job output ${{ needs.a.outputs.answer }}, env $LEVEL"
"#;

#[test]
fn file_commands_reach_later_steps() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("wf.yml"), FILE_COMMANDS).unwrap();
    let (code, out) = run(dir.path(), &["--sandbox", "none", "-W", "wf.yml"]);
    assert_eq!(code, Some(0), "{out}");
    for line in [
        "[wf/a]   | same step sees workflow",
        "[wf/a]   | output 42 / line one",
        "[wf/a]   | line two",
        "[wf/a]   | env exported / exported",
        // The directory written last comes first on PATH.
        "[wf/a]   | tool b",
        "[wf/a]   | step env wins step",
        "[wf/a]   | failed step's output yes",
        // GITHUB_ENV is the job's own: the next job starts from the workflow's env.
        "[wf/b]   | job output 42, env workflow",
    ] {
        assert!(out.contains(line), "missing {line:?} in:\n{out}");
    }
}

const COMMANDS: &str = r#"on: push
jobs:
  a:
    runs-on: ubuntu-latest
    steps:
      - id: s
        run: |
          echo "::add-mask::hunter2"
          echo "password is hunter2"
          echo "::set-output name=legacy::from stdout"
          echo "::error file=app.js,line=10,title=Bad::it broke"
          echo "::group::Build"
          echo "inside"
          echo "::endgroup::"
          echo "::debug::hidden unless debugging"
          echo "::stop-commands::pause"
          echo "::add-mask::not a command now"
          echo "::pause::"
          echo "hunter2 is still masked"
      - run: echo "legacy output ${{ steps.s.outputs.legacy }}"
      - run: echo "::set-env name=X::y"
"#;

#[test]
fn workflow_commands_mask_annotate_and_set_outputs() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("wf.yml"), COMMANDS).unwrap();
    let (code, out) = run(dir.path(), &["--sandbox", "none", "-W", "wf.yml"]);
    assert_eq!(code, Some(1), "set-env is refused and fails its step:\n{out}");
    for line in [
        "[wf/a]   | password is ***",
        "[wf/a]   | Error (app.js:10): Bad: it broke",
        "[wf/a]   | ::group::Build",
        "[wf/a]   | inside",
        "[wf/a]   | ::add-mask::not a command now",
        "[wf/a]   | *** is still masked",
        "[wf/a]   | legacy output from stdout",
        "[wf/a]   | Error: the `set-env` command is disabled: write to $GITHUB_ENV instead (`::set-env name=X::y`)",
    ] {
        assert!(out.contains(line), "missing {line:?} in:\n{out}");
    }
    assert!(!out.contains("hunter2") && !out.contains("hidden unless") && !out.contains("::pause::"), "{out}");
}

#[test]
fn a_journal_replays_without_running_anything() {
    let wf = "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - id: s\n        run: |\n          date +%s%N > stamp\n          echo \"t=$(cat stamp)\" >> \"$GITHUB_OUTPUT\"\n          echo \"token ${{ secrets.TOKEN }}\"\n      - run: echo \"got ${{ steps.s.outputs.t }}\"\n  b:\n    needs: a\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo b\n";
    let dir = workspace(wf);
    std::fs::write(dir.path().join("secrets.env"), "# test\nTOKEN='s3cr3t'\n").unwrap();
    // A key that is not one is refused before any step runs.
    std::fs::write(dir.path().join("bad.key"), b"short").unwrap();
    let bad =
        ["--sandbox", "none", "-W", "wf.yml", "--secret-file", "secrets.env", "--journal", "j", "--key", "bad.key"];
    let (code, out) = run(dir.path(), &bad);
    assert_eq!(code, Some(2), "{out}");
    assert!(out.contains("an executor key is 32 bytes") && !dir.path().join("stamp").exists(), "{out}");
    let key = dir.path().join("keys/executor.key");
    let key = key.to_str().unwrap();
    let args = ["--sandbox", "none", "-W", "wf.yml", "--secret-file", "secrets.env", "--journal", "j", "--key", key];
    let (code, out) = run(dir.path(), &args);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("[wf/a]   | token ***") && out.contains("journal of 3 calls in j/wf"), "{out}");
    assert_eq!(std::fs::metadata(key).unwrap().len(), 32, "a new key is created");
    // The steps' time-dependent output is in the journal; replay reproduces the run from it,
    // though running the workflow again would not.
    std::fs::remove_file(dir.path().join("stamp")).unwrap();
    let replay = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_w3")).arg("replay").args(args).current_dir(dir.path()).output();
        let out = out.unwrap();
        (out.status.code(), String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr))
    };
    let (code, out) = replay(&["j", "--secret", "TOKEN=s3cr3t"]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("3 calls replayed") && out.contains("(a: success, b: success)"), "{out}");
    assert!(!dir.path().join("stamp").exists(), "replay runs nothing");
    let (code, out) = replay(&["j"]);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("secret `TOKEN` is needed to replay"), "{out}");
    let (code, out) = replay(&["nowhere"]);
    assert_eq!(code, Some(2), "{out}");
    // Any change to a recorded answer breaks its receipt.
    let calls = dir.path().join("j/wf/calls.bin");
    let mut bytes = std::fs::read(&calls).unwrap();
    let at = bytes.windows(6).position(|w| w == b"token ").unwrap();
    bytes[at] = b'T';
    std::fs::write(&calls, bytes).unwrap();
    let (code, out) = replay(&["j", "--secret", "TOKEN=s3cr3t"]);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("does not match the call it records"), "{out}");
}

#[test]
fn github_actions_checkout_is_built_in_and_others_fail_clearly() {
    let wf = "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - run: echo after checkout\n      - uses: someone/thing@v1\n        continue-on-error: true\n      - uses: docker://alpine:3\n";
    let dir = workspace(wf);
    let (code, out) = run(dir.path(), &["--sandbox", "none", "-W", "wf.yml"]);
    assert_eq!(code, Some(1), "{out}");
    for line in [
        "[wf/a]   | after checkout",
        "[wf/a]   | Error: the host cannot do this: `someone/thing@v1`: w3 run has actions/checkout, actions/upload-artifact and actions/download-artifact built in",
        "[wf/a]   | Error: the host cannot do this: `docker://alpine:3`: Docker actions are not supported by w3",
    ] {
        assert!(out.contains(line), "missing {line:?} in:\n{out}");
    }
}

#[test]
fn actions_come_from_the_repository_and_the_action_dir_and_journals_keep_them() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    let write = |path: &str, text: &str| {
        let path = p.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    write(".github/actions/hello/action.yml", "inputs:\n  who:\n    default: you\noutputs:\n  said:\n    value: ${{ steps.s.outputs.said }}\nruns:\n  using: composite\n  steps:\n    - id: s\n      shell: bash\n      run: |\n        echo \"hello ${{ inputs.who }}\"\n        echo \"said=hello\" >> \"$GITHUB_OUTPUT\"\n");
    write(
        "acts/o/remote@v1/tool/action.yml",
        "runs:\n  using: composite\n  steps:\n    - shell: bash\n      run: cat \"$GITHUB_ACTION_PATH/data.txt\"\n",
    );
    write("acts/o/remote@v1/tool/data.txt", "data from the action dir\n");
    let wf = "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - id: h\n        uses: ./.github/actions/hello\n        with:\n          who: w3\n      - run: echo \"output ${{ steps.h.outputs.said }}\"\n      - uses: o/remote/tool@v1\n      - uses: o/missing@v2\n";
    write("wf.yml", wf);
    let key = p.join("executor.key");
    let args =
        ["--sandbox", "none", "-W", "wf.yml", "--action-dir", "acts", "--journal", "j", "--key", key.to_str().unwrap()];
    let (code, out) = run(p, &args);
    assert_eq!(code, Some(1), "{out}");
    let missing = format!(
        "`o/missing@v2`: w3 run has actions/checkout, actions/upload-artifact and actions/download-artifact built in; other actions are compiled into the workflow when their files are there: `./path` in the repository, `owner/repo@ref` in the --action-dir directory (looked for {}/o/missing@v2/action.yml)",
        std::fs::canonicalize(p.join("acts")).unwrap().display()
    );
    for line in ["[wf/a]   | hello w3", "[wf/a]   | output hello", "[wf/a]   | data from the action dir", &missing] {
        assert!(out.contains(line), "missing {line:?} in:\n{out}");
    }
    // The journal keeps the action files: the replay recompiles the workflow to the same module
    // even once they are gone.
    std::fs::remove_dir_all(p.join(".github")).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_w3")).args(["replay", "j"]).current_dir(p).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("4 calls replayed") && text.contains("(a: failure)"), "{text}");
    assert!(!text.contains("other bytes"), "{text}");
    // Without --action-dir the message says how to give one.
    let (code, out) = run(p, &["--sandbox", "none", "-W", "wf.yml"]);
    assert_eq!(code, Some(2), "{out}");
    assert!(out.contains("./.github/actions/hello/action.yml not found under"), "{out}");
    write(".github/actions/hello/action.yml", "runs:\n  using: composite\n  steps: [{shell: bash, run: echo hi}]\n");
    let (_, out) = run(p, &["--sandbox", "none", "-W", "wf.yml"]);
    assert!(out.contains("(give --action-dir DIR holding DIR/o/remote@v1/tool/action.yml)"), "{out}");
}

#[test]
fn a_javascript_action_without_node_fails_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    std::fs::create_dir_all(p.join("js")).unwrap();
    std::fs::write(p.join("js/action.yml"), "runs:\n  using: node20\n  main: main.js\n").unwrap();
    std::fs::write(p.join("js/main.js"), "console.log('ran')\n").unwrap();
    std::fs::write(p.join("wf.yml"), "on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - uses: ./js\n")
        .unwrap();
    // A PATH with bash but without node.
    std::fs::create_dir_all(p.join("bin")).unwrap();
    let bash = ["/bin/bash", "/usr/bin/bash"].into_iter().find(|b| std::path::Path::new(b).exists()).unwrap();
    std::os::unix::fs::symlink(bash, p.join("bin/bash")).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_w3"))
        .args(["run", "--sandbox", "none", "-W", "wf.yml"])
        .env("PATH", p.join("bin"))
        .current_dir(p)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("w3: the JavaScript action ./js (node20) needs Node.js, but \"node\" is not on PATH"),
        "{text}"
    );
}

#[test]
fn independent_jobs_run_side_by_side() {
    // Each job waits (up to 10 s) for the other to have started: only jobs that run at the
    // same time both see the other's mark.
    let job = |me: &str, other: &str| {
        format!(
            "  {me}:\n    runs-on: ubuntu-latest\n    steps:\n      - run: |\n          touch {me}.started\n          for i in $(seq 100); do [ -f {other}.started ] && break; sleep 0.1; done\n          test -f {other}.started && echo \"{me} saw {other}\"\n"
        )
    };
    let wf = format!("on: push\njobs:\n{}{}", job("a", "b"), job("b", "a"));
    let dir = workspace(&wf);
    let (code, out) = run(dir.path(), &["--sandbox", "none", "-W", "wf.yml", "--parallel", "2"]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("[wf/a]   | a saw b") && out.contains("[wf/b]   | b saw a"), "{out}");
}

/// Serves `body` as JSON to every request on 127.0.0.1 until the test ends; returns the port.
fn price_server(body: &'static str) -> u16 {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for mut conn in listener.incoming().flatten() {
            let mut buf = [0u8; 4096];
            let _ = conn.read(&mut buf);
            let reply = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = conn.write_all(reply.as_bytes());
        }
    });
    port
}

#[test]
fn the_seed_example_runs_end_to_end_against_a_local_price_server() {
    let port = price_server(r#"{"pair":"ETH/USD","price":1843.5}"#);
    let dir = tempfile::tempdir().unwrap();
    let example = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/defi-risk-monitor.yml");
    std::fs::copy(&example, dir.path().join("defi-risk-monitor.yml")).unwrap();
    std::fs::write(dir.path().join("check_and_alert.sh"), "#!/bin/sh\necho \"checked: no alert\"\n").unwrap();
    std::fs::set_permissions(
        dir.path().join("check_and_alert.sh"),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    let url = format!("W3_ORACLE_URL=http://127.0.0.1:{port}/price");
    let host = format!("127.0.0.1:{port}");
    let args = ["schedule", "-W", "defi-risk-monitor.yml", "--sandbox", "none", "--env", &url, "--allow-http", &host];
    let (code, out) = run(dir.path(), &args);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("[defi-risk-monitor/monitor]   | checked: no alert"), "{out}");
    assert!(out.lines().any(|l| l.starts_with("defi-risk-monitor") && l.ends_with("success")), "{out}");
    // Without the host allowed, the oracle's request is denied and the run fails.
    let (code, out) = run(dir.path(), &["schedule", "-W", "defi-risk-monitor.yml", "--sandbox", "none", "--env", &url]);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains(&format!("HTTP to \"127.0.0.1:{port}\" is not allowed")), "{out}");
}

#[test]
fn smart_action_outputs_reach_later_steps() {
    let port = price_server(r#"{"data":{"prices":[{"usd":"12.5"}]}}"#);
    let wf = format!(
        "on: push\nw3:\n  http: [\"127.0.0.1:{port}\"]\njobs:\n  a:\n    runs-on: w3/ubuntu-latest\n    steps:\n      - id: price\n        uses: w3/oracle-action@v1\n        with:\n          url: http://127.0.0.1:{port}/p\n          path: data.prices.0.usd\n      - id: sel\n        uses: w3/json-select@v1\n        with:\n          json: '{{\"a\":[1,{{\"b\":\"deep\"}}]}}'\n          path: a.1.b\n      - run: echo \"price ${{{{ steps.price.outputs.value }}}} status ${{{{ steps.price.outputs.status }}}} sel ${{{{ steps.sel.outputs.value }}}}\"\n      - uses: w3/json-select@v1\n        with:\n          json: '[]'\n          path: missing\n"
    );
    let dir = workspace(&wf);
    let (code, out) = run(dir.path(), &["--sandbox", "none", "-W", "wf.yml"]);
    assert_eq!(code, Some(1), "the last step selects nothing and fails:\n{out}");
    assert!(out.contains("[wf/a]   | price 12.5 status 200 sel deep"), "{out}");
    assert!(out.contains("no value at"), "{out}");
}

#[test]
fn sandboxed_steps_can_write_their_workspace() {
    let dir = tempfile::tempdir().unwrap();
    let wf = "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: mkdir -p out && echo made > out/file\n      - run: echo \"read $(cat out/file)\"\n";
    std::fs::write(dir.path().join("wf.yml"), wf).unwrap();
    let (code, out) = run(dir.path(), &["-W", "wf.yml"]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("[wf/a]   | read made"), "{out}");
    let uid = Command::new("id").arg("-u").output().unwrap().stdout;
    if String::from_utf8_lossy(&uid).trim() == "0" {
        // As root, steps run as an unprivileged user in a copy: the caller's files are untouched.
        assert!(out.contains("in a copy of the workspace"), "{out}");
        assert!(!dir.path().join("out").exists());
    }
}

#[test]
fn artifacts_pass_files_between_jobs() {
    let dir = tempfile::tempdir().unwrap();
    let wf = "on: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - run: mkdir -p dist/sub && echo one > dist/a.txt && echo two > dist/sub/b.txt\n      - uses: actions/upload-artifact@v4\n        with:\n          name: dist\n          path: dist/\n      - uses: actions/upload-artifact@v4\n        with:\n          name: nothing\n          path: no-such-dir/\n  use:\n    needs: build\n    runs-on: ubuntu-latest\n    steps:\n      - id: get\n        uses: actions/download-artifact@v4\n        with:\n          name: dist\n          path: fetched\n      - run: echo \"got $(cat fetched/a.txt) $(cat fetched/sub/b.txt) at ${{ steps.get.outputs.download-path }}\"\n      - uses: actions/download-artifact@v4\n        with:\n          name: missing\n";
    std::fs::write(dir.path().join("wf.yml"), wf).unwrap();
    let (code, out) = run(dir.path(), &["--sandbox", "none", "-W", "wf.yml"]);
    assert_eq!(code, Some(1), "downloading an artifact nobody uploaded fails:\n{out}");
    for line in [
        "[wf/build]   | Artifact dist has been uploaded: 2 files, 8 bytes",
        "[wf/build]   | Warning: no files were found with the provided path: no-such-dir/",
        "[wf/use]   | got one two at ",
        "[wf/use]   | Error: no artifact named `missing` was uploaded in this run",
    ] {
        assert!(out.contains(line), "missing {line:?} in:\n{out}");
    }
}

#[test]
fn a_background_step_serves_while_later_steps_run() {
    // The server step marks itself ready, then runs until the client asks it to stop (at most
    // 20 s); the client step can only finish while the server runs.
    let wf = r#"on: push
jobs:
  a:
    runs-on: ubuntu-latest
    steps:
      - id: server
        background: true
        run: |
          echo ready > ready.txt
          n=0
          while [ ! -f stop ] && [ $n -lt 400 ]; do n=$((n+1)); sleep 0.05; done
          test -f stop && echo "served=yes" >> "$GITHUB_OUTPUT"
          echo "SERVER_ENV=set" >> "$GITHUB_ENV"
      - run: |
          for i in $(seq 100); do [ -f ready.txt ] && break; sleep 0.1; done
          echo "client read $(cat ready.txt) before the wait: '${{ steps.server.outputs.served }}'"
          touch stop
      - wait: server
      - run: echo "server ${{ steps.server.outputs.served }} ${{ steps.server.outcome }} $SERVER_ENV"
"#;
    let dir = workspace(wf);
    for sandbox in ["none", "bwrap"] {
        let (code, out) = run(dir.path(), &["--sandbox", sandbox, "-W", "wf.yml", "--parallel", "2"]);
        assert_eq!(code, Some(0), "{sandbox}: {out}");
        assert!(out.contains("[wf/a]   | client read ready before the wait: ''"), "{sandbox}: {out}");
        assert!(out.contains("[wf/a]   | server yes success set"), "{sandbox}: {out}");
        let _ = std::fs::remove_file(dir.path().join("stop"));
    }
}

#[test]
fn a_jobs_steps_share_its_sandbox_and_what_they_leave_running() {
    // The first step leaves a process running that keeps writing to the job's /tmp (and to the
    // step's stdout, which must not kill it); the next step sees it still at work. Another
    // job has a /tmp and processes of its own.
    let wf = r#"on: push
jobs:
  a:
    runs-on: ubuntu-latest
    steps:
      - run: |
          (while :; do echo tick >> /tmp/ticks; echo tick; sleep 0.05; done) &
          echo $! > /tmp/ticker
      - run: |
          before=$(wc -l < /tmp/ticks); sleep 0.5; after=$(wc -l < /tmp/ticks)
          [ "$after" -gt "$before" ] && echo "a: still ticking"
          kill "$(cat /tmp/ticker)"
  b:
    needs: a
    runs-on: ubuntu-latest
    steps:
      - run: |
          test -e /tmp/ticks && echo "b: sees a's tmp" || echo "b: own tmp"
"#;
    let dir = workspace(wf);
    let (code, out) = run(dir.path(), &["-W", "wf.yml"]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("[wf/a]   | a: still ticking"), "{out}");
    assert!(out.contains("[wf/b]   | b: own tmp"), "{out}");
}

#[test]
fn a_matrix_filter_selects_combinations() {
    let wf = "on: push\njobs:\n  m:\n    runs-on: ubuntu-latest\n    strategy:\n      matrix:\n        os: [linux, mac, win]\n        n: [1, 2]\n    steps:\n      - run: echo \"leg ${{ matrix.os }}-${{ matrix.n }}\"\n  plain:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo plain\n  other:\n    runs-on: ubuntu-latest\n    strategy:\n      matrix:\n        os: [bsd]\n    steps:\n      - run: echo never\n";
    let dir = workspace(wf);
    let args = ["--sandbox", "none", "-W", "wf.yml", "--matrix", "os:linux", "--matrix", "os:win", "--matrix", "n:2"];
    let (code, out) = run(dir.path(), &args);
    assert_eq!(code, Some(0), "{out}");
    let legs: Vec<&str> = out.lines().filter(|l| l.contains("| leg ")).collect();
    assert_eq!(legs.len(), 2, "{out}");
    assert!(out.contains("| leg linux-2") && out.contains("| leg win-2") && out.contains("| plain"), "{out}");
    assert!(!out.contains("never") && out.lines().any(|l| l.contains("other") && l.ends_with("skipped")), "{out}");
    let (code, out) = run(dir.path(), &["--sandbox", "none", "-W", "wf.yml", "--matrix", "nocolon"]);
    assert_eq!(code, Some(2), "{out}");
}

#[test]
fn storage_persists_across_runs_with_a_state_directory() {
    let dir = tempfile::tempdir().unwrap();
    let actions = dir.path().join("actions");
    std::fs::create_dir_all(&actions).unwrap();
    // `remember` writes a constant; `recall` reads it back and outputs the response (`value`).
    let write = r#"{"storageWrite":{"key":"greeting","value":"hello"}}"#;
    let read = r#"{"storageRead":{"key":"greeting"}}"#;
    let module = |body: &str| {
        format!(
            "(module\n  (import \"w3\" \"host_call\" (func $call (param i32 i32) (result i32)))\n  (import \"w3\" \"response_read\" (func $read (param i32)))\n  (import \"w3\" \"output_write\" (func $out (param i32 i32)))\n  (memory (export \"memory\") 1)\n{body})\n"
        )
    };
    let wat_string = |s: &str| s.replace('"', "\\\"");
    std::fs::write(
        actions.join("remember@v1.wat"),
        module(&format!(
            "  (data (i32.const 0) \"{}\")\n  (func (export \"run\") (result i32)\n    (drop (call $call (i32.const 0) (i32.const {})))\n    (i32.const 0))",
            wat_string(write),
            write.len()
        )),
    )
    .unwrap();
    std::fs::write(
        actions.join("recall@v1.wat"),
        module(&format!(
            "  (data (i32.const 0) \"{}\")\n  (func (export \"run\") (result i32) (local $n i32)\n    (local.set $n (call $call (i32.const 0) (i32.const {})))\n    (if (i32.lt_s (local.get $n) (i32.const 0)) (then (return (i32.const 1))))\n    (call $read (i32.const 1024))\n    (call $out (i32.const 1024) (local.get $n))\n    (i32.const 0))",
            wat_string(read),
            read.len()
        )),
    )
    .unwrap();
    let both = "on: push\nw3:\n  storage: [read, write]\njobs:\n  a:\n    runs-on: w3/ubuntu-latest\n    steps:\n      - uses: w3/remember@v1\n      - id: r\n        uses: w3/recall@v1\n      - run: echo \"recalled ${{ steps.r.outputs.value }}\"\n";
    let recall_only = both.replace("      - uses: w3/remember@v1\n", "");
    std::fs::write(dir.path().join("wf.yml"), both).unwrap();
    let base = ["--sandbox", "none", "-W", "wf.yml", "--actions-dir", "actions"];
    let (code, out) = run(dir.path(), &[&base[..], &["--state", "state"]].concat());
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("| recalled hello"), "{out}");
    // A later run of the same workflow finds what the first one stored.
    std::fs::write(dir.path().join("wf.yml"), &recall_only).unwrap();
    let (code, out) = run(dir.path(), &[&base[..], &["--state", "state"]].concat());
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("| recalled hello"), "{out}");
    // Without a state directory, storage lasts for the run only.
    let (code, out) = run(dir.path(), &base);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("| recalled null"), "{out}");
}

#[test]
fn max_parallel_and_fail_fast_shape_a_matrix() {
    let wf = r#"on: push
jobs:
  serial:
    runs-on: ubuntu-latest
    strategy:
      max-parallel: 1
      matrix:
        n: [1, 2, 3]
    steps:
      - run: |
          echo "start ${{ matrix.n }}" >> order.txt; sleep 0.2; echo "end ${{ matrix.n }}" >> order.txt
  check:
    needs: serial
    runs-on: ubuntu-latest
    steps:
      - run: echo "order $(tr '\n' ',' < order.txt)"
  fast:
    runs-on: ubuntu-latest
    strategy:
      max-parallel: 1
      matrix:
        n: [1, 2, 3]
    steps:
      - run: |
          echo "fast leg ${{ matrix.n }}"
          [ ${{ matrix.n }} != 2 ]
  slow:
    runs-on: ubuntu-latest
    strategy:
      fail-fast: false
      max-parallel: 1
      matrix:
        n: [1, 2, 3]
    steps:
      - run: |
          echo "slow leg ${{ matrix.n }}"
          [ ${{ matrix.n }} != 2 ]
  gen:
    runs-on: ubuntu-latest
    outputs:
      m: ${{ steps.m.outputs.m }}
    steps:
      - id: m
        run: echo 'm={"n":[1,2,3]}' >> "$GITHUB_OUTPUT"
  dynamic:
    needs: gen
    runs-on: ubuntu-latest
    strategy:
      max-parallel: 1
      matrix: ${{ fromJSON(needs.gen.outputs.m) }}
    steps:
      - run: |
          echo "start ${{ matrix.n }}" >> dynamic.txt; sleep 0.2; echo "end ${{ matrix.n }}" >> dynamic.txt
          [ ${{ matrix.n }} != 2 ]
  dynamic-check:
    needs: dynamic
    if: always()
    runs-on: ubuntu-latest
    steps:
      - run: echo "dynamic $(tr '\n' ',' < dynamic.txt)"
"#;
    let dir = workspace(wf);
    let (code, out) = run(dir.path(), &["--sandbox", "none", "-W", "wf.yml", "--parallel", "4"]);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("| order start 1,end 1,start 2,end 2,start 3,end 3,"), "one leg at a time: {out}");
    // The same for a matrix known only at run time, where fail-fast stops after leg 2.
    assert!(out.contains("| dynamic start 1,end 1,start 2,end 2,"), "{out}");
    // fail-fast (the default) cancels the legs not started when one fails; without it, all run.
    let legs = |name: &str| out.lines().filter(|l| l.contains(&format!("| {name} leg "))).count();
    assert_eq!((legs("fast"), legs("slow")), (2, 3), "{out}");
    assert!(out.lines().any(|l| l.starts_with("wf") && l.contains("fast") && l.ends_with("failure")), "{out}");
}

#[test]
fn a_terminal_gets_a_live_line_per_running_step() {
    let wf = "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo before; sleep 1; echo after\n";
    let dir = workspace(wf);
    let w3 = env!("CARGO_BIN_EXE_w3");
    // `script` runs w3 on a pseudo-terminal, as a user's shell would.
    let on_terminal = |ci: Option<&str>| {
        let mut cmd = Command::new("script");
        cmd.args(["-qec", &format!("{w3} run -W wf.yml --sandbox none"), "/dev/null"]).current_dir(dir.path());
        match ci {
            Some(v) => cmd.env("CI", v),
            None => cmd.env_remove("CI"),
        };
        let out = cmd.output().expect("`script` (util-linux) runs commands on a terminal");
        assert_eq!(out.status.code(), Some(0));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let text = on_terminal(None);
    assert!(text.contains("[wf/a] run: echo before; sleep 1; echo after"), "a spinner line: {text}");
    assert!(text.contains("[wf/a]   | before") && text.contains("[wf/a]   | after"), "{text}");
    // CI logs stay plain, terminal or not.
    let text = on_terminal(Some("true"));
    assert!(!text.contains('\u{1b}') && text.contains("[wf/a]   | after"), "{text}");
    let out = Command::new(w3)
        .args(["run", "-W", "wf.yml", "--sandbox", "none"])
        .current_dir(dir.path())
        .env_remove("CI")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!text.contains('\u{1b}') && text.contains("[wf/a]   | after"), "{text}");
}

#[test]
fn workflows_github_refuses_to_load_are_refused() {
    // `env` is not available in a job's `env:`, and job `b` needs a job that does not exist.
    let wf = "on: push\nenv:\n  A: x\njobs:\n  a:\n    runs-on: ubuntu-latest\n    env:\n      B: ${{ env.A }}\n    steps:\n      - run: echo \"$B\"\n  b:\n    needs: zzz\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo b\n";
    let dir = workspace(wf);
    let (code, out) = run(dir.path(), &["--sandbox", "none", "-W", "wf.yml"]);
    assert_eq!(code, Some(2), "{out}");
    assert!(out.contains("wf.yml:8:14: context \"env\" is not allowed here."), "{out}");
    assert!(out.contains("wf.yml:11:3: job \"b\" needs job \"zzz\" which does not exist"), "{out}");
    assert!(!out.contains("| "), "nothing ran: {out}");
    let o =
        Command::new(env!("CARGO_BIN_EXE_w3")).args(["compile", "wf.yml"]).current_dir(dir.path()).output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("[job-needs]"));
}

#[test]
fn a_job_can_be_held_to_a_process_count() {
    let root = Command::new("id").arg("-u").output().map(|o| o.stdout == b"0\n").unwrap_or(false);
    if !root {
        // Control groups for w3 need root here (cgroup v1) or a delegated cgroup v2.
        return;
    }
    let wf = "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: |\n          for i in $(seq 40); do sleep 1 & done\n          echo \"running: $(jobs -p | wc -l)\"\n";
    let dir = workspace(wf);
    // bash waits and retries a fork the limit refuses: the loop gets through slowly, or fails.
    let (_, out) = run(dir.path(), &["-W", "wf.yml", "--job-pids", "16"]);
    assert!(out.contains("fork: retry: Resource temporarily unavailable"), "the job is held to 16 processes: {out}");
    assert!(!out.contains("running: 40"), "{out}");
    let (code, out) = run(dir.path(), &["-W", "wf.yml"]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("running: 40"), "without the limit all start: {out}");
}

#[test]
fn a_step_whose_expression_fails_says_why_and_fails() {
    let wf = "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo before\n      - run: echo ${{ fromJSON('{bad') }}\n      - run: echo after\n      - if: failure()\n        run: echo cleanup\n      - uses: ./act\n        if: always()\n        with:\n          who: ${{ fromJSON('[') }}\n";
    let dir = workspace(wf);
    std::fs::create_dir(dir.path().join("act")).unwrap();
    let action = "inputs:\n  who: {}\nruns:\n  using: composite\n  steps: [{shell: bash, run: echo composite ran}]\n";
    std::fs::write(dir.path().join("act/action.yml"), action).unwrap();
    let (code, out) = run(dir.path(), &["--sandbox", "none", "--progress", "never", "-W", "wf.yml"]);
    assert_eq!(code, Some(1), "{out}");
    // A plain step and a composite action's step alike.
    for want in [
        "[wf/a]   | Error: wf.yml:7:32: Error parsing JSON when evaluating fromJson: key must be a string at line 1 column 2",
        "[wf/a]   | Error: wf.yml:14:29: Error parsing JSON when evaluating fromJson: EOF while parsing a list at line 1 column 1",
    ] {
        assert!(out.lines().any(|l| l == want), "missing {want:?} in:\n{out}");
    }
    assert!(out.contains("| before") && out.contains("| cleanup") && !out.contains("| after"), "{out}");
    assert!(!out.contains("composite ran"), "{out}");
}
