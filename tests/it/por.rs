//! Partial-order reduction (`--reduction por|all`): it changes how many states are searched,
//! never a verdict or the length of a shortest counterexample; and when its premises fail (a
//! send outside `Rules::may_send`, a reduced graph that may have a cycle) it is set aside,
//! never trusted.

use paxos_lab::check::{self, CheckCfg, Outcome, PorUse, Reduction, Strategy};
use paxos_lab::scenario::Scenario;
use paxos_models::node::LearnerState;
use paxos_models::rules::{Ctx, Effects, To};
use paxos_models::types::{Ballot, Msg, Value};
use paxos_models::{Correct, Role, Rules, VARIANTS};

use super::{cfg, scenario, summary};

fn reduced(reduction: Reduction, threads: usize) -> CheckCfg {
    CheckCfg {
        symmetry: reduction.symmetry(),
        por: reduction.por(),
        dead: reduction.dead(),
        sleep: reduction.sleep(),
        ..cfg(Strategy::Bfs, true, threads)
    }
}

/// The safety search of `rules` in `world` under `reduction` on two threads, complete or
/// with every property found: per safety property, its shortest counterexample's length.
fn safety_lengths(
    world: &Scenario,
    rules: &'static dyn Rules,
    reduction: Reduction,
) -> Vec<Option<usize>> {
    let s = check::safety_search(world, rules, &reduced(reduction, 2));
    assert!(s.complete || s.discoveries.iter().all(Option::is_some));
    s.discoveries
        .iter()
        .map(|d| d.as_ref().map(|(_, p)| p.len()))
        .collect()
}

fn check_in(world: &Scenario, rules: &'static dyn Rules, reduction: Reduction) -> Outcome {
    check::check(world, rules, &reduced(reduction, 1), &mut |_, _| {})
}

/// Every variant in `worlds` (those named in `only`, or else each in the worlds it is meant
/// for) gets the same verdicts, with the same shortest lengths, under each of `reductions`
/// as under the first. Two workers, a check each.
fn same_verdicts(worlds: &[&str], only: &[&str], reductions: &[Reduction]) {
    let jobs: Vec<(&str, &paxos_models::Variant)> = worlds
        .iter()
        .flat_map(|&name| {
            VARIANTS
                .iter()
                .filter(move |v| {
                    if only.is_empty() {
                        v.scenarios.is_empty() || v.scenarios.contains(&name)
                    } else {
                        only.contains(&v.name)
                    }
                })
                .map(move |v| (name, v))
        })
        .collect();
    let next = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for _ in 0..2 {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(&(name, v)) = jobs.get(i) else {
                    break;
                };
                let world = scenario(name);
                let base = check_in(&world, v.rules, reductions[0]);
                for &r in &reductions[1..] {
                    let other = check_in(&world, v.rules, r);
                    assert_eq!(
                        summary(&base),
                        summary(&other),
                        "{} on {name}: {} against {}",
                        v.name,
                        reductions[0].name(),
                        r.name()
                    );
                    // The reduction was not silently set aside on a bundled variant.
                    assert!(
                        !matches!(other.por, PorUse::Dropped(_)),
                        "{} on {name}: {:?}",
                        v.name,
                        other.por
                    );
                }
            });
        }
    });
}

/// A variant of each kind: correct, broken by a phase-1 rule, a phase-2 rule, a quorum, a
/// learner, safe but not fault tolerant (two, with a minority cut off), a correct control,
/// not consensus at all.
const SAMPLE: [&str; 9] = [
    "paxos",
    "ignore-promised-value",
    "accept-below-promise",
    "minority-quorum",
    "learner-doubts-on-conflict",
    "accept-to-promisers-only",
    "write-once-acceptor",
    "late-promise-resends-accept",
    "naive-replication",
];

#[test]
fn partial_order_reduction_keeps_the_verdicts_and_shortest_lengths_of_a_sample_in_classic() {
    same_verdicts(
        &["classic"],
        &SAMPLE,
        &[Reduction::Symmetry, Reduction::Dead, Reduction::All],
    );
}

/// Every variant, the whole check (fault tolerance included), against symmetry alone in
/// each of the small worlds it is meant for: loss and duplication, crashing acceptors,
/// learners and proposers, four acceptors.
#[test]
#[ignore = "slow: run with `cargo test -- --ignored` (.ci/run does)"]
fn partial_order_reduction_keeps_every_verdict_of_every_variant() {
    same_verdicts(
        &[
            "classic",
            "lossy-duplicating",
            "learner-crash",
            "crash-restart",
            "four-acceptors",
            "proposer-crash",
        ],
        &[],
        &[Reduction::Symmetry, Reduction::Dead, Reduction::All],
    );
}

