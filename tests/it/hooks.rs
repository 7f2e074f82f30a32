//! Every handler hook of `Rules` is really called on every path: a test variant that
//! breaks each one (written here, registered nowhere) is found by `check`, with the
//! property its change must break. The defaults are pinned by every other test (the state
//! counts, the catalog), since correct Paxos is nothing but them.

use paxos_lab::check::{self, Strategy, Verdict};
use paxos_lab::scenario::Scenario;
use paxos_models::node::{AcceptorState, LearnerState, NodeState, Phase, ProposerState, Storage};
use paxos_models::rules::{Ctx, Effects, To};
use paxos_models::{Ballot, Msg, PropertyName, Rules, Value};

use super::{cfg, scenario};

/// The first property `rules` violates in `world`, breadth-first, stopping at the first.
fn first_violation(world: &Scenario, rules: &'static dyn Rules) -> Option<PropertyName> {
    let mut c = cfg(Strategy::Bfs, true, 2);
    c.opts.stop_when_any_found = true;
    let outcome = check::check(world, rules, &c, &mut |_, _| {});
    outcome
        .verdicts
        .iter()
        .find(|v| matches!(v.verdict, Verdict::Violated(_)))
        .map(|v| v.property)
}

/// Phase 2 straight away: `Accept` with its own value, no `Prepare`.
fn accept_at_once(ctx: &Ctx, b: Ballot, round: usize, fx: &mut Effects) -> ProposerState {
    let v = ctx.cfg.value_of_proposer(ctx.index);
    fx.send(To::Acceptors, Msg::Accept { b, v });
    fx.retry = ctx.cfg.retries && round + 1 < ctx.cfg.ballots_max;
    ProposerState {
        round: round as u8,
        ballot: b,
        phase: Some(Phase::Accepting { v }),
    }
}

struct SkipPhase1;
impl Rules for SkipPhase1 {
    fn start_ballot(&self, ctx: &Ctx, round: usize, fx: &mut Effects) -> ProposerState {
        let b = self.ballot(round, ctx.index, ctx.cfg.proposers);
        accept_at_once(ctx, b, round, fx)
    }
}

struct PhaseTwoOnFirstPromise;
impl Rules for PhaseTwoOnFirstPromise {
    fn on_promise(
        &self,
        ctx: &Ctx,
        p: &ProposerState,
        _acceptor: usize,
        b: Ballot,
        _accepted: Option<(Ballot, Value)>,
        fx: &mut Effects,
    ) -> Option<ProposerState> {
        let Some(Phase::Preparing { .. }) = p.phase else {
            return None;
        };
        let v = ctx.cfg.value_of_proposer(ctx.index);
        fx.send(To::Acceptors, Msg::Accept { b, v });
        Some(ProposerState {
            phase: Some(Phase::Accepting { v }),
            ..p.clone()
        })
    }
}

struct PromiseWithoutRemembering;
impl Rules for PromiseWithoutRemembering {
    fn on_prepare(
        &self,
        _ctx: &Ctx,
        a: &AcceptorState,
        from: usize,
        b: Ballot,
        fx: &mut Effects,
    ) -> Option<AcceptorState> {
        // Answers, but keeps its old promise: later Accepts below b still get in.
        fx.send(
            To::Node(from),
            Msg::Promise {
                b,
                accepted: a.accepted,
            },
        );
        Some(*a)
    }
}

struct AcceptAnything;
impl Rules for AcceptAnything {
    fn on_accept(
        &self,
        _ctx: &Ctx,
        a: &AcceptorState,
        b: Ballot,
        v: Value,
        fx: &mut Effects,
    ) -> Option<AcceptorState> {
        fx.send(To::Learners, Msg::Accepted { b, v });
        Some(AcceptorState {
            promised: a.promised,
            accepted: Some((b, v)),
        })
    }
}

struct DecideOnFirstVote;
impl Rules for DecideOnFirstVote {
    fn on_accepted(
        &self,
        _ctx: &Ctx,
        l: &LearnerState,
        _acceptor: usize,
        _b: Ballot,
        v: Value,
        _fx: &mut Effects,
    ) -> Option<LearnerState> {
        l.decided.is_none().then(|| LearnerState {
            votes: l.votes.clone(),
            decided: Some(v),
        })
    }
}

struct RetryWithoutPhase1;
impl Rules for RetryWithoutPhase1 {
    fn on_retry(&self, ctx: &Ctx, p: &ProposerState, fx: &mut Effects) -> Option<ProposerState> {
        let next = p.round as usize + 1;
        (next < ctx.cfg.ballots_max).then(|| {
            let b = self.ballot(next, ctx.index, ctx.cfg.proposers);
            accept_at_once(ctx, b, next, fx)
        })
    }
}

struct RestartBlank;
impl Rules for RestartBlank {
    fn on_restart(&self, ctx: &Ctx, storage: &Option<Storage>, fx: &mut Effects) -> NodeState {
        match ctx.role {
            paxos_models::Role::Acceptor => NodeState::Acceptor(AcceptorState::default()),
            _ => paxos_models::Correct.on_restart(ctx, storage, fx),
        }
    }
}

#[test]
fn a_broken_handler_is_found_by_check_for_every_handler_hook() {
    let classic = scenario("classic");
    for (hook, rules, world, property) in [
        (
            "start_ballot",
            &SkipPhase1 as &'static dyn Rules,
            &classic,
            PropertyName::ConflictResolution,
        ),
        (
            "on_promise",
            &PhaseTwoOnFirstPromise,
            &classic,
            PropertyName::ConflictResolution,
        ),
        (
            "on_prepare",
            &PromiseWithoutRemembering,
            &classic,
            PropertyName::ConflictResolution,
        ),
        (
            "on_accept",
            &AcceptAnything,
            &classic,
            PropertyName::ConflictResolution,
        ),
        (
            "on_accepted",
            &DecideOnFirstVote,
            &classic,
            PropertyName::Coherence,
        ),
        (
            "on_restart",
            &RestartBlank,
            &scenario("crash-restart"),
            PropertyName::ConflictResolution,
        ),
    ] {
        assert_eq!(first_violation(world, rules), Some(property), "{hook}");
    }
    // on_retry needs a second ballot: two proposers with two each, stopped at the first
    // violation (the whole world is millions of states).
    let retries = Scenario::parse(
        "retries",
        "retries.toml",
        "description = \"Two proposers, two ballots each.\"\nproposers = 2\nacceptors = 3\nlearners = 1\nvalues = [\"red\", \"blue\"]\nballots_max = 2\n",
    )
    .unwrap();
    assert_eq!(
        first_violation(&retries, &RetryWithoutPhase1),
        Some(PropertyName::ConflictResolution),
        "on_retry"
    );
}

#[test]
fn the_handler_defaults_are_correct_paxos_in_a_world_with_retries() {
    // Bounded to 14 steps: every path of that length in the two-ballot world
    // keeps the safety properties under the defaults.
    let retries = Scenario::parse(
        "retries",
        "retries.toml",
        "description = \"Two proposers, two ballots each.\"\nproposers = 2\nacceptors = 3\nlearners = 1\nvalues = [\"red\", \"blue\"]\nballots_max = 2\n",
    )
    .unwrap();
    let mut c = cfg(Strategy::Bfs, true, 2);
    c.opts.depth_max = Some(14);
    let outcome = check::check(&retries, &paxos_models::Correct, &c, &mut |_, _| {});
    assert!(outcome.verdicts[..3]
        .iter()
        .all(|v| matches!(v.verdict, Verdict::Inconclusive)));
}
