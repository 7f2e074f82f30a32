//! Dead-message pruning: a message in flight that its receiver will ignore in every state
//! it can still reach is taken off the network.
//!
//! On an unordered network a delivery that changes nothing is no step, so a message its
//! receiver ignores stays in flight for ever, and every state is split by which stale
//! messages happen to linger: a `Prepare` below an acceptor's promise, a `Promise` for a
//! ballot its proposer has left behind, an `Accepted` to a learner that has decided. Those
//! states have the same futures. A world with the *dead* messages removed is bisimilar to
//! the world with them: every step of one is a step of the other, with the same action and
//! equivalent results (a dead message stays dead, by definition), except a `Drop` of a dead
//! message, which leads to the pruned world itself. Every property reads node states and
//! the harness's observations, never the network, so verdicts agree; and since no step is
//! added and only drops of dead messages are removed, every state keeps its least depth, so
//! breadth-first traces stay the shortest.
//!
//! Which messages are dead is computed, not declared, so a user's variant gets it right with
//! no hook: each node is explored *alone* ([`Dead::analyse`]), from its initial state, over
//! every message any node could ever send it, every timeout, crash and restart the world
//! allows, running the very handlers the search runs. The messages a node can be sent are
//! found at the same time (a fixpoint over the nodes: a send seen in one node's exploration
//! joins its receiver's inputs), so every state a node reaches in the whole world is one
//! its lone exploration reached, under an input that exploration tried. A message is dead
//! in a local state when no local state reachable from it delivers it as a step (a crashed
//! node delivers nothing). That is an over-approximation of the node's futures, so "dead"
//! is safe: it may call a message live that the real world never delivers, never the
//! reverse.
//!
//! A search that reduces by symmetry has its proposers and learners explored a class of
//! local states at a time ([`Dead::analyse_by_classes`]): renaming the acceptors in a
//! learner's votes or a proposer's promise set gives a local state that steps as the first
//! does under the inputs renamed alike, when the rules treat acceptors alike (what the
//! symmetry reduction rests on too). One member of each class is explored and every member
//! gets its row (four-acceptors' learner under write-once-acceptor: 14,643 local states
//! judged, 784 explored).
//!
//! A node whose lone exploration passes [`NODE_STATES_MAX`] local states (a learner or store
//! replica takes any subset of the votes it may be sent: 2^16 states and more) is *left
//! out*: its exploration stops there, no message to it is ever pruned, and what it sends is
//! known only as far as that exploration went. So the search watches it: a send by a
//! left-out node of a message its (analysed) receiver's exploration never tried
//! *escapes* the analysis ([`Dead::sent`]), every later search of the model runs unpruned,
//! and the search that saw it is run again unpruned ([`Dead::escaped`]). Every state
//! expanded before it is pruned soundly (an analysed node's real states stay within its
//! exploration as long as every message it is sent was tried), and a breadth-first search
//! expands whole blocks in a fixed order, so whether a search saw an escape does not
//! depend on its thread count.
//!
//! Left out where it does not apply: on an ordered network a delivery that changes nothing
//! still takes the message off its flow (it is a step there), and a world whose lone
//! explorations pass [`LOCAL_STATES_MAX`] states together sets the pruning aside. Nothing
//! is pruned then; the search says why.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};

use paxos_models::model::{Action, Mode};
use paxos_models::node::Storage;
use paxos_models::{Delivery, Msg, NodeState, Timer};
use stateright::actor::{ActorModelAction, Id};
use stateright::Model;

use super::world::{Engine, Flight, World};
use super::{fingerprint, FpMap};

/// Most local states of all nodes' lone explorations together; past it, no pruning.
pub const LOCAL_STATES_MAX: usize = 400_000;

/// Most local states of one node's lone exploration; past it the node is left out (see the
/// module doc). Above the 264,966 of the `kv-store` replica: leaving a node out costs its
/// pruning and the proof that every path is finite (`kv-store`'s check with its replica left
/// out searches 2,665,061 classes and a graph of its own, 56 CPU-seconds, against 175,425
/// classes and 2 with it, measured 2026-12-07), so it is for the world whose one node would
/// otherwise set the pruning aside for all.
pub const NODE_STATES_MAX: usize = 300_000;

/// Node `j`'s local state in `w`: its state, storage, retry timer and whether it is
/// crashed (everything of the world its handlers read).
fn local_part(w: &World, j: usize) -> (&NodeState, &Option<Storage>, bool, bool) {
    (
        &w.nodes[j],
        &w.storages[j],
        w.timers & (1 << j) != 0,
        w.crashed & (1 << j) != 0,
    )
}

/// The fingerprint of node `j`'s local state in `w` ([`local_part`]).
pub fn local_key(w: &World, j: usize) -> u64 {
    fingerprint(&local_part(w, j))
}

/// Records that node `dst` may be sent `msg` by `src`, numbering it if new.
fn learn(
    known: &mut [BTreeSet<(u8, Msg)>],
    inputs: &mut [Vec<(u8, Msg)>],
    dst: u8,
    src: u8,
    msg: Msg,
) {
    if known[dst as usize].insert((src, msg)) {
        inputs[dst as usize].push((src, msg));
    }
}

/// One node's table: which of the messages it may be sent are dead in which local state.
struct Table {
    /// (sender, message) -> bit.
    inputs: HashMap<(u8, Msg), u32, ahash::RandomState>,
    /// Local state ([`local_key`]) -> its row.
    rows: FpMap<u32>,
    /// 64-bit words a row takes.
    words: usize,
    /// Row after row: bit set = dead in that local state.
    dead: Vec<u64>,
}

