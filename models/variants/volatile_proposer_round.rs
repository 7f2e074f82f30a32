//! `volatile-proposer-round` (a correct control)
//!
//! # Bug
//! None here: a proposer keeps its round only in memory, so after a restart it starts again
//! from its first ballot and reuses a ballot it already ran. Paxos says a proposer must
//! remember its highest ballot.
//!
//! # Violates
//! Nothing, in every scenario it is checked in (`proposer-restart` included).
//!
//! # Why
//! In this model an acceptor promises a ballot at most once (only ballots *higher* than its
//! promise), so the promises for ballot `b` are spent once: the incarnation before the crash
//! and the one after cannot both gather a majority, so ballot `b` still proposes one value.
//! And the promises still in flight, or the `Accept` already sent, let the ballot finish. The
//! rule matters in the implementations this model abstracts, where a proposer cannot tell a
//! late promise for its old incarnation from a fresh one, or where acceptors answer repeated
//! `Prepare`s (`shared-ballots`). Compare `restart-forgets-promise`, where forgetting breaks
//! safety.
//!
//! # Counterexample
//! None. `proposer-restart` shrinks to 42,742 unique states (no restart ever starts ballots 3
//! or 4).
//!
//! # Reference
//! Lamport, *Paxos Made Simple* (2001), section 3: a proposer remembers the highest-numbered
//! proposal it tried to issue.

use crate::registry::Variant;
use crate::rules::Rules;

pub struct VolatileProposerRound;

impl Rules for VolatileProposerRound {
    fn proposer_persists_round(&self) -> bool {
        false
    }
}

pub const VARIANT: Variant = Variant {
    name: "volatile-proposer-round",
    summary: "correct control here: a proposer forgets its round on a restart and reuses its first ballot",
    rules: &VolatileProposerRound,
    violates: &[],
    source: include_str!("volatile_proposer_round.rs"),
    exposed_by: &[],
    scenarios: &["classic", "crash-restart", "four-acceptors", "learner-crash", "lossy-duplicating", "proposer-restart"],
    declared: true,
};
