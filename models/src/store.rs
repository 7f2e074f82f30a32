//! The guide's first use case: a replicated key-value store on a Paxos log
//! (`protocol = "multi-paxos"` worlds).
//!
//! - **Clients** (`c1 c2 ...`) issue the scenario's operations, `put(k, v)` and `get(k)`, one
//!   at a time; each sends its request to every proposer (it does not know who leads). A
//!   client invokes an operation when its timer fires, so the checker tries every moment.
//! - **Proposers** are Multi-Paxos leaders. A proposer that won phase 1 for its ballot
//!   keeps it for every slot (a stable leader): each client request it hears goes into the
//!   next free slot with phase 2 only, until a higher ballot pre-empts it. A new leader's
//!   phase 1 learns every slot's accepted command; it re-proposes, in each slot, the command
//!   of the highest ballot reported, fills the gaps below the highest reported slot with
//!   no-ops, and then proposes the requests it heard that are not in the log yet.
//! - **Acceptors** keep, per slot, the last command they accepted; one promise covers every
//!   slot, and reports all of them.
//! - **Learners** are the store's replicas: a command is chosen in a slot when a majority of
//!   acceptors voted for it in one ballot; a replica applies chosen commands in slot order
//!   (a command already applied, proposed twice by two leaders, is skipped) and answers the
//!   client.
//!
//! Every decision point is a [`StoreRules`] method whose default is correct Multi-Paxos; a
//! broken store variant overrides one. The harness records, per slot, what each replica
//! decided and what each acceptor accepted, each replica's applied log, and the clients'
//! history ([`LogObs`]), and judges the consensus properties per slot, plus log coherence
//! and linearizability (stateright's `LinearizabilityTester` against [`KvSpec`]).

use std::borrow::Cow;

use stateright::actor::{Id, Out};
use stateright::semantics::{ConsistencyTester, LinearizabilityTester, SequentialSpec};

use crate::cfg::Role;
use crate::node::{Node, NodeState, Storage};
use crate::rules::{majority, Ctx, Effects, To};
use crate::types::{Ballot, Few, Msg, PerNode};

/// Most slots of a log (slots are bits in model state, and each one multiplies the space).
pub const SLOTS_MAX: usize = 3;
/// Most clients of a store.
pub const CLIENTS_MAX: usize = 3;
/// Most operations one client issues.
pub const OPS_PER_CLIENT_MAX: usize = 2;
/// Most keys a store has.
pub const KEYS_MAX: usize = 2;
/// Values a `put` writes are 1 to this (0 is "no value": what a `get` of a key never
/// written returns).
pub const VALUE_MAX: u8 = 9;

/// A command: `NOOP`, or client `c`'s operation number `i` as `1 + c * OPS_PER_CLIENT_MAX + i`.
/// Every command names its client and operation, so a replica can tell a command it already
/// applied from a new one.
pub type Cmd = u8;

/// The command a new leader fills a gap in the log with: it changes nothing.
pub const NOOP: Cmd = 0;

/// A slot's accepted command, if any: (ballot, command).
pub type SlotVote = Option<(Ballot, Cmd)>;

/// What an acceptor accepted, slot by slot.
pub type SlotVotes = [SlotVote; SLOTS_MAX];

/// One operation on the store.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Op {
    /// Write value `val` (1 to [`VALUE_MAX`]) under key number `key`.
    Put { key: u8, val: u8 },
    /// Read key number `key`.
    Get { key: u8 },
}

/// A store world's settings (the scenario's `[store]` table).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct StoreCfg {
    /// Slots in the log.
    pub slots: usize,
    /// Key names (`x`, `y`); an operation names a key by its index here.
    pub keys: Vec<String>,
    /// Per client, the operations it issues in order.
    pub clients: Vec<Vec<Op>>,
}