impl Table {
    /// Whether input `bit` is dead in row `row`.
    fn dead_at(&self, row: u32, bit: u32) -> bool {
        self.dead[row as usize * self.words + bit as usize / 64] & (1 << (bit % 64)) != 0
    }

    /// Whether `other` holds every local state and input of this table and judges every
    /// input alike in every local state of it, however each numbered them (an exploration
    /// reduced by [`Renamings`] numbers rows and inputs in another order).
    fn within(&self, other: &Table) -> bool {
        self.rows.iter().all(|(key, &row)| {
            other.rows.get(key).is_some_and(|&their| {
                self.inputs.iter().all(|(m, &bit)| {
                    other
                        .inputs
                        .get(m)
                        .is_some_and(|&b| self.dead_at(row, bit) == other.dead_at(their, b))
                })
            })
        }) && self.inputs.keys().all(|m| other.inputs.contains_key(m))
    }
}

/// Two tables are the same when each holds the other ([`Table::within`]).
impl PartialEq for Table {
    fn eq(&self, other: &Table) -> bool {
        self.rows.len() == other.rows.len()
            && self.inputs.len() == other.inputs.len()
            && self.within(other)
    }
}

/// The dead messages of every node's every local state (see the module doc).
pub struct Dead {
    tables: Vec<Table>,
    /// Local states judged, all nodes together.
    pub local_states: usize,
    /// Of those, the local states explored: fewer when proposers and learners were explored
    /// a class at a time ([`Dead::analyse_by_classes`]).
    pub explored: usize,
    /// (sender, message) pairs some node may be sent, all nodes together.
    pub inputs: usize,
    /// Whether every path of the world is finite, proven from the lone explorations (see
    /// [`acyclic`]): then its state graph has no cycle, pruned or not, reduced or not.
    pub acyclic: bool,
    /// The nodes (bitmask) left out past `node_states_max` local states.
    pub left_out: u16,
    /// The bound on one node's local states ([`NODE_STATES_MAX`] unless a test lowers it).
    pub node_states_max: usize,
    /// Set when a left-out node sent a message its receiver's exploration never tried.
    escaped: AtomicBool,
    /// The left-out nodes' names (`l1`), for what the search reports.
    pub left_out_names: Vec<String>,
}

/// Two analyses are the same when they explored as many local states and inputs, found the
/// same nodes left out and the same paths finite, and number and judge every local state and
/// input alike (the thread count an analysis ran on never changes that).
impl PartialEq for Dead {
    fn eq(&self, other: &Dead) -> bool {
        self.tables == other.tables
            && self.local_states == other.local_states
            && self.inputs == other.inputs
            && self.acyclic == other.acyclic
            && self.left_out == other.left_out
            && self.node_states_max == other.node_states_max
    }
}

/// Node `j`'s own part of a world ([`local_part`], owned): what its lone exploration keeps
/// per local state, a tenth of a world or less.
#[derive(Clone)]
struct Part {
    node: NodeState,
    storage: Option<Storage>,
    timer: bool,
    crashed: bool,
}

impl Part {
    fn of(w: &World, j: usize) -> Part {
        let (node, storage, timer, crashed) = local_part(w, j);
        Part {
            node: node.clone(),
            storage: storage.clone(),
            timer,
            crashed,
        }
    }

    fn as_tuple(&self) -> (&NodeState, &Option<Storage>, bool, bool) {
        (&self.node, &self.storage, self.timer, self.crashed)
    }

    /// Its [`local_key`].
    fn key(&self) -> u64 {
        fingerprint(&self.as_tuple())
    }

    /// Writes this part into node `j`'s place in `w`.
    fn put(&self, w: &mut World, j: usize) {
        w.nodes[j].clone_from(&self.node);
        w.storages[j].clone_from(&self.storage);
        w.timers = (w.timers & !(1 << j)) | (self.timer as u16) << j;
        w.crashed = (w.crashed & !(1 << j)) | (self.crashed as u16) << j;
    }
}

/// The renamings of acceptors that leave the world as it is, the identity first: every
/// permutation of the acceptors when the rules treat them alike ([`PaxosModel::symmetric`]),
/// keeping the acceptors a witness holds down. A proposer or learner that names acceptors
/// in its state (a promise set, votes) reaches every renaming of a local state it reaches,
/// under the inputs renamed alike, and a message is dead in one exactly when its renaming is
/// dead in the other; so its lone exploration explores one local state per class and its
/// table holds every member of each (dueling's learner: 16,386 local states, 2,797
/// explored).
///
/// [`PaxosModel::symmetric`]: paxos_models::PaxosModel::symmetric
struct Renamings {
    /// Per renaming, old acceptor index -> new.
    perms: Vec<paxos_models::symmetry::Small<usize>>,
    /// The first acceptor's node id.
    first: usize,
}

/// Most acceptors whose renamings are enumerated (6! = 720 of them).
const RENAMED_ACCEPTORS_MAX: usize = 6;

