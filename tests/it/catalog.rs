//! One test per broken variant: the properties it violates in its smallest scenario, and
//! the length of each shortest counterexample (0 stands for fault tolerance, which fails
//! without a trace: no decision is reachable).

use paxos_models::registry;
use paxos_models::PropertyName::{
    self, Coherence, ConflictResolution, FaultTolerance, Linearizability, LogCoherence, NoTakebacks,
};

use paxos_lab::check::Verdict;

use super::{run, summary};

fn pin(variant: &str, scenario: &str, expected: &[(PropertyName, usize)]) {
    let v = registry::variant(variant).expect("registered");
    assert_eq!(
        v.exposed_by[0], scenario,
        "{variant}: its smallest scenario comes first"
    );
    // The store and retry worlds are checked as `check` checks them, with every reduction.
    let outcome = if scenario.starts_with("kv-store") || scenario.starts_with("dueling") {
        super::run_reduced(scenario, v.rules)
    } else {
        run(scenario, v.rules)
    };
    let violated: Vec<(PropertyName, usize)> = summary(&outcome)
        .into_iter()
        .filter_map(|(p, r)| r.map(|n| (p, n)))
        .collect();
    assert_eq!(violated, expected, "{variant} on {scenario}");
    // The report a user reads for each violation: trace, sequence chart and narration.
    let model =
        paxos_models::PaxosModel::new(super::scenario(scenario).cluster, v.rules).reduce_loss();
    for pv in &outcome.verdicts {
        let text = match &pv.verdict {
            Verdict::Violated(t) => paxos_lab::report::story::text(&model, t, pv.property),
            Verdict::Unreachable { down } => {
                paxos_lab::report::narrate::narrate_unreachable(&model, down).join("\n")
            }
            _ => continue,
        };
        insta::assert_snapshot!(format!("{variant}@{scenario}@{}", pv.property.name()), text);
    }
}

macro_rules! pins {
    ($($test:ident: $variant:literal on $scenario:literal => [$(($p:ident, $n:expr)),*];)*) => {
        $(
            #[test]
            fn $test() {
                pin($variant, $scenario, &[$(($p, $n)),*]);
            }
        )*
    };
}

pins! {
    accept_below_promise: "accept-below-promise" on "classic" => [(Coherence, 16), (ConflictResolution, 12)];
    even_split_quorum: "even-split-quorum" on "four-acceptors" => [(ConflictResolution, 12)];
    ignore_promised_value: "ignore-promised-value" on "classic" => [(Coherence, 16), (ConflictResolution, 12)];
    last_writer_wins: "last-writer-wins" on "classic" => [(Coherence, 2), (ConflictResolution, 2), (NoTakebacks, 2)];
    learner_counts_duplicates: "learner-counts-duplicates" on "lossy-duplicating" => [(Coherence, 14)];
    learner_first_accept: "learner-first-accept" on "classic" => [(Coherence, 12)];
    lowest_accepted_value: "lowest-accepted-value" on "three-proposers" => [(ConflictResolution, 17)];
    minority_quorum: "minority-quorum" on "classic" => [(Coherence, 12), (ConflictResolution, 10)];
    naive_replication: "naive-replication" on "classic" => [(Coherence, 2), (ConflictResolution, 2)];
    promise_without_accepted: "promise-without-accepted" on "classic" => [(Coherence, 16), (ConflictResolution, 12)];
    recount_learner: "recount-learner" on "classic" => [(NoTakebacks, 14)];
    shared_ballots: "shared-ballots" on "classic" => [(Coherence, 16), (ConflictResolution, 12)];
    unanimous_quorum: "unanimous-quorum" on "classic" => [(FaultTolerance, 0)];
    volatile_acceptor: "volatile-acceptor" on "crash-restart" => [(Coherence, 18), (ConflictResolution, 14)];
    volatile_learner: "volatile-learner" on "learner-crash" => [(NoTakebacks, 10)];
    write_once_acceptor: "write-once-acceptor" on "classic" => [(FaultTolerance, 10)];
    volatile_proposer_round: "volatile-proposer-round" on "proposer-restart" => [(FaultTolerance, 3)];
    accept_checks_accepted_ballot: "accept-checks-accepted-ballot" on "classic" => [(Coherence, 16), (ConflictResolution, 12)];
    accept_to_promisers_only: "accept-to-promisers-only" on "classic" => [(FaultTolerance, 3)];
    late_promise_changes_value: "late-promise-changes-value" on "classic" => [(Coherence, 19), (ConflictResolution, 15)];
    learner_doubts_on_conflict: "learner-doubts-on-conflict" on "classic" => [(NoTakebacks, 14)];
    promise_counts_duplicates: "promise-counts-duplicates" on "lossy-duplicating" => [(Coherence, 14), (ConflictResolution, 10)];
    restart_forgets_promise: "restart-forgets-promise" on "crash-restart" => [(Coherence, 18), (ConflictResolution, 14)];
    skip_phase_one: "skip-phase-one" on "classic" => [(Coherence, 8), (ConflictResolution, 4)];
    thrifty_prepare: "thrifty-prepare" on "classic" => [(FaultTolerance, 0)];
    ack_before_commit: "ack-before-commit" on "kv-store-one-slot" => [(Linearizability, 18)];
    leader_local_read: "leader-local-read" on "kv-store-one-slot" => [(Linearizability, 18)];
    leader_skips_reproposal: "leader-skips-reproposal" on "kv-store-one-slot" => [(ConflictResolution, 16), (LogCoherence, 18)];
    replica_applies_first_vote: "replica-applies-first-vote" on "kv-store-one-slot" => [(LogCoherence, 16)];
    retry_skips_prepare: "retry-skips-prepare" on "dueling" => [(ConflictResolution, 13)];
}

