//! Narration: a few sentences after a trace that say *why* the property failed, in the
//! guide's words. Everything is derived from the trace and the harness's observations,
//! never from the variant's name: each step is compared with what correct Paxos (the
//! `Rules` defaults) would have done in the same state, and every difference is a rule
//! broken.

use paxos_models::cfg::Role;
use paxos_models::describe::{ballot, value};
use paxos_models::node::Phase;
use paxos_models::properties::chosen;
use paxos_models::rules::majority;
use paxos_models::{
    ClusterCfg, Correct, Msg, NodeState, PaxosModel, PaxosState, PropertyName, Rules, Vote,
};
use stateright::actor::ActorModelAction;

use crate::report::deviation;
use crate::report::trace::Trace;

/// The narration of `trace`, which violates `property` in its last state: events (values
/// chosen, decisions), the Paxos rules the run broke, and the failed property. One sentence
/// a line.
pub fn narrate(model: &PaxosModel, trace: &Trace, property: PropertyName) -> Vec<String> {
    if model.cfg().is_store() {
        return narrate_store(model, trace, property);
    }
    let mut lines = Vec::new();
    let replication = !matches!(
        model.rules().protocol(),
        paxos_models::replication::Protocol::Paxos
    );
    if replication {
        lines.push(
            "This protocol is not Paxos: a replica takes a value on its own, with no ballots, \
             no promises and no quorums, so nothing stops two replicas from taking different \
             values, or one replica from replacing its own."
                .to_string(),
        );
    }
    if let Some(line) = shared_ballots(model.cfg(), trace) {
        lines.push(line);
    }
    // Every step is also taken again under correct Paxos: a deviation with no sentence of
    // its own below is told plainly (what the node did, what Paxos does there).
    let paxos = (!replication).then(|| deviation::paxos_twin(model));
    if let (Some(paxos), Some(first)) = (&paxos, trace.states.first()) {
        lines.extend(deviation::start(model, paxos, first));
    }
    for (i, action) in trace.actions.iter().enumerate() {
        let (before, after) = (&trace.states[i], &trace.states[i + 1]);
        let step = i + 1;
        lines.extend(partitions(model.cfg(), trace, i));
        lines.extend(faults(model.cfg(), step, action, before, after));
        let broken = broken_rules(model, trace, i, action, before, after);
        if broken.is_empty() {
            if let Some(paxos) = &paxos {
                lines.extend(deviation::step(model, paxos, step, action, before, after));
            }
        }
        lines.extend(broken);
        lines.extend(events(model, step, before, after, replication));
    }
    lines.extend(partitions(model.cfg(), trace, trace.len()));
    if let Some(last) = trace.states.last() {
        if let (Some(paxos), PropertyName::FaultTolerance) = (&paxos, property) {
            lines.extend(deviation::stuck(
                model,
                paxos,
                last,
                trace.partition_at_end(),
            ));
        }
        lines.push(conclusion(
            model,
            property,
            last,
            trace.cut_off(model.cfg()),
        ));
    }
    lines
}

/// A store world's narration: per step, the deviations from correct Multi-Paxos and what
/// happened to operations, slots and replicas; then the failed property.
fn narrate_store(model: &PaxosModel, trace: &Trace, property: PropertyName) -> Vec<String> {
    let mut lines = Vec::new();
    let paxos = deviation::paxos_twin(model);
    if let Some(first) = trace.states.first() {
        lines.extend(deviation::start(model, &paxos, first));
    }
    for (i, action) in trace.actions.iter().enumerate() {
        let (before, after) = (&trace.states[i], &trace.states[i + 1]);
        let step = i + 1;
        lines.extend(partitions(model.cfg(), trace, i));
        lines.extend(faults(model.cfg(), step, action, before, after));
        lines.extend(deviation::step(model, &paxos, step, action, before, after));
        lines.extend(crate::report::store::events(model, step, before, after));
    }
    lines.extend(partitions(model.cfg(), trace, trace.len()));
    if let Some(last) = trace.states.last() {
        if property == PropertyName::FaultTolerance {
            lines.extend(deviation::stuck(
                model,
                &paxos,
                last,
                trace.partition_at_end(),
            ));
        }
        lines.push(crate::report::store::conclusion(model, property, last));
    }
    lines
}

