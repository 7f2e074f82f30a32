//! The broken variants, one file each. Each file opens with the header STYLE.md asks for
//! (Bug, Violates, Why, Counterexample, Reference) and exports a `VARIANT` that the
//! registry (`src/registry.rs`) lists.

pub mod accept_below_promise;
pub mod even_split_quorum;
pub mod flexible_quorums;
pub mod ignore_promised_value;
pub mod last_writer_wins;
pub mod learner_counts_duplicates;
pub mod learner_first_accept;
pub mod lowest_accepted_value;
pub mod minority_quorum;
pub mod naive_replication;
pub mod promise_without_accepted;
pub mod recount_learner;
pub mod shared_ballots;
pub mod unanimous_quorum;
pub mod volatile_acceptor;
pub mod volatile_learner;
pub mod write_once_acceptor;