impl StoreCfg {
    pub fn check(&self) -> Result<(), String> {
        if self.slots == 0 || self.slots > SLOTS_MAX {
            return Err(format!(
                "store.slots: must be between 1 and {SLOTS_MAX}, got {}",
                self.slots
            ));
        }
        if self.clients.is_empty() || self.clients.len() > CLIENTS_MAX {
            return Err(format!(
                "store.clients: need between 1 and {CLIENTS_MAX} clients, got {}",
                self.clients.len()
            ));
        }
        if self.keys.is_empty() || self.keys.len() > KEYS_MAX {
            return Err(format!(
                "store.keys: need between 1 and {KEYS_MAX} keys, got {}",
                self.keys.len()
            ));
        }
        for (c, ops) in self.clients.iter().enumerate() {
            if ops.is_empty() || ops.len() > OPS_PER_CLIENT_MAX {
                return Err(format!(
                    "store.clients: client c{} needs between 1 and {OPS_PER_CLIENT_MAX} operations, got {}",
                    c + 1,
                    ops.len()
                ));
            }
            for op in ops {
                let (key, val) = match *op {
                    Op::Put { key, val } => (key, Some(val)),
                    Op::Get { key } => (key, None),
                };
                if key as usize >= self.keys.len() {
                    return Err(format!(
                        "store.clients: client c{} names key number {key}, but there are {} keys",
                        c + 1,
                        self.keys.len()
                    ));
                }
                if val.is_some_and(|v| v == 0 || v > VALUE_MAX) {
                    return Err(format!(
                        "store.clients: client c{} writes a value outside 1 to {VALUE_MAX}",
                        c + 1
                    ));
                }
            }
        }
        Ok(())
    }

    /// The command of client `client`'s operation number `op`.
    pub fn cmd(client: usize, op: usize) -> Cmd {
        (1 + client * OPS_PER_CLIENT_MAX + op) as Cmd
    }

    /// The client and operation number of `cmd` (not a no-op).
    pub fn of_cmd(cmd: Cmd) -> (usize, usize) {
        let i = cmd as usize - 1;
        (i / OPS_PER_CLIENT_MAX, i % OPS_PER_CLIENT_MAX)
    }

    /// The operation `cmd` runs, `None` for a no-op (or a command no client has).
    pub fn op(&self, cmd: Cmd) -> Option<Op> {
        if cmd == NOOP {
            return None;
        }
        let (c, i) = StoreCfg::of_cmd(cmd);
        self.clients.get(c).and_then(|ops| ops.get(i)).copied()
    }

    /// `put(x, 1)`, `get(x)`.
    pub fn op_text(&self, op: Op) -> String {
        let key = |k: u8| {
            self.keys
                .get(k as usize)
                .cloned()
                .unwrap_or(format!("k{k}"))
        };
        match op {
            Op::Put { key: k, val } => format!("put({}, {val})", key(k)),
            Op::Get { key: k } => format!("get({})", key(k)),
        }
    }

    /// `c1's put(x, 1)`, or `no-op`.
    pub fn cmd_text(&self, cmd: Cmd) -> String {
        match self.op(cmd) {
            None => "no-op".into(),
            Some(op) => format!("c{}'s {}", StoreCfg::of_cmd(cmd).0 + 1, self.op_text(op)),
        }
    }

    /// What an operation returned, as a user reads it: `1`, `nothing` (a key never
    /// written), `ok` (a put).
    pub fn result_text(&self, cmd: Cmd, result: u8) -> String {
        match self.op(cmd) {
            Some(Op::Get { .. }) if result == 0 => "nothing".into(),
            Some(Op::Get { .. }) => result.to_string(),
            _ => "ok".into(),
        }
    }
}

/// Where a leader is in its ballot.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Lead {
    /// Out of attempts (after a restart): it does nothing more.
    Retired,
    /// Phase 1: waiting for promises. `promised` is a bitmask of acceptor indices;
    /// `reported` holds, per slot, the highest-ballot command the promises reported.
    Preparing { promised: u16, reported: SlotVotes },
    /// Won phase 1: every request goes straight to phase 2 in the next free slot.
    Leading,
}

/// A Multi-Paxos proposer.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct LeaderState {
    /// The current attempt, 0-based.
    pub round: u8,
    pub ballot: Ballot,
    pub lead: Lead,
    /// Commands some client asked this proposer for (bit `cmd`). Volatile.
    pub heard: u8,
    /// This ballot's log: the command it proposed in each slot.
    pub log: [Option<Cmd>; SLOTS_MAX],
}

/// A Multi-Paxos acceptor: one promise for every slot, and per slot the last command it
/// accepted.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LogAcceptorState {
    pub promised: Ballot,
    pub accepted: SlotVotes,
}

/// A replica's votes of open slots, inline up to 16 (64 bytes, in the replica's box): with
/// 6 (`Few`), a replica of `kv-store` that heard more moved them to a heap block of their
/// own, allocated anew at every copy.
pub type ReplicaVotes = smallvec::SmallVec<[(u8, Ballot, u8, Cmd); 16]>;

