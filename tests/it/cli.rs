//! The CLI's contract: output, exit codes 0/1/2/3, one-line errors for bad input, and the
//! same bytes from the same command (timings aside).

use std::path::PathBuf;
use std::process::{Command, Output};

fn paxos_lab(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_paxos-lab"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("paxos-lab runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("utf-8")
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).expect("utf-8")
}

/// Replaces every figure that depends on timing with `#`.
fn redact(text: &str) -> String {
    text.split_inclusive('\n')
        .map(|line| {
            line.split(' ')
                .map(|w| match w.split_once('=') {
                    Some((k, _)) if k == "seconds" || k == "states/s" => format!("{k}=#"),
                    _ => w.to_string(),
                })
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

fn temp_scenario(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("paxos-lab-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(format!("{name}.toml"));
    std::fs::write(&path, text).expect("write scenario");
    path
}

const CLASSIC: &str = include_str!("../../scenarios/classic.toml");

#[test]
fn check_without_arguments_verifies_paxos_on_classic_and_exits_0() {
    let o = paxos_lab(&["check"]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(out.contains("variant paxos on scenario classic"));
    for p in [
        "coherence",
        "conflict-resolution",
        "no-takebacks",
        "fault-tolerance",
    ] {
        assert!(
            out.lines()
                .any(|l| l.trim_start().starts_with(p) && l.contains("holds")),
            "{p} holds in:\n{out}"
        );
    }
    assert!(out.contains("states=149721 unique=35654 depth=22"));
    assert!(out.contains("verdict: all 4 properties hold (exhaustive) (exit 0)"));
}

#[test]
fn a_violation_exits_1_with_a_short_readable_counterexample() {
    let o = paxos_lab(&["check", "--variant", "ignore-promised-value"]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("counterexample: conflict-resolution violated after 12 steps"));
    assert!(out.contains("p1 -> a1  Prepare(b=1)"));
    assert!(out.contains("Promise(b=2, accepted=(b=1, \"red\"))"));
    assert!(out.contains("VIOLATED conflict-resolution: more than one value chosen"));
    assert!(!out.contains("Id("), "no raw Debug dump:\n{out}");
    assert!(!out.contains("Deliver {"), "no raw Debug dump:\n{out}");
}

#[test]
fn the_same_command_prints_the_same_bytes() {
    for args in [
        &["check", "--variant", "ignore-promised-value"][..],
        &[
            "check",
            "--variant",
            "ignore-promised-value",
            "--threads",
            "2",
        ][..],
        &["list"][..],
    ] {
        let a = redact(&stdout(&paxos_lab(args)));
        let b = redact(&stdout(&paxos_lab(args)));
        assert_eq!(a, b, "{args:?}");
    }
    // And the thread count changes nothing but the engine line.
    let one = redact(&stdout(&paxos_lab(&[
        "check",
        "--variant",
        "ignore-promised-value",
    ])));
    let two = redact(&stdout(&paxos_lab(&[
        "check",
        "--variant",
        "ignore-promised-value",
        "--threads",
        "2",
    ])));
    assert_eq!(
        one.replace("1 thread\n", "N\n"),
        two.replace("2 threads\n", "N\n")
    );
}

#[test]
fn a_bound_exits_3_and_says_inconclusive() {
    let o = paxos_lab(&["check", "--depth-max", "5"]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(3), "{out}");
    assert!(out.contains("inconclusive"));
    assert!(!out.contains(" holds\n") || out.contains("fault-tolerance"));
    assert!(!out.contains("all 4 properties hold"));
}

#[test]
fn list_names_variants_scenarios_and_properties() {
    let o = paxos_lab(&["list"]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(0));
    for name in [
        "paxos",
        "ignore-promised-value",
        "volatile-acceptor",
        "classic",
        "lossy-duplicating",
        "crash-restart",
        "five-acceptors",
        "coherence",
        "conflict-resolution",
        "no-takebacks",
        "fault-tolerance",
    ] {
        assert!(out.contains(name), "{name} in:\n{out}");
    }
}

/// Every bad input: exit 2, one line on stderr, naming what is wrong and the fix.
fn assert_bad(args: &[&str], needles: &[&str]) {
    let o = paxos_lab(args);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
    assert!(
        stdout(&o).is_empty() || !stdout(&o).contains("verdict"),
        "{args:?}"
    );
    assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
    for n in needles {
        assert!(err.contains(n), "{args:?}: {n:?} in {err}");
    }
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn unknown_names_exit_2_with_the_known_ones() {
    assert_bad(
        &["check", "--variant", "nope"],
        &["unknown variant `nope`", "ignore-promised-value"],
    );
    assert_bad(
        &["check", "--scenario", "nope"],
        &["`nope`", "no scenario of that name", "classic"],
    );
    assert_bad(
        &["check", "--scenario", "missing/file.toml"],
        &["missing/file.toml", "no such file"],
    );
    assert_bad(&["check", "--threads", "0"], &["--threads", "fix"]);
}

#[test]
fn bad_scenarios_exit_2_naming_file_field_and_fix() {
    let cases: &[(&str, String, &[&str])] = &[
        (
            "zero-acceptors",
            CLASSIC.replace("acceptors = 3", "acceptors = 0"),
            &[
                "zero-acceptors.toml",
                "`acceptors`",
                "between 1 and 9",
                "fix:",
            ],
        ),
        (
            "unknown-field",
            CLASSIC.replace("learners = 2", "learners = 2\nlearner = 2"),
            &[
                "unknown-field.toml:",
                "`learner`",
                "unknown field",
                "remove or rename",
            ],
        ),
        (
            "too-many-values",
            CLASSIC.replace("[\"red\", \"blue\"]", "[\"red\", \"blue\", \"green\"]"),
            &["`values`", "3 values but only 2 proposers", "fix:"],
        ),
        (
            "bad-delivery",
            CLASSIC.replace("\"unordered\"", "\"carrier-pigeon\""),
            &[
                "`network.delivery`",
                "carrier-pigeon",
                "unordered-duplicating",
            ],
        ),
        (
            "wrong-type",
            CLASSIC.replace("proposers = 2", "proposers = \"two\""),
            &["wrong-type.toml:", "`proposers`", "fix:"],
        ),
        (
            "missing-field",
            CLASSIC.replace("ballots_max = 1\n", ""),
            &["`ballots_max`", "missing", "fix:"],
        ),
        (
            "crash-without-role",
            CLASSIC.replace("crashes_max = 0", "crashes_max = 1"),
            &["`faults.may_crash`", "no role may crash", "fix:"],
        ),
        (
            "not-toml",
            "proposers = = 2".to_string(),
            &["not-toml.toml:1", "fix:"],
        ),
    ];
    for (name, text, needles) in cases {
        let path = temp_scenario(name, text);
        assert_bad(&["check", "--scenario", path.to_str().unwrap()], needles);
    }
}
