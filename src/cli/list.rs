//! `paxos-lab list`: the variants (with the scenarios each is meant for), the scenarios
//! and the properties, as aligned columns or one JSON document.

use std::io::Write;

use paxos_models::{PropertyName, VARIANTS};

use super::{CliError, ListArgs};
use crate::scenario::{self, Scenario};

pub fn run(args: &ListArgs, out: &mut impl Write) -> Result<(), CliError> {
    if args.json {
        list_json(out)
    } else {
        list(out)
    }
}

fn list_json(out: &mut impl Write) -> Result<(), CliError> {
    let variants: Vec<serde_json::Value> = VARIANTS
        .iter()
        .map(|v| {
            serde_json::json!({
                "name": v.name,
                "summary": v.summary,
                "violates": v.violates.iter().map(|p| p.name()).collect::<Vec<_>>(),
                "declared": v.declared,
                "exposed_by": v.exposed_by,
                "scenarios": v.scenarios,
            })
        })
        .collect();
    let scenarios: Vec<serde_json::Value> = scenario::list()
        .into_iter()
        .map(|name| match Scenario::load(&name) {
            Ok(s) => serde_json::json!({
                "name": name, "file": s.file, "hash": s.hash, "description": s.description,
            }),
            Err(e) => serde_json::json!({ "name": name, "error": e.to_string() }),
        })
        .collect();
    let properties: Vec<serde_json::Value> = PropertyName::ALL
        .iter()
        .map(|p| serde_json::json!({ "name": p.name(), "summary": p.summary() }))
        .collect();
    let doc = serde_json::json!({
        "command": "list",
        "variants": variants,
        "scenarios": scenarios,
        "properties": properties,
    });
    writeln!(out, "{}", serde_json::to_string_pretty(&doc).expect("json"))?;
    Ok(())
}

fn list(out: &mut impl Write) -> Result<(), CliError> {
    let scenarios = scenario::list();
    let width = VARIANTS
        .iter()
        .map(|v| v.name.len())
        .chain(scenarios.iter().map(String::len))
        .chain(PropertyName::ALL.iter().map(|p| p.name().len()))
        .max()
        .unwrap_or(0)
        + 2;
    writeln!(out, "variants:")?;
    for v in VARIANTS {
        writeln!(out, "  {:<width$}{}", v.name, v.summary)?;
        let meant = if v.scenarios.is_empty() {
            "every scenario".to_string()
        } else {
            v.scenarios.join(", ")
        };
        writeln!(out, "  {:<width$}meant for: {meant}", "")?;
    }
    writeln!(out, "scenarios:")?;
    for name in &scenarios {
        match Scenario::load(name) {
            Ok(s) => writeln!(out, "  {:<width$}{}", name, s.description)?,
            Err(e) => writeln!(out, "  {:<width$}(invalid: {e})", name)?,
        }
    }
    writeln!(out, "properties:")?;
    for p in PropertyName::ALL {
        writeln!(out, "  {:<width$}{}", p.name(), p.summary())?;
    }
    Ok(())
}
