//! The sleep reduction (`--reduction sleep`, part of `all`): a state skips the steps that
//! commute with one of the last steps on the path that first reached it (and with every
//! step after that one) and rank above it. It skips steps, never
//! states: every state is reached, and at its least depth, so a search's level sizes are the
//! same with and without it, and so are every verdict and every shortest length.

use paxos_lab::check::{self, CheckCfg, Strategy};
use paxos_lab::engine::bfs::StepInto;
use paxos_lab::engine::world::Engine;
use paxos_lab::engine::Search;
use paxos_lab::scenario::Scenario;
use paxos_models::model::Action;
use paxos_models::types::{Ballot, Msg};
use paxos_models::{PaxosModel, Rules, Timer, VARIANTS};
use stateright::actor::{ActorModelAction, Id};

use super::{cfg, ordered_lossy, scenario};

fn rules(name: &str) -> &'static dyn Rules {
    paxos_models::registry::variant(name).unwrap().rules
}

/// The safety search of `rules` in `world` on two threads, with symmetry and dead-message
/// pruning as asked, with or without the sleep reduction.
fn search(
    world: &Scenario,
    rules: &'static dyn Rules,
    sym: bool,
    dead: bool,
    sleep: bool,
) -> Search {
    let c = CheckCfg {
        dead,
        sleep,
        ..cfg(Strategy::Bfs, sym, 2)
    };
    check::safety_search(world, rules, &c)
}

fn lengths(s: &Search) -> Vec<Option<usize>> {
    s.discoveries
        .iter()
        .map(|d| d.as_ref().map(|(_, p)| p.len()))
        .collect()
}

/// With and without the sleep reduction, state by state (no symmetry), with and without
/// dead-message pruning: the same states at every depth, reached by fewer steps.
fn same_levels(worlds: &[Scenario]) {
    for world in worlds {
        for dead in [false, true] {
            let whole = search(world, &paxos_models::Correct, false, dead, false);
            let slept = search(world, &paxos_models::Correct, false, dead, true);
            let name = &world.name;
            assert!(whole.complete && slept.complete, "{name}");
            assert_eq!(whole.levels, slept.levels, "{name}, dead pruned: {dead}");
            assert_eq!(whole.unique, slept.unique, "{name}");
            assert!(
                slept.states * 10 < whole.states * 8,
                "{name}, dead pruned: {dead}: {} steps taken against {}",
                slept.states,
                whole.states
            );
        }
    }
}

/// Loss and duplication, a crashing learner, a FIFO network with drops.
#[test]
fn every_state_is_reached_at_its_least_depth() {
    same_levels(&[
        scenario("lossy-duplicating"),
        scenario("learner-crash"),
        ordered_lossy(),
    ]);
}

/// Classic, crashes and restarts, a crashing proposer, four acceptors, a key-value store.
#[test]
#[ignore = "slow: run with `cargo test -- --ignored` (.ci/run does)"]
fn every_state_is_reached_at_its_least_depth_in_the_bigger_worlds() {
    same_levels(&[
        scenario("classic"),
        scenario("crash-restart"),
        scenario("proposer-crash"),
        scenario("four-acceptors"),
        scenario("kv-store-one-slot"),
    ]);
}

/// Broken variants too, where the search stops at the violations: the same properties
/// found at the same least depths, and the same levels before the last.
#[test]
fn a_violation_is_found_at_its_least_depth() {
    for (world, names) in [
        (
            "classic",
            &[
                "ignore-promised-value",
                "accept-below-promise",
                "learner-doubts-on-conflict",
                "late-promise-changes-value",
            ][..],
        ),
        (
            "crash-restart",
            &["volatile-acceptor", "restart-forgets-promise"][..],
        ),
        (
            "lossy-duplicating",
            &["promise-counts-duplicates", "learner-counts-duplicates"][..],
        ),
        (
            "kv-store-one-slot",
            &["ack-before-commit", "replica-applies-first-vote"][..],
        ),
        ("dueling", &["retry-skips-prepare"][..]),
    ] {
        let world = scenario(world);
        for &name in names {
            let whole = search(&world, rules(name), false, true, false);
            let slept = search(&world, rules(name), false, true, true);
            assert_eq!(lengths(&whole), lengths(&slept), "{name} on {}", world.name);
            assert!(
                lengths(&whole).iter().any(Option::is_some),
                "{name} violates"
            );
            let full = whole.levels.len().min(slept.levels.len());
            assert_eq!(whole.levels[..full], slept.levels[..full], "{name}");
        }
    }
}