impl Renamings {
    /// The renamings of `model`'s acceptors (the identity alone when `symmetric` is off).
    fn of(model: &paxos_models::PaxosModel, symmetric: bool) -> Renamings {
        let cfg = model.cfg();
        let a = cfg.acceptors;
        let identity: paxos_models::symmetry::Small<usize> = (0..a).collect();
        let mut perms = vec![identity.clone()];
        if symmetric && model.symmetric() && (2..=RENAMED_ACCEPTORS_MAX).contains(&a) {
            let down = match model.mode {
                Mode::Witness { down } => down,
                Mode::Faults => 0,
            };
            let mut p = identity.clone();
            // Every permutation in lexicographic order, the identity first.
            while next_permutation(&mut p) {
                if (0..a).all(|i| (down >> i & 1) == (down >> p[i] & 1)) {
                    perms.push(p.clone());
                }
            }
        }
        Renamings {
            perms,
            first: cfg.proposers,
        }
    }

    /// How many renamings node `j`'s lone exploration is reduced by: all for a proposer or
    /// learner (a renaming moves no other node), none (the identity) for the rest.
    fn group(&self, model: &paxos_models::PaxosModel, j: usize) -> usize {
        match model.cfg().role_of(j).0 {
            paxos_models::Role::Proposer | paxos_models::Role::Learner => self.perms.len(),
            _ => 1,
        }
    }

    /// Node `id` renamed by renaming `g`.
    fn node(&self, g: usize, id: u8) -> u8 {
        let id = id as usize;
        let perm = &self.perms[g];
        match id.checked_sub(self.first).filter(|&i| i < perm.len()) {
            Some(i) => (self.first + perm[i]) as u8,
            None => id as u8,
        }
    }

    /// The local state `x` renamed by renaming `g`.
    fn part(&self, g: u16, x: &Part) -> Part {
        let (node, storage) =
            paxos_models::symmetry::renamed_local(&x.node, &x.storage, &self.perms[g as usize]);
        Part {
            node,
            storage,
            timer: x.timer,
            crashed: x.crashed,
        }
    }
}

/// Steps `p` to the next permutation in lexicographic order; false after the last.
fn next_permutation(p: &mut [usize]) -> bool {
    let Some(i) = (1..p.len()).rev().find(|&i| p[i - 1] < p[i]) else {
        return false;
    };
    let j = (i..p.len())
        .rev()
        .find(|&j| p[j] > p[i - 1])
        .expect("p[i] is one");
    p.swap(i - 1, j);
    p[i..].reverse();
    true
}

/// One node's lone exploration: its local states, the steps between them, and under which
/// inputs each is a step.
#[derive(Default)]
struct Local {
    /// Every local state's key -> (the number of the state it is a renaming of, which
    /// renaming of [`Renamings`]): the states explored themselves map to (their number, 0).
    keys: FpMap<(u32, u16)>,
    /// The world every step starts from, node `j`'s part then written into it: the first
    /// world added, its network emptied (the other nodes' parts and the harness's record are
    /// read by no handler of node `j`; the record would only grow, so it stays the first's).
    template: Option<World>,
    /// The local states explored: one per class of local states under [`Renamings`].
    states: Vec<Part>,
    /// Per state, its steps' ends: (a state explored, the renaming of it the step leads to).
    succ: Vec<Vec<(u32, u16)>>,
    /// Per state, a bit per input (in input order): delivering it is a step there.
    live: Vec<Vec<u64>>,
    /// Per state, how many of its node's inputs it was tried under, and whether its
    /// timeout, crash and restart were.
    tried: Vec<(usize, bool)>,
    /// Steps that stay within a strongly connected part of the exploration (self-loops
    /// included): (the message consumed, as (receiver, sender, message), or `None` for a
    /// timeout, crash or restart; the messages sent).
    self_loops: Vec<(Option<Key>, Vec<Key>)>,
}

impl Local {
    /// Whether the local state `to` names (a state explored and a renaming) is `part`.
    fn is(
        &self,
        to: (u32, u16),
        part: (&NodeState, &Option<Storage>, bool, bool),
        ren: &Renamings,
    ) -> bool {
        let (i, g) = to;
        let x = &self.states[i as usize];
        match g {
            0 => x.as_tuple() == part,
            g => ren.part(g, x).as_tuple() == part,
        }
    }

    /// The local state `part` (whose key is `key`) as a state explored and a renaming
    /// (its first `group` ones; see [`Renamings`]), added with every renaming of it if new;
    /// `None` when it is new and with its renamings would pass `budget` local states, or on
    /// a fingerprint collision (never seen).
    fn add_part(
        &mut self,
        key: u64,
        part: &Part,
        budget: usize,
        ren: &Renamings,
        group: usize,
    ) -> Option<(u32, u16)> {
        if let Some(&to) = self.keys.get(&key) {
            // Two local states with one fingerprint would share a row: refuse.
            return self.is(to, part.as_tuple(), ren).then_some(to);
        }
        let i = self.states.len() as u32;
        // The state and its renamings (`group` of them, the identity first), each once: a
        // renaming that leaves the state as it is gives a key already listed.
        let mut class: Vec<(u64, (u32, u16))> = vec![(key, (i, 0))];
        class.extend((1..group).map(|g| (ren.part(g as u16, part).key(), (i, g as u16))));
        class.sort_unstable();
        class.dedup_by_key(|&mut (k, _)| k);
        // The bound counts local states, explored or judged as renamings alike.
        if self.keys.len() + class.len() > budget {
            return None;
        }
        for (k, to) in class {
            if self.keys.insert(k, to).is_some() {
                // Another class's member with this fingerprint: a collision (never seen).
                return None;
            }
        }
        self.states.push(part.clone());
        self.succ.push(Vec::new());
        self.live.push(Vec::new());
        self.tried.push((0, false));
        Some((i, 0))
    }

