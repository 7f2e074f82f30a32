//! Symmetry reduction that is sound for Paxos: acceptors are interchangeable, and so are
//! learners (proposers are not: each owns its ballots and its value). A state's class is
//! named by its representative: acceptors sorted by everything that concerns them, then
//! learners likewise, with the renaming applied to node slots, message endpoints, the
//! acceptor bitmasks and indices inside proposer, learner and harness state, all at once.
//!
//! The engine deduplicates by [`PaxosModel::canonical_fingerprint`], the fingerprint of the
//! representative computed without building it, and keeps the real states, so its paths
//! replay as they are. Nodes are ordered by a signature (a digest of everything that
//! concerns them); a signature tie or collision can only cost reduction, never soundness,
//! since every state still stands for a member of its own class. [`PaxosModel::rename`]
//! builds another member of a class, for tests.
//!
//! Only sound when the rules treat acceptors and learners uniformly ([`Rules::symmetric`]);
//! the engines skip it otherwise.
//!
//! [`Rules::symmetric`]: crate::Rules::symmetric

use std::hash::{BuildHasher, Hash, Hasher};
use std::sync::Arc;

use smallvec::SmallVec;
use stateright::actor::{ActorModelState, Id, Network};
use stateright::{Rewrite, RewritePlan};

use crate::cfg::Role;
use crate::model::{Obs, PaxosModel, PaxosState};
use crate::node::{Node, NodeState, Phase, Storage};
use crate::store::{Lead, LogObs};
use crate::types::{Ballot, Few, Msg, Value};

impl Rewrite<Id> for Msg {
    fn rewrite<S>(&self, _plan: &RewritePlan<Id, S>) -> Self {
        *self
    }
}

/// One entry per node, or per acceptor or learner, inline: canonicalising a state is on
/// every successor of a symmetric search, and a heap block per list cost a tenth of it.
pub type Small<T> = SmallVec<[T; 8]>;

/// The messages in flight as (src, dst, digest) items ([`SymView::flight_items`]).
pub type FlightItems = SmallVec<[(usize, usize, u64); 32]>;

/// Moves bit `i` of `mask` to bit `perm[i]`.
fn permute_bits(mask: u16, perm: &[usize]) -> u16 {
    perm.iter()
        .enumerate()
        .filter(|(i, _)| mask & (1 << i) != 0)
        .fold(0, |m, (_, &to)| m | 1 << to)
}

/// Sorts `keys` (signature, index) in place, which orders the indices by signature (ties
/// by index), and puts its inverse in `inv`: old index -> new index. Insertion sort: a handful of
/// acceptors or learners, on every successor of a symmetric search.
fn sort_keys(keys: &mut [(u64, usize)], inv: &mut Small<usize>) {
    for k in 1..keys.len() {
        let mut j = k;
        while j > 0 && keys[j] < keys[j - 1] {
            keys.swap(j, j - 1);
            j -= 1;
        }
    }
    inv.clear();
    inv.resize(keys.len(), 0);
    for (new, &(_, old)) in keys.iter().enumerate() {
        inv[old] = new;
    }
}

/// A 64-bit digest of `value` (aHash with fixed seeds: the same in every process).
pub fn digest<T: Hash + ?Sized>(value: &T) -> u64 {
    ahash::RandomState::with_seeds(
        0x9e37_79b9_7f4a_7c15,
        0xbf58_476d_1ce4_e5b9,
        0x94d0_49bb_1331_11eb,
        0x2545_f491_4f6c_dd1d,
    )
    .hash_one(value)
}

/// `h` (a digest) combined with a small `tag`, for the order-free sums over messages in
/// flight: far cheaper than hashing the pair, and as good for them. The tag is spread by an
/// odd multiplier and the result goes through murmur3's finaliser, a bijection, so
/// distinct (digest, tag) pairs collide no more than any two 64-bit digests do.
#[inline]
pub fn mix(h: u64, tag: u64) -> u64 {
    let mut x = h ^ tag.wrapping_add(1).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
    x ^= x >> 33;
    x = x.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    x ^ (x >> 33)
}

