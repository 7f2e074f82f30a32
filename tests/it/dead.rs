//! Dead-message pruning (`--reduction dead|all`): a message is dead only when its receiver
//! ignores it in every state it can still reach, crashes and restarts included; pruning
//! changes how many states are searched, never a verdict or a shortest counterexample; and
//! where it cannot apply (an ordered network) it says so and prunes nothing.

use paxos_lab::check::{self, CheckCfg, Strategy};
use paxos_lab::engine::dead::{self, local_key, Dead};
use paxos_lab::engine::world::{Engine, World};
use paxos_lab::engine::DeadUse;
use paxos_models::node::{AcceptorState, LearnerState, NodeState, Storage};
use paxos_models::types::{Ballot, Msg};
use paxos_models::{PaxosModel, PropertyName, Role, Rules};
use stateright::Model;

use super::{cfg, scenario, summary};

fn rules(name: &str) -> &'static dyn Rules {
    paxos_models::registry::variant(name).unwrap().rules
}

/// The pruning engine of `world` under `rules`, and its first init world.
fn engine_of(model: &PaxosModel) -> (Engine<'_>, World) {
    let engine = Engine::for_search(model, false);
    let w = engine.init_states().swap_remove(0);
    (engine, w)
}

/// Whether `msg` from node `src` to node `dst` is dead once `dst`'s local state is `node`
/// (its storage as it would persist it, when `stored`).
fn dead_at(
    model: &PaxosModel,
    dst: usize,
    node: NodeState,
    stored: Option<Storage>,
    src: usize,
    msg: Msg,
) -> bool {
    let (engine, mut w) = engine_of(model);
    w.nodes[dst] = node;
    w.storages[dst] = stored;
    let dead = engine.dead.as_ref().expect("pruning applies here");
    dead.is_dead(dst, local_key(&w, dst), src as u8, &msg)
}

fn acceptor(promised: u8) -> AcceptorState {
    AcceptorState {
        promised: Ballot(promised),
        accepted: None,
    }
}

#[test]
fn a_prepare_below_a_kept_promise_is_dead_and_one_above_it_is_not() {
    let world = scenario("classic");
    let model = PaxosModel::new(world.cluster.clone(), &paxos_models::Correct).prune_dead(true);
    let cfg = model.cfg().clone();
    let (a1, p1, p2) = (
        cfg.id_of(Role::Acceptor, 0),
        cfg.id_of(Role::Proposer, 0),
        cfg.id_of(Role::Proposer, 1),
    );
    let promised = |b| NodeState::Acceptor(acceptor(b));
    let stored = |b| Some(Storage::Acceptor(acceptor(b)));
    assert!(dead_at(
        &model,
        a1,
        promised(2),
        stored(2),
        p1,
        Msg::Prepare { b: Ballot(1) }
    ));
    assert!(!dead_at(
        &model,
        a1,
        promised(1),
        stored(1),
        p2,
        Msg::Prepare { b: Ballot(2) }
    ));
    assert!(!dead_at(
        &model,
        a1,
        promised(0),
        None,
        p1,
        Msg::Prepare { b: Ballot(1) }
    ));
}

/// Ignored now is not dead when a restart can forget: an acceptor that keeps no promise
/// across a crash hears the old `Prepare` again after one.
#[test]
fn a_message_ignored_now_but_heard_after_a_restart_is_not_dead() {
    let world = scenario("crash-restart");
    let cfg = world.cluster.clone();
    let (a1, p1) = (cfg.id_of(Role::Acceptor, 0), cfg.id_of(Role::Proposer, 0));
    let prepare = Msg::Prepare { b: Ballot(1) };
    let promised = NodeState::Acceptor(acceptor(2));
    // Correct Paxos persists the promise: dead.
    let correct = PaxosModel::new(cfg.clone(), &paxos_models::Correct).prune_dead(true);
    let stored = Some(Storage::Acceptor(acceptor(2)));
    assert!(dead_at(&correct, a1, promised.clone(), stored, p1, prepare));
    // A volatile acceptor forgets it on a restart: live.
    let volatile = PaxosModel::new(cfg, rules("volatile-acceptor")).prune_dead(true);
    assert!(!dead_at(&volatile, a1, promised, None, p1, prepare));
}

