//! `paxos-lab`: model-check and simulate Paxos and deliberately broken variants of it.
//!
//! The library holds everything but the thin `main`, in the order of the flow: scenario
//! loading and validation ([`scenario`]), the exhaustive engines ([`check`]), the simulator
//! ([`sim`]), the report a user reads and replays ([`report`]: trace, charts,
//! narration, saved files), the Explorer ([`explore`]), and the command line ([`cli`]: one
//! file per subcommand).

pub mod bench;
pub mod check;
pub mod cli;
pub mod engine;
pub mod explore;
pub mod interrupt;
pub mod matrix;
pub mod mem;
pub mod new_variant;
pub mod progress;
pub mod report;
pub mod scenario;
pub mod sim;
