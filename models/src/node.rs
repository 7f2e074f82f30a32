//! The Paxos actors. One actor type, [`Node`], plays the three roles so they share one
//! stateright `ActorModel`. Every handler is a [`Rules`] method (whose default is correct
//! Paxos): the node finds which one a message or timer calls, passes it the node's state,
//! and carries out the [`Effects`] it returns (sends, storage, timer). Everything here is
//! plumbing; every decision is the rules'.

use std::borrow::Cow;
use std::sync::Arc;

use stateright::actor::{model_timeout, Actor, Id, Out};

use crate::cfg::{ClusterCfg, Role};
use crate::replication::{Protocol, ReplicaState};
use crate::rules::{Ctx, Effects, Rules, To};
use crate::store::{ClientState, LeaderState, LogAcceptorState, StoreReplica};
use crate::types::{Ballot, Few, Msg, Timer, Value, Vote};

/// What every node knows about the cluster: the world and the rules in force.
pub struct Setup {
    pub cfg: ClusterCfg,
    pub rules: &'static dyn Rules,
    pub proposer_ids: Vec<Id>,
    pub acceptor_ids: Vec<Id>,
    pub learner_ids: Vec<Id>,
}

impl Setup {
    pub fn new(cfg: ClusterCfg, rules: &'static dyn Rules) -> Setup {
        let proposer_ids = (0..cfg.proposers)
            .map(|i| Id::from(cfg.id_of(Role::Proposer, i)))
            .collect();
        let acceptor_ids = (0..cfg.acceptors)
            .map(|i| Id::from(cfg.id_of(Role::Acceptor, i)))
            .collect();
        let learner_ids = (0..cfg.learners)
            .map(|i| Id::from(cfg.id_of(Role::Learner, i)))
            .collect();
        Setup {
            cfg,
            rules,
            proposer_ids,
            acceptor_ids,
            learner_ids,
        }
    }
}

/// One node of the cluster: its role, its index within the role, and the shared setup.
#[derive(Clone)]
pub struct Node {
    pub role: Role,
    pub index: usize,
    pub setup: Arc<Setup>,
}

/// Where a proposer is in its current ballot.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Phase {
    /// Phase 1: waiting for promises. `promised` is a bitmask of acceptor indices;
    /// `reported` holds the accepted proposals those promises reported (sorted, deduplicated).
    Preparing {
        promised: u16,
        reported: Few<(Ballot, Value)>,
    },
    /// Phase 2: sent `Accept(ballot, v)`; nothing more to do in this ballot.
    Accepting { v: Value },
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ProposerState {
    /// The current attempt, 0-based.
    pub round: u8,
    pub ballot: Ballot,
    /// `None` when the proposer has used up its attempts (after a restart).
    pub phase: Option<Phase>,
}

#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AcceptorState {
    /// The highest ballot promised (`Ballot::NONE` before any).
    pub promised: Ballot,
    /// The last proposal accepted, as (ballot, value).
    pub accepted: Option<(Ballot, Value)>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct LearnerState {
    /// Votes heard, sorted, without duplicates. Cleared once the learner decides for good.
    pub votes: Few<Vote>,
    pub decided: Option<Value>,
}

/// A node's volatile state, by role.
#[derive(Debug, PartialEq, Eq, Hash)]
pub enum NodeState {
    Proposer(ProposerState),
    Acceptor(AcceptorState),
    Learner(LearnerState),
    /// An acceptor or learner under a replication protocol (see `replication.rs`).
    Replica(ReplicaState),
    /// A proposer of a store world: a Multi-Paxos leader (see `store.rs`).
    Leader(LeaderState),
    /// An acceptor of a store world: one promise, a vote per slot.
    LogAcceptor(LogAcceptorState),
    /// A learner of a store world: a replica of the key-value store.
    StoreReplica(Box<StoreReplica>),
    /// A client of a store world.
    Client(ClientState),
}

/// A node's durable storage, by role: what survives a crash.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Storage {
    /// The last attempt a proposer started, so a restart never reuses a ballot.
    Proposer {
        round: u8,
    },
    Acceptor(AcceptorState),
    Learner {
        decided: Option<Value>,
    },
    Replica {
        held: Option<Value>,
    },
    /// A store world's acceptor keeps its promise and every slot's vote.
    LogAcceptor(LogAcceptorState),
    /// A store world's replica keeps its decisions, what it applied, and the store.
    StoreReplica(Box<StoreReplica>),
}