/// A decided learner ignores every `Accepted` for good, unless a restart can take its
/// decision away (a learner that does not persist it).
#[test]
fn an_accepted_to_a_decided_learner_is_dead_only_if_the_decision_survives_a_restart() {
    let world = scenario("learner-crash");
    let cfg = world.cluster.clone();
    let (l1, a1) = (cfg.id_of(Role::Learner, 0), cfg.id_of(Role::Acceptor, 0));
    let decided = NodeState::Learner(LearnerState {
        votes: Default::default(),
        decided: Some(0),
    });
    let accepted = Msg::Accepted { b: Ballot(1), v: 0 };
    let correct = PaxosModel::new(cfg.clone(), &paxos_models::Correct).prune_dead(true);
    let kept = Some(Storage::Learner { decided: Some(0) });
    assert!(dead_at(&correct, l1, decided.clone(), kept, a1, accepted));
    let volatile = PaxosModel::new(cfg, rules("volatile-learner")).prune_dead(true);
    assert!(!dead_at(&volatile, l1, decided, None, a1, accepted));
}

#[test]
fn an_ordered_network_prunes_nothing_and_says_why() {
    let world = super::ordered_lossy();
    let model = PaxosModel::new(world.cluster.clone(), &paxos_models::Correct).prune_dead(true);
    let engine = Engine::for_search(&model, false);
    assert!(engine.dead.is_none());
    match engine.dead_use() {
        DeadUse::Aside(why) => assert!(why.contains("ordered"), "{why}"),
        other => panic!("not set aside: {other:?}"),
    }
}

fn pruned(symmetry: bool) -> CheckCfg {
    CheckCfg {
        dead: true,
        ..cfg(Strategy::Bfs, symmetry, 2)
    }
}

/// The bugs that need a crash and a restart, and a correct control, in the worlds that
/// expose them: the same verdicts and shortest lengths with and without pruning.
#[test]
fn pruning_keeps_the_verdicts_of_the_restart_bugs() {
    for (world, names) in [
        (
            "crash-restart",
            ["paxos", "volatile-acceptor", "restart-forgets-promise"].as_slice(),
        ),
        ("learner-crash", ["paxos", "volatile-learner"].as_slice()),
        (
            "lossy-duplicating",
            [
                "paxos",
                "learner-counts-duplicates",
                "promise-counts-duplicates",
            ]
            .as_slice(),
        ),
    ] {
        let w = scenario(world);
        for &name in names {
            let base = check::check(
                &w,
                rules(name),
                &cfg(Strategy::Bfs, true, 2),
                &mut |_, _| {},
            );
            let other = check::check(&w, rules(name), &pruned(true), &mut |_, _| {});
            assert_eq!(summary(&base), summary(&other), "{name} on {world}");
            assert!(
                matches!(other.main.dead, DeadUse::Used { .. }),
                "{name} on {world}: {:?}",
                other.main.dead
            );
            assert!(other.main.unique < base.main.unique, "{name} on {world}");
        }
    }
}

/// The counterexample found with pruning is a path of the reference model (stateright's
/// `ActorModel`, which prunes nothing), replayed action by action, as long as the one found
/// without.
#[test]
fn a_counterexample_found_with_pruning_replays_on_the_reference_model() {
    let w = scenario("classic");
    let r = rules("ignore-promised-value");
    let o = check::check(&w, r, &pruned(false), &mut |_, _| {});
    let trace = o
        .verdicts
        .iter()
        .find_map(|v| match &v.verdict {
            check::Verdict::Violated(t) if v.property == PropertyName::ConflictResolution => {
                Some(t.clone())
            }
            _ => None,
        })
        .expect("a violation");
    let model = PaxosModel::new(w.cluster.clone(), r);
    let mut s = model.init_states().swap_remove(0);
    for (a, next) in trace.actions.iter().zip(&trace.states[1..]) {
        s = model
            .next_state(&s, a.clone())
            .expect("a step of the reference model");
        assert_eq!(&s, next);
    }
    // As long as the shortest without pruning (the CLI's example prints it: 12 steps).
    assert_eq!(trace.actions.len(), 12);
}

/// Where the lone explorations prove every path finite, the whole check judges the
/// fault-tolerance graph part inside its one search, pruned.
#[test]
fn the_dueling_world_is_verified_whole_in_one_pruned_search() {
    let w = paxos_lab::scenario::Scenario::load("dueling").unwrap();
    let all = CheckCfg {
        por: true,
        ..pruned(true)
    };
    let o = check::check(&w, &paxos_models::Correct, &all, &mut |_, _| {});
    assert_eq!(o.exit_code(), 0);
    assert!(o.main.complete);
    assert!(
        matches!(o.main.dead, DeadUse::Used { acyclic: true, .. }),
        "{:?}",
        o.main.dead
    );
    assert!(o.stays.as_ref().is_some_and(|g| g.in_safety_search));
}

