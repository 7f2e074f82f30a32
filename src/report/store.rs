//! Store worlds (`protocol = "multi-paxos"`) in words: what a trace's steps did to the log,
//! the replicas and the clients (slots chosen, decided and applied, operations invoked and
//! returned), and why a property fails, from the harness's record ([`LogObs`]) alone. Like
//! the single-decree narration, nothing here knows which variants exist; the deviations
//! from correct Multi-Paxos come from [`crate::report::deviation`].

use paxos_models::describe::{ballot, command};
use paxos_models::rules::majority;
use paxos_models::store::{Event, Lead, LogObs, StoreCfg, SLOTS_MAX};
use paxos_models::{ClusterCfg, NodeState, PaxosModel, PaxosState, PropertyName};

/// The record of a store world's state.
fn log(state: &PaxosState) -> &LogObs {
    state
        .obs
        .log
        .as_deref()
        .expect("a store world's observations have a log")
}

fn store(cfg: &ClusterCfg) -> &StoreCfg {
    cfg.store.as_ref().expect("a store world")
}

/// "a1, a2": the acceptors in `mask`.
fn acceptors(cfg: &ClusterCfg, mask: u16) -> String {
    (0..cfg.acceptors)
        .filter(|a| mask & (1 << a) != 0)
        .map(|a| format!("a{}", a + 1))
        .collect::<Vec<_>>()
        .join(", ")
}

/// "c1's put(x, 1) returned ok": one history event in words.
fn event(cfg: &ClusterCfg, &(cmd, ret): &Event) -> String {
    let s = store(cfg);
    match ret {
        None => format!(
            "c{} invoked {}",
            StoreCfg::of_cmd(cmd).0 + 1,
            op_words(s, cmd)
        ),
        Some(r) => format!("{} returned {}", command(cfg, cmd), s.result_text(cmd, r)),
    }
}

fn op_words(s: &StoreCfg, cmd: u8) -> String {
    s.op(cmd).map_or("a no-op".into(), |op| s.op_text(op))
}

/// The events of one step: operations invoked and returned, commands chosen, decided and
/// applied. One sentence each.
pub fn events(
    model: &PaxosModel,
    step: usize,
    before: &PaxosState,
    after: &PaxosState,
) -> Vec<String> {
    let cfg = model.cfg();
    let (old, new) = (log(before), log(after));
    let q = model.chosen_quorum();
    let mut lines = Vec::new();
    // A proposer that starts to lead, and any other that still believes it leads with a
    // lower ballot (it was pre-empted: nothing it proposes can be chosen any more).
    let leads = |s: &PaxosState, i: usize| match &*s.sys.actor_states[i] {
        NodeState::Leader(l) if l.lead == Lead::Leading => Some(l.ballot),
        _ => None,
    };
    for p in 0..cfg.proposers {
        let (Some(b), None) = (leads(after, p), leads(before, p)) else {
            continue;
        };
        let mut line = format!(
            "Step {step}: {} leads with ballot {} (a majority promised it, for every slot)",
            cfg.node_name(p),
            ballot(b)
        );
        for q in (0..cfg.proposers).filter(|&q| q != p) {
            if let Some(old_b) = leads(after, q).filter(|&o| o < b) {
                line += &format!(
                    "; {} still believes it leads with ballot {}, but a majority has promised a \
                     higher one, so nothing it proposes can be chosen",
                    cfg.node_name(q),
                    ballot(old_b)
                );
            }
        }
        lines.push(line + ".");
    }
    for e in &new.history[old.history.len().min(new.history.len())..] {
        lines.push(format!("Step {step}: {}.", event(cfg, e)));
    }
    for &(slot, b, cmd, mask) in &new.accepted {
        let was = old
            .accepted
            .iter()
            .find(|a| (a.0, a.1, a.2) == (slot, b, cmd))
            .map_or(0, |a| a.3);
        let (n, m) = (mask.count_ones() as usize, was.count_ones() as usize);
        if n >= q && m < q {
            lines.push(format!(
                "Step {step}: {} is chosen in slot {}: {} accepted it in ballot {} (a majority of the {} acceptors).",
                command(cfg, cmd),
                slot + 1,
                acceptors(cfg, mask),
                ballot(b),
                cfg.acceptors
            ));
        }
    }
    for i in 0..cfg.node_count() {
        for slot in 0..SLOTS_MAX {
            let (was, now) = (old.ever[i][slot], new.ever[i][slot]);
            for cmd in 0..8u8 {
                if now & !was & (1 << cmd) != 0 {
                    let first = old.first[i][slot];
                    let what = match first {
                        Some(f) if f != cmd => {
                            format!("replaces {} with {}", command(cfg, f), command(cfg, cmd))
                        }
                        _ => format!("decides {}", command(cfg, cmd)),
                    };
                    lines.push(format!(
                        "Step {step}: {} {what} for slot {}.",
                        cfg.node_name(i),
                        slot + 1
                    ));
                }
            }
        }
        let (was, now) = (&old.applied[i], &new.applied[i]);
        if now.len() > was.len() {
            let applied: Vec<String> = now[was.len()..]
                .iter()
                .map(|&(slot, cmd)| format!("slot {} ({})", slot + 1, command(cfg, cmd)))
                .collect();
            let kv = match &*after.sys.actor_states[i] {
                NodeState::StoreReplica(r) => {
                    let s = store(cfg);
                    let kv: Vec<String> = s
                        .keys
                        .iter()
                        .zip(r.kv)
                        .map(|(k, v)| format!("{k}={v}"))
                        .collect();
                    format!("; its store is now {{{}}}", kv.join(", "))
                }
                _ => String::new(),
            };
            lines.push(format!(
                "Step {step}: {} applies {}{kv}.",
                cfg.node_name(i),
                applied.join(" then ")
            ));
        }
    }
    lines
}

