//! `write-once-acceptor`
//!
//! # Bug
//! No ballots at the acceptors: each acceptor accepts the first value it hears and keeps it
//! forever; it promises anything and never changes its mind.
//!
//! # Violates
//! `fault-tolerance`, on `classic` (and on `four-acceptors` and `learner-crash`). It is
//! *safe* (coherence, conflict resolution and no-takebacks hold everywhere: a value needs a
//! quorum of acceptors that never change, so no two values can both have one), but a split
//! vote is forever. On three acceptors, one holding "red" and one holding "blue", the third
//! decides; cut the third off and no value can ever reach two, because no acceptor will
//! change its value. With four acceptors the split needs no cut at all: two holding "red"
//! and two holding "blue", and no value can reach the three a quorum needs. And a learner
//! that crashes and loses its votes waits forever, because acceptors that never accept again
//! never send another `Accepted`.
//!
//! # Why
//! Ballots are what lets Paxos *recover* from a split: a later, higher ballot may ask the
//! acceptors to accept a new proposal, and the promise/adopt rules make that safe. An
//! acceptor that can never accept again keeps safety and gives up liveness: the guide's
//! fault tolerance is that a decision *stays* reachable, not merely that one was reachable
//! at the start.
//!
//! # Counterexample
//! 10 steps on `classic`: both proposers finish phase 1 with a1 and a2, p1's
//! `Accept(b=1, "red")` reaches a1 and p2's `Accept(b=2, "blue")` reaches a2; then a3 is cut
//! off, and a1 and a2 will never take another value.
//!
//! 16 steps on `four-acceptors`, nothing cut off: both proposers finish phase 1 (a write-once acceptor
//! promises anything, so a1, a2 and a3 promise both); p1's `Accept(b=1, "red")` reaches a1
//! and a2 first and p2's `Accept(b=2, "blue")` reaches a3 and a4 first. Each acceptor keeps
//! what it took, every later `Accept` is ignored, and the learner waits for a third matching
//! vote that never comes.
//!
//! # Reference
//! Lamport, *Paxos Made Simple* (2001), section 2.2: the need for acceptors to accept more
//! than one proposal ("an acceptor must be allowed to accept more than one proposal") and
//! the ballot numbers that make it safe.

use crate::node::AcceptorState;
use crate::properties::PropertyName;
use crate::registry::Variant;
use crate::rules::{Ctx, Effects, Rules, To};
use crate::types::{Ballot, Msg, Value};

pub struct WriteOnceAcceptor;

impl Rules for WriteOnceAcceptor {
    /// Promises any ballot and reports what it holds.
    fn on_prepare(
        &self,
        _ctx: &Ctx,
        a: &AcceptorState,
        from: usize,
        b: Ballot,
        fx: &mut Effects,
    ) -> Option<AcceptorState> {
        let next = AcceptorState {
            promised: b.max(a.promised),
            accepted: a.accepted,
        };
        fx.save = self
            .acceptor_persists(&next)
            .map(crate::node::Storage::Acceptor);
        fx.send(
            To::Node(from),
            Msg::Promise {
                b,
                accepted: a.accepted,
            },
        );
        Some(next)
    }

    /// Accepts the first proposal it hears, whatever its ballot, and no other, ever.
    fn on_accept(
        &self,
        _ctx: &Ctx,
        a: &AcceptorState,
        b: Ballot,
        v: Value,
        fx: &mut Effects,
    ) -> Option<AcceptorState> {
        if a.accepted.is_some() {
            return None;
        }
        let next = AcceptorState {
            promised: b.max(a.promised),
            accepted: Some((b, v)),
        };
        fx.save = self
            .acceptor_persists(&next)
            .map(crate::node::Storage::Acceptor);
        fx.send(To::Learners, Msg::Accepted { b, v });
        Some(next)
    }
}

pub const VARIANT: Variant = Variant {
    name: "write-once-acceptor",
    summary: "acceptors keep the first value they hear forever: safe, but a split vote leaves no decision reachable",
    rules: &WriteOnceAcceptor,
    violates: &[PropertyName::FaultTolerance],
    source: include_str!("write_once_acceptor.rs"),
    exposed_by: &["classic", "four-acceptors", "learner-crash"],
    scenarios: crate::registry::SMALL_WORLDS,
    declared: true,
};
