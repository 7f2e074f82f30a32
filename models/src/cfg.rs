//! The validated world a model runs in: cluster size, values, network, fault budget, bounds.
//! `paxos-lab` builds it from a scenario file; tests build it directly. Node ids are laid
//! out proposers first, then acceptors, then learners, then clients
//! (`p1 p2 a1 a2 a3 l1 l2`, and `c1 c2` in a key-value store world).

use crate::store::{Op, StoreCfg};

/// The three Paxos roles, and the clients of a replicated store (`protocol = "multi-paxos"`
/// worlds only: a single-decree world has none).
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    Proposer,
    Acceptor,
    Learner,
    Client,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Proposer, Role::Acceptor, Role::Learner, Role::Client];

    /// The letter that prefixes node names: `p`, `a`, `l`, `c`.
    pub fn letter(self) -> char {
        match self {
            Role::Proposer => 'p',
            Role::Acceptor => 'a',
            Role::Learner => 'l',
            Role::Client => 'c',
        }
    }

    /// The plural used in scenario files: `proposers`, `acceptors`, `learners`, `clients`.
    pub fn plural(self) -> &'static str {
        match self {
            Role::Proposer => "proposers",
            Role::Acceptor => "acceptors",
            Role::Learner => "learners",
            Role::Client => "clients",
        }
    }
}

/// A set of roles (which roles may crash).
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct RoleSet(u8);

impl RoleSet {
    pub const EMPTY: RoleSet = RoleSet(0);

    pub fn with(self, role: Role) -> RoleSet {
        RoleSet(self.0 | 1 << role as u8)
    }

    pub fn contains(self, role: Role) -> bool {
        self.0 & (1 << role as u8) != 0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub fn iter(self) -> impl Iterator<Item = Role> {
        Role::ALL.into_iter().filter(move |r| self.contains(*r))
    }
}

/// How the network delivers messages (stateright's three network kinds).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum Delivery {
    /// FIFO per (sender, receiver) pair; each message delivered at most once.
    Ordered,
    /// Any order; each message delivered at most once.
    Unordered,
    /// Any order, and any message may be delivered again, any number of times.
    UnorderedDuplicating,
}

impl Delivery {
    pub const NAMES: [&'static str; 3] = ["ordered", "unordered", "unordered-duplicating"];

    pub fn name(self) -> &'static str {
        match self {
            Delivery::Ordered => "ordered",
            Delivery::Unordered => "unordered",
            Delivery::UnorderedDuplicating => "unordered-duplicating",
        }
    }

    pub fn from_name(name: &str) -> Option<Delivery> {
        match name {
            "ordered" => Some(Delivery::Ordered),
            "unordered" => Some(Delivery::Unordered),
            "unordered-duplicating" => Some(Delivery::UnorderedDuplicating),
            _ => None,
        }
    }
}

/// Largest cluster a role may have: node sets are bitmasks in model state.
pub const NODES_PER_ROLE_MAX: usize = 9;
/// Largest `ballots_max`: ballots are one byte.
pub const BALLOTS_MAX: usize = 10;

/// The world a model runs in. Every field is already validated (see `paxos-lab`'s scenario
/// loader); `ClusterCfg::check` states the invariants for callers that build one by hand.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ClusterCfg {
    pub proposers: usize,
    pub acceptors: usize,
    pub learners: usize,
    /// Value names; proposer `i` proposes `values[i % values.len()]`.
    pub values: Vec<String>,
    /// Attempts (ballots) per proposer.
    pub ballots_max: usize,
    /// Whether a proposer whose attempt stalls starts its next one on a timeout. `false`:
    /// only a restart starts a new attempt (a proposer crash-restart world stays small).
    pub retries: bool,
    pub delivery: Delivery,
    /// Whether the network may lose any message.
    pub lossy: bool,
    /// Crashes in one run, over all nodes that may crash.
    pub crashes_max: usize,
    /// Roles whose nodes may crash.
    pub may_crash: RoleSet,
    /// Whether a crashed node may restart from its durable storage.
    pub restarts: bool,
    /// `Some` in a `protocol = "multi-paxos"` world: the proposers run a replicated log of
    /// slots and the learners are replicas of a key-value store its clients use.
    pub store: Option<StoreCfg>,
}

