//! The packed-state engine against the reference semantics, stateright's `ActorModel`: the
//! same actions in the same order and the same successors, state by state, for every variant
//! in every bundled world, on the first states breadth-first and on seeded random walks that
//! reach deep states; the same class fingerprints; and the same unique counts exhaustively.

use paxos_lab::check;
use paxos_lab::engine::world::{Engine, World};
use paxos_lab::scenario::{self, Scenario};
use paxos_models::{PaxosModel, PaxosState, VARIANTS};
use rand::{Rng, SeedableRng};
use stateright::Model;

use super::engine::first_states;

/// Asserts that the engine steps exactly as the reference model from `state`.
fn same_steps(model: &PaxosModel, engine: &Engine, state: &PaxosState, what: &str) {
    let world = World::of(state);
    assert_eq!(
        world.to_state(model.cfg().delivery),
        *state,
        "{what}: round trip"
    );
    let (mut want, mut got) = (Vec::new(), Vec::new());
    model.actions(state, &mut want);
    engine.actions(&world, &mut got);
    assert_eq!(got, want, "{what}: actions of {state:?}");
    for action in want {
        let reference = model
            .next_state(state, action.clone())
            .map(|s| World::of(&s));
        let ours = engine.next_state(&world, action.clone());
        if ours != reference {
            let parts = |w: &Option<World>| {
                w.as_ref().map(|w| {
                    format!(
                        "net {:?}\nstorages {:?} timers {:b} crashed {:b}\nobs {:?}",
                        w.net, w.storages, w.timers, w.crashed, w.obs
                    )
                })
            };
            panic!(
                "{what}: {action:?} from {:?}\nours:\n{:?}\nreference:\n{:?}",
                world.net,
                parts(&ours),
                parts(&reference)
            );
        }
    }
    if model.rules().symmetric() {
        assert_eq!(
            engine.canonical(&world),
            model.canonical(state),
            "{what}: class fingerprint of {state:?}"
        );
    }
}

/// States at the end of `walks` seeded random walks of up to `depth` steps.
fn walked(model: &PaxosModel, walks: usize, depth: usize, seed: u64) -> Vec<PaxosState> {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let mut out = Vec::new();
    let mut actions = Vec::new();
    for _ in 0..walks {
        let mut state = model.init_states().swap_remove(0);
        for _ in 0..depth {
            actions.clear();
            model.actions(&state, &mut actions);
            let nexts: Vec<PaxosState> = actions
                .drain(..)
                .filter_map(|a| model.next_state(&state, a))
                .collect();
            if nexts.is_empty() {
                break;
            }
            state = nexts[rng.random_range(0..nexts.len())].clone();
            out.push(state.clone());
        }
    }
    out
}

fn every_world() -> Vec<Scenario> {
    scenario::list()
        .iter()
        .map(|name| Scenario::load(name).unwrap_or_else(|e| panic!("{e}")))
        .collect()
}

#[test]
fn the_engine_takes_the_same_steps_as_stateright_for_every_variant_in_every_world() {
    let mut compared = 0;
    for world in every_world() {
        for v in VARIANTS {
            let model = PaxosModel::new(world.cluster.clone(), v.rules).reduce_loss();
            let engine = Engine::new(&model);
            let what = format!("{} on {}", v.name, world.name);
            let mut states = first_states(&model, 300);
            states.extend(walked(&model, 20, 40, 7));
            for state in &states {
                same_steps(&model, &engine, state, &what);
            }
            compared += states.len();
        }
    }
    assert!(compared > 100_000, "{compared} states compared");
}

/// With drops kept (the reference keeps them on ordered networks, and the simulator always).
#[test]
fn the_engine_drops_messages_as_stateright_does() {
    for name in ["lossy-duplicating"] {
        let world = super::scenario(name);
        for v in VARIANTS {
            let model = PaxosModel::new(world.cluster.clone(), v.rules);
            assert!(model.drops, "{name} is lossy");
            let engine = Engine::new(&model);
            for state in first_states(&model, 200) {
                same_steps(&model, &engine, &state, &format!("{} (drops)", v.name));
            }
        }
    }
}

/// Exhaustively: both engines visit the same states in the same order (the same counts,
/// the same depth, the same discoveries) on `runs` of (world, variant, symmetry).
fn same_searches(runs: &[(&str, &str, bool)]) {
    for &(name, variant, symmetry) in runs {
        let world = super::scenario(name);
        let rules = paxos_models::variant(variant).unwrap().rules;
        let cfg = super::cfg(check::Strategy::Bfs, symmetry, 1);
        let ours = check::safety_search(&world, rules, &cfg);
        let model = PaxosModel::new(world.cluster.clone(), rules).reduce_loss();
        let props: Vec<_> = check::safety_properties(&model)
            .into_iter()
            .map(|(_, p)| p)
            .collect();
        let reference = check::reference_search(&model, symmetry, &props, &cfg.opts);
        let what = format!("{variant} on {name}, symmetry {symmetry}");
        assert_eq!(
            (ours.unique, ours.states, ours.depth, ours.complete),
            (
                reference.unique,
                reference.states,
                reference.depth,
                reference.complete
            ),
            "{what}"
        );
        assert_eq!(ours.discoveries, reference.discoveries, "{what}");
    }
}

#[test]
fn the_engine_and_stateright_search_the_same_states() {
    same_searches(&[
        ("classic", "paxos", true),
        ("classic", "ignore-promised-value", false),
        ("crash-restart", "volatile-acceptor", true),
        ("lossy-duplicating", "paxos", true),
        ("lossy-duplicating", "learner-counts-duplicates", false),
        ("learner-crash", "recount-learner", true),
    ]);
}