/// A replica of the store.
#[derive(Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct StoreReplica {
    /// Votes heard for slots not chosen yet: (slot, ballot, acceptor, command), sorted.
    pub votes: ReplicaVotes,
    /// The command it learned chosen in each slot: its decisions.
    pub chosen: [Option<Cmd>; SLOTS_MAX],
    /// The slots it applied, in the order it applied them, with their commands.
    pub applied: Few<(u8, Cmd)>,
    /// The store: each key's value (0: never written).
    pub kv: [u8; KEYS_MAX],
    /// Commands it applied (bit `cmd`), so a command chosen in two slots runs once.
    pub done: u8,
}

/// `clone_from` copies into the lists the target holds (see `NodeState`'s `Clone`).
impl Clone for StoreReplica {
    fn clone(&self) -> StoreReplica {
        StoreReplica {
            votes: self.votes.clone(),
            chosen: self.chosen,
            applied: self.applied.clone(),
            kv: self.kv,
            done: self.done,
        }
    }

    fn clone_from(&mut self, source: &StoreReplica) {
        crate::types::copy_from(&mut self.votes, &source.votes);
        self.chosen = source.chosen;
        crate::types::copy_from(&mut self.applied, &source.applied);
        self.kv = source.kv;
        self.done = source.done;
    }
}

impl StoreReplica {
    /// The first slot it has not applied yet.
    pub fn next_slot(&self) -> usize {
        self.applied.len()
    }

    /// What it keeps on durable storage: everything but the votes of open slots.
    pub fn durable(&self) -> StoreReplica {
        StoreReplica {
            votes: ReplicaVotes::new(),
            ..self.clone()
        }
    }
}

/// A client of the store.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ClientState {
    /// Its next operation's number.
    pub next: u8,
    /// The command it invoked and waits for.
    pub waiting: Option<Cmd>,
    /// The last command that returned, and what it returned.
    pub last: Option<(Cmd, u8)>,
}