/// Every variant, the safety search, against the whole state space (no symmetry either):
/// the same properties found, at the same least depths.
#[test]
#[ignore = "slow: run with `cargo test -- --ignored` (.ci/run does)"]
fn partial_order_reduction_keeps_every_safety_verdict_against_the_whole_space() {
    for world in ["classic", "learner-crash"] {
        let w = scenario(world);
        for v in VARIANTS {
            let lengths = |r: Reduction| safety_lengths(&w, v.rules, r);
            let whole = lengths(Reduction::None);
            assert_eq!(whole, lengths(Reduction::Por), "{} on {world}", v.name);
            assert_eq!(whole, lengths(Reduction::Dead), "{} on {world}", v.name);
            assert_eq!(whole, lengths(Reduction::Sleep), "{} on {world}", v.name);
        }
    }
}

/// On an ordered, lossy network the search explores drops (a drop unblocks its flow), which
/// belong to the destination node like the delivery they replace.
#[test]
fn partial_order_reduction_keeps_verdicts_on_an_ordered_lossy_network() {
    let world = super::ordered_lossy();
    for name in ["paxos", "ignore-promised-value", "learner-first-accept"] {
        let rules = paxos_models::registry::variant(name).unwrap().rules;
        let full = check_in(&world, rules, Reduction::Symmetry);
        let por = check_in(&world, rules, Reduction::All);
        assert_eq!(summary(&full), summary(&por), "{name}");
        assert!(por.main.unique < full.main.unique, "{name}: {:?}", por.por);
    }
}

/// What the reductions buy on correct Paxos, pinned: with learners acting only once no
/// proposer or acceptor can (they send to nobody), classic's 389,176 states become 87,280 in
/// the safety search alone; the whole check judges the fault-tolerance graph part in the
/// same search, its stubborn sets widened for the cuts: 192,118 states. Dead-message pruning
/// (`engine::dead`) merges the states that differ only in messages no one will ever act on:
/// 15,727 states alone, and 348 classes with the other two (836 widened for the cuts): the
/// pruned world has no cycle, so the partial-order reduction needs no cycle proviso there
/// (`engine::por`; with it, 1,718 and 1,766). Every verdict is the same.
#[test]
fn partial_order_reduction_state_counts_are_pinned() {
    let world = scenario("classic");
    let counts: Vec<(u64, u64, PorUse)> = [
        Reduction::None,
        Reduction::Symmetry,
        Reduction::Por,
        Reduction::Dead,
        Reduction::All,
    ]
    .into_iter()
    .map(|r| {
        let o = check_in(&world, &Correct, r);
        assert_eq!(o.exit_code(), 0, "{}", r.name());
        let safety = check::safety_search(&world, &Correct, &reduced(r, 1));
        let in_safety = o.stays.as_ref().is_some_and(|g| g.in_safety_search);
        assert_eq!(in_safety, r.por(), "{}", r.name());
        (safety.unique, o.main.unique, o.por)
    })
    .collect();
    assert_eq!(
        counts,
        vec![
            (389_176, 389_176, PorUse::Off),
            (35_654, 35_654, PorUse::Off),
            (87_280, 192_118, PorUse::Used),
            (15_727, 15_727, PorUse::Off),
            (348, 836, PorUse::Used),
        ]
    );
}

/// A violation found under the reduction is found again without it, so the trace printed
/// is a shortest one.
#[test]
fn a_violation_found_under_reduction_is_printed_at_its_least_depth() {
    let rules = paxos_models::registry::variant("ignore-promised-value")
        .unwrap()
        .rules;
    let world = scenario("classic");
    let full = check_in(&world, rules, Reduction::Symmetry);
    let por = check_in(&world, rules, Reduction::All);
    assert!(
        matches!(por.por, PorUse::UsedTracesRefound(_)),
        "{:?}",
        por.por
    );
    assert_eq!(summary(&full), summary(&por));
    assert_eq!(
        summary(&por)[1].1,
        Some(12),
        "conflict resolution in 12 steps"
    );
}

/// Learners that tell the acceptors what they heard: a send `may_send` does not allow.
struct ChattyLearner;

impl Rules for ChattyLearner {
    fn on_accepted(
        &self,
        ctx: &Ctx,
        l: &LearnerState,
        acceptor: usize,
        b: Ballot,
        v: Value,
        fx: &mut Effects,
    ) -> Option<LearnerState> {
        let next = Correct.on_accepted(ctx, l, acceptor, b, v, fx)?;
        fx.send(To::Acceptors, Msg::Accepted { b, v });
        Some(next)
    }
}

/// The same learners, declared.
struct DeclaredChattyLearner;

