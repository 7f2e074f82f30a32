//! Correct Paxos holds everywhere; each broken variant violates what its header says, in
//! the scenarios it declares, with pinned shortest counterexample lengths.

use paxos_models::PropertyName::{Coherence, ConflictResolution, FaultTolerance, NoTakebacks};
use paxos_models::{registry, Correct};

use super::{run, summary};

fn rules(name: &str) -> &'static dyn paxos_models::Rules {
    registry::variant(name).expect("registered").rules
}

/// Correct Paxos holding everything in every scenario is asserted by the matrix test
/// (tests/it/matrix.rs), which checks it in all of them; here the two small worlds, fast.
#[test]
fn correct_paxos_holds_on_the_small_worlds() {
    for name in [
        "classic",
        "learner-crash",
        "lossy-duplicating",
        "four-acceptors",
    ] {
        let outcome = run(name, &Correct);
        assert_eq!(
            summary(&outcome),
            vec![
                (Coherence, None),
                (ConflictResolution, None),
                (NoTakebacks, None),
                (FaultTolerance, None)
            ],
            "correct Paxos on {name}"
        );
        assert!(outcome.main.complete, "{name} explored completely");
        assert_eq!(outcome.exit_code(), 0);
    }
}

#[test]
fn ignore_promised_value_breaks_conflict_resolution_and_coherence_on_classic() {
    let outcome = run("classic", rules("ignore-promised-value"));
    assert_eq!(
        summary(&outcome),
        vec![
            (Coherence, Some(16)),
            (ConflictResolution, Some(12)),
            (NoTakebacks, None),
            (FaultTolerance, None)
        ]
    );
    assert_eq!(outcome.exit_code(), 1);
}

#[test]
fn volatile_acceptor_is_safe_without_crashes() {
    for name in ["classic", "lossy-duplicating"] {
        let outcome = run(name, rules("volatile-acceptor"));
        assert!(
            summary(&outcome).iter().all(|(_, r)| r.is_none()),
            "volatile-acceptor on {name}: {:?}",
            summary(&outcome)
        );
    }
}

#[test]
fn volatile_acceptor_breaks_conflict_resolution_and_coherence_on_crash_restart() {
    let outcome = run("crash-restart", rules("volatile-acceptor"));
    assert_eq!(
        summary(&outcome),
        vec![
            (Coherence, Some(18)),
            (ConflictResolution, Some(14)),
            (NoTakebacks, None),
            (FaultTolerance, None)
        ]
    );
}

/// The trace of a violation ends at the first violating state: every earlier state holds.
#[test]
fn counterexamples_stop_at_the_first_violating_state() {
    let outcome = run("classic", rules("ignore-promised-value"));
    let model = paxos_models::PaxosModel::new(
        super::scenario("classic").cluster,
        rules("ignore-promised-value"),
    );
    for v in &outcome.verdicts {
        if let paxos_lab::check::Verdict::Violated(t) = &v.verdict {
            let (last, earlier) = t.states.split_last().expect("non-empty");
            assert!(paxos_lab::check::violates(&model, v.property, last));
            for s in earlier {
                assert!(!paxos_lab::check::violates(&model, v.property, s));
            }
        }
    }
}