/// What the symmetry reduction reads of a state, so that the harness's state and the
/// engine's packed world (`paxos_lab::engine::world`) are reduced by the same code, into the
/// same classes.
pub trait SymView {
    fn node(&self, i: usize) -> &NodeState;
    fn crashed(&self, i: usize) -> bool;
    fn storage(&self, i: usize) -> &Option<Storage>;
    fn timer_set(&self, i: usize) -> bool;
    fn obs(&self) -> &Obs;
    /// The messages in flight as (src, dst, digest of the payload) items: one item per copy
    /// on an unordered network (so a multiset), one per flow on an ordered one (its messages
    /// in order, digested as a `Few<Msg>`), in no particular order; everything that uses
    /// them is order-independent. Pushed onto `out` (empty): a canonicalisation fills one
    /// buffer in place instead of moving a kilobyte per successor.
    fn flight_items(&self, out: &mut FlightItems);
}

impl SymView for PaxosState {
    fn node(&self, i: usize) -> &NodeState {
        &self.sys.actor_states[i]
    }
    fn crashed(&self, i: usize) -> bool {
        self.sys.crashed[i]
    }
    fn storage(&self, i: usize) -> &Option<Storage> {
        &self.sys.actor_storages[i]
    }
    fn timer_set(&self, i: usize) -> bool {
        self.sys.timers_set[i].iter().next().is_some()
    }
    fn obs(&self) -> &Obs {
        &self.obs
    }
    fn flight_items(&self, out: &mut FlightItems) {
        match &self.sys.network {
            Network::Ordered(flows) => out.extend(flows.iter().map(|(&(src, dst), msgs)| {
                let seq: Few<Msg> = msgs.iter().copied().collect();
                (usize::from(src), usize::from(dst), digest(&seq))
            })),
            network => out.extend(
                crate::model::in_flight(network)
                    .into_iter()
                    .map(|(src, dst, msg)| (src, dst, digest(&msg))),
            ),
        }
    }
}

/// Node signatures: a digest of everything that concerns one node, independent of how the
/// interchangeable nodes are named. Parts that are multisets (messages, votes) are summed,
/// so their order never matters. Two nodes with the same signature are ordered by index;
/// a signature collision between nodes that differ only costs reduction (the state is
/// still replaced by a member of its own class), never soundness.
struct Signature(ahash::AHasher);

impl Signature {
    fn new() -> Signature {
        Signature(
            ahash::RandomState::with_seeds(
                0x243f_6a88_85a3_08d3,
                0x1319_8a2e_0370_7344,
                0xa409_3822_299f_31d0,
                0x082e_fa98_ec4e_6c89,
            )
            .build_hasher(),
        )
    }

    fn add<T: Hash + ?Sized>(mut self, value: &T) -> Signature {
        value.hash(&mut self.0);
        self
    }

    fn finish(self) -> u64 {
        self.0.finish()
    }
}

/// A node's storage as the reduction hashes it, next to the node's state: one byte when
/// it is exactly that state ([`NodeState::keeps_exactly`], the usual case), else a tag and
/// the storage. Two different storages of one state hash differently, as before, and a
/// store replica's is not hashed whole a second time.
struct Kept<'a>(&'a Option<Storage>, &'a NodeState);

impl Hash for Kept<'_> {
    fn hash<H: Hasher>(&self, h: &mut H) {
        if self.1.keeps_exactly(self.0) {
            h.write_u8(1);
        } else {
            h.write_u8(0);
            self.0.hash(h);
        }
    }
}

/// `node` with acceptor indices inside it renamed by `acc` (old index -> new index), or
/// `None` when nothing in it names an acceptor: a preparing proposer's promise set, a
/// learner's votes.
fn renamed_node(node: &NodeState, acc: &[usize]) -> Option<NodeState> {
    match node {
        NodeState::Proposer(ps) => match &ps.phase {
            Some(Phase::Preparing { promised, reported }) => {
                let mut ps = ps.clone();
                ps.phase = Some(Phase::Preparing {
                    promised: permute_bits(*promised, acc),
                    reported: reported.clone(),
                });
                Some(NodeState::Proposer(ps))
            }
            _ => None,
        },
        NodeState::Learner(ls) if !ls.votes.is_empty() => {
            let mut ls = ls.clone();
            for v in &mut ls.votes {
                v.acceptor = acc[v.acceptor as usize] as u8;
            }
            ls.votes.sort();
            Some(NodeState::Learner(ls))
        }
        NodeState::Leader(l) => match &l.lead {
            Lead::Preparing { promised, reported } => {
                let mut l = l.clone();
                l.lead = Lead::Preparing {
                    promised: permute_bits(*promised, acc),
                    reported: *reported,
                };
                Some(NodeState::Leader(l))
            }
            _ => None,
        },
        NodeState::StoreReplica(r) if !r.votes.is_empty() => {
            let mut r = r.clone();
            for v in &mut r.votes {
                v.2 = acc[v.2 as usize] as u8;
            }
            r.votes.sort();
            Some(NodeState::StoreReplica(r))
        }
        _ => None,
    }
}

