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
use stateright::{Model, Property};

use super::{fingerprint, subsets, PorUse, Progress, Search, SearchOpts};
use crate::engine::bfs::{self, Siblings, StepInto, DIRTY_ALL};
use crate::engine::pack::{Marks, Pack};
use crate::engine::world::{Engine, World};
use crate::engine::Chunked;
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
    /// Whether the graph's edges were kept and searched back ([`explore_back`]); false when
    /// the exploration alone proved the property ([`without_graph`]).
    pub edges_kept: bool,
    /// Whether the safety search itself was that exploration (`search` is then its own),
    /// and no search of the graph part's own was run.
    pub in_safety_search: bool,
    /// The other way round ([`with_safety`]): the safety properties asked for, judged on
    /// this exploration's states, and per property its first discovery (init index,
    /// action indices as the reference model numbers them), the shortest; empty when none
    /// was asked for.
    pub safety: Vec<Option<(usize, Vec<usize>)>>,
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

/// The explored graph: per state, in breadth-first order, whether it has a decision and is
/// judged, its crashed acceptors, and (symmetry on) its acceptor renaming to the class
/// representative. A state's packed bytes are kept only until it is expanded ([`Pending`]),
/// and its fingerprint only while the exploration runs. No parent links: a state's parent
/// is the first source among its reversed edges (see [`parent_of`]).
struct Graph {
    ids: HashMap<u64, u32, ahash::RandomState>,
    pending: Pending,
    /// States so far.
    len: usize,
    /// Per root (the first states): the index of its init state.
    roots: Vec<u32>,
    decided: Vec<bool>,
    judged: Vec<bool>,
    crashed: Vec<u16>,
    /// `acceptors` entries per state: old acceptor index -> representative's.
    renamings: Vec<u8>,
    /// Per state: how many edges come in (for the reversed graph).
    in_degree: Chunked<u32, EDGE_CHUNK>,
    /// Per safety property asked for, the first state (in breadth-first order, so at the
    /// least depth) that violates it.
    firsts: Vec<Option<u32>>,
}

/// What the graph records of a state when it is found.
#[derive(Clone, Copy)]
struct Info {
    decided: bool,
    judged: bool,
    crashed: u16,
    /// Bit `i`: the state violates safety property `i` of those asked for ([`with_safety`]).
    hits: u32,
}

impl Info {
    fn of<'m>(engine: &Engine<'m>, props: &[Property<Engine<'m>>], s: &World) -> Info {
        let model = engine.model;
        let crashed = crashed_acceptors(model, s);
        Info {
            decided: paxos_models::properties::decided_somewhere(&s.obs),
            judged: judged(model, s, crashed),
            crashed,
            hits: bfs::hits(engine, props, s, 0),
        }
    }
}

impl Graph {
    /// Adds init state `s` (its index `init`), packed as `packed`, with its key and renaming.
    #[allow(clippy::too_many_arguments)]
    fn push_root<'m>(
        &mut self,
        engine: &Engine<'m>,
        props: &[Property<Engine<'m>>],
        s: &World,
        packed: &[u8],
        init: usize,
        key: u64,
        renaming: &[u8],
    ) -> u32 {
        assert_eq!(self.roots.len(), self.len, "roots come first");
        self.roots.push(init as u32);
        self.push_packed(packed, &Info::of(engine, props, s), key, renaming)
    }

    fn push_packed(&mut self, packed: &[u8], info: &Info, key: u64, renaming: &[u8]) -> u32 {
        let id = u32::try_from(self.len).expect("fewer than 4 billion graph states");
        self.len += 1;
        self.ids.insert(key, id);
        self.pending.push(packed);
        self.decided.push(info.decided);
        self.judged.push(info.judged);
        self.crashed.push(info.crashed);
        self.renamings.extend_from_slice(renaming);
        self.in_degree.push(0);
        for (i, first) in self.firsts.iter_mut().enumerate() {
            if first.is_none() && info.hits & (1 << i) != 0 {
                *first = Some(id);
            }
        }
        id
    }

    /// Counts one more edge into state `id`.
    fn edge_into(&mut self, id: u32) {
        *self.in_degree.get_mut(id as usize) += 1;
    }
}