#[test]
fn the_analysis_is_the_same_on_any_number_of_threads() {
    // Learners of 16,386 and 14,643 local states: rounds of the lone exploration split
    // over threads, merged in order.
    for (world, variant) in [
        ("dueling", "paxos"),
        ("four-acceptors", "write-once-acceptor"),
    ] {
        let model = PaxosModel::new(scenario(world).cluster, rules(variant)).prune_dead(true);
        let engine = Engine::new(&model);
        // Explored whole, and a class at a time (the learners: 2,797 and 784 explored).
        type Analyse = fn(&Engine, usize, usize) -> Result<Dead, String>;
        let analyses: [Analyse; 2] = [Dead::analyse_capped, Dead::analyse_by_classes];
        for analyse in analyses {
            let one = analyse(&engine, dead::NODE_STATES_MAX, 1).unwrap();
            for threads in [2, 3] {
                let more = analyse(&engine, dead::NODE_STATES_MAX, threads).unwrap();
                assert!(one == more, "{world}/{variant}: {threads} threads");
            }
            assert!(one.local_states > 14_000, "{world}: {}", one.local_states);
        }
    }
}

#[test]
fn exploring_a_class_of_local_states_at_a_time_judges_every_local_state_alike() {
    // Every variant in every bundled world, with its faults and as a witness with acceptors
    // down: the analysis whose proposers and learners are explored once per renaming class
    // holds every local state and input of the analysis that explores them all, judges every
    // one alike, and finds the same nodes left out and the same paths finite.
    let cap = 20_000;
    let (mut compared, mut same) = (0, 0);
    for world in paxos_lab::scenario::list() {
        let w = scenario(&world);
        let downs = [0u16, 1, 0b11];
        for v in paxos_models::VARIANTS {
            for down in downs {
                if down.count_ones() as usize > w.cluster.acceptor_faults_tolerated() {
                    continue;
                }
                let mode = match down {
                    0 => paxos_models::Mode::Faults,
                    down => paxos_models::Mode::Witness { down },
                };
                let model =
                    PaxosModel::with_mode(w.cluster.clone(), v.rules, mode).prune_dead(true);
                let engine = Engine::new(&model);
                let plain = Dead::analyse_capped(&engine, cap, 2);
                let classes = Dead::analyse_by_classes(&engine, cap, 2);
                let at = format!("{world}/{}/down {down:b}", v.name);
                match (plain, classes) {
                    (Ok(plain), Ok(classes)) if plain.left_out == 0 => {
                        if let Err(why) = classes.agrees_with(&plain) {
                            panic!("{at}: {why}");
                        }
                        assert_eq!(classes.acyclic, plain.acyclic, "{at}: paths finite");
                        same += (plain == classes) as usize;
                        compared += 1;
                    }
                    // The bound counts local states judged, explored or not: the same
                    // nodes pass it.
                    (Ok(plain), Ok(classes)) => assert_eq!(
                        classes.left_out, plain.left_out,
                        "{at}: left out {:b} and {:b}",
                        plain.left_out, classes.left_out
                    ),
                    (Err(a), Err(b)) => assert_eq!(a, b, "{at}"),
                    (a, b) => panic!("{at}: {:?} vs {:?}", a.err(), b.err()),
                }
            }
        }
    }
    eprintln!("{compared} analyses compared, {same} the same");
    assert!(compared > 500, "{compared} analyses compared");
}

/// Checks `variant` in `world` with every reduction, its dead-message analysis capped at
/// `cap` local states per node, on `threads` threads.
fn capped(world: &str, variant: &str, cap: usize, threads: usize) -> check::Outcome {
    let w = scenario(world);
    let model = PaxosModel::new(w.cluster.clone(), rules(variant))
        .reduce_loss()
        .prune_dead(true);
    Engine::analyse_dead(&model, cap, threads, true);
    let all = CheckCfg {
        por: true,
        ..pruned(true)
    };
    let all = CheckCfg {
        opts: check::SearchOpts {
            threads,
            ..all.opts
        },
        ..all
    };
    check::check_model(&w, &model, &all, &mut |_, _| {})
}