/// The simulator's partitions that start just before step `i + 1`, each with how long it
/// held messages.
fn partitions(cfg: &ClusterCfg, trace: &Trace, i: usize) -> Vec<String> {
    let group = |g: &[usize]| {
        let names: Vec<String> = g.iter().map(|&n| cfg.node_name(n)).collect();
        format!("{{{}}}", names.join(", "))
    };
    trace
        .events
        .iter()
        .enumerate()
        .filter(|(_, (k, _))| *k == i)
        .filter_map(|(j, (_, e))| {
            let crate::sim::NetEvent::Partition { groups, one_way } = e else {
                return None;
            };
            let until = match trace.events[j + 1..]
                .iter()
                .find(|(_, e)| *e == crate::sim::NetEvent::Heal)
            {
                Some((k, _)) => format!("until it healed before step {}", k + 1),
                None => "for the rest of the run".to_string(),
            };
            Some(if i == trace.len() && until.starts_with("for the rest") {
                // After the last step: the cut a fault-tolerance trace ends with.
                format!(
                    "After step {i}: {} is cut off from {} for good; every message between \
                     them, either way, is held from here on.",
                    group(&groups[0]),
                    group(&groups[1])
                )
            } else if *one_way {
                format!(
                    "Before step {}: a one-way cut held every message from {} to {} (the other \
                     way they passed) {until}; held, not lost.",
                    i + 1,
                    group(&groups[0]),
                    group(&groups[1])
                )
            } else {
                format!(
                    "Before step {}: the network split into {} and {}; messages between them \
                     were held, not lost, {until}.",
                    i + 1,
                    group(&groups[0]),
                    group(&groups[1])
                )
            })
        })
        .collect()
}

/// "p1 and p2 both used ballot 1": two proposers sharing a ballot at any point.
fn shared_ballots(cfg: &ClusterCfg, trace: &Trace) -> Option<String> {
    for state in &trace.states {
        let ballots: Vec<(usize, u8)> = (0..cfg.proposers)
            .filter_map(|p| match &*state.sys.actor_states[p] {
                NodeState::Proposer(ps) if !ps.ballot.is_none() => Some((p, ps.ballot.0)),
                _ => None,
            })
            .collect();
        for (i, &(p, b)) in ballots.iter().enumerate() {
            if let Some(&(q, _)) = ballots[i + 1..].iter().find(|&&(_, c)| c == b) {
                return Some(format!(
                    "{} and {} both used ballot {b}: Paxos gives every proposer ballots of its \
                     own, so that a ballot names one proposer and one value.",
                    cfg.node_name(p),
                    cfg.node_name(q)
                ));
            }
        }
    }
    None
}

/// Crashes and restarts, with what each wiped: the fields of the node's state that a restart
/// changed (its volatile state lost, its durable storage kept), whatever the rules.
fn faults(
    cfg: &ClusterCfg,
    step: usize,
    action: &paxos_models::model::Action,
    before: &PaxosState,
    after: &PaxosState,
) -> Option<String> {
    match action {
        ActorModelAction::Crash(id) => Some(format!(
            "Step {step}: {} crashes: until it restarts it takes no step, and it keeps only \
             what it wrote to durable storage.",
            cfg.node_name(usize::from(*id))
        )),
        ActorModelAction::Recover(id) => {
            let i = usize::from(*id);
            let old = paxos_models::describe::fields(cfg, &before.sys.actor_states[i]);
            let new = paxos_models::describe::fields(cfg, &after.sys.actor_states[i]);
            let lost: Vec<String> = old
                .iter()
                .zip(&new)
                .filter(|(a, b)| a.1 != b.1)
                .map(|((field, was), (_, now))| format!("{field} {was} -> {now}"))
                .collect();
            let node = cfg.node_name(i);
            Some(if lost.is_empty() {
                format!(
                    "Step {step}: {node} restarts from its durable storage with its state whole."
                )
            } else {
                format!(
                    "Step {step}: {node} restarts from its durable storage and so loses what it \
                     kept only in memory: {}.",
                    lost.join(", ")
                )
            })
        }
        _ => None,
    }
}

