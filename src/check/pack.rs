//! Compact frontier states. The breadth-first engine keeps a whole level of states waiting
//! to be expanded; as stateright's `ActorModelState` each is about a kilobyte spread over a
//! dozen heap blocks (vectors per node, a hash map for the network, hash sets for timers).
//! Packed, a Paxos state is one byte string of a few dozen bytes: ballots, values, acceptor
//! sets and node ids are all small integers. The engine packs a successor as soon as it is
//! found new and unpacks it when it expands it.
//!
//! `unpack(pack(s)) == s` exactly (same `Hash`, same `Eq`), and one state always packs to
//! the same bytes (hash-set contents are sorted), so the engine fingerprints a state by
//! hashing its bytes; a test checks both on every state of several worlds.

use std::sync::Arc;

use paxos_models::cfg::Role;
use paxos_models::node::{LearnerState, Phase, ProposerState, Storage};
use paxos_models::replication::ReplicaState;
use paxos_models::types::Few;
use paxos_models::{AcceptorState, Ballot, Msg, NodeState, Obs, PaxosModel, PaxosState, Vote};
use stateright::actor::{ActorModelState, Envelope, Id, Network, Timers};

/// States the engine can hold as bytes.
pub trait Pack<S>: Sync {
    /// Appends `state`'s packed bytes to `out`.
    fn pack_into(&self, state: &S, out: &mut Vec<u8>);
    /// The state packed as `bytes` (exactly the bytes `pack_into` appended).
    fn unpack(&self, bytes: &[u8]) -> S;
}

/// A byte writer.
struct W(Vec<u8>);

impl W {
    fn u8(&mut self, x: u8) {
        self.0.push(x);
    }
    fn u16(&mut self, x: u16) {
        self.0.extend_from_slice(&x.to_le_bytes());
    }
    /// LEB128: seven bits a byte, low first; counts are almost always one byte.
    fn var(&mut self, mut x: usize) {
        while x >= 0x80 {
            self.u8((x as u8) | 0x80);
            x >>= 7;
        }
        self.u8(x as u8);
    }
    /// A bitmask over `n` nodes, in ceil(n / 8) bytes.
    fn bits(&mut self, mask: u32, n: usize) {
        for i in 0..n.div_ceil(8) {
            self.u8((mask >> (8 * i)) as u8);
        }
    }
    /// `None` as 0, `Some(v)` as v + 1 (values and ballots are far below 255).
    fn opt(&mut self, x: Option<u8>) {
        self.u8(x.map_or(0, |v| v + 1));
    }
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
    fn head(&mut self, tag: u8, x: u8) {
        if x < 31 {
            self.u8(tag << 5 | x);
        } else {
            self.u8(tag << 5 | 31);
            self.u8(x);
        }
    }
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
        }
    }
    /// A message's sender and receiver: one byte for clusters of up to 16 nodes.
    fn ends(&mut self, src: Id, dst: Id, n: usize) {
        let (s, d) = (usize::from(src) as u8, usize::from(dst) as u8);
        if n <= 16 {
            self.u8(s << 4 | d);
        } else {
            self.u8(s);
            self.u8(d);
        }
    }
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
            _ => Msg::Write { v: x },
        }
    }
    fn ends(&mut self, n: usize) -> (Id, Id) {
        if n <= 16 {
            let b = self.u8();
            (Id::from((b >> 4) as usize), Id::from((b & 15) as usize))
        } else {
            (Id::from(self.u8() as usize), Id::from(self.u8() as usize))
        }
    }
    fn acceptor(&mut self) -> AcceptorState {
        AcceptorState {
            promised: Ballot(self.u8()),
            accepted: self.pair(),
        }
    }
}

/// The storage a node would hold if it kept exactly its current state.
fn stored_as(node: &NodeState) -> Option<Storage> {
    Some(match node {
        NodeState::Proposer(p) => Storage::Proposer { round: p.round },
        NodeState::Acceptor(a) => Storage::Acceptor(*a),
        NodeState::Learner(l) => Storage::Learner { decided: l.decided },
        NodeState::Replica(r) => Storage::Replica { held: r.held },
    })
}

