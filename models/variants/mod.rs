//! The broken variants, one file each. Each file opens with the header STYLE.md asks for
//! (Bug, Violates, Why, Counterexample, Reference) and exports a `VARIANT` that the
//! registry (`src/registry.rs`) lists.

pub mod ignore_promised_value;
pub mod volatile_acceptor;
