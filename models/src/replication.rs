//! Replication without consensus: the two protocols of the catalog that are not Paxos at all
//! (`naive-replication`, `last-writer-wins`). They run on the same cluster, network, faults
//! and harness as Paxos, and expose the same observations, so the same four properties judge
//! them; only the nodes' behaviour differs:
//!
//! - a proposer is a client: on start it writes its value to every acceptor (`Write(v)`);
//! - an acceptor is a replica: it takes a write as the [`Adopt`] rule says and copies every
//!   value it takes to the learners;
//! - a learner is a replica too: it takes the copies by the same rule.
//!
//! Every replica holds at most one value and writes it to durable storage before anything
//! else, so a crash never loses it: these protocols fail for want of agreement, not of
//! durability. A replica's held value is its decision (it serves it to its users); an
//! acceptor's held value is also what it "accepted" in the one, implicit ballot these
//! protocols have, and since a replica takes a write on its own, without asking anyone, one
//! replica makes a value chosen (the variants' phase-2 quorum is 1).

use std::borrow::Cow;

use stateright::actor::{Id, Out};

use crate::cfg::Role;
use crate::node::{Node, NodeState, Phase, ProposerState, Storage};
use crate::types::{Ballot, Msg, Value};

/// Which protocol the nodes run.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum Protocol {
    /// Single-decree Paxos under the variant's [`crate::Rules`].
    Paxos,
    /// Replication without consensus: replicas take writes by this rule.
    Replication(Adopt),
}

/// How a replica takes a write.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum Adopt {
    /// Keep the first value received, ignore every later one.
    First,
    /// Take whichever value arrives, replacing the one held.
    Last,
}

/// A replica's state: the value it holds (and serves), if any.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ReplicaState {
    pub held: Option<Value>,
}

impl Node {
    /// Start-up under a replication protocol.
    pub(crate) fn replica_start(&self, storage: &Option<Storage>, o: &mut Out<Self>) -> NodeState {
        match self.role {
            Role::Proposer => {
                let v = self.setup.cfg.value_of_proposer(self.index);
                if !matches!(storage, Some(Storage::Proposer { .. })) {
                    // A client writes once: a restarted one does not write again.
                    o.broadcast(&self.setup.acceptor_ids, &Msg::Write { v });
                    o.save(Storage::Proposer { round: 0 });
                }
                NodeState::Proposer(ProposerState {
                    round: 0,
                    ballot: Ballot::NONE,
                    phase: Some(Phase::Accepting { v }),
                })
            }
            Role::Acceptor | Role::Learner | Role::Client => NodeState::Replica(ReplicaState {
                held: match storage {
                    Some(Storage::Replica { held }) => *held,
                    _ => None,
                },
            }),
        }
    }

    /// A replica receives `Write(v)`.
    pub(crate) fn replica_on_msg(
        &self,
        adopt: Adopt,
        state: &mut Cow<NodeState>,
        _src: Id,
        msg: Msg,
        o: &mut Out<Self>,
    ) {
        let (NodeState::Replica(r), Msg::Write { v }) = (&**state, msg) else {
            return;
        };
        let takes = match adopt {
            Adopt::First => r.held.is_none(),
            Adopt::Last => r.held != Some(v),
        };
        if !takes {
            return;
        }
        o.save(Storage::Replica { held: Some(v) });
        if self.role == Role::Acceptor {
            o.broadcast(&self.setup.learner_ids, &Msg::Write { v });
        }
        *state.to_mut() = NodeState::Replica(ReplicaState { held: Some(v) });
    }
}