/// Every variant in `worlds` (each in the worlds it is meant for), with symmetry and
/// dead-message pruning as `bench` times its violations: the same properties found, at the
/// same least depths, with the sleep reduction as without it. (With symmetry a class may
/// have more than one fingerprint, a signature tie, see `paxos_models::symmetry`, so level
/// sizes counted in fingerprints may differ; classes and verdicts may not.)
fn same_lengths_under_symmetry(worlds: &[&str]) {
    let jobs: Vec<(&str, &paxos_models::Variant)> = worlds
        .iter()
        .flat_map(|&w| {
            VARIANTS
                .iter()
                .filter(move |v| v.scenarios.is_empty() || v.scenarios.contains(&w))
                .filter(move |v| v.name != "paxos" || w != "dueling")
                .map(move |v| (w, v))
        })
        .collect();
    for (w, v) in jobs {
        let world = scenario(w);
        let whole = search(&world, v.rules, true, true, false);
        let slept = search(&world, v.rules, true, true, true);
        assert_eq!(lengths(&whole), lengths(&slept), "{} on {w}", v.name);
        assert!(slept.states <= whole.states, "{} on {w}", v.name);
    }
}

#[test]
fn every_variant_keeps_its_shortest_lengths_in_classic() {
    same_lengths_under_symmetry(&["classic"]);
}

#[test]
#[ignore = "slow: run with `cargo test -- --ignored` (.ci/run does)"]
fn every_variant_keeps_its_shortest_lengths_under_symmetry() {
    same_lengths_under_symmetry(&[
        "lossy-duplicating",
        "learner-crash",
        "crash-restart",
        "four-acceptors",
        "proposer-crash",
        "kv-store-one-slot",
        "kv-store-two-replicas",
        "kv-store-crash-restart",
        "three-proposers",
        "dueling",
    ]);
}

fn deliver(src: usize, dst: usize, msg: Msg) -> Action {
    ActorModelAction::Deliver {
        src: Id::from(src),
        dst: Id::from(dst),
        msg,
    }
}

/// Which step sleeps after which, in classic (p1, p2 = nodes 0, 1; a1..a3 = 2..4;
/// l1, l2 = 5, 6): only a step of another node, not sent by the step before it, ranked
/// above it, and never a fault after a fault.
#[test]
fn a_step_sleeps_only_after_an_independent_lower_step() {
    let model = PaxosModel::new(scenario("classic").cluster, &paxos_models::Correct);
    let e = Engine::new(&model);
    let prepare = |b| Msg::Prepare { b: Ballot(b) };
    let key = |a: &Action| e.sleep_key(a);
    // p1's Prepare to a1, then p1's to a2: different nodes, a2's Prepare was in flight
    // before: one order sleeps, the other not.
    let (to_a1, to_a2) = (deliver(0, 2, prepare(1)), deliver(0, 3, prepare(1)));
    assert_ne!(
        e.sleeps(key(&to_a1), key(&to_a2), false),
        e.sleeps(key(&to_a2), key(&to_a1), false)
    );
    // Under symmetry a1 and a2 are one name: neither ranks below the other.
    assert!(!e.sleeps(key(&to_a1), key(&to_a2), true) && !e.sleeps(key(&to_a2), key(&to_a1), true));
    // But p1's and p2's Prepares to acceptors still rank by proposer.
    let p2_to_a2 = deliver(1, 3, prepare(2));
    assert!(
        e.sleeps(key(&to_a1), key(&p2_to_a2), true) || e.sleeps(key(&p2_to_a2), key(&to_a1), true)
    );
    // The same node: never.
    let p2_to_a1 = deliver(1, 2, prepare(2));
    assert!(
        !e.sleeps(key(&to_a1), key(&p2_to_a1), false)
            && !e.sleeps(key(&p2_to_a1), key(&to_a1), false)
    );
    // a1's Accepted to l1 may have been sent by the step into a1: never after it, whatever
    // the ranks; after a step of a2 it may (l1 ranks above a2).
    let accepted = Msg::Accepted { b: Ballot(1), v: 0 };
    let a1_to_l1 = deliver(2, 5, accepted);
    for sym in [false, true] {
        assert!(!e.sleeps(key(&to_a1), key(&a1_to_l1), sym));
        assert!(e.sleeps(key(&to_a2), key(&a1_to_l1), sym));
    }
    // Two faults share the budget: never; a fault and a delivery elsewhere commute.
    let (crash_a1, crash_a2) = (
        ActorModelAction::Crash(Id::from(2)),
        ActorModelAction::Crash(Id::from(3)),
    );
    assert!(
        !e.sleeps(key(&crash_a1), key(&crash_a2), false)
            && !e.sleeps(key(&crash_a2), key(&crash_a1), false)
    );
    let timeout_p2 = ActorModelAction::Timeout(Id::from(1), Timer::Retry);
    assert!(
        e.sleeps(key(&crash_a1), key(&timeout_p2), false)
            != e.sleeps(key(&timeout_p2), key(&crash_a1), false)
    );
}
