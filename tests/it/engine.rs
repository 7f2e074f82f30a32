//! The engines: pinned state counts, breadth-first and depth-first agreeing, results that
//! do not depend on the thread count, symmetry that changes counts but never verdicts, and
//! bounds that give "inconclusive", never "holds".

use paxos_lab::check::{self, CheckCfg, Outcome, Reduction, SearchOpts, Strategy, Verdict};
use paxos_lab::report::trace;
use paxos_models::{registry, Correct, PaxosModel, Rules, VARIANTS};

use super::{cfg, scenario, summary};

fn check_with(name: &str, rules: &'static dyn Rules, c: &check::CheckCfg) -> Outcome {
    check::check(&scenario(name), rules, c, &mut |_, _| {})
}

#[test]
fn classic_state_counts_are_pinned() {
    let sym = check_with("classic", &Correct, &cfg(Strategy::Bfs, true, 1));
    assert_eq!(
        (sym.main.unique, sym.main.states, sym.main.depth),
        (35_654, 149_721, 22)
    );
    let full = check_with("classic", &Correct, &cfg(Strategy::Bfs, false, 1));
    assert_eq!(
        (full.main.unique, full.main.states, full.main.depth),
        (389_176, 1_627_195, 22)
    );
}

fn bfs_and_dfs_agree(names: &[&str]) {
    for &name in names {
        let bfs = check_with(name, &Correct, &cfg(Strategy::Bfs, false, 2));
        let dfs = check_with(name, &Correct, &cfg(Strategy::Dfs, false, 2));
        assert_eq!(bfs.main.unique, dfs.main.unique, "{name}");
        assert!(bfs.main.complete && dfs.main.complete, "{name}");
        assert_eq!(summary(&bfs), summary(&dfs), "{name}");
    }
}

/// The quick suite's share: the default world and the one with crashes and restarts.
#[test]
fn bfs_and_stateright_dfs_count_the_same_states_in_classic_and_learner_crash() {
    bfs_and_dfs_agree(&["classic", "learner-crash"]);
}

/// Every scenario the slow suite can afford (the two big ones are compared by
/// `paxos-lab bench`: 4,860,800 unique states for both in three-proposers).
#[test]
#[ignore = "slow: run with `cargo test -- --ignored` (.ci/run does)"]
fn bfs_and_stateright_dfs_count_the_same_states_without_symmetry() {
    bfs_and_dfs_agree(&["lossy-duplicating", "four-acceptors", "crash-restart"]);
}

/// Our breadth-first engine with and without symmetry, and stateright's depth-first one,
/// give every variant the same verdicts in the scenario that exposes it (all but those
/// exposed in `three-proposers` or `proposer-restart`, whose worlds take stateright's DFS
/// minutes without symmetry; the matrix covers them with our engine).
#[test]
#[ignore = "slow: run with `cargo test -- --ignored` (.ci/run does)"]
fn all_engines_give_every_variant_the_same_verdicts() {
    let violated = |o: &Outcome| -> Vec<&'static str> {
        o.verdicts
            .iter()
            .filter(|v| !matches!(v.verdict, Verdict::Holds))
            .map(|v| v.property.name())
            .collect()
    };
    // The variants first exposed in the two big worlds are left to the matrix: without
    // symmetry, and under stateright's DFS, their worlds take minutes each.
    // So are the store variants: their worlds take stateright's DFS, without symmetry,
    // minutes each (`por.rs` checks every reduction on them against symmetry alone); and the
    // retry variants, whose dueling world is tens of millions of states without pruning.
    for v in VARIANTS.iter().filter(|v| {
        !matches!(
            v.exposed_by.first(),
            Some(&"three-proposers") | Some(&"proposer-restart")
        ) && !v
            .exposed_by
            .first()
            .is_some_and(|s| s.starts_with("kv-store") || s.starts_with("dueling"))
    }) {
        let name = v.exposed_by.first().copied().unwrap_or("classic");
        let on = check_with(name, v.rules, &cfg(Strategy::Bfs, true, 2));
        let off = check_with(name, v.rules, &cfg(Strategy::Bfs, false, 2));
        let dfs = check_with(name, v.rules, &cfg(Strategy::Dfs, false, 2));
        assert_eq!(violated(&on), violated(&off), "{} on {name}", v.name);
        assert_eq!(violated(&on), violated(&dfs), "{} on {name}", v.name);
        // Shortest lengths agree between our engine's two modes; DFS is never shorter.
        assert_eq!(summary(&on), summary(&off), "{} on {name}", v.name);
        for ((_, b), (_, d)) in summary(&on).iter().zip(summary(&dfs).iter()) {
            if let (Some(b), Some(d)) = (b, d) {
                assert!(d >= b, "{} on {name}: dfs {d} < bfs {b}", v.name);
            }
        }
    }
}