/// The parent (state, action index) of state `t` in the breadth-first exploration, from the
/// reversed edges: states were expanded in id order and the reversed edges of a state are
/// listed in source order, so the first one comes from the state that found it. A root has
/// parent `u32::MAX` and its init state's index as action (see [`bfs::path_to`]).
fn parent_of(
    t: usize,
    roots: &[u32],
    rev_off: &[u32],
    rev: &[(u32, u32)],
    labels: &[(u64, u32)],
) -> (u32, u32) {
    if t < roots.len() {
        return (u32::MAX, roots[t]);
    }
    let (source, l) = rev[rev_off[t] as usize];
    (source, labels[l as usize].1)
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
    fn push(&mut self, packed: &[u8]) {
        self.bytes.extend_from_slice(packed);
        self.ends.push_back(self.bytes.len());
    }

    /// Moves the `count` oldest pending states' bytes to `bytes`, each ending at its
    /// `ends` entry.
    fn take_block(&mut self, count: usize, bytes: &mut Vec<u8>, ends: &mut Vec<usize>) {
        bytes.clear();
        ends.clear();
        let from = self.consumed;
        for _ in 0..count {
            let end = self.ends.pop_front().expect("a pending state");
            ends.push(end - from);
            self.consumed = end;
        }
        bytes.extend_from_slice(&self.bytes[from..self.consumed]);
        if self.consumed > 1 << 20 && self.consumed * 2 > self.bytes.len() {
            self.bytes.drain(..self.consumed);
            for e in &mut self.ends {
                *e -= self.consumed;
            }
            self.consumed = 0;
        }
    }
}

/// Entries per chunk of the graph's per-edge and per-state lists.
const EDGE_CHUNK: usize = 1 << 20;

/// States expanded per block of the graph (independent of the thread count).
const GRAPH_BLOCK: usize = 4096;

/// A state's key: its (class) fingerprint and its acceptor renaming.
type Key = (u64, SmallVec<[u8; 16]>);

/// One successor as a block's expansion found it.
struct Found {
    action: u32,
    touches: u16,
    fp: u64,
    renaming: SmallVec<[u8; 16]>,
    /// Not known when the block started: its bytes in the part's arena and what the graph
    /// records of it.
    new: Option<(usize, usize, Info)>,
    /// Known, with its edge's label: (its id, the label's index).
    resolved: Option<(u32, u32)>,
}

/// What a block's expansion reads of the graph as the block started: state ids by key,
/// the states' renamings, and the interned labels.
type Known<'a> = (
    &'a HashMap<u64, u32, ahash::RandomState>,
    &'a [u8],
    &'a HashMap<(u64, u32), u32, ahash::RandomState>,
);

/// The label of an edge that takes a step touching `touches` to a successor renamed by
/// `renaming`, whose class's member is state `id`: succ's acceptor i is the representative's
/// renaming[i], which is the member's acceptor j where the member's own renaming takes j
/// there.
fn edge_label(touches: u16, renaming: &[u8], renamings: &[u8], id: u32, acceptors: usize) -> u64 {
    let member = &renamings[id as usize * acceptors..][..acceptors];
    let mut to_member = [0u8; 16];
    for (i, &r) in renaming.iter().enumerate() {
        to_member[i] = member.iter().position(|&m| m == r).expect("a renaming") as u8;
    }
    label(touches, &to_member[..renaming.len()])
}

/// What one thread's share of a block yields: per state, in order, how many successors it
/// took; the successors in order; and the new ones' packed bytes.
#[derive(Default)]
struct Part {
    states: Vec<usize>,
    succs: Vec<Found>,
    arena: Vec<u8>,
    fully_expanded: u64,
    /// Whether any state had an action (for the depth bound).
    any_action: bool,
}

/// Expands graph states; shared by the threads of a block.
struct Expander<'a> {
    engine: &'a Engine<'a>,
    /// The safety properties judged on each new state ([`with_safety`]).
    props: &'a [Property<Engine<'a>>],
    symmetric: bool,
    identity: &'a SmallVec<[u8; 16]>,
    cut_nodes: &'a [u16],
    acceptors: usize,
}

