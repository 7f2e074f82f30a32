//! The engine's own world state and its step function. stateright's `ActorModelState` holds
//! every node behind an `Arc`, the network in a hash map and each node's timers in a hash
//! set, so every successor is a dozen allocations, and packing one means sorting the hash
//! map. A [`World`] is flat and already canonical: the nodes inline, the network a sorted
//! list of (src, dst, msg, copies), timers and crashes as bitmasks.
//!
//! The node logic is not rewritten: [`Engine`] calls the very same stateright `Actor`
//! handlers ([`Node`]'s `on_msg`, `on_timeout`, `on_start`, and through them the variant's
//! `Rules`) and carries out their commands on the world itself, with stateright's rules for
//! what a step is: a delivery that changes nothing is no step, a crashed node receives
//! nothing, a crash cancels the node's timers, a restart runs `on_start` on its storage.
//!
//! The actions of a world are exactly [`PaxosModel`]'s actions of the same state, in the same
//! order, so a path found here (action indices) replays on the reference model unchanged.
//! A test walks every bundled world with both and compares successors state by state.

use std::borrow::Cow;
use std::sync::atomic::{AtomicBool, Ordering};

use super::dead::{local_key, Dead};
use super::por::Por;

use paxos_models::cfg::Role;
use paxos_models::model::{Action, Mode};
use paxos_models::node::Storage;
use paxos_models::symmetry::{digest, SymView};
use paxos_models::types::{Few, PerNode};
use paxos_models::{properties, Delivery, Msg, NodeState, Obs, PaxosModel, PaxosState, Timer};
use smallvec::SmallVec;
use stateright::actor::{
    is_no_op, is_no_op_with_timer, Actor, ActorModelAction, ActorModelState, Command, Envelope, Id,
    Network, Out, Timers,
};
use stateright::{Model, Property};

/// In a step's mark ([`Engine::mark`]): the step observed nothing new (most steps), so
/// its world's observations are its parent's.
pub const OBS_KEPT: usize = 1 << 16;

/// The properties ([`Engine`]'s) that read only the observations: a step that observed
/// nothing new keeps their verdicts.
const OBS_ONLY: [&str; 5] = [
    "coherence",
    "conflict-resolution",
    "log-coherence",
    "linearizability",
    "decision-reachable",
];

/// In a step's mark: the node the step belongs to ([`Engine::node_of`]).
pub const MARK_NODE: usize = OBS_KEPT - 1;

/// A mark for a set of nodes rather than one (what
/// [`Pack::unpack_again`](super::pack::Pack::unpack_again) changed, joined with a step's
/// mark by [`StepInto::dirty_after`](super::bfs::StepInto::dirty_after)): the nodes are the
/// bits from [`NODES_SHIFT`] up, and [`OBS_KEPT`] says the observations are the same.
pub const MARK_NODES: usize = 1 << 40;

/// Where a [`MARK_NODES`] mark's node set starts.
pub const NODES_SHIFT: usize = 17;

/// The nodes (bitmask) a mark names: a step's one node, or a [`MARK_NODES`] mark's set.
fn marked_nodes(mark: usize) -> usize {
    match mark & MARK_NODES {
        0 => 1 << (mark & MARK_NODE),
        _ => mark >> NODES_SHIFT & 0xffff,
    }
}

/// Messages in flight from `src` to `dst` with payload `msg`: `copies` of them on a
/// non-duplicating network, one entry per message (`copies == 1`) otherwise.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Flight {
    pub src: u8,
    pub dst: u8,
    pub msg: Msg,
    pub copies: u8,
}

impl Flight {
    fn envelope(&self) -> Envelope<Msg> {
        Envelope {
            src: Id::from(self.src as usize),
            dst: Id::from(self.dst as usize),
            msg: self.msg,
        }
    }

    fn flow(&self) -> (u8, u8) {
        (self.src, self.dst)
    }
}

/// One state of the world: every node, what each stored, the network, timers, crashes and
/// the harness's observations. One state has exactly one `World` (the network is sorted by
/// (src, dst, msg) on unordered networks; on ordered ones by flow, each flow oldest first),
/// so equal worlds are equal states.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct World {
    pub nodes: PerNode<NodeState>,
    pub storages: PerNode<Option<Storage>>,
    pub net: SmallVec<[Flight; 16]>,
    /// Bit `i`: node `i`'s retry timer is set (the only timer there is).
    pub timers: u16,
    /// Bit `i`: node `i` is crashed.
    pub crashed: u16,
    pub obs: Obs,
}

impl Clone for World {
    fn clone(&self) -> World {
        World {
            nodes: self.nodes.clone(),
            storages: self.storages.clone(),
            net: self.net.clone(),
            timers: self.timers,
            crashed: self.crashed,
            obs: self.obs.clone(),
        }
    }

