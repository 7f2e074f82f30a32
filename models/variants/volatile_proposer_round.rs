//! `volatile-proposer-round`
//!
//! # Bug
//! A proposer keeps its round only in memory, so after a restart it starts again from its
//! first ballot and reuses a ballot it already ran. Paxos says a proposer must remember its
//! highest ballot.
//!
//! # Violates
//! `fault-tolerance`, on `proposer-restart`: safe everywhere, but a restart can leave the
//! proposer with a ballot nobody can finish once a minority is cut off.
//!
//! # Why
//! In this model an acceptor promises a ballot at most once (only ballots *higher* than its
//! promise), so the promises for ballot `b` are spent once: the incarnation before the crash
//! and the one after cannot both gather a majority, so ballot `b` still proposes one value,
//! and safety holds. But the promises the crash wiped out are spent for good: an acceptor
//! that promised `b` to the old incarnation will not promise it again to the new one. With
//! every acceptor reachable the others make up the majority; cut one off and the reused
//! ballot can never get one, while the other proposer's lower ballot is refused by the
//! acceptor that promised `b`. Correct Paxos restarts with a fresh, higher ballot, which
//! every reachable acceptor promises. Compare `restart-forgets-promise`, where forgetting
//! breaks safety, and `shared-ballots`, where acceptors answer repeated `Prepare`s.
//!
//! # Counterexample
//! 3 steps on `proposer-restart`: a1 promises p2's `Prepare(b=2)`, p2 hears it and crashes;
//! then a2 is cut off. Restarted, p2 runs ballot 2 again: a1 has already promised it and
//! stays silent, a3 alone promises, and p1's ballot 1 gets only a3 too.
//!
//! # Reference
//! Lamport, *Paxos Made Simple* (2001), section 3: a proposer remembers the highest-numbered
//! proposal it tried to issue.

use crate::properties::PropertyName;
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
    summary: "a proposer forgets its round on a restart and reuses its first ballot: safe, but with a minority cut off the reused ballot can never finish",
    rules: &VolatileProposerRound,
    violates: &[PropertyName::FaultTolerance],
    source: include_str!("volatile_proposer_round.rs"),
    exposed_by: &["proposer-restart"],
    scenarios: &["classic", "crash-restart", "four-acceptors", "learner-crash", "lossy-duplicating", "proposer-restart"],
    declared: true,
};