// `clone_from` of a state or storage of the same role copies into what the target holds:
// a store replica's box and the lists inside it (and a learner's votes, when they spill)
// are reused, not allocated again. The engine puts node states back into its scratch
// worlds with it on every step; a derived `clone_from` allocates a fresh copy and frees
// the old one.
impl Clone for NodeState {
    fn clone(&self) -> NodeState {
        match self {
            NodeState::Proposer(x) => NodeState::Proposer(x.clone()),
            NodeState::Acceptor(x) => NodeState::Acceptor(*x),
            NodeState::Learner(x) => NodeState::Learner(x.clone()),
            NodeState::Replica(x) => NodeState::Replica(*x),
            NodeState::Leader(x) => NodeState::Leader(x.clone()),
            NodeState::LogAcceptor(x) => NodeState::LogAcceptor(*x),
            NodeState::StoreReplica(x) => NodeState::StoreReplica(x.clone()),
            NodeState::Client(x) => NodeState::Client(*x),
        }
    }

    fn clone_from(&mut self, source: &NodeState) {
        match (self, source) {
            (NodeState::StoreReplica(to), NodeState::StoreReplica(from)) => to.clone_from(from),
            (NodeState::Learner(to), NodeState::Learner(from)) => {
                crate::types::copy_from(&mut to.votes, &from.votes);
                to.decided = from.decided;
            }
            (to, from) => *to = from.clone(),
        }
    }
}

impl Clone for Storage {
    fn clone(&self) -> Storage {
        match self {
            Storage::Proposer { round } => Storage::Proposer { round: *round },
            Storage::Acceptor(x) => Storage::Acceptor(*x),
            Storage::Learner { decided } => Storage::Learner { decided: *decided },
            Storage::Replica { held } => Storage::Replica { held: *held },
            Storage::LogAcceptor(x) => Storage::LogAcceptor(*x),
            Storage::StoreReplica(x) => Storage::StoreReplica(x.clone()),
        }
    }

    fn clone_from(&mut self, source: &Storage) {
        match (self, source) {
            (Storage::StoreReplica(to), Storage::StoreReplica(from)) => to.clone_from(from),
            (to, from) => *to = from.clone(),
        }
    }
}

impl NodeState {
    /// The storage this node would hold if it kept exactly its current state (`None` for a
    /// node that keeps nothing).
    pub fn stored_as(&self) -> Option<Storage> {
        Some(match self {
            NodeState::Proposer(p) => Storage::Proposer { round: p.round },
            NodeState::Acceptor(a) => Storage::Acceptor(*a),
            NodeState::Learner(l) => Storage::Learner { decided: l.decided },
            NodeState::Replica(r) => Storage::Replica { held: r.held },
            NodeState::Leader(l) => Storage::Proposer { round: l.round },
            NodeState::LogAcceptor(a) => Storage::LogAcceptor(*a),
            NodeState::StoreReplica(r) => Storage::StoreReplica(Box::new(r.durable())),
            NodeState::Client(_) => return None,
        })
    }

    /// Whether `storage` is `Some` and exactly [`NodeState::stored_as`], without building
    /// it (a store replica's would be a boxed copy): packing and the symmetry reduction
    /// ask it for every node of every state, and write one byte when it holds.
    pub fn keeps_exactly(&self, storage: &Option<Storage>) -> bool {
        match (storage, self) {
            (Some(Storage::Proposer { round }), NodeState::Proposer(p)) => *round == p.round,
            (Some(Storage::Acceptor(s)), NodeState::Acceptor(a)) => s == a,
            (Some(Storage::Learner { decided }), NodeState::Learner(l)) => *decided == l.decided,
            (Some(Storage::Replica { held }), NodeState::Replica(r)) => *held == r.held,
            (Some(Storage::Proposer { round }), NodeState::Leader(l)) => *round == l.round,
            (Some(Storage::LogAcceptor(s)), NodeState::LogAcceptor(a)) => s == a,
            (Some(Storage::StoreReplica(s)), NodeState::StoreReplica(r)) => {
                s.votes.is_empty()
                    && (s.chosen, &s.applied, s.kv, s.done) == (r.chosen, &r.applied, r.kv, r.done)
            }
            _ => false,
        }
    }

    /// What this node has decided, if anything. The harness reads this after every step.
    pub fn decision(&self) -> Option<Value> {
        match self {
            NodeState::Learner(l) => l.decided,
            NodeState::Replica(r) => r.held,
            _ => None,
        }
    }

