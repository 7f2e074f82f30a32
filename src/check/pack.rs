//! Compact frontier states. The breadth-first engine keeps a whole level of states waiting
//! to be expanded; as stateright's `ActorModelState` each is about a kilobyte spread over a
//! dozen heap blocks (vectors per node, a hash map for the network, hash sets for timers).
//! Packed, a Paxos state is one byte string of a few dozen bytes: ballots, values, acceptor
//! sets and node ids are all small integers. The engine packs a successor as soon as it is
//! found new and unpacks it when it expands it.
//!
//! `unpack(pack(s)) == s` exactly (same `Hash`, same `Eq`), which a test checks on every
//! state of several worlds.

use std::sync::Arc;

use paxos_models::cfg::Role;
use paxos_models::node::{LearnerState, Phase, ProposerState, Storage};
use paxos_models::replication::ReplicaState;
use paxos_models::types::Few;
use paxos_models::{AcceptorState, Ballot, Msg, NodeState, Obs, PaxosModel, PaxosState, Vote};
use stateright::actor::{ActorModelState, Envelope, Id, Network, Timers};

/// States the engine can hold in a compact form.
pub trait Pack<S>: Sync {
    type Packed: Send + Sync;
    fn pack(&self, state: &S) -> Self::Packed;
    fn unpack(&self, packed: &Self::Packed) -> S;
    /// Heap bytes a packed state owns beyond its own size (for the engine's memory count).
    fn heap_bytes(&self, _packed: &Self::Packed) -> usize {
        0
    }
}

/// Any model's states, kept as they are.
pub struct AsIs;

