//! `accept-checks-accepted-ballot`
//!
//! # Bug
//! An acceptor compares an `Accept`'s ballot with the ballot it last *accepted* instead of
//! the one it *promised*: the wrong field of its state.
//!
//! # Violates
//! `conflict-resolution`, `coherence` (on `classic`).
//!
//! # Why
//! The promise is what protects the value a higher ballot's phase 1 saw: "I will not accept
//! anything below `n`". Checked against the accepted ballot, a promise for ballot 2 no longer
//! stops `Accept(b=1)` when nothing was accepted yet, which is exactly the case phase 1 of
//! ballot 2 relied on when it saw nothing and proposed its own value.
//!
//! # Counterexample
//! 12 steps on `classic`: a1 and a2 promise ballot 1 and then ballot 2; p2 proposes "blue"
//! (nothing reported); a1 and a2 still accept p1's `Accept(b=1, "red")` ("red" is chosen),
//! then p2's `Accept(b=2, "blue")` ("blue" is chosen too).
//!
//! # Reference
//! Lamport, *Paxos Made Simple* (2001), section 2.2, P1a: an acceptor can accept a proposal
//! numbered `n` iff it has not responded to a prepare request numbered greater than `n`.

use crate::node::{AcceptorState, Storage};
use crate::properties::PropertyName;
use crate::registry::Variant;
use crate::rules::{Ctx, Effects, Rules, To};
use crate::types::{Ballot, Msg, Value};

pub struct AcceptChecksAcceptedBallot;

impl Rules for AcceptChecksAcceptedBallot {
    /// Compares the ballot of an `Accept` with the ballot it last *accepted*, not the one it
    /// promised (the wrong field).
    fn on_accept(
        &self,
        _ctx: &Ctx,
        a: &AcceptorState,
        b: Ballot,
        v: Value,
        fx: &mut Effects,
    ) -> Option<AcceptorState> {
        if a.accepted.is_some_and(|(ab, _)| b < ab) {
            return None;
        }
        let next = AcceptorState {
            promised: b.max(a.promised),
            accepted: Some((b, v)),
        };
        fx.save = self.acceptor_persists(&next).map(Storage::Acceptor);
        fx.send(To::Learners, Msg::Accepted { b, v });
        Some(next)
    }
}

pub const VARIANT: Variant = Variant {
    name: "accept-checks-accepted-ballot",
    summary: "an acceptor checks an Accept against the ballot it accepted, not the one it promised",
    rules: &AcceptChecksAcceptedBallot,
    violates: &[PropertyName::ConflictResolution, PropertyName::Coherence],
    source: include_str!("accept_checks_accepted_ballot.rs"),
    exposed_by: &["classic"],
    scenarios: crate::registry::SMALL_WORLDS,
    declared: true,
};