/// Why `state` violates `property`, in one clause (the line under the trace).
pub fn why(model: &PaxosModel, property: PropertyName, state: &PaxosState) -> String {
    let cfg = model.cfg();
    let l = log(state);
    let q = model.chosen_quorum();
    match property {
        PropertyName::Coherence => {
            let slot = (0..SLOTS_MAX)
                .find(|&s| l.ever.iter().fold(0u8, |m, e| m | e[s]).count_ones() > 1)
                .unwrap_or(0);
            format!(
                "replicas disagree on slot {}: {}",
                slot + 1,
                deciders(cfg, l, slot)
            )
        }
        PropertyName::ConflictResolution => {
            let ok = l.proposable();
            for slot in 0..SLOTS_MAX {
                let chosen: Vec<String> = l
                    .accepted
                    .iter()
                    .filter(|a| a.0 as usize == slot && a.3.count_ones() as usize >= q)
                    .map(|a| {
                        format!(
                            "{} in b={} (by {})",
                            command(cfg, a.2),
                            ballot(a.1),
                            acceptors(cfg, a.3)
                        )
                    })
                    .collect();
                let mask = l.chosen(slot, q);
                if mask.count_ones() > 1 {
                    return format!(
                        "two commands chosen in slot {}: {}",
                        slot + 1,
                        chosen.join(" and ")
                    );
                }
                let decided = l.ever.iter().fold(0u8, |m, e| m | e[slot]);
                if (mask | decided) & !ok != 0 {
                    return format!(
                        "slot {} holds a command no client invoked: {}",
                        slot + 1,
                        deciders(cfg, l, slot)
                    );
                }
            }
            "conflict resolution fails".into()
        }
        PropertyName::NoTakebacks => takebacks(cfg, l, state).join(", "),
        PropertyName::LogCoherence => log_incoherence(cfg, l, q),
        PropertyName::Linearizability => not_linearizable(cfg, l),
        PropertyName::FaultTolerance => "no slot can be decided".into(),
    }
}

/// "l1 decided c1's put(x, 1), l2 decided c2's get(x)": who decided what in `slot`.
fn deciders(cfg: &ClusterCfg, l: &LogObs, slot: usize) -> String {
    let parts: Vec<String> = (0..cfg.node_count())
        .filter(|&i| l.ever[i][slot] != 0)
        .map(|i| {
            let cmds: Vec<String> = (0..8u8)
                .filter(|c| l.ever[i][slot] & (1 << c) != 0)
                .map(|c| command(cfg, c))
                .collect();
            format!("{} decided {}", cfg.node_name(i), cmds.join(" then "))
        })
        .collect();
    parts.join(", ")
}

fn takebacks(cfg: &ClusterCfg, l: &LogObs, state: &PaxosState) -> Vec<String> {
    let mut out = Vec::new();
    for i in 0..cfg.node_count() {
        let (chosen, applied) = match &*state.sys.actor_states[i] {
            NodeState::StoreReplica(r) => (r.chosen, r.applied.to_vec()),
            _ => ([None; SLOTS_MAX], Vec::new()),
        };
        for (slot, (first, now)) in l.first[i].iter().zip(chosen).enumerate() {
            if let Some(first) = *first {
                if now != Some(first) {
                    out.push(format!(
                        "{} decided {} for slot {} and now holds {}",
                        cfg.node_name(i),
                        command(cfg, first),
                        slot + 1,
                        now.map_or("nothing".into(), |c| command(cfg, c))
                    ));
                }
            }
        }
        if !applied.starts_with(&l.applied[i]) {
            out.push(format!(
                "{} had applied {} slots and now has applied {}",
                cfg.node_name(i),
                l.applied[i].len(),
                applied.len()
            ));
        }
    }
    out
}