/// Node `j`'s local state (`node` and what it keeps in `storage`) with the acceptor indices
/// inside them renamed by `acc` (old index -> new index), for a node that is not an acceptor
/// itself: how the engine's dead-message analysis explores a proposer or learner alone once
/// per class of local states. A store replica's kept votes name acceptors too.
pub fn renamed_local(
    node: &NodeState,
    storage: &Option<Storage>,
    acc: &[usize],
) -> (NodeState, Option<Storage>) {
    let node = renamed_node(node, acc).unwrap_or_else(|| node.clone());
    (node, renamed_storage(storage, acc))
}

/// What a node keeps, with the acceptor indices inside it renamed by `acc` (only a store
/// replica's kept votes name acceptors; anything else is returned as it is).
fn renamed_storage(storage: &Option<Storage>, acc: &[usize]) -> Option<Storage> {
    match storage {
        Some(Storage::StoreReplica(r)) if !r.votes.is_empty() => {
            match renamed_node(&NodeState::StoreReplica(r.clone()), acc) {
                Some(NodeState::StoreReplica(r)) => Some(Storage::StoreReplica(r)),
                _ => unreachable!("a store replica renamed is one"),
            }
        }
        s => s.clone(),
    }
}

/// Hashes `node` with the acceptor indices inside it renamed by `acc`, as
/// [`renamed_node`] would give it, without building the renamed copy where that is easy.
fn hash_renamed<H: Hasher>(node: &NodeState, acc: &[usize], h: &mut H) {
    match node {
        NodeState::Proposer(ps) => {
            (ps.round, ps.ballot).hash(h);
            match &ps.phase {
                None => 0u8.hash(h),
                Some(Phase::Preparing { promised, reported }) => {
                    (1u8, permute_bits(*promised, acc), reported).hash(h)
                }
                Some(Phase::Accepting { v }) => (2u8, v).hash(h),
            }
        }
        node => match renamed_node(node, acc) {
            Some(renamed) => renamed.hash(h),
            None => node.hash(h),
        },
    }
}

/// The renaming that takes a state to its class's representative, and what the fingerprint
/// reuses of the work that found it.
#[derive(Default)]
struct Renaming {
    /// Old node id -> new node id.
    perm: Small<usize>,
    /// Old acceptor index -> new acceptor index.
    acc: Small<usize>,
    /// The messages in flight ([`SymView::flight_items`]).
    items: FlightItems,
    /// Per acceptor, in the new order, its signature and old index: a digest of everything
    /// about it (its state, storage, crash, timer, what it was seen to do, its messages, the
    /// votes and promises naming it), with nothing named but proposers.
    acc_keys: Small<(u64, usize)>,
    /// Per learner, in the new order, its signature likewise (acceptors in it already
    /// renamed) and old index.
    lrn_keys: Small<(u64, usize)>,
}

/// A store world's record with node ids renamed by `perm` and acceptor sets by `acc`.
fn renamed_log(log: &LogObs, perm: &[usize], acc: &[usize]) -> LogObs {
    let mut out = LogObs {
        accepted: log
            .accepted
            .iter()
            .map(|&(slot, b, cmd, m)| (slot, b, cmd, permute_bits(m, acc)))
            .collect(),
        ..log.clone()
    };
    out.accepted.sort();
    for (old, &new) in perm.iter().enumerate() {
        out.first[new] = log.first[old];
        out.ever[new] = log.ever[old];
        out.applied[new] = log.applied[old].clone();
    }
    out
}

/// The proposals accepted, with acceptor sets renamed by `acc`, sorted again.
fn renamed_accepted(obs: &Obs, acc: &[usize]) -> Few<(Ballot, Value, u16)> {
    let mut accepted: Few<(Ballot, Value, u16)> = obs
        .accepted
        .iter()
        .map(|&(b, v, m)| (b, v, permute_bits(m, acc)))
        .collect();
    accepted.sort();
    accepted
}

