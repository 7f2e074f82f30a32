//! What a newcomer meets in the first hour: reports that never overwrite each other's,
//! warnings for a variant outside its world, `list` that reads as columns, one-line usage
//! errors, bounds that say so, and the small print ("1 run", one SEED line).

use super::{paxos_lab, run_in, workdir};

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).expect("utf-8")
}

#[test]
fn check_and_simulate_keep_their_own_reports() {
    let dir = workdir("keyed");
    let check = run_in(&dir, &["check", "--variant", "ignore-promised-value"]);
    assert_eq!(check.status.code(), Some(1));
    let checked = dir.join("reports/classic/ignore-promised-value/conflict-resolution.json");
    let before = std::fs::read_to_string(&checked).expect("check saved its trace");
    assert!(text(&check.stdout).contains(
        "(replay: paxos-lab replay reports/classic/ignore-promised-value/conflict-resolution.json)"
    ));
    let sim = run_in(&dir, &["simulate", "--variant", "ignore-promised-value"]);
    assert_eq!(sim.status.code(), Some(1));
    let out = text(&sim.stdout);
    let seed: u64 = out
        .lines()
        .find_map(|l| l.strip_prefix("first violation: seed "))
        .and_then(|l| l.split(' ').next())
        .and_then(|s| s.parse().ok())
        .expect("the first violation's seed");
    let sub = format!("reports/classic/ignore-promised-value/simulate-seed-{seed}/");
    assert!(out.contains(&format!("saved: {sub}")), "{out}");
    assert!(dir.join(&sub).join("conflict-resolution.md").is_file());
    // check's report is untouched, and replays as check's trace.
    assert_eq!(std::fs::read_to_string(&checked).unwrap(), before);
    let md = std::fs::read_to_string(checked.with_extension("md")).unwrap();
    assert!(md.contains("(bfs)") && !md.contains("(simulate)"), "{md}");
    let dfs = run_in(
        &dir,
        &[
            "check",
            "--variant",
            "ignore-promised-value",
            "--strategy",
            "dfs",
        ],
    );
    assert!(text(&dfs.stdout).contains("saved: reports/classic/ignore-promised-value/dfs/"));
    assert_eq!(std::fs::read_to_string(&checked).unwrap(), before);
    // No staging directory or temporary file is left anywhere.
    let mut stack = vec![dir.join("reports")];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            assert!(!name.starts_with('.'), "left behind: {}", p.display());
            if p.is_dir() {
                stack.push(p);
            }
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_variant_outside_its_scenarios_is_warned_about_with_its_quorums_there() {
    let o = paxos_lab(&["check", "--variant", "flexible-quorums"]);
    let err = text(&o.stderr);
    assert!(
        err.contains("warning: flexible-quorums is meant for four-acceptors; on classic its quorums are 3 of 3 (phase 1) and 1 of 3 (phase 2)"),
        "{err}"
    );
    let o = paxos_lab(&[
        "check",
        "--variant",
        "flexible-quorums",
        "--scenario",
        "four-acceptors",
    ]);
    assert!(!text(&o.stderr).contains("warning:"), "{}", text(&o.stderr));
    let o = paxos_lab(&["simulate", "--variant", "even-split-quorum", "--runs", "10"]);
    assert!(text(&o.stderr).contains("warning: even-split-quorum is meant for four-acceptors"));
}

#[test]
fn list_is_in_columns_and_shows_each_variants_scenarios() {
    let out = text(&paxos_lab(&["list"]).stdout);
    let lines: Vec<&str> = out.lines().collect();
    let width = 2 + paxos_models::VARIANTS
        .iter()
        .map(|v| v.name.len())
        .max()
        .unwrap();
    for v in paxos_models::VARIANTS {
        let at = lines
            .iter()
            .position(|l| l.trim_start().starts_with(&format!("{} ", v.name)))
            .unwrap_or_else(|| panic!("{} listed", v.name));
        // Every description starts in the same column, at least two spaces after the name.
        assert_eq!(
            &lines[at][2 + v.name.len()..2 + width].trim(),
            &"",
            "{}",
            lines[at]
        );
        assert!(
            lines[at][2 + width..].starts_with(v.summary),
            "{}",
            lines[at]
        );
        let meant = lines[at + 1].trim_start();
        assert!(meant.starts_with("meant for: "), "{meant}");
        for s in v.scenarios {
            assert!(meant.contains(s), "{}: {meant}", v.name);
        }
    }
}

#[test]
fn usage_errors_are_one_line_and_json_gets_an_error_object() {
    for args in [
        &["check", "--bogus"][..],
        &["check", "--threads", "x"],
        &["check", "--memory-max", "5x"],
        &["nope"],
    ] {
        let o = paxos_lab(args);
        let err = text(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(err.starts_with("error: ") && err.contains("fix:"), "{err}");
    }
    for args in [
        &["check", "--bogus", "--json"][..],
        &["check", "--variant", "nope", "--json"],
    ] {
        let o = paxos_lab(args);
        assert_eq!(o.status.code(), Some(2));
        let doc: serde_json::Value = serde_json::from_slice(&o.stdout).expect("a JSON error");
        assert_eq!(doc["exit_code"], 2);
        assert!(doc["error"].as_str().unwrap().contains("fix:"));
    }
}

#[test]
fn memory_max_ends_the_run_inconclusive() {
    let o = paxos_lab(&[
        "check",
        "--scenario",
        "five-acceptors",
        "--memory-max",
        "1M",
    ]);
    assert_eq!(o.status.code(), Some(3));
    let out = text(&o.stdout);
    assert!(out.contains("--memory-max 1 MB"), "{out}");
    assert!(out.contains("verdict: inconclusive"), "{out}");
}

#[test]
fn one_run_says_run_and_prints_its_seed_line_once() {
    let o = paxos_lab(&[
        "simulate",
        "--variant",
        "ignore-promised-value",
        "--runs",
        "1",
        "--seed",
        "7",
        "--report",
        std::env::temp_dir()
            .join(format!("paxos-lab-one-{}", std::process::id()))
            .to_str()
            .unwrap(),
    ]);
    let out = text(&o.stdout);
    assert!(out.contains("seeds 7..7 (1 run),"), "{out}");
    assert_eq!(out.matches("SEED=7 ").count(), 1, "{out}");
    // Not "(1 runs)", "in 1 runs", "of 1 runs" (a rate such as `steps/s=41 runs/s=` is fine).
    for bad in ["(1 runs)", "in 1 runs", "of 1 runs"] {
        assert!(!out.contains(bad), "{bad}: {out}");
    }
}

#[test]
fn narration_tells_the_crash_and_restart_that_wiped_a_learners_votes() {
    let o = paxos_lab(&[
        "check",
        "--variant",
        "recount-learner",
        "--scenario",
        "learner-crash",
        "--report",
        std::env::temp_dir()
            .join(format!("paxos-lab-recount-{}", std::process::id()))
            .to_str()
            .unwrap(),
    ]);
    let out = text(&o.stdout);
    // Unwrapped: the narration is folded at 100 columns.
    let why = out[out.find("  why:").expect("a narration")..]
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(why.contains("l1 crashes"), "{why}");
    assert!(
        why.contains(
            "l1 restarts from its durable storage and so loses what it kept only in memory: votes"
        ),
        "{why}"
    );
    assert_eq!(why.matches("l1 decides \"red\".").count(), 1, "{why}");
}
