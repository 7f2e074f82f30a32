//! The broken variants, one file each. Each file opens with the header STYLE.md asks for
//! (Bug, Violates, Why, Counterexample, Reference) and exports a `VARIANT` that the
//! registry (`src/registry.rs`) lists.

pub mod accept_below_promise;
pub mod accept_checks_accepted_ballot;
pub mod accept_keeps_promise;
pub mod accept_only_promised_ballot;
pub mod accept_to_promisers_only;
pub mod ack_before_commit;
pub mod count_stale_promises;
pub mod even_split_quorum;
pub mod fast_first_ballot;
pub mod flexible_quorums;
pub mod ignore_promised_value;
pub mod last_writer_wins;
pub mod late_promise_changes_value;
pub mod late_promise_resends_accept;
pub mod leader_local_read;
pub mod leader_skips_reproposal;
pub mod learner_counts_duplicates;
pub mod learner_doubts_on_conflict;
pub mod learner_drops_older_ballots;
pub mod learner_first_accept;
pub mod lowest_accepted_value;
pub mod minority_quorum;
pub mod naive_replication;
pub mod prepare_rebroadcasts_accepted;
pub mod promise_counts_duplicates;
pub mod promise_stale_prepare;
pub mod promise_without_accepted;
pub mod recount_learner;
pub mod replica_applies_first_vote;
pub mod replica_applies_out_of_order;
pub mod restart_forgets_promise;
pub mod restart_reannounces_accepted;
pub mod retry_skips_prepare;
pub mod shared_ballots;
pub mod skip_phase_one;
pub mod thrifty_prepare;
pub mod unanimous_quorum;
pub mod volatile_acceptor;
pub mod volatile_acceptor_log;
pub mod volatile_learner;
pub mod volatile_proposer_round;
pub mod write_once_acceptor;
