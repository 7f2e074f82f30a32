//! Sharded simulation: a batch run as 1, 3 or 7 shards and merged prints what one
//! `simulate` over it prints, every line but the timing line; `--shard auto/N` reads the
//! batch scheduler's index; the merge refuses each kind of bad input with exit 2 naming the
//! file; and the deploy files run the very command the CLI accepts.

use std::path::{Path, PathBuf};
use std::process::Output;

use paxos_lab::sim::shard::Shard;

use super::{run_in, workdir};

fn text(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Everything but the machine-dependent timing line (`runs=... seconds=...`).
fn untimed(text: &str) -> String {
    text.lines()
        .filter(|l| !l.starts_with("runs="))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Runs every shard of `batch` split `n` ways into `dir`, and returns their files.
fn shards(dir: &Path, tag: &str, batch: &[&str], n: u64) -> Vec<PathBuf> {
    (0..n)
        .map(|i| {
            let file = dir.join(format!("{tag}-{i}-of-{n}.json"));
            let shard = format!("{i}/{n}");
            let mut args = batch.to_vec();
            args.extend(["--shard", &shard, "--out", file.to_str().unwrap()]);
            let o = run_in(dir, &args);
            assert!(
                matches!(o.status.code(), Some(0 | 1)),
                "{args:?}: {}",
                String::from_utf8_lossy(&o.stderr)
            );
            file
        })
        .collect()
}

fn merge(dir: &Path, files: &[PathBuf], extra: &[&str]) -> Output {
    let mut args = vec!["merge"];
    args.extend(files.iter().map(|f| f.to_str().unwrap()));
    args.extend(extra);
    run_in(dir, &args)
}

#[test]
fn the_split_is_contiguous_covers_every_run_once_and_is_balanced() {
    for runs in [1u64, 2, 7, 10, 1000, 100_003] {
        for n in 1..=8u64.min(runs) {
            let ranges: Vec<_> = (0..n)
                .map(|index| Shard { index, count: n }.range(runs))
                .collect();
            assert_eq!(ranges[0].start, 0);
            assert_eq!(ranges[n as usize - 1].end, runs);
            for w in ranges.windows(2) {
                assert_eq!(w[0].end, w[1].start, "{runs} runs, {n} shards");
            }
            let sizes: Vec<u64> = ranges.iter().map(|r| r.end - r.start).collect();
            let (lo, hi) = (sizes.iter().min().unwrap(), sizes.iter().max().unwrap());
            assert!(
                hi - lo <= 1 && *lo >= 1,
                "{runs} runs, {n} shards: {sizes:?}"
            );
        }
    }
    // Pinned: the documented split, so shard I of N is the same runs on any version.
    assert_eq!(Shard { index: 1, count: 3 }.range(10), 3..6);
    assert_eq!(Shard { index: 2, count: 3 }.range(10), 6..10);
}

#[test]
fn merged_shards_print_what_one_run_prints_for_1_3_and_7_shards() {
    let dir = workdir("shard-merge");
    let report = dir.join("report");
    let report = report.to_str().unwrap();
    for batch in [
        // A broken variant, every run judged: counts of each property, first violation.
        &[
            "simulate",
            "--variant",
            "ignore-promised-value",
            "--runs",
            "700",
            "--keep-going",
        ][..],
        // Stopping at the first failing seed: the merge counts what one process counts.
        &[
            "simulate",
            "--variant",
            "ignore-promised-value",
            "--runs",
            "300",
            "--seed",
            "5",
        ][..],
        // Faults, swarm and flags as typed (the reproduce line carries them).
        &[
            "simulate",
            "--scenario",
            "crash-restart",
            "--variant",
            "volatile-acceptor",
            "--runs",
            "400",
            "--swarm",
            "--steps",
            "120",
        ][..],
        // Partitions: the first violation's trace keeps its PARTITION and HEAL lines.
        &[
            "simulate",
            "--variant",
            "ignore-promised-value",
            "--runs",
            "300",
            "--partition",
            "0.1",
            "--one-way",
            "0.3",
        ][..],
        // Correct Paxos: no violation.
        &[
            "simulate",
            "--scenario",
            "lossy-duplicating",
            "--runs",
            "300",
        ][..],
    ] {
        let mut whole = batch.to_vec();
        whole.extend(["--report", report]);
        let one = run_in(&dir, &whole);
        for n in [1, 3, 7] {
            let files = shards(&dir, "shard", batch, n);
            let mut rev = files.clone();
            rev.reverse();
            let merged = merge(&dir, &rev, &["--report", report]);
            assert_eq!(merged.status.code(), one.status.code(), "{batch:?} in {n}");
            assert_eq!(
                untimed(&text(&merged)),
                untimed(&text(&one)),
                "{batch:?} in {n} shards"
            );
            // And the JSON document, but for the seconds.
            let json = |o: &Output| {
                let mut v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
                v["seconds"] = 0.into();
                v["cpu_seconds"] = 0.into();
                v
            };
            let mut whole_json = whole.clone();
            whole_json.push("--json");
            assert_eq!(
                json(&merge(&dir, &files, &["--report", report, "--json"])),
                json(&run_in(&dir, &whole_json)),
                "{batch:?} in {n} shards, --json"
            );
        }
    }
    let shown = untimed(&text(&run_in(
        &dir,
        &[
            "simulate",
            "--variant",
            "ignore-promised-value",
            "--runs",
            "700",
            "--keep-going",
        ],
    )));
    assert!(
        shown.contains("coherence            VIOLATED in"),
        "{shown}"
    );
}

#[test]
fn shard_auto_reads_the_slurm_or_kubernetes_index() {
    let dir = workdir("shard-auto");
    let batch = [
        "simulate", "--runs", "40", "--shard", "auto/4", "--out", "s.json",
    ];
    for var in ["SLURM_ARRAY_TASK_ID", "JOB_COMPLETION_INDEX"] {
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_paxos-lab"))
            .args(batch)
            .current_dir(&dir)
            .env_remove("SLURM_ARRAY_TASK_ID")
            .env_remove("JOB_COMPLETION_INDEX")
            .env(var, "2")
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(0), "{var}");
        let f: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("s.json")).unwrap()).unwrap();
        assert_eq!(f["shard"]["index"], 2, "{var}");
        assert_eq!(f["seeds"], serde_json::json!([20, 29]), "{var}");
    }
    // Neither set, both set, out of range, not a number: exit 2, one line, a fix.
    for (env, needle) in [
        (vec![], "neither is set"),
        (
            vec![("SLURM_ARRAY_TASK_ID", "1"), ("JOB_COMPLETION_INDEX", "1")],
            "ambiguous",
        ),
        (vec![("SLURM_ARRAY_TASK_ID", "4")], "--array=0-3"),
        (vec![("JOB_COMPLETION_INDEX", "x")], "not a shard index"),
    ] {
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_paxos-lab"))
            .args(batch)
            .current_dir(&dir)
            .env_remove("SLURM_ARRAY_TASK_ID")
            .env_remove("JOB_COMPLETION_INDEX")
            .envs(env.clone())
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{env:?}: {err}");
        assert!(
            err.contains(needle) && err.contains("fix:"),
            "{env:?}: {err}"
        );
        assert_eq!(err.trim().lines().count(), 1, "{err}");
    }
}