    /// Node `j`'s local state in `w` ([`Local::add_part`]).
    fn add(
        &mut self,
        j: usize,
        w: &World,
        budget: usize,
        ren: &Renamings,
        group: usize,
    ) -> Option<(u32, u16)> {
        if self.template.is_none() {
            let mut t = w.clone();
            t.net.clear();
            self.template = Some(t);
        }
        self.add_part(local_key(w, j), &Part::of(w, j), budget, ren, group)
    }
}

/// A message in flight as (receiver, sender, message).
type Key = (u8, u8, Msg);

impl Dead {
    /// Explores every node of `engine`'s world alone (see the module doc); `Err` says why
    /// nothing can be pruned in this world. `engine` must not prune itself.
    pub fn analyse(engine: &Engine) -> Result<Dead, String> {
        Dead::analyse_capped(engine, NODE_STATES_MAX, 1)
    }

    /// [`Dead::analyse`] with `node_states_max` in place of [`NODE_STATES_MAX`], on
    /// `threads` threads (the same result on any number).
    pub fn analyse_capped(
        engine: &Engine,
        node_states_max: usize,
        threads: usize,
    ) -> Result<Dead, String> {
        Dead::analyse_with(engine, node_states_max, threads, false)
    }

    /// [`Dead::analyse_capped`], a proposer's or learner's exploration reduced by
    /// [`Renamings`]: one local state per class explored, every member of each judged.
    /// That rests on what the symmetry reduction rests on (rules that treat acceptors
    /// alike, [`PaxosModel::symmetric`]), so the engine asks for it only for a search that
    /// reduces by symmetry; under such rules the tables are those of the whole exploration
    /// (a test compares them for every variant in every world).
    ///
    /// [`PaxosModel::symmetric`]: paxos_models::PaxosModel::symmetric
    pub fn analyse_by_classes(
        engine: &Engine,
        node_states_max: usize,
        threads: usize,
    ) -> Result<Dead, String> {
        Dead::analyse_with(engine, node_states_max, threads, true)
    }

    /// [`Dead::analyse_by_classes`] when `by_classes`, else [`Dead::analyse_capped`].
    pub fn analyse_with(
        engine: &Engine,
        node_states_max: usize,
        threads: usize,
        by_classes: bool,
    ) -> Result<Dead, String> {
        let model = engine.model;
        let ren = Renamings::of(model, by_classes);
        let close = |known: &mut [BTreeSet<(u8, Msg)>],
                     inputs: &mut [Vec<(u8, Msg)>],
                     (dst, src, msg): Key| {
            // Every renaming of a message sent is sent (by the same node's renamed state or
            // by the renamed acceptor), in order.
            for g in 0..ren.perms.len() {
                learn(known, inputs, ren.node(g, dst), ren.node(g, src), msg);
            }
        };
        let cfg = model.cfg();
        if cfg.delivery == Delivery::Ordered {
            return Err("an ordered network takes even an ignored message off its flow".into());
        }
        let n = cfg.node_count();
        let inits = engine.init_states();
        // What each node may be sent: (sender, message), numbered in the order found (the
        // exploration is deterministic, so the numbering is too).
        let mut inputs: Vec<Vec<(u8, Msg)>> = vec![Vec::new(); n];
        let mut known: Vec<BTreeSet<(u8, Msg)>> = vec![BTreeSet::new(); n];
        for w in &inits {
            for f in &w.net {
                close(&mut known, &mut inputs, (f.dst, f.src, f.msg));
            }
        }
        let may_crash = |j: usize| {
            engine.max_crashes() > 0
                && engine.crashes_max() > 0
                && cfg.may_crash.contains(cfg.role_of(j).0)
        };
        let restarts = model.mode == Mode::Faults && cfg.restarts;
        let mut locals: Vec<Local> = (0..n).map(|_| Local::default()).collect();
        let too_many = |j: usize| {
            format!(
                "node {} alone reaches more than {LOCAL_STATES_MAX} local states (with the others')",
                j + 1
            )
        };
        let mut left_out = 0u16;
        for (j, local) in locals.iter_mut().enumerate() {
            for w in &inits {
                // Only node j's part matters: the network is emptied, and so is the
                // harness's store record (no handler reads it; cloning it cost a tenth).
                let mut w = w.clone();
                w.net.clear();
                w.obs.log = None;
                local
                    .add(j, &w, usize::MAX, &ren, ren.group(model, j))
                    .ok_or_else(|| too_many(j))?;
            }
        }
        // A worklist to the fixpoint: every local state of every node tried under every
        // input its node has so far (and once under its timeout, crash or restart), the
        // messages those steps send joining their receivers' inputs, until nothing is new.
        loop {
            let mut progress = false;
            for j in 0..n {
                if left_out & (1 << j) != 0 {
                    continue;
                }
                let total: usize = locals.iter().map(|l| l.keys.len()).sum();
                let budget = (LOCAL_STATES_MAX + locals[j].keys.len()).saturating_sub(total);
                let mut sent = Vec::new();
                let alone = Alone {
                    engine,
                    j,
                    inputs: &inputs[j],
                    may_crash: may_crash(j),
                    restarts,
                    ren: &ren,
                    group: ren.group(model, j),
                };
                match explore(
                    &alone,
                    &mut locals[j],
                    &mut sent,
                    budget.min(node_states_max),
                    threads,
                ) {
                    Some(more) => progress |= more,
                    None if budget > node_states_max => {
                        // Left out: what it sent so far is learned below; the rest is
                        // watched in the search.
                        left_out |= 1 << j;
                        locals[j] = Local::default();
                        progress = true;
                    }
                    None => return Err(too_many(j)),
                }
                for key in sent {
                    close(&mut known, &mut inputs, key);
                }
            }
            if !progress {
                break;
            }
        }
        for (j, local) in locals.iter_mut().enumerate() {
            if left_out & (1 << j) != 0 {
                continue;
            }
            let group = ren.group(model, j);
            let alone = Alone {
                engine,
                j,
                inputs: &inputs[j],
                may_crash: may_crash(j),
                restarts,
                ren: &ren,
                group,
            };
            inner_steps(&alone, local);
        }
        if std::env::var_os("PAXOS_DEAD_DEBUG").is_some() {
            for (j, l) in locals.iter().enumerate() {
                let out = if left_out & (1 << j) != 0 {
                    " (left out)"
                } else {
                    ""
                };
                eprintln!(
                    "node {j}: {} local states ({} explored), {} inputs{out}",
                    l.keys.len(),
                    l.states.len(),
                    inputs[j].len()
                );
            }
        }
        let acyclic = left_out == 0 && acyclic(&locals, cfg.delivery);
        let local_states = locals.iter().map(|l| l.keys.len()).sum();
        let explored = locals.iter().map(|l| l.states.len()).sum();
        let tables: Vec<Table> = locals
            .into_iter()
            .zip(&inputs)
            .enumerate()
            .map(|(j, (local, inputs))| {
                let left = left_out & (1 << j) != 0;
                table(local, inputs, left, &ren, ren.group(model, j))
            })
            .collect();
        Ok(Dead {
            tables,
            local_states,
            explored,
            inputs: inputs.iter().map(Vec::len).sum(),
            acyclic,
            left_out,
            node_states_max,
            escaped: AtomicBool::new(false),
            left_out_names: (0..n)
                .filter(|j| left_out & (1 << j) != 0)
                .map(|j| cfg.node_name(j))
                .collect(),
        })
    }