impl Pack<PaxosState> for PaxosModel {
    fn pack_into(&self, state: &PaxosState, out: &mut Vec<u8>) {
        let sys = &state.sys;
        let n = sys.actor_states.len();
        let mut w = W(std::mem::take(out));
        for node in &sys.actor_states {
            match &**node {
                NodeState::Proposer(p) => {
                    w.u8(p.round);
                    w.u8(p.ballot.0);
                    match &p.phase {
                        None => w.u8(0),
                        Some(Phase::Preparing { promised, reported }) => {
                            w.u8(1);
                            w.u16(*promised);
                            w.var(reported.len());
                            for &(b, v) in reported {
                                w.u8(b.0);
                                w.u8(v);
                            }
                        }
                        Some(Phase::Accepting { v }) => {
                            w.u8(2);
                            w.u8(*v);
                        }
                    }
                }
                NodeState::Acceptor(a) => w.acceptor(a),
                NodeState::Learner(l) => {
                    w.opt(l.decided);
                    w.var(l.votes.len());
                    for v in &l.votes {
                        // Acceptor and value are below 16 (at most 9 of each): one byte.
                        debug_assert!(v.acceptor < 16 && v.v < 16);
                        w.u8(v.b.0);
                        w.u8(v.acceptor << 4 | v.v);
                    }
                }
                NodeState::Replica(r) => w.opt(r.held),
            }
        }
        let mut timers = 0u32;
        let mut crashed = 0u32;
        for i in 0..n {
            if sys.timers_set[i].iter().next().is_some() {
                timers |= 1 << i;
            }
            if sys.crashed[i] {
                crashed |= 1 << i;
            }
            debug_assert!(sys.random_choices[i].map.is_empty(), "no random choices");
        }
        w.bits(timers, n);
        w.bits(crashed, n);
        for (s, node) in sys.actor_storages.iter().zip(&sys.actor_states) {
            if s.is_some() && *s == stored_as(node) {
                // What a node keeps is usually exactly its state: one byte says so.
                w.u8(5);
                continue;
            }
            match s {
                None => w.u8(0),
                Some(Storage::Proposer { round }) => {
                    w.u8(1);
                    w.u8(*round);
                }
                Some(Storage::Acceptor(a)) => {
                    w.u8(2);
                    w.acceptor(a);
                }
                Some(Storage::Learner { decided }) => {
                    w.u8(3);
                    w.opt(*decided);
                }
                Some(Storage::Replica { held }) => {
                    w.u8(4);
                    w.opt(*held);
                }
            }
        }
        match &sys.network {
            // Hash sets iterate in an order that depends on their history: sort, so that
            // one state always packs to one byte string (the engine hashes the bytes).
            Network::UnorderedNonDuplicating(multiset) => {
                let mut all: smallvec::SmallVec<[(Id, Id, Msg, usize); 16]> = multiset
                    .iter()
                    .map(|(e, &count)| (e.src, e.dst, e.msg, count))
                    .collect();
                all.sort_unstable();
                w.var(all.len());
                for (src, dst, msg, count) in all {
                    w.ends(src, dst, n);
                    w.msg(&msg);
                    w.var(count);
                }
            }
            Network::UnorderedDuplicating(set, last) => {
                debug_assert!(last.is_none(), "the harness clears the last delivery");
                let mut all: smallvec::SmallVec<[(Id, Id, Msg); 16]> =
                    set.iter().map(|e| (e.src, e.dst, e.msg)).collect();
                all.sort_unstable();
                w.var(all.len());
                for (src, dst, msg) in all {
                    w.ends(src, dst, n);
                    w.msg(&msg);
                }
            }
            Network::Ordered(flows) => {
                w.var(flows.len());
                for (&(src, dst), msgs) in flows {
                    w.ends(src, dst, n);
                    w.var(msgs.len());
                    for m in msgs {
                        w.msg(m);
                    }
                }
            }
        }
        let obs = &state.obs;
        w.u8(obs.crashes);
        w.u16(obs.proposed);
        // Most nodes never decide: a bitmask says which did, then their two fields.
        let deciders = (0..n)
            .filter(|&i| obs.decided_ever[i] != 0 || obs.first_decision[i].is_some())
            .fold(0u32, |m, i| m | 1 << i);
        w.bits(deciders, n);
        for i in (0..n).filter(|i| deciders & (1 << i) != 0) {
            w.opt(obs.first_decision[i]);
            w.u16(obs.decided_ever[i]);
        }
        w.var(obs.accepted.len());
        for &(b, v, mask) in &obs.accepted {
            w.u8(b.0);
            w.u8(v);
            w.u16(mask);
        }
        *out = w.0;
    }

