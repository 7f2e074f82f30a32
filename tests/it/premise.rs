//! The symmetry reduction's premise, checked on the variant (`engine::premise`): a variant
//! that says its acceptors are interchangeable and treats them by name is caught before a
//! search leans on the claim, and the check runs without the reduction; every catalog
//! variant that makes the claim keeps it.

use paxos_lab::check::{self, CheckCfg, Reduction, Verdict};
use paxos_lab::engine::premise::asymmetry;
use paxos_models::cfg::Role;
use paxos_models::node::ProposerState;
use paxos_models::rules::{Correct, Ctx, Effects, To};
use paxos_models::{registry, Msg, PaxosModel, PropertyName, Rules, Value, Vote};

use super::scenario;

/// thrifty-prepare's bug the other way round, as a user might write it: `Prepare` goes to
/// the last majority of acceptors only, and `symmetric` is left at its default (true).
struct PrepareToLastMajority;

impl Rules for PrepareToLastMajority {
    fn start_ballot(&self, ctx: &Ctx, round: usize, fx: &mut Effects) -> ProposerState {
        let next = Correct.start_ballot(ctx, round, fx);
        let (n, quorum) = (ctx.cfg.acceptors, self.phase1_quorum(ctx.cfg.acceptors));
        for (to, msg) in std::mem::take(&mut fx.sends) {
            match (to, msg) {
                (To::Acceptors, Msg::Prepare { b }) => {
                    for i in n - quorum..n {
                        fx.send(
                            To::Node(ctx.cfg.id_of(Role::Acceptor, i)),
                            Msg::Prepare { b },
                        );
                    }
                }
                other => fx.sends.push(other),
            }
        }
        next
    }
}

/// A learner that decides only on a quorum a1 is part of: the name shows only once votes
/// reach a learner, several steps into a run.
struct LearnerNeedsA1;

impl Rules for LearnerNeedsA1 {
    fn learner_decides(&self, votes: &[Vote], quorum: usize) -> Option<Value> {
        let v = Correct.learner_decides(votes, quorum)?;
        votes
            .iter()
            .any(|x| x.acceptor == 0 && x.v == v)
            .then_some(v)
    }
}

/// Caught at once, and the check runs without symmetry: the witnesses search every set of
/// acceptors down and find that with a2 or a3 down no proposer gets a majority of promises.
/// (Taken on trust, the claim had the witness with a1 down, where the proposers ask a2 and
/// a3 and a decision is reachable, stand for every single acceptor down; only the graph
/// part's cut caught the failure then.)
#[test]
fn a_variant_that_names_acceptors_but_claims_symmetry_is_checked_without_it() {
    let world = scenario("classic");
    let model = PaxosModel::new(world.cluster.clone(), &PrepareToLastMajority).reduce_loss();
    let found = asymmetry(&model).expect("the premise check sees the named acceptors");
    assert!(found.path.len() <= 2, "seen at once: {found:?}");
    let line = found.describe();
    // The line README.md quotes.
    assert!(
        line.starts_with(
            "Rules::symmetric() says a1 and a2 are interchangeable, but swapping them in the \
             initial state changes what the next step can do;"
        ) && line.ends_with("should override symmetric() to return false)"),
        "{line}"
    );

    let cfg = CheckCfg::bfs(Reduction::All, 1, None);
    let outcome = check::check(&world, &PrepareToLastMajority, &cfg, &mut |_, _| {});
    assert_eq!(outcome.symmetry_set_aside, Some(found));
    let ft = outcome
        .verdicts
        .iter()
        .find(|v| v.property == PropertyName::FaultTolerance)
        .unwrap();
    match &ft.verdict {
        Verdict::Unreachable { down } => assert!(
            down.iter().all(|d| d != "a1") && !down.is_empty(),
            "a majority asked includes the node down: {down:?}"
        ),
        other => panic!("fault tolerance must fail with a2 or a3 down, got {other:?}"),
    }
    // The same verdict as a check without symmetry asked for.
    let plain = check::check(
        &world,
        &PrepareToLastMajority,
        &CheckCfg::bfs(Reduction::None, 1, None),
        &mut |_, _| {},
    );
    assert_eq!(plain.symmetry_set_aside, None, "not asked, not checked");
    assert_eq!(
        format!("{:?}", super::summary(&plain)),
        format!("{:?}", super::summary(&outcome))
    );
}

