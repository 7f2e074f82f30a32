//! `paxos-lab new-variant NAME --hook H` and `new-variant --remove NAME`: the file edits
//! are `crate::new_variant`'s; this prints what was done and what to do next.

use std::io::Write;
use std::process::ExitCode;

use super::{CliError, NewVariantArgs};

pub fn run(args: &NewVariantArgs, out: &mut impl Write) -> Result<ExitCode, CliError> {
    if args.hook.as_deref() == Some("?") {
        writeln!(
            out,
            "the Rules hooks (models/src/rules.rs), handlers first:"
        )?;
        writeln!(out, "{}", crate::new_variant::hook_list())?;
        return Ok(ExitCode::SUCCESS);
    }
    if !args.remove {
        crate::new_variant::check_name(&args.name)?;
    }
    let root = crate::new_variant::repo_root(None)?;
    match &args.hook {
        Some(hook) if !args.remove => {
            let file = crate::new_variant::create(&root, &args.name, hook)?;
            writeln!(
                out,
                "wrote {} and registered `{}`",
                file.display(),
                args.name
            )?;
            writeln!(
                out,
                "next: edit its `{hook}` and header, then: cargo run --release -- check --variant {}",
                args.name
            )?;
        }
        _ => {
            let done = crate::new_variant::remove(&root, &args.name)?;
            for f in &done.removed {
                writeln!(out, "removed {f}")?;
            }
            for f in &done.edited {
                writeln!(out, "edited  {f} (its `{}` lines removed)", args.name)?;
            }
            writeln!(
                out,
                "`{}` is gone and reports/matrix.md is current without it; next: cargo test",
                args.name
            )?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