/// Values newly chosen and decisions newly made at `step`.
fn events(
    model: &PaxosModel,
    step: usize,
    before: &PaxosState,
    after: &PaxosState,
    replication: bool,
) -> Vec<String> {
    let cfg = model.cfg();
    let mut lines = Vec::new();
    let q = model.chosen_quorum();
    let old = chosen(&before.obs, q);
    for (b, v, mask) in chosen(&after.obs, q) {
        if old.iter().any(|&(b2, v2, _)| (b2, v2) == (b, v)) || replication {
            continue;
        }
        let n = mask.count_ones() as usize;
        let of = cfg.acceptors;
        let quorum = if n >= majority(of) {
            format!("a majority of the {of} acceptors")
        } else {
            format!(
                "{n} of {of} acceptors, not a majority: this run counts {q} as a quorum, and two \
                 quorums of {q} need not share an acceptor"
            )
        };
        lines.push(format!(
            "Step {step}: {} is chosen: {} accepted it in ballot {} ({quorum}).",
            value(cfg, v),
            names(cfg, mask),
            ballot(b)
        ));
    }
    for i in 0..cfg.node_count() {
        let (was, now) = (
            before.sys.actor_states[i].decision(),
            after.sys.actor_states[i].decision(),
        );
        if let Some(now_v) = now.filter(|_| now != was && !after.sys.crashed[i]) {
            let v = value(cfg, now_v);
            let again = before.obs.decided_ever[i] & (1 << now_v) != 0;
            let what = match was {
                None if replication => format!("takes {v}"),
                None if again => format!("decides {v} again"),
                None => format!("decides {v}"),
                Some(old) => format!("replaces {} with {v}", value(cfg, old)),
            };
            lines.push(format!("Step {step}: {} {what}.", cfg.node_name(i)));
        }
    }
    lines
}

fn names(cfg: &ClusterCfg, mask: u16) -> String {
    let v: Vec<String> = (0..cfg.acceptors)
        .filter(|a| mask & (1 << a) != 0)
        .map(|a| format!("a{}", a + 1))
        .collect();
    match v.len() {
        0 => "no acceptor".into(),
        1 => format!("{} alone", v[0]),
        _ => {
            let (last, rest) = v.split_last().unwrap();
            format!("{} and {last}", rest.join(", "))
        }
    }
}