/// The Multi-Paxos and store decision points. Every default is correct; a broken store
/// variant overrides one (and returns itself from [`crate::Rules::store`]).
pub trait StoreRules: Send + Sync + 'static {
    // --- leaders ---

    /// A proposer starts attempt `round`: its ballot (Paxos's numbering: disjoint per
    /// proposer), `Prepare` to every acceptor, its round on durable storage, its retry timer
    /// while attempts remain. It keeps the requests it heard.
    fn start_ballot(&self, ctx: &Ctx, round: usize, heard: u8, fx: &mut Effects) -> LeaderState {
        let ballot = Ballot((round * ctx.cfg.proposers + ctx.index + 1) as u8);
        fx.send(To::Acceptors, Msg::Prepare { b: ballot });
        fx.save = Some(Storage::Proposer { round: round as u8 });
        fx.retry = ctx.cfg.retries && round + 1 < ctx.cfg.ballots_max;
        LeaderState {
            round: round as u8,
            ballot,
            lead: Lead::Preparing {
                promised: 0,
                reported: [None; SLOTS_MAX],
            },
            heard,
            log: [None; SLOTS_MAX],
        }
    }

    /// The retry timer fired: the next attempt, if any is left (a higher ballot, phase 1 again).
    fn on_retry(&self, ctx: &Ctx, l: &LeaderState, fx: &mut Effects) -> Option<LeaderState> {
        let next = l.round as usize + 1;
        (next < ctx.cfg.ballots_max && l.lead != Lead::Retired)
            .then(|| self.start_ballot(ctx, next, l.heard, fx))
    }

    /// Client node `client` asks for `cmd`. The leader remembers it and, if it leads,
    /// proposes it in the next free slot.
    fn on_request(
        &self,
        ctx: &Ctx,
        l: &LeaderState,
        _client: usize,
        cmd: Cmd,
        fx: &mut Effects,
    ) -> Option<LeaderState> {
        if l.heard & (1 << cmd) != 0 {
            return None;
        }
        let mut next = l.clone();
        next.heard |= 1 << cmd;
        if next.lead == Lead::Leading {
            self.propose_heard(ctx, &mut next, fx);
        }
        Some(next)
    }

    /// A promise for ballot `b` from acceptor number `acceptor`, with what it accepted in
    /// every slot. At a majority the proposer leads: it takes over the log
    /// ([`StoreRules::take_over`]), re-proposes it, and proposes what it heard.
    fn on_promise(
        &self,
        ctx: &Ctx,
        l: &LeaderState,
        acceptor: usize,
        b: Ballot,
        log: SlotVotes,
        fx: &mut Effects,
    ) -> Option<LeaderState> {
        let Lead::Preparing { promised, reported } = &l.lead else {
            return None;
        };
        if b != l.ballot || promised & (1 << acceptor) != 0 {
            return None;
        }
        let promised = promised | 1 << acceptor;
        let mut reported = *reported;
        for (slot, vote) in log.iter().enumerate() {
            if vote.is_some() && *vote > reported[slot] {
                reported[slot] = *vote;
            }
        }
        let mut next = l.clone();
        if (promised.count_ones() as usize) < majority(ctx.cfg.acceptors) {
            next.lead = Lead::Preparing { promised, reported };
            return Some(next);
        }
        next.lead = Lead::Leading;
        next.log = self.take_over(&reported);
        for slot in 0..SLOTS_MAX {
            if let Some(cmd) = next.log[slot] {
                self.propose(ctx, &next, slot, cmd, fx);
            }
        }
        self.propose_heard(ctx, &mut next, fx);
        Some(next)
    }

    /// The log a new leader starts from, given per slot the highest-ballot command its
    /// promises reported: that command in each slot (it may be chosen already), and a no-op
    /// in every gap below the highest reported slot (so later slots can be applied).
    fn take_over(&self, reported: &SlotVotes) -> [Option<Cmd>; SLOTS_MAX] {
        let top = reported.iter().rposition(Option::is_some);
        let mut log = [None; SLOTS_MAX];
        for slot in 0..top.map_or(0, |t| t + 1) {
            log[slot] = Some(reported[slot].map_or(NOOP, |(_, cmd)| cmd));
        }
        log
    }

    /// Puts every request the leader heard and its log does not hold yet into the next free
    /// slots, in command order, and proposes each. Requests beyond the last slot wait.
    fn propose_heard(&self, ctx: &Ctx, l: &mut LeaderState, fx: &mut Effects) {
        let slots = ctx.cfg.store.as_ref().map_or(0, |s| s.slots);
        for cmd in 1..8u8 {
            if l.heard & (1 << cmd) == 0 || l.log.contains(&Some(cmd)) {
                continue;
            }
            let Some(slot) = (0..slots).find(|&s| l.log[s].is_none()) else {
                return;
            };
            l.log[slot] = Some(cmd);
            self.propose(ctx, l, slot, cmd, fx);
        }
    }

    /// Phase 2 for one slot: `Propose(ballot, slot, cmd)` to every acceptor.
    fn propose(&self, _ctx: &Ctx, l: &LeaderState, slot: usize, cmd: Cmd, fx: &mut Effects) {
        fx.send(
            To::Acceptors,
            Msg::Propose {
                b: l.ballot,
                slot: slot as u8,
                cmd,
            },
        );
    }

    // --- acceptors ---

    /// `Prepare(b)` from node `from`: promise a higher ballot, for every slot, and report
    /// every slot's accepted command.
    fn on_prepare(
        &self,
        _ctx: &Ctx,
        a: &LogAcceptorState,
        from: usize,
        b: Ballot,
        fx: &mut Effects,
    ) -> Option<LogAcceptorState> {
        if b <= a.promised {
            return None;
        }
        let next = LogAcceptorState {
            promised: b,
            accepted: a.accepted,
        };
        fx.save = self.log_acceptor_persists(&next).map(Storage::LogAcceptor);
        fx.send(
            To::Node(from),
            Msg::LogPromise {
                b,
                log: next.accepted,
            },
        );
        Some(next)
    }

    /// `Propose(b, slot, cmd)`: accept unless it promised a higher ballot, and tell every
    /// replica.
    fn on_propose(
        &self,
        _ctx: &Ctx,
        a: &LogAcceptorState,
        b: Ballot,
        slot: usize,
        cmd: Cmd,
        fx: &mut Effects,
    ) -> Option<LogAcceptorState> {
        if b < a.promised || slot >= SLOTS_MAX {
            return None;
        }
        let mut next = *a;
        next.promised = b;
        next.accepted[slot] = Some((b, cmd));
        fx.save = self.log_acceptor_persists(&next).map(Storage::LogAcceptor);
        fx.send(
            To::Learners,
            Msg::Voted {
                b,
                slot: slot as u8,
                cmd,
            },
        );
        Some(next)
    }

    /// What an acceptor keeps on durable storage: everything, before it answers.
    fn log_acceptor_persists(&self, a: &LogAcceptorState) -> Option<LogAcceptorState> {
        Some(*a)
    }

    // --- replicas ---

    /// How many acceptors' votes in one ballot make a replica take a command as chosen.
    fn replica_quorum(&self, acceptors: usize) -> usize {
        majority(acceptors)
    }

    /// `Voted(b, slot, cmd)` from acceptor number `acceptor`: count it (once per acceptor);
    /// at a quorum of one ballot the slot is decided; then apply what can be applied.
    #[allow(clippy::too_many_arguments)]
    fn on_voted(
        &self,
        ctx: &Ctx,
        r: &StoreReplica,
        acceptor: usize,
        b: Ballot,
        slot: usize,
        cmd: Cmd,
        fx: &mut Effects,
    ) -> Option<StoreReplica> {
        if slot >= SLOTS_MAX || r.chosen[slot].is_some() {
            return None;
        }
        let vote = (slot as u8, b, acceptor as u8, cmd);
        let Err(at) = r.votes.binary_search(&vote) else {
            return None;
        };
        let mut next = r.clone();
        next.votes.insert(at, vote);
        let same = next
            .votes
            .iter()
            .filter(|&&(s, b2, _, c)| s as usize == slot && b2 == b && c == cmd)
            .count();
        if same >= self.replica_quorum(ctx.cfg.acceptors) {
            next.chosen[slot] = Some(cmd);
            next.votes.retain(|v| v.0 as usize != slot);
            self.apply_ready(ctx, &mut next, fx);
        }
        fx.save = Some(Storage::StoreReplica(Box::new(next.durable())));
        Some(next)
    }

    /// Applies chosen commands in slot order, from the first slot not applied, while the
    /// next one is decided.
    fn apply_ready(&self, ctx: &Ctx, r: &mut StoreReplica, fx: &mut Effects) {
        while let Some(Some(cmd)) = r.chosen.get(r.next_slot()).copied() {
            self.apply(ctx, r, r.next_slot(), cmd, fx);
        }
    }

    /// Applies `cmd` (decided in `slot`): runs it on the store unless it ran already (a
    /// command two leaders put in two slots runs once), and answers its client.
    fn apply(&self, ctx: &Ctx, r: &mut StoreReplica, slot: usize, cmd: Cmd, fx: &mut Effects) {
        r.applied.push((slot as u8, cmd));
        if cmd == NOOP || r.done & (1 << cmd) != 0 {
            return;
        }
        r.done |= 1 << cmd;
        let Some(store) = &ctx.cfg.store else { return };
        let Some(op) = store.op(cmd) else { return };
        let result = run(&mut r.kv, op);
        let client = StoreCfg::of_cmd(cmd).0;
        fx.send(
            To::Node(ctx.cfg.id_of(Role::Client, client)),
            Msg::Reply { cmd, result },
        );
    }

    // --- start and restart ---

    /// A node starts, for the first time or after a crash, from its storage: a proposer
    /// starts its next attempt (it forgets what it heard), an acceptor and a replica come
    /// back with what they stored, a client starts with its first operation due.
    fn on_restart(&self, ctx: &Ctx, storage: &Option<Storage>, fx: &mut Effects) -> NodeState {
        match ctx.role {
            Role::Proposer => {
                let round = match storage {
                    Some(Storage::Proposer { round }) => *round as usize + 1,
                    _ => 0,
                };
                if round < ctx.cfg.ballots_max {
                    NodeState::Leader(self.start_ballot(ctx, round, 0, fx))
                } else {
                    NodeState::Leader(LeaderState {
                        round: round as u8 - 1,
                        ballot: Ballot::NONE,
                        lead: Lead::Retired,
                        heard: 0,
                        log: [None; SLOTS_MAX],
                    })
                }
            }
            Role::Acceptor => NodeState::LogAcceptor(match storage {
                Some(Storage::LogAcceptor(saved)) => *saved,
                _ => LogAcceptorState::default(),
            }),
            Role::Learner => NodeState::StoreReplica(Box::new(match storage {
                Some(Storage::StoreReplica(saved)) => (**saved).clone(),
                _ => StoreReplica::default(),
            })),
            Role::Client => {
                fx.retry = !ctx.cfg.ops_of(ctx.index).is_empty();
                NodeState::Client(ClientState::default())
            }
        }
    }
}

