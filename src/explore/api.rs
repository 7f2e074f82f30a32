//! What the explore page shows, as JSON, with no HTTP in it (so tests call it directly):
//! the world (lanes, properties), and for a path of steps from the initial state the
//! messages drawn so far, every node's state in protocol words, the steps enabled next in the
//! trace's words, chosen values and decisions, and each property's status with the `why:`
//! narration of the first one violated.
//!
//! A path is the list of choices made from the initial state, each an index into the steps
//! enabled at that point in the order [`Explorer::enabled`] lists them (the order of
//! `Model::actions`, without the steps that change nothing): `3,0,5`. It is what the page
//! keeps in its URL.

use std::sync::Mutex;

use paxos_models::model::Action;
use paxos_models::node::Storage;
use paxos_models::{describe, NodeState, PaxosModel, PaxosState, PropertyName, Role, Variant};
use serde_json::{json, Value};
use stateright::actor::ActorModelAction;
use stateright::Model;

use crate::report::chart;
use crate::report::trace::Trace;
use crate::scenario::Scenario;
use crate::sim::NetEvent;

/// Reachability from the shown state is searched up to this many states; beyond, the page
/// says "not known here" rather than guess.
const REACH_STATES: usize = 200_000;

/// The explorer of one variant in one world.
pub struct Explorer {
    pub scenario: Scenario,
    pub variant: &'static Variant,
    pub model: PaxosModel,
    /// Where the page opens: a loaded trace's path, or the initial state.
    pub start: Vec<usize>,
    /// The loaded trace's partition lines, each with the number of steps before it.
    pub start_net: Vec<(usize, NetEvent)>,
    /// The shortest violation of each property, found by `check` on first request.
    shortest: Mutex<Option<Vec<Shortest>>>,
}

/// One property's verdict from `check`, with the path of its trace when it has one.
type Shortest = (PropertyName, Option<(Vec<usize>, String)>, String);

/// A path that is not one of this world's: which choice, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadPath(pub String);

impl Explorer {
    pub fn new(scenario: Scenario, variant: &'static Variant) -> Explorer {
        let model = PaxosModel::new(scenario.cluster.clone(), variant.rules);
        Explorer {
            scenario,
            variant,
            model,
            start: Vec::new(),
            start_net: Vec::new(),
            shortest: Mutex::new(None),
        }
    }

    /// The steps enabled in `state` that change something, in a fixed order.
    pub fn enabled(&self, state: &PaxosState) -> Vec<(Action, PaxosState)> {
        self.model.successors(state)
    }

    /// Reads a path from the URL: choices separated by commas (`3,0,5`); empty is the start.
    pub fn parse_path(text: &str) -> Result<Vec<usize>, BadPath> {
        let text = text.trim();
        if text.is_empty() {
            return Ok(Vec::new());
        }
        text.split(',')
            .enumerate()
            .map(|(i, c)| {
                c.trim().parse::<usize>().map_err(|_| {
                    BadPath(format!(
                        "choice {} of the path, `{c}`, is not a step number (a path is numbers separated by commas, like 3,0,5)",
                        i + 1
                    ))
                })
            })
            .collect()
    }

    /// Reads the partition lines from the URL: `K:LINE` entries separated by `;`, each the
    /// trace line (`PARTITION {a1} | {p1,p2,a2,a3,l1}`, `ONE-WAY CUT ...`, `HEAL`) placed
    /// after K steps; empty is none.
    pub fn parse_net(&self, text: &str) -> Result<Vec<(usize, NetEvent)>, BadPath> {
        let cfg = self.model.cfg();
        let mut net = Vec::new();
        for (i, entry) in text.split(';').filter(|e| !e.trim().is_empty()).enumerate() {
            let bad = |why: String| BadPath(format!("partition entry {} `{entry}`: {why}", i + 1));
            let (k, line) = entry.split_once(':').ok_or_else(|| {
                bad("is not STEPS:LINE, like 3:PARTITION {a1} | {p1,p2,a2,a3,l1}".into())
            })?;
            let k: usize = k
                .trim()
                .parse()
                .map_err(|_| bad(format!("`{k}` is not a number of steps")))?;
            let e = match NetEvent::parse(cfg, line.trim()) {
                Some(Ok(e)) => e,
                Some(Err(why)) => return Err(bad(why)),
                None => return Err(bad("is not a PARTITION, ONE-WAY CUT or HEAL line".into())),
            };
            if net.last().is_some_and(|(j, _)| *j > k) {
                return Err(bad(
                    "comes before an earlier entry: list them in step order".into(),
                ));
            }
            net.push((k, e));
        }
        Ok(net)
    }

