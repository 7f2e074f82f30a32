//! The graph part of fault tolerance, as the guide states it: a decision *stays* reachable,
//! from every judged state, with nothing cut off and with any minority of acceptors cut
//! off. The whole state space under the scenario's faults is explored breadth-first with
//! every edge kept, each edge labelled with the acceptors its step touches; a backward
//! search over (state, cut) pairs from every state where a node has decided marks the pairs
//! that can still reach one over steps that touch no acceptor of the cut.
//!
//! A cut is a partition that never heals: the cut-off acceptors' messages, both ways, stay
//! in flight, so a delivery to or from them never happens, and what they do on their own
//! cannot reach anyone. On an unordered network that is exactly a set of steps never taken,
//! which is why the forward exploration needs no partitions (scenarios/README.md).
//!
//! With symmetry on, the graph is one of classes; each class keeps the member the search met
//! first, and an edge also keeps how the acceptors of its target state are named in that
//! target class's member, so a cut is carried across it exactly.

use std::collections::{HashMap, HashSet, VecDeque};
use std::time::Instant;

use paxos_models::model::Action;
use paxos_models::{PaxosModel, PaxosState, Role};
use smallvec::SmallVec;
use stateright::actor::ActorModelAction;
use stateright::Model;

use super::{fingerprint, subsets, PorUse, Search, SearchOpts};
use crate::engine::bfs;
use crate::engine::pack::Pack;
use crate::engine::world::{Engine, World};
use crate::sim::NetEvent;

/// What [`stays_reachable`] found.
#[derive(Clone, Debug)]
pub struct Reach {
    /// The exploration; its one discovery is the path to the first stuck judged state.
    pub search: Search,
    /// The acceptors (bitmask of acceptor indices, in the stuck state's naming) whose cut
    /// leaves no decision reachable from that state; 0 when nothing needs to be cut.
    pub cut: u16,
    /// The cuts searched besides none: every set of f acceptors.
    pub cuts: usize,
    /// What became of partial-order reduction in this graph.
    pub por: PorUse,
}

/// Which states the graph part judges: those with at most f acceptors down (the guide's "a
/// minority of nodes crash") and some learner up or able to restart (a world whose every
/// learner is down for good cannot decide, Paxos or not).
/// `crashed` is [`crashed_acceptors`] of `state`.
fn judged(model: &PaxosModel, state: &World, crashed: u16) -> bool {
    let cfg = model.cfg();
    let learners_down = (0..cfg.learners)
        .filter(|&j| state.crashed & (1 << cfg.id_of(Role::Learner, j)) != 0)
        .count();
    crashed.count_ones() as usize <= cfg.acceptor_faults_tolerated()
        && (cfg.restarts || learners_down < cfg.learners)
}

/// The acceptors (bitmask of acceptor indices) down in `state`.
fn crashed_acceptors(model: &PaxosModel, state: &World) -> u16 {
    let cfg = model.cfg();
    (0..cfg.acceptors)
        .filter(|&i| state.crashed & (1 << cfg.id_of(Role::Acceptor, i)) != 0)
        .fold(0, |m, i| m | 1 << i)
}

/// The acceptors (bitmask) a step involves: a delivery's ends, a timeout's, crash's or
/// restart's node. A drop involves none: losing a message is the network's doing, and a
/// lost message to or from a cut-off acceptor is one it would not have had anyway.
fn touched(model: &PaxosModel, action: &Action) -> u16 {
    let cfg = model.cfg();
    let bit = |id: stateright::actor::Id| match cfg.role_of(usize::from(id)) {
        (Role::Acceptor, i) => 1u16 << i,
        _ => 0,
    };
    match action {
        ActorModelAction::Deliver { src, dst, .. } => bit(*src) | bit(*dst),
        ActorModelAction::Timeout(id, _)
        | ActorModelAction::Crash(id)
        | ActorModelAction::Recover(id)
        | ActorModelAction::SelectRandom { actor: id, .. } => bit(*id),
        ActorModelAction::Drop(_) => 0,
    }
}