    /// Field by field into the buffers `self` already has: the engine steps into one
    /// reused world instead of moving a new one (a kilobyte) per successor.
    fn clone_from(&mut self, source: &World) {
        self.nodes.clone_from(&source.nodes);
        self.storages.clone_from(&source.storages);
        paxos_models::types::copy_from(&mut self.net, &source.net);
        self.timers = source.timers;
        self.crashed = source.crashed;
        self.obs.clone_from(&source.obs);
    }
}

impl World {
    /// `state` as a world.
    pub fn of(state: &PaxosState) -> World {
        let sys = &state.sys;
        let n = sys.actor_states.len();
        assert!(n <= 16, "at most 16 nodes");
        let mut net: SmallVec<[Flight; 16]> = SmallVec::new();
        let ordered = matches!(sys.network, Network::Ordered(_));
        let mut all = paxos_models::model::in_flight(&sys.network);
        // Unordered networks come sorted; ordered flows keep their order (a stable sort).
        all.sort_by_key(|&(src, dst, _)| (src, dst));
        for (src, dst, msg) in all {
            let f = Flight {
                src: src as u8,
                dst: dst as u8,
                msg,
                copies: 1,
            };
            match net.last_mut() {
                Some(last)
                    if !ordered
                        && matches!(sys.network, Network::UnorderedNonDuplicating(_))
                        && (last.src, last.dst, last.msg) == (f.src, f.dst, f.msg) =>
                {
                    last.copies += 1
                }
                _ => net.push(f),
            }
        }
        let bits = |f: &dyn Fn(usize) -> bool| (0..n).fold(0u16, |m, i| m | (f(i) as u16) << i);
        World {
            nodes: sys.actor_states.iter().map(|a| (**a).clone()).collect(),
            storages: sys.actor_storages.iter().cloned().collect(),
            net,
            timers: bits(&|i| sys.timers_set[i].iter().next().is_some()),
            crashed: bits(&|i| sys.crashed[i]),
            obs: state.obs.clone(),
        }
    }

    /// The harness state this world is, on `delivery`'s network.
    pub fn to_state(&self, delivery: Delivery) -> PaxosState {
        let n = self.nodes.len();
        let mut envelopes = Vec::new();
        for f in &self.net {
            for _ in 0..f.copies {
                envelopes.push(f.envelope());
            }
        }
        let network = match delivery {
            Delivery::Ordered => Network::new_ordered(envelopes),
            Delivery::Unordered => Network::new_unordered_nonduplicating(envelopes),
            Delivery::UnorderedDuplicating => Network::new_unordered_duplicating(envelopes),
        };
        PaxosState {
            sys: ActorModelState {
                actor_states: self
                    .nodes
                    .iter()
                    .cloned()
                    .map(std::sync::Arc::new)
                    .collect(),
                network,
                timers_set: (0..n)
                    .map(|i| {
                        let mut t = Timers::new();
                        if self.timers & (1 << i) != 0 {
                            t.set(Timer::Retry);
                        }
                        t
                    })
                    .collect(),
                random_choices: vec![Default::default(); n],
                crashed: (0..n).map(|i| self.crashed & (1 << i) != 0).collect(),
                history: (),
                actor_storages: self.storages.iter().cloned().collect(),
            },
            obs: self.obs.clone(),
        }
    }

    /// Makes `self`, which is `w` stepped by one step of node `i` ([`Engine::node_of`]),
    /// `w` again: only what that step may have changed is copied back (node `i`'s state and
    /// storage, the network, timers, crashes and observations), not every node. A
    /// [`MARK_NODES`] mark copies back every node of its set likewise.
    fn put_back(&mut self, w: &World, mark: usize) {
        let mut nodes = marked_nodes(mark);
        while nodes != 0 {
            let i = nodes.trailing_zeros() as usize;
            nodes &= nodes - 1;
            self.nodes[i].clone_from(&w.nodes[i]);
            self.storages[i].clone_from(&w.storages[i]);
        }
        paxos_models::types::copy_from(&mut self.net, &w.net);
        self.timers = w.timers;
        self.crashed = w.crashed;
        if mark & OBS_KEPT == 0 {
            self.obs.clone_from(&w.obs);
        }
        debug_assert!(
            self.obs == w.obs,
            "a step marked OBS_KEPT observed nothing new"
        );
        debug_assert!(self == w, "a world put back is the world");
    }

    fn find(&self, src: u8, dst: u8, msg: &Msg) -> Option<usize> {
        // On an ordered network the first match in its flow is the oldest: the head.
        self.net
            .iter()
            .position(|f| f.src == src && f.dst == dst && f.msg == *msg)
    }

