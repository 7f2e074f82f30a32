//! Compact frontier states. The breadth-first engine keeps a whole level of states waiting
//! to be expanded; as stateright's `ActorModelState` each is about a kilobyte spread over a
//! dozen heap blocks (vectors per node, a hash map for the network, hash sets for timers).
//! Packed, a Paxos state is one byte string of a few dozen bytes: ballots, values, acceptor
//! sets and node ids are all small integers. The engine packs a successor as soon as it is
//! found new and unpacks it when it expands it.
//!
//! `unpack(pack(s)) == s` exactly (same `Hash`, same `Eq`), and one state always packs to
//! the same bytes (a world is already in its one order), so the engine fingerprints a state by
//! hashing its bytes; a test checks both on every state of several worlds.

use paxos_models::cfg::Role;
use paxos_models::node::{LearnerState, Phase, ProposerState, Storage};
use paxos_models::replication::ReplicaState;
use paxos_models::store::{
    ClientState, Cmd, Lead, LeaderState, LogAcceptorState, LogObs, SlotVotes, StoreReplica,
    KEYS_MAX, SLOTS_MAX,
};
use paxos_models::types::{Few, PerNode};
use paxos_models::{AcceptorState, Ballot, Msg, NodeState, Obs, PaxosModel, PaxosState, Vote};
use smallvec::SmallVec;

use super::world::{Engine, Flight, World, MARK_NODE, MARK_NODES, NODES_SHIFT, OBS_KEPT};

/// Offsets into a packed state, as [`Pack::unpack_marked`] records them for
/// [`Pack::pack_step_into`]: what a packer needs to copy the parts of a state a step did
/// not change from the state's own bytes.
pub type Marks = smallvec::SmallVec<[u32; 34]>;

/// States the engine can hold as bytes.
pub trait Pack<S>: Sync {
    /// Appends `state`'s packed bytes to `out`.
    fn pack_into(&self, state: &S, out: &mut Vec<u8>);
    /// The state packed as `bytes` (exactly the bytes `pack_into` appended).
    fn unpack(&self, bytes: &[u8]) -> S;

    /// [`Pack::unpack`], recording in `marks` where the parts of `bytes` are. The default
    /// records nothing.
    fn unpack_marked(&self, bytes: &[u8], marks: &mut Marks) -> S {
        marks.clear();
        self.unpack(bytes)
    }

    /// [`Pack::unpack_marked`] into `into`, which holds the state packed as `prev` (unpacked
    /// with `prev_marks`): a packer may keep the parts of `into` whose bytes are the same.
    /// Returns what changed, as a mark for
    /// [`StepInto::dirty_after`](super::bfs::StepInto::dirty_after). The default unpacks
    /// whole and says everything changed.
    fn unpack_again(
        &self,
        bytes: &[u8],
        marks: &mut Marks,
        into: &mut S,
        prev: &[u8],
        prev_marks: &Marks,
    ) -> usize {
        let _ = (prev, prev_marks);
        *into = self.unpack_marked(bytes, marks);
        super::bfs::DIRTY_ALL
    }

    /// Appends the packed bytes of `next` to `out`: exactly what `pack_into` appends.
    /// `next` is the state packed as `parent` (unpacked with `marks`) stepped by one step
    /// that [`StepInto::step_into_again`](super::bfs::StepInto::step_into_again) marked
    /// `mark`, so a packer may copy what that step did not change from `parent`. The
    /// default packs `next` whole.
    fn pack_step_into(
        &self,
        next: &S,
        parent: &[u8],
        marks: &Marks,
        mark: usize,
        out: &mut Vec<u8>,
    ) {
        let _ = (parent, marks, mark);
        self.pack_into(next, out)
    }
}

/// A byte writer onto a vector.
struct W(Vec<u8>);

impl Put for W {
    #[inline]
    fn u8(&mut self, x: u8) {
        self.0.push(x);
    }
    #[inline]
    fn u16(&mut self, x: u16) {
        self.0.extend_from_slice(&x.to_le_bytes());
    }
}

