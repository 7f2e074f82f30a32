//! The explicit, alphabetical registry of variants: correct Paxos first, then every broken
//! variant in `models/variants/`. A test fails when a file there is not listed here.

use crate::properties::PropertyName;
use crate::rules::{Correct, Rules};
use crate::variants;

/// A named set of rules, with what it is expected to break.
pub struct Variant {
    /// The CLI name (`ignore-promised-value`); its file is the name with `_` for `-`.
    pub name: &'static str,
    /// One sentence: the bug.
    pub summary: &'static str,
    pub rules: &'static dyn Rules,
    /// The properties this variant must violate in at least one of its scenarios.
    pub violates: &'static [PropertyName],
    /// The scenarios that expose the bug (the first is the smallest).
    pub exposed_by: &'static [&'static str],
    /// The scenarios the variant is meant for, which `paxos-lab matrix` checks it in;
    /// empty means every scenario.
    pub scenarios: &'static [&'static str],
    /// Whether `violates` is a declaration. A variant fresh from `paxos-lab new-variant`
    /// declares nothing yet: the matrix shows what it breaks without failing the gate.
    pub declared: bool,
    /// The source that defines the variant (its file; `rules.rs` for correct Paxos), so a
    /// saved trace can tell when the variant changed since it was written.
    pub source: &'static str,
}

impl Variant {
    /// FNV-1a 64 of [`Variant::source`], as 16 hex digits.
    pub fn source_hash(&self) -> String {
        let h = self.source.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
            (h ^ b as u64).wrapping_mul(0x0000_0100_0000_01b3)
        });
        format!("{h:016x}")
    }
}

/// The small worlds every broken variant is checked in by default: each explores in
/// seconds, together they cover duplication, acceptor and learner crashes, and an even
/// cluster. The big ones (`three-proposers`, `five-acceptors`) are for correct Paxos and the
/// variants that need them.
pub const SMALL_WORLDS: &[&str] = &[
    "classic",
    "crash-restart",
    "four-acceptors",
    "learner-crash",
    "lossy-duplicating",
];

/// The store world (`protocol = "multi-paxos"`) every broken store variant is checked in:
/// a log of one slot, where a check takes seconds. A variant that needs more adds the world
/// it needs: crashes (`kv-store-crash-restart`), a longer log (`kv-store`), two replicas
/// (`kv-store-two-replicas`); correct Multi-Paxos is checked in all of them.
pub const STORE_WORLDS: &[&str] = &["kv-store-one-slot"];

/// Correct Paxos, then the broken variants in alphabetical order.
pub static VARIANTS: &[Variant] = &[
    Variant {
        name: "paxos",
        summary: "correct single-decree Paxos: every Rules default, nothing overridden",
        rules: &Correct,
        violates: &[],
        exposed_by: &[],
        scenarios: &[],
        declared: true,
        source: include_str!("rules.rs"),
    },
    variants::accept_below_promise::VARIANT,
    variants::accept_checks_accepted_ballot::VARIANT,
    variants::accept_keeps_promise::VARIANT,
    variants::accept_only_promised_ballot::VARIANT,
    variants::accept_to_promisers_only::VARIANT,
    variants::ack_before_commit::VARIANT,
    variants::count_stale_promises::VARIANT,
    variants::even_split_quorum::VARIANT,
    variants::fast_first_ballot::VARIANT,
    variants::flexible_quorums::VARIANT,
    variants::ignore_promised_value::VARIANT,
    variants::last_writer_wins::VARIANT,
    variants::late_promise_changes_value::VARIANT,
    variants::late_promise_resends_accept::VARIANT,
    variants::leader_local_read::VARIANT,
    variants::leader_skips_reproposal::VARIANT,
    variants::learner_counts_duplicates::VARIANT,
    variants::learner_doubts_on_conflict::VARIANT,
    variants::learner_drops_older_ballots::VARIANT,
    variants::learner_first_accept::VARIANT,
    variants::lowest_accepted_value::VARIANT,
    variants::minority_quorum::VARIANT,
    variants::naive_replication::VARIANT,
    variants::prepare_rebroadcasts_accepted::VARIANT,
    variants::promise_counts_duplicates::VARIANT,
    variants::promise_stale_prepare::VARIANT,
    variants::promise_without_accepted::VARIANT,
    variants::recount_learner::VARIANT,
    variants::replica_applies_first_vote::VARIANT,
    variants::replica_applies_out_of_order::VARIANT,
    variants::restart_forgets_promise::VARIANT,
    variants::restart_reannounces_accepted::VARIANT,
    variants::retry_skips_prepare::VARIANT,
    variants::shared_ballots::VARIANT,
    variants::skip_phase_one::VARIANT,
    variants::thrifty_prepare::VARIANT,
    variants::unanimous_quorum::VARIANT,
    variants::volatile_acceptor::VARIANT,
    variants::volatile_acceptor_log::VARIANT,
    variants::volatile_learner::VARIANT,
    variants::volatile_proposer_round::VARIANT,
    variants::write_once_acceptor::VARIANT,
];

/// The variant named `name`, if registered.
pub fn variant(name: &str) -> Option<&'static Variant> {
    VARIANTS.iter().find(|v| v.name == name)
}
