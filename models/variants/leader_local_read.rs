//! `leader-local-read`
//!
//! # Bug
//! A store leader answers a client's `get` at once, from the commands in its own log,
//! instead of putting the `get` in a slot and letting the replicas answer it once it is
//! chosen.
//!
//! # Violates
//! `linearizability`.
//!
//! # Why
//! Leading is a belief, not a fact: another proposer may have pre-empted this one with a
//! higher ballot and got writes chosen that this leader never heard of. A read served from
//! the old leader's own state, without a quorum, can miss a write that had already
//! completed: the store no longer looks like one computer.
//!
//! # Counterexample
//! p1 and then p2 win phase 1; c1's put(x, 1) is chosen in p2's ballot and applied, and c1
//! gets "ok". Then c2 invokes get(x); p1, which still believes it leads and never heard of
//! the put, answers "nothing".
//!
//! # Reference
//! The consensus guide's key-value store use case; the stale-read bug of leader leases
//! without a lease (Chandra, Griesemer, Redstone, *Paxos Made Live*, 2007, section 5.2).

use crate::cfg::Role;
use crate::properties::PropertyName;
use crate::registry::Variant;
use crate::rules::{Ctx, Effects, Rules, To};
use crate::store::{run, Cmd, Lead, LeaderState, Op, StoreRules, KEYS_MAX};
use crate::types::Msg;

pub struct LeaderLocalRead;

impl Rules for LeaderLocalRead {
    fn store(&self) -> &'static dyn StoreRules {
        &LeaderLocalRead
    }

    /// The leader answers clients itself.
    fn may_send(&self, from: Role, to: Role) -> bool {
        (from, to) == (Role::Proposer, Role::Client) || Rules::may_send(&crate::Correct, from, to)
    }
}

impl StoreRules for LeaderLocalRead {
    fn on_request(
        &self,
        ctx: &Ctx,
        l: &LeaderState,
        client: usize,
        cmd: Cmd,
        fx: &mut Effects,
    ) -> Option<LeaderState> {
        let store = ctx.cfg.store.as_ref()?;
        let (Lead::Leading, Some(get @ Op::Get { .. })) = (&l.lead, store.op(cmd)) else {
            return crate::store::CorrectStore.on_request(ctx, l, client, cmd, fx);
        };
        if l.heard & (1 << cmd) != 0 {
            return None;
        }
        // Its own log, applied in slot order: what it believes the store holds.
        let mut kv = [0; KEYS_MAX];
        for op in l.log.iter().flatten().filter_map(|&c| store.op(c)) {
            if let Op::Put { .. } = op {
                run(&mut kv, op);
            }
        }
        let result = run(&mut kv, get);
        fx.send(To::Node(client), Msg::Reply { cmd, result });
        let mut next = l.clone();
        next.heard |= 1 << cmd;
        Some(next)
    }
}

pub const VARIANT: Variant = Variant {
    name: "leader-local-read",
    summary: "a store leader answers get from its own log, without a quorum",
    rules: &LeaderLocalRead,
    violates: &[PropertyName::Linearizability],
    source: include_str!("leader_local_read.rs"),
    exposed_by: &["kv-store-one-slot"],
    scenarios: crate::registry::STORE_WORLDS,
    declared: true,
};
