//! README.md stays true: every `cargo run --release -- ...` example in it (and every
//! `cargo run --profile perf -- ...` one) runs, in the README's order, from a fresh directory
//! holding the scenarios (as a clone does), and exits as its comment says (`(exit 1)`), or
//! else with 0 or 1 (a verdict, never a usage error).
//! `explore` serves until stopped: it must print its address, then it is stopped.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use super::{run_in, workdir};

const README: &str = include_str!("../../README.md");

/// The examples: (arguments, the exit code the comment promises, if any).
fn examples() -> Vec<(Vec<String>, Option<i32>)> {
    README
        .lines()
        .filter_map(|l| {
            let l = l.trim_start();
            // The perf profile builds the same binary, optimised as one unit.
            l.strip_prefix("cargo run --release -- ")
                .or_else(|| l.strip_prefix("cargo run --profile perf -- "))
        })
        .map(|rest| {
            let (cmd, comment) = rest.split_once(" #").unwrap_or((rest, ""));
            let cmd = cmd.split('|').next().unwrap_or(cmd);
            let exit = comment
                .split("(exit ")
                .nth(1)
                .and_then(|t| t.split(')').next())
                .and_then(|n| n.parse().ok());
            (cmd.split_whitespace().map(str::to_string).collect(), exit)
        })
        .collect()
}

#[test]
fn the_readme_has_examples_of_every_subcommand() {
    let names: Vec<String> = examples().into_iter().map(|(a, _)| a[0].clone()).collect();
    for sub in [
        "check", "simulate", "merge", "replay", "list", "explore", "bench", "matrix",
    ] {
        assert!(names.iter().any(|n| n == sub), "README shows `{sub}`");
    }
}

#[test]
#[ignore = "slow: run with `cargo test -- --ignored` (.ci/run does)"]
fn every_cli_example_in_the_readme_runs() {
    let dir = workdir("readme");
    for (args, exit) in examples() {
        let shown = args.join(" ");
        if args.iter().any(|a| a == "my-bug") {
            // "Add a broken variant" edits the repository: the new-variant test in cli.rs
            // runs that flow on a copy.
            continue;
        }
        if args[0] == "explore" {
            // Serves until stopped: wait for its address line, then stop it. Port 0: any free
            // port, so a busy 3000 on the machine cannot fail the test.
            let mut child = Command::new(env!("CARGO_BIN_EXE_paxos-lab"))
                .args(&args)
                .args(["--port", "0"])
                .current_dir(&dir)
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
                .expect("explore starts");
            let mut first = String::new();
            BufReader::new(child.stdout.take().unwrap())
                .read_line(&mut first)
                .unwrap();
            let _ = child.kill();
            let _ = child.wait();
            assert!(first.contains("http://127.0.0.1:"), "{shown}: {first}");
            continue;
        }
        let o = run_in(&dir, &args.iter().map(String::as_str).collect::<Vec<_>>());
        let code = o.status.code();
        let err = String::from_utf8_lossy(&o.stderr);
        match exit {
            Some(e) => assert_eq!(code, Some(e), "{shown}: {err}"),
            None => assert!(matches!(code, Some(0 | 1)), "{shown}: {code:?} {err}"),
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}