#[test]
fn bad_shard_flags_exit_2() {
    let dir = workdir("shard-flags");
    std::fs::write(dir.join("a-file"), "not a directory").unwrap();
    for (args, needle) in [
        (&["simulate", "--shard", "0/4"][..], "--out"),
        (
            &["simulate", "--shard", "4/4", "--out", "x.json"][..],
            "not below",
        ),
        (
            &["simulate", "--shard", "1-4", "--out", "x.json"][..],
            "not I/N",
        ),
        (
            &["simulate", "--shard", "0/0", "--out", "x.json"][..],
            "shard count",
        ),
        (
            &[
                "simulate", "--runs", "3", "--shard", "0/4", "--out", "x.json",
            ][..],
            "without a run",
        ),
        (
            &["simulate", "--shard", "0/2", "--out", "a-file/x.json"][..],
            "a-file",
        ),
    ] {
        let o = run_in(&dir, args);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(needle), "{args:?}: {err}");
        assert!(!dir.join("x.json").exists(), "{args:?} wrote a result");
    }
}

#[test]
fn merge_refuses_bad_shards_naming_the_file() {
    let dir = workdir("shard-refuse");
    let batch = [
        "simulate",
        "--variant",
        "ignore-promised-value",
        "--runs",
        "90",
    ];
    let files = shards(&dir, "shard", &batch, 3);
    let edit = |name: &str, from: &Path, f: &dyn Fn(&mut serde_json::Value)| {
        let mut v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(from).unwrap()).unwrap();
        f(&mut v);
        let p = dir.join(name);
        std::fs::write(&p, serde_json::to_string_pretty(&v).unwrap()).unwrap();
        p
    };
    let other_batch = shards(
        &dir,
        "runs-91",
        &[
            "simulate",
            "--variant",
            "ignore-promised-value",
            "--runs",
            "91",
        ],
        3,
    );
    let other_variant = shards(&dir, "paxos", &["simulate", "--runs", "90"], 3);
    let corrupt = dir.join("corrupt.json");
    std::fs::write(
        &corrupt,
        "{\"format\": \"paxos-lab simulate shard\", \"vers",
    )
    .unwrap();
    let not_a_shard = dir.join("trace.json");
    std::fs::write(&not_a_shard, "{\"version\": 1, \"trace\": []}").unwrap();
    let old_build = edit("old-build.json", &files[1], &|v| v["code"] = "0123".into());
    let old_version = edit("v9.json", &files[1], &|v| v["version"] = 9.into());
    let tampered = edit("tampered.json", &files[0], &|v| {
        v["first"]["trace"][0] = "p2 -> a3  Prepare(b=2)".into()
    });
    let short = edit("short.json", &files[1], &|v| {
        v["first"] = serde_json::Value::Null;
        v["runs"] = 3.into();
    });
    let stale_scenario = edit("stale.json", &files[1], &|v| {
        v["scenario"]["hash"] = "0".into()
    });
    let cases: Vec<(Vec<PathBuf>, &str, &str)> = vec![
        (
            vec![files[0].clone(), files[1].clone()],
            "shards missing: 2 of 3",
            "",
        ),
        (
            vec![
                files[0].clone(),
                files[1].clone(),
                files[1].clone(),
                files[2].clone(),
            ],
            "overlap",
            "shard-1-of-3.json",
        ),
        (
            vec![files[0].clone(), other_batch[1].clone(), files[2].clone()],
            "the batch",
            "runs-91-1-of-3.json",
        ),
        (
            vec![files[0].clone(), other_variant[1].clone(), files[2].clone()],
            "the variant",
            "paxos-1-of-3.json",
        ),
        (vec![corrupt.clone()], "not JSON", "corrupt.json"),
        (vec![not_a_shard.clone()], "`format`", "trace.json"),
        (vec![old_version], "`version` is 9", "v9.json"),
        (
            vec![files[0].clone(), old_build, files[2].clone()],
            "code version",
            "old-build.json",
        ),
        (
            vec![tampered, files[1].clone(), files[2].clone()],
            "does not walk again",
            "tampered.json",
        ),
        (
            vec![files[0].clone(), short, files[2].clone()],
            "interrupted or edited",
            "short.json",
        ),
        (
            vec![files[0].clone(), stale_scenario, files[2].clone()],
            "the scenario",
            "stale.json",
        ),
        (
            vec![dir.join("absent.json")],
            "cannot read it",
            "absent.json",
        ),
    ];
    for (given, needle, file) in cases {
        let o = merge(&dir, &given, &[]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{needle}: {err}");
        assert!(err.contains(needle), "{needle}: {err}");
        assert!(err.contains(file), "{needle} names {file}: {err}");
        assert!(err.contains("fix:"), "{err}");
        assert_eq!(err.trim().lines().count(), 1, "{err}");
        assert!(o.stdout.is_empty(), "{needle}: printed {}", text(&o));
    }
    // A stale scenario on disk (the shards' hashes agree with each other, not with it).
    std::fs::write(
        dir.join("scenarios/classic.toml"),
        std::fs::read_to_string(dir.join("scenarios/classic.toml")).unwrap() + "\n# edited\n",
    )
    .unwrap();
    let o = merge(&dir, &files, &[]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("changed since the shards ran"), "{err}");
}
