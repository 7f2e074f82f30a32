//! `paxos-lab explore`: stateright's web Explorer over the same model `check` explores, on
//! 127.0.0.1. With `--trace`, it prints the Explorer address of that trace's path (the
//! Explorer addresses a state by the init index and the action indices that lead to it).

use std::io::Write;

use paxos_models::PaxosModel;
use stateright::Model;

use crate::cli::{find_variant, CliError, ExploreArgs};
use crate::report::ReportError;
use crate::scenario::Scenario;

/// The action indices of `trace` in `model` (`0/i1/i2/...`), as the Explorer's URL wants.
pub fn explorer_path(model: &PaxosModel, trace: &crate::report::trace::Trace) -> String {
    let mut path = String::from("0");
    let mut enabled = Vec::new();
    for (i, action) in trace.actions.iter().enumerate() {
        enabled.clear();
        model.actions(&trace.states[i], &mut enabled);
        let index = enabled
            .iter()
            .position(|a| a == action)
            .expect("a replayed trace's actions are enabled");
        path += &format!("/{index}");
    }
    path
}

pub fn run(args: &ExploreArgs, out: &mut impl Write) -> Result<(), CliError> {
    // A trace gets the same checks as `replay`: format, scenario and variant hashes, and
    // every action word one this world can have.
    let loaded = args
        .trace
        .as_deref()
        .map(crate::report::Loaded::open)
        .transpose()?;
    let (scenario, variant) = match &loaded {
        Some(l) => (l.scenario.clone(), l.variant),
        None => (
            Scenario::load(&args.scenario)?,
            find_variant(&args.variant)?,
        ),
    };
    let model = PaxosModel::new(scenario.cluster.clone(), variant.rules);
    let mut fragment = String::from("#/steps");
    if let (Some(l), Some(file)) = (&loaded, &args.trace) {
        let replayed = crate::report::replay_until(&model, &l.file.actions, l.property);
        if let Some((step, action, why)) = replayed.refused {
            return Err(CliError::Report(ReportError::Bad {
                file: file.display().to_string(),
                problem: format!(
                    "step {step} `{action}` is no longer possible with the current code: {why}"
                ),
                fix: "re-create the trace with `check` or `simulate`".into(),
            }));
        }
        fragment += &format!("/{}", explorer_path(&model, &replayed.trace));
    }
    let addr = format!("127.0.0.1:{}", args.port);
    // tiny_http panics on a port it cannot bind: try it first, so that is a one-line error;
    // and with --port 0 the port the kernel picked is the one printed and served.
    let probe = std::net::TcpListener::bind(&addr).map_err(|e| CliError::BadFlag {
        flag: "port",
        problem: format!("cannot listen on {addr}: {e}"),
        fix: "pass a free port, e.g. --port 3001".into(),
    })?;
    let addr = probe.local_addr()?.to_string();
    drop(probe);
    writeln!(
        out,
        "paxos-lab explore: variant {} on scenario {} at http://{addr}/{fragment} (Ctrl-C stops)",
        variant.name, scenario.name
    )?;
    out.flush()?;
    model.checker().serve(addr);
    Ok(())
}
