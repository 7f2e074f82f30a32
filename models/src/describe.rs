//! Protocol words for everything a trace shows: node names (`p1`, `a2`, `l1`), messages
//! (`Prepare(b=2)`, `Promise(b=2, accepted=(b=1, "red"))`), actions and the fields of each
//! node's state. Never a raw `Debug` dump.

use stateright::actor::ActorModelAction;

use crate::cfg::{ClusterCfg, Role};
use crate::model::Action;
use crate::node::{NodeState, Phase};
use crate::store::{Cmd, Lead, SlotVote};
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
        Msg::Request { cmd } => format!("Request({})", command(cfg, cmd)),
        Msg::LogPromise { b, log } => format!("Promise(b={}, log={})", ballot(b), votes(cfg, &log)),
        Msg::Propose { b, slot, cmd } => format!(
            "Propose(b={}, slot {}, {})",
            ballot(b),
            slot + 1,
            command(cfg, cmd)
        ),
        Msg::Voted { b, slot, cmd } => format!(
            "Voted(b={}, slot {}, {})",
            ballot(b),
            slot + 1,
            command(cfg, cmd)
        ),
        Msg::Reply { cmd, result } => format!(
            "Reply({} -> {})",
            command(cfg, cmd),
            cfg.store
                .as_ref()
                .map_or(result.to_string(), |s| s.result_text(cmd, result))
        ),
    }
}

/// A store command: `c1's put(x, 1)`, `no-op`.
pub fn command(cfg: &ClusterCfg, cmd: Cmd) -> String {
    cfg.store
        .as_ref()
        .map_or(format!("cmd {cmd}"), |s| s.cmd_text(cmd))
}

/// A log of slot votes: `[1: (b=1, c1's put(x, 1)), 2: -]`, only up to the last filled slot.
pub fn votes(cfg: &ClusterCfg, log: &[SlotVote]) -> String {
    let top = log.iter().rposition(Option::is_some).map_or(0, |t| t + 1);
    let parts: Vec<String> = log[..top]
        .iter()
        .enumerate()
        .map(|(slot, v)| match v {
            Some((b, cmd)) => format!("{}: (b={}, {})", slot + 1, ballot(*b), command(cfg, *cmd)),
            None => format!("{}: -", slot + 1),
        })
        .collect();
    format!("[{}]", parts.join(", "))
}

/// A log of commands: `[c1's put(x, 1), -]`, up to the last filled slot.
pub fn log(cfg: &ClusterCfg, log: &[Option<Cmd>]) -> String {
    let top = log.iter().rposition(Option::is_some).map_or(0, |t| t + 1);
    let parts: Vec<String> = log[..top]
        .iter()
        .map(|c| c.map_or("-".to_string(), |c| command(cfg, c)))
        .collect();
    format!("[{}]", parts.join(", "))
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
            if cfg.role_of(usize::from(*id)).0 == Role::Client {
                format!("{} invokes its next operation", name(id))
            } else {
                format!("{} timeout: retry with a new ballot", name(id))
            }
        }
        ActorModelAction::Crash(id) => format!("CRASH {}", name(id)),
        ActorModelAction::Recover(id) => format!("RESTART {}", name(id)),
        ActorModelAction::SelectRandom { actor, .. } => format!("{} random choice", name(actor)),
    }
}

/// `preparing, promises from [a1, a2]`: a proposer in phase 1 with promises from the
/// acceptors in `promised` (a bitmask of acceptor indices).
fn preparing(cfg: &ClusterCfg, promised: u16) -> String {
    let from: Vec<String> = (0..cfg.acceptors)
        .filter(|a| promised & (1 << a) != 0)
        .map(|a| format!("a{}", a + 1))
        .collect();
    format!("preparing, promises from [{}]", from.join(", "))
}

/// A node's state as named fields, for showing only what changed between two states.
pub fn fields(cfg: &ClusterCfg, state: &NodeState) -> Vec<(&'static str, String)> {
    match state {
        NodeState::Proposer(p) => {
            let phase = match &p.phase {
                None => "done (no attempts left)".to_string(),
                Some(Phase::Preparing { promised, reported }) => {
                    let mut s = preparing(cfg, *promised);
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
        NodeState::Leader(l) => {
            let lead = match &l.lead {
                Lead::Retired => "done (no attempts left)".to_string(),
                Lead::Preparing { promised, reported } => {
                    let mut s = preparing(cfg, *promised);
                    if reported.iter().any(Option::is_some) {
                        s += &format!(", reported {}", votes(cfg, reported));
                    }
                    s
                }
                Lead::Leading => "leading".to_string(),
            };
            let heard: Vec<String> = (1..8u8)
                .filter(|c| l.heard & (1 << c) != 0)
                .map(|c| command(cfg, c))
                .collect();
            vec![
                ("ballot", ballot(l.ballot)),
                ("phase", lead),
                ("heard", format!("[{}]", heard.join(", "))),
                ("log", log(cfg, &l.log)),
            ]
        }
        NodeState::LogAcceptor(a) => vec![
            ("promised", ballot(a.promised)),
            ("accepted", votes(cfg, &a.accepted)),
        ],
        NodeState::StoreReplica(r) => {
            let applied: Vec<String> = r
                .applied
                .iter()
                .map(|&(slot, cmd)| format!("{}: {}", slot + 1, command(cfg, cmd)))
                .collect();
            let store: Vec<String> = cfg.store.as_ref().map_or(vec![], |s| {
                s.keys
                    .iter()
                    .zip(r.kv)
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect()
            });
            let votes: Vec<String> = r
                .votes
                .iter()
                .map(|&(slot, b, a, cmd)| {
                    format!(
                        "a{}: slot {} (b={}, {})",
                        a + 1,
                        slot + 1,
                        ballot(b),
                        command(cfg, cmd)
                    )
                })
                .collect();
            vec![
                ("votes", format!("[{}]", votes.join(", "))),
                ("decided", log(cfg, &r.chosen)),
                ("applied", format!("[{}]", applied.join(", "))),
                ("store", format!("{{{}}}", store.join(", "))),
            ]
        }
        NodeState::Client(c) => {
            let waiting = c
                .waiting
                .map_or("nothing".to_string(), |cmd| command(cfg, cmd));
            let last = c.last.map_or("nothing".to_string(), |(cmd, r)| {
                format!(
                    "{} -> {}",
                    command(cfg, cmd),
                    cfg.store
                        .as_ref()
                        .map_or(r.to_string(), |s| s.result_text(cmd, r))
                )
            });
            vec![("waiting for", waiting), ("last returned", last)]
        }
    }
}