/// The Paxos rules step `i` broke: what correct Paxos would have done differently.
fn broken_rules(
    model: &PaxosModel,
    trace: &Trace,
    i: usize,
    action: &paxos_models::model::Action,
    before: &PaxosState,
    after: &PaxosState,
) -> Vec<String> {
    let cfg = model.cfg();
    let paxos = Correct;
    let step = i + 1;
    let mut lines = Vec::new();
    match action {
        ActorModelAction::Deliver { src, dst, msg } => {
            let (src, dst) = (usize::from(*src), usize::from(*dst));
            let (b_node, a_node) = (
                &*before.sys.actor_states[dst],
                &*after.sys.actor_states[dst],
            );
            match (b_node, a_node, *msg) {
                (NodeState::Proposer(p), NodeState::Proposer(q), Msg::Promise { b, accepted }) => {
                    let (
                        Some(Phase::Preparing { promised, reported }),
                        Some(Phase::Accepting { v }),
                    ) = (&p.phase, &q.phase)
                    else {
                        return lines;
                    };
                    let (_, acceptor) = cfg.role_of(src);
                    let promised = promised | 1 << acceptor;
                    let n = promised.count_ones() as usize;
                    let who = cfg.node_name(dst);
                    if n < majority(cfg.acceptors) {
                        lines.push(format!(
                            "Step {step}: {who} began phase 2 of ballot {} with promises from {} \
                             ({n} of {}): Paxos waits for a majority, so that its phase-1 quorum \
                             meets every quorum that may have chosen a value.",
                            ballot(b),
                            names(cfg, promised),
                            cfg.acceptors
                        ));
                    }
                    let mut reported = reported.clone();
                    if let Some(pair) = accepted {
                        if !reported.contains(&pair) {
                            reported.push(pair);
                            reported.sort();
                        }
                    }
                    let own = cfg.value_of_proposer(cfg.role_of(dst).1);
                    let right = paxos.value_to_propose(own, &reported);
                    if *v != right && reported.is_empty() {
                        lines.push(format!(
                            "Step {step}: {who} (ballot {}) proposed {} although its promises \
                             reported no accepted value: correct Paxos proposes its own {} then.",
                            ballot(b),
                            value(cfg, *v),
                            value(cfg, right)
                        ));
                    } else if let Some(&(hb, hv)) = reported.iter().max().filter(|_| *v != right) {
                        let how = if reported.iter().any(|&(_, rv)| rv == *v) {
                            format!("adopted {} instead", value(cfg, *v))
                        } else {
                            format!("proposed its own {}", value(cfg, *v))
                        };
                        lines.push(format!(
                            "Step {step}: {who} (ballot {}) heard in its promises that {} was \
                             accepted in ballot {}, the highest reported, but {how}: Paxos must \
                             propose the value of the highest-numbered proposal its phase-1 \
                             quorum reports, because that value may already be chosen.",
                            ballot(b),
                            value(cfg, hv),
                            ballot(hb)
                        ));
                    }
                }
                (NodeState::Acceptor(a), _, Msg::Prepare { b }) => {
                    let promise = sent_to(before, after, dst, src);
                    let Some(Msg::Promise { accepted, .. }) = promise else {
                        return lines;
                    };
                    let who = cfg.node_name(dst);
                    if !paxos.may_promise(a.promised, b) {
                        lines.push(format!(
                            "Step {step}: {who} promised ballot {} although it had already \
                             promised ballot {}: Paxos promises only ballots higher than any \
                             promised before.",
                            ballot(b),
                            ballot(a.promised)
                        ));
                    }
                    let right = paxos.promise_reports(a.accepted);
                    match (a.accepted, accepted) {
                        _ if accepted == right => {}
                        (Some((ab, av)), None) => lines.push(format!(
                            "Step {step}: {who}'s promise for ballot {} left out that it had \
                             accepted {} in ballot {}: Paxos promises carry the last accepted \
                             proposal, so the next proposer can carry it on.",
                            ballot(b),
                            value(cfg, av),
                            ballot(ab)
                        )),
                        (_, reported) => lines.push(format!(
                            "Step {step}: {who}'s promise for ballot {} reported {} where \
                             correct Paxos reports {}, the proposal it last accepted.",
                            ballot(b),
                            proposal_words(cfg, reported),
                            proposal_words(cfg, right)
                        )),
                    }
                }
                (NodeState::Acceptor(a), NodeState::Acceptor(a2), Msg::Accept { b, v })
                    if a2.accepted == Some((b, v))
                        && a.accepted != a2.accepted
                        && !paxos.may_accept(a.promised, b) =>
                {
                    lines.push(format!(
                        "Step {step}: {} accepted {} in ballot {} after promising ballot {}: \
                             a Paxos acceptor ignores proposals below its promise, which is what \
                             makes a promise protect the values already reported.",
                        cfg.node_name(dst),
                        value(cfg, v),
                        ballot(b),
                        ballot(a.promised)
                    ));
                }
                (NodeState::Learner(l), NodeState::Learner(l2), Msg::Accepted { b, v }) => {
                    let who = cfg.node_name(dst);
                    let (_, acceptor) = cfg.role_of(src);
                    let vote = Vote {
                        b,
                        acceptor: acceptor as u8,
                        v,
                    };
                    let mut votes = l.votes.clone();
                    let duplicate = votes.contains(&vote);
                    votes.push(vote);
                    votes.sort();
                    if let Some(decided) = l2.decided.filter(|_| l2.decided != l.decided) {
                        let mut distinct = votes.clone();
                        distinct.dedup();
                        let right = paxos.learner_decides(&distinct, majority(cfg.acceptors));
                        if l.decided.is_none() && right != l2.decided {
                            let same: Vec<&Vote> =
                                distinct.iter().filter(|w| w.b == b && w.v == v).collect();
                            let mask = same.iter().fold(0u16, |m, w| m | 1 << w.acceptor);
                            let why = if duplicate {
                                format!("it counted {}'s Accepted twice", cfg.node_name(src))
                            } else {
                                format!("it had heard from {}", names(cfg, mask))
                            };
                            lines.push(format!(
                                "Step {step}: {who} decided {} on ballot {}, but {why}: a Paxos \
                                 learner waits until a majority of distinct acceptors ({} of \
                                 {}) accepted one ballot's value.",
                                value(cfg, decided),
                                ballot(b),
                                majority(cfg.acceptors),
                                cfg.acceptors
                            ));
                        }
                    }
                    if let Some(gave_up) = l.decided.filter(|_| l2.decided != l.decided) {
                        lines.push(format!(
                            "Step {step}: {who} gave up its decision {} when {} reported ballot \
                             {}: a Paxos learner's decision is final.",
                            value(cfg, gave_up),
                            cfg.node_name(src),
                            ballot(b)
                        ));
                    }
                }
                _ => {}
            }
        }
        ActorModelAction::Recover(id) => {
            let id = usize::from(*id);
            // The node's state just before it crashed.
            let crashed_at = (0..=i).rev().find(
                |&k| matches!(trace.actions[k], ActorModelAction::Crash(c) if usize::from(c) == id),
            );
            let Some(k) = crashed_at else {
                return lines;
            };
            let was = &*trace.states[k].sys.actor_states[id];
            let now = &*after.sys.actor_states[id];
            let who = cfg.node_name(id);
            match (cfg.role_of(id).0, was, now) {
                (Role::Acceptor, NodeState::Acceptor(a), NodeState::Acceptor(b)) if a != b => {
                    let mut lost = Vec::new();
                    if a.promised != b.promised {
                        lost.push(format!("its promise of ballot {}", ballot(a.promised)));
                    }
                    if a.accepted != b.accepted {
                        if let Some((ab, av)) = a.accepted {
                            lost.push(format!(
                                "that it accepted {} in ballot {}",
                                value(cfg, av),
                                ballot(ab)
                            ));
                        }
                    }
                    lines.push(format!(
                        "Step {step}: {who} restarted having forgotten {}: a Paxos acceptor \
                         writes its promise and its accepted proposal to stable storage before \
                         it answers, because other nodes already count on them.",
                        lost.join(" and ")
                    ));
                }
                (Role::Learner, NodeState::Learner(a), NodeState::Learner(b))
                    if a.decided.is_some() && b.decided != a.decided =>
                {
                    if let Some(d) = a.decided {
                        lines.push(format!(
                            "Step {step}: {who} restarted without its decision {}: a Paxos \
                             learner writes its decision to stable storage, because its users \
                             have seen it.",
                            value(cfg, d)
                        ));
                    }
                }
                _ => {}
            }
        }
        _ => {}
    }
    lines
}