/// A node whose lone exploration passes the cap is left out (here classic's learners, 66
/// local states each, under a cap of 10): no message to it is pruned, every path is no
/// longer proven finite, and the verdicts and shortest lengths stay the full analysis's.
#[test]
fn a_node_left_out_of_the_analysis_keeps_every_verdict() {
    let cfg = scenario("classic").cluster;
    let learners: Vec<String> = (0..cfg.learners)
        .map(|i| cfg.node_name(cfg.id_of(Role::Learner, i)))
        .collect();
    for variant in [
        "paxos",
        "recount-learner",
        "learner-doubts-on-conflict",
        "ignore-promised-value",
    ] {
        let full = capped("classic", variant, usize::MAX, 2);
        let out = capped("classic", variant, 10, 2);
        assert_eq!(summary(&full), summary(&out), "{variant}");
        assert!(
            matches!(&out.main.dead, DeadUse::Used { left_out, acyclic: false, node_states_max: 10, .. } if *left_out == learners),
            "{variant}: {:?}",
            out.main.dead
        );
    }
}

/// A left-out node that sends what its exploration never reached (store proposers cut at
/// 10 local states, before they lead) escapes the analysis: the search runs again without
/// pruning and says why, with the verdicts of an unpruned check, whatever the thread count.
#[test]
fn a_send_the_analysis_did_not_foresee_makes_the_search_run_again_unpruned() {
    let w = scenario("kv-store-one-slot");
    let r = rules("ack-before-commit");
    let unpruned = check::check(
        &w,
        r,
        &CheckCfg {
            por: true,
            ..cfg(Strategy::Bfs, true, 2)
        },
        &mut |_, _| {},
    );
    let one = capped("kv-store-one-slot", "ack-before-commit", 10, 1);
    let two = capped("kv-store-one-slot", "ack-before-commit", 10, 2);
    assert_eq!(summary(&one), summary(&unpruned));
    assert_eq!(summary(&two), summary(&unpruned));
    assert_eq!(
        (one.main.unique, one.main.depth),
        (unpruned.main.unique, unpruned.main.depth)
    );
    assert_eq!(
        (two.main.unique, &two.main.dead),
        (one.main.unique, &one.main.dead)
    );
    match &one.main.dead {
        DeadUse::Aside(why) => assert!(why.contains("left out") && why.contains("p1"), "{why}"),
        other => panic!("not set aside: {other:?}"),
    }
}

/// Whether the graph from `roots` by `succ` has a cycle (a self-loop included), nodes told
/// apart by `key`: an iterative depth-first search that marks each node on its stack or
/// done, and finds a cycle exactly when a step reaches a node on the stack. `None` past
/// `max` nodes; else whether there is one, and the nodes searched.
fn has_cycle<S>(
    roots: Vec<S>,
    key: impl Fn(&S) -> u64,
    succ: impl Fn(&S) -> Vec<S>,
    max: usize,
) -> Option<(bool, usize)> {
    // true: on the stack; false: done.
    let mut mark: paxos_lab::engine::FpMap<bool> = Default::default();
    for root in roots {
        let k = key(&root);
        if mark.contains_key(&k) {
            continue;
        }
        mark.insert(k, true);
        let mut stack = vec![(k, succ(&root).into_iter())];
        while let Some((k, next)) = stack.last_mut() {
            match next.next() {
                Some(s) => {
                    let sk = key(&s);
                    match mark.get(&sk) {
                        Some(true) => return Some((true, mark.len())),
                        Some(false) => {}
                        None if mark.len() >= max => return None,
                        None => {
                            mark.insert(sk, true);
                            let succs = succ(&s).into_iter();
                            stack.push((sk, succs));
                        }
                    }
                }
                None => {
                    mark.insert(*k, false);
                    stack.pop();
                }
            }
        }
    }
    Some((false, mark.len()))
}

#[test]
fn the_cycle_search_finds_a_cycle_where_there_is_one() {
    // 0 -> 1 -> 2 -> {3, 1}: a cycle through 1 and 2; without the edge back, none; a
    // self-loop is one; a node reached twice on different branches (a diamond) is none.
    let graph = |edges: &'static [(u64, u64)]| {
        move |&x: &u64| -> Vec<u64> { edges.iter().filter(|e| e.0 == x).map(|e| e.1).collect() }
    };
    let id = |x: &u64| *x;
    let cyclic: &[(u64, u64)] = &[(0, 1), (1, 2), (2, 3), (2, 1)];
    let acyclic: &[(u64, u64)] = &[(0, 1), (1, 2), (2, 3)];
    let self_loop: &[(u64, u64)] = &[(0, 1), (1, 1)];
    let diamond: &[(u64, u64)] = &[(0, 1), (0, 2), (1, 3), (2, 3), (3, 4)];
    let cycle = |edges, max| has_cycle(vec![0], id, graph(edges), max).map(|(c, _)| c);
    assert_eq!(cycle(cyclic, 100), Some(true));
    assert_eq!(cycle(acyclic, 100), Some(false));
    assert_eq!(cycle(self_loop, 100), Some(true));
    assert_eq!(cycle(diamond, 100), Some(false));
    assert_eq!(
        has_cycle(vec![0], id, graph(diamond), 100),
        Some((false, 5))
    );
    assert_eq!(cycle(diamond, 3), None);
}

