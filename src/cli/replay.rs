//! `paxos-lab replay FILE.json [--step]`: load a saved trace (checked against the current
//! scenario, variant and world), replay it, and say whether the violation is still there,
//! at which step, or which step is no longer possible and why.

use std::io::Write;

use paxos_models::PropertyName;

use super::{CliError, ReplayArgs};
use crate::report::trace;

/// `paxos-lab replay FILE.json`: re-runs a saved trace against the current code.
pub fn run(args: &ReplayArgs, out: &mut impl Write, color: bool) -> Result<u8, CliError> {
    let file = args.file.as_path();
    let loaded = crate::report::Loaded::open(file)?;
    let (t, scenario, variant, property, model) = (
        &loaded.file,
        &loaded.scenario,
        loaded.variant,
        loaded.property,
        &loaded.model,
    );
    writeln!(
        out,
        "paxos-lab replay: {} ({} on {}, engine {}{}, {} steps)",
        file.display(),
        variant.name,
        scenario.name,
        t.engine,
        t.seed.map(|s| format!(", seed {s}")).unwrap_or_default(),
        t.steps()
    )?;
    let replayed = crate::report::replay_until(model, &t.actions, property);
    let trace = &replayed.trace;
    let last = trace.states.last().expect("the initial state");
    // Fault tolerance is not a predicate of one state: its trace ends where no decision can
    // be reached any more (with the partition of its last line, if any, in force for good:
    // the minority cut off), so that is what is searched again from the last state.
    let violated = if property == PropertyName::FaultTolerance {
        replayed.refused.is_none()
            && crate::check::decision_reachable_from(
                model,
                last,
                trace.partition_at_end(),
                8_000_000,
            ) == Some(false)
    } else {
        crate::check::violates(model, property, last)
    };
    if violated {
        let at = trace.actions.len();
        let text = crate::report::story::text(model, trace, property);
        if args.step {
            step_through(out, &text, color)?;
        } else {
            super::emit(out, &text, color)?;
        }
        writeln!(out)?;
        if at < t.steps() {
            writeln!(
                out,
                "note: the file goes on for {} more step(s) after the violation; they are not replayed",
                t.steps() - at
            )?;
        }
        writeln!(
            out,
            "verdict: still violated: {} after {} steps (exit 1)",
            property.name(),
            at
        )?;
        return Ok(1);
    }
    let text = trace::render(model, trace, None);
    if args.step {
        step_through(out, &text, color)?;
    } else {
        super::emit(out, &text, color)?;
    }
    writeln!(out)?;
    if let Some((step, action, why)) = &replayed.refused {
        writeln!(
            out,
            "the recorded path is no longer possible: step {step} `{action}` is not enabled with the current code: {why}"
        )?;
        writeln!(
            out,
            "verdict: {} not violated on the {} step(s) that still replay (run `paxos-lab check` to look for other paths) (exit 0)",
            property.name(),
            step - 1
        )?;
    } else {
        writeln!(
            out,
            "verdict: {} now holds on this path (exit 0)",
            property.name()
        )?;
    }
    Ok(0)
}

/// `replay --step`: prints the report one step at a time, waiting for Enter between steps
/// (`q` then Enter prints the rest at once; at the end of input it no longer waits).
fn step_through(out: &mut impl Write, text: &str, color: bool) -> Result<(), CliError> {
    let mut blocks: Vec<String> = Vec::new();
    let mut stepping = true;
    for line in text.split_inclusive('\n') {
        // A step starts at a line whose number column is filled: "  12  p1 -> a1 ...".
        let starts_step = stepping
            && line.len() > 2
            && line[2..]
                .trim_start()
                .starts_with(|c: char| c.is_ascii_digit());
        if line.trim() == "sequence:" {
            stepping = false;
            blocks.push(String::new());
        }
        if starts_step || blocks.is_empty() {
            blocks.push(String::new());
        }
        blocks.last_mut().expect("a block").push_str(line);
    }
    let stdin = std::io::stdin();
    let mut waiting = true;
    let count = blocks.len();
    for (i, block) in blocks.into_iter().enumerate() {
        super::emit(out, &block, color)?;
        out.flush()?;
        if waiting && i + 1 < count {
            eprint!("-- Enter: next step, q: the rest --");
            let mut answer = String::new();
            let read = stdin.read_line(&mut answer)?;
            eprintln!();
            if read == 0 || answer.trim() == "q" {
                waiting = false;
            }
        }
    }
    Ok(())
}