/// The message `from` sent to `to` in this step, if any.
fn sent_to(before: &PaxosState, after: &PaxosState, from: usize, to: usize) -> Option<Msg> {
    crate::report::trace::sent_messages(before, after)
        .into_iter()
        .find(|&(s, d, _)| s == from && d == to)
        .map(|(_, _, m)| m)
}

/// The failed property, in the guide's words.
fn conclusion(
    model: &PaxosModel,
    property: PropertyName,
    last: &PaxosState,
    cut_off: Option<Vec<String>>,
) -> String {
    let cfg = model.cfg();
    match property {
        PropertyName::LogCoherence | PropertyName::Linearizability => {
            crate::report::store::conclusion(model, property, last)
        }
        PropertyName::Coherence => {
            let deciders = crate::report::trace::decisions(cfg, last);
            format!(
                "So coherence fails: {}. Every computer must end up with the same state, so no \
                 two nodes may decide different values.",
                deciders.join(", ")
            )
        }
        PropertyName::ConflictResolution => {
            let c: Vec<String> = chosen(&last.obs, model.chosen_quorum())
                .iter()
                .map(|&(b, v, mask)| {
                    if b.is_none() {
                        format!("{} (taken by {})", value(cfg, v), names(cfg, mask))
                    } else {
                        format!(
                            "{} (ballot {}, by {})",
                            value(cfg, v),
                            ballot(b),
                            names(cfg, mask)
                        )
                    }
                })
                .collect();
            let values: std::collections::BTreeSet<u8> = chosen(&last.obs, model.chosen_quorum())
                .iter()
                .map(|&(_, v, _)| v)
                .collect();
            if values.len() > 1 {
                format!(
                    "So conflict resolution fails: {} were both chosen. Among conflicting \
                     proposals exactly one value may win.",
                    c.join(" and ")
                )
            } else {
                "So conflict resolution fails: a value that no proposer proposed was chosen or \
                 decided. The value that wins must be one that was proposed."
                    .to_string()
            }
        }
        PropertyName::NoTakebacks => {
            let taken = crate::report::trace::takebacks(cfg, last);
            format!(
                "So no-takebacks fails: {}. Once a node has decided, it never changes or retracts \
                 that decision, crashes and restarts included.",
                taken.join(", ")
            )
        }
        PropertyName::FaultTolerance => {
            let nodes: Vec<String> = (0..cfg.node_count())
                .filter(|&i| cfg.role_of(i).0 != Role::Learner)
                .map(|i| {
                    let fields = paxos_models::describe::fields(cfg, &last.sys.actor_states[i]);
                    let shown: Vec<String> =
                        fields.iter().map(|(f, v)| format!("{f} {v}")).collect();
                    let down = if last.sys.crashed[i] {
                        " (crashed)"
                    } else {
                        ""
                    };
                    format!("{}{down}: {}", cfg.node_name(i), shown.join(", "))
                })
                .collect();
            match cut_off {
                Some(names) => format!(
                    "So fault tolerance fails: from here, with {} cut off, no decision can be \
                     reached on any path, whatever else is delivered ({}). A decision must \
                     stay reachable with any minority of acceptors cut off or down.",
                    names.join(" and "),
                    nodes.join("; ")
                ),
                None => format!(
                    "So fault tolerance fails: from here no decision can be reached on any \
                     path, whatever is delivered next ({}). A decision must stay reachable \
                     while a minority of acceptors is down.",
                    nodes.join("; ")
                ),
            }
        }
    }
}

