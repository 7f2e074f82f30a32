//! Protocol words for everything a trace shows: node names (`p1`, `a2`, `l1`), messages
//! (`Prepare(b=2)`, `Promise(b=2, accepted=(b=1, "red"))`), actions and the fields of each
//! node's state. Never a raw `Debug` dump.

use stateright::actor::ActorModelAction;

use crate::cfg::ClusterCfg;
use crate::model::Action;
use crate::node::{NodeState, Phase};
use crate::types::{Ballot, Msg, Timer, Value};

/// `"red"`: a value by its name, quoted.
pub fn value(cfg: &ClusterCfg, v: Value) -> String {
    match cfg.values.get(v as usize) {
        Some(name) => format!("{name:?}"),
        None => format!("<value #{v}>"),
    }
}

/// `1`, or `none` for `Ballot::NONE`.
pub fn ballot(b: Ballot) -> String {
    if b.is_none() {
        "none".into()
    } else {
        b.0.to_string()
    }
}

fn proposal(cfg: &ClusterCfg, p: Option<(Ballot, Value)>) -> String {
    match p {
        Some((b, v)) => format!("(b={}, {})", ballot(b), value(cfg, v)),
        None => "none".into(),
    }
}

/// A message in protocol words.
pub fn msg(cfg: &ClusterCfg, m: &Msg) -> String {
    match *m {
        Msg::Prepare { b } => format!("Prepare(b={})", ballot(b)),
        Msg::Promise { b, accepted } => {
            format!(
                "Promise(b={}, accepted={})",
                ballot(b),
                proposal(cfg, accepted)
            )
        }
        Msg::Accept { b, v } => format!("Accept(b={}, {})", ballot(b), value(cfg, v)),
        Msg::Accepted { b, v } => format!("Accepted(b={}, {})", ballot(b), value(cfg, v)),
        Msg::Write { v } => format!("Write({})", value(cfg, v)),
    }
}

/// An action in protocol words: `a2 -> p1  Promise(b=2, accepted=none)`, `DROP p1 -> a3
/// Prepare(b=1)`, `p1 timeout: retry with a new ballot`, `CRASH a3`, `RESTART a3`.
pub fn action(cfg: &ClusterCfg, a: &Action) -> String {
    let name = |id: &stateright::actor::Id| cfg.node_name(usize::from(*id));
    match a {
        ActorModelAction::Deliver { src, dst, msg: m } => {
            format!("{} -> {}  {}", name(src), name(dst), msg(cfg, m))
        }
        ActorModelAction::Drop(env) => format!(
            "DROP {} -> {}  {}",
            name(&env.src),
            name(&env.dst),
            msg(cfg, &env.msg)
        ),
        ActorModelAction::Timeout(id, Timer::Retry) => {
            format!("{} timeout: retry with a new ballot", name(id))
        }
        ActorModelAction::Crash(id) => format!("CRASH {}", name(id)),
        ActorModelAction::Recover(id) => format!("RESTART {}", name(id)),
        ActorModelAction::SelectRandom { actor, .. } => format!("{} random choice", name(actor)),
    }
}

/// A node's state as named fields, for showing only what changed between two states.
pub fn fields(cfg: &ClusterCfg, state: &NodeState) -> Vec<(&'static str, String)> {
    match state {
        NodeState::Proposer(p) => {
            let phase = match &p.phase {
                None => "done (no attempts left)".to_string(),
                Some(Phase::Preparing { promised, reported }) => {
                    let from: Vec<String> = (0..cfg.acceptors)
                        .filter(|a| promised & (1 << a) != 0)
                        .map(|a| format!("a{}", a + 1))
                        .collect();
                    let mut s = format!("preparing, promises from [{}]", from.join(", "));
                    if !reported.is_empty() {
                        let r: Vec<String> =
                            reported.iter().map(|&p| proposal(cfg, Some(p))).collect();
                        s += &format!(", reported [{}]", r.join(", "));
                    }
                    s
                }
                Some(Phase::Accepting { v }) => format!("accepting {}", value(cfg, *v)),
            };
            vec![("ballot", ballot(p.ballot)), ("phase", phase)]
        }
        NodeState::Acceptor(a) => vec![
            ("promised", ballot(a.promised)),
            ("accepted", proposal(cfg, a.accepted)),
        ],
        NodeState::Learner(l) => {
            let votes: Vec<String> = l
                .votes
                .iter()
                .map(|v| {
                    format!(
                        "a{}:(b={}, {})",
                        v.acceptor + 1,
                        ballot(v.b),
                        value(cfg, v.v)
                    )
                })
                .collect();
            vec![
                ("votes", format!("[{}]", votes.join(", "))),
                (
                    "decided",
                    l.decided.map_or("none".to_string(), |v| value(cfg, v)),
                ),
            ]
        }
        NodeState::Replica(r) => vec![(
            "holds",
            r.held.map_or("none".to_string(), |v| value(cfg, v)),
        )],
    }
}