    /// What this node has accepted, if it is an acceptor that accepted something. A replica
    /// holds what it accepted in the one, implicit ballot of a replication protocol (the
    /// harness asks acceptors only).
    pub fn accepted(&self) -> Option<(Ballot, Value)> {
        match self {
            NodeState::Acceptor(a) => a.accepted,
            NodeState::Replica(r) => r.held.map(|v| (Ballot::NONE, v)),
            _ => None,
        }
    }
}

impl Node {
    pub(crate) fn rules(&self) -> &'static dyn Rules {
        self.setup.rules
    }

    pub(crate) fn cfg(&self) -> &ClusterCfg {
        &self.setup.cfg
    }

    pub(crate) fn ctx(&self) -> Ctx<'_> {
        Ctx {
            cfg: self.cfg(),
            role: self.role,
            index: self.index,
        }
    }

    fn acceptor_index(&self, src: Id) -> Option<usize> {
        let (role, index) = self.cfg().role_of(usize::from(src));
        (role == Role::Acceptor).then_some(index)
    }

    /// Carries out a handler's effects: its sends in order, its storage write, its timer.
    /// By reference: a handler that ignores its message (half the deliveries of an
    /// unreduced search) has nothing to carry out, and moving its empty effects cost more
    /// than the handler.
    pub(crate) fn apply(&self, fx: &mut Effects, o: &mut Out<Self>) {
        for &(to, msg) in &fx.sends {
            match to {
                To::Proposers => o.broadcast(&self.setup.proposer_ids, &msg),
                To::Acceptors => o.broadcast(&self.setup.acceptor_ids, &msg),
                To::Learners => o.broadcast(&self.setup.learner_ids, &msg),
                To::Node(id) => o.send(Id::from(id), msg),
            }
        }
        if let Some(saved) = fx.save.take() {
            o.save(saved);
        }
        if fx.retry {
            o.set_timer(Timer::Retry, model_timeout());
        }
    }
}

impl Actor for Node {
    type Msg = Msg;
    type State = NodeState;
    type Timer = Timer;
    type Random = ();
    type Storage = Storage;

    fn name(&self) -> String {
        format!("{}{}", self.role.letter(), self.index + 1)
    }

    fn on_start(&self, _id: Id, storage: &Option<Storage>, o: &mut Out<Self>) -> NodeState {
        if self.cfg().is_store() {
            return self.store_start(storage, o);
        }
        if let Protocol::Replication(_) = self.rules().protocol() {
            return self.replica_start(storage, o);
        }
        let mut fx = Effects::default();
        let state = self.rules().on_restart(&self.ctx(), storage, &mut fx);
        self.apply(&mut fx, o);
        state
    }

    fn on_msg(&self, _id: Id, state: &mut Cow<NodeState>, src: Id, msg: Msg, o: &mut Out<Self>) {
        if self.cfg().is_store() {
            return self.store_on_msg(state, src, msg, o);
        }
        if let Protocol::Replication(adopt) = self.rules().protocol() {
            return self.replica_on_msg(adopt, state, src, msg, o);
        }
        let (rules, ctx) = (self.rules(), self.ctx());
        let mut fx = Effects::default();
        let next = match (&**state, msg) {
            (NodeState::Proposer(p), Msg::Promise { b, accepted }) => self
                .acceptor_index(src)
                .and_then(|a| rules.on_promise(&ctx, p, a, b, accepted, &mut fx))
                .map(NodeState::Proposer),
            (NodeState::Acceptor(a), Msg::Prepare { b }) => rules
                .on_prepare(&ctx, a, usize::from(src), b, &mut fx)
                .map(NodeState::Acceptor),
            (NodeState::Acceptor(a), Msg::Accept { b, v }) => rules
                .on_accept(&ctx, a, b, v, &mut fx)
                .map(NodeState::Acceptor),
            (NodeState::Learner(l), Msg::Accepted { b, v }) => self
                .acceptor_index(src)
                .and_then(|a| rules.on_accepted(&ctx, l, a, b, v, &mut fx))
                .map(NodeState::Learner),
            _ => None,
        };
        if let Some(next) = next {
            *state = Cow::Owned(next);
        }
        self.apply(&mut fx, o);
    }

    fn on_timeout(&self, _id: Id, state: &mut Cow<NodeState>, timer: &Timer, o: &mut Out<Self>) {
        if self.cfg().is_store() {
            return self.store_on_timeout(state, o);
        }
        if let (NodeState::Proposer(p), Timer::Retry) = (&**state, timer) {
            let mut fx = Effects::default();
            if let Some(next) = self.rules().on_retry(&self.ctx(), p, &mut fx) {
                *state = Cow::Owned(NodeState::Proposer(next));
            }
            self.apply(&mut fx, o);
        }
    }
}