/// Runs `op` on the store `kv`: what it returns (a get: the value, 0 for none; a put: 0).
pub fn run(kv: &mut [u8; KEYS_MAX], op: Op) -> u8 {
    match op {
        Op::Put { key, val } => {
            kv[key as usize] = val;
            0
        }
        Op::Get { key } => kv[key as usize],
    }
}

/// Correct Multi-Paxos and store: every default.
pub struct CorrectStore;

impl StoreRules for CorrectStore {}

impl Node {
    /// Start-up in a store world.
    pub(crate) fn store_start(&self, storage: &Option<Storage>, o: &mut Out<Self>) -> NodeState {
        let mut fx = Effects::default();
        let state = self
            .rules()
            .store()
            .on_restart(&self.ctx(), storage, &mut fx);
        self.apply(&mut fx, o);
        state
    }

    /// A message in a store world.
    pub(crate) fn store_on_msg(
        &self,
        state: &mut Cow<NodeState>,
        src: Id,
        msg: Msg,
        o: &mut Out<Self>,
    ) {
        let (rules, ctx) = (self.rules().store(), self.ctx());
        let src = usize::from(src);
        let (src_role, src_index) = self.cfg().role_of(src);
        let from_acceptor = (src_role == Role::Acceptor).then_some(src_index);
        let mut fx = Effects::default();
        let next = match (&**state, msg) {
            (NodeState::Leader(l), Msg::Request { cmd }) if src_role == Role::Client => rules
                .on_request(&ctx, l, src, cmd, &mut fx)
                .map(NodeState::Leader),
            (NodeState::Leader(l), Msg::LogPromise { b, log }) => from_acceptor
                .and_then(|a| rules.on_promise(&ctx, l, a, b, log, &mut fx))
                .map(NodeState::Leader),
            (NodeState::LogAcceptor(a), Msg::Prepare { b }) => rules
                .on_prepare(&ctx, a, src, b, &mut fx)
                .map(NodeState::LogAcceptor),
            (NodeState::LogAcceptor(a), Msg::Propose { b, slot, cmd }) => rules
                .on_propose(&ctx, a, b, slot as usize, cmd, &mut fx)
                .map(NodeState::LogAcceptor),
            (NodeState::StoreReplica(r), Msg::Voted { b, slot, cmd }) => from_acceptor
                .and_then(|a| rules.on_voted(&ctx, r, a, b, slot as usize, cmd, &mut fx))
                .map(|r| NodeState::StoreReplica(Box::new(r))),
            (NodeState::Client(c), Msg::Reply { cmd, result }) if c.waiting == Some(cmd) => {
                let next = ClientState {
                    next: c.next,
                    waiting: None,
                    last: Some((cmd, result)),
                };
                fx.retry = (next.next as usize) < self.cfg().ops_of(self.index).len();
                Some(NodeState::Client(next))
            }
            _ => None,
        };
        if let Some(next) = next {
            *state = Cow::Owned(next);
        }
        self.apply(&mut fx, o);
    }