    /// Takes one copy of (src, dst, msg) off the network.
    fn take(&mut self, src: u8, dst: u8, msg: &Msg) {
        let at = self.find(src, dst, msg).expect("the message is in flight");
        if self.net[at].copies > 1 {
            self.net[at].copies -= 1;
        } else {
            self.net.remove(at);
        }
    }

    fn send(&mut self, delivery: Delivery, src: u8, dst: u8, msg: Msg) {
        let f = Flight {
            src,
            dst,
            msg,
            copies: 1,
        };
        match delivery {
            Delivery::Ordered => {
                // After the flow's last message.
                let at = self.net.partition_point(|g| g.flow() <= f.flow());
                self.net.insert(at, f);
            }
            _ => {
                let key = (src, dst, msg);
                match self
                    .net
                    .binary_search_by(|g| (g.src, g.dst, g.msg).cmp(&key))
                {
                    Ok(at) if delivery == Delivery::Unordered => {
                        self.net[at].copies = self.net[at]
                            .copies
                            .checked_add(1)
                            .expect("fewer than 256 copies of a message in flight")
                    }
                    Ok(_) => {}
                    Err(at) => self.net.insert(at, f),
                }
            }
        }
    }

    /// The messages that can be delivered (or dropped) next: every entry of an unordered
    /// network, the first of each flow of an ordered one.
    fn heads(&self, ordered: bool) -> impl Iterator<Item = &Flight> {
        self.net
            .iter()
            .enumerate()
            .filter(move |(k, f)| !ordered || *k == 0 || self.net[k - 1].flow() != f.flow())
            .map(|(_, f)| f)
    }
}

/// A world on its network: what the symmetry reduction reads, exactly as it reads the
/// reference state (so both give one state one class fingerprint).
struct OnNet<'a>(&'a World, Delivery);

impl OnNet<'_> {
    /// Each ordered flow as (src, dst, its messages oldest first).
    fn flows(&self) -> Vec<(usize, usize, Few<Msg>)> {
        let mut flows: Vec<(usize, usize, Few<Msg>)> = Vec::new();
        for f in &self.0.net {
            match flows.last_mut() {
                Some((s, d, msgs)) if (*s, *d) == (f.src as usize, f.dst as usize) => {
                    msgs.push(f.msg)
                }
                _ => flows.push((f.src as usize, f.dst as usize, smallvec::smallvec![f.msg])),
            }
        }
        flows
    }
}

impl SymView for OnNet<'_> {
    fn node(&self, i: usize) -> &NodeState {
        &self.0.nodes[i]
    }
    fn crashed(&self, i: usize) -> bool {
        self.0.crashed & (1 << i) != 0
    }
    fn storage(&self, i: usize) -> &Option<Storage> {
        &self.0.storages[i]
    }
    fn timer_set(&self, i: usize) -> bool {
        self.0.timers & (1 << i) != 0
    }
    fn obs(&self) -> &Obs {
        &self.0.obs
    }
    fn flight_items(&self, out: &mut paxos_models::symmetry::FlightItems) {
        if self.1 == Delivery::Ordered {
            out.extend(
                self.flows()
                    .into_iter()
                    .map(|(s, d, msgs)| (s, d, digest(&msgs))),
            );
            return;
        }
        for f in &self.0.net {
            let d = digest(&f.msg);
            for _ in 0..f.copies {
                out.push((f.src as usize, f.dst as usize, d));
            }
        }
    }
}

/// What the model's engine cache holds: the dead-message analysis, or why there is none.
type DeadAnalysis = Result<std::sync::Arc<Dead>, String>;

/// The packed-state engine over one model: the same actions, the same successors, as
/// `model` (see the module doc).
pub struct Engine<'m> {
    pub model: &'m PaxosModel,
    delivery: Delivery,
    /// stateright's bound on nodes crashed at once (the scenario's `crashes_max` under faults).
    max_crashes: usize,
    /// Partial-order reduction, when asked for: the searches then take its successors
    /// ([`Por::successors`]), and every send is checked against `Rules::may_send`.
    pub por: Option<Por>,
    /// Set when a send outside `Rules::may_send` was made (checked only with `por`).
    stray_send: AtomicBool,
    /// Dead-message pruning, when asked for and possible in this world ([`super::dead`]):
    /// every step then takes the messages its node will ignore for good off the network.
    pub dead: Option<std::sync::Arc<Dead>>,
    /// Why dead-message pruning was asked for but set aside.
    pub dead_aside: Option<String>,
    /// Per node, its name in the sleep reduction's ranks: its id, and under symmetry
    /// (index 1) its role alone for acceptors and learners (32, 33).
    sleep_names: [[u8; 32]; 2],
    /// The nodes whose steps never commute with one another ([`super::por::ordered_nodes`]).
    ordered: u16,
}