impl ClusterCfg {
    /// The default world: 2 proposers, 3 acceptors, 2 learners, 2 values, 2 ballots each,
    /// unordered network, no faults (the `classic` scenario).
    pub fn classic() -> ClusterCfg {
        ClusterCfg {
            proposers: 2,
            acceptors: 3,
            learners: 2,
            values: vec!["red".into(), "blue".into()],
            ballots_max: 2,
            retries: true,
            delivery: Delivery::Unordered,
            lossy: false,
            crashes_max: 0,
            may_crash: RoleSet::EMPTY,
            restarts: false,
            store: None,
        }
    }

    /// The invariants the model relies on, as an error message naming the field.
    pub fn check(&self) -> Result<(), String> {
        if let Some(store) = &self.store {
            store.check()?;
        }
        for role in [Role::Proposer, Role::Acceptor, Role::Learner] {
            let n = self.count(role);
            if n == 0 || n > NODES_PER_ROLE_MAX {
                return Err(format!(
                    "{}: must be between 1 and {NODES_PER_ROLE_MAX}, got {n}",
                    role.plural()
                ));
            }
        }
        if self.node_count() > 16 {
            return Err(format!(
                "a world has at most 16 nodes, this one {}",
                self.node_count()
            ));
        }
        if self.store.is_none() && (self.values.is_empty() || self.values.len() > self.proposers) {
            return Err(format!(
                "values: need between 1 and {} values (one per proposer at most), got {}",
                self.proposers,
                self.values.len()
            ));
        }
        if self.ballots_max == 0 || self.ballots_max > BALLOTS_MAX {
            return Err(format!(
                "ballots_max: must be between 1 and {BALLOTS_MAX}, got {}",
                self.ballots_max
            ));
        }
        if self.ballots_max * self.proposers > 250 {
            return Err("ballots_max: ballots_max x proposers must stay below 250".into());
        }
        if self.crashes_max > 0 && self.may_crash.is_empty() {
            return Err("faults.may_crash: crashes_max > 0 but no role may crash".into());
        }
        Ok(())
    }

    pub fn count(&self, role: Role) -> usize {
        match role {
            Role::Proposer => self.proposers,
            Role::Acceptor => self.acceptors,
            Role::Learner => self.learners,
            Role::Client => self.store.as_ref().map_or(0, |s| s.clients.len()),
        }
    }

    pub fn node_count(&self) -> usize {
        self.proposers + self.acceptors + self.learners + self.count(Role::Client)
    }

    /// Whether this is a replicated-log world (`protocol = "multi-paxos"`).
    pub fn is_store(&self) -> bool {
        self.store.is_some()
    }

    /// The operations client `index` issues, one after the other (none outside a store).
    pub fn ops_of(&self, index: usize) -> &[Op] {
        self.store
            .as_ref()
            .and_then(|s| s.clients.get(index))
            .map_or(&[], |ops| ops.as_slice())
    }

    /// The role and the 0-based index within that role of node id `id`.
    pub fn role_of(&self, id: usize) -> (Role, usize) {
        if id < self.proposers {
            (Role::Proposer, id)
        } else if id < self.proposers + self.acceptors {
            (Role::Acceptor, id - self.proposers)
        } else if id < self.proposers + self.acceptors + self.learners {
            (Role::Learner, id - self.proposers - self.acceptors)
        } else {
            (
                Role::Client,
                id - self.proposers - self.acceptors - self.learners,
            )
        }
    }

    /// The node id of the `index`-th (0-based) node of `role`.
    pub fn id_of(&self, role: Role, index: usize) -> usize {
        match role {
            Role::Proposer => index,
            Role::Acceptor => self.proposers + index,
            Role::Learner => self.proposers + self.acceptors + index,
            Role::Client => self.proposers + self.acceptors + self.learners + index,
        }
    }

    /// The readable name of node `id`: `p1`, `a2`, `l1` (1-based).
    pub fn node_name(&self, id: usize) -> String {
        let (role, index) = self.role_of(id);
        format!("{}{}", role.letter(), index + 1)
    }

    /// The value proposer `index` proposes.
    pub fn value_of_proposer(&self, index: usize) -> crate::Value {
        (index % self.values.len()) as crate::Value
    }

    /// The tolerated number of acceptor failures, f = (n - 1) / 2.
    pub fn acceptor_faults_tolerated(&self) -> usize {
        (self.acceptors - 1) / 2
    }
}