    /// Whether this analysis judges every local state and input `whole` (an analysis that
    /// explored every local state) holds as `whole` does, with the same nodes left out:
    /// `Err` names the first node that differs. It may hold more local states (renamings of
    /// those reached that the rules never reach).
    pub fn agrees_with(&self, whole: &Dead) -> Result<(), String> {
        if self.left_out != whole.left_out {
            return Err(format!(
                "left out {:b} and {:b}",
                self.left_out, whole.left_out
            ));
        }
        match (0..self.tables.len()).find(|&j| !whole.tables[j].within(&self.tables[j])) {
            Some(j) => Err(format!("node {} judged otherwise", j + 1)),
            None => Ok(()),
        }
    }

    /// Records that node `src` sends `msg` to node `dst` in the search: a message from a
    /// left-out node that its analysed receiver's exploration never tried escapes the
    /// analysis (see the module doc).
    pub fn sent(&self, src: usize, dst: usize, msg: &Msg) {
        if self.left_out & (1 << src) != 0
            && self.left_out & (1 << dst) == 0
            && !self.tables[dst].inputs.contains_key(&(src as u8, *msg))
        {
            self.escaped.store(true, Ordering::Relaxed);
        }
    }

    /// Whether a left-out node sent a message no exploration tried ([`Dead::sent`]): the
    /// pruning is then unsound from that state on, and searches run without it.
    pub fn escaped(&self) -> bool {
        self.escaped.load(Ordering::Relaxed)
    }

    /// Why an escape sets the pruning aside, naming the left-out nodes.
    pub fn escape_reason(&self) -> String {
        format!(
            "left out of the analysis past {} local states: {}; one of them sent a message no exploration tried, so the search ran again without pruning",
            self.node_states_max,
            self.left_out_names.join(", ")
        )
    }

    /// Whether `msg` from `src` is dead at node `dst` in the local state `key`
    /// ([`local_key`]).
    pub fn is_dead(&self, dst: usize, key: u64, src: u8, msg: &Msg) -> bool {
        if self.left_out & (1 << dst) != 0 {
            return false;
        }
        let t = &self.tables[dst];
        let (Some(&row), Some(&bit)) = (t.rows.get(&key), t.inputs.get(&(src, *msg))) else {
            debug_assert!(self.escaped(), "every local state and input was explored");
            return false;
        };
        t.dead_at(row, bit)
    }
}

/// What node `j` may do alone: its steps, each with the input it consumes (an index into
/// the inputs, or `None`).
struct Alone<'a> {
    engine: &'a Engine<'a>,
    j: usize,
    inputs: &'a [(u8, Msg)],
    may_crash: bool,
    restarts: bool,
    ren: &'a Renamings,
    /// How many of `ren`'s renamings node `j` is explored under ([`Renamings::group`]).
    group: usize,
}

