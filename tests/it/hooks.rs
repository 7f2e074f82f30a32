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
    // on_retry needs a second ballot: `dueling` gives each of two proposers two, on a
    // retry timer.
    let retries = scenario("dueling");
    assert_eq!(
        first_violation(&retries, &RetryWithoutPhase1),
        Some(PropertyName::ConflictResolution),
        "on_retry"
    );
}

/// Copies the files a build needs (the manifests, `src/`, `models/`, `scenarios/`,
/// `tests/`) into `to`.
fn copy_repo(from: &std::path::Path, to: &std::path::Path) {
    fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
        std::fs::create_dir_all(to).unwrap();
        for e in std::fs::read_dir(from).unwrap() {
            let e = e.unwrap();
            let (src, dst) = (e.path(), to.join(e.file_name()));
            if e.file_type().unwrap().is_dir() {
                copy_dir(&src, &dst);
            } else {
                std::fs::copy(&src, &dst).unwrap();
            }
        }
    }
    let _ = std::fs::remove_dir_all(to);
    std::fs::create_dir_all(to).unwrap();
    for f in ["Cargo.toml", "Cargo.lock"] {
        std::fs::copy(from.join(f), to.join(f)).unwrap();
    }
    for d in ["src", "models", "scenarios", "tests"] {
        copy_dir(&from.join(d), &to.join(d));
    }
}

/// The tutorial's way, for every handler and a storage hook: in a temporary copy of the
/// repository, `new-variant NAME --hook H` writes the variant with Paxos's default body, one
/// line of that body is broken by text substitution (as a user edits it), the copy is built
/// with `cargo build --release`, and its `check` finds the break. So each hook's default body,
/// as `new-variant` offers it, compiles, and the hook is called on the paths that matter.
#[test]
#[ignore = "slow: run with `cargo test -- --ignored` (.ci/run does)"]
fn a_handler_broken_in_a_copy_the_way_the_tutorial_does_is_found_by_check() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let copy = std::env::temp_dir().join(format!("paxos-lab-hooks-{}", std::process::id()));
    copy_repo(root, &copy);
    std::fs::write(
        copy.join("scenarios/retries.toml"),
        "description = \"Two proposers, two ballots each.\"\nproposers = 2\nacceptors = 3\nlearners = 1\nvalues = [\"red\", \"blue\"]\nballots_max = 2\n",
    )
    .unwrap();
    // (hook, the line of the default body, what the user writes instead, world, property)
    let cases: &[(&str, &str, &str, &str, &str)] = &[
        (
            "start_ballot",
            "fx.send(To::Acceptors, Msg::Prepare { b: ballot });",
            "fx.send(To::Acceptors, Msg::Accept { b: ballot, v: ctx.cfg.value_of_proposer(ctx.index) });",
            "classic",
            "conflict-resolution",
        ),
        (
            "on_retry",
            "(next < ctx.cfg.ballots_max).then(|| self.start_ballot(ctx, next, fx))",
            "(next < ctx.cfg.ballots_max).then(|| { let b = self.ballot(next, ctx.index, ctx.cfg.proposers); let v = ctx.cfg.value_of_proposer(ctx.index); fx.send(To::Acceptors, Msg::Accept { b, v }); ProposerState { round: next as u8, ballot: b, phase: Some(Phase::Accepting { v }) } })",
            "retries",
            "conflict-resolution",
        ),
        (
            "on_promise",
            ">= self.phase1_quorum(ctx.cfg.acceptors)",
            ">= 1",
            "classic",
            "conflict-resolution",
        ),
        (
            "on_prepare",
            "if !self.may_promise(a.promised, b) {",
            "if false {",
            "classic",
            "conflict-resolution",
        ),
        (
            "on_accept",
            "if !self.may_accept(a.promised, b) {",
            "if false {",
            "classic",
            "conflict-resolution",
        ),
        (
            "on_accepted",
            "self.learner_decides(&votes, self.phase2_quorum(ctx.cfg.acceptors))",
            "self.learner_decides(&votes, 1)",
            "classic",
            "coherence",
        ),
        (
            "on_restart",
            "Some(Storage::Acceptor(saved)) => *saved,",
            "Some(Storage::Acceptor(_)) => AcceptorState::default(),",
            "crash-restart",
            "conflict-resolution",
        ),
        (
            "acceptor_persists",
            "Some(*state)",
            "None",
            "crash-restart",
            "conflict-resolution",
        ),
    ];
    let bin = env!("CARGO_BIN_EXE_paxos-lab");
    for (hook, from, to, _, _) in cases {
        let name = format!("broken-{}", hook.replace('_', "-"));
        let out = std::process::Command::new(bin)
            .args(["new-variant", &name, "--hook", hook, "--root"])
            .arg(&copy)
            .output()
            .unwrap();
        assert!(out.status.success(), "{hook}: {out:?}");
        let file = copy.join(format!("models/variants/broken_{hook}.rs"));
        let text = std::fs::read_to_string(&file).unwrap();
        assert_eq!(
            text.matches(from).count(),
            1,
            "{hook}: the default body has {from}"
        );
        std::fs::write(&file, text.replace(from, to)).unwrap();
    }
    // Its own target directory, kept between runs (dependencies build once).
    let target = root.join("target/hooks-copy");
    let build = std::process::Command::new(env!("CARGO"))
        .args(["build", "--release", "--quiet", "--bin", "paxos-lab"])
        .env("CARGO_TARGET_DIR", &target)
        .current_dir(&copy)
        .output()
        .unwrap();
    assert!(
        build.status.success(),
        "{}",
        String::from_utf8_lossy(&build.stderr)
    );
    let built = target.join("release/paxos-lab");
    for (hook, _, _, world, property) in cases {
        let name = format!("broken-{}", hook.replace('_', "-"));
        let out = std::process::Command::new(&built)
            .args(["check", "--variant", &name, "--scenario", world, "--json"])
            .args(["--states-max", "3000000", "--report"])
            .arg(copy.join("reports").join(hook))
            .current_dir(&copy)
            .output()
            .unwrap();
        let json: serde_json::Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{hook}: {e}: {}", String::from_utf8_lossy(&out.stderr)));
        let verdict = json["verdicts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["property"] == *property)
            .unwrap()["verdict"]
            .clone();
        assert_eq!(verdict, "violated", "{hook} on {world}: {json}");
        assert_eq!(out.status.code(), Some(1), "{hook}");
    }
    let _ = std::fs::remove_dir_all(&copy);
}
