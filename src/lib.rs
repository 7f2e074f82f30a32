//! `paxos-lab`: model-check and simulate Paxos and deliberately broken variants of it.
//!
//! The library holds everything but the thin `main`: scenario loading and validation
//! ([`scenario`]), the exhaustive engines ([`check`]), counterexample traces ([`trace`]) and
//! the command-line interface ([`cli`]).

pub mod bench;
pub mod chart;
pub mod check;
pub mod cli;
pub mod cli_simulate;
pub mod explore;
pub mod interrupt;
pub mod matrix;
pub mod mem;
pub mod narrate;
pub mod new_variant;
pub mod progress;
pub mod report;
pub mod scenario;
pub mod simulate;
pub mod story;
pub mod trace;
