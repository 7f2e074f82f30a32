//! The `Rules` trait: one method per Paxos decision point. Its default methods *are* correct
//! Paxos; [`Correct`] overrides nothing. A broken variant is a unit struct that overrides one
//! hook (see `models/variants/`), so the diff between a variant and Paxos is the variant.

use crate::cfg::{ClusterCfg, Role};
use crate::node::{AcceptorState, LearnerState, NodeState, Phase, ProposerState, Storage};
use crate::replication::Protocol;
use crate::store::{CorrectStore, StoreRules};
use crate::types::{Ballot, Few, Msg, Value, Vote};

/// Who a handler sends a message to.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum To {
    /// Every proposer (a store client does not know who leads).
    Proposers,
    /// Every acceptor.
    Acceptors,
    /// Every learner.
    Learners,
    /// One node, by its id (`ClusterCfg::id_of`): the sender of the message handled, say.
    Node(usize),
}

/// What a handler does besides returning its node's next state: the messages it sends (in
/// order), what it writes to durable storage (the last write wins), and whether it arms its
/// retry timer. The node applies them after the handler returns.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Effects {
    /// Inline up to six (a broadcast is one entry): no allocation per step.
    pub sends: Few<(To, Msg)>,
    pub save: Option<Storage>,
    pub retry: bool,
}

impl Effects {
    pub fn send(&mut self, to: To, msg: Msg) {
        self.sends.push((to, msg));
    }
}

/// Where a handler runs: the world, and which node it is.
#[derive(Copy, Clone, Debug)]
pub struct Ctx<'a> {
    pub cfg: &'a ClusterCfg,
    pub role: Role,
    /// The node's index within its role (p1 is proposer 0).
    pub index: usize,
}

impl Ctx<'_> {
    /// This node's id.
    pub fn id(&self) -> usize {
        self.cfg.id_of(self.role, self.index)
    }
}

/// A strict majority of `n`: the smallest quorum size whose quorums pairwise intersect.
pub fn majority(n: usize) -> usize {
    n / 2 + 1
}

