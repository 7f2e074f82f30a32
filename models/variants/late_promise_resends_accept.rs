//! `late-promise-resends-accept` (a correct control)
//!
//! # Bug
//! None: after phase 2 began, a promise that arrives late gets the proposer's `Accept` (the
//! same ballot, the same value) sent again to the acceptor that made it. It looks like
//! `late-promise-changes-value`.
//!
//! # Violates
//! Nothing: all four properties hold in every scenario it is checked in.
//!
//! # Why
//! Sending a proposal again is a duplicate, and Paxos tolerates duplicates: the ballot still
//! proposes one value, so an acceptor accepting it twice changes nothing that matters.
//! What breaks `late-promise-changes-value` is the *new value*, not the extra message.
//!
//! # Counterexample
//! None.
//!
//! # Reference
//! Lamport, *Paxos Made Simple* (2001), section 2.2 (one value per proposal number) and
//! section 2.4 (messages may be duplicated).

use crate::cfg::Role;
use crate::node::{Phase, ProposerState};
use crate::registry::Variant;
use crate::rules::{Correct, Ctx, Effects, Rules, To};
use crate::types::{Ballot, Msg, Value};

pub struct LatePromiseResendsAccept;

impl Rules for LatePromiseResendsAccept {
    /// Paxos, and a promise that arrives after phase 2 began gets the same `Accept` (same
    /// ballot, same value) sent again to the acceptor that made it.
    fn on_promise(
        &self,
        ctx: &Ctx,
        p: &ProposerState,
        acceptor: usize,
        b: Ballot,
        accepted: Option<(Ballot, Value)>,
        fx: &mut Effects,
    ) -> Option<ProposerState> {
        match &p.phase {
            Some(Phase::Accepting { v }) if b == p.ballot => {
                let to = To::Node(ctx.cfg.id_of(Role::Acceptor, acceptor));
                fx.send(to, Msg::Accept { b, v: *v });
                Some(p.clone())
            }
            _ => Correct.on_promise(ctx, p, acceptor, b, accepted, fx),
        }
    }
}

pub const VARIANT: Variant = Variant {
    name: "late-promise-resends-accept",
    summary:
        "correct control: a late promise gets the same Accept (same ballot, same value) sent again",
    rules: &LatePromiseResendsAccept,
    violates: &[],
    source: include_str!("late_promise_resends_accept.rs"),
    exposed_by: &[],
    scenarios: crate::registry::SMALL_WORLDS,
    declared: true,
};
