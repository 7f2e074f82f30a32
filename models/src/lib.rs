//! `paxos-models`: single-decree Paxos as stateright actors, the `Rules` hooks that broken
//! variants override, the harness that records what the outside world observed, and the four
//! consensus properties (coherence, conflict resolution, no-takebacks, fault tolerance).
//!
//! This crate is pure and deterministic: no I/O, no clock, no OS randomness, and no
//! `HashMap`/`HashSet` iteration that could decide anything. Everything a run does follows
//! from the [`ClusterCfg`], the [`Rules`] and the sequence of actions taken.

pub mod cfg;
pub mod describe;
pub mod model;
pub mod node;
pub mod properties;
pub mod registry;
pub mod replication;
pub mod rules;
pub mod store;
pub mod symmetry;
pub mod types;
#[path = "../variants/mod.rs"]
pub mod variants;

pub use cfg::{ClusterCfg, Delivery, Role, RoleSet};
pub use model::{Mode, Obs, PaxosModel, PaxosState};
pub use node::{AcceptorState, LearnerState, Node, NodeState, ProposerState};
pub use properties::PropertyName;
pub use registry::{variant, Variant, VARIANTS};
pub use rules::{Correct, Rules};
pub use types::{Ballot, Msg, Timer, Value, Vote};
