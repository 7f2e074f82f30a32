//! Shrinking a violating run by delta debugging, every candidate re-checked by replay.

use paxos_models::model::Action;
use paxos_models::{PaxosModel, PropertyName};
use stateright::Model;

use super::run::{fault_steps, NetEvent};
use crate::check::safety_properties;

/// Replays `actions`, skipping any that is not enabled where it comes, and returns the
/// actions actually taken, cut at the first state that violates `property`, if one does.
/// Each action carries its index in the run it came from.
fn replay_until(
    model: &PaxosModel,
    property: PropertyName,
    actions: &[(usize, Action)],
) -> Option<Vec<(usize, Action)>> {
    let props = safety_properties(model);
    let (_, prop) = props.iter().find(|(p, _)| *p == property)?;
    let mut state = model.init_states().swap_remove(0);
    let mut taken = Vec::new();
    let mut enabled = Vec::new();
    if !(prop.condition)(model, &state) {
        return Some(taken);
    }
    for (i, a) in actions {
        enabled.clear();
        model.actions(&state, &mut enabled);
        if !enabled.contains(a) {
            continue;
        }
        let Some(next) = model.next_state(&state, a.clone()) else {
            continue;
        };
        taken.push((*i, a.clone()));
        state = next;
        if !(prop.condition)(model, &state) {
            return Some(taken);
        }
    }
    None
}

/// The result of shrinking: the shortest trace found, and the sizes before and after.
#[derive(Clone, Debug)]
pub struct Shrunk {
    pub actions: Vec<Action>,
    pub steps_before: usize,
    pub faults_before: usize,
    pub faults_after: usize,
    /// The run's partitions and heals, each placed before the same kept action as in the
    /// run (a partition with no step left inside it is dropped with its heal).
    pub events: Vec<(usize, NetEvent)>,
}

fn fault_count(actions: &[Action]) -> usize {
    fault_steps(actions).into_iter().filter(|&f| f).count()
}

fn plain(actions: &[(usize, Action)]) -> Vec<Action> {
    actions.iter().map(|(_, a)| a.clone()).collect()
}

/// `events` of the run, moved to the kept actions: an event before run action `k` goes
/// before the first kept action at or after `k`. Every kept delivery thus happens under the
/// same partition as in the run; events with no step after them, and partitions with no
/// step inside, are left out.
fn place(kept: &[usize], events: &[(usize, NetEvent)]) -> Vec<(usize, NetEvent)> {
    let mut out: Vec<(usize, NetEvent)> = Vec::new();
    for (k, e) in events {
        let at = kept.partition_point(|&i| i < *k);
        if at >= kept.len() {
            break;
        }
        if *e == NetEvent::Heal
            && out
                .last()
                .is_some_and(|(j, p)| *j == at && matches!(p, NetEvent::Partition { .. }))
        {
            out.pop();
            continue;
        }
        out.push((at, e.clone()));
    }
    out
}

/// Shrinks a violating trace of `property`: delta debugging over its steps (ddmin), then
/// removing injected faults one by one, each candidate re-checked by replay. The result
/// replays exactly (every step enabled) and violates `property` at its last state; it is
/// never longer than the input and never has more faults.
pub fn shrink(model: &PaxosModel, property: PropertyName, actions: &[Action]) -> Shrunk {
    shrink_run(model, property, actions, &[])
}

/// [`shrink`] a run with its partitions: the shrunk trace keeps each of its steps between
/// the same partition and heal as in the run.
pub fn shrink_run(
    model: &PaxosModel,
    property: PropertyName,
    actions: &[Action],
    events: &[(usize, NetEvent)],
) -> Shrunk {
    let steps_before = actions.len();
    let faults_before = fault_count(actions);
    let indexed: Vec<(usize, Action)> = actions.iter().cloned().enumerate().collect();
    let Some(mut cur) = replay_until(model, property, &indexed) else {
        return Shrunk {
            actions: actions.to_vec(),
            steps_before,
            faults_before,
            faults_after: faults_before,
            events: events.to_vec(),
        };
    };
    let better = |cand: &[(usize, Action)], cur: &[(usize, Action)]| {
        cand.len() < cur.len()
            || (cand.len() == cur.len() && fault_count(&plain(cand)) < fault_count(&plain(cur)))
    };
    // ddmin over steps.
    let mut n = 2usize;
    while cur.len() >= 2 {
        let chunk = cur.len().div_ceil(n);
        let mut improved = false;
        let parts = n;
        for i in 0..parts {
            let lo = i * chunk;
            if lo >= cur.len() {
                break;
            }
            let hi = (lo + chunk).min(cur.len());
            let cand: Vec<(usize, Action)> = cur[..lo].iter().chain(&cur[hi..]).cloned().collect();
            if let Some(r) = replay_until(model, property, &cand) {
                if better(&r, &cur) {
                    cur = r;
                    n = (n - 1).max(2);
                    improved = true;
                    break;
                }
            }
        }
        if !improved {
            if n >= cur.len() {
                break;
            }
            n = (n * 2).min(cur.len());
        }
    }
    // Then single steps, faults first, until nothing more goes.
    loop {
        let faults = fault_steps(&plain(&cur));
        let order: Vec<usize> = (0..cur.len())
            .filter(|&i| faults[i])
            .chain((0..cur.len()).filter(|&i| !faults[i]))
            .collect();
        let mut improved = false;
        for i in order {
            let cand: Vec<(usize, Action)> =
                cur[..i].iter().chain(&cur[i + 1..]).cloned().collect();
            if let Some(r) = replay_until(model, property, &cand) {
                if better(&r, &cur) {
                    cur = r;
                    improved = true;
                    break;
                }
            }
        }
        if !improved {
            break;
        }
    }
    let kept: Vec<usize> = cur.iter().map(|(i, _)| *i).collect();
    let actions = plain(&cur);
    Shrunk {
        faults_after: fault_count(&actions),
        actions,
        steps_before,
        faults_before,
        events: place(&kept, events),
    }
}