fn log_incoherence(cfg: &ClusterCfg, l: &LogObs, q: usize) -> String {
    for (i, applied) in l.applied.iter().enumerate() {
        for (k, &(slot, cmd)) in applied.iter().enumerate() {
            if slot as usize != k {
                return format!(
                    "{} applied slot {} ({}) as its command number {}, before slot {}: out of slot order",
                    cfg.node_name(i),
                    slot + 1,
                    command(cfg, cmd),
                    k + 1,
                    k + 1
                );
            }
            if l.chosen(k, q) & !(1u8 << cmd) != 0 {
                return format!(
                    "{} applied {} in slot {}, but {} is chosen there",
                    cfg.node_name(i),
                    command(cfg, cmd),
                    slot + 1,
                    chosen_words(cfg, l.chosen(k, q) & !(1u8 << cmd))
                );
            }
        }
    }
    for (i, a) in l.applied.iter().enumerate() {
        for (j, b) in l.applied.iter().enumerate().skip(i + 1) {
            if let Some(k) = a.iter().zip(b).position(|(x, y)| x.1 != y.1) {
                return format!(
                    "{} applied {} as its command number {}, {} applied {}",
                    cfg.node_name(i),
                    command(cfg, a[k].1),
                    k + 1,
                    cfg.node_name(j),
                    command(cfg, b[k].1)
                );
            }
        }
    }
    "two replicas applied different commands at the same position".into()
}

fn chosen_words(cfg: &ClusterCfg, mask: u8) -> String {
    if mask == 0 {
        return "nothing is chosen there yet".into();
    }
    (0..8u8)
        .filter(|c| mask & (1 << c) != 0)
        .map(|c| command(cfg, c))
        .collect::<Vec<_>>()
        .join(" and ")
}

/// The return no order explains, with the operations that had completed before it was
/// invoked: "c2's get(x) returned nothing, but c1's put(x, 1) had returned before c2
/// invoked get(x)".
fn not_linearizable(cfg: &ClusterCfg, l: &LogObs) -> String {
    let s = store(cfg);
    // The shortest prefix of the history that is not linearizable ends with the culprit.
    let end = (1..=l.history.len())
        .find(|&n| !paxos_models::store::linearizable(s, &l.history[..n]))
        .unwrap_or(l.history.len());
    let Some(&(cmd, Some(ret))) = l.history[..end].last() else {
        return "the clients' history is not linearizable".into();
    };
    let invoked = l
        .history
        .iter()
        .position(|e| *e == (cmd, None))
        .unwrap_or(0);
    let before: Vec<String> = l.history[..invoked]
        .iter()
        .filter(|e| e.1.is_some())
        .map(|&(c, r)| {
            format!(
                "{} had returned {}",
                command(cfg, c),
                s.result_text(c, r.unwrap_or(0))
            )
        })
        .collect();
    let client = StoreCfg::of_cmd(cmd).0 + 1;
    let what = op_words(s, cmd);
    if before.is_empty() {
        format!(
            "{} returned {}, which no order of the operations explains",
            command(cfg, cmd),
            s.result_text(cmd, ret)
        )
    } else {
        format!(
            "{} returned {}, but {} before c{client} invoked {what}",
            command(cfg, cmd),
            s.result_text(cmd, ret),
            before.join(" and ")
        )
    }
}

/// The failed property in the guide's words, after the narration.
pub fn conclusion(model: &PaxosModel, property: PropertyName, last: &PaxosState) -> String {
    let why = why(model, property, last);
    let n = model.cfg().acceptors;
    match property {
        PropertyName::Coherence => format!(
            "So coherence fails: {why}. Every replica must end up with the same log: no two may \
             decide different commands for one slot."
        ),
        PropertyName::ConflictResolution => format!(
            "So conflict resolution fails: {why}. In each slot exactly one command may win, and \
             it must be one a client asked for (or a no-op filling a gap)."
        ),
        PropertyName::NoTakebacks => format!(
            "So no-takebacks fails: {why}. Once a replica has decided a slot or applied it, it \
             never changes or retracts that, crashes and restarts included."
        ),
        PropertyName::LogCoherence => format!(
            "So log coherence fails: {why}. Every replica must apply the chosen log in slot \
             order, so that each replica's applied log is a prefix of the chosen log (a command \
             is chosen when a majority, {} of {n} acceptors, accepted it in one ballot).",
            majority(n)
        ),
        PropertyName::Linearizability => format!(
            "So linearizability fails: {why}. A replicated store must behave like one store: \
             every operation takes effect at one moment between its invocation and its return, \
             so an operation sees every operation that returned before it was invoked."
        ),
        PropertyName::FaultTolerance => format!(
            "So fault tolerance fails: {why} from here. A decision must stay reachable while \
             a minority of acceptors is down."
        ),
    }
}
