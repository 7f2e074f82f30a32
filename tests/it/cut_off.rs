//! Fault tolerance's "a decision stays reachable with any minority cut off": a variant that
//! keeps every decision reachable while nothing is cut off but not once a minority is, the
//! cut carried exactly across symmetry classes, replay judging the cut again, and the one
//! bundled world that says correct Paxos cannot have it, shown failing without that line.

use paxos_lab::check::{self, stays_reachable, SearchOpts, Strategy, Verdict};
use paxos_lab::sim::NetEvent;
use paxos_models::{PaxosModel, PropertyName};

use super::{cfg, run, scenario};

fn opts() -> SearchOpts {
    cfg(Strategy::Bfs, true, 1).opts
}

/// The fault-tolerance trace of `outcome`, which must be violated.
fn ft_trace(outcome: &check::Outcome) -> &paxos_lab::report::trace::Trace {
    match &outcome.verdicts[3].verdict {
        Verdict::Violated(t) => t,
        v => panic!("expected fault tolerance violated with a trace, got {v:?}"),
    }
}

/// `accept-to-promisers-only` sends phase 2 only to the promisers: on `classic` a decision
/// stays reachable from every state while nothing is cut off, but cutting off one promiser
/// leaves too few acceptors that heard the proposal. The trace ends with that cut, and the
/// same last state without it can still decide.
#[test]
fn cutting_off_a_promiser_strands_a_proposer_that_sent_accept_to_its_promisers_only() {
    let v = paxos_models::variant("accept-to-promisers-only").unwrap();
    let outcome = run("classic", v.rules);
    let s = super::summary(&outcome);
    assert!(s[..3].iter().all(|(_, r)| r.is_none()), "it is safe: {s:?}");
    let t = ft_trace(&outcome);
    let model = PaxosModel::new(scenario("classic").cluster, v.rules).reduce_loss();
    let last = t.states.last().unwrap();
    let Some(cut @ NetEvent::Partition { groups, one_way }) = t.partition_at_end() else {
        panic!("the trace ends with the cut: {:?}", t.events)
    };
    assert!(!one_way);
    assert_eq!(groups[0].len(), 1, "one acceptor of three is cut off");
    assert_eq!(t.events.len(), 1);
    assert_eq!(t.events[0].0, t.len(), "the cut comes after the last step");
    // The cut-off acceptor promised the ballot that is now in phase 2.
    let cfg = model.cfg();
    let off = cfg.role_of(groups[0][0]);
    assert_eq!(off.0, paxos_models::Role::Acceptor);
    let promised = match &*last.sys.actor_states[groups[0][0]] {
        paxos_models::NodeState::Acceptor(a) => a.promised,
        n => panic!("{n:?}"),
    };
    assert!(!promised.is_none(), "a promiser is cut off");
    assert_eq!(
        check::decision_reachable_from(&model, last, Some(cut), 1_000_000),
        Some(false)
    );
    assert_eq!(
        check::decision_reachable_from(&model, last, None, 1_000_000),
        Some(true),
        "with nothing cut off a decision is still reachable from the same state"
    );
    let text = paxos_lab::report::story::text(&model, t, PropertyName::FaultTolerance);
    assert!(text.contains("PARTITION {"), "{text}");
    assert!(text.contains("cut off"), "{text}");
    // Correct Paxos in the same world: every decision stays reachable under every cut.
    let ok = run("classic", &paxos_models::Correct);
    assert!(super::summary(&ok).iter().all(|(_, r)| r.is_none()));
}

/// Symmetry classes keep one member each; the search carries the cut across an edge by the
/// renaming between the step's successor and its class's member. If that renaming were
/// wrong, the reduced and the unreduced graphs would disagree: same verdict, same depth,
/// both for a variant the cut breaks and for correct Paxos.
#[test]
fn the_cut_off_search_agrees_with_and_without_symmetry() {
    for (world, name) in [
        ("classic", "accept-to-promisers-only"),
        ("classic", "paxos"),
        ("four-acceptors", "accept-to-promisers-only"),
    ] {
        let v = paxos_models::variant(name).unwrap();
        let model = PaxosModel::new(scenario(world).cluster, v.rules).reduce_loss();
        let on = stays_reachable(&model, true, false, true, &opts(), &mut |_| {});
        let off = stays_reachable(&model, false, false, true, &opts(), &mut |_| {});
        assert!(on.search.complete && off.search.complete);
        assert!(
            on.search.unique < off.search.unique,
            "{world}: symmetry reduced"
        );
        let len = |r: &check::Reach| r.search.discoveries[0].as_ref().map(|(_, p)| p.len());
        assert_eq!(len(&on), len(&off), "{name} on {world}");
        assert_eq!(
            on.cut.count_ones(),
            off.cut.count_ones(),
            "{name} on {world}"
        );
        assert_eq!(on.cuts, off.cuts);
    }
}

