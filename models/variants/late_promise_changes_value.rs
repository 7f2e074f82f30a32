//! `late-promise-changes-value`
//!
//! # Bug
//! After phase 2 began, a promise that arrives late and reports an accepted value makes the
//! proposer send `Accept` again, in the same ballot, with that value ("the reported value
//! must be the one to carry on").
//!
//! # Violates
//! `conflict-resolution`, `coherence` (on `classic`).
//!
//! # Why
//! A ballot must propose one value: the safety argument says any value chosen in ballot `b`
//! is the one value ballot `b` proposed, and that every higher ballot carries it on. The
//! value is fixed by the phase-1 quorum that *started* phase 2; a late promise is not part
//! of it, and switching makes one ballot propose two values, both of which may be chosen.
//! Compare `late-promise-resends-accept`, which sends the same value again and is correct.
//!
//! # Counterexample
//! 15 steps on `classic`: p2's ballot 2 starts phase 2 with promises from a1 and a2 and
//! "blue" is chosen by them; a3's late promise reports `(b=1, "red")`, and p2 sends
//! `Accept(b=2, "red")`, which a1 and a2 accept: "red" is chosen in the same ballot.
//!
//! # Reference
//! Lamport, *Paxos Made Simple* (2001), section 2.2: a proposer issues one proposal per
//! proposal number.

use crate::node::{Phase, ProposerState};
use crate::properties::PropertyName;
use crate::registry::Variant;
use crate::rules::{Correct, Ctx, Effects, Rules, To};
use crate::types::{Ballot, Msg, Value};

pub struct LatePromiseChangesValue;

impl Rules for LatePromiseChangesValue {
    /// Paxos, and then: a promise that arrives after phase 2 began and reports an accepted
    /// value makes the proposer send `Accept` again, in the same ballot, with that value.
    fn on_promise(
        &self,
        ctx: &Ctx,
        p: &ProposerState,
        acceptor: usize,
        b: Ballot,
        accepted: Option<(Ballot, Value)>,
        fx: &mut Effects,
    ) -> Option<ProposerState> {
        match (&p.phase, accepted) {
            (Some(Phase::Accepting { v }), Some((_, reported)))
                if b == p.ballot && reported != *v =>
            {
                fx.send(To::Acceptors, Msg::Accept { b, v: reported });
                Some(ProposerState {
                    phase: Some(Phase::Accepting { v: reported }),
                    ..p.clone()
                })
            }
            _ => Correct.on_promise(ctx, p, acceptor, b, accepted, fx),
        }
    }
}

pub const VARIANT: Variant = Variant {
    name: "late-promise-changes-value",
    summary: "a late promise that reports a value makes the proposer send Accept again in the same ballot with that value",
    rules: &LatePromiseChangesValue,
    violates: &[PropertyName::ConflictResolution, PropertyName::Coherence],
    source: include_str!("late_promise_changes_value.rs"),
    exposed_by: &["classic"],
    scenarios: crate::registry::SMALL_WORLDS,
    declared: true,
};
