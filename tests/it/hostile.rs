//! Hostile input, table-driven: every malformed scenario under `tests/fixtures/`, corrupt
//! and edited traces, bounds at their limits, an interrupt. Each case asserts the exit code,
//! a one-line message, and that nothing is left behind.

use std::path::Path;

use super::{run_in, workdir};

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Every file left under `dir/reports` (staging directories and temporaries included).
fn files_under(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    let mut stack = vec![dir.join("reports")];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                found.push(p.display().to_string());
            }
        }
    }
    found.sort();
    found
}

/// One line on stderr with `needles` and a fix, exit 2, and no file written under reports/.
fn refused(dir: &Path, args: &[&str], needles: &[&str]) {
    let before = files_under(dir);
    let o = run_in(dir, args);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
    assert_eq!(err.lines().count(), 1, "{args:?}: one line, got: {err}");
    assert!(err.contains("fix:"), "{args:?}: {err}");
    for n in needles {
        assert!(err.contains(n), "{args:?}: `{n}` in {err}");
    }
    assert!(
        err.len() < 1200,
        "{args:?}: a bounded line: {} bytes",
        err.len()
    );
    assert_eq!(
        files_under(dir),
        before,
        "{args:?}: no file written or left behind"
    );
}

#[test]
fn every_malformed_scenario_fixture_is_one_line_exit_2_naming_the_file() {
    let dir = workdir("fixtures");
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/bad-scenarios");
    let mut names: Vec<_> = std::fs::read_dir(&fixtures)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    names.sort();
    assert_eq!(names.len(), 106, "the fixtures");
    for path in names {
        let p = path.to_str().unwrap();
        let file = path.file_name().unwrap().to_str().unwrap();
        refused(&dir, &["check", "--scenario", p], &[file]);
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn hostile_scenarios_paths_and_flags_are_refused() {
    let dir = workdir("hostile");
    let put = |name: &str, body: &[u8]| {
        let p = dir.join(name);
        std::fs::write(&p, body).unwrap();
        p.to_str().unwrap().to_string()
    };
    let classic = std::fs::read_to_string(dir.join("scenarios/classic.toml")).unwrap();
    // A file name that would steer reports out of reports/.
    let dots = put("...toml", classic.as_bytes());
    refused(
        &dir,
        &["check", "--scenario", &dots],
        &["cannot name a report directory"],
    );
    // Huge files are refused before they are read.
    let huge = put("huge.toml", &vec![b'#'; 2 << 20]);
    refused(&dir, &["check", "--scenario", &huge], &["over 1024 KB"]);
    // Values that would reach a terminal or a Markdown file raw.
    let esc = put(
        "esc.toml",
        classic.replace("\"blue\"", "\"blue\\u001b[2J\"").as_bytes(),
    );
    refused(&dir, &["check", "--scenario", &esc], &["control character"]);
    // Flags.
    refused(&dir, &["matrix", "--threads", "0"], &["--threads"]);
    refused(&dir, &["check", "--threads", "0"], &["--threads"]);
    refused(&dir, &["check", "--states-max", "0"], &["--states-max"]);
    refused(
        &dir,
        &["new-variant", "paxos", "--hook", "may_accept"],
        &["`paxos` already exists"],
    );
    refused(
        &dir,
        &["check", "--root", "/nonexistent/clone"],
        &["--root"],
    );
    // A built binary never falls back on the tree it was built in.
    let empty = std::env::temp_dir().join(format!("paxos-lab-empty-{}", std::process::id()));
    std::fs::create_dir_all(&empty).unwrap();
    refused(&empty, &["check"], &["no scenario of that name", "--root"]);
    refused(
        &empty,
        &["new-variant", "x-y", "--hook", "may_accept"],
        &["models/variants/mod.rs"],
    );
    let _ = std::fs::remove_dir_all(&empty);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn edited_traces_are_corrupt_refused_or_still_violated_as_they_are() {
    let dir = workdir("traces");
    let o = run_in(&dir, &["check", "--variant", "ignore-promised-value"]);
    assert_eq!(o.status.code(), Some(1));
    let file = dir.join("reports/classic/ignore-promised-value/conflict-resolution.json");
    let good = std::fs::read_to_string(&file).unwrap();
    let mut doc: serde_json::Value = serde_json::from_str(&good).unwrap();
    let actions: Vec<String> = serde_json::from_value(doc["actions"].clone()).unwrap();
    assert_eq!(actions.len(), 12);
    let traces = dir.join("edited");
    std::fs::create_dir_all(&traces).unwrap();
    let with = |name: &str, edit: &dyn Fn(&mut serde_json::Value)| {
        let mut d = doc.clone();
        edit(&mut d);
        let p = traces.join(format!("{name}.json"));
        std::fs::write(&p, serde_json::to_string_pretty(&d).unwrap()).unwrap();
        p.to_str().unwrap().to_string()
    };
    let set_step = |i: usize, w: &'static str| {
        move |d: &mut serde_json::Value| d["actions"][i] = serde_json::json!(w)
    };
    // Corrupt: a node, a message or a word the world cannot have.
    for (name, step, word, needle) in [
        ("node", 0, "p9 -> a1  Prepare(b=1)", "node `p9`"),
        ("ballot", 0, "p1 -> a1  Prepare(b=7)", "Prepare(b=7)"),
        (
            "value",
            6,
            "p1 -> a2  Accept(b=1, \"green\")",
            "no node of this world can send",
        ),
        ("garbage", 3, "hello world", "does not parse"),
    ] {
        let p = with(name, &set_step(step, word));
        refused(
            &dir,
            &["replay", &p],
            &[&format!("step {}", step + 1), needle],
        );
        refused(&dir, &["explore", "--trace", &p, "--port", "0"], &[needle]);
    }
    let long = with("long", &|d| {
        d["engine"] = serde_json::json!("x".repeat(1 << 20))
    });
    refused(&dir, &["replay", &long], &["field `engine`", "bytes)"]);
    let ft = with("ft", &|d| {
        d["property"] = serde_json::json!("fault-tolerance")
    });
    // Relabelled as a fault-tolerance trace: from its last state a decision is still
    // reachable, so on this path fault tolerance holds (exit 0).
    let o = run_in(&dir, &["replay", &ft]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stdout));
    assert!(text(&o.stdout).contains("verdict: fault-tolerance now holds on this path"));
    let stale = with("stale", &|d| {
        d["scenario"]["hash"] = serde_json::json!("0000000000000000")
    });
    refused(
        &dir,
        &["explore", "--trace", &stale, "--port", "0"],
        &["changed since"],
    );
    // Still violated: a well-formed step appended after the violating step 12.
    let appended = with("appended", &|d| {
        d["actions"]
            .as_array_mut()
            .unwrap()
            .push(serde_json::json!("p2 -> a3  Prepare(b=2)"))
    });
    let o = run_in(&dir, &["replay", &appended]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stdout));
    assert!(text(&o.stdout).contains("still violated: conflict-resolution after 12 steps"));
    // A well-formed step the current code refuses: a duplicated delivery on a network that
    // delivers each message once. Exit 0, naming the step and why.
    let dup = with("dup", &|d| {
        let a = d["actions"].as_array_mut().unwrap();
        let first = a[0].clone();
        a.insert(1, first);
    });
    let o = run_in(&dir, &["replay", &dup]);
    let out = text(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(
        out.contains("no longer possible: step 2 `p1 -> a1  Prepare(b=1)` is not enabled with the current code: no message from p1 -> a1 is in flight"),
        "{out}"
    );
    doc["actions"] = serde_json::json!(actions);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bounds_bound_the_whole_run() {
    let dir = workdir("bounds");
    // A depth bound beyond every path is no bound (it overflowed to 1 state).
    let o = run_in(
        &dir,
        &[
            "check",
            "--strategy",
            "dfs",
            "--depth-max",
            "18446744073709551615",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stdout));
    assert!(text(&o.stdout).contains("unique=389176"));
    // The state bound holds for the safety search and the fault-tolerance searches together,
    // to within one block of states (2048 expanded states and their successors).
    let o = run_in(&dir, &["check", "--states-max", "1000", "--json"]);
    assert_eq!(o.status.code(), Some(3));
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(doc["unique"].as_u64().unwrap() < 1000 + 4096 * 8, "{doc}");
    assert_eq!(doc["verdicts"][3]["verdict"], "inconclusive");
    // When the witnesses (run first here) spend the whole bound, the text says so instead of
    // counting a safety search that stopped at its initial states.
    let o = run_in(&dir, &["check", "--states-max", "300"]);
    assert_eq!(o.status.code(), Some(3));
    let out = text(&o.stdout);
    assert!(
        out.contains("safety search: stopped at its initial states: the fault-tolerance witnesses below used up --states-max 300"),
        "{out}"
    );
    assert!(!out.lines().any(|l| l.starts_with("states=")), "{out}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn sigint_stops_a_check_says_what_it_covered_and_writes_nothing() {
    let dir = workdir("sigint");
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_paxos-lab"))
        .args([
            "check",
            "--scenario",
            "three-proposers",
            "--reduction",
            "none",
        ])
        .current_dir(&dir)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let kill = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(kill.success());
    let o = child.wait_with_output().unwrap();
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(130), "{err}");
    let last = err.lines().last().unwrap_or_default();
    assert!(last.starts_with("interrupted by SIGINT: covered "), "{err}");
    assert!(last.contains("nothing is proven and no report was written (exit 130)"));
    assert!(
        !text(&o.stdout).contains("verdict:"),
        "no verdict after an interrupt"
    );
    assert_eq!(files_under(&dir), Vec::<String>::new());
    assert!(
        !dir.join("reports").exists(),
        "not even an empty report directory"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