#[test]
fn dfs_finds_the_same_violations_as_bfs_never_shorter() {
    let rules = registry::variant("ignore-promised-value").unwrap().rules;
    let bfs = summary(&check_with("classic", rules, &cfg(Strategy::Bfs, false, 1)));
    let dfs = summary(&check_with("classic", rules, &cfg(Strategy::Dfs, false, 1)));
    for ((p, b), (q, d)) in bfs.iter().zip(&dfs) {
        assert_eq!(p, q);
        assert_eq!(b.is_some(), d.is_some(), "{}", p.name());
        if let (Some(b), Some(d)) = (b, d) {
            assert!(d >= b, "{}: dfs {d} shorter than bfs {b}", p.name());
        }
    }
}

fn rendered(outcome: &Outcome, model: &PaxosModel) -> Vec<String> {
    outcome
        .verdicts
        .iter()
        .filter_map(|v| match &v.verdict {
            Verdict::Violated(t) => Some(trace::render(model, t, Some(v.property))),
            _ => None,
        })
        .collect()
}

#[test]
fn results_and_traces_do_not_depend_on_the_thread_count() {
    let rules = registry::variant("ignore-promised-value").unwrap().rules;
    let model = PaxosModel::new(scenario("classic").cluster, rules);
    let one = check_with("classic", rules, &cfg(Strategy::Bfs, true, 1));
    for threads in [2, 4] {
        let many = check_with("classic", rules, &cfg(Strategy::Bfs, true, threads));
        assert_eq!(
            (one.main.states, one.main.unique, one.main.depth),
            (many.main.states, many.main.unique, many.main.depth)
        );
        assert_eq!(
            rendered(&one, &model),
            rendered(&many, &model),
            "{threads} threads"
        );
    }
}

/// Every variant's shortest counterexamples, in the scenario that exposes it: the same
/// trace, byte for byte, at 1, 2 and 4 threads, and again on a second run.
#[test]
#[ignore = "slow: run with `cargo test -- --ignored` (.ci/run does)"]
fn every_variants_counterexamples_are_the_same_at_any_thread_count_and_every_run() {
    for v in VARIANTS.iter().filter(|v| !v.exposed_by.is_empty()) {
        let name = v.exposed_by[0];
        let model = PaxosModel::new(scenario(name).cluster, v.rules).reduce_loss();
        let run = |threads| {
            let mut c = cfg(Strategy::Bfs, true, threads);
            c.opts.stop_when_any_found = true;
            // A retry world is searched pruned, as `check` does (millions of classes without).
            c.dead = name.starts_with("dueling");
            rendered(&check_with(name, v.rules, &c), &model)
        };
        let first = run(1);
        assert!(
            !first.is_empty() || v.violates == [paxos_models::PropertyName::FaultTolerance],
            "{} on {name} shows a counterexample",
            v.name
        );
        for threads in [1, 2, 4] {
            assert_eq!(
                run(threads),
                first,
                "{} on {name}, {threads} threads",
                v.name
            );
        }
    }
}

/// Symmetry is checked against the full state space for every variant in `learner-crash`
/// (crashes, restarts, small), and in the two-learner, duplicating worlds for the variants
/// whose bugs live there.
#[test]
#[ignore = "slow: run with `cargo test -- --ignored` (.ci/run does)"]
fn symmetry_never_changes_a_verdict_or_a_shortest_length() {
    for v in VARIANTS {
        let mut worlds = vec!["learner-crash"];
        if [
            "paxos",
            "ignore-promised-value",
            "recount-learner",
            "learner-first-accept",
        ]
        .contains(&v.name)
        {
            worlds.push("classic");
        }
        if ["paxos", "learner-counts-duplicates"].contains(&v.name) {
            worlds.push("lossy-duplicating");
        }
        for name in worlds {
            let on = summary(&check_with(name, v.rules, &cfg(Strategy::Bfs, true, 2)));
            let off = summary(&check_with(name, v.rules, &cfg(Strategy::Bfs, false, 2)));
            assert_eq!(on, off, "{} on {name}", v.name);
        }
    }
}