impl Rules for DeclaredChattyLearner {
    fn on_accepted(
        &self,
        ctx: &Ctx,
        l: &LearnerState,
        acceptor: usize,
        b: Ballot,
        v: Value,
        fx: &mut Effects,
    ) -> Option<LearnerState> {
        ChattyLearner.on_accepted(ctx, l, acceptor, b, v, fx)
    }
    fn may_send(&self, from: Role, to: Role) -> bool {
        Correct.may_send(from, to) || (from, to) == (Role::Learner, Role::Acceptor)
    }
}

#[test]
fn a_send_outside_may_send_sets_the_reduction_aside() {
    let world = scenario("classic");
    let stray = check_in(&world, &ChattyLearner, Reduction::All);
    match &stray.por {
        PorUse::Dropped(why) => assert!(why.contains("may_send"), "{why}"),
        other => panic!("not set aside: {other:?}"),
    }
    // Redone without it: the whole symmetric space (dead messages pruned, as asked), the
    // same verdicts.
    let full = check_in(&world, &ChattyLearner, Reduction::Symmetry);
    assert_eq!(summary(&stray), summary(&full));
    let pruned = CheckCfg {
        dead: true,
        ..reduced(Reduction::Symmetry, 1)
    };
    let pruned = check::check(&world, &ChattyLearner, &pruned, &mut |_, _| {});
    assert_eq!(stray.main.unique, pruned.main.unique);
    // Declared, the reduction is used (and the learners no longer act last).
    let declared = check_in(&world, &DeclaredChattyLearner, Reduction::All);
    assert_eq!(declared.por, PorUse::Used);
    assert_eq!(summary(&declared), summary(&full));
}

/// A learner that flips its decision on every `Accepted` it hears: on a duplicating network
/// the same message flips it back and forth, a cycle in the state graph.
struct FlippingLearner;

impl Rules for FlippingLearner {
    fn on_accepted(
        &self,
        _ctx: &Ctx,
        l: &LearnerState,
        _acceptor: usize,
        _b: Ballot,
        v: Value,
        _fx: &mut Effects,
    ) -> Option<LearnerState> {
        Some(LearnerState {
            votes: l.votes.clone(),
            decided: if l.decided.is_some() { None } else { Some(v) },
        })
    }
}

#[test]
fn a_cycle_in_the_state_graph_is_expanded_fully() {
    let world = Scenario::parse(
        "flip",
        "flip.toml",
        r#"
        description = "One proposer, a duplicating network."
        proposers = 1
        acceptors = 3
        learners = 1
        values = ["red"]
        ballots_max = 1
        [network]
        delivery = "unordered-duplicating"
        "#,
    )
    .expect("valid scenario");
    // Only no-takebacks can fail here, and it does; the other two hold, searched with the
    // reduction through the cycle.
    let por = check_in(&world, &FlippingLearner, Reduction::All);
    let full = check_in(&world, &FlippingLearner, Reduction::Symmetry);
    assert_eq!(summary(&por), summary(&full));
    assert!(
        matches!(por.por, PorUse::UsedTracesRefound(_)),
        "{:?}",
        por.por
    );
    assert!(
        por.main.fully_expanded.unwrap() > 0,
        "the cycle proviso expanded a state fully"
    );
}

/// The fault-tolerance graph, reduced, judged on its own (without the search again that
/// `check` makes for the shortest path): it finds a state stuck with a cut exactly when the
/// whole graph does, and the state it finds is stuck in the whole space (a breadth-first
/// search from it with the cut in force reaches no decision).
#[test]
fn the_reduced_fault_tolerance_graph_finds_a_stuck_state_exactly_when_the_whole_one_does() {
    let opts = cfg(Strategy::Bfs, true, 1).opts;
    for (world, name) in [
        ("classic", "paxos"),
        ("classic", "accept-to-promisers-only"),
        ("classic", "write-once-acceptor"),
        ("four-acceptors", "accept-to-promisers-only"),
        ("four-acceptors", "write-once-acceptor"),
        ("lossy-duplicating", "paxos"),
        ("classic", "learner-doubts-on-conflict"),
    ] {
        let rules = paxos_models::registry::variant(name).unwrap().rules;
        let w = scenario(world);
        let model = paxos_models::PaxosModel::new(w.cluster.clone(), rules).reduce_loss();
        let whole = check::explore_back(&model, true, false, true, &opts, &mut |_| {}).0;
        let (reduced, stray) = check::explore_back(&model, true, true, true, &opts, &mut |_| {});
        assert!(!stray, "{name} on {world}");
        assert_eq!(reduced.por, PorUse::Used);
        assert!(whole.search.complete && reduced.search.complete);
        assert!(
            reduced.search.unique <= whole.search.unique,
            "{name} on {world}"
        );
        let stuck = |r: &check::Reach| r.search.discoveries[0].is_some();
        assert_eq!(stuck(&whole), stuck(&reduced), "{name} on {world}");
        if let Some((init, path)) = &reduced.search.discoveries[0] {
            let trace = check::replay_indices(&model, *init, path);
            let cut = (reduced.cut != 0).then(|| check::cut_event(model.cfg(), reduced.cut));
            assert_eq!(
                check::decision_reachable_from(
                    &model,
                    trace.states.last().unwrap(),
                    cut.as_ref(),
                    2_000_000
                ),
                Some(false),
                "{name} on {world}: the reduced graph's stuck state is stuck"
            );
        }
    }
}