impl Expander<'_> {
    /// `s`'s key (its class and renaming with symmetry); leaves `s`'s packed bytes in `buf`.
    /// `s` is the state packed as `parent` (unpacked with `marks`) stepped by a step that
    /// left `mark` ([`Pack::pack_step_into`]: what the step left alone is copied from
    /// `parent`; `DIRTY_ALL` packs it whole).
    fn key(
        &self,
        s: &World,
        (parent, marks, mark): (&[u8], &Marks, usize),
        buf: &mut Vec<u8>,
        memo: &mut crate::engine::Memo<Key>,
    ) -> Key {
        buf.clear();
        self.engine.pack_step_into(s, parent, marks, mark, buf);
        if self.symmetric {
            memo.class(buf, || {
                let (fp, acc) = self.engine.canonical(s);
                (fp, acc.into_iter().map(|x| x as u8).collect())
            })
        } else {
            (fingerprint(&buf[..]), self.identity.clone())
        }
    }

    /// Expands the states `range` of a block (`bytes`, `ends`), against `ids` as they were
    /// when the block started; `level_end`: the first id after the level being expanded.
    #[allow(clippy::too_many_arguments)]
    fn expand(
        &self,
        (ids, renamings, labels): Known,
        level_end: usize,
        bytes: &[u8],
        ends: &[usize],
        range: std::ops::Range<usize>,
        mut part: Part,
        memo: &mut crate::engine::Memo<Key>,
    ) -> Part {
        let engine = self.engine;
        let model = engine.model;
        part.states.clear();
        part.succs.clear();
        part.arena.clear();
        part.fully_expanded = 0;
        part.any_action = false;
        let mut actions = Vec::new();
        let mut buf = Vec::new();
        // The stubborn successors, each with where its packed bytes are in `stubborn_bytes`
        // (`key` packs each); the i-th one's world is `stubborn_worlds[i]`, where
        // `Por::successors_for_cuts_into` stepped it (reused from state to state).
        let mut stubborn: Vec<(usize, Key, std::ops::Range<usize>)> = Vec::new();
        let mut stubborn_worlds: Vec<World> = Vec::new();
        let mut stubborn_bytes: Vec<u8> = Vec::new();
        let mut scratch: Option<World> = None;
        // What the scratch world needs put back to hold the state being expanded.
        let mut dirty = DIRTY_ALL;
        let mut siblings = Siblings::new();
        for i in range {
            let start = if i == 0 { 0 } else { ends[i - 1] };
            let packed = &bytes[start..ends[i]];
            let (state, marks) = siblings.unpack(engine, engine, packed, &mut dirty);
            actions.clear();
            engine.actions(state, &mut actions);
            part.any_action |= !actions.is_empty();
            // The successors taken: a stubborn set's, unless one of them leads back to a
            // level already explored (the cycle proviso), or every one.
            stubborn.clear();
            stubborn_bytes.clear();
            let mut full = true;
            if let Some(p) = &engine.por {
                let found = p.successors_for_cuts_into(
                    engine,
                    state,
                    &actions,
                    self.cut_nodes,
                    &mut stubborn_worlds,
                );
                for (&(a, mark), w) in found.iter().zip(&stubborn_worlds) {
                    let k = self.key(w, (packed, marks, mark), &mut buf, memo);
                    let start = stubborn_bytes.len();
                    stubborn_bytes.extend_from_slice(&buf);
                    stubborn.push((a, k, start..stubborn_bytes.len()))
                }
                full = stubborn
                    .iter()
                    .any(|(_, (k, _), _)| ids.get(k).is_some_and(|&id| (id as usize) < level_end));
                part.fully_expanded += full as u64;
            }
            let first = part.succs.len();
            // `packed`: `succ` as `key` packed it.
            let take =
                |part: &mut Part, a: usize, succ: &World, packed: &[u8], (fp, renaming): Key| {
                    let touches = touched(model, &actions[a]);
                    let mut resolved = None;
                    let mut new = None;
                    match ids.get(&fp) {
                        Some(&id) => {
                            // Known: its edge is made here, unless its label is new.
                            let l = edge_label(touches, &renaming, renamings, id, self.acceptors);
                            resolved = labels.get(&(l, a as u32)).map(|&l| (id, l));
                        }
                        None => {
                            let start = part.arena.len();
                            part.arena.extend_from_slice(packed);
                            new =
                                Some((start, part.arena.len(), Info::of(engine, self.props, succ)));
                        }
                    }
                    part.succs.push(Found {
                        action: a as u32,
                        touches,
                        fp,
                        renaming,
                        new,
                        resolved,
                    });
                };
            if full {
                // The stubborn successors already stepped (in action order) are taken as
                // they are; every other action is stepped now, in action order.
                let mut kept = stubborn.drain(..).zip(&stubborn_worlds).peekable();
                for (a, action) in actions.iter().enumerate() {
                    if let Some(((_, k, at), succ)) = kept.next_if(|((k, _, _), _)| *k == a) {
                        take(&mut part, a, succ, &stubborn_bytes[at], k);
                    } else {
                        let into = scratch.get_or_insert_with(|| state.clone());
                        if engine.step_into_again(state, action.clone(), into, &mut dirty) {
                            let k = self.key(into, (packed, marks, dirty), &mut buf, memo);
                            take(&mut part, a, into, &buf, k);
                        }
                    }
                }
            } else {
                for ((a, k, at), succ) in stubborn.drain(..).zip(&stubborn_worlds) {
                    take(&mut part, a, succ, &stubborn_bytes[at], k);
                }
            }
            part.states.push(part.succs.len() - first);
        }
        part
    }
}