#[test]
fn a_depth_bound_gives_inconclusive_never_holds() {
    let mut c = cfg(Strategy::Bfs, true, 1);
    c.opts = SearchOpts {
        depth_max: Some(6),
        ..c.opts
    };
    let outcome = check_with("classic", &Correct, &c);
    assert!(!outcome.main.complete);
    assert!(outcome.verdicts[..3]
        .iter()
        .all(|v| matches!(v.verdict, Verdict::Inconclusive)));
    assert_eq!(outcome.exit_code(), 3);
    // A violation within the bound is still a violation.
    let rules = registry::variant("ignore-promised-value").unwrap().rules;
    c.opts.depth_max = Some(12);
    let outcome = check_with("classic", rules, &c);
    assert!(matches!(outcome.verdicts[1].verdict, Verdict::Violated(_)));
    assert_eq!(outcome.exit_code(), 1);
}

#[test]
fn a_state_bound_gives_inconclusive_with_either_engine() {
    for strategy in [Strategy::Bfs, Strategy::Dfs] {
        let mut c = cfg(strategy, false, 1);
        c.opts.states_max = Some(1000);
        let outcome = check_with("classic", &Correct, &c);
        assert_eq!(outcome.exit_code(), 3, "{strategy:?}");
    }
}

/// Ordered, lossy networks: drops are explored there (a drop unblocks the flow behind it),
/// and symmetry must agree with the full space. Regression: stateright 0.31's
/// `Network::iter_all` never ends on an ordered network; the harness reads flows itself.
#[test]
#[ignore = "slow: run with `cargo test -- --ignored` (.ci/run does)"]
fn ordered_lossy_networks_agree_with_and_without_symmetry() {
    let scenario = super::ordered_lossy();
    for name in ["paxos", "ignore-promised-value"] {
        let rules = registry::variant(name).unwrap().rules;
        let on = check::check(
            &scenario,
            rules,
            &cfg(Strategy::Bfs, true, 2),
            &mut |_, _| {},
        );
        let off = check::check(
            &scenario,
            rules,
            &cfg(Strategy::Bfs, false, 2),
            &mut |_, _| {},
        );
        assert_eq!(summary(&on), summary(&off), "{name}");
        assert!(on.main.unique < off.main.unique, "{name}: symmetry reduces");
        let model = PaxosModel::new(scenario.cluster.clone(), rules);
        for text in rendered(&on, &model) {
            assert!(text.contains("VIOLATED"), "{text}");
        }
    }
}

/// The first `limit` distinct states of `model`, breadth-first.
pub fn first_states(model: &PaxosModel, limit: usize) -> Vec<paxos_models::PaxosState> {
    use stateright::Model;
    let mut queue = std::collections::VecDeque::from(model.init_states());
    let mut seen = std::collections::HashSet::new();
    let mut states = Vec::new();
    let mut actions = Vec::new();
    while let Some(state) = queue.pop_front() {
        if states.len() >= limit || !seen.insert(check::fingerprint(&state)) {
            continue;
        }
        actions.clear();
        model.actions(&state, &mut actions);
        for action in actions.drain(..) {
            if let Some(next) = model.next_state(&state, action) {
                queue.push_back(next);
            }
        }
        states.push(state);
    }
    states
}

/// Every permutation of `0..n`, in lexicographic order.
fn permutations(n: usize) -> Vec<Vec<usize>> {
    if n == 0 {
        return vec![vec![]];
    }
    let mut out = Vec::new();
    for rest in permutations(n - 1) {
        for at in 0..=rest.len() {
            let mut p = rest.clone();
            p.insert(at, n - 1);
            out.push(p);
        }
    }
    out.sort();
    out
}