impl Alone<'_> {
    /// The steps node `j` may try in local state `x`.
    fn steps(&self, x: &Part) -> Vec<(Option<usize>, Action)> {
        let id = Id::from(self.j);
        let mut steps = Vec::new();
        if !x.crashed {
            for (k, &(src, msg)) in self.inputs.iter().enumerate() {
                let src = Id::from(src as usize);
                steps.push((Some(k), ActorModelAction::Deliver { src, dst: id, msg }));
            }
            if x.timer {
                steps.push((None, ActorModelAction::Timeout(id, Timer::Retry)));
            }
            if self.may_crash {
                steps.push((None, ActorModelAction::Crash(id)));
            }
        } else if self.restarts {
            steps.push((None, ActorModelAction::Recover(id)));
        }
        steps
    }

    /// Node `j`'s step from `x` (the world's step function on the template world holding
    /// `x`) into `scratch.out`, its network emptied, with the messages sent in `sends`, one
    /// per copy; false when it is no step.
    /// `at` is `x`'s number: `scratch.from` is written only when it holds another state
    /// (every input is tried on one state before the next).
    #[allow(clippy::too_many_arguments)]
    fn step(
        &self,
        x: &Part,
        at: usize,
        input: Option<usize>,
        action: Action,
        scratch: &mut Scratch,
        sends: &mut Vec<Key>,
    ) -> bool {
        use super::bfs::StepInto;
        let j = self.j as u8;
        if scratch.holds != Some(at) {
            x.put(&mut scratch.from, self.j);
            scratch.holds = Some(at);
        }
        scratch.from.net.clear();
        if let Some(k) = input {
            let (src, msg) = self.inputs[k];
            scratch.from.net.push(Flight {
                src,
                dst: j,
                msg,
                copies: 1,
            });
        }
        // Only node j's part and the network differ from the last step's world, and only
        // they (and the harness's record, if that step observed anything) are put back:
        // copying the whole world per step was a third of the analysis.
        if !self
            .engine
            .step_into_again(&scratch.from, action, &mut scratch.out, &mut scratch.dirty)
        {
            return false;
        }
        sends.clear();
        for f in scratch.out.net.drain(..) {
            let delivered = input.is_some_and(|k| (f.src, f.msg) == self.inputs[k]) && f.dst == j;
            if f.src == j && !delivered {
                for _ in 0..f.copies {
                    sends.push((f.dst, f.src, f.msg));
                }
            }
        }
        true
    }
}

/// Worlds a lone exploration steps in, reused from step to step.
struct Scratch {
    from: World,
    out: World,
    /// What `out` needs put back to hold `from` again
    /// ([`StepInto::step_into_again`](super::bfs::StepInto::step_into_again)): every step
    /// is node j's, and between steps `from` changes only in node j's part and the network,
    /// which is what a step's mark puts back.
    dirty: usize,
    /// The number of the local state `from` holds.
    holds: Option<usize>,
}

impl Scratch {
    fn new(like: &World) -> Scratch {
        Scratch {
            from: like.clone(),
            out: like.clone(),
            dirty: super::bfs::DIRTY_ALL,
            holds: None,
        }
    }
}

/// Local states a part of a round of [`explore`] steps, and parts in a round: every state
/// of a round is stepped (in parallel) before any is merged, so a round's results are held
/// at once (up to 4,096 states' steps), and merged in state order.
const EXPLORE_PART: usize = 256;
const EXPLORE_PARTS: usize = 16;

/// Where a step of a lone exploration leads: a local state numbered before its round, or
/// one that was not (held by the part, by its index there, with its key).
enum To {
    Known((u32, u16)),
    New(usize),
}

/// One step a part took: the input it consumed, where it leads, and the messages it sent
/// (a range of the part's `sends`).
struct Stepped {
    input: Option<usize>,
    to: To,
    sends: std::ops::Range<usize>,
}

/// What a part of a round of [`explore`] found, in state order: per state it stepped, the
/// state and the range of `steps` that are its; the states new to the round's start with
/// their keys; every message sent.
#[derive(Default)]
struct PartSteps {
    states: Vec<(usize, std::ops::Range<usize>)>,
    steps: Vec<Stepped>,
    new: Vec<(u64, Part)>,
    /// Key -> index in `new`.
    new_keys: FpMap<usize>,
    sends: Vec<Key>,
    scratch: Option<Scratch>,
}

/// Steps the local states `range` of node `j`'s exploration under the inputs and steps
/// each was not yet tried under, into `out` (emptied first; its scratch world kept).
fn step_part(alone: &Alone, local: &Local, range: std::ops::Range<usize>, out: &mut PartSteps) {
    out.states.clear();
    out.steps.clear();
    out.new.clear();
    out.sends.clear();
    out.new_keys.clear();
    let template = local.template.as_ref().expect("an init state was added");
    let scratch = out.scratch.get_or_insert_with(|| Scratch::new(template));
    let mut sends = Vec::new();
    for x in range {
        let (from_input, based) = local.tried[x];
        if from_input == alone.inputs.len() && based {
            continue;
        }
        let first = out.steps.len();
        let part = &local.states[x];
        for (input, action) in alone.steps(part) {
            match input {
                Some(k) if k < from_input => continue,
                None if based => continue,
                _ => {}
            }
            if !alone.step(part, x, input, action, scratch, &mut sends) {
                continue;
            }
            let key = local_key(&scratch.out, alone.j);
            let known = local.keys.get(&key).filter(|&&to| {
                // Else a fingerprint collision, which the merge refuses.
                local.is(to, local_part(&scratch.out, alone.j), alone.ren)
            });
            let to = match known {
                Some(&to) => To::Known(to),
                None => To::New(*out.new_keys.entry(key).or_insert_with(|| {
                    out.new.push((key, Part::of(&scratch.out, alone.j)));
                    out.new.len() - 1
                })),
            };
            let at = out.sends.len();
            out.sends.extend_from_slice(&sends);
            out.steps.push(Stepped {
                input,
                to,
                sends: at..out.sends.len(),
            });
        }
        out.states.push((x, first..out.steps.len()));
    }
}