/// Why fault tolerance fails, when no decision is reachable with `down` crashed (no trace).
pub fn narrate_unreachable(model: &PaxosModel, down: &[String]) -> Vec<String> {
    let cfg = model.cfg();
    let q1 = model.rules().phase1_quorum(cfg.acceptors);
    let q2 = model.rules().phase2_quorum(cfg.acceptors);
    let up = cfg.acceptors - down.iter().filter(|d| d.starts_with('a')).count();
    let mut lines = Vec::new();
    if down.is_empty() {
        lines.push(
            "With every node up and no message lost, no learner can ever decide.".to_string(),
        );
    } else {
        lines.push(format!(
            "With {} down from the start, {} remain, but this run needs {} to start \
             phase 2 and {} to choose a value.",
            down.join(", "),
            plural(up, "acceptor", "acceptors"),
            plural(q1, "promise", "promises"),
            plural(q2, "acceptance", "acceptances"),
        ));
    }
    lines.push(format!(
        "So fault tolerance fails: a decision must stay reachable while a minority of acceptors \
         (here {} of {}) is down.",
        cfg.acceptor_faults_tolerated(),
        cfg.acceptors
    ));
    lines
}

/// `1 promise`, `2 promises`.
pub fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// `(b=1, "red")` or `none`.
fn proposal_words(
    cfg: &ClusterCfg,
    p: Option<(paxos_models::Ballot, paxos_models::Value)>,
) -> String {
    match p {
        Some((b, v)) => format!("(b={}, {})", ballot(b), value(cfg, v)),
        None => "none".into(),
    }
}
