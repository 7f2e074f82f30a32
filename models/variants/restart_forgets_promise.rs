//! `restart-forgets-promise`
//!
//! # Bug
//! An acceptor writes both its promise and its accepted proposal to storage, but on restart
//! reads back only the accepted proposal: its promise comes back as that proposal's ballot
//! (or none).
//!
//! # Violates
//! `conflict-resolution`, `coherence` (on `crash-restart`).
//!
//! # Why
//! A promise is a commitment other nodes already count on: the proposer of ballot 2 chose
//! its value *because* a2 promised not to accept below 2. An acceptor that restarts with a
//! lower promise breaks it, and a stale `Accept(b=1)` then completes a second majority.
//!
//! # Counterexample
//! 14 steps on `crash-restart`: a1 and a2 promise ballot 2, p2 proposes
//! "blue", which a1 and a3 accept ("blue" is chosen); a3 had accepted `(b=1, "red")` too.
//! a2 crashes and restarts with its promise forgotten, and accepts p1's `Accept(b=1, "red")`:
//! with a3, "red" is chosen in ballot 1.
//!
//! # Reference
//! Lamport, *Paxos Made Simple* (2001), section 3: an acceptor records its intended response
//! in stable storage before answering, and must remember its promise across a restart.

use crate::cfg::Role;
use crate::node::{AcceptorState, NodeState, Storage};
use crate::properties::PropertyName;
use crate::registry::Variant;
use crate::rules::{Correct, Ctx, Effects, Rules};

pub struct RestartForgetsPromise;

impl Rules for RestartForgetsPromise {
    /// An acceptor comes back with its accepted proposal but its promise lowered to that
    /// proposal's ballot (nothing, if it accepted nothing): it reads back one field, not two.
    fn on_restart(&self, ctx: &Ctx, storage: &Option<Storage>, fx: &mut Effects) -> NodeState {
        match (ctx.role, storage) {
            (Role::Acceptor, Some(Storage::Acceptor(saved))) => {
                NodeState::Acceptor(AcceptorState {
                    promised: saved
                        .accepted
                        .map_or(crate::types::Ballot::NONE, |(b, _)| b),
                    accepted: saved.accepted,
                })
            }
            _ => Correct.on_restart(ctx, storage, fx),
        }
    }
}

pub const VARIANT: Variant = Variant {
    name: "restart-forgets-promise",
    summary: "an acceptor restarts with its accepted proposal but not its promise",
    rules: &RestartForgetsPromise,
    violates: &[PropertyName::ConflictResolution, PropertyName::Coherence],
    source: include_str!("restart_forgets_promise.rs"),
    exposed_by: &["crash-restart"],
    scenarios: crate::registry::SMALL_WORLDS,
    declared: true,
};