/// Bytes a [`Tiny`] holds.
const TINY: usize = 128;

/// A few bytes written into an array of their own: the network is encoded into it and
/// then moved to the output in one piece (or a few). Its length lives in a register, where
/// a push onto a vector reloads the vector's length and capacity after every byte (a byte
/// store may alias them): writing the network that way was a tenth of a run.
struct Tiny {
    bytes: [u8; TINY],
    len: usize,
}

impl Put for Tiny {
    #[inline]
    fn u8(&mut self, x: u8) {
        self.bytes[self.len] = x;
        self.len += 1;
    }
}

/// The encoding, onto any byte writer.
trait Put {
    fn u8(&mut self, x: u8);
    #[inline]
    fn u16(&mut self, x: u16) {
        let [lo, hi] = x.to_le_bytes();
        self.u8(lo);
        self.u8(hi);
    }
    /// LEB128: seven bits a byte, low first; counts are almost always one byte.
    #[inline]
    fn var(&mut self, mut x: usize) {
        while x >= 0x80 {
            self.u8((x as u8) | 0x80);
            x >>= 7;
        }
        self.u8(x as u8);
    }
    /// A bitmask over `n` nodes, in ceil(n / 8) bytes.
    #[inline]
    fn bits(&mut self, mask: u32, n: usize) {
        for i in 0..n.div_ceil(8) {
            self.u8((mask >> (8 * i)) as u8);
        }
    }
    /// `None` as 0, `Some(v)` as v + 1 (values and ballots are far below 255).
    #[inline]
    fn opt(&mut self, x: Option<u8>) {
        self.u8(x.map_or(0, |v| v + 1));
    }
    #[inline]
    fn pair(&mut self, p: Option<(Ballot, u8)>) {
        match p {
            None => self.u8(0),
            Some((b, v)) => {
                self.u8(1);
                self.u8(b.0);
                self.u8(v);
            }
        }
    }
    /// A message's kind in the top 3 bits of its first byte and its ballot (or value) in
    /// the low 5, spilling to a second byte from 31 up: most messages take 1 or 2 bytes.
    #[inline]
    fn head(&mut self, tag: u8, x: u8) {
        if x < 31 {
            self.u8(tag << 5 | x);
        } else {
            self.u8(tag << 5 | 31);
            self.u8(x);
        }
    }
    #[inline]
    fn msg(&mut self, m: &Msg) {
        match *m {
            Msg::Prepare { b } => self.head(0, b.0),
            Msg::Promise { b, accepted } => {
                self.head(1, b.0);
                self.pair(accepted);
            }
            Msg::Accept { b, v } => {
                self.head(2, b.0);
                self.u8(v);
            }
            Msg::Accepted { b, v } => {
                self.head(3, b.0);
                self.u8(v);
            }
            Msg::Write { v } => self.head(4, v),
            Msg::Request { cmd } => self.head(5, cmd),
            Msg::Reply { cmd, result } => {
                self.head(6, cmd);
                self.u8(result);
            }
            Msg::LogPromise { b, log } => {
                self.head(7, 0);
                self.u8(b.0);
                self.slot_votes(&log);
            }
            Msg::Propose { b, slot, cmd } => {
                self.head(7, 1);
                self.u8(b.0);
                self.u8(slot);
                self.u8(cmd);
            }
            Msg::Voted { b, slot, cmd } => {
                self.head(7, 2);
                self.u8(b.0);
                self.u8(slot);
                self.u8(cmd);
            }
        }
    }
    fn slot_votes(&mut self, votes: &SlotVotes) {
        for v in votes {
            self.pair(*v);
        }
    }
    fn slots(&mut self, log: &[Option<Cmd>; SLOTS_MAX]) {
        for c in log {
            self.opt(*c);
        }
    }
    fn log_acceptor(&mut self, a: &LogAcceptorState) {
        self.u8(a.promised.0);
        self.slot_votes(&a.accepted);
    }
    fn store_replica(&mut self, r: &StoreReplica) {
        self.var(r.votes.len());
        for &(slot, b, a, cmd) in &r.votes {
            self.u8(slot);
            self.u8(b.0);
            self.u8(a);
            self.u8(cmd);
        }
        self.slots(&r.chosen);
        self.var(r.applied.len());
        for &(slot, cmd) in &r.applied {
            self.u8(slot);
            self.u8(cmd);
        }
        for k in r.kv {
            self.u8(k);
        }
        self.u8(r.done);
    }
    fn log_obs(&mut self, log: &LogObs, n: usize) {
        let deciders = (0..n)
            .filter(|&i| log.first[i].iter().any(Option::is_some) || log.ever[i] != [0; SLOTS_MAX])
            .fold(0u32, |m, i| m | 1 << i);
        self.bits(deciders, n);
        for i in (0..n).filter(|i| deciders & (1 << i) != 0) {
            self.slots(&log.first[i]);
            for e in log.ever[i] {
                self.u8(e);
            }
        }
        self.var(log.accepted.len());
        for &(slot, b, cmd, mask) in &log.accepted {
            self.u8(slot);
            self.u8(b.0);
            self.u8(cmd);
            self.u16(mask);
        }
        let appliers = (0..n)
            .filter(|&i| !log.applied[i].is_empty())
            .fold(0u32, |m, i| m | 1 << i);
        self.bits(appliers, n);
        for i in (0..n).filter(|i| appliers & (1 << i) != 0) {
            self.var(log.applied[i].len());
            for &(slot, cmd) in &log.applied[i] {
                self.u8(slot);
                self.u8(cmd);
            }
        }
        self.var(log.history.len());
        for &(cmd, ret) in &log.history {
            self.u8(cmd);
            self.opt(ret);
        }
    }
    /// A message's sender and receiver: one byte for clusters of up to 16 nodes.
    #[inline]
    fn ends(&mut self, s: u8, d: u8, n: usize) {
        if n <= 16 {
            self.u8(s << 4 | d);
        } else {
            self.u8(s);
            self.u8(d);
        }
    }
    /// Writes one node's state.
    fn node(&mut self, node: &NodeState) {
        match node {
            NodeState::Proposer(p) => {
                self.u8(p.round);
                self.u8(p.ballot.0);
                match &p.phase {
                    None => self.u8(0),
                    Some(Phase::Preparing { promised, reported }) => {
                        self.u8(1);
                        self.u16(*promised);
                        self.var(reported.len());
                        for &(b, v) in reported {
                            self.u8(b.0);
                            self.u8(v);
                        }
                    }
                    Some(Phase::Accepting { v }) => {
                        self.u8(2);
                        self.u8(*v);
                    }
                }
            }
            NodeState::Acceptor(a) => self.acceptor(a),
            NodeState::Learner(l) => {
                self.opt(l.decided);
                self.var(l.votes.len());
                for v in &l.votes {
                    // Acceptor and value are below 16 (at most 9 of each): one byte.
                    debug_assert!(v.acceptor < 16 && v.v < 16);
                    self.u8(v.b.0);
                    self.u8(v.acceptor << 4 | v.v);
                }
            }
            NodeState::Replica(r) => self.opt(r.held),
            NodeState::Leader(l) => {
                self.u8(l.round);
                self.u8(l.ballot.0);
                match &l.lead {
                    Lead::Retired => self.u8(0),
                    Lead::Preparing { promised, reported } => {
                        self.u8(1);
                        self.u16(*promised);
                        self.slot_votes(reported);
                    }
                    Lead::Leading => self.u8(2),
                }
                self.u8(l.heard);
                self.slots(&l.log);
            }
            NodeState::LogAcceptor(a) => self.log_acceptor(a),
            NodeState::StoreReplica(r) => self.store_replica(r),
            NodeState::Client(c) => {
                self.u8(c.next);
                self.opt(c.waiting);
                match c.last {
                    None => self.u8(0),
                    Some((cmd, r)) => {
                        self.u8(1);
                        self.u8(cmd);
                        self.u8(r);
                    }
                }
            }
        }
    }
    /// Writes what node `node` keeps in storage.
    fn storage(&mut self, s: &Option<Storage>, node: &NodeState) {
        if node.keeps_exactly(s) {
            // What a node keeps is usually exactly its state: one byte says so.
            self.u8(5);
            return;
        }
        match s {
            None => self.u8(0),
            Some(Storage::Proposer { round }) => {
                self.u8(1);
                self.u8(*round);
            }
            Some(Storage::Acceptor(a)) => {
                self.u8(2);
                self.acceptor(a);
            }
            Some(Storage::Learner { decided }) => {
                self.u8(3);
                self.opt(*decided);
            }
            Some(Storage::Replica { held }) => {
                self.u8(4);
                self.opt(*held);
            }
            Some(Storage::LogAcceptor(a)) => {
                self.u8(6);
                self.log_acceptor(a);
            }
            Some(Storage::StoreReplica(r)) => {
                self.u8(7);
                self.store_replica(r);
            }
        }
    }
    #[inline]
    fn acceptor(&mut self, a: &AcceptorState) {
        self.u8(a.promised.0);
        self.pair(a.accepted);
    }
}

