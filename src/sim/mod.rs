//! The seeded random simulator. One run is a random walk over the same
//! `Model::actions`/`next_state` the exhaustive checker uses, driven by one
//! `rand_chacha::ChaCha8Rng` seeded from a `u64`; a batch of N runs is seeds
//! `seed..seed+N`. Every choice comes from the run's own generator (through `next_u64`, not
//! `random_range`, whose algorithm rand does not promise to keep), so a seed alone
//! reproduces a run, whatever the thread count.
//!
//! Faults are injected with per-scenario probabilities (drop, duplicate, crash, restart),
//! or, with `--swarm`, with a mix each run draws from its own seed (swarm testing). A
//! violating run is shrunk by delta debugging, every candidate re-checked by replay.

mod batch;
mod mix;
mod run;
pub mod shard;
mod shrink;

pub use batch::{mix_for, simulate, Batch, SimCfg, SimProgress};
pub use mix::FaultMix;
pub use run::{fault_steps, walk, words, End, NetEvent, Run};
pub use shrink::{shrink, shrink_run, Shrunk};