impl<'m> Engine<'m> {
    pub fn new(model: &'m PaxosModel) -> Engine<'m> {
        let cfg = model.cfg();
        let ids: [u8; 32] = std::array::from_fn(|i| i as u8);
        let mut sleep_names = [ids; 2];
        for (i, name) in sleep_names[1].iter_mut().enumerate().take(cfg.node_count()) {
            match cfg.role_of(i).0 {
                Role::Acceptor => *name = 32,
                Role::Learner => *name = 33,
                Role::Client | Role::Proposer => {}
            }
        }
        Engine {
            model,
            delivery: cfg.delivery,
            max_crashes: model.inner.max_crashes,
            por: None,
            stray_send: AtomicBool::new(false),
            dead: None,
            dead_aside: None,
            sleep_names,
            ordered: super::por::ordered_nodes(model),
        }
    }

    /// The engine a search runs: with partial-order reduction when `por`, and with
    /// dead-message pruning when the model asks for it ([`PaxosModel::prune_dead`]) and
    /// this world allows it ([`Dead::analyse`]; else [`Engine::dead_aside`] says why not).
    pub fn for_search(model: &'m PaxosModel, por: bool) -> Engine<'m> {
        let dead = model.dead_pruned;
        let mut engine = if por {
            Engine::with_por(model)
        } else {
            Engine::new(model)
        };
        if dead {
            // Once per model: the safety search, the traces found again and the graph part
            // all search the same model.
            Engine::analyse_dead(model, super::dead::NODE_STATES_MAX, 1, false);
            let cached = model.engine_cache.get().expect("just analysed");
            match cached.downcast_ref::<DeadAnalysis>() {
                Some(Ok(d)) if d.escaped() => engine.dead_aside = Some(d.escape_reason()),
                Some(Ok(d)) => engine.dead = Some(std::sync::Arc::clone(d)),
                Some(Err(why)) => engine.dead_aside = Some(why.clone()),
                None => unreachable!("only the engine fills the model's engine cache"),
            }
        }
        engine
    }

    /// Runs the dead-message analysis of `model` ([`Dead::analyse_with`]: a class of local
    /// states at a time when `by_classes`, for a search that reduces by symmetry) into the
    /// cache the model holds for the engine, unless it is there already: the searches of the
    /// model then prune with it. Tests lower `node_states_max` to leave nodes out. On
    /// `threads` threads.
    pub fn analyse_dead(
        model: &PaxosModel,
        node_states_max: usize,
        threads: usize,
        by_classes: bool,
    ) {
        model.engine_cache.get_or_init(|| {
            let analysis: DeadAnalysis =
                Dead::analyse_with(&Engine::new(model), node_states_max, threads, by_classes)
                    .map(std::sync::Arc::new);
            std::sync::Arc::new(analysis)
        });
    }

    /// Gives `to` the dead-message analysis `from` holds (run by [`Engine::analyse_dead`]),
    /// unless `to` has one: for a model whose world is `from`'s with fewer steps, whose
    /// nodes' local states and inputs are all among those `from`'s analysis tried. An
    /// escape either model's searches see sets the pruning aside for both.
    pub fn share_dead(from: &PaxosModel, to: &PaxosModel) {
        if let Some(analysis) = from.engine_cache.get() {
            let _ = to.engine_cache.set(std::sync::Arc::clone(analysis));
        }
    }

    /// Whether a node left out of the dead-message analysis sent a message it did not
    /// foresee ([`Dead::escaped`]): the search must be run again, and
    /// [`Engine::for_search`] then gives an engine without pruning.
    pub fn dead_escaped(&self) -> bool {
        self.dead.as_ref().is_some_and(|d| d.escaped())
    }

    /// What became of dead-message pruning in this engine.
    pub fn dead_use(&self) -> super::DeadUse {
        match (&self.dead, &self.dead_aside) {
            (Some(d), _) => super::DeadUse::Used {
                local_states: d.local_states,
                explored: d.explored,
                inputs: d.inputs,
                acyclic: d.acyclic,
                left_out: d.left_out_names.clone(),
                node_states_max: d.node_states_max,
            },
            (None, Some(why)) => super::DeadUse::Aside(why.clone()),
            (None, None) => super::DeadUse::Off,
        }
    }

    /// stateright's bound on nodes crashed at once.
    pub fn max_crashes(&self) -> usize {
        self.max_crashes
    }

    /// Takes off `w`'s network every message to node `j` that is dead in `j`'s local state
    /// (a no-op without pruning).
    fn prune_to(&self, w: &mut World, j: usize) {
        let Some(dead) = &self.dead else { return };
        if !w.net.iter().any(|f| f.dst as usize == j) {
            return;
        }
        let key = local_key(w, j);
        w.net
            .retain(|f| f.dst as usize != j || !dead.is_dead(j, key, f.src, &f.msg));
    }

    /// A path of this engine (action indices from init state `init`) as the reference
    /// model's action indices: the same actions, numbered among the reference state's own
    /// (which, with dead messages pruned here, may list more deliveries).
    pub fn reference_path(&self, init: usize, path: &[usize]) -> Vec<usize> {
        if self.dead.is_none() {
            return path.to_vec();
        }
        let mut w = self.init_states().swap_remove(init);
        let mut s = self.model.init_states().swap_remove(init);
        let (mut mine, mut theirs) = (Vec::new(), Vec::new());
        path.iter()
            .map(|&a| {
                mine.clear();
                theirs.clear();
                self.actions(&w, &mut mine);
                self.model.actions(&s, &mut theirs);
                let action = mine.swap_remove(a);
                let at = theirs
                    .iter()
                    .position(|b| *b == action)
                    .expect("the reference state lists every action of the pruned world");
                w = self.next_state(&w, action.clone()).expect("a step");
                s = self.model.next_state(&s, action).expect("the same step");
                at
            })
            .collect()
    }

    /// The engine with partial-order reduction ([`super::por`]).
    pub fn with_por(model: &'m PaxosModel) -> Engine<'m> {
        Engine {
            por: Some(Por::new(model)),
            ..Engine::new(model)
        }
    }

    /// The crash budget of a run (0 in a witness search).
    pub fn crashes_max(&self) -> usize {
        if self.model.mode == Mode::Faults {
            self.model.cfg().crashes_max
        } else {
            0
        }
    }

    /// Whether a step so far sent a message `Rules::may_send` does not allow (only watched
    /// with partial-order reduction on, whose soundness rests on it).
    pub fn stray_send(&self) -> bool {
        self.stray_send.load(Ordering::Relaxed)
    }

    fn actor(&self, i: usize) -> &paxos_models::Node {
        &self.model.inner.actors[i]
    }

    /// Whether the harness allows node `i` to crash now (its role, the fault budget).
    fn may_crash(&self, w: &World, i: usize) -> bool {
        let cfg = self.model.cfg();
        cfg.may_crash.contains(cfg.role_of(i).0) && (w.obs.crashes as usize) < self.crashes_max()
    }

    /// The nodes (bitmask) of `w` that will never send a message again, whatever happens:
    /// store clients whose every operation is invoked. The partial-order reduction leaves
    /// them out of closures; a send by one of them counts as a stray send.
    pub fn silent(&self, w: &World) -> u16 {
        if !self.model.cfg().is_store() {
            return 0;
        }
        (0..w.nodes.len()).fold(0u16, |m, i| m | (self.node_silent(w, i) as u16) << i)
    }

    /// Whether node `i` of `w` will never send again (see [`Engine::silent`]).
    fn node_silent(&self, w: &World, i: usize) -> bool {
        let cfg = self.model.cfg();
        matches!(&w.nodes[i],
            NodeState::Client(c) if c.next as usize >= cfg.ops_of(cfg.role_of(i).1).len())
    }

    /// Carries out node `i`'s commands on `w`, as stateright's `process_commands` does;
    /// `was_silent`: node `i` was [`Engine::silent`] before this step. Returns whether the
    /// harness observed anything new.
    fn process(
        &self,
        i: usize,
        out: Out<paxos_models::Node>,
        w: &mut World,
        was_silent: bool,
    ) -> bool {
        // Receivers' local states, for the dead-message test (they do not change here).
        let mut keys = [None::<u64>; 16];
        for c in out {
            match c {
                Command::Send(dst, msg) => {
                    let dst = usize::from(dst);
                    if let Some(por) = &self.por {
                        if !por.may_send(i, dst) || was_silent {
                            self.stray_send.store(true, Ordering::Relaxed);
                        }
                    }
                    if let Some(dead) = self.dead.as_ref().filter(|_| dst != i) {
                        if dead.left_out != 0 {
                            dead.sent(i, dst, &msg);
                        }
                        let key = *keys[dst].get_or_insert_with(|| local_key(w, dst));
                        if dead.is_dead(dst, key, i as u8, &msg) {
                            continue;
                        }
                    }
                    w.send(self.delivery, i as u8, dst as u8, msg)
                }
                Command::SetTimer(Timer::Retry, _) => w.timers |= 1 << i,
                Command::CancelTimer(Timer::Retry) => w.timers &= !(1 << i),
                Command::Save(s) => w.storages[i] = Some(s),
                Command::ChooseRandom(..) => unreachable!("Paxos nodes make no random choices"),
            }
        }
        let observed = self.model.observe_node(i, &w.nodes[i], &mut w.obs);
        self.prune_to(w, i);
        observed
    }

    /// Whether node `i` of `w` is [`Engine::silent`] (asked only with the reduction on).
    fn was_silent(&self, w: &World, i: usize) -> bool {
        self.por.is_some() && self.node_silent(w, i)
    }

    /// The fingerprint of `w`'s symmetry class: the same value the reference model's
    /// `canonical_fingerprint` gives the same state.
    pub fn canonical(&self, w: &World) -> (u64, paxos_models::symmetry::Small<usize>) {
        self.model.canonical(&OnNet(w, self.delivery))
    }
}

impl Engine<'_> {
    /// Steps `w` by `action` into the world `fresh` returns (a copy of `w`, asked for only
    /// when the step is one); `None` when the action is no step from `w`, else whether the
    /// step changed the observations.
    fn apply<'o>(
        &self,
        w: &World,
        action: Action,
        fresh: impl FnOnce() -> &'o mut World,
    ) -> Option<bool> {
        match action {
            ActorModelAction::Drop(e) => {
                let next = fresh();
                let (src, dst) = (usize::from(e.src) as u8, usize::from(e.dst) as u8);
                next.take(src, dst, &e.msg);
                Some(false)
            }
            ActorModelAction::Deliver { src, dst, msg } => {
                let i = usize::from(dst);
                if i >= w.nodes.len() || w.crashed & (1 << i) != 0 {
                    return None;
                }
                let mut state = Cow::Borrowed(&w.nodes[i]);
                let mut out = Out::new();
                self.actor(i).on_msg(dst, &mut state, src, msg, &mut out);
                if is_no_op(&state, &out) && self.delivery != Delivery::Ordered {
                    return None;
                }
                let next = fresh();
                if self.delivery != Delivery::UnorderedDuplicating {
                    next.take(usize::from(src) as u8, i as u8, &msg);
                }
                if let Cow::Owned(s) = state {
                    next.nodes[i] = s;
                }
                Some(self.process(i, out, next, self.was_silent(w, i)))
            }
            ActorModelAction::Timeout(id, timer) => {
                let i = usize::from(id);
                let mut state = Cow::Borrowed(&w.nodes[i]);
                let mut out = Out::new();
                self.actor(i).on_timeout(id, &mut state, &timer, &mut out);
                if is_no_op_with_timer(&state, &out, &timer) {
                    return None;
                }
                let next = fresh();
                next.timers &= !(1 << i);
                if let Cow::Owned(s) = state {
                    next.nodes[i] = s;
                }
                Some(self.process(i, out, next, self.was_silent(w, i)))
            }
            ActorModelAction::Crash(id) => {
                let i = usize::from(id);
                let next = fresh();
                next.timers &= !(1 << i);
                next.crashed |= 1 << i;
                next.obs.crashes += 1;
                self.prune_to(next, i);
                Some(true)
            }
            ActorModelAction::Recover(id) => {
                let i = usize::from(id);
                assert!(w.crashed & (1 << i) != 0, "only a crashed node restarts");
                let mut out = Out::new();
                let state = self.actor(i).on_start(id, &w.storages[i], &mut out);
                let next = fresh();
                next.nodes[i] = state;
                next.crashed &= !(1 << i);
                Some(self.process(i, out, next, self.was_silent(w, i)))
            }
            ActorModelAction::SelectRandom { .. } => {
                unreachable!("Paxos nodes make no random choices")
            }
        }
    }
}

impl Engine<'_> {
    /// [`StepInto::step_into`](super::bfs::StepInto::step_into) for a scratch world `out`
    /// that already holds `w`, or `w` stepped by one earlier step that left the mark `last`
    /// ([`Engine::mark`]): only what that step may have changed is put back first (its
    /// node's state and storage, the network, timers, crashes, and the observations if it
    /// observed anything), not the whole world. Returns this step's mark when it is a step.
    pub fn step_again(
        &self,
        w: &World,
        action: Action,
        out: &mut World,
        last: Option<usize>,
    ) -> Option<usize> {
        let node = Self::node_of(&action);
        self.apply(w, action, || {
            if let Some(mark) = last {
                out.put_back(w, mark);
            }
            out
        })
        .map(|observed| Self::mark(node, observed))
    }