impl PaxosModel {
    /// The fingerprint of `state`'s representative, computed without building it: every
    /// part of the state is hashed in the renamed order with node ids renamed, so two states
    /// of one class get one fingerprint, but for one case: acceptors that tie on their
    /// signatures (which name no learner) yet stand differently towards two learners are
    /// renamed in index order, and the class gets one fingerprint per order (classic has
    /// 35,654 fingerprints for 35,574 classes, counted by renaming every way). That costs
    /// reduction, never soundness. The engine keeps the real state and dedups by this,
    /// which spares a rebuild (a fifth of a symmetric run) per successor, and its paths
    /// replay exactly, without renaming back.
    pub fn canonical_fingerprint<V: SymView>(&self, state: &V) -> u64 {
        self.canonical(state).0
    }

    /// [`Self::canonical_fingerprint`] and the acceptor renaming that takes `state` to its
    /// class's representative (old acceptor index -> new): two states with one fingerprint
    /// are one another renamed by the first's renaming followed by the inverse of the
    /// second's, which is what a search needs to carry an acceptor set across a class.
    pub fn canonical<V: SymView>(&self, state: &V) -> (u64, Small<usize>) {
        let mut r = Renaming::default();
        self.renaming(state, &mut r);
        let cfg = self.cfg();
        let (p, a, l) = (cfg.proposers, cfg.acceptors, cfg.learners);
        let obs = state.obs();
        let mut h = Signature::new().0;
        // Node by node in the new order. Every slot holds one role in every state (the
        // renaming keeps roles): proposers, then acceptors, then learners, then clients, and
        // only acceptors and learners move.
        let named = |old: usize, h: &mut ahash::AHasher| {
            hash_renamed(state.node(old), &r.acc, h);
            (
                state.crashed(old),
                Kept(state.storage(old), state.node(old)),
                state.timer_set(old),
                obs.first_decision[old],
                obs.decided_ever[old],
            )
                .hash(h);
            if let Some(log) = &obs.log {
                (log.first[old], log.ever[old], &log.applied[old]).hash(h);
            }
        };
        for old in 0..p {
            named(old, &mut h);
        }
        // An acceptor's or a learner's signature is a digest of everything about it,
        // name-independent (acceptors in a learner renamed already): hashing it stands for
        // hashing those parts again (in a store world, half of the canonicalisation was
        // hashing them twice).
        for &(sig, _) in r.acc_keys.iter().chain(&r.lrn_keys) {
            sig.hash(&mut h);
        }
        for old in p + a + l..r.perm.len() {
            named(old, &mut h);
        }
        let (perm, acc) = (&r.perm, std::mem::take(&mut r.acc));
        // The proposals accepted, acceptor sets renamed, hashed as the sorted list they make
        // (length, then entries): each list is sorted by what precedes its set, one entry
        // per such key, so renaming the sets keeps its order and nothing is built or sorted.
        if let Some(log) = &obs.log {
            log.accepted.len().hash(&mut h);
            for &(slot, b, cmd, m) in &log.accepted {
                (slot, b, cmd, permute_bits(m, &acc)).hash(&mut h);
            }
            log.history.hash(&mut h);
        }
        // The network: an order-free sum over its items with node ids renamed (one item per
        // copy on an unordered network, so counts are kept; one per flow on an ordered one).
        let net = r.items.iter().fold(0u64, |sum, &(s, d, m)| {
            sum.wrapping_add(mix(m, (perm[s] << 8 | perm[d]) as u64))
        });
        (net, obs.crashes, obs.proposed).hash(&mut h);
        obs.accepted.len().hash(&mut h);
        for &(b, v, m) in &obs.accepted {
            (b, v, permute_bits(m, &acc)).hash(&mut h);
        }
        debug_assert!(
            {
                let sorted = renamed_accepted(obs, &acc);
                sorted.len() == obs.accepted.len()
                    && sorted
                        .iter()
                        .zip(&obs.accepted)
                        .all(|(x, y)| (x.0, x.1) == (y.0, y.1))
            },
            "one entry per (ballot, value), so renaming keeps the order"
        );
        (h.finish(), acc)
    }

