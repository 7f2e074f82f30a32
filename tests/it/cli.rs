//! The CLI's contract: output, exit codes 0/1/2/3, one-line errors for bad input, and the
//! same bytes from the same command (timings aside).

use std::path::PathBuf;
use std::process::Output;

use super::paxos_lab;

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
    // One search judges the safety properties and the fault-tolerance graph part: the
    // reduced space (dead messages pruned), its stubborn sets widened for the cuts.
    assert!(out.contains("states=3202 unique=836 depth=18"), "{out}");
    assert!(out.contains("dead messages: pruned"), "{out}");
    // Every path is finite there, so the partial-order reduction needs no cycle proviso.
    assert!(out.contains("partial-order reduction: used"));
    assert!(
        out.contains("no cycle proviso: every path is finite"),
        "{out}"
    );
    assert!(out.contains("fault-tolerance graph: judged in the safety search above"));
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

/// The lines from `counterexample:` up to (not including) the `saved:` line.
fn counterexample_block(out: &str) -> String {
    let start = out.find("counterexample:").expect("a counterexample");
    let rest = &out[start..];
    let end = rest.find("  saved:").unwrap_or(rest.len());
    rest[..end].to_string()
}

#[test]
fn simulate_finds_the_bug_shrinks_it_and_its_reproduce_line_gives_the_same_bytes() {
    let dir = std::env::temp_dir().join(format!("paxos-lab-sim-{}", std::process::id()));
    let d = dir.to_str().unwrap();
    let o = paxos_lab(&[
        "simulate",
        "--variant",
        "ignore-promised-value",
        "--report",
        d,
    ]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("shrunk: "), "{out}");
    let line = out
        .lines()
        .find_map(|l| l.strip_prefix("reproduce: paxos-lab "))
        .expect("a reproduce line");
    let mut args: Vec<&str> = line.split(' ').collect();
    args.extend(["--report", d]);
    let again = paxos_lab(&args);
    assert_eq!(again.status.code(), Some(1));
    let again_out = stdout(&again);
    assert!(
        again_out.contains("SEED="),
        "parameters before the run:\n{again_out}"
    );
    assert_eq!(counterexample_block(&out), counterexample_block(&again_out));
    // The saved trace replays to the same text.
    let replayed = paxos_lab(&["replay", &format!("{d}/conflict-resolution.json")]);
    assert_eq!(replayed.status.code(), Some(1));
    let r = stdout(&replayed);
    let trace = counterexample_block(&out);
    let steps = &trace[trace.find('\n').unwrap() + 1..];
    assert!(r.contains(steps), "replay shows the same steps:\n{r}");
}