/// The symmetry reduction's fingerprint is a class invariant: renaming acceptors and
/// learners in any way leaves it unchanged, on thousands of reachable states of worlds with
/// crashes, duplication and four acceptors, under correct Paxos and a broken variant. (Not
/// on every state: deeper, acceptors that tie on their signatures but stand differently
/// towards two learners give a class two fingerprints; see `canonical_fingerprint`.)
#[test]
fn canonical_fingerprint_is_the_same_for_every_renaming() {
    for (world, variant) in [
        ("classic", "paxos"),
        ("crash-restart", "volatile-acceptor"),
        ("lossy-duplicating", "learner-counts-duplicates"),
        ("four-acceptors", "paxos"),
    ] {
        let model = PaxosModel::new(
            scenario(world).cluster,
            registry::variant(variant).unwrap().rules,
        )
        .reduce_loss();
        let (a, l) = (model.cfg().acceptors, model.cfg().learners);
        let (acc_perms, lrn_perms) = (permutations(a), permutations(l));
        let states = first_states(&model, 3_000);
        assert_eq!(states.len(), 3_000, "{world} has enough states");
        for (n, state) in states.iter().enumerate() {
            let checked = n + 1;
            let fp = model.canonical_fingerprint(state);
            for (i, ap) in acc_perms.iter().enumerate() {
                // Every acceptor renaming with one learner renaming, and vice versa: the
                // full product is checked on every 7th state.
                let lps: Vec<&Vec<usize>> = if checked % 7 == 0 {
                    lrn_perms.iter().collect()
                } else {
                    vec![&lrn_perms[i % lrn_perms.len()]]
                };
                for lp in lps {
                    let renamed = model.rename(state, ap, lp);
                    assert_eq!(
                        model.canonical_fingerprint(&renamed),
                        fp,
                        "{variant} on {world}: renaming acceptors {ap:?}, learners {lp:?} changed the class fingerprint of {state:?}"
                    );
                }
            }
        }
    }
}

/// The engine's frontier holds packed states, and fingerprints a state by its bytes:
/// unpacking gives back exactly the state that was packed, which packs to the same bytes,
/// on every state of several worlds (crashes and restarts, duplication, an ordered lossy
/// network with retries, replication protocols, a store whose replicas crash and restart).
#[test]
fn packed_frontier_states_unpack_to_the_same_state() {
    use paxos_lab::engine::pack::Pack;
    let ordered = paxos_lab::scenario::Scenario::parse(
        "ordered-retry",
        "ordered-retry.toml",
        r#"
        description = "FIFO per channel, lossy, two attempts each."
        proposers = 2
        acceptors = 3
        learners = 1
        values = ["red", "blue"]
        ballots_max = 2
        [network]
        delivery = "ordered"
        lossy = true
        "#,
    )
    .expect("valid scenario");
    let worlds = [
        (scenario("crash-restart"), "volatile-acceptor"),
        (scenario("lossy-duplicating"), "learner-counts-duplicates"),
        (scenario("learner-crash"), "recount-learner"),
        (scenario("classic"), "last-writer-wins"),
        (scenario("crash-restart"), "naive-replication"),
        (ordered, "paxos"),
        // Store replicas keep a boxed copy of their durable state.
        (scenario("kv-store-crash-restart"), "paxos"),
    ];
    for (world, variant) in worlds {
        let model = PaxosModel::new(
            world.cluster.clone(),
            registry::variant(variant).unwrap().rules,
        );
        let states = first_states(&model, 20_000);
        for state in &states {
            let mut bytes = vec![0xAA]; // packing appends: what was there stays
            model.pack_into(state, &mut bytes);
            let back = model.unpack(&bytes[1..]);
            // One state, one byte string: the network rebuilt by unpacking holds its
            // messages in another order, and packs to the same bytes.
            let mut again = Vec::new();
            model.pack_into(&back, &mut again);
            assert_eq!(again, bytes[1..], "{variant}: packing is canonical");
            assert!(
                back == *state && check::fingerprint(&back) == check::fingerprint(state),
                "{variant} on {}: {state:?} unpacked as {back:?}",
                world.name
            );
        }
        assert!(
            states.len() > 30,
            "{variant} on {}: {} states",
            world.name,
            states.len()
        );
    }
}

