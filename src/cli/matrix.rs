//! `paxos-lab matrix [--write]`: every variant in every scenario it is meant for, printed,
//! and with `--write` saved as reports/matrix.md (under the current directory or --root).

use std::io::Write;
use std::process::ExitCode;

use super::{CliError, MatrixArgs};

pub fn run(args: &MatrixArgs, out: &mut impl Write) -> Result<ExitCode, CliError> {
    super::check_threads(args.threads)?;
    if args.write {
        // Before a minute of checks, not after it.
        crate::report::check_writable(std::path::Path::new("reports"))?;
    }
    let m = crate::matrix::run(args.threads, &mut |i, n, v, s| {
        eprintln!("matrix: [{i}/{n}] {v} on {s}");
    })?;
    if let Some(sig) = crate::interrupt::signal() {
        eprintln!(
            "interrupted by {}: {} cells started, none of their verdicts is kept; nothing is proven and reports/matrix.md was not written (exit {})",
            crate::interrupt::name(sig),
            m.cells.len(),
            128 + sig
        );
        return Ok(ExitCode::from((128 + sig) as u8));
    }
    writeln!(out, "{}", m.render(true))?;
    writeln!(out, "cells={} seconds={:.1}", m.cells.len(), m.seconds)?;
    if args.write {
        let dir = std::path::Path::new("reports");
        let path = crate::report::write_atomic(dir, "matrix.md", &m.file())?;
        writeln!(out, "wrote {}", path.display())?;
    }
    let ok = m.all_match();
    writeln!(
        out,
        "verdict: {} (exit {})",
        if ok {
            "every variant breaks exactly what it declares"
        } else {
            "MISMATCH between what variants declare and what they break"
        },
        if ok { 0 } else { 1 }
    )?;
    Ok(ExitCode::from(if ok { 0 } else { 1 }))
}
