//! The simulator: seeds reproduce byte for byte at any thread count, the generator's stream
//! is pinned, every broken variant is found, correct Paxos is not, and shrinking only ever
//! returns shorter traces that reproduce.

use paxos_lab::report::trace;
use paxos_lab::sim::{self, End, FaultMix, SimCfg};
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
        shard: sim::shard::Shard::WHOLE,
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
                let one = sim::simulate(
                    &s.cluster,
                    v.rules,
                    &sim(name, 300, 1, swarm, false),
                    &|_| {},
                );
                for threads in [1, 2, 4] {
                    let many = sim::simulate(
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
            let b = sim::simulate(
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
            let b = sim::simulate(
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
                    let mix = sim::mix_for(&s.cluster, &cfg, seed);
                    let run = sim::walk(&model, seed, &mix, cfg.steps_max);
                    let End::Violation(p) = run.end else { continue };
                    let shrunk = sim::shrink(&model, p, &run.actions);
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

/// A run goes on past its first violation, so each property is judged in every run and
/// counted on its own: on `ignore-promised-value`, where conflict resolution always fails
/// first, coherence is still found violated in some runs, and some runs count for both.
#[test]
fn each_property_is_counted_on_its_own_in_every_run() {
    let s = scenario("classic");
    let rules = paxos_models::registry::variant("ignore-promised-value")
        .unwrap()
        .rules;
    let batch = sim::simulate(
        &s.cluster,
        rules,
        &sim("classic", 5_000, 2, false, true),
        &|_| {},
    );
    let count = |p| batch.violations.iter().find(|v| v.0 == p).unwrap().1;
    let (coh, cr) = (
        count(paxos_models::PropertyName::Coherence),
        count(paxos_models::PropertyName::ConflictResolution),
    );
    assert!(
        coh > 0,
        "coherence is judged after conflict resolution failed"
    );
    assert!(
        cr > coh,
        "conflict resolution fails first and more often: {cr} vs {coh}"
    );
    assert_eq!(count(paxos_models::PropertyName::NoTakebacks), 0);
    // The same counts whatever the thread count.
    let one = sim::simulate(
        &s.cluster,
        rules,
        &sim("classic", 5_000, 1, false, true),
        &|_| {},
    );
    assert_eq!(one.violations, batch.violations);
    assert_eq!(one.steps, batch.steps);
    // A run's report still stops at its first violation.
    let model = PaxosModel::new(s.cluster.clone(), rules);
    let run = sim::walk(
        &model,
        batch.first.as_ref().unwrap().seed,
        &batch.first.as_ref().unwrap().mix,
        200,
    );
    let End::Violation(p) = run.end else {
        panic!("the first failing run fails")
    };
    assert!(run.violated.contains(&p) && run.steps >= run.actions.len());
}

/// The one-line summary under a trace names a single chosen value nobody proposed as such,
/// not as "more than one value chosen".
#[test]
fn a_single_unproposed_chosen_value_is_called_that() {
    let s = scenario("classic");
    let model = PaxosModel::new(s.cluster.clone(), &Correct);
    let mut state = stateright::Model::init_states(&model).swap_remove(0);
    state.obs.proposed = 0b01; // only "red" was proposed
    state.obs.accepted = [(paxos_models::Ballot(1), 1, 0b011)].into_iter().collect();
    let why = trace::why(
        &model,
        paxos_models::PropertyName::ConflictResolution,
        &state,
    );
    assert_eq!(
        why,
        "a value nobody proposed was chosen: \"blue\" in b=1 (by a1, a2)"
    );
}

fn partitioned(name: &str, runs: u64, threads: usize) -> SimCfg {
    let mut cfg = sim(name, runs, threads, false, true);
    cfg.mix = cfg.mix.with_partitions(0.1, 15, 0.3);
    cfg
}

/// No delivery in a run crosses a partition in force; partitions and heals alternate, both
/// kinds of cut happen, and every group is non-empty.
fn assert_partitions_respected(cfg: &paxos_models::ClusterCfg, run: &sim::Run) {
    let mut cut: Option<&sim::NetEvent> = None;
    let mut events = run.events.iter().peekable();
    for (i, a) in run.actions.iter().enumerate() {
        while let Some((_, e)) = events.next_if(|(k, _)| *k <= i) {
            match e {
                sim::NetEvent::Partition { groups, .. } => {
                    assert!(cut.is_none(), "seed {}: two partitions at once", run.seed);
                    assert!(!groups[0].is_empty() && !groups[1].is_empty());
                    assert_eq!(groups[0].len() + groups[1].len(), cfg.node_count());
                    cut = Some(e);
                }
                sim::NetEvent::Heal => {
                    assert!(cut.is_some(), "seed {}: a heal with no partition", run.seed);
                    cut = None;
                }
            }
        }
        if let (stateright::actor::ActorModelAction::Deliver { src, dst, .. }, Some(p)) = (a, cut) {
            assert!(
                !p.holds(usize::from(*src), usize::from(*dst)),
                "seed {}: step {} crosses {}",
                run.seed,
                i + 1,
                p.describe(cfg)
            );
        }
    }
}

#[test]
fn partitions_hold_messages_heal_and_leave_correct_paxos_safe() {
    for name in ["classic", "crash-restart", "lossy-duplicating"] {
        let s = scenario(name);
        let cfg = partitioned(name, 3_000, 2);
        let batch = sim::simulate(&s.cluster, &Correct, &cfg, &|_| {});
        assert!(
            batch.violations.iter().all(|(_, n)| *n == 0),
            "{name}: {:?}",
            batch.violations
        );
        // Partitions delay, they do not stop: runs decide about as often as without them.
        let whole = sim::simulate(
            &s.cluster,
            &Correct,
            &sim(name, 3_000, 2, false, true),
            &|_| {},
        );
        assert!(
            batch.decided_runs * 10 >= whole.decided_runs * 8,
            "{name}: decided in {} runs with partitions, {} without",
            batch.decided_runs,
            whole.decided_runs
        );
        let model = PaxosModel::new(s.cluster.clone(), &Correct);
        let (mut two_way, mut one_way) = (0, 0);
        for seed in 0..300 {
            let mix = sim::mix_for(&s.cluster, &cfg, seed);
            let run = sim::walk(&model, seed, &mix, cfg.steps_max);
            assert_partitions_respected(&s.cluster, &run);
            for (_, e) in &run.events {
                match e {
                    sim::NetEvent::Partition { one_way: true, .. } => one_way += 1,
                    sim::NetEvent::Partition { .. } => two_way += 1,
                    sim::NetEvent::Heal => {}
                }
            }
            // The same seed, the same run, partitions included.
            let again = sim::walk(&model, seed, &mix, cfg.steps_max);
            assert_eq!(again.words(&s.cluster), run.words(&s.cluster));
        }
        assert!(two_way > 0 && one_way > 0, "{name}: {two_way} {one_way}");
    }
}

#[test]
fn partitions_off_leave_every_run_as_it_was() {
    // Partition chance 0 draws nothing from the run's generator: saved seeds keep meaning
    // the same run.
    let s = scenario("crash-restart");
    let model = PaxosModel::new(s.cluster.clone(), &Correct);
    let plain = sim("crash-restart", 1, 1, false, true);
    let mut off = plain.clone();
    off.mix = off.mix.with_partitions(0.0, 7, 0.9);
    for seed in 0..200 {
        let a = sim::walk(&model, seed, &plain.mix, 200);
        let b = sim::walk(&model, seed, &off.mix, 200);
        assert_eq!(text(&s.cluster, &a.actions), text(&s.cluster, &b.actions));
        assert!(b.events.is_empty());
    }
}

#[test]
fn a_shrunk_partitioned_trace_keeps_its_steps_inside_the_same_partitions_and_replays() {
    let s = scenario("classic");
    let v = paxos_models::registry::variant("ignore-promised-value").unwrap();
    let model = PaxosModel::new(s.cluster.clone(), v.rules);
    let cfg = partitioned("classic", 1, 1);
    let mut with_partition = 0;
    for seed in 0..400 {
        let mix = sim::mix_for(&s.cluster, &cfg, seed);
        let run = sim::walk(&model, seed, &mix, cfg.steps_max);
        let End::Violation(p) = run.end else {
            continue;
        };
        let shrunk = sim::shrink_run(&model, p, &run.actions, &run.events);
        let mut t = trace::replay_actions(&model, &shrunk.actions).expect("replays");
        t.events = shrunk.events.clone();
        let as_run = sim::Run {
            actions: shrunk.actions.clone(),
            events: shrunk.events.clone(),
            ..run.clone()
        };
        assert_partitions_respected(&s.cluster, &as_run);
        if !shrunk.events.is_empty() {
            with_partition += 1;
        }
        // The trace file's words replay to the same violation, partitions read back.
        let words = t.words(&s.cluster);
        let r = paxos_lab::report::replay_until(&model, &words, p);
        assert!(r.refused.is_none(), "seed {seed}: {:?}", r.refused);
        assert_eq!(r.trace.actions, shrunk.actions);
        assert_eq!(r.trace.events, shrunk.events);
        // And the report draws them: the ASCII chart, Mermaid and a well-formed SVG.
        let text = paxos_lab::report::story::text(&model, &t, p);
        for (_, e) in &shrunk.events {
            assert!(text.contains(&e.describe(&s.cluster)), "{text}");
        }
        let svg = paxos_lab::report::chart::svg(&model, &t, Some(p));
        roxmltree::Document::parse(&svg).expect("well-formed SVG");
        if shrunk
            .events
            .iter()
            .any(|(_, e)| matches!(e, sim::NetEvent::Partition { .. }))
        {
            let why = paxos_lab::report::narrate::narrate(&model, &t, p).join("\n");
            assert!(why.contains("held"), "{why}");
            let md = paxos_lab::report::chart::mermaid(&model, &t, Some(p));
            assert!(
                md.contains("PARTITION") || md.contains("ONE-WAY CUT"),
                "{md}"
            );
        }
    }
    assert!(with_partition > 0, "some shrunk traces keep a partition");
}

#[test]
fn replay_refuses_a_delivery_a_partition_holds_and_a_bad_partition_line() {
    let s = scenario("classic");
    let model = PaxosModel::new(s.cluster.clone(), &Correct);
    let words: Vec<String> = [
        "PARTITION {p1} | {p2,a1,a2,a3,l1,l2}",
        "p2 -> a1  Prepare(b=2)",
        "p1 -> a2  Prepare(b=1)",
    ]
    .map(String::from)
    .to_vec();
    let r = paxos_lab::report::replay_until(
        &model,
        &words,
        paxos_models::PropertyName::ConflictResolution,
    );
    let (step, _, why) = r.refused.expect("refused");
    assert_eq!(step, 3);
    assert!(why.contains("partition in force"), "{why}");
    for bad in [
        "PARTITION {p1} | {p2,a1}",
        "PARTITION {p1,p9} | {p2,a1,a2,a3,l1,l2}",
        "PARTITION {} | {p1,p2,a1,a2,a3,l1,l2}",
        "ONE-WAY CUT {p1} | {p2,a1,a2,a3,l1,l2}",
    ] {
        assert!(
            matches!(sim::NetEvent::parse(&s.cluster, bad), Some(Err(_))),
            "{bad}"
        );
    }
}