/// What [`claimed_finite`] found of a world whose every path its dead-message analysis
/// claims finite.
#[derive(Debug, PartialEq)]
enum Claim {
    /// The analysis makes no such claim.
    None,
    /// The claim, and no cycle among the classes searched: all of them.
    Holds(usize),
    /// The claim, and a cycle: the claim is wrong.
    Cycle,
    /// More classes than the bound: not judged.
    TooBig,
}

/// Whether the pruned world of `variant` in `world`, where its dead-message analysis claims
/// every path finite, really has no cycle: searched whole by symmetry class (a cycle of
/// states is a cycle of their classes, so a class graph without one proves the world has
/// none; the classes only where the variant keeps its claim to the symmetry), at most
/// `max` classes.
fn claimed_finite(world: &str, variant: &str, max: usize) -> Claim {
    let w = scenario(world);
    let model = PaxosModel::new(w.cluster.clone(), rules(variant))
        .reduce_loss()
        .prune_dead(true);
    Engine::analyse_dead(&model, dead::NODE_STATES_MAX, 2, true);
    let engine = Engine::for_search(&model, false);
    if !engine.dead.as_ref().is_some_and(|d| d.acyclic) {
        return Claim::None;
    }
    let symmetric = model.symmetric() && paxos_lab::engine::premise::asymmetry(&model).is_none();
    let key = |s: &World| match symmetric {
        true => engine.canonical(s).0,
        false => paxos_lab::engine::fingerprint(s),
    };
    let succ = |s: &World| {
        let mut actions = Vec::new();
        engine.actions(s, &mut actions);
        actions
            .into_iter()
            .filter_map(|a| engine.next_state(s, a))
            .collect()
    };
    match has_cycle(engine.init_states(), key, succ, max) {
        Some((false, classes)) => Claim::Holds(classes),
        Some((true, _)) => Claim::Cycle,
        None => Claim::TooBig,
    }
}

/// The partial-order reduction leaves out its cycle proviso where the dead-message analysis
/// proves every path finite (`engine::por`): that proof is checked here against the
/// worlds themselves, correct Paxos in the smaller bundled worlds that make the claim (every
/// variant in every world of the matrix: the slow test below).
#[test]
fn where_every_path_is_claimed_finite_correct_paxos_has_no_cycle() {
    for world in [
        "classic",
        "four-acceptors",
        "five-acceptors",
        "three-proposers",
        "proposer-crash",
        "kv-store-one-slot",
        "dueling",
    ] {
        let c = claimed_finite(world, "paxos", 2_000_000);
        assert!(matches!(c, Claim::Holds(_)), "{world}: {c:?}");
    }
}

#[test]
#[ignore = "slow: run with `cargo test -- --ignored` (.ci/run does)"]
fn where_every_path_is_claimed_finite_no_variant_has_a_cycle() {
    // Every variant in every world the matrix checks it in: 100 claims on 2026-12-07, the
    // biggest correct Paxos in dueling-two-learners (4,605,891 classes, 90 s, 300 MB).
    let all = paxos_lab::scenario::list();
    let (mut judged, mut too_big) = (0, Vec::new());
    for v in paxos_models::VARIANTS {
        for world in paxos_lab::matrix::scenarios_of(v, &all) {
            match claimed_finite(&world, v.name, 6_000_000) {
                Claim::Cycle => {
                    panic!("{world}/{}: every path claimed finite, yet a cycle", v.name)
                }
                Claim::Holds(_) => judged += 1,
                Claim::TooBig => too_big.push(format!("{world}/{}", v.name)),
                Claim::None => {}
            }
        }
    }
    assert!(
        too_big.is_empty(),
        "not judged, over the bound: {too_big:?}"
    );
    assert!(judged >= 100, "{judged} claims judged");
}
