//! Counterexample traces: the states and actions of a path, rebuilt by replay, and their
//! terminal rendering: numbered steps in protocol words, each followed only by the state
//! that changed and the messages sent, the violating step marked with why it violates.

use std::fmt::Write as _;

use paxos_models::describe;
use paxos_models::model::Action;
use paxos_models::properties::chosen;
use paxos_models::{ClusterCfg, PaxosModel, PaxosState, PropertyName};

use crate::sim::NetEvent;
use stateright::actor::ActorModelAction;
use stateright::Model;

/// A path through the model: `states[i]` --`actions[i]`--> `states[i + 1]`.
#[derive(Clone, Debug)]
pub struct Trace {
    pub states: Vec<PaxosState>,
    pub actions: Vec<Action>,
    /// The simulator's partitions and heals, each with the number of actions before it
    /// (none from the exhaustive check, which needs no partitions: it already holds any
    /// message as long as it likes).
    pub events: Vec<(usize, NetEvent)>,
}

impl Trace {
    /// The trace's lines in the trace file's words: each action, with the partition lines
    /// where they happened.
    pub fn words(&self, cfg: &ClusterCfg) -> Vec<String> {
        crate::sim::words(cfg, &self.actions, &self.events)
    }

    /// The partition lines that come just before step `i` (0-based action index).
    pub fn events_before(&self, i: usize) -> impl Iterator<Item = &NetEvent> {
        self.events
            .iter()
            .filter(move |(k, _)| *k == i)
            .map(|(_, e)| e)
    }

    /// The partition in force after the last step (one no HEAL line ended), if any: in a
    /// fault-tolerance trace, the minority cut off for good.
    pub fn partition_at_end(&self) -> Option<&NetEvent> {
        self.events
            .last()
            .map(|(_, e)| e)
            .filter(|e| matches!(e, NetEvent::Partition { .. }))
    }

    /// The nodes the partition in force after the last step cuts off (its first group, by
    /// name): in a fault-tolerance trace, the minority cut off for good.
    pub fn cut_off(&self, cfg: &ClusterCfg) -> Option<Vec<String>> {
        match self.partition_at_end()? {
            NetEvent::Partition { groups, .. } => {
                Some(groups[0].iter().map(|&i| cfg.node_name(i)).collect())
            }
            NetEvent::Heal => None,
        }
    }

    /// Steps (actions) in the trace.
    pub fn len(&self) -> usize {
        self.actions.len()
    }

    pub fn is_empty(&self) -> bool {
        self.actions.is_empty()
    }
}

/// Replays `actions` from the model's (single) init state; `None` if an action is not
/// enabled where the trace says it was taken.
pub fn replay_actions(model: &PaxosModel, actions: &[Action]) -> Option<Trace> {
    let mut state = model.init_states().swap_remove(0);
    let mut states = vec![state.clone()];
    let mut enabled = Vec::new();
    for action in actions {
        enabled.clear();
        model.actions(&state, &mut enabled);
        if !enabled.contains(action) {
            return None;
        }
        state = model.next_state(&state, action.clone())?;
        states.push(state.clone());
    }
    Some(Trace {
        states,
        actions: actions.to_vec(),
        events: Vec::new(),
    })
}

/// Whether step `i` delivers a message that an earlier step of the trace already delivered
/// (a duplicating network redelivers).
pub fn is_duplicate(trace: &Trace, i: usize) -> bool {
    let ActorModelAction::Deliver { src, dst, msg } = &trace.actions[i] else {
        return false;
    };
    trace.actions[..i].iter().any(|a| {
        matches!(a, ActorModelAction::Deliver { src: s, dst: d, msg: m }
            if s == src && d == dst && m == msg)
    })
}

/// The messages in flight, as sorted (src, dst, msg) with multiplicity.
fn in_flight(state: &PaxosState) -> Vec<(usize, usize, paxos_models::Msg)> {
    let mut v = paxos_models::model::in_flight(&state.sys.network);
    v.sort();
    v
}

/// The messages sent between `before` and `after`: those in flight in `after` and not in
/// `before` (multiset difference), as sorted (src, dst, msg).
pub fn sent_messages(
    before: &PaxosState,
    after: &PaxosState,
) -> Vec<(usize, usize, paxos_models::Msg)> {
    let mut old = in_flight(before);
    let mut new = Vec::new();
    for m in in_flight(after) {
        if let Some(at) = old.iter().position(|o| *o == m) {
            old.remove(at);
        } else {
            new.push(m);
        }
    }
    new
}