    /// `w` stepped by `action` into `out` (whatever it held: `w` is copied into it first,
    /// into the buffers it has), with the step's mark ([`Engine::mark`]); `None`, and
    /// `out` untouched, when the action is no step from `w`.
    pub fn step_into_marked(&self, w: &World, action: Action, out: &mut World) -> Option<usize> {
        let node = Self::node_of(&action);
        self.apply(w, action, || {
            out.clone_from(w);
            out
        })
        .map(|observed| Self::mark(node, observed))
    }

    /// A step's mark: the node it belongs to, and [`OBS_KEPT`] unless it `observed`
    /// anything new. What a scratch world needs put back after the step, and which parts
    /// of the successor's packed bytes are its parent's.
    pub fn mark(node: usize, observed: bool) -> usize {
        if observed {
            node
        } else {
            node | OBS_KEPT
        }
    }

    /// The node a step belongs to, the only node whose state or storage it changes: a
    /// delivery's or a drop's destination, the node of any other step.
    pub fn node_of(action: &Action) -> usize {
        match action {
            ActorModelAction::Deliver { dst, .. } => usize::from(*dst),
            ActorModelAction::Drop(e) => usize::from(e.dst),
            ActorModelAction::Timeout(id, _)
            | ActorModelAction::Crash(id)
            | ActorModelAction::Recover(id)
            | ActorModelAction::SelectRandom { actor: id, .. } => usize::from(*id),
        }
    }
}

