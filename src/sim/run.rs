//! One run: a random walk from the init state, every choice drawn from the run's seed,
//! judged against every safety property at every state.

use std::collections::BTreeSet;

use paxos_models::model::Action;
use paxos_models::{ClusterCfg, Msg, PaxosModel, PaxosState, PropertyName};
use rand::{RngCore, SeedableRng};
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

/// A change of the network's shape in a run: the simulator's partitions. A message a
/// partition holds stays in flight and may be delivered after the heal; the model never
/// sees the partition, only which deliveries happen when.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NetEvent {
    /// The nodes split into two groups (each listed in node order). Messages between them
    /// are held both ways, or with `one_way` only those from `groups[0]` to `groups[1]`.
    Partition {
        groups: [Vec<usize>; 2],
        one_way: bool,
    },
    /// The network is whole again.
    Heal,
}

impl NetEvent {
    /// The trace line: `PARTITION {p1,a1} | {p2,a2,a3}`, `ONE-WAY CUT {p1,a1} -> {p2,a2,a3}`
    /// (messages from the first group to the second are held), or `HEAL`.
    pub fn describe(&self, cfg: &ClusterCfg) -> String {
        let names = |g: &[usize]| {
            let v: Vec<String> = g.iter().map(|&i| cfg.node_name(i)).collect();
            format!("{{{}}}", v.join(","))
        };
        match self {
            NetEvent::Partition { groups, one_way } => {
                if *one_way {
                    format!("ONE-WAY CUT {} -> {}", names(&groups[0]), names(&groups[1]))
                } else {
                    format!("PARTITION {} | {}", names(&groups[0]), names(&groups[1]))
                }
            }
            NetEvent::Heal => "HEAL".into(),
        }
    }

    /// Whether a trace line is a partition or heal line (not a step).
    pub fn is_line(word: &str) -> bool {
        word == "HEAL" || word.starts_with("PARTITION ") || word.starts_with("ONE-WAY CUT ")
    }

    /// Reads a trace line back: `None` if it is no partition line at all, an error if it is
    /// one this world cannot have (an unknown node, a node in both groups or in neither, an
    /// empty group).
    pub fn parse(cfg: &ClusterCfg, word: &str) -> Option<Result<NetEvent, String>> {
        if word == "HEAL" {
            return Some(Ok(NetEvent::Heal));
        }
        let (rest, sep, one_way) = if let Some(r) = word.strip_prefix("PARTITION ") {
            (r, " | ", false)
        } else if let Some(r) = word.strip_prefix("ONE-WAY CUT ") {
            (r, " -> ", true)
        } else {
            return None;
        };
        let group = |g: &str| -> Result<Vec<usize>, String> {
            let inner = g
                .trim()
                .strip_prefix('{')
                .and_then(|g| g.strip_suffix('}'))
                .ok_or_else(|| format!("`{g}` is not a group of nodes like {{p1,a1}}"))?;
            let mut nodes = Vec::new();
            for name in inner.split(',') {
                let i = (0..cfg.node_count())
                    .find(|&i| cfg.node_name(i) == name.trim())
                    .ok_or_else(|| format!("no node `{}` in this world", name.trim()))?;
                nodes.push(i);
            }
            nodes.sort();
            Ok(nodes)
        };
        Some((|| {
            let (a, b) = rest
                .split_once(sep)
                .ok_or_else(|| format!("`{word}` does not split the nodes in two groups"))?;
            let groups = [group(a)?, group(b)?];
            let mut all: Vec<usize> = groups.concat();
            all.sort();
            if all != (0..cfg.node_count()).collect::<Vec<_>>() {
                return Err(format!(
                    "`{word}` does not put every node in exactly one group"
                ));
            }
            Ok(NetEvent::Partition { groups, one_way })
        })())
    }

    /// Whether this partition holds `step`: a delivery between its groups (in the held
    /// direction). Nothing else is held: a partition only keeps messages in flight.
    pub fn holds_step(&self, step: &Action) -> bool {
        match step {
            ActorModelAction::Deliver { src, dst, .. } => {
                self.holds(usize::from(*src), usize::from(*dst))
            }
            _ => false,
        }
    }