/// Messages in `after` and not in `before` (multiset difference), grouped as "x sends M to
/// a, b, c".
fn sent(cfg: &ClusterCfg, before: &PaxosState, after: &PaxosState) -> Vec<String> {
    let new = sent_messages(before, after);
    // Group by (src, msg), keeping first-seen order.
    let mut groups: Vec<(usize, paxos_models::Msg, Vec<usize>)> = Vec::new();
    for (src, dst, msg) in new {
        match groups.iter_mut().find(|g| g.0 == src && g.1 == msg) {
            Some(g) => g.2.push(dst),
            None => groups.push((src, msg, vec![dst])),
        }
    }
    groups
        .into_iter()
        .map(|(src, msg, dsts)| {
            let to: Vec<String> = dsts.iter().map(|&d| cfg.node_name(d)).collect();
            format!(
                "{} sends {} to {}",
                cfg.node_name(src),
                describe::msg(cfg, &msg),
                to.join(", ")
            )
        })
        .collect()
}

/// The node fields that differ between two states: `a2.promised: 1 -> 2`.
fn changed(cfg: &ClusterCfg, before: &PaxosState, after: &PaxosState) -> Vec<String> {
    let mut lines = Vec::new();
    for (i, (b, a)) in before
        .sys
        .actor_states
        .iter()
        .zip(&after.sys.actor_states)
        .enumerate()
    {
        if b == a {
            continue;
        }
        let old = describe::fields(cfg, b);
        for (name, new) in describe::fields(cfg, a) {
            let prev = old
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.as_str());
            if prev != Some(new.as_str()) {
                lines.push(format!(
                    "{}.{}: {} -> {}",
                    cfg.node_name(i),
                    name,
                    prev.unwrap_or("?"),
                    new
                ));
            }
        }
    }
    lines
}

/// Newly chosen proposals: `chosen: "red" in b=1 by a1, a2`.
fn newly_chosen(model: &PaxosModel, before: &PaxosState, after: &PaxosState) -> Vec<String> {
    let q = model.chosen_quorum();
    let old = chosen(&before.obs, q);
    chosen(&after.obs, q)
        .into_iter()
        .filter(|&(b, v, _)| !old.iter().any(|&(b2, v2, _)| (b2, v2) == (b, v)))
        .map(|(b, v, mask)| {
            if b.is_none() {
                // A replication protocol: no ballots, one replica is a "quorum".
                return format!(
                    "chosen: {} by {}",
                    describe::value(model.cfg(), v),
                    acceptor_names(model.cfg(), mask)
                );
            }
            format!(
                "chosen: {} in b={} by {}",
                describe::value(model.cfg(), v),
                describe::ballot(b),
                acceptor_names(model.cfg(), mask)
            )
        })
        .collect()
}

