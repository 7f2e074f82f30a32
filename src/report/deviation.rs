//! Deviations from correct Paxos, for any variant: each step of a trace is taken again, from
//! the same state, by the same model under the `Rules` defaults ([`Correct`]); where the node
//! that acted ends in a different state or sends different messages, the narration says
//! what the run did and what Paxos does there. Nothing here knows which variants exist: the
//! sentences are built from the handlers' outcomes alone (node state, messages sent).

use paxos_models::describe::{fields, msg};
use paxos_models::model::Action;
use paxos_models::{ClusterCfg, Correct, Msg, NodeState, PaxosModel, PaxosState};
use stateright::actor::ActorModelAction;
use stateright::Model;

use crate::report::trace::sent_messages;

/// The same world and mode as `model`, under correct Paxos.
pub fn paxos_twin(model: &PaxosModel) -> PaxosModel {
    PaxosModel::with_mode(model.cfg().clone(), &Correct, model.mode)
}

/// The correct protocol's name: "Paxos", or "Multi-Paxos" in a store world.
pub fn protocol(cfg: &ClusterCfg) -> &'static str {
    if cfg.is_store() {
        "Multi-Paxos"
    } else {
        "Paxos"
    }
}

/// What one node did in one step: its state after it, and what it sent (in the order sent).
#[derive(PartialEq, Eq)]
struct Outcome {
    state: NodeState,
    sent: Vec<(usize, Msg)>,
}

fn outcome(before: &PaxosState, after: Option<&PaxosState>, node: usize) -> Outcome {
    match after {
        None => Outcome {
            state: (*before.sys.actor_states[node]).clone(),
            sent: Vec::new(),
        },
        Some(after) => Outcome {
            state: (*after.sys.actor_states[node]).clone(),
            sent: sent_messages(before, after)
                .into_iter()
                .filter(|&(src, _, _)| src == node)
                .map(|(_, dst, m)| (dst, m))
                .collect(),
        },
    }
}

/// The node an action runs a handler on (deliveries, timers and restarts; a crash or a loss
/// runs none).
fn actor_of(action: &Action) -> Option<usize> {
    match action {
        ActorModelAction::Deliver { dst, .. } => Some(usize::from(*dst)),
        ActorModelAction::Timeout(id, _) | ActorModelAction::Recover(id) => Some(usize::from(*id)),
        _ => None,
    }
}

/// "became promised 2, accepted (b=1, "red") and sent Accepted(b=1, "red") to l1, l2", or
/// "ignored it" when nothing changed and nothing was sent.
fn deed(cfg: &ClusterCfg, was: &NodeState, o: &Outcome, tense: Tense) -> String {
    let (set, sent, ignored) = match tense {
        Tense::Past => ("set", "sent", "ignored it"),
        Tense::Present => ("sets", "sends", "ignores it"),
        Tense::Future => ("set", "send", "ignore it"),
    };
    let old = fields(cfg, was);
    let new = fields(cfg, &o.state);
    let changed: Vec<String> = new
        .iter()
        .zip(&old)
        .filter(|(n, o)| n.1 != o.1)
        .map(|((f, v), _)| format!("{f} {v}"))
        .collect();
    let mut parts = Vec::new();
    if !changed.is_empty() {
        parts.push(format!("{set} {}", changed.join(", ")));
    }
    // Group the messages sent: "Prepare(b=1) to a1, a2, a3".
    let mut groups: Vec<(Msg, Vec<usize>)> = Vec::new();
    for &(dst, m) in &o.sent {
        match groups.iter_mut().find(|g| g.0 == m) {
            Some(g) => g.1.push(dst),
            None => groups.push((m, vec![dst])),
        }
    }
    for (m, dsts) in groups {
        let to: Vec<String> = dsts.iter().map(|&d| cfg.node_name(d)).collect();
        parts.push(format!("{sent} {} to {}", msg(cfg, &m), to.join(", ")));
    }
    if parts.is_empty() {
        ignored.to_string()
    } else {
        parts.join(" and ")
    }
}

#[derive(Copy, Clone)]
enum Tense {
    Past,
    Present,
    Future,
}