impl super::bfs::StepInto for Engine<'_> {
    fn step_into(&self, w: &World, action: Action, out: &mut World) -> bool {
        self.step_into_marked(w, action, out).is_some()
    }

    /// The mark is the last step's ([`Engine::mark`]): only its node's state and storage,
    /// the network, timers, crashes and (if it observed anything) the observations are
    /// copied back, not every node (on classic, unreduced, copies took 16% of the run).
    fn step_into_again(
        &self,
        w: &World,
        action: Action,
        out: &mut World,
        dirty: &mut usize,
    ) -> bool {
        let node = Self::node_of(&action);
        let last = *dirty;
        let observed = self.apply(w, action, || {
            match last {
                super::bfs::DIRTY_ALL => out.clone_from(w),
                mark => out.put_back(w, mark),
            }
            out
        });
        if let Some(observed) = observed {
            *dirty = Self::mark(node, observed);
        }
        observed.is_some()
    }

    /// Both parts of what differs: the nodes of each (a step's one node or a set), and
    /// the observations unless both kept them.
    fn dirty_after(&self, last: usize, changed: usize) -> usize {
        if last == super::bfs::DIRTY_ALL || changed == super::bfs::DIRTY_ALL {
            return super::bfs::DIRTY_ALL;
        }
        let nodes = marked_nodes(last) | marked_nodes(changed);
        MARK_NODES | nodes << NODES_SHIFT | (last & changed & OBS_KEPT)
    }

    /// Every property but no-takebacks reads only the observations (no-takebacks also
    /// reads what each node holds now, which a step that observes nothing may change).
    fn verdicts_kept(&self, props: &[Property<Self>]) -> u32 {
        props
            .iter()
            .enumerate()
            .filter(|(_, p)| OBS_ONLY.contains(&p.name))
            .fold(0, |m, (i, _)| m | 1 << i)
    }

    /// A step that observed nothing new ([`OBS_KEPT`]) leaves the observations as they were.
    fn keeps_verdicts(&self, mark: usize) -> bool {
        mark != super::bfs::DIRTY_ALL && mark & OBS_KEPT != 0
    }

    /// A step's kind (bits 26-28), node (21-25), sender (16-20: a delivery's or a drop's,
    /// else the node) and a 16-bit digest of its message, under bit 31.
    fn sleep_key(&self, action: &Action) -> u32 {
        let (kind, node, src, msg) = match action {
            ActorModelAction::Deliver { src, dst, msg } => (1, *dst, *src, Some(msg)),
            ActorModelAction::Drop(e) => (2, e.dst, e.src, Some(&e.msg)),
            ActorModelAction::Timeout(id, _) => (3, *id, *id, None),
            ActorModelAction::Crash(id) => (4, *id, *id, None),
            ActorModelAction::Recover(id) => (5, *id, *id, None),
            ActorModelAction::SelectRandom { .. } => return 1,
        };
        let digest = msg.map_or(0, |m| super::fingerprint(m) as u16);
        1 << 31
            | kind << 26
            | (usize::from(node) as u32 & 31) << 21
            | (usize::from(src) as u32 & 31) << 16
            | digest as u32
    }

    /// Steps of two nodes commute from any state where both are possible (the partial-order
    /// reduction's independence, [`super::por`]): each changes its own node's state,
    /// storage and timer, takes messages addressed to its node (dead ones too) and adds
    /// messages from it, and the observations it adds to are unions, except two store
    /// clients' (the history is a sequence) and two faults (they share the budget). A step
    /// `later` possible after `earlier` was possible before it when no message `earlier`
    /// sent can be what `later` takes: `later` is not a delivery or drop from `earlier`'s
    /// node.
    fn moves_past(&self, earlier: u32, later: u32) -> bool {
        let field = |k: u32, at: u32| (k >> at) & 31;
        let (kind_a, kind_c) = (field(earlier, 26) & 7, field(later, 26) & 7);
        let (node_a, node_c) = (field(earlier, 21), field(later, 21));
        if node_a == node_c
            || (kind_a >= 4 && kind_c >= 4)
            || (kind_c <= 2 && field(later, 16) == node_a)
            || kind_a == 0
            || kind_c == 0
        {
            return false;
        }
        self.ordered & (1 << node_a) == 0 || self.ordered & (1 << node_c) == 0
    }

    /// Ranks compare (kind, node, sender, message digest), nodes named by role alone when
    /// `symmetric` and the role is one the symmetry renames (acceptors, learners).
    fn ranks_below(&self, a: u32, c: u32, symmetric: bool) -> bool {
        let names = &self.sleep_names[symmetric as usize];
        let rank = |k: u32| {
            ((k >> 26) & 7) << 24
                | (names[((k >> 21) & 31) as usize] as u32) << 16
                | (names[((k >> 16) & 31) as usize] as u32) << 8
        };
        (rank(a), a & 0xffff) < (rank(c), c & 0xffff)
    }
}