fn acceptor_names(cfg: &ClusterCfg, mask: u16) -> String {
    (0..cfg.acceptors)
        .filter(|a| mask & (1 << a) != 0)
        .map(|a| format!("a{}", a + 1))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Every node that decided, with all it was seen to decide: `l1 decided "red"`,
/// `a1 decided "red" then "blue"`.
pub fn decisions(cfg: &ClusterCfg, state: &PaxosState) -> Vec<String> {
    state
        .obs
        .decided_ever
        .iter()
        .enumerate()
        .filter(|(_, &m)| m != 0)
        .map(|(i, &m)| {
            let vals: Vec<String> = (0..16)
                .filter(|v| m & (1 << v) != 0)
                .map(|v| describe::value(cfg, v as u8))
                .collect();
            format!("{} decided {}", cfg.node_name(i), vals.join(" then "))
        })
        .collect()
}

/// Every node that no longer holds what it first decided: `l1 decided "red" and now holds
/// nothing`.
pub fn takebacks(cfg: &ClusterCfg, state: &PaxosState) -> Vec<String> {
    state
        .obs
        .first_decision
        .iter()
        .zip(&state.sys.actor_states)
        .enumerate()
        .filter_map(|(i, (first, node))| {
            let first = (*first)?;
            let now = node.decision();
            (now != Some(first)).then(|| {
                format!(
                    "{} decided {} and now holds {}",
                    cfg.node_name(i),
                    describe::value(cfg, first),
                    now.map_or("nothing".to_string(), |v| describe::value(cfg, v))
                )
            })
        })
        .collect()
}

/// Why `state` violates `property`, in one sentence.
pub fn why(model: &PaxosModel, property: PropertyName, state: &PaxosState) -> String {
    let cfg = model.cfg();
    if cfg.is_store() {
        return crate::report::store::why(model, property, state);
    }
    let decided = decisions(cfg, state);
    match property {
        PropertyName::Coherence => format!("nodes disagree: {}", decided.join(", ")),
        PropertyName::ConflictResolution => {
            let all = chosen(&state.obs, model.chosen_quorum());
            let words = |&(b, v, mask): &(paxos_models::Ballot, paxos_models::Value, u16)| {
                format!(
                    "{} in b={} (by {})",
                    describe::value(cfg, v),
                    describe::ballot(b),
                    acceptor_names(cfg, mask)
                )
            };
            let values: std::collections::BTreeSet<_> = all.iter().map(|c| c.1).collect();
            let unproposed: Vec<String> = all
                .iter()
                .filter(|c| state.obs.proposed & (1 << c.1) == 0)
                .map(words)
                .collect();
            if values.len() > 1 {
                let c: Vec<String> = all.iter().map(words).collect();
                format!("more than one value chosen: {}", c.join(" and "))
            } else if !unproposed.is_empty() {
                format!(
                    "a value nobody proposed was chosen: {}",
                    unproposed.join(" and ")
                )
            } else {
                format!(
                    "a value that was never proposed was decided: {}",
                    decided.join(", ")
                )
            }
        }
        PropertyName::NoTakebacks => takebacks(cfg, state).join(", "),
        PropertyName::LogCoherence | PropertyName::Linearizability => {
            "a store property, judged in store worlds only".into()
        }
        PropertyName::FaultTolerance => "no decision is reachable".into(),
    }
}

/// The trace as numbered steps. Step 0 is the start (what nodes sent in `on_start`); the
/// last step is marked with the violated property and why, when `violated` is given.
pub fn render(model: &PaxosModel, trace: &Trace, violated: Option<PropertyName>) -> String {
    let cfg = model.cfg();
    let mut out = String::new();
    let width = trace.len().to_string().len().max(2);
    let init = &trace.states[0];
    let empty = PaxosState {
        sys: stateright::actor::ActorModelState {
            network: stateright::actor::Network::new_unordered_nonduplicating([]),
            ..init.sys.clone()
        },
        obs: init.obs.clone(),
    };
    let _ = writeln!(out, "  {:>width$}  start", 0);
    for line in sent(cfg, &empty, init) {
        let _ = writeln!(out, "  {:>width$}    {line}", "");
    }
    let net_lines = |out: &mut String, i: usize| {
        let at_end = i == trace.len();
        for e in trace.events_before(i) {
            let _ = writeln!(out, "  {:>width$}  {}", "--", e.describe(cfg));
            let _ = writeln!(
                out,
                "  {:>width$}    {}",
                "",
                match e {
                    NetEvent::Partition { .. } if at_end =>
                        "(from here on, every message between the two groups is held for good)",
                    NetEvent::Partition { one_way: false, .. } =>
                        "(messages between the two groups are held, not lost, until HEAL)",
                    NetEvent::Partition { one_way: true, .. } =>
                        "(messages from the first group to the second are held until HEAL; the other way they pass)",
                    NetEvent::Heal => "(the held messages may be delivered again)",
                }
            );
        }
    };
    for (i, action) in trace.actions.iter().enumerate() {
        net_lines(&mut out, i);
        let (before, after) = (&trace.states[i], &trace.states[i + 1]);
        let _ = writeln!(
            out,
            "  {:>width$}  {}{}",
            i + 1,
            if is_duplicate(trace, i) { "DUP " } else { "" },
            describe::action(cfg, action)
        );
        let mut details = changed(cfg, before, after);
        if matches!(action, ActorModelAction::Crash(_)) {
            details.push("(its volatile state is lost; durable storage is kept)".into());
        }
        details.extend(sent(cfg, before, after));
        details.extend(newly_chosen(model, before, after));
        for line in details {
            let _ = writeln!(out, "  {:>width$}    {line}", "");
        }
    }
    net_lines(&mut out, trace.len());
    if let Some(p) = violated {
        let last = trace.states.last().expect("a trace has a state");
        let cut = match (p, trace.cut_off(cfg)) {
            (PropertyName::FaultTolerance, Some(names)) => {
                format!(" with {} cut off", names.join(", "))
            }
            _ => String::new(),
        };
        let _ = writeln!(
            out,
            "  {:>width$}  VIOLATED {}: {}{cut}",
            "^^",
            p.name(),
            why(model, p, last)
        );
    }
    out
}