/// What prompted the handler: "a2 got Accept(b=1, "red") from p1", "p1's retry timer
/// fired", "a1 restarted".
fn prompt(cfg: &ClusterCfg, action: &Action) -> String {
    match action {
        ActorModelAction::Deliver { src, dst, msg: m } => format!(
            "{} got {} from {}",
            cfg.node_name(usize::from(*dst)),
            msg(cfg, m),
            cfg.node_name(usize::from(*src))
        ),
        ActorModelAction::Timeout(id, _) => {
            let id = usize::from(*id);
            if cfg.role_of(id).0 == paxos_models::Role::Client {
                format!("{}'s next operation came due", cfg.node_name(id))
            } else {
                format!("{}'s retry timer fired", cfg.node_name(id))
            }
        }
        ActorModelAction::Recover(id) => format!("{} restarted", cfg.node_name(usize::from(*id))),
        _ => String::new(),
    }
}

/// Step `step` (1-based) compared with correct Paxos from the same state: `None` when the
/// node did what Paxos does.
pub fn step(
    model: &PaxosModel,
    paxos: &PaxosModel,
    step: usize,
    action: &Action,
    before: &PaxosState,
    after: &PaxosState,
) -> Option<String> {
    let node = actor_of(action)?;
    let cfg = model.cfg();
    let run = outcome(before, Some(after), node);
    let right = paxos.next_state(before, action.clone());
    let right = outcome(before, right.as_ref(), node);
    if run == right {
        return None;
    }
    let was = &before.sys.actor_states[node];
    Some(format!(
        "Step {step}: {}; it {}, where correct {} {}.",
        prompt(cfg, action),
        deed(cfg, was, &run, Tense::Past),
        protocol(cfg),
        deed(cfg, was, &right, Tense::Present)
    ))
}

/// The start compared with correct Paxos: each node whose first handler did something else.
pub fn start(model: &PaxosModel, paxos: &PaxosModel, first: &PaxosState) -> Vec<String> {
    let cfg = model.cfg();
    let Some(right) = paxos.init_states().into_iter().next() else {
        return Vec::new();
    };
    // What each node is and has sent at its start (the network holds only that then).
    let at_start = |state: &PaxosState, node: usize| Outcome {
        state: (*state.sys.actor_states[node]).clone(),
        sent: paxos_models::model::in_flight(&state.sys.network)
            .into_iter()
            .filter(|&(src, _, _)| src == node)
            .map(|(_, dst, m)| (dst, m))
            .collect(),
    };
    (0..cfg.node_count())
        .filter_map(|node| {
            let (run, paxos_start) = (at_start(first, node), at_start(&right, node));
            (run != paxos_start).then(|| {
                format!(
                    "At the start, {} {}, where correct {} {}.",
                    cfg.node_name(node),
                    deed(cfg, &paxos_start.state, &run, Tense::Past).replacen(
                        "set ",
                        "started with ",
                        1
                    ),
                    protocol(cfg),
                    deed(cfg, &run.state, &paxos_start, Tense::Present).replacen(
                        "sets ",
                        "starts with ",
                        1
                    )
                )
            })
        })
        .collect()
}

/// For a state from which no decision is reachable (with `cut` in force for good, if any:
/// the messages it holds are never delivered): each message in flight that the run's
/// rules handle differently from correct Paxos ("a1 will ignore Accept(b=2, "blue") from
/// p2, where correct Paxos sets ...").
pub fn stuck(
    model: &PaxosModel,
    paxos: &PaxosModel,
    last: &PaxosState,
    cut: Option<&crate::sim::NetEvent>,
) -> Vec<String> {
    let cfg = model.cfg();
    let mut lines = Vec::new();
    let mut seen = Vec::new();
    for (src, dst, m) in paxos_models::model::in_flight(&last.sys.network) {
        let held = cut.is_some_and(|c| c.holds(src, dst));
        if held || last.sys.crashed[dst] || seen.contains(&(src, dst, m)) {
            continue;
        }
        seen.push((src, dst, m));
        let action: Action = ActorModelAction::Deliver {
            src: src.into(),
            dst: dst.into(),
            msg: m,
        };
        let run = model.next_state(last, action.clone());
        let run = outcome(last, run.as_ref(), dst);
        let right = paxos.next_state(last, action.clone());
        let right = outcome(last, right.as_ref(), dst);
        if run != right {
            let was = &last.sys.actor_states[dst];
            lines.push(format!(
                "{} will get {} from {} and {}, where correct {} {}.",
                cfg.node_name(dst),
                msg(cfg, &m),
                cfg.node_name(src),
                deed(cfg, was, &run, Tense::Future),
                protocol(cfg),
                deed(cfg, was, &right, Tense::Present)
            ));
        }
    }
    lines
}
