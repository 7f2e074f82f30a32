//! The four consensus properties, as predicates over the harness's observations ([`Obs`])
//! and the nodes' current state. Their names are part of the CLI contract.
//!
//! | name | kind | meaning |
//! |---|---|---|
//! | `coherence` | always | no two nodes have decided different values |
//! | `conflict-resolution` | always | at most one value is ever chosen (accepted by a phase-2 quorum in one ballot), and every chosen or decided value was proposed |
//! | `no-takebacks` | always | no node ever decides a value and later holds another or none (crash-restart included) |
//! | `log-coherence` | always | store worlds: every replica applies slots in order and never a command other than the one chosen there, so no two apply different commands at one position |
//! | `linearizability` | always | store worlds: the clients' history is linearizable against a key-value store |
//! | `fault-tolerance` | graph (AG EF) | a decision *stays* reachable: from every reachable state with at most f = (n-1)/2 acceptors down, some state where a node has decided is reachable (`paxos_lab::check::stays_reachable`); first, cheaply, a decision is reachable with no node down and with every f acceptors down from the start |
//!
//! The safety half of fault tolerance ("the above holds under faults") is what the first
//! three properties check under the scenario's network and fault budget.

use crate::cfg::ClusterCfg;
use crate::model::{Obs, PaxosState};
use crate::node::NodeState;
use crate::types::{Ballot, Value};

/// The four properties, in report order.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PropertyName {
    Coherence,
    ConflictResolution,
    NoTakebacks,
    LogCoherence,
    Linearizability,
    FaultTolerance,
}

impl PropertyName {
    /// Every property, in report order.
    pub const ALL: [PropertyName; 6] = [
        PropertyName::Coherence,
        PropertyName::ConflictResolution,
        PropertyName::NoTakebacks,
        PropertyName::LogCoherence,
        PropertyName::Linearizability,
        PropertyName::FaultTolerance,
    ];

    /// A single-decree world's properties, in report order.
    pub const SINGLE: [PropertyName; 4] = [
        PropertyName::Coherence,
        PropertyName::ConflictResolution,
        PropertyName::NoTakebacks,
        PropertyName::FaultTolerance,
    ];

    /// The safety properties of a single-decree world.
    pub const SAFETY: [PropertyName; 3] = [
        PropertyName::Coherence,
        PropertyName::ConflictResolution,
        PropertyName::NoTakebacks,
    ];

    /// The safety properties of a store world (`protocol = "multi-paxos"`).
    pub const STORE_SAFETY: [PropertyName; 5] = [
        PropertyName::Coherence,
        PropertyName::ConflictResolution,
        PropertyName::NoTakebacks,
        PropertyName::LogCoherence,
        PropertyName::Linearizability,
    ];

    /// Whether only store worlds have this property.
    pub fn store_only(self) -> bool {
        matches!(
            self,
            PropertyName::LogCoherence | PropertyName::Linearizability
        )
    }

    pub fn name(self) -> &'static str {
        match self {
            PropertyName::Coherence => "coherence",
            PropertyName::ConflictResolution => "conflict-resolution",
            PropertyName::NoTakebacks => "no-takebacks",
            PropertyName::LogCoherence => "log-coherence",
            PropertyName::Linearizability => "linearizability",
            PropertyName::FaultTolerance => "fault-tolerance",
        }
    }

    pub fn from_name(name: &str) -> Option<PropertyName> {
        PropertyName::ALL.into_iter().find(|p| p.name() == name)
    }

    /// One line for `paxos-lab list`.
    pub fn summary(self) -> &'static str {
        match self {
            PropertyName::Coherence => "no two nodes have decided different values",
            PropertyName::ConflictResolution => {
                "at most one value is ever chosen, and every chosen or decided value was proposed"
            }
            PropertyName::NoTakebacks => {
                "no node ever decides a value and later holds another or none (restarts included)"
            }
            PropertyName::LogCoherence => {
                "store worlds: every replica applies slots in order, never against the chosen log, so no two apply different commands at one position"
            }
            PropertyName::Linearizability => {
                "store worlds: the clients' history is linearizable against a key-value store"
            }
            PropertyName::FaultTolerance => {
                "a decision is reachable with no node down and with any f = (n-1)/2 acceptors down"
            }
        }
    }
}

/// No two nodes have decided different values (over everything each was ever seen to decide;
/// in a store world, slot by slot).
pub fn coherence(obs: &Obs) -> bool {
    if let Some(log) = &obs.log {
        return log.coherence();
    }
    let deciders: Vec<u16> = obs
        .decided_ever
        .iter()
        .copied()
        .filter(|&m| m != 0)
        .collect();
    deciders
        .iter()
        .enumerate()
        .all(|(i, &a)| deciders[i + 1..].iter().all(|&b| (a | b).count_ones() <= 1))
}

/// The proposals accepted by at least `quorum` acceptors in one ballot: (ballot, value, acceptors).
pub fn chosen(obs: &Obs, quorum: usize) -> Vec<(Ballot, Value, u16)> {
    obs.accepted
        .iter()
        .copied()
        .filter(|&(_, _, mask)| mask.count_ones() as usize >= quorum)
        .collect()
}

/// At most one value is chosen, and every chosen or decided value was proposed.
pub fn conflict_resolution(obs: &Obs, quorum: usize) -> bool {
    if let Some(log) = &obs.log {
        return log.conflict_resolution(quorum);
    }
    let chosen_values = chosen(obs, quorum)
        .iter()
        .fold(0u16, |m, &(_, v, _)| m | 1 << v);
    let decided_values = obs.decided_ever.iter().fold(0u16, |m, &d| m | d);
    chosen_values.count_ones() <= 1 && (chosen_values | decided_values) & !obs.proposed == 0
}

/// Every node that was seen to decide still holds that decision (a crashed node holds what
/// it held when it crashed; a restarted one must hold it again).
pub fn no_takebacks(state: &PaxosState) -> bool {
    keeps_all(&state.obs, state.sys.actor_states.iter().map(|n| &**n))
}

/// [`no_takebacks`] over the nodes' current states, in node order (any engine's state).
pub fn keeps_all<'a>(obs: &Obs, nodes: impl Iterator<Item = &'a NodeState>) -> bool {
    match &obs.log {
        Some(log) => log.keeps_decisions(nodes),
        None => keeps_decisions(obs, nodes.map(NodeState::decision)),
    }
}

/// Store worlds: the replicas applied the chosen log in slot order (true elsewhere).
pub fn log_coherence(obs: &Obs, quorum: usize) -> bool {
    obs.log.as_ref().is_none_or(|log| log.log_coherence(quorum))
}

/// Store worlds: the clients' history is linearizable (true elsewhere).
pub fn linearizable(cfg: &ClusterCfg, obs: &Obs) -> bool {
    match (&obs.log, &cfg.store) {
        (Some(log), Some(store)) => crate::store::linearizable(store, &log.history),
        _ => true,
    }
}

/// [`no_takebacks`] over what each node holds now, in node order (any engine's state).
pub fn keeps_decisions(obs: &Obs, holds: impl Iterator<Item = Option<Value>>) -> bool {
    obs.first_decision
        .iter()
        .zip(holds)
        .all(|(first, now)| first.is_none() || now == *first)
}

/// Some node has decided: the reachability witness behind fault tolerance.
pub fn decided_somewhere(obs: &Obs) -> bool {
    if let Some(log) = &obs.log {
        return log.decided_somewhere();
    }
    obs.first_decision.iter().any(Option::is_some)
}