/// The Paxos decision points, at two levels. The handlers (`start_ballot`, `on_prepare`,
/// `on_promise`, `on_accept`, `on_accepted`, `on_retry`, `on_restart`) see the node's whole
/// state and the message, and return the next state (or `None`: ignore the message) with
/// their [`Effects`]; their defaults *are* correct Paxos, written with the small decision
/// points below them (`ballot`, `may_promise`, `value_to_propose`, quorum sizes, what each
/// role persists, ...). A variant overrides whichever level says its change most plainly.
/// Every default is the rule from *Paxos Made Simple*.
pub trait Rules: Send + Sync + 'static {
    /// A proposer starts attempt `round` (0-based): its ballot, `Prepare` to every acceptor,
    /// its round on durable storage (if it persists it), and its retry timer while attempts
    /// remain (and the world lets proposers retry). Paxos runs phase 1 for every ballot.
    fn start_ballot(&self, ctx: &Ctx, round: usize, fx: &mut Effects) -> ProposerState {
        let ballot = self.ballot(round, ctx.index, ctx.cfg.proposers);
        fx.send(To::Acceptors, Msg::Prepare { b: ballot });
        if self.proposer_persists_round() {
            fx.save = Some(Storage::Proposer { round: round as u8 });
        }
        fx.retry = ctx.cfg.retries && round + 1 < ctx.cfg.ballots_max;
        ProposerState {
            round: round as u8,
            ballot,
            phase: Some(Phase::Preparing {
                promised: 0,
                reported: Few::new(),
            }),
        }
    }

    /// A proposer's retry timer fired: Paxos starts its next attempt, if any is left.
    fn on_retry(&self, ctx: &Ctx, p: &ProposerState, fx: &mut Effects) -> Option<ProposerState> {
        let next = p.round as usize + 1;
        (next < ctx.cfg.ballots_max).then(|| self.start_ballot(ctx, next, fx))
    }

    /// A proposer hears `Promise(b, accepted)` from acceptor number `acceptor`. Paxos counts
    /// a promise for its current ballot once per acceptor, collects the reported proposals,
    /// and at a phase-1 quorum sends `Accept` with `value_to_propose`.
    fn on_promise(
        &self,
        ctx: &Ctx,
        p: &ProposerState,
        acceptor: usize,
        b: Ballot,
        accepted: Option<(Ballot, Value)>,
        fx: &mut Effects,
    ) -> Option<ProposerState> {
        let Some(Phase::Preparing { promised, reported }) = &p.phase else {
            return None;
        };
        if b != p.ballot || promised & (1 << acceptor) != 0 {
            return None;
        }
        let promised = promised | 1 << acceptor;
        let mut reported = reported.clone();
        if let Some(pair) = accepted {
            if let Err(at) = reported.binary_search(&pair) {
                reported.insert(at, pair);
            }
        }
        let phase = if promised.count_ones() as usize >= self.phase1_quorum(ctx.cfg.acceptors) {
            let own = ctx.cfg.value_of_proposer(ctx.index);
            let v = self.value_to_propose(own, &reported);
            fx.send(To::Acceptors, Msg::Accept { b, v });
            Phase::Accepting { v }
        } else {
            Phase::Preparing { promised, reported }
        };
        Some(ProposerState {
            phase: Some(phase),
            ..p.clone()
        })
    }

    /// An acceptor hears `Prepare(b)` from node `from`. Paxos promises if `may_promise`,
    /// persists, and answers with what `promise_reports` says of its accepted proposal.
    fn on_prepare(
        &self,
        _ctx: &Ctx,
        a: &AcceptorState,
        from: usize,
        b: Ballot,
        fx: &mut Effects,
    ) -> Option<AcceptorState> {
        if !self.may_promise(a.promised, b) {
            return None;
        }
        let next = AcceptorState {
            promised: b,
            accepted: a.accepted,
        };
        fx.save = self.acceptor_persists(&next).map(Storage::Acceptor);
        fx.send(
            To::Node(from),
            Msg::Promise {
                b,
                accepted: self.promise_reports(a.accepted),
            },
        );
        Some(next)
    }

    /// An acceptor hears `Accept(b, v)`. Paxos accepts if `may_accept`, raises its promise
    /// to `b`, persists, and tells every learner.
    fn on_accept(
        &self,
        _ctx: &Ctx,
        a: &AcceptorState,
        b: Ballot,
        v: Value,
        fx: &mut Effects,
    ) -> Option<AcceptorState> {
        if !self.may_accept(a.promised, b) {
            return None;
        }
        let next = AcceptorState {
            promised: b.max(a.promised),
            accepted: Some((b, v)),
        };
        fx.save = self.acceptor_persists(&next).map(Storage::Acceptor);
        fx.send(To::Learners, Msg::Accepted { b, v });
        Some(next)
    }

    /// A learner hears `Accepted(b, v)` from acceptor number `acceptor`. Paxos records one
    /// vote per acceptor and ballot, decides by `learner_decides`, persists a decision, and
    /// once decided for good stops listening.
    fn on_accepted(
        &self,
        ctx: &Ctx,
        l: &LearnerState,
        acceptor: usize,
        b: Ballot,
        v: Value,
        fx: &mut Effects,
    ) -> Option<LearnerState> {
        if l.decided.is_some() && !self.learner_may_change_mind() {
            return None;
        }
        let vote = Vote {
            b,
            acceptor: acceptor as u8,
            v,
        };
        let at = match l.votes.binary_search(&vote) {
            Err(at) => at,
            Ok(at) if self.learner_counts_duplicates() => at,
            Ok(_) => return None,
        };
        let mut votes = l.votes.clone();
        votes.insert(at, vote);
        let decided = self.learner_decides(&votes, self.phase2_quorum(ctx.cfg.acceptors));
        if decided != l.decided && self.learner_persists_decision() {
            fx.save = Some(Storage::Learner { decided });
        }
        if decided.is_some() && !self.learner_may_change_mind() {
            // Decided for good: the votes no longer matter.
            votes.clear();
        }
        Some(LearnerState { votes, decided })
    }

    /// A node starts, for the first time (`storage` is `None`) or after a crash, from what
    /// it wrote to durable storage. Paxos: a proposer starts its next attempt (never reusing
    /// a ballot), an acceptor comes back with its promise and accepted proposal, a learner
    /// with its decision; everything else is volatile and lost.
    fn on_restart(&self, ctx: &Ctx, storage: &Option<Storage>, fx: &mut Effects) -> NodeState {
        match ctx.role {
            Role::Proposer => {
                let round = match storage {
                    Some(Storage::Proposer { round }) => *round as usize + 1,
                    _ => 0,
                };
                if round < ctx.cfg.ballots_max {
                    NodeState::Proposer(self.start_ballot(ctx, round, fx))
                } else {
                    NodeState::Proposer(ProposerState {
                        round: round as u8 - 1,
                        ballot: Ballot::NONE,
                        phase: None,
                    })
                }
            }
            Role::Acceptor => NodeState::Acceptor(match storage {
                Some(Storage::Acceptor(saved)) => *saved,
                _ => AcceptorState::default(),
            }),
            Role::Learner | Role::Client => NodeState::Learner(LearnerState {
                votes: Few::new(),
                decided: match storage {
                    Some(Storage::Learner { decided }) => *decided,
                    _ => None,
                },
            }),
        }
    }

    /// Whether a proposer writes the attempt it starts to durable storage, so that after a
    /// restart it moves on to a fresh ballot. Paxos: yes, a ballot is never used twice.
    fn proposer_persists_round(&self) -> bool {
        true
    }

    /// The ballot of proposer `proposer`'s attempt `round` (both 0-based), among `proposers`
    /// proposers. Correct Paxos gives every proposer its own, disjoint ballots:
    /// `round * proposers + proposer + 1` (p1: 1, 3, 5...; p2: 2, 4, 6...).
    fn ballot(&self, round: usize, proposer: usize, proposers: usize) -> Ballot {
        Ballot((round * proposers + proposer + 1) as u8)
    }

    /// May an acceptor that promised `promised` promise ballot `b`? Only to a higher ballot.
    fn may_promise(&self, promised: Ballot, b: Ballot) -> bool {
        b > promised
    }

    /// May an acceptor that promised `promised` accept a proposal in ballot `b`? Unless it
    /// promised a higher ballot.
    fn may_accept(&self, promised: Ballot, b: Ballot) -> bool {
        b >= promised
    }

    /// Which value a proposer sends in phase 2, given its own value and the `(ballot, value)`
    /// pairs the promises of its phase-1 quorum reported as already accepted (sorted, without
    /// duplicates). Paxos: the value of the highest reported ballot, or its own if none.
    fn value_to_propose(&self, own: Value, reported: &[(Ballot, Value)]) -> Value {
        reported.iter().max().map_or(own, |&(_, v)| v)
    }

    /// What an acceptor's promise reports of the proposal it accepted before: Paxos reports
    /// it whole, so the proposer can adopt it.
    fn promise_reports(&self, accepted: Option<(Ballot, Value)>) -> Option<(Ballot, Value)> {
        accepted
    }

    /// How many promises a proposer waits for before phase 2.
    fn phase1_quorum(&self, acceptors: usize) -> usize {
        majority(acceptors)
    }

    /// How many acceptors must accept one ballot for its value to be chosen; learners decide
    /// on this many matching votes.
    fn phase2_quorum(&self, acceptors: usize) -> usize {
        majority(acceptors)
    }

    /// What an acceptor writes to durable storage after it changes: Paxos persists both its
    /// promise and its accepted proposal before answering. `None` keeps nothing durable.
    fn acceptor_persists(&self, state: &AcceptorState) -> Option<AcceptorState> {
        Some(*state)
    }

    /// What a learner decides from the votes it holds (sorted by ballot, then acceptor), if
    /// anything: Paxos decides `v` once `quorum` distinct acceptors accepted `v` in one ballot.
    fn learner_decides(&self, votes: &[Vote], quorum: usize) -> Option<Value> {
        votes.iter().find_map(|vote| {
            let same = votes
                .iter()
                .filter(|w| w.b == vote.b && w.v == vote.v)
                .count();
            (same >= quorum).then_some(vote.v)
        })
    }

    /// Whether a learner counts an `Accepted` it already holds (a duplicate from the same
    /// acceptor) again. Paxos: no, a quorum is of distinct acceptors.
    fn learner_counts_duplicates(&self) -> bool {
        false
    }

    /// Whether a learner that has decided keeps listening and may decide again. Paxos: no,
    /// a decision is final.
    fn learner_may_change_mind(&self) -> bool {
        false
    }

    /// Whether a learner writes its decision to durable storage. Paxos: yes, so a restart
    /// cannot take it back.
    fn learner_persists_decision(&self) -> bool {
        true
    }

    /// Which protocol the nodes run: Paxos under these rules, or, for a variant that is not
    /// Paxos at all, a replication protocol whose nodes ignore every other hook here.
    fn protocol(&self) -> Protocol {
        Protocol::Paxos
    }

    /// The Multi-Paxos and store rules this variant runs in a store world
    /// (`protocol = "multi-paxos"`). Correct by default; a broken store variant returns
    /// itself. A single-decree variant runs correct Multi-Paxos there.
    fn store(&self) -> &'static dyn StoreRules {
        &CorrectStore
    }

    /// Whether acceptors are interchangeable and so are learners, so that symmetry reduction
    /// is sound. True for Paxos and for any variant that does not single out one node.
    fn symmetric(&self) -> bool {
        true
    }

    /// Whether a node of role `from` may send a message to a node of role `to`: the
    /// communication the partial-order reduction relies on (a delivery to a node can only be
    /// enabled by a node that may send to it). Paxos: proposers to acceptors, acceptors to
    /// proposers and learners, learners to nobody; a replication protocol: anyone to anyone.
    /// In a store world, also clients to proposers and replicas (learners) to clients.
    /// A variant whose handlers send elsewhere should say so here. It cannot make a check
    /// wrong, only slower: the engine watches every send of a reduced search, and on one
    /// outside this relation it searches again without the reduction.
    fn may_send(&self, from: Role, to: Role) -> bool {
        if let Protocol::Replication(_) = self.protocol() {
            return true;
        }
        matches!(
            (from, to),
            (Role::Proposer, Role::Acceptor)
                | (Role::Acceptor, Role::Proposer)
                | (Role::Acceptor, Role::Learner)
                | (Role::Client, Role::Proposer)
                | (Role::Learner, Role::Client)
        )
    }
}

/// Correct single-decree Paxos: every default, nothing overridden.
pub struct Correct;

impl Rules for Correct {}