/// One edge's label: the acceptors its step touches (low 16 bits) and, 4 bits per acceptor
/// from bit 16, the renaming from the step's successor to the target class's member.
fn label(touched: u16, renaming: &[u8]) -> u64 {
    renaming
        .iter()
        .enumerate()
        .fold(touched as u64, |l, (i, &to)| {
            l | (to as u64) << (16 + 4 * i)
        })
}

/// A cut (bitmask in the target member's naming) carried back across an edge with `label`:
/// the same acceptors named as in the step's source state.
fn cut_before(label: u64, cut_after: u16, acceptors: usize) -> u16 {
    (0..acceptors)
        .filter(|&i| cut_after & 1 << ((label >> (16 + 4 * i)) & 0xf) != 0)
        .fold(0, |m, i| m | 1 << i)
}

/// The explored graph: per state, in breadth-first order, (parent, action index), whether it
/// has a decision and is judged, its crashed acceptors, and (symmetry on) its acceptor
/// renaming to the class representative. A state's packed bytes are kept only until it is
/// expanded ([`Pending`]), and its fingerprint only while the exploration runs.
struct Graph {
    ids: HashMap<u64, u32, ahash::RandomState>,
    pending: Pending,
    parents: Vec<(u32, u32)>,
    decided: Vec<bool>,
    judged: Vec<bool>,
    crashed: Vec<u16>,
    /// `acceptors` entries per state: old acceptor index -> representative's.
    renamings: Vec<u8>,
}

impl Graph {
    fn push(
        &mut self,
        engine: &Engine,
        s: &World,
        parent: (u32, u32),
        key: u64,
        renaming: &[u8],
    ) -> u32 {
        let id = self.parents.len() as u32;
        self.ids.insert(key, id);
        self.pending.push(engine, s);
        self.parents.push(parent);
        self.decided
            .push(paxos_models::properties::decided_somewhere(&s.obs));
        let crashed = crashed_acceptors(engine.model, s);
        self.judged.push(judged(engine.model, s, crashed));
        self.crashed.push(crashed);
        self.renamings.extend_from_slice(renaming);
        id
    }
}

/// The packed bytes of the states found and not yet expanded, first in first out: an
/// expanded state's bytes are dropped (the consumed front is cut off once it is half the
/// buffer), so the graph keeps bytes for its frontier only.
#[derive(Default)]
struct Pending {
    bytes: Vec<u8>,
    /// Where each pending state's bytes end, oldest first.
    ends: std::collections::VecDeque<usize>,
    /// Bytes of `bytes` already expanded.
    consumed: usize,
}

impl Pending {
    fn push(&mut self, engine: &Engine, s: &World) {
        engine.pack_into(s, &mut self.bytes);
        self.ends.push_back(self.bytes.len());
    }

    /// The oldest pending state.
    fn pop(&mut self, engine: &Engine) -> World {
        let end = self.ends.pop_front().expect("a pending state");
        let state = engine.unpack(&self.bytes[self.consumed..end]);
        self.consumed = end;
        if self.consumed > 1 << 20 && self.consumed * 2 > self.bytes.len() {
            self.bytes.drain(..self.consumed);
            for e in &mut self.ends {
                *e -= self.consumed;
            }
            self.consumed = 0;
        }
        state
    }
}

/// Edge labels interned: an edge keeps a 32-bit index into the few distinct labels.
#[derive(Default)]
struct Labels {
    table: Vec<u64>,
    index: HashMap<u64, u32, ahash::RandomState>,
}

impl Labels {
    fn intern(&mut self, label: u64) -> u32 {
        let next = self.table.len() as u32;
        *self.index.entry(label).or_insert_with(|| {
            self.table.push(label);
            next
        })
    }
}

