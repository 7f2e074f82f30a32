//! The simulator: seeds reproduce byte for byte at any thread count, the generator's stream
//! is pinned, every broken variant is found, correct Paxos is not, and shrinking only ever
//! returns shorter traces that reproduce.

use paxos_lab::report::trace;
use paxos_lab::simulate::{self, End, FaultMix, SimCfg};
use paxos_models::{describe, Correct, PaxosModel, VARIANTS};
use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::scenario;

fn sim(name: &str, runs: u64, threads: usize, swarm: bool, keep_going: bool) -> SimCfg {
    let s = scenario(name);
    let d = &s.simulate;
    SimCfg {
        seed: 0,
        runs,
        steps_max: d.steps_max,
        threads,
        swarm,
        mix: FaultMix::fixed(&s.cluster, d.drop, d.duplicate, d.crash, d.restart),
        keep_going,
    }
}

/// A golden test of the generator: if a rand_chacha upgrade changes the stream, every saved
/// seed would silently mean another run.
#[test]
fn chacha8_seed_42_stream_is_pinned() {
    let mut rng = ChaCha8Rng::seed_from_u64(42);
    let first: Vec<u64> = (0..4).map(|_| rng.next_u64()).collect();
    assert_eq!(
        first,
        vec![
            0xae90_bfb5_395d_5ba1,
            0xf345_3fc6_2579_9188,
            0x6d71_b708_c5b6_538c,
            0xa09a_b2f9_5816_6752
        ]
    );
}

fn text(cfg: &paxos_models::ClusterCfg, actions: &[paxos_models::model::Action]) -> String {
    actions
        .iter()
        .map(|a| describe::action(cfg, a))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn a_seed_gives_the_same_trace_every_time_and_at_any_thread_count() {
    for v in VARIANTS {
        for name in [
            "classic",
            "crash-restart",
            "lossy-duplicating",
            "learner-crash",
        ] {
            let s = scenario(name);
            for swarm in [false, true] {
                let one = simulate::simulate(
                    &s.cluster,
                    v.rules,
                    &sim(name, 300, 1, swarm, false),
                    &|_| {},
                );
                for threads in [1, 2, 4] {
                    let many = simulate::simulate(
                        &s.cluster,
                        v.rules,
                        &sim(name, 300, threads, swarm, false),
                        &|_| {},
                    );
                    assert_eq!(
                        (one.runs, one.steps, &one.violations, one.decided_runs),
                        (many.runs, many.steps, &many.violations, many.decided_runs),
                        "{} on {name}, swarm {swarm}, {threads} threads",
                        v.name
                    );
                    assert_eq!(
                        one.first
                            .as_ref()
                            .map(|r| (r.seed, text(&s.cluster, &r.actions))),
                        many.first
                            .as_ref()
                            .map(|r| (r.seed, text(&s.cluster, &r.actions))),
                    );
                }
            }
        }
    }
}

#[test]
fn every_broken_variant_is_found_in_its_scenarios_within_the_default_budget() {
    // A random walk cannot show a decision unreachable: fault-tolerance-only variants are
    // left to `check`.
    let safety_breakers = VARIANTS.iter().skip(1).filter(|v| {
        v.violates
            .iter()
            .any(|p| *p != paxos_models::PropertyName::FaultTolerance)
    });
    for v in safety_breakers {
        for name in v.exposed_by {
            let s = scenario(name);
            let b = simulate::simulate(
                &s.cluster,
                v.rules,
                &sim(name, s.simulate.runs, 2, false, false),
                &|_| {},
            );
            let run = b
                .first
                .unwrap_or_else(|| panic!("{} not found on {name}", v.name));
            let End::Violation(p) = run.end else {
                panic!("ends in a violation")
            };
            assert!(v.violates.contains(&p), "{} violated {}", v.name, p.name());
        }
    }
}

#[test]
fn correct_paxos_shows_no_violation_in_simulation() {
    // The suite keeps this short; .ci/run simulates 100,000 runs of every scenario.
    for name in paxos_lab::scenario::list() {
        let s = scenario(&name);
        for swarm in [false, true] {
            let b = simulate::simulate(
                &s.cluster,
                &Correct,
                &sim(&name, 2_000, 2, swarm, true),
                &|_| {},
            );
            assert!(b.first.is_none(), "correct Paxos violated on {name}");
            assert_eq!(b.runs, 2_000);
            assert!(b.decided_runs > 0, "no run decided on {name}");
        }
    }
}

#[test]
fn shrinking_returns_shorter_traces_that_reproduce() {
    let mut checked = 0;
    for v in VARIANTS.iter().skip(1) {
        for name in v.exposed_by {
            let s = scenario(name);
            let model = PaxosModel::new(s.cluster.clone(), v.rules);
            for swarm in [false, true] {
                let cfg = sim(name, 400, 1, swarm, true);
                for seed in 0..400 {
                    let mix = simulate::mix_for(&s.cluster, &cfg, seed);
                    let run = simulate::walk(&model, seed, &mix, cfg.steps_max);
                    let End::Violation(p) = run.end else { continue };
                    let shrunk = simulate::shrink(&model, p, &run.actions);
                    assert!(shrunk.actions.len() <= run.actions.len());
                    assert!(shrunk.faults_after <= shrunk.faults_before);
                    let t = trace::replay_actions(&model, &shrunk.actions)
                        .expect("the shrunk trace replays exactly");
                    let last = t.states.last().unwrap();
                    assert!(
                        paxos_lab::check::violates(&model, p, last),
                        "{} seed {seed}",
                        v.name
                    );
                    for s in &t.states[..t.states.len() - 1] {
                        assert!(!paxos_lab::check::violates(&model, p, s));
                    }
                    checked += 1;
                }
            }
        }
    }
    assert!(checked > 20, "only {checked} violating runs to shrink");
}