    /// A timer in a store world: a proposer's retry, or a client's next operation.
    pub(crate) fn store_on_timeout(&self, state: &mut Cow<NodeState>, o: &mut Out<Self>) {
        let mut fx = Effects::default();
        let next = match &**state {
            NodeState::Leader(l) => self
                .rules()
                .store()
                .on_retry(&self.ctx(), l, &mut fx)
                .map(NodeState::Leader),
            NodeState::Client(c) if c.waiting.is_none() => {
                let ops = self.cfg().ops_of(self.index);
                ((c.next as usize) < ops.len()).then(|| {
                    let cmd = StoreCfg::cmd(self.index, c.next as usize);
                    fx.send(To::Proposers, Msg::Request { cmd });
                    NodeState::Client(ClientState {
                        next: c.next + 1,
                        waiting: Some(cmd),
                        last: c.last,
                    })
                })
            }
            _ => None,
        };
        if let Some(next) = next {
            *state = Cow::Owned(next);
        }
        self.apply(&mut fx, o);
    }
}

/// One event of the clients' history: `(cmd, None)` an invocation, `(cmd, Some(result))`
/// its return.
pub type Event = (Cmd, Option<u8>);

/// What the outside world saw of a store, recorded by the harness after every step.
#[derive(Debug, Default, PartialEq, Eq, Hash)]
pub struct LogObs {
    /// Per node and slot: the first command it was seen to decide there.
    pub first: PerNode<[Option<Cmd>; SLOTS_MAX]>,
    /// Per node and slot: every command it was ever seen to decide there (bit `cmd`).
    pub ever: PerNode<[u8; SLOTS_MAX]>,
    /// Every (slot, ballot, command) an acceptor was seen to accept, with the bitmask of
    /// those acceptors, sorted.
    pub accepted: Few<(u8, Ballot, Cmd, u16)>,
    /// Per node: the slots it was seen to apply, in order, with their commands.
    pub applied: PerNode<Few<(u8, Cmd)>>,
    /// The clients' invocations and returns, in the order they happened.
    pub history: Few<Event>,
}