/// Explores the whole space under the scenario's faults (by symmetry class when `symmetry`
/// is on and sound: the predicates and the set of cuts are symmetric) and searches back from
/// every decision; with `cut_off` false, only with nothing cut off. The first judged state, in breadth-first order (so at the least depth),
/// from which no decision is reachable with nothing cut off or with some set of f acceptors
/// cut off, is the violation: the search's one discovery as (init index, action indices),
/// and the cut. A cut is judged from a state only if the acceptors down there are among the
/// cut ones, unless they may restart: more than f acceptors unavailable is more than a
/// minority. `Search::complete` is false when a bound or an interrupt stopped the
/// exploration (then nothing is proven).
///
/// With `por`, in a world without crashes, the graph is the partial-order-reduced one
/// ([`crate::engine::por`]), each state's stubborn set widened so that with every cut it
/// still holds an enabled step that survives the cut whenever the state has one
/// (`Por::successors_for_cuts`), under the same cycle proviso as the safety search. Then a
/// decision is reachable from a state of the reduced graph, with a cut or without, exactly
/// when it is in the whole space, and a state stuck in the whole space has a stuck state in
/// the reduced graph (being stuck only spreads along the steps that survive the cut, and a
/// state with no such step is stuck itself). A violation found so is searched again without
/// the reduction, for its shortest path; so is everything after a send outside
/// `Rules::may_send`. Crashes change which states are judged along the way, so a world with
/// crashes is explored whole.
pub fn stays_reachable(
    model: &PaxosModel,
    symmetry: bool,
    por: bool,
    cut_off: bool,
    opts: &SearchOpts,
) -> Reach {
    if !por {
        return explore_back(model, symmetry, false, cut_off, opts).0;
    }
    if model.cfg().crashes_max > 0 {
        let mut reach = explore_back(model, symmetry, false, cut_off, opts).0;
        reach.por = PorUse::Dropped(
            "the fault-tolerance graph is reduced only in worlds without crashes".into(),
        );
        return reach;
    }
    let (reach, stray) = explore_back(model, symmetry, true, cut_off, opts);
    let violated = reach.search.discoveries[0].is_some();
    if !(stray || violated) || !reach.search.complete {
        return reach;
    }
    let mut again = explore_back(model, symmetry, false, cut_off, opts).0;
    again.por = if stray {
        PorUse::stray_send()
    } else {
        PorUse::UsedTracesRefound(again.search.unique)
    };
    again
}