/// Node `j`'s exploration carried on under its inputs so far: every state tried under the
/// inputs and steps it was not yet tried under; the messages sent go to `sent` as
/// (receiver, sender, message). Whether anything was tried; `None` past `budget` states.
/// States are stepped a round at a time on `threads` threads and merged in their order,
/// which numbers new states as stepping them one by one would: the result never depends on
/// the thread count.
fn explore(
    alone: &Alone,
    local: &mut Local,
    sent: &mut Vec<Key>,
    budget: usize,
    threads: usize,
) -> Option<bool> {
    let mut progress = false;
    let mut next = 0;
    let mut pool: Vec<PartSteps> = Vec::new();
    while next < local.states.len() {
        let end = local.states.len().min(next + EXPLORE_PART * EXPLORE_PARTS);
        let parts = (end - next).div_ceil(EXPLORE_PART);
        let shared: &Local = local;
        let results = super::run_parts(threads, parts, &mut pool, |p, mut out: PartSteps| {
            let from = next + p * EXPLORE_PART;
            step_part(
                alone,
                shared,
                from..(from + EXPLORE_PART).min(end),
                &mut out,
            );
            out
        });
        for out in &results {
            // The states new to the round, numbered as they are first met.
            let mut numbered: Vec<Option<(u32, u16)>> = vec![None; out.new.len()];
            for (x, steps) in &out.states {
                progress = true;
                local.tried[*x] = (alone.inputs.len(), true);
                for step in &out.steps[steps.clone()] {
                    if let Some(k) = step.input {
                        let row = &mut local.live[*x];
                        if row.len() <= k / 64 {
                            row.resize(k / 64 + 1, 0);
                        }
                        row[k / 64] |= 1 << (k % 64);
                    }
                    sent.extend_from_slice(&out.sends[step.sends.clone()]);
                    let to = match step.to {
                        To::Known(i) => i,
                        To::New(i) => match numbered[i] {
                            Some(n) => n,
                            None => {
                                let (key, part) = &out.new[i];
                                let n =
                                    local.add_part(*key, part, budget, alone.ren, alone.group)?;
                                numbered[i] = Some(n);
                                n
                            }
                        },
                    };
                    if !local.succ[*x].contains(&to) {
                        local.succ[*x].push(to);
                    }
                }
            }
        }
        pool.extend(results);
        next = end;
    }
    Some(progress)
}

/// The steps that stay within a strongly connected part of node `j`'s finished
/// exploration (a self-loop included), with what each consumes and sends: what
/// [`acyclic`] weighs.
fn inner_steps(alone: &Alone, local: &mut Local) {
    let j = alone.j;
    let part = components(&local.succ);
    let mut scratch = None;
    let mut sends = Vec::new();
    for (x, succ) in local.succ.iter().enumerate() {
        if !succ.iter().any(|&(y, _)| part[y as usize] == part[x]) {
            continue;
        }
        let from = &local.states[x];
        let template = local.template.as_ref().expect("an init state was added");
        let scratch = scratch.get_or_insert_with(|| Scratch::new(template));
        for (input, action) in alone.steps(from) {
            if !alone.step(from, x, input, action, scratch, &mut sends) {
                continue;
            }
            let to = local.keys[&local_key(&scratch.out, j)].0 as usize;
            if part[to] == part[x] {
                // A class that steps back to itself steps so in every renaming: a state
                // that steps into the renaming of a state of its part reaches that part's
                // every renaming, itself included (a renaming applied often enough is none).
                for g in 0..alone.group {
                    let renamed = |&(dst, src, msg): &Key| {
                        (alone.ren.node(g, dst), alone.ren.node(g, src), msg)
                    };
                    let consumed =
                        input.map(|k| renamed(&(j as u8, alone.inputs[k].0, alone.inputs[k].1)));
                    local
                        .self_loops
                        .push((consumed, sends.iter().map(renamed).collect()));
                }
            }
        }
    }
}

/// The strongly connected component of every node of the graph `succ` (Kosaraju's two
/// passes, without recursion): equal numbers, one component.
fn components(succ: &[Vec<(u32, u16)>]) -> Vec<usize> {
    let n = succ.len();
    let mut order = Vec::with_capacity(n);
    let mut seen = vec![false; n];
    for root in 0..n {
        if seen[root] {
            continue;
        }
        seen[root] = true;
        let mut stack = vec![(root, 0usize)];
        while let Some(&mut (x, ref mut i)) = stack.last_mut() {
            if let Some(&(y, _)) = succ[x].get(*i) {
                *i += 1;
                if !seen[y as usize] {
                    seen[y as usize] = true;
                    stack.push((y as usize, 0));
                }
            } else {
                order.push(x);
                stack.pop();
            }
        }
    }
    let mut pred = vec![Vec::new(); n];
    for (x, s) in succ.iter().enumerate() {
        for &(y, _) in s {
            pred[y as usize].push(x);
        }
    }
    let mut part = vec![usize::MAX; n];
    let mut count = 0;
    for &root in order.iter().rev() {
        if part[root] != usize::MAX {
            continue;
        }
        part[root] = count;
        let mut stack = vec![root];
        while let Some(x) = stack.pop() {
            for &y in &pred[x] {
                if part[y] == usize::MAX {
                    part[y] = count;
                    stack.push(y);
                }
            }
        }
        count += 1;
    }
    part
}