impl Model for Engine<'_> {
    type State = World;
    type Action = Action;

    fn init_states(&self) -> Vec<World> {
        let mut worlds: Vec<World> = self.model.init_states().iter().map(World::of).collect();
        for w in &mut worlds {
            for j in 0..w.nodes.len() {
                self.prune_to(w, j);
            }
        }
        worlds
    }

    fn actions(&self, w: &World, actions: &mut Vec<Action>) {
        // stateright's order (it sorts its actions): drops, deliveries (each by envelope),
        // timeouts, crashes, restarts (each by node); the harness then removes what its
        // fault budget does not allow.
        let ordered = self.delivery == Delivery::Ordered;
        if self.model.drops {
            actions.extend(
                w.heads(ordered)
                    .map(|f| ActorModelAction::Drop(f.envelope())),
            );
        }
        actions.extend(w.heads(ordered).map(|f| ActorModelAction::Deliver {
            src: Id::from(f.src as usize),
            dst: Id::from(f.dst as usize),
            msg: f.msg,
        }));
        let n = w.nodes.len();
        for i in (0..n).filter(|i| w.timers & (1 << i) != 0) {
            actions.push(ActorModelAction::Timeout(Id::from(i), Timer::Retry));
        }
        if (w.crashed.count_ones() as usize) < self.max_crashes {
            for i in (0..n).filter(|&i| w.crashed & (1 << i) == 0 && self.may_crash(w, i)) {
                actions.push(ActorModelAction::Crash(Id::from(i)));
            }
        }
        if self.model.mode == Mode::Faults && self.model.cfg().restarts {
            for i in (0..n).filter(|i| w.crashed & (1 << i) != 0) {
                actions.push(ActorModelAction::Recover(Id::from(i)));
            }
        }
    }

    fn next_state(&self, w: &World, action: Action) -> Option<World> {
        let mut next = None;
        self.apply(w, action, || next.insert(w.clone()));
        next
    }

    /// The properties are a function of the observations alone but for no-takebacks
    /// ([`OBS_ONLY`], read by [`StepInto::verdicts_kept`](super::bfs::StepInto)).
    fn properties(&self) -> Vec<Property<Self>> {
        vec![
            Property::always("coherence", |_, w: &World| properties::coherence(&w.obs)),
            Property::always("conflict-resolution", |e: &Engine, w: &World| {
                properties::conflict_resolution(&w.obs, e.model.chosen_quorum())
            }),
            Property::always("no-takebacks", |_, w: &World| {
                properties::keeps_all(&w.obs, w.nodes.iter())
            }),
            Property::always("log-coherence", |e: &Engine, w: &World| {
                properties::log_coherence(&w.obs, e.model.chosen_quorum())
            }),
            Property::always("linearizability", |e: &Engine, w: &World| {
                properties::linearizable(e.model.cfg(), &w.obs)
            }),
            Property::sometimes("decision-reachable", |_, w: &World| {
                properties::decided_somewhere(&w.obs)
            }),
        ]
    }

    fn format_action(&self, action: &Action) -> String {
        self.model.format_action(action)
    }
}