/// The exploration and backward search of [`stays_reachable`], reduced with `por` and
/// taken as it is (no search again without the reduction: what the tests judge); also
/// whether a step sent outside `Rules::may_send`.
pub fn explore_back(
    model: &PaxosModel,
    symmetry: bool,
    por: bool,
    cut_off: bool,
    opts: &SearchOpts,
) -> (Reach, bool) {
    let started = Instant::now();
    let cfg = model.cfg();
    let acceptors = cfg.acceptors;
    let symmetric = symmetry && model.symmetric();
    let identity: SmallVec<[u8; 16]> = (0..acceptors as u8).collect();
    // The step function is the packed-state engine's (the same successors as the model's).
    let engine = if por {
        Engine::with_por(model)
    } else {
        Engine::new(model)
    };
    let f = cfg.acceptor_faults_tolerated();
    let mut cuts = vec![0u16];
    if f > 0 && cut_off {
        cuts.extend(subsets(acceptors, f));
    }
    // The cuts as node bitmasks, for the reduction.
    let cut_nodes: Vec<u16> = cuts
        .iter()
        .map(|&c| {
            (0..acceptors)
                .filter(|&i| c & (1 << i) != 0)
                .fold(0u16, |m, i| m | 1 << cfg.id_of(Role::Acceptor, i))
        })
        .collect();
    let mut fully_expanded = 0u64;
    // A state's key: its (class) fingerprint and its acceptor renaming.
    type Key = (u64, SmallVec<[u8; 16]>);
    // The successors to take from a state, with their keys.
    let mut stubborn: Vec<(usize, World, Key)> = Vec::new();
    let mut buf = Vec::new();
    let mut key = |s: &World| -> Key {
        if symmetric {
            let (fp, acc) = engine.canonical(s);
            (fp, acc.into_iter().map(|x| x as u8).collect())
        } else {
            buf.clear();
            engine.pack_into(s, &mut buf);
            (fingerprint(&buf), identity.clone())
        }
    };
    let mut g = Graph {
        ids: HashMap::with_hasher(ahash::RandomState::with_seeds(1, 2, 3, 4)),
        pending: Pending::default(),
        parents: Vec::new(),
        decided: Vec::new(),
        judged: Vec::new(),
        crashed: Vec::new(),
        renamings: Vec::new(),
    };
    // Per state its out-edges, in `offsets` order: the target and its interned label; and
    // per state how many edges come in (for the reversed graph).
    let mut edges: Vec<(u32, u32)> = Vec::new();
    let mut labels = Labels::default();
    let mut offsets: Vec<u32> = vec![0];
    let mut in_degree: Vec<u32> = Vec::new();
    let mut states = 0u64;
    let mut complete = true;
    for (i, s) in engine.init_states().into_iter().enumerate() {
        states += 1;
        let (k, renaming) = key(&s);
        if !g.ids.contains_key(&k) {
            g.push(&engine, &s, (u32::MAX, i as u32), k, &renaming);
        }
    }
    let mut actions = Vec::new();
    let mut next = 0usize;
    let mut depth = 0usize;
    let mut level_end = g.parents.len();
    let mut to_member = vec![0u8; acceptors];
    while next < g.parents.len() {
        if next == level_end {
            depth += 1;
            level_end = g.parents.len();
        }
        if opts.must_stop(g.parents.len(), next.is_multiple_of(4096)) {
            complete = false;
            break;
        }
        let state = g.pending.pop(&engine);
        actions.clear();
        engine.actions(&state, &mut actions);
        if opts.depth_max.is_some_and(|d| depth >= d) && !actions.is_empty() {
            // Successors beyond the depth bound: the graph is not the whole space.
            complete = false;
            break;
        }
        // The successors taken: a stubborn set's, unless one of them leads back to a level
        // already explored (the cycle proviso), or every one.
        stubborn.clear();
        let mut full = true;
        if let Some(p) = &engine.por {
            p.successors_for_cuts(&engine, &state, &actions, &cut_nodes, &mut |a, w| {
                let k = key(&w);
                stubborn.push((a, w, k))
            });
            full = stubborn
                .iter()
                .any(|(_, _, (k, _))| g.ids.get(k).is_some_and(|&id| (id as usize) < level_end));
            fully_expanded += full as u64;
        }
        if full {
            // The stubborn successors already stepped (in action order) stay; every other
            // action is stepped now, and the whole list is put back in action order.
            let taken: Vec<usize> = stubborn.iter().map(|(a, _, _)| *a).collect();
            for (ai, a) in actions.iter().enumerate() {
                if taken.binary_search(&ai).is_err() {
                    if let Some(succ) = engine.next_state(&state, a.clone()) {
                        let k = key(&succ);
                        stubborn.push((ai, succ, k));
                    }
                }
            }
            stubborn.sort_by_key(|(a, _, _)| *a);
        }
        for (ai, succ, (k, renaming)) in stubborn.drain(..) {
            let touches = touched(model, &actions[ai]);
            states += 1;
            let id = match g.ids.get(&k) {
                Some(&id) => id,
                None => g.push(&engine, &succ, (next as u32, ai as u32), k, &renaming),
            };
            // succ's acceptor i is the representative's renaming[i], which is the member's
            // acceptor j where the member's own renaming takes j there.
            let member = &g.renamings[id as usize * acceptors..][..acceptors];
            for (i, &r) in renaming.iter().enumerate() {
                to_member[i] = member.iter().position(|&m| m == r).expect("a renaming") as u8;
            }
            edges.push((id, labels.intern(label(touches, &to_member))));
            if in_degree.len() <= id as usize {
                in_degree.resize(id as usize + 1, 0);
            }
            in_degree[id as usize] += 1;
        }
        offsets.push(u32::try_from(edges.len()).expect("fewer than 4 billion edges in the graph"));
        next += 1;
    }
    let n = g.parents.len();
    // The exploration is over: fingerprints and pending bytes are no longer needed.
    drop(std::mem::take(&mut g.ids));
    drop(std::mem::take(&mut g.pending));
    in_degree.resize(n, 0);
    let stray = engine.stray_send();
    let done = |stuck: Option<(usize, Vec<usize>)>, cut: u16, complete: bool| {
        let reach = Reach {
            por: if por { PorUse::Used } else { PorUse::Off },
            search: Search {
                states,
                unique: n as u64,
                depth,
                seconds: started.elapsed().as_secs_f64(),
                complete,
                discoveries: vec![stuck],
                peak_bytes: None,
                fully_expanded: por.then_some(fully_expanded),
            },
            cut,
            cuts: cuts.len() - 1,
        };
        (reach, stray)
    };
    if !complete {
        return done(None, 0, false);
    }
    // Reversed edges, with their labels: (source, label index) grouped by target.
    let mut rev_off = vec![0u32; n + 1];
    for t in 0..n {
        rev_off[t + 1] = rev_off[t] + in_degree[t];
    }
    drop(in_degree);
    let mut fill = rev_off.clone();
    let mut rev = vec![(0u32, 0u32); edges.len()];
    for s in 0..offsets.len() - 1 {
        for &(t, l) in &edges[offsets[s] as usize..offsets[s + 1] as usize] {
            rev[fill[t as usize] as usize] = (s as u32, l);
            fill[t as usize] += 1;
        }
    }
    drop((edges, offsets, fill));
    let labels = labels.table;
    // Backward over (state, cut) pairs: `can[s * k + c]`, c indexing `cuts`.
    let k = cuts.len();
    let mut cut_index = vec![u8::MAX; 1 << acceptors];
    for (c, &m) in cuts.iter().enumerate() {
        cut_index[m as usize] = c as u8;
    }
    let mut can = vec![false; n * k];
    let mut queue: Vec<(u32, u8)> = Vec::new();
    for s in (0..n).filter(|&s| g.decided[s]) {
        for c in 0..k {
            can[s * k + c] = true;
            queue.push((s as u32, c as u8));
        }
    }
    while let Some((t, c)) = queue.pop() {
        let cut_after = cuts[c as usize];
        for &(s, l) in &rev[rev_off[t as usize] as usize..rev_off[t as usize + 1] as usize] {
            let l = labels[l as usize];
            let cut = cut_before(l, cut_after, acceptors);
            if (l as u16) & cut != 0 {
                continue;
            }
            let c = cut_index[cut as usize];
            let pair = s as usize * k + c as usize;
            if !can[pair] {
                can[pair] = true;
                queue.push((s, c));
            }
        }
    }
    let stuck = (0..n).filter(|&s| g.judged[s]).find_map(|s| {
        (0..k)
            .find(|&c| {
                let judged = c == 0 || cfg.restarts || g.crashed[s] & !cuts[c] == 0;
                judged && !can[s * k + c]
            })
            .map(|c| (s, cuts[c]))
    });
    match stuck {
        Some((s, cut)) => done(Some(bfs::path_to(|j| g.parents[j], s as u32)), cut, true),
        None => done(None, 0, true),
    }
}