impl Clone for LogObs {
    fn clone(&self) -> LogObs {
        LogObs {
            first: self.first.clone(),
            ever: self.ever.clone(),
            accepted: self.accepted.clone(),
            applied: self.applied.clone(),
            history: self.history.clone(),
        }
    }

    /// Field by field, into the buffers `self` has (see `Obs::clone_from`).
    fn clone_from(&mut self, source: &LogObs) {
        use crate::types::copy_from;
        copy_from(&mut self.first, &source.first);
        copy_from(&mut self.ever, &source.ever);
        copy_from(&mut self.accepted, &source.accepted);
        if self.applied.len() == source.applied.len() {
            for (to, from) in self.applied.iter_mut().zip(&source.applied) {
                copy_from(to, from);
            }
        } else {
            self.applied.clone_from(&source.applied);
        }
        copy_from(&mut self.history, &source.history);
    }
}

impl LogObs {
    pub fn new(nodes: usize) -> LogObs {
        LogObs {
            first: smallvec::smallvec![[None; SLOTS_MAX]; nodes],
            ever: smallvec::smallvec![[0; SLOTS_MAX]; nodes],
            accepted: Few::new(),
            applied: smallvec::smallvec![Few::new(); nodes],
            history: Few::new(),
        }
    }

    /// Brings the record up to date with node `i` (of role `role`, index `index`) now in
    /// state `node`; whether it changed.
    pub fn observe(&mut self, i: usize, index: usize, node: &NodeState) -> bool {
        let mut changed = false;
        match node {
            NodeState::StoreReplica(r) => {
                for (slot, cmd) in r.chosen.iter().enumerate() {
                    if let Some(cmd) = *cmd {
                        changed |=
                            self.first[i][slot].is_none() || self.ever[i][slot] & 1 << cmd == 0;
                        self.first[i][slot].get_or_insert(cmd);
                        self.ever[i][slot] |= 1 << cmd;
                    }
                }
                let seen = &mut self.applied[i];
                if r.applied.len() > seen.len() && r.applied.starts_with(seen) {
                    seen.extend_from_slice(&r.applied[seen.len()..]);
                    changed = true;
                }
            }
            NodeState::LogAcceptor(a) => {
                for (slot, vote) in a.accepted.iter().enumerate() {
                    if let Some((b, cmd)) = *vote {
                        let key = (slot as u8, b, cmd);
                        let bit = 1u16 << index;
                        match self
                            .accepted
                            .binary_search_by(|&(s, b2, c, _)| (s, b2, c).cmp(&key))
                        {
                            Ok(at) => {
                                changed |= self.accepted[at].3 & bit == 0;
                                self.accepted[at].3 |= bit;
                            }
                            Err(at) => {
                                self.accepted.insert(at, (key.0, key.1, key.2, bit));
                                changed = true;
                            }
                        }
                    }
                }
            }
            NodeState::Client(c) => {
                if let Some(cmd) = c.waiting {
                    if !self.history.contains(&(cmd, None)) {
                        self.history.push((cmd, None));
                        changed = true;
                    }
                }
                if let Some((cmd, result)) = c.last {
                    if !self.history.iter().any(|&(c2, r)| c2 == cmd && r.is_some()) {
                        self.history.push((cmd, Some(result)));
                        changed = true;
                    }
                }
            }
            _ => {}
        }
        changed
    }

    /// The commands chosen in `slot`: accepted by `quorum` acceptors in one ballot.
    pub fn chosen(&self, slot: usize, quorum: usize) -> u8 {
        self.accepted
            .iter()
            .filter(|&&(s, _, _, mask)| s as usize == slot && mask.count_ones() as usize >= quorum)
            .fold(0u8, |m, &(_, _, cmd, _)| m | 1 << cmd)
    }