/// A search's first violations, as `bench` times them (stopping at the first, two threads),
/// replay on the reference model to states that violate their properties, in the steps a
/// full check prints. (rustc 1.95 once built the engine's perf profile so that every parent
/// link read back as zeros and every such path was one step long; this test runs in the
/// test build, so what catches a build like that is the same replay inside `bench` and
/// `check`, and README's perf-profile `bench` line, which the slow suite runs.)
#[test]
fn first_violation_paths_replay_to_their_violations() {
    for (variant, world, steps) in [
        ("accept-below-promise", "classic", 12),
        ("volatile-acceptor", "crash-restart", 14),
    ] {
        let rules = registry::variant(variant).unwrap().rules;
        let s = scenario(world);
        let mut c = check::CheckCfg::bfs(check::Reduction::All, 2, None);
        (c.por, c.opts.stop_when_any_found) = (false, true);
        let search = check::safety_search(&s, rules, &c);
        let traces = check::safety_traces(&s, rules, &c, &search);
        let shortest = traces.iter().flatten().map(|t| t.len()).min();
        assert_eq!(shortest, Some(steps), "{variant} on {world}");
    }
}

/// A path that does not end where its property fails is refused, not shown.
#[test]
#[should_panic(expected = "does not replay to a state that shows it")]
fn a_path_that_shows_nothing_is_refused() {
    let s = scenario("classic");
    let model = PaxosModel::new(s.cluster.clone(), &Correct);
    let props = check::safety_properties(&model);
    // The initial state violates nothing.
    check::replay_discovery(&model, &props[0].1, 0, &[]);
}

/// The message of the internal error `hold` stops with (a panic's payload is a `String`
/// when its message has arguments, a `&str` when not); fails when it does not stop.
fn refusal(hold: impl FnOnce()) -> String {
    let refused = std::panic::catch_unwind(std::panic::AssertUnwindSafe(hold))
        .expect_err("the hold refuses what it is given");
    match refused.downcast::<String>() {
        Ok(message) => *message,
        Err(payload) => payload
            .downcast_ref::<&str>()
            .expect("the refusal says why")
            .to_string(),
    }
}

/// A fault-tolerance path that does not end stuck is refused, not shown: from the initial
/// state of correct Paxos a decision is reachable (with nothing cut off, and with a
/// minority of acceptors cut off), and from the end of a real stuck trace it is not.
#[test]
fn a_fault_tolerance_path_that_is_not_stuck_is_refused() {
    let s = scenario("classic");
    let model = PaxosModel::new(s.cluster.clone(), &Correct).reduce_loss();
    let start = check::replay_indices(&model, 0, &[]);
    let mut cut = start.clone();
    cut.events.push((0, check::cut_event(&s.cluster, 0b001)));
    for trace in [start, cut] {
        let message = refusal(|| check::hold_stuck(&model, &trace));
        assert!(
            message.contains("a decision is still reachable on the reference model"),
            "{message}"
        );
    }
    // The stuck trace `check` shows for write-once-acceptor passes the same hold.
    let v = registry::variant("write-once-acceptor").expect("in the catalog");
    let outcome = check::check(
        &s,
        v.rules,
        &CheckCfg::bfs(Reduction::All, 1, None),
        &mut |_, _| {},
    );
    let stuck = outcome
        .verdicts
        .iter()
        .find_map(|x| match &x.verdict {
            Verdict::Violated(t) if x.property == paxos_models::PropertyName::FaultTolerance => {
                Some(t)
            }
            _ => None,
        })
        .expect("write-once-acceptor is stuck in classic");
    assert_eq!(
        stuck.len(),
        10,
        "its shortest trace, as reports/matrix.md has it"
    );
    let variant = PaxosModel::new(s.cluster.clone(), v.rules).reduce_loss();
    check::hold_stuck(&variant, stuck);
}

/// An "unreachable" verdict that does not hold is refused: with one acceptor of three down,
/// correct Paxos still reaches a decision, and unanimous-quorum (which needs every
/// acceptor) does not.
#[test]
fn an_unreachable_verdict_that_does_not_hold_is_refused() {
    let s = scenario("classic");
    let witness = |rules: &'static dyn Rules| {
        PaxosModel::with_mode(
            s.cluster.clone(),
            rules,
            paxos_models::Mode::Witness { down: 1 },
        )
    };
    let message = refusal(|| check::hold_unreachable(&witness(&Correct)));
    assert!(
        message.contains("the reference model reaches one"),
        "{message}"
    );
    let v = registry::variant("unanimous-quorum").expect("in the catalog");
    check::hold_unreachable(&witness(v.rules));
}