// The pins whose worlds take a minute or more each in the test profile: the slow suite.

#[test]
#[ignore = "slow: run with `cargo test -- --ignored` (.ci/run does)"]
fn volatile_acceptor_log() {
    pin(
        "volatile-acceptor-log",
        "kv-store-crash-restart",
        &[(ConflictResolution, 18), (LogCoherence, 20)],
    );
}

#[test]
#[ignore = "slow: run with `cargo test -- --ignored` (.ci/run does)"]
fn replica_applies_out_of_order() {
    pin(
        "replica-applies-out-of-order",
        "kv-store",
        &[(LogCoherence, 12)],
    );
}

#[test]
#[ignore = "slow: run with `cargo test -- --ignored` (.ci/run does)"]
fn accept_keeps_promise() {
    pin(
        "accept-keeps-promise",
        "three-proposers",
        &[(ConflictResolution, 17)],
    );
}

#[test]
#[ignore = "slow: run with `cargo test -- --ignored` (.ci/run does)"]
fn count_stale_promises() {
    pin(
        "count-stale-promises",
        "proposer-restart",
        &[(ConflictResolution, 14)],
    );
}

/// A correct control holds every property in the world that makes its change matter (the
/// matrix checks it in all of its scenarios).
fn control(variant: &str, scenario: &str) {
    let v = registry::variant(variant).expect("registered");
    assert!(
        v.violates.is_empty() && v.declared,
        "{variant} is declared a control"
    );
    assert!(
        v.scenarios.contains(&scenario),
        "{variant} is meant for {scenario}"
    );
    let s = summary(&run(scenario, v.rules));
    assert!(
        s.iter().all(|(_, r)| r.is_none()),
        "{variant} on {scenario}: {s:?}"
    );
}

macro_rules! controls {
    ($($test:ident: $variant:literal on $scenario:literal;)*) => {
        $(
            #[test]
            fn $test() {
                control($variant, $scenario);
            }
        )*
    };
}

controls! {
    accept_only_promised_ballot: "accept-only-promised-ballot" on "classic";
    fast_first_ballot: "fast-first-ballot" on "three-proposers";
    late_promise_resends_accept: "late-promise-resends-accept" on "classic";
    learner_drops_older_ballots: "learner-drops-older-ballots" on "classic";
    prepare_rebroadcasts_accepted: "prepare-rebroadcasts-accepted" on "learner-crash";
    promise_stale_prepare: "promise-stale-prepare" on "classic";
    restart_reannounces_accepted: "restart-reannounces-accepted" on "crash-restart";
}

/// The correct control holds everything on four acceptors, and (as its header says) loses
/// fault tolerance on three, where its phase 1 needs every acceptor.
#[test]
fn flexible_quorums_holds_on_four_acceptors_and_needs_all_three_of_three() {
    let rules = registry::variant("flexible-quorums").unwrap().rules;
    assert!(summary(&run("four-acceptors", rules))
        .iter()
        .all(|(_, r)| r.is_none()));
    let classic = summary(&run("classic", rules));
    assert_eq!(
        classic,
        vec![
            (Coherence, None),
            (ConflictResolution, None),
            (NoTakebacks, None),
            (FaultTolerance, Some(0))
        ]
    );
}

/// Replication without consensus never takes a value back, crash-restart included: a
/// replica keeps its first value, on disk. What it lacks is agreement.
#[test]
fn naive_replication_keeps_its_values_through_crash_restart() {
    let rules = registry::variant("naive-replication").unwrap().rules;
    let crash_restart = summary(&run("crash-restart", rules));
    assert_eq!(
        crash_restart,
        vec![
            (Coherence, Some(2)),
            (ConflictResolution, Some(2)),
            (NoTakebacks, None),
            (FaultTolerance, None)
        ]
    );
}

#[test]
fn every_correct_control_has_a_pinned_test_here() {
    let source = include_str!("catalog.rs");
    for v in paxos_models::VARIANTS
        .iter()
        .skip(1)
        .filter(|v| v.violates.is_empty() && v.name != "flexible-quorums")
    {
        assert!(
            source.contains(&format!("\"{}\" on", v.name)),
            "{} has no control test in tests/it/catalog.rs",
            v.name
        );
    }
}

#[test]
fn every_broken_variant_has_a_pinned_test_here() {
    let source = include_str!("catalog.rs");
    for v in paxos_models::VARIANTS
        .iter()
        .skip(1)
        .filter(|v| !v.violates.is_empty())
    {
        assert!(
            source.contains(&format!("\"{}\" on", v.name))
                || source.contains(&format!("pin(\n        \"{}\",", v.name)),
            "{} has no pinned test in tests/it/catalog.rs",
            v.name
        );
    }
}