    /// Takes the path's steps from the initial state, with `net`'s partitions in force from
    /// where they are placed: a delivery a partition holds is not a step to take.
    pub fn walk(&self, path: &[usize], net: &[(usize, NetEvent)]) -> Result<Trace, BadPath> {
        let cfg = self.model.cfg();
        if let Some((k, e)) = net.iter().find(|(k, _)| *k > path.len()) {
            return Err(BadPath(format!(
                "the partition line `{}` is placed after {k} steps, but the path has {}",
                e.describe(cfg),
                path.len()
            )));
        }
        let mut state = self.model.init_states().swap_remove(0);
        let mut trace = Trace {
            states: vec![state.clone()],
            actions: Vec::new(),
            events: net.to_vec(),
        };
        for (i, &choice) in path.iter().enumerate() {
            let mut enabled = self.enabled(&state);
            if choice >= enabled.len() {
                return Err(BadPath(format!(
                    "choice {} of the path is step {choice}, but only {} step(s) are enabled there (0 to {}); the path may come from another variant or scenario",
                    i + 1,
                    enabled.len(),
                    enabled.len().saturating_sub(1)
                )));
            }
            let (a, s) = enabled.swap_remove(choice);
            if let Some(p) = in_force(net, i).filter(|p| p.holds_step(&a)) {
                return Err(BadPath(format!(
                    "choice {} of the path, `{}`, is a delivery the partition in force ({}) holds",
                    i + 1,
                    describe::action(cfg, &a),
                    p.describe(cfg)
                )));
            }
            trace.actions.push(a);
            trace.states.push(s.clone());
            state = s;
        }
        Ok(trace)
    }

    /// The path that takes `actions` from the initial state, if every one is enabled in turn.
    pub fn path_of(&self, actions: &[Action]) -> Option<Vec<usize>> {
        let mut state = self.model.init_states().swap_remove(0);
        let mut path = Vec::new();
        for a in actions {
            let enabled = self.enabled(&state);
            let i = enabled.iter().position(|(b, _)| b == a)?;
            path.push(i);
            state = enabled[i].1.clone();
        }
        Some(path)
    }

    /// The world: names, lanes, properties, where the page opens.
    pub fn world(&self) -> Value {
        let cfg = self.model.cfg();
        json!({
            "scenario": self.scenario.name,
            "description": self.scenario.description,
            "world": self.scenario.summary(),
            "variant": self.variant.name,
            "summary": self.variant.summary,
            "lanes": (0..cfg.node_count()).map(|i| json!({
                "name": cfg.node_name(i),
                "role": role_name(cfg.role_of(i).0),
            })).collect::<Vec<_>>(),
            "properties": self.model.judged().iter().map(|p| p.name()).collect::<Vec<_>>(),
            "start": join(&self.start),
            "start_net": net_text(self.model.cfg(), &self.start_net),
        })
    }