/// Edge labels interned: an edge keeps a 32-bit index into the few distinct (label, action
/// index) pairs.
#[derive(Default)]
struct Labels {
    table: Vec<(u64, u32)>,
    index: HashMap<(u64, u32), u32, ahash::RandomState>,
}

impl Labels {
    fn intern(&mut self, label: u64, action: u32) -> u32 {
        let next = self.table.len() as u32;
        *self.index.entry((label, action)).or_insert_with(|| {
            self.table.push((label, action));
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
///
/// First the graph is not built at all ([`without_graph`]): where the explored space has no
/// cycle and every state keeps a step under every cut or has a decision, that search alone
/// proves the property, in the memory of the safety search. Otherwise the graph is built.
pub fn stays_reachable(
    model: &PaxosModel,
    symmetry: bool,
    por: bool,
    cut_off: bool,
    opts: &SearchOpts,
    progress: &mut dyn FnMut(&Progress),
) -> Reach {
    let reduce = por && model.cfg().crashes_max == 0;
    if let Some((mut reach, stray)) =
        without_graph(model, symmetry, reduce, cut_off, opts, progress)
    {
        if por && !reduce {
            reach.por = PorUse::graph_with_crashes();
        }
        if !(reduce && stray && reach.search.complete) {
            return reach;
        }
        if let Some((mut again, _)) = without_graph(model, symmetry, false, cut_off, opts, progress)
        {
            again.por = PorUse::stray_send();
            return again;
        }
    }
    by_graph(model, symmetry, por, cut_off, opts, progress)
}

/// [`stays_reachable`] with the graph built, for a space [`without_graph`] found wanting
/// (a cycle, or a state that may be stuck).
pub fn by_graph(
    model: &PaxosModel,
    symmetry: bool,
    por: bool,
    cut_off: bool,
    opts: &SearchOpts,
    progress: &mut dyn FnMut(&Progress),
) -> Reach {
    if !por {
        return explore_back(model, symmetry, false, cut_off, opts, progress).0;
    }
    if model.cfg().crashes_max > 0 {
        let mut reach = explore_back(model, symmetry, false, cut_off, opts, progress).0;
        reach.por = PorUse::graph_with_crashes();
        return reach;
    }
    let (reach, stray) = explore_back(model, symmetry, true, cut_off, opts, progress);
    let violated = reach.search.discoveries[0].is_some();
    if !(stray || violated) || !reach.search.complete {
        return reach;
    }
    let mut again = explore_back(model, symmetry, false, cut_off, opts, progress).0;
    again.por = if stray {
        PorUse::stray_send()
    } else {
        PorUse::UsedTracesRefound(again.search.unique)
    };
    again
}

/// The graph part in a world with crashes, with the safety properties `props` judged on
/// the same exploration: the check's one search of such a world. There the graph is not
/// partial-order reduced (crashes change which states are judged along the way), and the
/// safety search, whose stubborn sets are cut short by the cycle proviso at every crash and
/// restart, explored nearly the same space again (1,748,840 classes against the graph's
/// 1,778,474 on `dueling-crash-restart`). Every first discovery is at its least depth: the
/// exploration is breadth-first and unreduced but for symmetry and dead-message pruning,
/// which keep every state's least depth. With `por` asked for, the graph's reduction is
/// reported set aside, as [`by_graph`] reports it.
pub fn with_safety(
    model: &PaxosModel,
    symmetry: bool,
    por: bool,
    cut_off: bool,
    props: &[Property<PaxosModel>],
    opts: &SearchOpts,
    progress: &mut dyn FnMut(&Progress),
) -> Reach {
    let mut reach =
        match without_graph_judging(model, symmetry, false, cut_off, props, opts, progress) {
            Some((reach, _)) => reach,
            None => explore_back_judging(model, symmetry, false, cut_off, props, opts, progress).0,
        };
    if por {
        reach.por = PorUse::graph_with_crashes();
    }
    reach
}

/// [`by_graph`] with partial-order reduction, for a world without crashes where the
/// safety search found a state stuck for certain ([`Judged::Stuck`]): the reduced graph
/// would find the violation and be searched again whole for its shortest path, so the
/// whole graph is searched at once. Its partial-order reduction is reported as used for the
/// verdict, the trace found again without it. (A bound that stops this search leaves the
/// verdict inconclusive, as it would the search again in [`by_graph`].)
pub fn shortest_stuck(
    model: &PaxosModel,
    symmetry: bool,
    cut_off: bool,
    opts: &SearchOpts,
    progress: &mut dyn FnMut(&Progress),
) -> Reach {
    let (mut reach, _) = explore_back(model, symmetry, false, cut_off, opts, progress);
    debug_assert!(
        !reach.search.complete || reach.search.discoveries[0].is_some(),
        "a state stuck for certain is a violation"
    );
    reach.por = PorUse::UsedTracesRefound(reach.search.unique);
    reach
}

/// The cuts judged (bitmasks of acceptor indices, none first, then every set of f
/// acceptors when `cut_off`) and the same as bitmasks of node ids.
pub fn cuts_of(model: &PaxosModel, cut_off: bool) -> (Vec<u16>, Vec<u16>) {
    let cfg = model.cfg();
    let acceptors = cfg.acceptors;
    let f = cfg.acceptor_faults_tolerated();
    let mut cuts = vec![0u16];
    if f > 0 && cut_off {
        cuts.extend(subsets(acceptors, f));
    }
    let cut_nodes = cuts
        .iter()
        .map(|&c| {
            (0..acceptors)
                .filter(|&i| c & (1 << i) != 0)
                .fold(0u16, |m, i| m | 1 << cfg.id_of(Role::Acceptor, i))
        })
        .collect();
    (cuts, cut_nodes)
}

/// [`without_graph`]'s judge of one expanded state `w`, by the steps `taken` from it
/// (action index, whether the step goes back to this level or an earlier one): it has a
/// decision, or no step goes back (unless every path is known to be finite: `acyclic`,
/// see [`crate::engine::dead::Dead::acyclic`]) and every cut (acceptor bitmasks, none
/// included) leaves a step taken that touches none of its acceptors.
pub fn keeps_a_step(
    model: &PaxosModel,
    cuts: &[u16],
    w: &World,
    actions: &[Action],
    taken: &[(usize, bool)],
    acyclic: bool,
) -> bool {
    paxos_models::properties::decided_somewhere(&w.obs)
        || ((acyclic || taken.iter().all(|&(_, back)| !back))
            && cuts.iter().all(|&cut| {
                taken
                    .iter()
                    .any(|&(a, _)| touched(model, &actions[a]) & cut == 0)
            }))
}

/// What the judge of an exploration ([`keeps_a_step`]) made of the states it expanded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Judged {
    /// Every state passed: with no cycle, the property holds on the space explored.
    Fine,
    /// A state failed: a possible cycle, or a state that may be stuck; only the graph can
    /// tell.
    Wanting,
    /// A state is stuck for certain ([`surely_stuck`]): the property is violated, and the
    /// graph is needed only for the shortest path to such a state.
    Stuck,
}

/// Whether `w`, a state [`keeps_a_step`] found wanting in a world without crashes, is stuck
/// for certain: it has no decision and some cut (acceptor bitmasks, none included) leaves
/// no step taken from it. The steps taken are every step, or a stubborn set widened for the
/// cuts, which holds a step that survives each cut whenever the state has one
/// (`Por::successors_for_cuts`); so the state has no such step in the whole space either,
/// and with that cut nothing at all can happen from it: no decision is reachable. (With
/// crashes, which states and cuts are judged depends on who is down: never certain here.)
pub fn surely_stuck(
    model: &PaxosModel,
    cuts: &[u16],
    w: &World,
    actions: &[Action],
    taken: &[(usize, bool)],
) -> bool {
    model.cfg().crashes_max == 0
        && judged(model, w, crashed_acceptors(model, w))
        && !paxos_models::properties::decided_somewhere(&w.obs)
        && cuts.iter().any(|&cut| {
            taken
                .iter()
                .all(|&(a, _)| touched(model, &actions[a]) & cut != 0)
        })
}

/// The graph part proven without a graph, when the explored space allows it. It is the
/// breadth-first safety engine (one fingerprint and one parent link per state, no edges)
/// exploring what [`explore_back`] would (the same symmetry classes, the same stubborn
/// sets widened for the cuts), and judging each state by the steps it took:
/// - every step goes to a state of the next level, never to one of its own level or an
///   earlier one: then no cycle is explored (a cycle needs such a step), and
/// - every state without a decision keeps, with nothing cut off and with every cut, a step
///   that touches no acceptor of the cut.
///
/// Then a decision is reachable from every state with every cut: follow the steps that
/// survive the cut; without a cycle, in a finite space, the walk ends, and only at a state
/// with a decision. (With symmetry the walk is over classes; the cuts are all sets of f
/// acceptors, so a cut renamed is a cut, and the walk lifts to the states.) That is the
/// verdict the backward search gives on the same graph, for the judged states and for all
/// the others. `None` when a state fails either test: a cycle, or a state that may be
/// stuck, which only the graph can judge (and whose shortest path only it finds); the
/// search stops there. Also whether a step sent outside `Rules::may_send`.
pub fn without_graph(
    model: &PaxosModel,
    symmetry: bool,
    por: bool,
    cut_off: bool,
    opts: &SearchOpts,
    progress: &mut dyn FnMut(&Progress),
) -> Option<(Reach, bool)> {
    without_graph_judging(model, symmetry, por, cut_off, &[], opts, progress)
}

/// [`without_graph`], judging `props` (safety properties) on every state it explores
/// ([`with_safety`]); only without partial-order reduction.
fn without_graph_judging(
    model: &PaxosModel,
    symmetry: bool,
    por: bool,
    cut_off: bool,
    props: &[Property<PaxosModel>],
    opts: &SearchOpts,
    progress: &mut dyn FnMut(&Progress),
) -> Option<(Reach, bool)> {
    assert!(
        props.is_empty() || !por,
        "a reduced search's discoveries need not be the shortest"
    );
    let cuts = cuts_of(model, cut_off);
    let opts = SearchOpts {
        stop_when_all_found: false,
        stop_when_any_found: false,
        ..opts.clone()
    };
    let (mut search, stray, fine) = super::engine_search(
        model,
        symmetry,
        por,
        false,
        props,
        &opts,
        progress,
        Some(&cuts),
        true,
    );
    if fine != Some(Judged::Fine) {
        return None;
    }
    let safety = std::mem::replace(&mut search.discoveries, vec![None]);
    let reach = Reach {
        search,
        cut: 0,
        cuts: cuts.0.len() - 1,
        por: if por { PorUse::Used } else { PorUse::Off },
        edges_kept: false,
        in_safety_search: false,
        safety,
    };
    Some((reach, stray))
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
    progress: &mut dyn FnMut(&Progress),
) -> (Reach, bool) {
    explore_back_judging(model, symmetry, por, cut_off, &[], opts, progress)
}

/// [`explore_back`], judging `props` (safety properties) on every state it explores
/// ([`with_safety`]): only without partial-order reduction, whose graph is the whole space,
/// so each first discovery is at its least depth.
fn explore_back_judging(
    model: &PaxosModel,
    symmetry: bool,
    por: bool,
    cut_off: bool,
    props: &[Property<PaxosModel>],
    opts: &SearchOpts,
    progress: &mut dyn FnMut(&Progress),
) -> (Reach, bool) {
    assert!(
        props.is_empty() || !por,
        "a reduced graph's discoveries need not be the shortest"
    );
    let started = Instant::now();
    let mut last_report = started;
    let cfg = model.cfg();
    let acceptors = cfg.acceptors;
    let symmetric = symmetry && model.symmetric();
    let identity: SmallVec<[u8; 16]> = (0..acceptors as u8).collect();
    // The step function is the packed-state engine's (the same successors as the model's).
    let engine = Engine::for_search(model, por);
    let engine_props = super::engine_props(&engine, props);
    let (cuts, cut_nodes) = cuts_of(model, cut_off);
    let mut g = Graph {
        ids: HashMap::with_hasher(ahash::RandomState::with_seeds(1, 2, 3, 4)),
        pending: Pending::default(),
        len: 0,
        roots: Vec::new(),
        decided: Vec::new(),
        judged: Vec::new(),
        crashed: Vec::new(),
        renamings: Vec::new(),
        in_degree: Chunked::new(),
        firsts: vec![None; props.len()],
    };
    let expander = Expander {
        engine: &engine,
        props: &engine_props,
        symmetric,
        identity: &identity,
        cut_nodes: &cut_nodes,
        acceptors,
    };
    // Per state its out-edges, in `offsets` order: the target and its interned label.
    let mut edges: Chunked<(u32, u32), EDGE_CHUNK> = Chunked::new();
    let mut labels = Labels::default();
    let mut offsets: Chunked<u32, EDGE_CHUNK> = Chunked::new();
    offsets.push(0);
    let mut states = 0u64;
    let mut complete = true;
    let mut fully_expanded = 0u64;
    let mut buf = Vec::new();
    // Keys already computed, one table per thread (see `crate::engine::Memo`).
    let mut memos: Vec<crate::engine::Memo<Key>> = vec![crate::engine::Memo::default()];
    for (i, s) in engine.init_states().into_iter().enumerate() {
        states += 1;
        // `key` leaves the state's packed bytes in `buf`.
        let (k, renaming) =
            expander.key(&s, (&[], &Marks::new(), DIRTY_ALL), &mut buf, &mut memos[0]);
        if !g.ids.contains_key(&k) {
            g.push_root(&engine, &engine_props, &s, &buf, i, k, &renaming);
        }
    }
    let threads = opts.threads.max(1);
    let mut next = 0usize;
    let mut depth = 0usize;
    let mut block_bytes: Vec<u8> = Vec::new();
    // Parts' buffers, reused from block to block.
    let mut spare: Vec<Part> = Vec::new();
    let mut block_ends: Vec<usize> = Vec::new();
    'levels: while next < g.len {
        // One level at a time, in blocks; a block's states are expanded on `threads`
        // threads against the states known when it starts, then merged in state order, so
        // the graph (ids, edges, the proviso's choices) is the same at any thread count.
        let level_end = g.len;
        let at_bound = opts.depth_max.is_some_and(|d| depth >= d);
        while next < level_end {
            if opts.must_stop(g.len, true) {
                complete = false;
                break 'levels;
            }
            let count = GRAPH_BLOCK.min(level_end - next);
            g.pending
                .take_block(count, &mut block_bytes, &mut block_ends);
            let known: Known = (&g.ids, &g.renamings, &labels.index);
            let parts_count = count.div_ceil(crate::engine::PART);
            let parts: Vec<Part> = crate::engine::run_parts_with(
                threads,
                parts_count,
                &mut spare,
                &mut memos,
                |p, buffers, memo| {
                    let from = p * crate::engine::PART;
                    let to = (from + crate::engine::PART).min(count);
                    expander.expand(
                        known,
                        level_end,
                        &block_bytes,
                        &block_ends,
                        from..to,
                        buffers,
                        memo,
                    )
                },
            );
            if at_bound {
                if parts.iter().any(|p| p.any_action) {
                    // Successors beyond the depth bound: the graph is not the whole space.
                    complete = false;
                    break 'levels;
                }
                next += count;
                continue;
            }
            for part in parts {
                fully_expanded += part.fully_expanded;
                let mut succs = part.succs.iter();
                for &taken in &part.states {
                    for succ in succs.by_ref().take(taken) {
                        states += 1;
                        if let Some((id, l)) = succ.resolved {
                            edges.push((id, l));
                            g.edge_into(id);
                            continue;
                        }
                        let id = match g.ids.get(&succ.fp) {
                            Some(&id) => id,
                            None => {
                                let (start, end, ref info) = *succ
                                    .new
                                    .as_ref()
                                    .expect("a state unknown at expansion is packed");
                                g.push_packed(
                                    &part.arena[start..end],
                                    info,
                                    succ.fp,
                                    &succ.renaming,
                                )
                            }
                        };
                        let l =
                            edge_label(succ.touches, &succ.renaming, &g.renamings, id, acceptors);
                        edges.push((id, labels.intern(l, succ.action)));
                        g.edge_into(id);
                    }
                    offsets.push(
                        u32::try_from(edges.len())
                            .expect("fewer than 4 billion edges in the graph"),
                    );
                }
                spare.push(part);
            }
            next += count;
            if last_report.elapsed().as_secs_f64() >= 1.0 {
                last_report = Instant::now();
                progress(&Progress {
                    states,
                    unique: g.len as u64,
                    depth: depth + 1,
                    seconds: started.elapsed().as_secs_f64(),
                });
            }
        }
        if at_bound {
            break;
        }
        if g.len > level_end {
            depth += 1;
        }
    }
    if engine.dead_escaped() {
        // A node left out of the dead-message analysis sent what it did not foresee: explore
        // again, unpruned (see `crate::engine::dead`).
        drop((g, edges));
        return explore_back_judging(model, symmetry, por, cut_off, props, opts, progress);
    }
    let n = g.len;
    // The exploration is over: fingerprints and pending bytes are no longer needed.
    drop(std::mem::take(&mut g.ids));
    drop(std::mem::take(&mut g.pending));
    let stray = engine.stray_send();
    let reference = |(init, path): (usize, Vec<usize>)| (init, engine.reference_path(init, &path));
    let done = |stuck: Option<(usize, Vec<usize>)>,
                cut: u16,
                complete: bool,
                safety: Vec<Option<(usize, Vec<usize>)>>| {
        let reach = Reach {
            por: if por { PorUse::Used } else { PorUse::Off },
            search: Search {
                states,
                unique: n as u64,
                depth,
                seconds: started.elapsed().as_secs_f64(),
                complete,
                discoveries: vec![stuck.map(reference)],
                peak_bytes: None,
                fully_expanded: por.then_some(fully_expanded),
                dead: engine.dead_use(),
                levels: Vec::new(),
            },
            cut,
            cuts: cuts.len() - 1,
            edges_kept: true,
            in_safety_search: false,
            safety,
        };
        (reach, stray)
    };
    if !complete && g.firsts.iter().all(Option::is_none) {
        return done(None, 0, false, vec![None; props.len()]);
    }
    // Reversed edges, with their labels: (source, label index) grouped by target, each
    // target's in source order. Forward chunks are freed as they are read, and the reversed
    // list is written into zeroed pages the kernel maps only when first written, so the two
    // together take little more than one of them.
    let mut rev_off = vec![0u32; n + 1];
    for t in 0..n {
        rev_off[t + 1] = rev_off[t] + g.in_degree.get(t);
    }
    drop(std::mem::take(&mut g.in_degree));
    let mut fill = rev_off.clone();
    let mut rev = vec![(0u32, 0u32); edges.len()];
    let mut source = 0usize;
    let mut e = 0usize;
    for chunk in edges.into_chunks() {
        for (t, l) in chunk {
            while offsets.get(source + 1) as usize <= e {
                source += 1;
            }
            rev[fill[t as usize] as usize] = (source as u32, l);
            fill[t as usize] += 1;
            e += 1;
        }
    }
    drop((offsets, fill));
    let labels = labels.table;
    let parent = |j: usize| parent_of(j, &g.roots, &rev_off, &rev, &labels);
    // A violation found before a bound stopped the exploration is one all the same.
    let safety: Vec<_> = g
        .firsts
        .iter()
        .map(|first| first.map(|s| reference(bfs::path_to(parent, s))))
        .collect();
    if !complete {
        return done(None, 0, false, safety);
    }
    // Backward over (state, cut) pairs: `can[s * k + c]`, c indexing `cuts`.
    let k = cuts.len();
    let mut cut_index = vec![u8::MAX; 1 << acceptors];
    for (c, &m) in cuts.iter().enumerate() {
        cut_index[m as usize] = c as u8;
    }
    // A bit per pair, and a stack of pairs (`s * k + c`) still to search back from.
    let pairs = n * k;
    let pair_id = |p: usize| u32::try_from(p).expect("fewer than 4 billion (state, cut) pairs");
    let mut can = vec![0u64; pairs.div_ceil(64)];
    let has = |can: &[u64], p: usize| can[p / 64] & 1 << (p % 64) != 0;
    let mut queue: Vec<u32> = Vec::new();
    for s in (0..n).filter(|&s| g.decided[s]) {
        for c in 0..k {
            let p = s * k + c;
            can[p / 64] |= 1 << (p % 64);
            queue.push(pair_id(p));
        }
    }
    while let Some(p) = queue.pop() {
        let (t, c) = (p as usize / k, p as usize % k);
        let cut_after = cuts[c];
        for &(s, l) in &rev[rev_off[t] as usize..rev_off[t + 1] as usize] {
            let l = labels[l as usize].0;
            let cut = cut_before(l, cut_after, acceptors);
            if (l as u16) & cut != 0 {
                continue;
            }
            let c = cut_index[cut as usize];
            let pair = s as usize * k + c as usize;
            if !has(&can, pair) {
                can[pair / 64] |= 1 << (pair % 64);
                queue.push(pair_id(pair));
            }
        }
    }
    let stuck = (0..n).filter(|&s| g.judged[s]).find_map(|s| {
        (0..k)
            .find(|&c| {
                let judged = c == 0 || cfg.restarts || g.crashed[s] & !cuts[c] == 0;
                judged && !has(&can, s * k + c)
            })
            .map(|c| (s, cuts[c]))
    });
    match stuck {
        Some((s, cut)) => done(Some(bfs::path_to(parent, s as u32)), cut, true, safety),
        None => done(None, 0, true, safety),
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
