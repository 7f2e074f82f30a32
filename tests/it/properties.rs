//! Each property can fail: on a hand-made state, or under rules written here to break it.
//! None of them can pass vacuously.

use std::sync::Arc;

use paxos_lab::scenario::Scenario;
use paxos_models::properties::{coherence, conflict_resolution, decided_somewhere, no_takebacks};
use paxos_models::rules::majority;
use paxos_models::{
    Ballot, ClusterCfg, LearnerState, NodeState, Obs, PaxosModel, PropertyName, Rules,
};
use stateright::Model;

use super::{run, summary};
use paxos_lab::check::Verdict;

fn obs(decided_ever: Vec<u16>, accepted: Vec<(Ballot, u8, u16)>) -> Obs {
    let n = decided_ever.len();
    Obs {
        crashes: 0,
        proposed: 0b11,
        first_decision: vec![None; n].into(),
        decided_ever: decided_ever.into(),
        accepted: accepted.into(),
        log: None,
    }
}

#[test]
fn coherence_fails_when_two_nodes_decided_different_values() {
    assert!(coherence(&obs(vec![0, 0b01, 0b01], vec![])));
    assert!(coherence(&obs(vec![0, 0, 0], vec![])));
    assert!(!coherence(&obs(vec![0, 0b01, 0b10], vec![])));
    // A node that decided both values disagrees with one that decided either.
    assert!(!coherence(&obs(vec![0b11, 0b01, 0], vec![])));
}

#[test]
fn conflict_resolution_fails_on_two_chosen_values_or_an_unproposed_one() {
    let q = majority(3);
    let one = obs(vec![0], vec![(Ballot(1), 0, 0b011), (Ballot(2), 1, 0b100)]);
    assert!(conflict_resolution(&one, q));
    let two = obs(vec![0], vec![(Ballot(1), 0, 0b011), (Ballot(2), 1, 0b110)]);
    assert!(!conflict_resolution(&two, q));
    // The same value chosen in two ballots is one value.
    let same = obs(vec![0], vec![(Ballot(1), 0, 0b011), (Ballot(2), 0, 0b110)]);
    assert!(conflict_resolution(&same, q));
    let mut unproposed = obs(vec![0b100], vec![]);
    assert!(!conflict_resolution(&unproposed, q));
    unproposed.decided_ever = vec![0].into();
    unproposed.accepted = vec![(Ballot(1), 2, 0b111)].into();
    assert!(!conflict_resolution(&unproposed, q));
}

#[test]
fn no_takebacks_fails_when_a_node_no_longer_holds_its_decision() {
    let model = PaxosModel::new(ClusterCfg::classic(), &paxos_models::Correct);
    let mut state = model.init_states().remove(0);
    let l1 = model.cfg().id_of(paxos_models::Role::Learner, 0);
    assert!(no_takebacks(&state));
    state.obs.first_decision[l1] = Some(0);
    // l1 was seen to decide "red" but holds nothing.
    assert!(!no_takebacks(&state));
    state.sys.actor_states[l1] = Arc::new(NodeState::Learner(LearnerState {
        votes: Default::default(),
        decided: Some(1),
    }));
    assert!(!no_takebacks(&state));
    state.sys.actor_states[l1] = Arc::new(NodeState::Learner(LearnerState {
        votes: Default::default(),
        decided: Some(0),
    }));
    assert!(no_takebacks(&state));
    assert!(decided_somewhere(&state.obs));
}

/// A learner that forgets its decision on restart: no-takebacks must catch it.
struct ForgetfulLearner;
impl Rules for ForgetfulLearner {
    fn learner_persists_decision(&self) -> bool {
        false
    }
}

/// Every quorum is every acceptor: safe, but one acceptor down blocks every decision.
struct Unanimous;
impl Rules for Unanimous {
    fn phase1_quorum(&self, acceptors: usize) -> usize {
        acceptors
    }
    fn phase2_quorum(&self, acceptors: usize) -> usize {
        acceptors
    }
}

/// Learners that never decide: fault tolerance's witness must fail, not pass vacuously.
struct NeverDecide;
impl Rules for NeverDecide {
    fn learner_decides(&self, _: &[paxos_models::Vote], _: usize) -> Option<paxos_models::Value> {
        None
    }
}

fn learner_crash_scenario() -> Scenario {
    Scenario::parse(
        "learner-crash",
        "learner-crash.toml",
        r#"
        description = "One learner may crash and restart."
        proposers = 1
        acceptors = 3
        learners = 1
        values = ["red"]
        ballots_max = 1
        [faults]
        crashes_max = 1
        may_crash = ["learners"]
        restarts = true
        cut_off_not_judged = "a restarted learner has lost the votes it counted and nobody sends them again"
        "#,
    )
    .expect("valid scenario")
}