#[test]
fn simulate_correct_paxos_exits_0_and_says_a_simulation_proves_nothing() {
    let o = paxos_lab(&[
        "simulate",
        "--runs",
        "500",
        "--threads",
        "2",
        "--check-determinism",
    ]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(out.contains("coherence            no violation in 500 runs"));
    assert!(out.contains("a simulation proves nothing"));
    assert!(out.contains("determinism: seeds 0..499 each ran twice with byte-identical traces"));
}

#[test]
fn simulate_rejects_bad_flags_with_exit_2() {
    assert_bad(
        &["simulate", "--drop", "2"],
        &["--drop", "probability", "fix:"],
    );
    assert_bad(&["simulate", "--runs", "0"], &["--runs", "at least 1"]);
    assert_bad(
        &["simulate", "--variant", "nope"],
        &["unknown variant `nope`"],
    );
}

/// In a world with crashes the safety properties are judged on the fault-tolerance graph's
/// exploration: a bound that stops it still reports, at its least depth, a violation found
/// before it (its path read off the partial graph), leaves the rest inconclusive, and says
/// the graph was not judged; the saved trace replays.
#[test]
fn a_bound_in_a_world_with_crashes_keeps_a_violation_found_before_it() {
    let dir = std::env::temp_dir().join(format!("paxos-lab-bound-{}", std::process::id()));
    let d = dir.to_str().unwrap();
    let o = paxos_lab(&[
        "check",
        "--scenario",
        "crash-restart",
        "--variant",
        "volatile-acceptor",
        "--states-max",
        "20000",
        "--report",
        d,
    ]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(
        out.contains("conflict-resolution  VIOLATED   after 14 steps"),
        "{out}"
    );
    assert!(out.contains("coherence            inconclusive"), "{out}");
    assert!(
        out.contains("stopped by a bound before it was whole, so not judged"),
        "{out}"
    );
    let r = paxos_lab(&["replay", &format!("{d}/conflict-resolution.json")]);
    assert!(
        stdout(&r).contains("verdict: still violated: conflict-resolution after 14 steps (exit 1)"),
        "{}",
        stdout(&r)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn replay_round_trip_from_check_gives_identical_trace_text() {
    let dir = std::env::temp_dir().join(format!("paxos-lab-check-{}", std::process::id()));
    let d = dir.to_str().unwrap();
    let o = paxos_lab(&["check", "--variant", "ignore-promised-value", "--report", d]);
    let out = stdout(&o);
    let file = format!("{d}/conflict-resolution.json");
    let r = paxos_lab(&["replay", &file]);
    assert_eq!(r.status.code(), Some(1));
    let start = out.find("counterexample: conflict-resolution").unwrap();
    let block = &out[start..];
    let steps = &block[block.find('\n').unwrap() + 1..block.find("  saved:").unwrap()];
    assert!(stdout(&r).contains(steps), "{}", stdout(&r));
    assert!(
        stdout(&r).contains("verdict: still violated: conflict-resolution after 12 steps (exit 1)")
    );
}

#[test]
fn replay_refuses_tampered_stale_or_corrupt_files_with_exit_2() {
    let dir = std::env::temp_dir().join(format!("paxos-lab-tamper-{}", std::process::id()));
    let d = dir.to_str().unwrap();
    paxos_lab(&["check", "--variant", "ignore-promised-value", "--report", d]);
    let file = format!("{d}/conflict-resolution.json");
    let good = std::fs::read_to_string(&file).unwrap();
    let write = |name: &str, text: &str| {
        let p = format!("{d}/{name}.json");
        std::fs::write(&p, text).unwrap();
        p
    };
    let v: serde_json::Value = serde_json::from_str(&good).unwrap();
    let scenario_hash = v["scenario"]["hash"].as_str().unwrap().to_string();
    let variant_hash = v["variant"]["hash"].as_str().unwrap().to_string();
    let stale_scenario = write(
        "stale-scenario",
        &good.replace(&scenario_hash, "0000000000000000"),
    );
    assert_bad(
        &["replay", &stale_scenario],
        &["stale-scenario.json", "changed since the trace was written"],
    );
    let stale_variant = write(
        "stale-variant",
        &good.replace(&variant_hash, "0000000000000000"),
    );
    assert_bad(
        &["replay", &stale_variant],
        &["variant `ignore-promised-value` changed"],
    );
    let corrupt = write("corrupt", &good[..good.len() / 2]);
    assert_bad(
        &["replay", &corrupt],
        &["corrupt.json", "not a paxos-lab trace file", "fix:"],
    );
    let version = write(
        "version",
        &good.replace("\"version\": 1", "\"version\": 99"),
    );
    assert_bad(&["replay", &version], &["`version` is 99"]);
    assert_bad(&["replay", "/nonexistent/trace.json"], &["cannot read"]);
    // A well-formed path the current code cannot take: its first step delivers a promise
    // nobody sent yet. Exit 0, naming the step and why.
    let detour = write(
        "detour",
        &good.replacen(
            "\"p1 -> a1  Prepare(b=1)\"",
            "\"a1 -> p1  Promise(b=1, accepted=none)\"",
            1,
        ),
    );
    let o = paxos_lab(&["replay", &detour]);
    assert_eq!(o.status.code(), Some(0));
    assert!(
        stdout(&o).contains(
            "no longer possible: step 1 `a1 -> p1  Promise(b=1, accepted=none)` is not enabled"
        ),
        "{}",
        stdout(&o)
    );
}

#[test]
fn new_variant_writes_a_template_and_registers_it_in_order() {
    let root = std::env::temp_dir().join(format!("paxos-lab-new-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(root.join("models/variants")).unwrap();
    std::fs::create_dir_all(root.join("models/src")).unwrap();
    std::fs::create_dir_all(root.join("tests/it/snapshots")).unwrap();
    std::fs::create_dir_all(root.join("reports/classic/fast-quorum")).unwrap();
    let own = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let copied = [
        "models/variants/mod.rs",
        "models/src/registry.rs",
        "tests/it/catalog.rs",
        "reports/matrix.md",
    ];
    for f in copied {
        std::fs::copy(own.join(f), root.join(f)).unwrap();
    }
    let r = root.to_str().unwrap();
    let o = paxos_lab(&[
        "new-variant",
        "fast-quorum",
        "--hook",
        "phase2_quorum",
        "--root",
        r,
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let file = std::fs::read_to_string(root.join("models/variants/fast_quorum.rs")).unwrap();
    for needle in [
        "//! `fast-quorum`",
        "//! # Bug",
        "//! # Violates",
        "//! # Why",
        "//! # Counterexample",
        "//! # Reference",
        "impl Rules for FastQuorum",
        "fn phase2_quorum(&self, acceptors: usize) -> usize {",
        "majority(acceptors)",
        "declared: false",
    ] {
        assert!(file.contains(needle), "{needle} in:\n{file}");
    }
    let mods = std::fs::read_to_string(root.join("models/variants/mod.rs")).unwrap();
    let lines: Vec<&str> = mods.lines().filter(|l| l.starts_with("pub mod ")).collect();
    assert!(lines.contains(&"pub mod fast_quorum;"));
    let mut sorted = lines.clone();
    sorted.sort();
    assert_eq!(lines, sorted);
    let reg = std::fs::read_to_string(root.join("models/src/registry.rs")).unwrap();
    let entries: Vec<&str> = reg
        .lines()
        .filter(|l| l.starts_with("    variants::"))
        .collect();
    assert!(entries.contains(&"    variants::fast_quorum::VARIANT,"));
    let mut sorted = entries.clone();
    sorted.sort();
    assert_eq!(entries, sorted);
    // Bad names, unknown hooks and existing variants are refused.
    assert_bad(
        &[
            "new-variant",
            "Fast_Quorum",
            "--hook",
            "phase2_quorum",
            "--root",
            r,
        ],
        &["`Fast_Quorum`", "fix:"],
    );
    assert_bad(
        &["new-variant", "other", "--hook", "nope", "--root", r],
        &["unknown hook `nope`", "may_accept"],
    );
    assert_bad(
        &[
            "new-variant",
            "fast-quorum",
            "--hook",
            "may_accept",
            "--root",
            r,
        ],
        &["already exists"],
    );
    assert_bad(
        &["new-variant", "paxos", "--hook", "may_accept", "--root", r],
        &["`paxos` already exists"],
    );

    // `--remove` undoes it and the tutorial's later steps: the pin, the snapshots, the
    // reports and the matrix rows, leaving every copied file as it was.
    let append = |f: &str, text: &str| {
        let path = root.join(f);
        let mut old = std::fs::read_to_string(&path).unwrap();
        old.push_str(text);
        std::fs::write(path, old).unwrap();
    };
    append(
        "tests/it/catalog.rs",
        "    fast_quorum: \"fast-quorum\" on \"classic\" => [(Coherence, 12)];\n",
    );
    append("reports/matrix.md", "| `fast-quorum` | holds (5/5) |\n");
    let snap = root.join("tests/it/snapshots/it__catalog__fast-quorum@classic@coherence.snap");
    std::fs::write(&snap, "x").unwrap();
    std::fs::write(
        root.join("reports/classic/fast-quorum/coherence.json"),
        "{}",
    )
    .unwrap();
    let o = paxos_lab(&["new-variant", "--remove", "fast-quorum", "--root", r]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("removed models/variants/fast_quorum.rs"));
    for f in copied {
        assert_eq!(
            std::fs::read_to_string(root.join(f)).unwrap(),
            std::fs::read_to_string(own.join(f)).unwrap(),
            "{f} restored"
        );
    }
    assert!(!root.join("models/variants/fast_quorum.rs").exists());
    assert!(!snap.exists());
    assert!(!root.join("reports/classic/fast-quorum").exists());
    assert_bad(
        &["new-variant", "--remove", "fast-quorum", "--root", r],
        &["does not exist", "fix:"],
    );
    assert_bad(
        &["new-variant", "--remove", "paxos", "--root", r],
        &["`paxos` is correct Paxos"],
    );
    let _ = std::fs::remove_dir_all(&root);
}

/// `bench`'s first-violation cells time runs that find something: every breadth-first cell
/// (each a variant in a world it is meant to break) ends with a trace's length or with
/// "unreachable", never with "-" (a cell for fault tolerance once timed a run that
/// stopped before its graph part and found nothing).
#[test]
fn bench_times_every_first_violation_it_finds() {
    let o = paxos_lab(&[
        "bench",
        "--runs",
        "1",
        "--engines",
        "none",
        "--color",
        "never",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    let cells: Vec<&str> = out
        .lines()
        .filter(|l| l.starts_with("bench=first-violation engine=check-bfs"))
        .collect();
    assert!(
        cells.len() >= 30,
        "a cell per catalog variant and world:\n{out}"
    );
    for cell in cells {
        let shortest = cell
            .split(' ')
            .find_map(|w| w.strip_prefix("shortest_steps="))
            .expect("a shortest_steps field");
        assert!(
            shortest == "unreachable" || shortest.parse::<usize>().is_ok_and(|n| n > 0),
            "the run found nothing: {cell}"
        );
    }
}
