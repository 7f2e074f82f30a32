//! The one integration-test binary: the model and its properties, the variants and their
//! registry, the engines, and the CLI's contract (output, exit codes, bad input).

mod catalog;
mod cli;
mod cut_off;
mod dead;
mod deploy;
mod engine;
mod explore;
mod fuzz;
mod hooks;
mod hostile;
mod matrix;
mod newcomer;
mod por;
mod premise;
mod properties;
mod readme;
mod registry;
mod reports;
mod shard;
mod simulate;
mod sleep;
mod spin;
mod store;
mod variants;
mod world;

/// As in the binary: the engines allocate and free millions of small states.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use paxos_lab::check::{self, CheckCfg, Outcome, SearchOpts, Strategy, Verdict};
use paxos_lab::scenario::Scenario;
use paxos_models::{PropertyName, Rules};

/// Runs the `paxos-lab` binary from the repository root.
pub fn paxos_lab(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_paxos-lab"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("paxos-lab runs")
}

/// A fresh directory holding a copy of `scenarios/`, as a clone of the repository has.
pub fn workdir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("paxos-lab-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    // The scenarios a clone holds.
    for sub in ["scenarios"] {
        std::fs::create_dir_all(dir.join(sub)).unwrap();
        let own = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(sub);
        for e in std::fs::read_dir(own).unwrap() {
            let p = e.unwrap().path();
            std::fs::copy(&p, dir.join(sub).join(p.file_name().unwrap())).unwrap();
        }
    }
    dir
}

/// Runs the `paxos-lab` binary in `dir`.
pub fn run_in(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_paxos-lab"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("paxos-lab runs")
}

/// Two proposers, three acceptors, one learner over a FIFO, lossy network: the world where
/// drops are explored as steps (a drop unblocks the flow behind it).
pub fn ordered_lossy() -> Scenario {
    Scenario::parse(
        "ordered-lossy",
        "ordered-lossy.toml",
        r#"
        description = "FIFO per channel, lossy."
        proposers = 2
        acceptors = 3
        learners = 1
        values = ["red", "blue"]
        ballots_max = 1
        [network]
        delivery = "ordered"
        lossy = true
        "#,
    )
    .expect("valid scenario")
}

/// Loads a scenario from this crate's `scenarios/`.
pub fn scenario(name: &str) -> Scenario {
    Scenario::load(name).unwrap_or_else(|e| panic!("{e}"))
}

/// Correct Paxos checked on a bundled scenario with its `field = ...` line removed: what a
/// scenario's "not judged here" claim stands on. Panics if the file has no such line.
pub fn check_without(name: &str, field: &str) -> Outcome {
    let file = format!("{}/scenarios/{name}.toml", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&file).unwrap();
    let prefix = format!("{field} ");
    assert!(
        text.lines().any(|l| l.starts_with(&prefix)),
        "{file} sets {field}"
    );
    let without: String = text
        .lines()
        .filter(|l| !l.starts_with(&prefix))
        .map(|l| format!("{l}\n"))
        .collect();
    let world = Scenario::parse(&format!("{name}-without-{field}"), "without.toml", &without)
        .unwrap_or_else(|e| panic!("{e}"));
    check::check(
        &world,
        &paxos_models::Correct,
        &cfg(Strategy::Bfs, true, 1),
        &mut |_, _| {},
    )
}

pub fn cfg(strategy: Strategy, symmetry: bool, threads: usize) -> CheckCfg {
    CheckCfg {
        strategy,
        symmetry,
        por: false,
        dead: false,
        sleep: false,
        opts: SearchOpts {
            threads,
            depth_max: None,
            states_max: None,
            memory_max: None,
            stop_when_all_found: true,
            stop_when_any_found: false,
        },
    }
}

/// Checks `rules` in `scenario` breadth-first with symmetry, one thread.
pub fn run(scenario_name: &str, rules: &'static dyn Rules) -> Outcome {
    check::check(
        &scenario(scenario_name),
        rules,
        &cfg(Strategy::Bfs, true, 1),
        &mut |_, _| {},
    )
}

/// Checks `rules` in `scenario` as `check` does by default: breadth-first with symmetry and
/// partial-order reduction, one thread. The store worlds need both to fit in seconds.
pub fn run_reduced(scenario_name: &str, rules: &'static dyn Rules) -> Outcome {
    check::check(
        &scenario(scenario_name),
        rules,
        &CheckCfg {
            por: true,
            ..cfg(Strategy::Bfs, true, 1)
        },
        &mut |_, _| {},
    )
}

/// (property, None if it holds or the scenario says it is not judged there, Some(trace
/// length) if violated); panics on inconclusive.
pub fn summary(outcome: &Outcome) -> Vec<(PropertyName, Option<usize>)> {
    outcome
        .verdicts
        .iter()
        .map(|v| {
            let r = match &v.verdict {
                Verdict::Holds => None,
                Verdict::Violated(t) => Some(t.len()),
                Verdict::Unreachable { .. } => Some(0),
                Verdict::Inconclusive => panic!("{} inconclusive", v.property.name()),
                Verdict::NotJudged(_) => None,
            };
            (v.property, r)
        })
        .collect()
}