    /// Whether this partition holds a message from `src` to `dst`.
    pub fn holds(&self, src: usize, dst: usize) -> bool {
        match self {
            NetEvent::Partition { groups, one_way } => {
                let (a, b) = (groups[0].contains(&src), groups[0].contains(&dst));
                if *one_way {
                    a && !b
                } else {
                    a != b
                }
            }
            NetEvent::Heal => false,
        }
    }
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
    /// The partitions and heals of the run, each with the number of actions taken before
    /// it, cut at the first violation as `actions` is.
    pub events: Vec<(usize, NetEvent)>,
}

impl Run {
    /// The run's steps in the trace file's words, partition lines where they happened.
    pub fn words(&self, cfg: &ClusterCfg) -> Vec<String> {
        words(cfg, &self.actions, &self.events)
    }
}

/// Steps in the trace file's words, each partition line (`events`, placed by the number of
/// actions before it) where it happened.
pub fn words(cfg: &ClusterCfg, actions: &[Action], events: &[(usize, NetEvent)]) -> Vec<String> {
    let mut out = Vec::new();
    let mut events = events.iter().peekable();
    for (i, a) in actions.iter().enumerate() {
        while let Some((_, e)) = events.next_if(|(k, _)| *k <= i) {
            out.push(e.describe(cfg));
        }
        out.push(paxos_models::describe::action(cfg, a));
    }
    out.extend(events.map(|(_, e)| e.describe(cfg)));
    out
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
    // The partition in force, if any, and the step count at which it heals.
    let mut cut: Option<(NetEvent, usize)> = None;
    let mut events: Vec<(usize, NetEvent)> = Vec::new();
    let n = model.cfg().node_count();
    let done = |mut actions: Vec<Action>,
                end: End,
                decided: bool,
                mut violated: Vec<PropertyName>,
                first: Option<(PropertyName, usize)>,
                mut events: Vec<(usize, NetEvent)>| {
        let steps = actions.len();
        let end = match first {
            Some((p, at)) => {
                actions.truncate(at);
                events.retain(|(k, _)| *k < at);
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
            events,
        }
    };
    judge(model, &props, &state, 0, &mut violated, &mut first);
    let mut just_healed = false;
    while actions.len() < steps_max {
        let at = actions.len();
        if cut.as_ref().is_some_and(|(_, heal)| at >= *heal) {
            cut = None;
            events.push((at, NetEvent::Heal));
        }
        if cut.is_none() && !std::mem::take(&mut just_healed) && below(&mut rng, mix.partition) {
            let mut side: Vec<bool> = (0..n).map(|_| rng.next_u64() & 1 == 1).collect();
            if side.iter().all(|&s| s == side[0]) {
                let i = pick(&mut rng, n);
                side[i] = !side[i];
            }
            let one_way = below(&mut rng, mix.one_way);
            let lasts = 1 + pick(&mut rng, mix.partition_steps);
            let group = |s: bool| (0..n).filter(|&i| side[i] == s).collect::<Vec<_>>();
            let p = NetEvent::Partition {
                groups: [group(false), group(true)],
                one_way,
            };
            events.push((at, p.clone()));
            cut = Some((p, at + lasts));
        }
        enabled.clear();
        model.actions(&state, &mut enabled);
        let succs: Vec<(Action, PaxosState)> = enabled
            .drain(..)
            .filter_map(|a| model.next_state(&state, a.clone()).map(|s| (a, s)))
            .collect();
        if succs.is_empty() {
            return done(actions, End::Terminal, decided, violated, first, events);
        }
        // Sort the successors into kinds, then pick a kind by the fault mix.
        let (mut drops, mut crashes, mut restarts, mut dups, mut normal) =
            (vec![], vec![], vec![], vec![], vec![]);
        let mut held = 0usize;
        for (i, (a, _)) in succs.iter().enumerate() {
            match a {
                ActorModelAction::Drop(_) => drops.push(i),
                ActorModelAction::Crash(_) => crashes.push(i),
                ActorModelAction::Recover(_) => restarts.push(i),
                ActorModelAction::Deliver { .. }
                    if cut.as_ref().is_some_and(|(p, _)| p.holds_step(a)) =>
                {
                    // Held by the partition: still in flight, not deliverable now.
                    held += 1;
                }
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
            if rest.is_empty() && held > 0 {
                // Only held messages are left: the partition heals now, so a run never
                // ends for want of a message a partition holds.
                cut = None;
                events.push((at, NetEvent::Heal));
                just_healed = true;
                continue;
            }
            if rest.is_empty() {
                return done(actions, End::Terminal, decided, violated, first, events);
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
    done(actions, end, decided, violated, first, events)
}