    /// Commands a client invoked (bit `cmd`), and the no-op: what may be chosen.
    pub fn proposable(&self) -> u8 {
        self.history
            .iter()
            .fold(1u8 << NOOP, |m, &(cmd, _)| m | 1 << cmd)
    }

    /// Per-slot coherence: no two replicas decided different commands in one slot.
    pub fn coherence(&self) -> bool {
        (0..SLOTS_MAX).all(|slot| {
            let all = self.ever.iter().fold(0u8, |m, e| m | e[slot]);
            all.count_ones() <= 1
        })
    }

    /// Per-slot conflict resolution: at most one command chosen in each slot, and every
    /// chosen or decided command was invoked by a client (or is a no-op).
    pub fn conflict_resolution(&self, quorum: usize) -> bool {
        let ok = self.proposable();
        (0..SLOTS_MAX).all(|slot| {
            let chosen = self.chosen(slot, quorum);
            let decided = self.ever.iter().fold(0u8, |m, e| m | e[slot]);
            chosen.count_ones() <= 1 && (chosen | decided) & !ok == 0
        })
    }

    /// Per-slot no-takebacks: every node still holds, in every slot, the first command it
    /// was seen to decide there, and still has every slot it was seen to apply applied.
    pub fn keeps_decisions<'a>(&self, nodes: impl Iterator<Item = &'a NodeState>) -> bool {
        nodes.enumerate().all(|(i, node)| {
            let (chosen, applied): (&[Option<Cmd>], &[(u8, Cmd)]) = match node {
                NodeState::StoreReplica(r) => (&r.chosen, &r.applied),
                _ => (&[None; SLOTS_MAX], &[]),
            };
            self.first[i]
                .iter()
                .zip(chosen)
                .all(|(first, now)| first.is_none() || first == now)
                && applied.starts_with(&self.applied[i])
        })
    }

    /// Log coherence: every replica applied slots in order (0, 1, 2...), and no command it
    /// applied contradicts the chosen log (no other command is chosen in that slot), so its
    /// applied log is a prefix of the chosen log; and no two replicas applied different
    /// commands at the same position. Stable, as every safety property here must be (the
    /// partial-order reduction relies on it): what was applied and what is chosen only grow,
    /// so a violation stays one. (A command applied before it is chosen is not yet a
    /// violation: it may still be the one chosen there.)
    pub fn log_coherence(&self, quorum: usize) -> bool {
        let in_order = self.applied.iter().all(|log| {
            log.iter().enumerate().all(|(k, &(slot, cmd))| {
                slot as usize == k && self.chosen(k, quorum) & !(1u8 << cmd) == 0
            })
        });
        in_order
            && self.applied.iter().enumerate().all(|(i, a)| {
                self.applied[i + 1..]
                    .iter()
                    .all(|b| a.iter().zip(b).all(|(x, y)| x.1 == y.1))
            })
    }

    /// Some replica decided some slot: the reachability witness.
    pub fn decided_somewhere(&self) -> bool {
        self.first.iter().any(|f| f.iter().any(Option::is_some))
    }
}

/// The store as a sequential object: the reference linearizability is judged against.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct KvSpec(pub [u8; KEYS_MAX]);

impl SequentialSpec for KvSpec {
    type Op = Op;
    type Ret = u8;

    fn invoke(&mut self, op: &Op) -> u8 {
        run(&mut self.0, *op)
    }
}

/// Whether the clients' `history` is linearizable against [`KvSpec`], by stateright's
/// `LinearizabilityTester`. Operations still waiting may or may not have taken effect.
pub fn linearizable(store: &StoreCfg, history: &[Event]) -> bool {
    if !history.iter().any(|e| e.1.is_some()) {
        return true;
    }
    let mut tester = LinearizabilityTester::<usize, KvSpec>::new(KvSpec::default());
    for &(cmd, ret) in history {
        let client = StoreCfg::of_cmd(cmd).0;
        let ok = match (ret, store.op(cmd)) {
            (None, Some(op)) => tester.on_invoke(client, op).is_ok(),
            (Some(r), Some(_)) => tester.on_return(client, r).is_ok(),
            _ => false,
        };
        if !ok {
            return false;
        }
    }
    tester.serialized_history().is_some()
}