/// A byte reader over a packed state.
struct R<'a>(&'a [u8], usize);

impl R<'_> {
    fn u8(&mut self) -> u8 {
        let x = self.0[self.1];
        self.1 += 1;
        x
    }
    fn u16(&mut self) -> u16 {
        u16::from_le_bytes([self.u8(), self.u8()])
    }
    fn var(&mut self) -> usize {
        let (mut x, mut shift) = (0usize, 0);
        loop {
            let b = self.u8();
            x |= ((b & 0x7f) as usize) << shift;
            if b < 0x80 {
                return x;
            }
            shift += 7;
        }
    }
    fn bits(&mut self, n: usize) -> u32 {
        (0..n.div_ceil(8)).fold(0, |m, i| m | (self.u8() as u32) << (8 * i))
    }
    fn opt(&mut self) -> Option<u8> {
        self.u8().checked_sub(1)
    }
    fn pair(&mut self) -> Option<(Ballot, u8)> {
        (self.u8() == 1).then(|| (Ballot(self.u8()), self.u8()))
    }
    fn msg(&mut self) -> Msg {
        let first = self.u8();
        let x = match first & 31 {
            31 => self.u8(),
            x => x,
        };
        match first >> 5 {
            0 => Msg::Prepare { b: Ballot(x) },
            1 => Msg::Promise {
                b: Ballot(x),
                accepted: self.pair(),
            },
            2 => Msg::Accept {
                b: Ballot(x),
                v: self.u8(),
            },
            3 => Msg::Accepted {
                b: Ballot(x),
                v: self.u8(),
            },
            4 => Msg::Write { v: x },
            5 => Msg::Request { cmd: x },
            6 => Msg::Reply {
                cmd: x,
                result: self.u8(),
            },
            _ => {
                let b = Ballot(self.u8());
                match x {
                    0 => Msg::LogPromise {
                        b,
                        log: self.slot_votes(),
                    },
                    1 => Msg::Propose {
                        b,
                        slot: self.u8(),
                        cmd: self.u8(),
                    },
                    _ => Msg::Voted {
                        b,
                        slot: self.u8(),
                        cmd: self.u8(),
                    },
                }
            }
        }
    }
    fn slot_votes(&mut self) -> SlotVotes {
        [self.pair(), self.pair(), self.pair()]
    }
    fn slots(&mut self) -> [Option<Cmd>; SLOTS_MAX] {
        [self.opt(), self.opt(), self.opt()]
    }
    fn log_acceptor(&mut self) -> LogAcceptorState {
        LogAcceptorState {
            promised: Ballot(self.u8()),
            accepted: self.slot_votes(),
        }
    }
    fn store_replica(&mut self) -> StoreReplica {
        let len = self.var();
        let votes = (0..len)
            .map(|_| (self.u8(), Ballot(self.u8()), self.u8(), self.u8()))
            .collect();
        let chosen = self.slots();
        let len = self.var();
        let applied = (0..len).map(|_| (self.u8(), self.u8())).collect();
        let mut kv = [0; KEYS_MAX];
        for k in &mut kv {
            *k = self.u8();
        }
        StoreReplica {
            votes,
            chosen,
            applied,
            kv,
            done: self.u8(),
        }
    }
    fn log_obs(&mut self, n: usize) -> LogObs {
        let mut log = LogObs::new(n);
        let deciders = self.bits(n);
        for i in (0..n).filter(|i| deciders & (1 << i) != 0) {
            log.first[i] = self.slots();
            for e in &mut log.ever[i] {
                *e = self.u8();
            }
        }
        let len = self.var();
        log.accepted = (0..len)
            .map(|_| (self.u8(), Ballot(self.u8()), self.u8(), self.u16()))
            .collect();
        let appliers = self.bits(n);
        for i in (0..n).filter(|i| appliers & (1 << i) != 0) {
            let len = self.var();
            log.applied[i] = (0..len).map(|_| (self.u8(), self.u8())).collect();
        }
        let len = self.var();
        log.history = (0..len).map(|_| (self.u8(), self.opt())).collect();
        log
    }
    fn ends(&mut self, n: usize) -> (u8, u8) {
        if n <= 16 {
            let b = self.u8();
            (b >> 4, b & 15)
        } else {
            (self.u8(), self.u8())
        }
    }
    fn acceptor(&mut self) -> AcceptorState {
        AcceptorState {
            promised: Ballot(self.u8()),
            accepted: self.pair(),
        }
    }
}