#[test]
fn no_takebacks_fails_for_a_learner_that_forgets_on_restart() {
    let scenario = learner_crash_scenario();
    let outcome = paxos_lab::check::check(
        &scenario,
        &ForgetfulLearner,
        &super::cfg(paxos_lab::check::Strategy::Bfs, true, 1),
        &mut |_, _| {},
    );
    let s = summary(&outcome);
    // Prepare x2, promise x2, accept x2, accepted x2, crash, restart.
    assert_eq!(s[2], (PropertyName::NoTakebacks, Some(10)));
    assert_eq!(s[0], (PropertyName::Coherence, None));
    // The same world with correct Paxos keeps the decision.
    let ok = paxos_lab::check::check(
        &scenario,
        &paxos_models::Correct,
        &super::cfg(paxos_lab::check::Strategy::Bfs, true, 1),
        &mut |_, _| {},
    );
    assert!(summary(&ok).iter().all(|(_, r)| r.is_none()));
}

#[test]
fn fault_tolerance_fails_when_a_minority_down_blocks_every_decision() {
    let outcome = run("classic", &Unanimous);
    let s = summary(&outcome);
    assert_eq!(s[3], (PropertyName::FaultTolerance, Some(0)));
    assert!(
        s[..3].iter().all(|(_, r)| r.is_none()),
        "unanimous quorums are safe"
    );
    match &outcome.verdicts[3].verdict {
        paxos_lab::check::Verdict::Unreachable { down } => assert_eq!(down, &["a1"]),
        v => panic!("expected unreachable, got {v:?}"),
    }
}

/// Learners that decide only with acceptor a2's vote among the quorum's: a world with a2
/// down never decides, one with a1 or a3 down does. Not symmetric, and saying so.
struct NeedsA2;
impl Rules for NeedsA2 {
    fn learner_decides(
        &self,
        votes: &[paxos_models::Vote],
        quorum: usize,
    ) -> Option<paxos_models::Value> {
        votes.iter().find_map(|vote| {
            let same = votes.iter().filter(|w| w.b == vote.b && w.v == vote.v);
            let has_a2 = same.clone().any(|w| w.acceptor == 1);
            (same.count() >= quorum && has_a2).then_some(vote.v)
        })
    }
    fn symmetric(&self) -> bool {
        false
    }
}

/// With symmetry, one set of f acceptors down stands for all (renaming the acceptors maps
/// one world to another); the verdicts and the set named are those of every set searched.
/// Rules that single out an acceptor get every set searched.
#[test]
fn the_witnesses_with_acceptors_down_are_searched_once_by_symmetry() {
    for (name, sets) in [("classic", 3), ("four-acceptors", 4)] {
        for rules in [&paxos_models::Correct as &'static dyn Rules, &Unanimous] {
            let on = run(name, rules);
            let off = paxos_lab::check::check(
                &super::scenario(name),
                rules,
                &super::cfg(paxos_lab::check::Strategy::Bfs, false, 1),
                &mut |_, _| {},
            );
            assert_eq!(on.witnesses.len(), 2, "{name}");
            assert_eq!(on.witnesses_by_symmetry, sets - 1, "{name}");
            assert_eq!(off.witnesses.len(), sets + 1, "{name}");
            assert_eq!(off.witnesses_by_symmetry, 0, "{name}");
            assert_eq!(
                format!("{:?}", on.verdicts[3].verdict),
                format!("{:?}", off.verdicts[3].verdict),
                "{name}"
            );
        }
    }
    let outcome = run("classic", &NeedsA2);
    assert_eq!(outcome.witnesses.len(), 4);
    assert_eq!(outcome.witnesses_by_symmetry, 0);
    match &outcome.verdicts[3].verdict {
        Verdict::Unreachable { down } => assert_eq!(down, &["a2"]),
        v => panic!("expected unreachable with a2 down, got {v:?}"),
    }
}

#[test]
fn fault_tolerance_fails_when_nothing_is_ever_decided() {
    let outcome = run("classic", &NeverDecide);
    match &outcome.verdicts[3].verdict {
        paxos_lab::check::Verdict::Unreachable { down } => assert!(down.is_empty()),
        v => panic!("expected unreachable with every node up, got {v:?}"),
    }
    assert_eq!(outcome.exit_code(), 1);
}

/// `proposer-crash` says fault tolerance is not judged there; the claim is true: without that
/// line correct Paxos fails it (a proposer crashes for good holding the highest ballot), and
/// with it the property is reported as not judged, never as holds.
#[test]
fn fault_tolerance_is_not_judged_where_the_scenario_says_correct_paxos_cannot_have_it() {
    let outcome = run("proposer-crash", &paxos_models::Correct);
    match &outcome.verdicts[3].verdict {
        Verdict::NotJudged(why) => assert!(why.contains("crashes for good"), "{why}"),
        v => panic!("expected not judged, got {v:?}"),
    }
    assert_eq!(outcome.exit_code(), 0);
    let outcome = super::check_without("proposer-crash", "fault_tolerance_not_judged");
    match &outcome.verdicts[3].verdict {
        Verdict::Violated(t) => {
            // Prepare(b=2) to a1, p2 crashes for good, and a2 is cut off: p1's ballot 1 has
            // only a3 left.
            assert_eq!(t.len(), 2, "Prepare(b=2) to one acceptor, then p2 crashes");
            assert!(t.partition_at_end().is_some(), "with a minority cut off");
        }
        v => panic!("correct Paxos should lose liveness here, got {v:?}"),
    }
    assert!(summary(&outcome)[..3].iter().all(|(_, r)| r.is_none()));
}
