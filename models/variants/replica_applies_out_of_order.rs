//! `replica-applies-out-of-order`
//!
//! # Bug
//! A store replica applies each command as soon as it learns it chosen, instead of in slot
//! order.
//!
//! # Violates
//! `log-coherence`.
//!
//! # Why
//! Slots are decided in any order: the network reorders the acceptors' votes, and a new
//! leader fills gaps later. The log is the order every replica agrees on; a replica that
//! applies slot 2 before slot 1 runs the commands in an order no other replica need share,
//! and its store can diverge.
//!
//! # Counterexample
//! p1 leads and proposes c1's put(x, 1) in slot 1 and c2's get(x) in slot 2; slot 2's votes
//! reach l1 first, and l1 applies the get before the put.
//!
//! # Reference
//! Lamport, *Paxos Made Simple* (2001), section 3: a server executes command i only after
//! it has executed commands 1 through i - 1.

use crate::properties::PropertyName;
use crate::registry::Variant;
use crate::rules::{Ctx, Effects, Rules};
use crate::store::{StoreReplica, StoreRules, SLOTS_MAX};

pub struct ReplicaAppliesOutOfOrder;

impl Rules for ReplicaAppliesOutOfOrder {
    fn store(&self) -> &'static dyn StoreRules {
        &ReplicaAppliesOutOfOrder
    }
}

impl StoreRules for ReplicaAppliesOutOfOrder {
    fn apply_ready(&self, ctx: &Ctx, r: &mut StoreReplica, fx: &mut Effects) {
        for slot in 0..SLOTS_MAX {
            let applied = r.applied.iter().any(|&(s, _)| s as usize == slot);
            if let (Some(cmd), false) = (r.chosen[slot], applied) {
                self.apply(ctx, r, slot, cmd, fx);
            }
        }
    }
}

pub const VARIANT: Variant = Variant {
    name: "replica-applies-out-of-order",
    summary: "a store replica applies commands as they are chosen, not in slot order",
    rules: &ReplicaAppliesOutOfOrder,
    violates: &[PropertyName::LogCoherence],
    source: include_str!("replica_applies_out_of_order.rs"),
    exposed_by: &["kv-store"],
    scenarios: &["kv-store", "kv-store-one-slot"],
    declared: true,
};
