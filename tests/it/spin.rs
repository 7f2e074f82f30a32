//! SPIN side by side (`paxos-lab bench --spin`): the Promela models under bench/spin/ are
//! what the generator writes today, and SPIN counts exactly our states and our steps in every
//! world the generator takes (our engine without reductions), retries on a timer included. Needs
//! `spin` and `gcc` (apt-get install spin gcc); without them the count test says it is
//! skipped.

use paxos_lab::bench::spin;
use paxos_lab::check;
use paxos_lab::scenario::Scenario;

use super::{cfg, scenario};

/// The committed models: (name, scenario file, model file).
const MODELS: [(&str, &str, &str); 2] = [
    (
        "classic",
        "scenarios/classic.toml",
        "bench/spin/classic.pml",
    ),
    (
        "dueling",
        "scenarios/dueling.toml",
        "bench/spin/dueling.pml",
    ),
];

#[test]
fn the_committed_promela_models_are_what_the_generator_writes() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    for (name, world, file) in MODELS {
        let w = Scenario::load(root.join(world).to_str().unwrap()).unwrap();
        let text = spin::promela(&w.cluster, name);
        if std::env::var_os("PAXOS_LAB_WRITE_SPIN").is_some() {
            std::fs::write(root.join(file), &text).unwrap();
        }
        let committed = std::fs::read_to_string(root.join(file)).unwrap_or_default();
        assert!(
            committed == text,
            "{file} is stale: run `PAXOS_LAB_WRITE_SPIN=1 cargo test spin::` and commit it"
        );
    }
}

/// Our engine's unique states and steps (successors generated, duplicates included).
fn ours(world: &Scenario) -> (u64, u64) {
    let c = check::CheckCfg {
        symmetry: false,
        por: false,
        ..cfg(check::Strategy::Bfs, false, 2)
    };
    let s = check::safety_search(world, &paxos_models::Correct, &c);
    assert!(s.complete);
    (s.unique, s.states)
}

#[test]
fn spin_counts_exactly_our_states() {
    if !spin::available() {
        eprintln!("spin_counts_exactly_our_states: skipped: spin and gcc are not both installed (apt-get install spin gcc)");
        return;
    }
    let retrying = Scenario::parse(
        "retrying",
        "retrying.toml",
        r#"
        description = "One proposer with two ballots (a retry timer), three acceptors, one learner."
        proposers = 1
        acceptors = 3
        learners = 1
        values = ["red"]
        ballots_max = 2
        "#,
    )
    .unwrap();
    for world in [scenario("classic"), scenario("four-acceptors"), retrying] {
        assert!(
            spin::unsupported(&world.cluster).is_none(),
            "{}",
            world.name
        );
        let dir = std::env::temp_dir().join(format!(
            "paxos-lab-spin-test-{}-{}",
            world.name,
            std::process::id()
        ));
        let run = spin::run(&spin::promela(&world.cluster, &world.name), &dir, 120).unwrap();
        let _ = std::fs::remove_dir_all(&dir);
        assert!(run.complete, "{}", world.name);
        // The same states, reached by the same steps: SPIN's transitions (stored + matched)
        // are our successors, so `bench --spin` compares the cost of one step.
        let (unique, steps) = ours(&world);
        assert_eq!(run.states, unique, "{}", world.name);
        assert_eq!(run.transitions, Some(steps), "{}", world.name);
    }
}