/// The reference state packs as its world: one byte format for both engines.
impl Pack<PaxosState> for PaxosModel {
    fn pack_into(&self, state: &PaxosState, out: &mut Vec<u8>) {
        Engine::new(self).pack_into(&World::of(state), out)
    }

    fn unpack(&self, packed: &[u8]) -> PaxosState {
        Engine::new(self)
            .unpack(packed)
            .to_state(self.cfg().delivery)
    }
}

impl Pack<World> for Engine<'_> {
    fn pack_into(&self, w: &World, out: &mut Vec<u8>) {
        let n = w.nodes.len();
        let mut out8 = W(std::mem::take(out));
        for node in &w.nodes {
            out8.node(node);
        }
        out8.bits(w.timers as u32, n);
        out8.bits(w.crashed as u32, n);
        for (s, node) in w.storages.iter().zip(&w.nodes) {
            out8.storage(s, node);
        }
        self.pack_net_obs(w, &mut out8);
        *out = out8.0;
    }

    /// Marks: where each node's part ends (n), where storages start (1), where each
    /// node's storage ends (n), where the observations start (1).
    fn unpack_marked(&self, bytes: &[u8], marks: &mut Marks) -> World {
        self.unpack_into_marks(bytes, Some(marks))
    }

    /// Consecutive states of a level are mostly siblings, the same in all but a node or two:
    /// a node (and its storage) whose bytes are the previous state's is kept, not decoded
    /// again. The encoding is self-delimiting, so bytes that begin with the previous
    /// state's encoding of a node decode to that node and end where it ended.
    fn unpack_again(
        &self,
        packed: &[u8],
        marks: &mut Marks,
        into: &mut World,
        prev: &[u8],
        prev_marks: &Marks,
    ) -> usize {
        let n = into.nodes.len();
        if prev_marks.len() != 2 * n + 2 {
            *into = self.unpack_into_marks(packed, Some(marks));
            return super::bfs::DIRTY_ALL;
        }
        marks.clear();
        let kinds = self.kinds();
        let mut r = R(packed, 0);
        let part = |k: usize| {
            let start = if k == 0 {
                0
            } else {
                prev_marks[k - 1] as usize
            };
            &prev[start..prev_marks[k] as usize]
        };
        let mut kept = 0u32;
        for i in 0..n {
            let old = part(i);
            if packed[r.1..].starts_with(old) {
                r.1 += old.len();
                kept |= 1 << i;
            } else {
                into.nodes[i] = self.node_from(&mut r, i, kinds);
            }
            marks.push(r.1 as u32);
        }
        into.timers = r.bits(n) as u16;
        into.crashed = r.bits(n) as u16;
        marks.push(r.1 as u32);
        for i in 0..n {
            // A storage tagged as its node's own state is kept only with its node.
            let old = part(n + 1 + i);
            if kept & (1 << i) != 0 && packed[r.1..].starts_with(old) {
                r.1 += old.len();
            } else {
                kept &= !(1 << i);
                into.storages[i] = self.storage_from(&mut r, &into.nodes[i]);
            }
            marks.push(r.1 as u32);
        }
        self.net_into(&mut r, n, &mut into.net);
        marks.push(r.1 as u32);
        // The observations end the bytes: kept when the rest is the same.
        let mut changed = MARK_NODES | (!kept as usize & ((1 << n) - 1)) << NODES_SHIFT;
        if packed[r.1..] != prev[prev_marks[2 * n + 1] as usize..] {
            into.obs = self.obs_from(&mut r, n, kinds.0);
        } else {
            r.1 = packed.len();
            changed |= OBS_KEPT;
        }
        debug_assert_eq!(r.1, packed.len(), "the whole packed state is read");
        debug_assert!(
            *into == self.unpack(packed),
            "a state unpacked again is the state unpacked whole"
        );
        changed
    }

    /// A step of node `i` changes node `i`'s state and storage, timers, crashes, the
    /// network and the observations ([`Engine::node_of`]): every other node's state and
    /// storage is copied from `parent`'s bytes (on classic, unreduced, packing was a
    /// quarter of the run), and so are the observations when the mark says the step
    /// observed nothing new ([`Engine::mark`]).
    fn pack_step_into(
        &self,
        next: &World,
        parent: &[u8],
        marks: &Marks,
        mark: usize,
        out: &mut Vec<u8>,
    ) {
        let n = next.nodes.len();
        let i = mark & MARK_NODE;
        if i >= n || marks.len() != 2 * n + 2 {
            return self.pack_into(next, out);
        }
        let at = |k: usize| marks[k] as usize;
        let start = out.len();
        let mut out8 = W(std::mem::take(out));
        let node_start = if i == 0 { 0 } else { at(i - 1) };
        out8.0.extend_from_slice(&parent[..node_start]);
        out8.node(&next.nodes[i]);
        out8.0.extend_from_slice(&parent[at(i)..at(n - 1)]);
        out8.bits(next.timers as u32, n);
        out8.bits(next.crashed as u32, n);
        out8.0.extend_from_slice(&parent[at(n)..at(n + i)]);
        out8.storage(&next.storages[i], &next.nodes[i]);
        out8.0.extend_from_slice(&parent[at(n + i + 1)..at(2 * n)]);
        self.pack_net(next, &mut out8);
        if mark & OBS_KEPT != 0 {
            out8.0.extend_from_slice(&parent[at(2 * n + 1)..]);
        } else {
            self.pack_obs(next, &mut out8);
        }
        *out = out8.0;
        debug_assert!(
            {
                let mut whole = Vec::new();
                self.pack_into(next, &mut whole);
                whole == out[start..]
            },
            "a step packed from its parent's bytes packs as the state itself"
        );
    }

    fn unpack(&self, packed: &[u8]) -> World {
        self.unpack_into_marks(packed, None)
    }
}

