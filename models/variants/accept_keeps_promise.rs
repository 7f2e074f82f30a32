//! `accept-keeps-promise`
//!
//! # Bug
//! An acceptor accepts as Paxos does but leaves its promise where it was, instead of raising
//! it to the ballot it accepted.
//!
//! # Violates
//! `conflict-resolution`, on `three-proposers` (it needs three ballots).
//!
//! # Why
//! Accepting ballot `b` is also a promise not to accept below `b`. An acceptor that accepted
//! `(2, "blue")` while its promise stayed at none or 1 still takes `Accept(b=1, "red")`
//! afterwards: its accepted proposal goes *back* to a lower ballot, and the next phase 1 hears
//! "red" from it where "blue" was chosen. With two ballots nobody asks after the step back,
//! which is why the two-proposer worlds show nothing.
//!
//! # Counterexample
//! 17 steps on `three-proposers`: a2 and a3 accept `(b=2, "blue")` ("blue" is chosen); a3,
//! whose promise was still none, then accepts `(b=1, "red")` and promises ballot 3 reporting
//! `(b=1, "red")`; p3 (with a1, which accepted nothing) proposes "red" in ballot 3, and a1
//! and a2 accept it.
//!
//! # Reference
//! Lamport, *Paxos Made Simple* (2001), section 2.2: accepting is responding, so P1a applies
//! to the accepted ballot too.

use crate::node::{AcceptorState, Storage};
use crate::properties::PropertyName;
use crate::registry::Variant;
use crate::rules::{Ctx, Effects, Rules, To};
use crate::types::{Ballot, Msg, Value};

pub struct AcceptKeepsPromise;

impl Rules for AcceptKeepsPromise {
    /// Accepts as Paxos does, but leaves its promise where it was instead of raising it to
    /// the accepted ballot.
    fn on_accept(
        &self,
        _ctx: &Ctx,
        a: &AcceptorState,
        b: Ballot,
        v: Value,
        fx: &mut Effects,
    ) -> Option<AcceptorState> {
        if !self.may_accept(a.promised, b) {
            return None;
        }
        let next = AcceptorState {
            promised: a.promised,
            accepted: Some((b, v)),
        };
        fx.save = self.acceptor_persists(&next).map(Storage::Acceptor);
        fx.send(To::Learners, Msg::Accepted { b, v });
        Some(next)
    }
}

pub const VARIANT: Variant = Variant {
    name: "accept-keeps-promise",
    summary: "an acceptor accepts without raising its promise, so its accepted proposal can go back to a lower ballot",
    rules: &AcceptKeepsPromise,
    violates: &[PropertyName::ConflictResolution],
    source: include_str!("accept_keeps_promise.rs"),
    exposed_by: &["three-proposers"],
    scenarios: &["classic", "crash-restart", "four-acceptors", "learner-crash", "lossy-duplicating", "three-proposers"],
    declared: true,
};
