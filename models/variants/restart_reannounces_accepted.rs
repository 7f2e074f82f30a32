//! `restart-reannounces-accepted` (a correct control)
//!
//! # Bug
//! None: an acceptor that restarts tells every learner again what it accepted before the
//! crash, as if it had just accepted it.
//!
//! # Violates
//! Nothing: all four properties hold in every scenario it is checked in.
//!
//! # Why
//! The announcement repeats a vote the acceptor really cast (it comes from durable storage),
//! so a learner counting it counts nothing new; it is a duplicate, and learners count each
//! acceptor once per ballot. It helps learners that missed the first one.
//!
//! # Counterexample
//! None. On `crash-restart` the space grows (323,018 unique states instead of 176,770).
//!
//! # Reference
//! Lamport, *Paxos Made Simple* (2001), section 2.3 (an acceptor may tell learners what it
//! accepted, any number of times).

use crate::cfg::Role;
use crate::node::{NodeState, Storage};
use crate::registry::Variant;
use crate::rules::{Correct, Ctx, Effects, Rules, To};
use crate::types::Msg;

pub struct RestartReannouncesAccepted;

impl Rules for RestartReannouncesAccepted {
    /// Paxos, and an acceptor that restarts tells every learner again what it accepted.
    fn on_restart(&self, ctx: &Ctx, storage: &Option<Storage>, fx: &mut Effects) -> NodeState {
        let node = Correct.on_restart(ctx, storage, fx);
        if let (Role::Acceptor, Some(Storage::Acceptor(saved))) = (ctx.role, storage) {
            if let Some((b, v)) = saved.accepted {
                fx.send(To::Learners, Msg::Accepted { b, v });
            }
        }
        node
    }
}

pub const VARIANT: Variant = Variant {
    name: "restart-reannounces-accepted",
    summary: "correct control: a restarted acceptor tells the learners again what it accepted",
    rules: &RestartReannouncesAccepted,
    violates: &[],
    source: include_str!("restart_reannounces_accepted.rs"),
    exposed_by: &[],
    scenarios: crate::registry::SMALL_WORLDS,
    declared: true,
};