impl Engine<'_> {
    /// Writes `w`'s network and observations, the last parts of its packed bytes.
    fn pack_net_obs(&self, w: &World, out8: &mut W) {
        self.pack_net(w, out8);
        self.pack_obs(w, out8);
    }

    /// Writes `w`'s network.
    fn pack_net(&self, w: &World, out8: &mut W) {
        let n = w.nodes.len();
        // The world's network is already in its one order: no sort.
        let counted = self.model.cfg().delivery == paxos_models::Delivery::Unordered;
        out8.var(w.net.len());
        let mut t = Tiny {
            bytes: [0; TINY],
            len: 0,
        };
        for f in &w.net {
            // A flight takes at most 2 + 1 + 1 + 3 * SLOTS_MAX + 2 bytes.
            if t.len > TINY - 32 {
                out8.0.extend_from_slice(&t.bytes[..t.len]);
                t.len = 0;
            }
            t.ends(f.src, f.dst, n);
            t.msg(&f.msg);
            if counted {
                t.var(f.copies as usize);
            }
        }
        out8.0.extend_from_slice(&t.bytes[..t.len]);
    }

    /// Writes `w`'s observations, the last part of its packed bytes.
    fn pack_obs(&self, w: &World, out8: &mut W) {
        let n = w.nodes.len();
        let obs = &w.obs;
        out8.u8(obs.crashes);
        out8.u16(obs.proposed);
        // Most nodes never decide: a bitmask says which did, then their two fields.
        let deciders = (0..n)
            .filter(|&i| obs.decided_ever[i] != 0 || obs.first_decision[i].is_some())
            .fold(0u32, |m, i| m | 1 << i);
        out8.bits(deciders, n);
        for i in (0..n).filter(|i| deciders & (1 << i) != 0) {
            out8.opt(obs.first_decision[i]);
            out8.u16(obs.decided_ever[i]);
        }
        out8.var(obs.accepted.len());
        for &(b, v, mask) in &obs.accepted {
            out8.u8(b.0);
            out8.u8(v);
            out8.u16(mask);
        }
        if let Some(log) = &obs.log {
            out8.log_obs(log, n);
        }
    }

    /// Whether the nodes are a store's, and whether they replicate (the protocol decides
    /// how a node is packed).
    fn kinds(&self) -> (bool, bool) {
        let replica = !matches!(
            self.model.rules().protocol(),
            paxos_models::replication::Protocol::Paxos
        );
        (self.model.cfg().is_store(), replica)
    }

    /// Node `i`'s state, read from `r`.
    fn node_from(&self, r: &mut R, i: usize, (store, replica): (bool, bool)) -> NodeState {
        let cfg = self.model.cfg();
        let (role, _) = cfg.role_of(i);
        match role {
            Role::Proposer if store => {
                let round = r.u8();
                let ballot = Ballot(r.u8());
                let lead = match r.u8() {
                    0 => Lead::Retired,
                    1 => Lead::Preparing {
                        promised: r.u16(),
                        reported: r.slot_votes(),
                    },
                    _ => Lead::Leading,
                };
                NodeState::Leader(LeaderState {
                    round,
                    ballot,
                    lead,
                    heard: r.u8(),
                    log: r.slots(),
                })
            }
            Role::Acceptor if store => NodeState::LogAcceptor(r.log_acceptor()),
            Role::Learner if store => NodeState::StoreReplica(Box::new(r.store_replica())),
            Role::Client => {
                let next = r.u8();
                let waiting = r.opt();
                let last = (r.u8() == 1).then(|| (r.u8(), r.u8()));
                NodeState::Client(ClientState {
                    next,
                    waiting,
                    last,
                })
            }
            Role::Proposer => {
                let round = r.u8();
                let ballot = Ballot(r.u8());
                let phase = match r.u8() {
                    0 => None,
                    1 => {
                        let promised = r.u16();
                        let len = r.var();
                        let reported: Few<(Ballot, u8)> =
                            (0..len).map(|_| (Ballot(r.u8()), r.u8())).collect();
                        Some(Phase::Preparing { promised, reported })
                    }
                    _ => Some(Phase::Accepting { v: r.u8() }),
                };
                NodeState::Proposer(ProposerState {
                    round,
                    ballot,
                    phase,
                })
            }
            _ if replica => NodeState::Replica(ReplicaState { held: r.opt() }),
            Role::Acceptor => NodeState::Acceptor(r.acceptor()),
            Role::Learner => {
                let decided = r.opt();
                let len = r.var();
                let votes: Few<Vote> = (0..len)
                    .map(|_| {
                        let b = Ballot(r.u8());
                        let av = r.u8();
                        Vote {
                            b,
                            acceptor: av >> 4,
                            v: av & 15,
                        }
                    })
                    .collect();
                NodeState::Learner(LearnerState { votes, decided })
            }
        }
    }

    /// A node's storage, read from `r`: the node's own state stands for it when tagged so.
    fn storage_from(&self, r: &mut R, node: &NodeState) -> Option<Storage> {
        match r.u8() {
            0 => None,
            5 => node.stored_as(),
            1 => Some(Storage::Proposer { round: r.u8() }),
            2 => Some(Storage::Acceptor(r.acceptor())),
            3 => Some(Storage::Learner { decided: r.opt() }),
            4 => Some(Storage::Replica { held: r.opt() }),
            6 => Some(Storage::LogAcceptor(r.log_acceptor())),
            _ => Some(Storage::StoreReplica(Box::new(r.store_replica()))),
        }
    }

    /// [`Pack::unpack`], recording the marks of [`Pack::unpack_marked`] when asked.
    fn unpack_into_marks(&self, packed: &[u8], mut marks: Option<&mut Marks>) -> World {
        if let Some(m) = marks.as_deref_mut() {
            m.clear();
        }
        let cfg = self.model.cfg();
        let n = cfg.node_count();
        let mut r = R(packed, 0);
        let kinds = self.kinds();
        let nodes: PerNode<NodeState> = (0..n)
            .map(|i| {
                let node = self.node_from(&mut r, i, kinds);
                if let Some(m) = marks.as_deref_mut() {
                    m.push(r.1 as u32);
                }
                node
            })
            .collect();
        let timers = r.bits(n) as u16;
        let crashed = r.bits(n) as u16;
        if let Some(m) = marks.as_deref_mut() {
            m.push(r.1 as u32);
        }
        let storages: PerNode<Option<Storage>> = (0..n)
            .map(|i| {
                let storage = self.storage_from(&mut r, &nodes[i]);
                if let Some(m) = marks.as_deref_mut() {
                    m.push(r.1 as u32);
                }
                storage
            })
            .collect();
        let net = self.net_from(&mut r, n);
        if let Some(m) = marks {
            m.push(r.1 as u32);
        }
        let obs = self.obs_from(&mut r, n, kinds.0);
        debug_assert_eq!(r.1, packed.len(), "the whole packed state is read");
        World {
            nodes,
            storages,
            net,
            timers,
            crashed,
            obs,
        }
    }

    /// The network, read from `r`.
    fn net_from(&self, r: &mut R, n: usize) -> SmallVec<[Flight; 16]> {
        let mut net = SmallVec::new();
        self.net_into(r, n, &mut net);
        net
    }

    /// The network, read from `r` into `net`'s buffer.
    fn net_into(&self, r: &mut R, n: usize, net: &mut SmallVec<[Flight; 16]>) {
        let counted = self.model.cfg().delivery == paxos_models::Delivery::Unordered;
        let entries = r.var();
        net.clear();
        net.reserve(entries);
        for _ in 0..entries {
            let (src, dst) = r.ends(n);
            let msg = r.msg();
            let copies = if counted { r.var() as u8 } else { 1 };
            net.push(Flight {
                src,
                dst,
                msg,
                copies,
            });
        }
    }

    /// The observations, read from `r`: the last part of a packed state.
    fn obs_from(&self, r: &mut R, n: usize, store: bool) -> Obs {
        let crashes = r.u8();
        let proposed = r.u16();
        let mut first_decision = PerNode::new();
        let mut decided_ever = PerNode::new();
        let deciders = r.bits(n);
        for i in 0..n {
            let (first, ever) = if deciders & (1 << i) != 0 {
                (r.opt(), r.u16())
            } else {
                (None, 0)
            };
            first_decision.push(first);
            decided_ever.push(ever);
        }
        let len = r.var();
        let accepted = (0..len)
            .map(|_| (Ballot(r.u8()), r.u8(), r.u16()))
            .collect();
        let log = store.then(|| Box::new(r.log_obs(n)));
        Obs {
            crashes,
            proposed,
            first_decision,
            decided_ever,
            accepted,
            log,
        }
    }
}