/// An asymmetry that shows only where votes reach a learner (a random walk or the deeper
/// breadth-first states find it), in a bigger world too.
#[test]
fn an_asymmetry_several_steps_into_a_run_is_found() {
    for world in ["classic", "four-acceptors", "crash-restart"] {
        let model = PaxosModel::new(scenario(world).cluster, &LearnerNeedsA1).reduce_loss();
        let found = asymmetry(&model).unwrap_or_else(|| panic!("{world}: not found"));
        assert!(found.path.len() >= 4, "{world}: {found:?}");
        assert!(
            found.swapped.0 == "a1" || found.swapped.1 == "a1",
            "{world}: a1 is the node singled out: {found:?}"
        );
    }
}

/// Correct Paxos and every catalog variant that claims symmetry keep it, in every world
/// they are meant for (a false alarm would only cost speed, but it would say the catalog is
/// wrong); the two that override `symmetric` do not, in the first world they are meant for,
/// which is why they override it.
#[test]
fn every_catalog_variant_that_claims_symmetry_keeps_it() {
    let mut checked = 0;
    for v in registry::VARIANTS {
        for world in v.scenarios {
            let model = PaxosModel::new(scenario(world).cluster, v.rules).reduce_loss();
            if model.symmetric() {
                assert_eq!(asymmetry(&model), None, "{} on {world}", v.name);
                checked += 1;
            }
        }
    }
    assert!(checked > 150, "{checked} pairs checked");
    // `asymmetry` does not ask the rules what they claim: it tests them.
    for name in ["thrifty-prepare", "promise-counts-duplicates"] {
        let v = registry::variant(name).unwrap();
        assert!(!v.rules.symmetric(), "{name} says it is not symmetric");
        let model = PaxosModel::new(scenario(v.scenarios[0]).cluster, v.rules).reduce_loss();
        assert!(asymmetry(&model).is_some(), "{name} on {}", v.scenarios[0]);
    }
}

/// accept-below-promise in one acceptor only, named.
struct A3AcceptsBelowPromise;

impl Rules for A3AcceptsBelowPromise {
    fn on_accept(
        &self,
        ctx: &Ctx,
        a: &paxos_models::AcceptorState,
        b: paxos_models::Ballot,
        v: Value,
        fx: &mut Effects,
    ) -> Option<paxos_models::AcceptorState> {
        if ctx.index != 2 {
            return Correct.on_accept(ctx, a, b, v, fx);
        }
        let next = paxos_models::AcceptorState {
            promised: b.max(a.promised),
            accepted: Some((b, v)),
        };
        fx.save = self
            .acceptor_persists(&next)
            .map(paxos_models::node::Storage::Acceptor);
        fx.send(To::Learners, Msg::Accepted { b, v });
        Some(next)
    }
}

/// A safety bug in one acceptor named, with symmetry claimed: checked by default (every
/// reduction), the conflict-resolution trace is the shortest one, as without any reduction.
/// With the claim taken on trust, the reduced search reported one of 13 steps where 12 is
/// the least (a class's first-met member is not the one whose a3 misbehaves soonest).
#[test]
fn a_bug_in_one_named_acceptor_gets_its_shortest_trace() {
    let world = scenario("classic");
    let by_default = check::check(
        &world,
        &A3AcceptsBelowPromise,
        &CheckCfg::bfs(Reduction::All, 2, None),
        &mut |_, _| {},
    );
    assert!(by_default.symmetry_set_aside.is_some());
    let plain = check::check(
        &world,
        &A3AcceptsBelowPromise,
        &CheckCfg::bfs(Reduction::None, 2, None),
        &mut |_, _| {},
    );
    let summary = super::summary(&by_default);
    assert_eq!(summary, super::summary(&plain));
    assert!(
        summary.contains(&(PropertyName::ConflictResolution, Some(12))),
        "{summary:?}"
    );
}

/// What `bench` asks before it times a variant's safety search under symmetry: a variant
/// that names acceptors is searched without it, correct Paxos and a catalog variant that
/// keeps the claim with it.
#[test]
fn a_safety_search_reduces_by_symmetry_only_where_the_claim_holds() {
    let classic = scenario("classic");
    let model = |rules: &'static dyn Rules| PaxosModel::new(classic.cluster.clone(), rules);
    assert!(!check::may_reduce_by_symmetry(&model(
        &PrepareToLastMajority
    )));
    assert!(check::may_reduce_by_symmetry(&model(&Correct)));
    let keeps = registry::variant("accept-below-promise").expect("a catalog variant");
    assert!(keeps.rules.symmetric());
    assert!(check::may_reduce_by_symmetry(&model(keeps.rules)));
}
