//! The `paxos-lab` binary: parse, run, print errors as one line, exit with the code the run
//! chose (0 holds, 1 violated, 2 bad input, 3 inconclusive).

use std::process::ExitCode;

use clap::Parser;

/// The checker clones and drops millions of small states; glibc's malloc spent half the run
/// in `malloc`/`free` (perf). mimalloc's thread-local free lists take that to a fraction.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    paxos_lab::interrupt::install();
    let cli = match paxos_lab::cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => return paxos_lab::cli::usage_error(&err),
    };
    match paxos_lab::cli::run(cli).map_err(anyhow::Error::from) {
        Ok(code) => code,
        Err(err) => {
            // Every error's text already holds its cause: `{:#}` would print it twice.
            eprintln!("error: {err}");
            if std::env::args().any(|a| a == "--json") {
                println!("{}", paxos_lab::cli::error_json(&err.to_string()));
            }
            ExitCode::from(2)
        }
    }
}
