//! `ack-before-commit`
//!
//! # Bug
//! A store leader tells the client its `put` is done as soon as it proposes it, before a
//! majority of acceptors has accepted it (before it is chosen).
//!
//! # Violates
//! `linearizability`.
//!
//! # Why
//! A proposal is not a decision: a higher ballot may pre-empt the leader before a majority
//! accepted its proposal, and the new leader, hearing nothing of it from its own majority,
//! fills that slot with another command. The client was told its write happened, and a
//! read that starts afterwards does not see it.
//!
//! # Counterexample
//! p1 wins phase 1 and proposes c1's put(x, 1) in slot 1, answering c1 "ok" at once. p2 then
//! wins phase 1 with acceptors that never saw the put, and gets c2's get(x) chosen in slot
//! 1: it returns "nothing", although the put had returned before the get was invoked.
//!
//! # Reference
//! The consensus guide: a value is decided only once a majority accepted it; Lamport,
//! *Paxos Made Simple* (2001), section 2.3.

use crate::cfg::Role;
use crate::properties::PropertyName;
use crate::registry::Variant;
use crate::rules::{Ctx, Effects, Rules, To};
use crate::store::{Cmd, CorrectStore, LeaderState, Op, StoreCfg, StoreRules};
use crate::types::Msg;

pub struct AckBeforeCommit;

impl Rules for AckBeforeCommit {
    fn store(&self) -> &'static dyn StoreRules {
        &AckBeforeCommit
    }

    /// The leader answers clients itself.
    fn may_send(&self, from: Role, to: Role) -> bool {
        (from, to) == (Role::Proposer, Role::Client) || Rules::may_send(&crate::Correct, from, to)
    }
}

impl StoreRules for AckBeforeCommit {
    fn propose(&self, ctx: &Ctx, l: &LeaderState, slot: usize, cmd: Cmd, fx: &mut Effects) {
        CorrectStore.propose(ctx, l, slot, cmd, fx);
        let store = ctx.cfg.store.as_ref();
        if let Some(Op::Put { .. }) = store.and_then(|s| s.op(cmd)) {
            let client = ctx.cfg.id_of(Role::Client, StoreCfg::of_cmd(cmd).0);
            fx.send(To::Node(client), Msg::Reply { cmd, result: 0 });
        }
    }
}

pub const VARIANT: Variant = Variant {
    name: "ack-before-commit",
    summary: "a store leader answers a put when it proposes it, before it is chosen",
    rules: &AckBeforeCommit,
    violates: &[PropertyName::Linearizability],
    source: include_str!("ack_before_commit.rs"),
    exposed_by: &["kv-store-one-slot"],
    scenarios: crate::registry::STORE_WORLDS,
    declared: true,
};