/// The graph is expanded block by block on several threads and merged in state order: the
/// same states, edges, stuck state and cut at any thread count, reduced or not.
#[test]
fn the_fault_tolerance_graph_is_the_same_at_any_thread_count() {
    for (world, name, por) in [
        ("classic", "accept-to-promisers-only", false),
        ("classic", "accept-to-promisers-only", true),
        ("four-acceptors", "write-once-acceptor", true),
        ("crash-restart", "paxos", false),
    ] {
        let v = paxos_models::variant(name).unwrap();
        let model = PaxosModel::new(scenario(world).cluster, v.rules).reduce_loss();
        let runs: Vec<check::Reach> = [1, 2, 3]
            .into_iter()
            .map(|threads| {
                let opts = SearchOpts { threads, ..opts() };
                check::explore_back(&model, true, por, true, &opts, &mut |_| {}).0
            })
            .collect();
        for r in &runs[1..] {
            let one = &runs[0];
            assert_eq!(
                (r.search.unique, r.search.states, r.search.depth),
                (one.search.unique, one.search.states, one.search.depth),
                "{name} on {world}"
            );
            assert_eq!(
                r.search.discoveries, one.search.discoveries,
                "{name} on {world}"
            );
            assert_eq!(r.cut, one.cut, "{name} on {world}");
            assert_eq!(r.search.fully_expanded, one.search.fully_expanded);
        }
    }
}

/// `learner-crash` says the cut is not judged there; the claim is true: without that line
/// correct Paxos fails it in 7 steps (a restarted learner lost a1's vote, nobody sends it
/// again, and a second acceptor is cut off), and with it every other part is still judged.
#[test]
fn learner_crash_is_right_that_correct_paxos_cannot_decide_with_a_minority_cut_off() {
    let outcome = run("learner-crash", &paxos_models::Correct);
    assert_eq!(outcome.exit_code(), 0);
    assert_eq!(outcome.stays.as_ref().unwrap().cuts, 0);
    let outcome = super::check_without("learner-crash", "cut_off_not_judged");
    let t = ft_trace(&outcome);
    assert_eq!(t.len(), 7, "the learner counts a1's vote, then crashes");
    assert!(t.partition_at_end().is_some());
    assert!(super::summary(&outcome)[..3]
        .iter()
        .all(|(_, r)| r.is_none()));
}

/// A saved fault-tolerance trace with its cut replays as still violated, and the same file
/// without the cut line does not: replay judges the cut again, it does not trust the file.
#[test]
fn replay_judges_the_cut_at_the_end_of_a_fault_tolerance_trace() {
    let dir = super::workdir("cut-off-replay");
    let out = super::run_in(
        &dir,
        &[
            "check",
            "--variant",
            "accept-to-promisers-only",
            "--scenario",
            "classic",
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("no decision can be reached any more with a"),
        "{stdout}"
    );
    let file = dir.join("reports/classic/accept-to-promisers-only/fault-tolerance.json");
    let replay = super::run_in(&dir, &["replay", file.to_str().unwrap()]);
    assert_eq!(
        replay.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&replay.stdout)
    );
    let json = std::fs::read_to_string(&file).unwrap();
    assert!(json.contains("\"PARTITION {a"), "{json}");
    let mut doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    doc["actions"]
        .as_array_mut()
        .unwrap()
        .retain(|a| !a.as_str().unwrap().starts_with("PARTITION "));
    std::fs::write(&file, serde_json::to_string_pretty(&doc).unwrap()).unwrap();
    let replay = super::run_in(&dir, &["replay", file.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&replay.stdout);
    assert_ne!(replay.status.code(), Some(1), "{text}");
}

/// The graph part proven without the graph (`check::without_graph`) says "holds" only where
/// the graph's backward search finds no stuck state, for every catalog variant in worlds
/// without and with crashes, reduced or not; where the graph finds a stuck state it must
/// hand over (`None`). It proves correct Paxos in the acyclic worlds, and hands a world with
/// cycles (a duplicating network) over to the graph.
#[test]
fn the_graph_part_is_proven_without_edges_only_where_the_graph_agrees() {
    let mut proven = 0;
    // The unreduced graphs are the slow part: every variant reduced on `classic`, a few
    // unreduced, and correct Paxos where an acceptor crashes and restarts (explored whole).
    let mut runs: Vec<(&str, &paxos_models::registry::Variant, bool)> = Vec::new();
    for v in paxos_models::registry::VARIANTS {
        runs.push(("classic", v, true));
        if ["paxos", "accept-to-promisers-only", "write-once-acceptor"].contains(&v.name) {
            runs.push(("classic", v, false));
        }
        if v.name == "paxos" {
            runs.push(("crash-restart", v, false));
        }
    }
    for (world, v, por) in runs {
        let model = PaxosModel::new(scenario(world).cluster, v.rules).reduce_loss();
        let graph = check::explore_back(&model, true, por, true, &opts(), &mut |_| {}).0;
        let fast = check::without_graph(&model, true, por, true, &opts(), &mut |_| {});
        assert!(graph.search.complete, "{} on {world}", v.name);
        let stuck = graph.search.discoveries[0].is_some();
        if let Some((fast, _)) = &fast {
            assert!(fast.search.complete, "{} on {world}", v.name);
            assert!(
                !stuck,
                "{} on {world}: proven without the graph, stuck with it",
                v.name
            );
            assert_eq!(
                fast.search.unique, graph.search.unique,
                "{} on {world}: the same states explored",
                v.name
            );
            proven += 1;
        }
    }
    eprintln!("proven without the graph: {proven} (variant, world, reduction) runs");
    assert!(proven > 0);
    let paxos = |world: &str| {
        PaxosModel::new(scenario(world).cluster, &paxos_models::Correct).reduce_loss()
    };
    for world in ["classic", "four-acceptors", "crash-restart"] {
        assert!(
            check::without_graph(&paxos(world), true, true, true, &opts(), &mut |_| {}).is_some(),
            "{world}"
        );
    }
    assert!(
        check::without_graph(
            &paxos("lossy-duplicating"),
            true,
            false,
            true,
            &opts(),
            &mut |_| {}
        )
        .is_none(),
        "a duplicated message delivered again closes a cycle"
    );
}