/// A store world's client history is a sequence, so two clients' steps do not commute: the
/// reduction must keep them in one closure; and symmetry must rename the store's states
/// right. Every store variant's safety search finds the same properties at the same least
/// depths with symmetry, with every reduction, and in the whole space, in a store of one
/// slot and one replica (the smallest where the stale reads show).
#[test]
#[ignore = "slow: run with `cargo test -- --ignored` (.ci/run does)"]
fn every_reduction_keeps_every_safety_verdict_of_every_store_variant() {
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/kv-store-one-slot.toml"),
    )
    .unwrap();
    let world = Scenario::parse("one-replica", "one-replica.toml", &text).unwrap();
    for v in VARIANTS
        .iter()
        .filter(|v| v.name == "paxos" || v.scenarios.iter().any(|s| s.starts_with("kv-store")))
    {
        let whole = safety_lengths(&world, v.rules, Reduction::None);
        for r in [Reduction::Symmetry, Reduction::Sleep, Reduction::All] {
            let got = safety_lengths(&world, v.rules, r);
            assert_eq!(whole, got, "{} with {}", v.name, r.name());
        }
    }
    // Two replicas (symmetry renames them too), one client to keep the whole space small.
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("scenarios/kv-store-two-replicas.toml"),
    )
    .unwrap()
    .replace(
        r#"clients = [["put(x, 1)"], ["get(x)"]]"#,
        r#"clients = [["put(x, 1)"]]"#,
    );
    let world = Scenario::parse("two-replicas", "two-replicas.toml", &text).unwrap();
    for name in ["paxos", "replica-applies-first-vote"] {
        let rules = paxos_models::registry::variant(name).unwrap().rules;
        let whole = safety_lengths(&world, rules, Reduction::None);
        for r in [Reduction::Symmetry, Reduction::All] {
            let got = safety_lengths(&world, rules, r);
            assert_eq!(whole, got, "{name} with two replicas, {}", r.name());
        }
    }
}

/// In a world with crashes the check has no safety search of its own: the safety
/// properties are judged on the fault-tolerance graph's exploration (`reach::with_safety`),
/// which is not partial-order reduced. Every variant meant for the small crash worlds gets
/// there the verdicts and shortest lengths a reduced safety search of its own finds (one
/// that stops once every property is found), violations included; where the witnesses
/// hold, the one search was made.
#[test]
fn in_a_world_with_crashes_the_graph_judges_safety_as_a_search_of_its_own_would() {
    let mut violations = 0;
    let mut merged = 0;
    for name in ["crash-restart", "learner-crash"] {
        let world = scenario(name);
        for v in VARIANTS
            .iter()
            .filter(|v| v.scenarios.is_empty() || v.scenarios.contains(&name))
        {
            let outcome = check_in(&world, v.rules, Reduction::All);
            let judged: Vec<Option<usize>> =
                summary(&outcome)[..3].iter().map(|(_, r)| *r).collect();
            assert_eq!(
                judged,
                safety_lengths(&world, v.rules, Reduction::All),
                "{} on {name}",
                v.name
            );
            violations += judged.iter().flatten().count();
            let in_graph = outcome.stays.as_ref().is_some_and(|g| !g.safety.is_empty());
            let witnesses_held = !outcome.witnesses.is_empty()
                && !matches!(
                    outcome.verdicts[3].verdict,
                    check::Verdict::Unreachable { .. }
                );
            assert_eq!(in_graph, witnesses_held, "{} on {name}", v.name);
            if in_graph {
                merged += 1;
                assert_eq!(outcome.por, PorUse::InGraph, "{} on {name}", v.name);
                assert_eq!(
                    outcome.main.unique,
                    outcome.stays.as_ref().unwrap().search.unique
                );
            }
        }
    }
    assert!(
        violations >= 20,
        "the crash worlds' bugs are found: {violations}"
    );
    assert!(merged >= 50, "most checks made one search: {merged}");
}