impl<S: Clone + Send + Sync> Pack<S> for AsIs {
    type Packed = S;
    fn pack(&self, state: &S) -> S {
        state.clone()
    }
    fn unpack(&self, packed: &S) -> S {
        packed.clone()
    }
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
    fn u32(&mut self, x: u32) {
        self.0.extend_from_slice(&x.to_le_bytes());
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
    fn msg(&mut self, m: &Msg) {
        match *m {
            Msg::Prepare { b } => {
                self.u8(0);
                self.u8(b.0);
            }
            Msg::Promise { b, accepted } => {
                self.u8(1);
                self.u8(b.0);
                self.pair(accepted);
            }
            Msg::Accept { b, v } => {
                self.u8(2);
                self.u8(b.0);
                self.u8(v);
            }
            Msg::Accepted { b, v } => {
                self.u8(3);
                self.u8(b.0);
                self.u8(v);
            }
            Msg::Write { v } => {
                self.u8(4);
                self.u8(v);
            }
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
    fn u32(&mut self) -> u32 {
        u32::from_le_bytes([self.u8(), self.u8(), self.u8(), self.u8()])
    }
    fn opt(&mut self) -> Option<u8> {
        self.u8().checked_sub(1)
    }
    fn pair(&mut self) -> Option<(Ballot, u8)> {
        (self.u8() == 1).then(|| (Ballot(self.u8()), self.u8()))
    }
    fn msg(&mut self) -> Msg {
        match self.u8() {
            0 => Msg::Prepare {
                b: Ballot(self.u8()),
            },
            1 => Msg::Promise {
                b: Ballot(self.u8()),
                accepted: self.pair(),
            },
            2 => Msg::Accept {
                b: Ballot(self.u8()),
                v: self.u8(),
            },
            3 => Msg::Accepted {
                b: Ballot(self.u8()),
                v: self.u8(),
            },
            _ => Msg::Write { v: self.u8() },
        }
    }
    fn acceptor(&mut self) -> AcceptorState {
        AcceptorState {
            promised: Ballot(self.u8()),
            accepted: self.pair(),
        }
    }
}

impl Pack<PaxosState> for PaxosModel {
    type Packed = Box<[u8]>;

    fn heap_bytes(&self, packed: &Box<[u8]>) -> usize {
        packed.len()
    }

    fn pack(&self, state: &PaxosState) -> Box<[u8]> {
        let sys = &state.sys;
        let n = sys.actor_states.len();
        let mut w = W(Vec::with_capacity(64));
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
                            w.u8(reported.len() as u8);
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
                    w.u8(l.votes.len() as u8);
                    for v in &l.votes {
                        w.u8(v.b.0);
                        w.u8(v.acceptor);
                        w.u8(v.v);
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
        w.u32(timers);
        w.u32(crashed);
        for s in &sys.actor_storages {
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
            Network::UnorderedNonDuplicating(multiset) => {
                w.u16(multiset.len() as u16);
                for (e, &count) in multiset.iter() {
                    w.u8(usize::from(e.src) as u8);
                    w.u8(usize::from(e.dst) as u8);
                    w.msg(&e.msg);
                    w.u16(count as u16);
                }
            }
            Network::UnorderedDuplicating(set, last) => {
                debug_assert!(last.is_none(), "the harness clears the last delivery");
                w.u16(set.len() as u16);
                for e in set.iter() {
                    w.u8(usize::from(e.src) as u8);
                    w.u8(usize::from(e.dst) as u8);
                    w.msg(&e.msg);
                }
            }
            Network::Ordered(flows) => {
                w.u16(flows.len() as u16);
                for (&(src, dst), msgs) in flows {
                    w.u8(usize::from(src) as u8);
                    w.u8(usize::from(dst) as u8);
                    w.u16(msgs.len() as u16);
                    for m in msgs {
                        w.msg(m);
                    }
                }
            }
        }
        let obs = &state.obs;
        w.u8(obs.crashes);
        w.u16(obs.proposed);
        for i in 0..n {
            w.opt(obs.first_decision[i]);
            w.u16(obs.decided_ever[i]);
        }
        w.u8(obs.accepted.len() as u8);
        for &(b, v, mask) in &obs.accepted {
            w.u8(b.0);
            w.u8(v);
            w.u16(mask);
        }
        w.0.into_boxed_slice()
    }

    fn unpack(&self, packed: &Box<[u8]>) -> PaxosState {
        let cfg = self.cfg();
        let n = cfg.node_count();
        let mut r = R(packed, 0);
        let actor_states: Vec<Arc<NodeState>> = (0..n)
            .map(|i| {
                let (role, _) = cfg.role_of(i);
                let replica = !matches!(
                    self.rules().protocol(),
                    paxos_models::replication::Protocol::Paxos
                );
                Arc::new(match role {
                    Role::Proposer => {
                        let round = r.u8();
                        let ballot = Ballot(r.u8());
                        let phase = match r.u8() {
                            0 => None,
                            1 => {
                                let promised = r.u16();
                                let len = r.u8();
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
                        let len = r.u8();
                        let votes: Few<Vote> = (0..len)
                            .map(|_| Vote {
                                b: Ballot(r.u8()),
                                acceptor: r.u8(),
                                v: r.u8(),
                            })
                            .collect();
                        NodeState::Learner(LearnerState { votes, decided })
                    }
                })
            })
            .collect();
        let timers = r.u32();
        let crashed = r.u32();
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
            .map(|_| match r.u8() {
                0 => None,
                1 => Some(Storage::Proposer { round: r.u8() }),
                2 => Some(Storage::Acceptor(r.acceptor())),
                3 => Some(Storage::Learner { decided: r.opt() }),
                _ => Some(Storage::Replica { held: r.opt() }),
            })
            .collect();
        let env = |r: &mut R| Envelope {
            src: Id::from(r.u8() as usize),
            dst: Id::from(r.u8() as usize),
            msg: r.msg(),
        };
        let network = match cfg.delivery {
            paxos_models::Delivery::Unordered => {
                let entries = r.u16();
                let mut all = Vec::new();
                for _ in 0..entries {
                    let e = env(&mut r);
                    for _ in 0..r.u16() {
                        all.push(e);
                    }
                }
                Network::new_unordered_nonduplicating(all)
            }
            paxos_models::Delivery::UnorderedDuplicating => {
                let entries = r.u16();
                let all: Vec<Envelope<Msg>> = (0..entries).map(|_| env(&mut r)).collect();
                Network::new_unordered_duplicating(all)
            }
            paxos_models::Delivery::Ordered => {
                let flows = r.u16();
                let mut all = Vec::new();
                for _ in 0..flows {
                    let (src, dst) = (Id::from(r.u8() as usize), Id::from(r.u8() as usize));
                    for _ in 0..r.u16() {
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
        for _ in 0..n {
            first_decision.push(r.opt());
            decided_ever.push(r.u16());
        }
        let len = r.u8();
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
