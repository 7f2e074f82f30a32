//! The `paxos-lab` binary: parse, run, print errors as one line, exit with the code the run
//! chose (0 holds, 1 violated, 2 bad input, 3 inconclusive).

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = paxos_lab::cli::Cli::parse();
    match paxos_lab::cli::run(cli).map_err(anyhow::Error::from) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(2)
        }
    }
}
