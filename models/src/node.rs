//! The Paxos actors. One actor type, [`Node`], plays the three roles so they share one
//! stateright `ActorModel`; every decision point calls the [`Rules`] hooks, and everything
//! else is plain message plumbing. Proposers retry on their `Retry` timer; acceptors answer
//! only what the rules allow and persist what the rules say; learners count votes.

use std::borrow::Cow;
use std::sync::Arc;

use stateright::actor::{model_timeout, Actor, Id, Out};

use crate::cfg::{ClusterCfg, Role};
use crate::replication::{Protocol, ReplicaState};
use crate::rules::Rules;
use crate::types::{Ballot, Few, Msg, Timer, Value, Vote};

/// What every node knows about the cluster: the world and the rules in force.
pub struct Setup {
    pub cfg: ClusterCfg,
    pub rules: &'static dyn Rules,
    pub acceptor_ids: Vec<Id>,
    pub learner_ids: Vec<Id>,
}

impl Setup {
    pub fn new(cfg: ClusterCfg, rules: &'static dyn Rules) -> Setup {
        let acceptor_ids = (0..cfg.acceptors)
            .map(|i| Id::from(cfg.id_of(Role::Acceptor, i)))
            .collect();
        let learner_ids = (0..cfg.learners)
            .map(|i| Id::from(cfg.id_of(Role::Learner, i)))
            .collect();
        Setup {
            cfg,
            rules,
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
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum NodeState {
    Proposer(ProposerState),
    Acceptor(AcceptorState),
    Learner(LearnerState),
    /// An acceptor or learner under a replication protocol (see `replication.rs`).
    Replica(ReplicaState),
}

/// A node's durable storage, by role: what survives a crash.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
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
}

impl NodeState {
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
    fn rules(&self) -> &'static dyn Rules {
        self.setup.rules
    }

    fn cfg(&self) -> &ClusterCfg {
        &self.setup.cfg
    }

    /// A proposer starts attempt `round`: a fresh ballot, `Prepare` to every acceptor, and a
    /// retry timer while attempts remain.
    fn start_round(&self, round: usize, o: &mut Out<Self>) -> ProposerState {
        let cfg = self.cfg();
        let ballot = self.rules().ballot(round, self.index, cfg.proposers);
        o.broadcast(&self.setup.acceptor_ids, &Msg::Prepare { b: ballot });
        o.save(Storage::Proposer { round: round as u8 });
        if round + 1 < cfg.ballots_max {
            o.set_timer(Timer::Retry, model_timeout());
        }
        ProposerState {
            round: round as u8,
            ballot,
            phase: Some(Phase::Preparing {
                promised: 0,
                reported: Few::new(),
            }),
        }
    }

    fn acceptor_index(&self, src: Id) -> Option<usize> {
        let (role, index) = self.cfg().role_of(usize::from(src));
        (role == Role::Acceptor).then_some(index)
    }

    fn on_promise(
        &self,
        state: &mut Cow<NodeState>,
        src: Id,
        b: Ballot,
        accepted: Option<(Ballot, Value)>,
        o: &mut Out<Self>,
    ) {
        let NodeState::Proposer(p) = &**state else {
            return;
        };
        let Some(acceptor) = self.acceptor_index(src) else {
            return;
        };
        let Some(Phase::Preparing { promised, reported }) = &p.phase else {
            return;
        };
        if b != p.ballot || promised & (1 << acceptor) != 0 {
            return;
        }
        let promised = promised | 1 << acceptor;
        let mut reported = reported.clone();
        if let Some(pair) = accepted {
            if let Err(at) = reported.binary_search(&pair) {
                reported.insert(at, pair);
            }
        }
        let rules = self.rules();
        let phase = if promised.count_ones() as usize >= rules.phase1_quorum(self.cfg().acceptors) {
            let own = self.cfg().value_of_proposer(self.index);
            let v = rules.value_to_propose(own, &reported);
            o.broadcast(&self.setup.acceptor_ids, &Msg::Accept { b, v });
            Phase::Accepting { v }
        } else {
            Phase::Preparing { promised, reported }
        };
        if let NodeState::Proposer(p) = state.to_mut() {
            p.phase = Some(phase);
        }
    }

    fn on_prepare(
        &self,
        a: &AcceptorState,
        src: Id,
        b: Ballot,
        o: &mut Out<Self>,
    ) -> Option<AcceptorState> {
        if !self.rules().may_promise(a.promised, b) {
            return None;
        }
        let next = AcceptorState {
            promised: b,
            accepted: a.accepted,
        };
        self.persist(&next, o);
        o.send(
            src,
            Msg::Promise {
                b,
                accepted: self.rules().promise_reports(a.accepted),
            },
        );
        Some(next)
    }

    fn on_accept(
        &self,
        a: &AcceptorState,
        b: Ballot,
        v: Value,
        o: &mut Out<Self>,
    ) -> Option<AcceptorState> {
        if !self.rules().may_accept(a.promised, b) {
            return None;
        }
        let next = AcceptorState {
            promised: b.max(a.promised),
            accepted: Some((b, v)),
        };
        self.persist(&next, o);
        o.broadcast(&self.setup.learner_ids, &Msg::Accepted { b, v });
        Some(next)
    }

    fn persist(&self, a: &AcceptorState, o: &mut Out<Self>) {
        if let Some(saved) = self.rules().acceptor_persists(a) {
            o.save(Storage::Acceptor(saved));
        }
    }

    fn on_accepted(
        &self,
        l: &LearnerState,
        src: Id,
        b: Ballot,
        v: Value,
        o: &mut Out<Self>,
    ) -> Option<LearnerState> {
        let rules = self.rules();
        let acceptor = self.acceptor_index(src)? as u8;
        if l.decided.is_some() && !rules.learner_may_change_mind() {
            return None;
        }
        let vote = Vote { b, acceptor, v };
        let at = match l.votes.binary_search(&vote) {
            Err(at) => at,
            Ok(at) if rules.learner_counts_duplicates() => at,
            Ok(_) => return None,
        };
        let mut votes = l.votes.clone();
        votes.insert(at, vote);
        let decided = rules.learner_decides(&votes, rules.phase2_quorum(self.cfg().acceptors));
        if decided != l.decided && rules.learner_persists_decision() {
            o.save(Storage::Learner { decided });
        }
        if decided.is_some() && !rules.learner_may_change_mind() {
            // Decided for good: the votes no longer matter.
            votes.clear();
        }
        Some(LearnerState { votes, decided })
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
        if let Protocol::Replication(_) = self.rules().protocol() {
            return self.replica_start(storage, o);
        }
        match self.role {
            Role::Proposer => {
                let round = match storage {
                    Some(Storage::Proposer { round }) => *round as usize + 1,
                    _ => 0,
                };
                if round < self.cfg().ballots_max {
                    NodeState::Proposer(self.start_round(round, o))
                } else {
                    NodeState::Proposer(ProposerState {
                        round: round as u8 - 1,
                        ballot: Ballot::NONE,
                        phase: None,
                    })
                }
            }
            Role::Acceptor => NodeState::Acceptor(match storage {
                Some(Storage::Acceptor(saved)) => *saved,
                _ => AcceptorState::default(),
            }),
            Role::Learner => NodeState::Learner(LearnerState {
                votes: Few::new(),
                decided: match storage {
                    Some(Storage::Learner { decided }) => *decided,
                    _ => None,
                },
            }),
        }
    }

    fn on_msg(&self, _id: Id, state: &mut Cow<NodeState>, src: Id, msg: Msg, o: &mut Out<Self>) {
        if let Protocol::Replication(adopt) = self.rules().protocol() {
            return self.replica_on_msg(adopt, state, src, msg, o);
        }
        match (&**state, msg) {
            (NodeState::Proposer(_), Msg::Promise { b, accepted }) => {
                self.on_promise(state, src, b, accepted, o)
            }
            (NodeState::Acceptor(a), Msg::Prepare { b }) => {
                if let Some(next) = self.on_prepare(a, src, b, o) {
                    *state.to_mut() = NodeState::Acceptor(next);
                }
            }
            (NodeState::Acceptor(a), Msg::Accept { b, v }) => {
                if let Some(next) = self.on_accept(a, b, v, o) {
                    *state.to_mut() = NodeState::Acceptor(next);
                }
            }
            (NodeState::Learner(l), Msg::Accepted { b, v }) => {
                if let Some(next) = self.on_accepted(l, src, b, v, o) {
                    *state.to_mut() = NodeState::Learner(next);
                }
            }
            _ => {}
        }
    }

    fn on_timeout(&self, _id: Id, state: &mut Cow<NodeState>, timer: &Timer, o: &mut Out<Self>) {
        if let (NodeState::Proposer(p), Timer::Retry) = (&**state, timer) {
            let next = p.round as usize + 1;
            if next < self.cfg().ballots_max {
                *state.to_mut() = NodeState::Proposer(self.start_round(next, o));
            }
        }
    }
}