    /// The renaming that sorts acceptors, then learners, by their signatures, into `r`
    /// (empty; filled in place).
    fn renaming<V: SymView>(&self, state: &V, r: &mut Renaming) {
        let cfg = self.cfg();
        let (p, a, l) = (cfg.proposers, cfg.acceptors, cfg.learners);
        let obs = state.obs();
        state.flight_items(&mut r.items);
        let items = &r.items;
        let learner_base = p + a;
        let is_learner = |x: usize| (learner_base..learner_base + l).contains(&x);

        // Acceptors first, described without naming acceptors or learners.
        let mut acc_net: Small<u64> = smallvec::smallvec![0u64; a];
        let mut acc_votes: Small<u64> = smallvec::smallvec![0u64; a];
        for &(s, d, h) in items {
            if (p..learner_base).contains(&s) {
                let other = if is_learner(d) { usize::MAX } else { d };
                acc_net[s - p] = acc_net[s - p].wrapping_add(mix(h, (other as u64) << 1 | 1));
            }
            if (p..learner_base).contains(&d) {
                let other = if is_learner(s) { usize::MAX } else { s };
                acc_net[d - p] = acc_net[d - p].wrapping_add(mix(h, (other as u64) << 1));
            }
        }
        for j in 0..l {
            match state.node(learner_base + j) {
                NodeState::Learner(ls) => {
                    for v in &ls.votes {
                        let i = v.acceptor as usize;
                        acc_votes[i] = acc_votes[i].wrapping_add(digest(&(v.b, v.v)));
                    }
                }
                NodeState::StoreReplica(r) => {
                    for &(slot, b, i, cmd) in &r.votes {
                        let i = i as usize;
                        acc_votes[i] = acc_votes[i].wrapping_add(digest(&(slot, b, cmd)));
                    }
                }
                _ => {}
            }
        }
        // Each preparing proposer's promise set, read once for all acceptors.
        let promised: Small<Option<u16>> = (0..p)
            .map(|q| match state.node(q) {
                NodeState::Proposer(ps) => match &ps.phase {
                    Some(Phase::Preparing { promised, .. }) => Some(*promised),
                    _ => None,
                },
                NodeState::Leader(ls) => match &ls.lead {
                    Lead::Preparing { promised, .. } => Some(*promised),
                    _ => None,
                },
                _ => None,
            })
            .collect();
        r.acc_keys.extend((0..a).map(|i| {
            let id = p + i;
            let mut sig = Signature::new()
                .add(&state.crashed(id))
                .add(state.node(id))
                .add(&Kept(state.storage(id), state.node(id)))
                .add(&state.timer_set(id))
                .add(&obs.first_decision[id])
                .add(&obs.decided_ever[id])
                .add(&acc_net[i])
                .add(&acc_votes[i]);
            if let Some(log) = &obs.log {
                sig = sig.add(&(log.first[id], log.ever[id], &log.applied[id]));
            }
            // obs.accepted is sorted by (ballot, value): a name-independent order.
            for e in obs.accepted.iter().filter(|e| e.2 & (1 << i) != 0) {
                sig = sig.add(&(e.0, e.1));
            }
            if let Some(log) = &obs.log {
                // Sorted by (slot, ballot, command): a name-independent order.
                for e in log.accepted.iter().filter(|e| e.3 & (1 << i) != 0) {
                    sig = sig.add(&(e.0, e.1, e.2));
                }
            }
            for (q, m) in promised.iter().enumerate() {
                if let Some(m) = m {
                    sig = sig.add(&(q, m & (1 << i) != 0));
                }
            }
            (sig.finish(), i)
        }));
        sort_keys(&mut r.acc_keys, &mut r.acc);
        let acc = &r.acc;
        let acc_id = |x: usize| {
            if (p..p + a).contains(&x) {
                p + acc[x - p]
            } else {
                x
            }
        };

        // Then learners, described with acceptors already renamed.
        let mut lrn_net: Small<u64> = smallvec::smallvec![0u64; l];
        for &(s, d, h) in items {
            if is_learner(s) {
                lrn_net[s - learner_base] =
                    lrn_net[s - learner_base].wrapping_add(mix(h, (acc_id(d) as u64) << 1 | 1));
            }
            if is_learner(d) {
                lrn_net[d - learner_base] =
                    lrn_net[d - learner_base].wrapping_add(mix(h, (acc_id(s) as u64) << 1));
            }
        }
        r.lrn_keys.extend((0..l).map(|j| {
            let id = learner_base + j;
            let sig = Signature::new()
                .add(&state.crashed(id))
                .add(&state.timer_set(id));
            let sig = match state.node(id) {
                NodeState::Learner(st) => {
                    let votes = st.votes.iter().fold(0u64, |sum, v| {
                        sum.wrapping_add(digest(&(v.b, acc[v.acceptor as usize], v.v)))
                    });
                    sig.add(&st.decided).add(&votes)
                }
                NodeState::StoreReplica(rep) => {
                    let votes = rep.votes.iter().fold(0u64, |sum, &(slot, b, a, cmd)| {
                        sum.wrapping_add(digest(&(slot, b, acc[a as usize], cmd)))
                    });
                    sig.add(&rep.chosen)
                        .add(&rep.applied)
                        .add(&rep.kv)
                        .add(&rep.done)
                        .add(&votes)
                }
                node => unreachable!("node {id} is a learner, not {node:?}"),
            };
            let mut sig = sig
                .add(&Kept(state.storage(id), state.node(id)))
                .add(&obs.first_decision[id])
                .add(&obs.decided_ever[id])
                .add(&lrn_net[j]);
            if let Some(log) = &obs.log {
                sig = sig.add(&(log.first[id], log.ever[id], &log.applied[id]));
            }
            (sig.finish(), j)
        }));
        let mut lrn = Small::new();
        sort_keys(&mut r.lrn_keys, &mut lrn);

        // old id -> new id over all nodes: proposers and clients stay.
        r.perm.extend(0..cfg.node_count());
        for i in 0..a {
            r.perm[p + i] = p + r.acc[i];
        }
        for (j, &new) in lrn.iter().enumerate() {
            r.perm[learner_base + j] = learner_base + new;
        }
    }