    /// Everything the page shows at the end of `path`.
    pub fn state(&self, path: &[usize], net: &[(usize, NetEvent)]) -> Result<Value, BadPath> {
        let trace = self.walk(path, net)?;
        let partition = in_force(net, path.len());
        let cfg = self.model.cfg();
        let last = trace.states.last().expect("the initial state");
        let nodes: Vec<Value> = (0..cfg.node_count())
            .map(|i| node_view(&self.model, last, i))
            .collect();
        let steps = serde_json::to_value(chart::rows(cfg, &trace)).expect("rows serialize");
        let enabled: Vec<Value> = self
            .enabled(last)
            .iter()
            .enumerate()
            .map(|(i, (a, _))| {
                json!({
                    "choice": i,
                    "word": describe::action(cfg, a),
                    "kind": action_kind(a),
                    "held": partition.is_some_and(|p| p.holds_step(a)),
                })
            })
            .collect();
        let chosen: Vec<Value> =
            paxos_models::properties::chosen(&last.obs, self.model.chosen_quorum())
                .iter()
                .map(|&(b, v, mask)| {
                    json!({
                        "value": describe::value(cfg, v),
                        "ballot": describe::ballot(b),
                        "by": (0..cfg.acceptors)
                            .filter(|a| mask & (1 << a) != 0)
                            .map(|a| cfg.node_name(cfg.id_of(Role::Acceptor, a)))
                            .collect::<Vec<_>>(),
                    })
                })
                .collect();
        let decisions = crate::report::trace::decisions(cfg, last);
        // Each property's status here; a safety property also says at which step of the
        // path it first failed (the step the chart marks).
        let mut properties = Vec::new();
        let mut violated: Vec<(PropertyName, usize)> = Vec::new();
        for p in self.model.judged() {
            let (status, detail, since) = if p == PropertyName::FaultTolerance {
                let with = partition.map_or(String::new(), |p| {
                    format!(" with {} in force for good", p.describe(cfg))
                });
                match crate::check::decision_reachable_from(&self.model, last, partition, REACH_STATES) {
                    Some(true) => ("holds", format!("a decision is reachable from here{with}"), None),
                    Some(false) => (
                        "violated",
                        format!("no decision is reachable from here on any path{with}"),
                        Some(trace.len()),
                    ),
                    None => (
                        "unknown",
                        format!("not known here: more than {REACH_STATES} states to search; `check` judges it"),
                        None,
                    ),
                }
            } else if crate::check::violates(&self.model, p, last) {
                let since = (0..trace.states.len())
                    .find(|&k| crate::check::violates(&self.model, p, &trace.states[k]))
                    .expect("the last state violates it");
                (
                    "violated",
                    crate::report::trace::why(&self.model, p, last),
                    Some(since),
                )
            } else {
                ("holds", String::new(), None)
            };
            if let Some(at) = since {
                violated.push((p, at));
            }
            properties.push(
                json!({"name": p.name(), "status": status, "detail": detail, "since_step": since}),
            );
        }
        // The narration of the property violated first on this path, cut at that step.
        let violation = violated.iter().min_by_key(|(_, at)| *at).map(|&(p, at)| {
            let cut = Trace {
                states: trace.states[..=at].to_vec(),
                actions: trace.actions[..at].to_vec(),
                events: net.iter().filter(|(k, _)| *k <= at).cloned().collect(),
            };
            json!({
                "property": p.name(),
                "step": at,
                "also": violated.iter().filter(|(q, _)| *q != p).map(|(q, _)| q.name()).collect::<Vec<_>>(),
                "why": crate::report::narrate::narrate(&self.model, &cut, p),
            })
        });
        Ok(json!({
            "path": join(path),
            "net": net_text(cfg, net),
            "depth": path.len(),
            "nodes": nodes,
            "steps": steps,
            "enabled": enabled,
            "chosen": chosen,
            "decisions": decisions,
            "properties": properties,
            "violation": violation,
            "in_flight": paxos_models::model::in_flight(&last.sys.network).len(),
        }))
    }

    /// The path to the shortest violation of `property` that `check` finds (run once, then
    /// remembered), or why there is none.
    pub fn shortest(&self, property: PropertyName) -> Value {
        let mut cache = self.shortest.lock().expect("not poisoned");
        let found = cache.get_or_insert_with(|| {
            let cfg = crate::check::CheckCfg {
                strategy: crate::check::Strategy::Bfs,
                symmetry: true,
                por: false,
                dead: true,
                sleep: true,
                opts: crate::check::SearchOpts {
                    threads: 1,
                    depth_max: None,
                    states_max: Some(20_000_000),
                    memory_max: None,
                    stop_when_all_found: true,
                    stop_when_any_found: false,
                },
            };
            let outcome =
                crate::check::check(&self.scenario, self.variant.rules, &cfg, &mut |_, _| {});
            outcome
                .verdicts
                .iter()
                .map(|v| match &v.verdict {
                    crate::check::Verdict::Violated(t) => {
                        // With the cut a fault-tolerance trace ends with, if any.
                        let path = self
                            .path_of(&t.actions)
                            .map(|p| (p, net_text(self.model.cfg(), &t.events)));
                        (
                            v.property,
                            path,
                            format!("violated after {} steps", t.len()),
                        )
                    }
                    crate::check::Verdict::Unreachable { down } => (
                        v.property,
                        None,
                        if down.is_empty() {
                            "violated: no decision is reachable even with every node up".into()
                        } else {
                            format!(
                                "violated: no decision is reachable with {} down from the start",
                                down.join(", ")
                            )
                        },
                    ),
                    crate::check::Verdict::Holds => (v.property, None, "holds".into()),
                    crate::check::Verdict::Inconclusive => (
                        v.property,
                        None,
                        "inconclusive: a bound stopped the check".into(),
                    ),
                    crate::check::Verdict::NotJudged(why) => {
                        (v.property, None, format!("not judged in this world: {why}"))
                    }
                })
                .collect()
        });
        let (_, path, verdict) = found
            .iter()
            .find(|(p, _, _)| *p == property)
            .expect("every property has a verdict");
        json!({
            "property": property.name(),
            "verdict": verdict,
            "path": path.as_ref().map(|(p, _)| join(p)),
            "net": path.as_ref().map(|(_, n)| n.clone()),
        })
    }
}

