//! One run: a random walk from the init state, every choice drawn from the run's seed,
//! judged against every safety property at every state.

use std::collections::BTreeSet;

use paxos_models::model::Action;
use paxos_models::{Msg, PaxosModel, PaxosState, PropertyName};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use stateright::actor::ActorModelAction;
use stateright::{Model, Property};

use super::mix::{below, pick, pick_weighted, FaultMix};
use crate::check::safety_properties;

type Envelope = (usize, usize, Msg);

fn envelope(a: &Action) -> Option<Envelope> {
    match a {
        ActorModelAction::Deliver { src, dst, msg } => {
            Some((usize::from(*src), usize::from(*dst), *msg))
        }
        _ => None,
    }
}

/// Whether step `i` of `actions` injects a fault: a drop, a crash, a restart, or the
/// redelivery of a message already delivered earlier in the same trace.
pub fn fault_steps(actions: &[Action]) -> Vec<bool> {
    let mut delivered = BTreeSet::new();
    actions
        .iter()
        .map(|a| match a {
            ActorModelAction::Drop(_)
            | ActorModelAction::Crash(_)
            | ActorModelAction::Recover(_) => true,
            ActorModelAction::Deliver { .. } => {
                !delivered.insert(envelope(a).expect("a delivery has an envelope"))
            }
            _ => false,
        })
        .collect()
}

/// How one run ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum End {
    /// A property failed at the last step.
    Violation(PropertyName),
    /// No action was enabled.
    Terminal,
    /// `steps_max` steps were taken.
    StepsMax,
}

/// One run: its seed, the fault mix it used, the actions it took and how it ended.
#[derive(Clone, Debug)]
pub struct Run {
    pub seed: u64,
    pub mix: FaultMix,
    pub actions: Vec<Action>,
    pub end: End,
    /// Whether some node decided during the run.
    pub decided: bool,
    /// Every safety property the run violated, in report order. A run goes on to its end
    /// after its first violation, so each property is judged on its own; `actions` and
    /// `end` are cut at the first violation (the one the report shows).
    pub violated: Vec<PropertyName>,
    /// Steps the whole run took (past its first violation too).
    pub steps: usize,
}

/// Records, for each property not yet violated in this run, whether `state` violates it
/// (`at`: the number of actions taken to reach it); the first violation is kept in `first`.
fn judge(
    model: &PaxosModel,
    props: &[(PropertyName, Property<PaxosModel>)],
    state: &PaxosState,
    at: usize,
    violated: &mut Vec<PropertyName>,
    first: &mut Option<(PropertyName, usize)>,
) {
    for (name, p) in props {
        if !violated.contains(name) && !(p.condition)(model, state) {
            violated.push(*name);
            if first.is_none() {
                *first = Some((*name, at));
            }
        }
    }
}

/// One random walk from the init state.
pub fn walk(model: &PaxosModel, seed: u64, mix: &FaultMix, steps_max: usize) -> Run {
    let props = safety_properties(model);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut state = model.init_states().swap_remove(0);
    let mut actions = Vec::new();
    let mut delivered: BTreeSet<Envelope> = BTreeSet::new();
    let mut decided = paxos_models::properties::decided_somewhere(&state.obs);
    let mut enabled = Vec::new();
    let mut violated = Vec::new();
    let mut first = None;
    let done = |mut actions: Vec<Action>,
                end: End,
                decided: bool,
                mut violated: Vec<PropertyName>,
                first: Option<(PropertyName, usize)>| {
        let steps = actions.len();
        let end = match first {
            Some((p, at)) => {
                actions.truncate(at);
                End::Violation(p)
            }
            None => end,
        };
        violated.sort();
        Run {
            seed,
            mix: mix.clone(),
            actions,
            end,
            decided,
            violated,
            steps,
        }
    };
    judge(model, &props, &state, 0, &mut violated, &mut first);
    for _ in 0..steps_max {
        enabled.clear();
        model.actions(&state, &mut enabled);
        let succs: Vec<(Action, PaxosState)> = enabled
            .drain(..)
            .filter_map(|a| model.next_state(&state, a.clone()).map(|s| (a, s)))
            .collect();
        if succs.is_empty() {
            return done(actions, End::Terminal, decided, violated, first);
        }
        // Sort the successors into kinds, then pick a kind by the fault mix.
        let (mut drops, mut crashes, mut restarts, mut dups, mut normal) =
            (vec![], vec![], vec![], vec![], vec![]);
        for (i, (a, _)) in succs.iter().enumerate() {
            match a {
                ActorModelAction::Drop(_) => drops.push(i),
                ActorModelAction::Crash(_) => crashes.push(i),
                ActorModelAction::Recover(_) => restarts.push(i),
                ActorModelAction::Deliver { .. } => {
                    if delivered.contains(&envelope(a).expect("a delivery")) {
                        dups.push(i)
                    } else {
                        normal.push(i)
                    }
                }
                _ => normal.push(i),
            }
        }
        let choice = if !drops.is_empty() && below(&mut rng, mix.drop) {
            drops[pick(&mut rng, drops.len())]
        } else if !crashes.is_empty() && below(&mut rng, mix.crash) {
            crashes[pick(&mut rng, crashes.len())]
        } else if !restarts.is_empty() && below(&mut rng, mix.restart) {
            restarts[pick(&mut rng, restarts.len())]
        } else if !dups.is_empty() && below(&mut rng, mix.duplicate) {
            dups[pick(&mut rng, dups.len())]
        } else if !normal.is_empty() {
            let weights: Vec<u64> = normal
                .iter()
                .map(|&i| match &succs[i].0 {
                    ActorModelAction::Deliver { dst, .. } => {
                        mix.node_weights[usize::from(*dst)] as u64
                    }
                    _ => mix.timeout_weight as u64,
                })
                .collect();
            normal[pick_weighted(&mut rng, &weights)]
        } else {
            // Only faults are left: take one of those the mix allows, so the run goes on; a
            // fault whose chance is 0 never happens (the printed mix is the whole truth).
            let rest: Vec<usize> = [
                (drops, mix.drop),
                (crashes, mix.crash),
                (restarts, mix.restart),
                (dups, mix.duplicate),
            ]
            .into_iter()
            .filter(|(_, p)| *p > 0.0)
            .flat_map(|(kind, _)| kind)
            .collect();
            if rest.is_empty() {
                return done(actions, End::Terminal, decided, violated, first);
            }
            rest[pick(&mut rng, rest.len())]
        };
        let (action, next) = succs.into_iter().nth(choice).expect("a valid choice");
        if let Some(e) = envelope(&action) {
            delivered.insert(e);
        }
        actions.push(action);
        state = next;
        decided |= paxos_models::properties::decided_somewhere(&state.obs);
        let at = actions.len();
        judge(model, &props, &state, at, &mut violated, &mut first);
        if violated.len() == props.len() {
            // Every property is violated: nothing is left to judge.
            break;
        }
    }
    let end = if actions.len() >= steps_max {
        End::StepsMax
    } else {
        End::Terminal
    };
    done(actions, end, decided, violated, first)
}