/// Whether some state where a node has decided is reachable from `state` (breadth-first,
/// every state kept by its packed bytes' fingerprint) with `partition`, if any, in force
/// for good (no delivery it holds): what `replay` asks of the last state of a
/// fault-tolerance trace. `None` when `states_max` states were visited first.
pub fn decision_reachable_from(
    model: &PaxosModel,
    state: &PaxosState,
    partition: Option<&NetEvent>,
    states_max: usize,
) -> Option<bool> {
    let mut seen = HashSet::with_hasher(ahash::RandomState::with_seeds(1, 2, 3, 4));
    let mut buf = Vec::new();
    let mut queue = VecDeque::from([state.clone()]);
    let mut actions = Vec::new();
    let held = |a: &Action| partition.is_some_and(|p| p.holds_step(a));
    while let Some(s) = queue.pop_front() {
        if paxos_models::properties::decided_somewhere(&s.obs) {
            return Some(true);
        }
        if seen.len() >= states_max {
            return None;
        }
        actions.clear();
        model.actions(&s, &mut actions);
        for a in actions.drain(..) {
            if held(&a) {
                continue;
            }
            if let Some(next) = model.next_state(&s, a) {
                buf.clear();
                model.pack_into(&next, &mut buf);
                if seen.insert(fingerprint(&buf)) {
                    queue.push_back(next);
                }
            }
        }
    }
    Some(false)
}