/// Whether every path of the world is finite, by a potential that every step raises: the
/// sum over nodes of the rank of each local state's strongly connected part in its node's
/// lone exploration, then the total weight of the messages in flight, lowered. It exists
/// when every step that stays within a part (a step changes one node's local state; one
/// that leaves its part raises the sum of ranks)
/// - consumes a message (a delivery on a network that does not duplicate: a timeout,
///   crash or restart within a part gives no potential), and
/// - the messages such steps send never lead back to the message consumed: then every
///   message can weigh more than all the messages a step within a part sends on receiving
///   it, and such a step lowers the weight in flight (pruning only lowers it further).
///
/// Every world path is a path of the lone explorations (see the module doc), so it holds
/// for the world's every path, whatever the search reduces.
fn acyclic(locals: &[Local], delivery: Delivery) -> bool {
    let mut sends: BTreeMap<Key, BTreeSet<Key>> = BTreeMap::new();
    for (consumed, sent) in locals.iter().flat_map(|l| &l.self_loops) {
        match consumed {
            Some(m) if delivery != Delivery::UnorderedDuplicating => {
                sends.entry(*m).or_default().extend(sent.iter().copied())
            }
            _ => return false,
        };
    }
    // No message leads back to itself: a depth-first search for a cycle (true: finished).
    let mut done: BTreeMap<Key, bool> = BTreeMap::new();
    for &root in sends.keys() {
        if done.contains_key(&root) {
            continue;
        }
        done.insert(root, false);
        let mut stack: Vec<(Key, Vec<Key>)> = vec![(root, sends[&root].iter().copied().collect())];
        while let Some((m, rest)) = stack.last_mut() {
            match rest.pop() {
                Some(n) => match done.get(&n) {
                    Some(false) => return false,
                    Some(true) => {}
                    None => {
                        done.insert(n, false);
                        let next = sends
                            .get(&n)
                            .map_or(Vec::new(), |s| s.iter().copied().collect());
                        stack.push((n, next));
                    }
                },
                None => {
                    done.insert(*m, true);
                    stack.pop();
                }
            }
        }
    }
    true
}

/// The dead sets of one node's exploration: an input is live in a local state when some
/// local state reachable from it delivers it as a step. A step into a renaming of a state
/// explored ([`Renamings`]) finds live there the renamings of what is live in that state,
/// and every renaming of a state explored gets its row, its inputs renamed.
#[allow(clippy::needless_range_loop)] // two rows of `live` at once, by index
fn table(
    local: Local,
    inputs: &[(u8, Msg)],
    left_out: bool,
    ren: &Renamings,
    group: usize,
) -> Table {
    let mut inputs_map = HashMap::with_capacity_and_hasher(inputs.len(), super::seeded());
    inputs_map.extend(inputs.iter().enumerate().map(|(k, &m)| (m, k as u32)));
    if left_out {
        // Only its inputs are asked for (what the others may send it): nothing is dead.
        return Table {
            inputs: inputs_map,
            rows: FpMap::default(),
            words: 0,
            dead: Vec::new(),
        };
    }
    let Local {
        keys,
        succ,
        mut live,
        ..
    } = local;
    let words = inputs.len().div_ceil(64).max(1);
    for row in &mut live {
        row.resize(words, 0);
    }
    // Per renaming, input k -> its renaming (the inputs are closed under them).
    let renamed: Vec<Vec<u32>> = (0..group)
        .map(|g| {
            inputs
                .iter()
                .map(|&(src, msg)| inputs_map[&(ren.node(g, src), msg)])
                .collect()
        })
        .collect();
    let rename = |g: u16, row: &[u64], out: &mut Vec<u64>| {
        out.clear();
        out.resize(words, 0);
        for (k, &to) in renamed[g as usize].iter().enumerate() {
            if row[k / 64] & (1 << (k % 64)) != 0 {
                out[to as usize / 64] |= 1 << (to % 64);
            }
        }
    };
    // Liveness flows backwards along steps: to a fixpoint (states were numbered in
    // discovery order, so a pass from the last usually settles most of it).
    let mut moved = Vec::new();
    loop {
        let mut changed = false;
        for x in (0..live.len()).rev() {
            for &(y, g) in &succ[x] {
                let y = y as usize;
                if g != 0 {
                    rename(g, &live[y], &mut moved);
                }
                for w in 0..words {
                    let from = if g == 0 { live[y][w] } else { moved[w] };
                    let add = from & !live[x][w];
                    if add != 0 {
                        live[x][w] |= add;
                        changed = true;
                    }
                }
            }
        }
        if !changed {
            break;
        }
    }
    let valid = |w: usize| {
        if (w + 1) * 64 <= inputs.len() {
            u64::MAX
        } else {
            (1u64 << (inputs.len() - w * 64)) - 1
        }
    };
    if group == 1 {
        let mut dead = Vec::with_capacity(live.len() * words);
        for row in &live {
            for (w, &bits) in row.iter().enumerate() {
                dead.push(!bits & valid(w));
            }
        }
        let rows = keys.into_iter().map(|(key, (i, _))| (key, i)).collect();
        return Table {
            inputs: inputs_map,
            rows,
            words,
            dead,
        };
    }
    // Every local state, numbered in the order of (state explored, renaming).
    let mut all: Vec<((u32, u16), u64)> = keys.into_iter().map(|(key, to)| (to, key)).collect();
    all.sort_unstable();
    let mut rows = FpMap::default();
    rows.reserve(all.len());
    let mut dead = Vec::with_capacity(all.len() * words);
    for (n, &((i, g), key)) in all.iter().enumerate() {
        rows.insert(key, n as u32);
        rename(g, &live[i as usize], &mut moved);
        for (w, &bits) in moved.iter().enumerate() {
            dead.push(!bits & valid(w));
        }
    }
    Table {
        inputs: inputs_map,
        rows,
        words,
        dead,
    }
}