    /// `state` with acceptor `i` renamed to `acceptors[i]` and learner `j` to `learners[j]`
    /// (indices within their role): another member of its class, for tests.
    pub fn rename(
        &self,
        state: &PaxosState,
        acceptors: &[usize],
        learners: &[usize],
    ) -> PaxosState {
        let cfg = self.cfg();
        let perm: Vec<usize> = (0..cfg.node_count())
            .map(|x| match cfg.role_of(x) {
                (Role::Proposer | Role::Client, _) => x,
                (Role::Acceptor, i) => cfg.proposers + acceptors[i],
                (Role::Learner, j) => cfg.proposers + cfg.acceptors + learners[j],
            })
            .collect();
        self.apply(state, &perm, acceptors)
    }

    /// Renames nodes by `perm` (old id -> new id); `acc` is its acceptor part (old acceptor
    /// index -> new acceptor index).
    fn apply(&self, state: &PaxosState, perm: &[usize], acc: &[usize]) -> PaxosState {
        let sys = &state.sys;
        let n = perm.len();
        fn reorder<T: Clone, C: FromIterator<T>>(v: &[T], perm: &[usize]) -> C {
            let mut out: Vec<Option<T>> = vec![None; v.len()];
            for (old, x) in v.iter().enumerate() {
                out[perm[old]] = Some(x.clone());
            }
            out.into_iter()
                .map(|x| x.expect("a permutation fills every slot"))
                .collect()
        }
        let renamed: Vec<Arc<NodeState>> = sys
            .actor_states
            .iter()
            .map(|node| renamed_node(node, acc).map_or_else(|| Arc::clone(node), Arc::new))
            .collect();
        let plan = RewritePlan::new(perm.to_vec(), |id: &Id, perm: &Vec<usize>| {
            Id::from(perm[usize::from(*id)])
        });
        let new_sys: ActorModelState<Node> = ActorModelState {
            actor_states: reorder(&renamed, perm),
            network: sys.network.rewrite(&plan),
            timers_set: reorder(&sys.timers_set, perm),
            random_choices: reorder(&sys.random_choices, perm),
            crashed: reorder(&sys.crashed, perm),
            history: (),
            actor_storages: reorder(
                &sys.actor_storages
                    .iter()
                    .map(|s| renamed_storage(s, acc))
                    .collect::<Vec<_>>(),
                perm,
            ),
        };
        let obs = Obs {
            crashes: state.obs.crashes,
            proposed: state.obs.proposed,
            first_decision: reorder(&state.obs.first_decision, perm),
            decided_ever: reorder(&state.obs.decided_ever, perm),
            accepted: renamed_accepted(&state.obs, acc),
            log: state
                .obs
                .log
                .as_ref()
                .map(|log| Box::new(renamed_log(log, perm, acc))),
        };
        debug_assert_eq!(n, new_sys.actor_states.len());
        PaxosState { sys: new_sys, obs }
    }
}