    fn unpack(&self, packed: &[u8]) -> PaxosState {
        let cfg = self.cfg();
        let n = cfg.node_count();
        let mut r = R(packed, 0);
        let replica = !matches!(
            self.rules().protocol(),
            paxos_models::replication::Protocol::Paxos
        );
        let actor_states: Vec<Arc<NodeState>> = (0..n)
            .map(|i| {
                let (role, _) = cfg.role_of(i);
                Arc::new(match role {
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
                })
            })
            .collect();
        let timers = r.bits(n);
        let crashed = r.bits(n);
        let timers_set = (0..n)
            .map(|i| {
                let mut t = Timers::new();
                if timers & (1 << i) != 0 {
                    t.set(paxos_models::Timer::Retry);
                }
                t
            })
            .collect();
        let actor_storages = (0..n)
            .map(|i| match r.u8() {
                0 => None,
                5 => stored_as(&actor_states[i]),
                1 => Some(Storage::Proposer { round: r.u8() }),
                2 => Some(Storage::Acceptor(r.acceptor())),
                3 => Some(Storage::Learner { decided: r.opt() }),
                _ => Some(Storage::Replica { held: r.opt() }),
            })
            .collect();
        let env = |r: &mut R| {
            let (src, dst) = r.ends(n);
            Envelope {
                src,
                dst,
                msg: r.msg(),
            }
        };
        let network = match cfg.delivery {
            paxos_models::Delivery::Unordered => {
                let entries = r.var();
                let mut all = Vec::new();
                for _ in 0..entries {
                    let e = env(&mut r);
                    for _ in 0..r.var() {
                        all.push(e);
                    }
                }
                Network::new_unordered_nonduplicating(all)
            }
            paxos_models::Delivery::UnorderedDuplicating => {
                let entries = r.var();
                let all: Vec<Envelope<Msg>> = (0..entries).map(|_| env(&mut r)).collect();
                Network::new_unordered_duplicating(all)
            }
            paxos_models::Delivery::Ordered => {
                let flows = r.var();
                let mut all = Vec::new();
                for _ in 0..flows {
                    let (src, dst) = r.ends(n);
                    for _ in 0..r.var() {
                        all.push(Envelope {
                            src,
                            dst,
                            msg: r.msg(),
                        });
                    }
                }
                Network::new_ordered(all)
            }
        };
        let crashes = r.u8();
        let proposed = r.u16();
        let mut first_decision = paxos_models::types::PerNode::new();
        let mut decided_ever = paxos_models::types::PerNode::new();
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
        debug_assert_eq!(r.1, packed.len(), "the whole packed state is read");
        PaxosState {
            sys: ActorModelState {
                actor_states,
                network,
                timers_set,
                random_choices: vec![Default::default(); n],
                crashed: (0..n).map(|i| crashed & (1 << i) != 0).collect(),
                history: (),
                actor_storages,
            },
            obs: Obs {
                crashes,
                proposed,
                first_decision,
                decided_ever,
                accepted,
            },
        }
    }
}