/// The partition in force after `steps` steps: the last partition line placed at or before
/// it, unless a HEAL came after it.
fn in_force(net: &[(usize, NetEvent)], steps: usize) -> Option<&NetEvent> {
    net.iter()
        .rev()
        .find(|(k, _)| *k <= steps)
        .map(|(_, e)| e)
        .filter(|e| matches!(e, NetEvent::Partition { .. }))
}

/// Partition lines as the URL writes them: `3:PARTITION {a1} | {p1,p2,a2,a3,l1};7:HEAL`.
pub fn net_text(cfg: &paxos_models::ClusterCfg, net: &[(usize, NetEvent)]) -> String {
    net.iter()
        .map(|(k, e)| format!("{k}:{}", e.describe(cfg)))
        .collect::<Vec<_>>()
        .join(";")
}

/// A path as the URL writes it: `3,0,5`.
pub fn join(path: &[usize]) -> String {
    path.iter()
        .map(|c| c.to_string())
        .collect::<Vec<_>>()
        .join(",")
}

fn role_name(role: Role) -> &'static str {
    match role {
        Role::Proposer => "proposer",
        Role::Acceptor => "acceptor",
        Role::Learner => "learner",
        Role::Client => "client",
    }
}

fn action_kind(a: &Action) -> &'static str {
    match a {
        ActorModelAction::Deliver { .. } => "deliver",
        ActorModelAction::Drop(_) => "drop",
        ActorModelAction::Timeout(..) => "timeout",
        ActorModelAction::Crash(_) => "crash",
        ActorModelAction::Recover(_) => "restart",
        ActorModelAction::SelectRandom { .. } => "random",
    }
}

/// One node's state in protocol words: its fields (volatile: lost in a crash), what it keeps
/// in durable storage, whether it is down, what it decided.
fn node_view(model: &PaxosModel, state: &PaxosState, i: usize) -> Value {
    let cfg = model.cfg();
    let node: &NodeState = &state.sys.actor_states[i];
    let fields: Vec<Value> = describe::fields(cfg, node)
        .into_iter()
        .map(|(f, v)| json!({"field": f, "value": v}))
        .collect();
    let durable = state.sys.actor_storages[i].as_ref().map(|s| match s {
        Storage::Proposer { round } => format!("started attempt {}", *round as usize + 1),
        Storage::Acceptor(a) => format!(
            "promised {}, accepted {}",
            describe::ballot(a.promised),
            a.accepted.map_or("none".to_string(), |(b, v)| format!(
                "(b={}, {})",
                describe::ballot(b),
                describe::value(cfg, v)
            ))
        ),
        Storage::Learner { decided } => format!(
            "decided {}",
            decided.map_or("none".to_string(), |v| describe::value(cfg, v))
        ),
        Storage::Replica { held } => format!(
            "holds {}",
            held.map_or("none".to_string(), |v| describe::value(cfg, v))
        ),
        Storage::LogAcceptor(a) => format!(
            "promised {}, accepted {}",
            describe::ballot(a.promised),
            describe::votes(cfg, &a.accepted)
        ),
        Storage::StoreReplica(r) => format!(
            "decided {}, applied {} slots",
            describe::log(cfg, &r.chosen),
            r.applied.len()
        ),
    });
    json!({
        "name": cfg.node_name(i),
        "role": role_name(cfg.role_of(i).0),
        "crashed": state.sys.crashed[i],
        "fields": fields,
        "durable": durable,
        "decided": node.decision().map(|v| describe::value(cfg, v)),
        "ever_decided": state.obs.first_decision[i].map(|v| describe::value(cfg, v)),
    })
}
