//! Message sequence charts of a trace, one lane per node: ASCII for the terminal and the
//! `.txt` report, a Mermaid `sequenceDiagram` for the `.md` report, and a standalone SVG.
//! All three draw the same [`Row`]s, so they never disagree with each other or with the
//! numbered trace.

use std::fmt::Write as _;

use paxos_models::describe;
use paxos_models::{ClusterCfg, PaxosModel, PropertyName};
use stateright::actor::ActorModelAction;

use crate::report::trace::{self, Trace};

/// What one step draws (as JSON for the explore page: `{"kind": "msg", ...}`).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Row {
    /// A message from `src` to `dst`: delivered, delivered again (`dup`), or lost (`drop`).
    Msg {
        step: usize,
        src: usize,
        dst: usize,
        label: String,
        dup: bool,
        drop: bool,
    },
    /// Something that happens at one node: `CRASH`, `RESTART`, `timeout`.
    Local {
        step: usize,
        node: usize,
        label: String,
    },
    /// The simulator's network changing shape before step `before`: a partition (`cut`:
    /// per node, its group, 0 or 1) or a heal (`cut` empty), with its trace line.
    Net {
        before: usize,
        cut: Vec<u8>,
        label: String,
    },
}

/// The rows of `trace`: one per step, with a row for each partition and heal before the step
/// it precedes.
pub fn rows(cfg: &ClusterCfg, trace: &Trace) -> Vec<Row> {
    let net = |before: usize, e: &crate::sim::NetEvent| Row::Net {
        before,
        cut: match e {
            crate::sim::NetEvent::Partition { groups, .. } => (0..cfg.node_count())
                .map(|i| u8::from(groups[1].contains(&i)))
                .collect(),
            crate::sim::NetEvent::Heal => Vec::new(),
        },
        label: e.describe(cfg),
    };
    let mut out = Vec::new();
    for (i, action) in trace.actions.iter().enumerate() {
        out.extend(trace.events_before(i).map(|e| net(i + 1, e)));
        out.push({
            let step = i + 1;
            match action {
                ActorModelAction::Deliver { src, dst, msg } => Row::Msg {
                    step,
                    src: usize::from(*src),
                    dst: usize::from(*dst),
                    label: describe::msg(cfg, msg),
                    dup: trace::is_duplicate(trace, i),
                    drop: false,
                },
                ActorModelAction::Drop(env) => Row::Msg {
                    step,
                    src: usize::from(env.src),
                    dst: usize::from(env.dst),
                    label: describe::msg(cfg, &env.msg),
                    dup: false,
                    drop: true,
                },
                ActorModelAction::Timeout(id, _) => Row::Local {
                    step,
                    node: usize::from(*id),
                    label: if cfg.role_of(usize::from(*id)).0 == paxos_models::Role::Client {
                        "invoke next operation".into()
                    } else {
                        "timeout: new ballot".into()
                    },
                },
                ActorModelAction::Crash(id) => Row::Local {
                    step,
                    node: usize::from(*id),
                    label: "CRASH".into(),
                },
                ActorModelAction::Recover(id) => Row::Local {
                    step,
                    node: usize::from(*id),
                    label: "RESTART".into(),
                },
                ActorModelAction::SelectRandom { actor, .. } => Row::Local {
                    step,
                    node: usize::from(*actor),
                    label: "random choice".into(),
                },
            }
        });
    }
    // A partition after the last step: the cut a fault-tolerance trace ends with.
    out.extend(
        trace
            .events_before(trace.len())
            .map(|e| net(trace.len() + 1, e)),
    );
    out
}

/// The fault mark before a message's label.
fn mark(dup: bool, drop: bool) -> &'static str {
    if drop {
        "DROP "
    } else if dup {
        "DUP "
    } else {
        ""
    }
}

const LANE: usize = 4;

/// The ASCII chart: a header of node names, then one line per step with the message drawn
/// from sender (`o`) to receiver (`>` or `<`; `x` when lost) and its label on the right.
pub fn ascii(model: &PaxosModel, trace: &Trace, violated: Option<PropertyName>) -> String {
    let cfg = model.cfg();
    let n = cfg.node_count();
    let width = trace.len().to_string().len().max(2);
    let mut out = String::new();
    let mut header = String::new();
    for i in 0..n {
        let _ = write!(header, "{:<LANE$}", cfg.node_name(i));
    }
    let _ = writeln!(out, "  {:>width$}  {}", "", header.trim_end());
    for row in rows(cfg, trace) {
        let mut lanes: Vec<char> = (0..(n - 1) * LANE + 1)
            .map(|x| if x % LANE == 0 { '|' } else { ' ' })
            .collect();
        let (step, label) = match &row {
            Row::Msg {
                step,
                src,
                dst,
                label,
                dup,
                drop,
            } => {
                let (xs, xd) = (src * LANE, dst * LANE);
                let (lo, hi) = (xs.min(xd), xs.max(xd));
                for c in &mut lanes[lo + 1..hi] {
                    *c = '-';
                }
                lanes[xs] = 'o';
                lanes[xd] = if *drop {
                    'x'
                } else if xd > xs {
                    '>'
                } else {
                    '<'
                };
                let mark = mark(*dup, *drop);
                (*step, format!("{mark}{label}"))
            }
            Row::Local { step, node, label } => {
                lanes[node * LANE] = match label.as_str() {
                    "CRASH" => 'X',
                    "RESTART" => 'R',
                    _ => 'T',
                };
                (*step, format!("{label} {}", cfg.node_name(*node)))
            }
            Row::Net { cut, label, .. } => {
                // `=` across the lanes; each node's lane shows its group (`a`/`b`) while
                // a partition is in force.
                for (x, c) in lanes.iter_mut().enumerate() {
                    *c = if x % LANE == 0 {
                        cut.get(x / LANE)
                            .map_or('|', |g| if *g == 0 { 'a' } else { 'b' })
                    } else {
                        '='
                    };
                }
                let lanes: String = lanes.into_iter().collect();
                let _ = writeln!(out, "  {:>width$}  {lanes}   {label}", "--");
                continue;
            }
        };
        let lanes: String = lanes.into_iter().collect();
        let _ = writeln!(out, "  {step:>width$}  {lanes}   {label}");
    }
    if let Some(p) = violated {
        let _ = writeln!(out, "  {:>width$}  VIOLATED {}", "^^", p.name());
    }
    out
}

/// A Mermaid `sequenceDiagram` block (without the fence).
pub fn mermaid(model: &PaxosModel, trace: &Trace, violated: Option<PropertyName>) -> String {
    let cfg = model.cfg();
    let mut out = String::from("sequenceDiagram\n");
    for i in 0..cfg.node_count() {
        let _ = writeln!(out, "    participant {}", cfg.node_name(i));
    }
    // Mermaid ends a message at ';' and reads '#' as an entity: spell both as entities.
    let text = |s: &str| {
        s.replace('#', "#35;")
            .replace(';', "#59;")
            .replace('<', "#lt;")
            .replace('>', "#gt;")
    };
    for row in rows(cfg, trace) {
        match row {
            Row::Msg {
                step,
                src,
                dst,
                label,
                dup,
                drop,
            } => {
                let arrow = if drop { "-x" } else { "->>" };
                let mark = mark(dup, drop);
                let _ = writeln!(
                    out,
                    "    {}{arrow}{}: {step}. {mark}{}",
                    cfg.node_name(src),
                    cfg.node_name(dst),
                    text(&label)
                );
            }
            Row::Local { step, node, label } => {
                let _ = writeln!(
                    out,
                    "    Note over {}: {step}. {}",
                    cfg.node_name(node),
                    text(&label)
                );
            }
            Row::Net { label, .. } => {
                let _ = writeln!(
                    out,
                    "    Note over {},{}: {}",
                    cfg.node_name(0),
                    cfg.node_name(cfg.node_count() - 1),
                    text(&label)
                );
            }
        }
    }
    if let Some(p) = violated {
        let _ = writeln!(
            out,
            "    Note over {},{}: VIOLATED {}",
            cfg.node_name(0),
            cfg.node_name(cfg.node_count() - 1),
            p.name()
        );
    }
    out
}

fn xml(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A standalone SVG sequence diagram: lanes with node names, one arrow per message step,
/// markers for crashes, restarts and timeouts, and the violated property at the bottom.
pub fn svg(model: &PaxosModel, trace: &Trace, violated: Option<PropertyName>) -> String {
    const GAP: usize = 110;
    const ROW: usize = 34;
    const LEFT: usize = 50;
    const TOP: usize = 50;
    let cfg = model.cfg();
    let n = cfg.node_count();
    let rows = rows(cfg, trace);
    let width = LEFT + n * GAP;
    // The values chosen at the end (which ballot, which acceptors), under the chart.
    let chosen: Vec<String> = trace
        .states
        .last()
        .map(|last| {
            paxos_models::properties::chosen(&last.obs, model.chosen_quorum())
                .iter()
                .map(|&(b, v, mask)| {
                    let by: Vec<String> = (0..cfg.acceptors)
                        .filter(|a| mask & (1 << a) != 0)
                        .map(|a| cfg.node_name(cfg.id_of(paxos_models::Role::Acceptor, a)))
                        .collect();
                    format!(
                        "chosen {} in b={} by {}",
                        describe::value(cfg, v),
                        describe::ballot(b),
                        by.join(", ")
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let height = TOP + (rows.len() + 2 + chosen.len()) * ROW;
    let x = |i: usize| LEFT + GAP / 2 + i * GAP;
    let mut out = String::new();
    let _ = writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="monospace" font-size="11">"#
    );
    out.push_str(
        r#"  <defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z"/></marker></defs>
"#,
    );
    let _ = writeln!(
        out,
        r#"  <rect x="0" y="0" width="{width}" height="{height}" fill="white"/>"#
    );
    let bottom = height - ROW / 2;
    for i in 0..n {
        let _ = writeln!(
            out,
            r#"  <text x="{}" y="{}" text-anchor="middle" font-weight="bold">{}</text>"#,
            x(i),
            TOP - 20,
            xml(&cfg.node_name(i))
        );
        let _ = writeln!(
            out,
            r##"  <line x1="{0}" y1="{1}" x2="{0}" y2="{2}" stroke="#999" stroke-dasharray="4 3"/>"##,
            x(i),
            TOP - 12,
            bottom
        );
    }
    // A safety trace ends at its first violating state: its last step is the one that broke
    // the property, marked as the explore page marks it.
    let breaking = match violated {
        Some(p) if p != PropertyName::FaultTolerance && !trace.is_empty() => Some(trace.len()),
        _ => None,
    };
    for (r, row) in rows.iter().enumerate() {
        let y = TOP + (r + 1) * ROW;
        match row {
            Row::Msg { step, .. } | Row::Local { step, .. } => {
                if Some(*step) == breaking {
                    let _ = writeln!(
                        out,
                        r##"  <rect x="0" y="{}" width="{width}" height="{}" fill="#fde3e0"/>"##,
                        y - ROW / 2 - 2,
                        ROW - 4
                    );
                }
                let _ = writeln!(out, r#"  <text x="8" y="{}">{step}</text>"#, y + 4);
            }
            Row::Net { .. } => {}
        }
        match row {
            Row::Msg {
                src,
                dst,
                label,
                dup,
                drop,
                ..
            } => {
                let colour = if *drop {
                    "#c62828"
                } else if *dup {
                    "#ef6c00"
                } else {
                    "#1a237e"
                };
                let (x1, x2) = (x(*src), x(*dst));
                let dash = if *drop {
                    r#" stroke-dasharray="6 4""#
                } else {
                    ""
                };
                let _ = writeln!(
                    out,
                    r#"  <line x1="{x1}" y1="{y}" x2="{x2}" y2="{y}" stroke="{colour}" stroke-width="1.5" marker-end="url(#arrow)"{dash}/>"#
                );
                let mark = mark(*dup, *drop);
                let text = format!("{mark}{label}");
                // A white band behind the label keeps it readable over the lanes (monospace
                // at 11 px is about 6.6 px a character).
                let w = text.chars().count() * 66 / 10 + 6;
                let _ = writeln!(
                    out,
                    r#"  <rect x="{}" y="{}" width="{w}" height="13" fill="white" fill-opacity="0.9"/>"#,
                    (x1 + x2) / 2 - w / 2,
                    y - 15
                );
                let _ = writeln!(
                    out,
                    r#"  <text x="{}" y="{}" text-anchor="middle" fill="{colour}">{}</text>"#,
                    (x1 + x2) / 2,
                    y - 5,
                    xml(&text)
                );
            }
            Row::Local { node, label, .. } => {
                let colour = if label == "CRASH" {
                    "#c62828"
                } else {
                    "#2e7d32"
                };
                let _ = writeln!(
                    out,
                    r#"  <rect x="{}" y="{}" width="16" height="16" fill="{colour}"/>"#,
                    x(*node) - 8,
                    y - 8
                );
                let _ = writeln!(
                    out,
                    r#"  <text x="{}" y="{}" fill="{colour}">{}</text>"#,
                    x(*node) + 12,
                    y + 4,
                    xml(label)
                );
            }
            Row::Net { cut, label, .. } => {
                // A dashed purple rule across every lane, the groups' letters on the lanes.
                let colour = "#6a1b9a";
                let _ = writeln!(
                    out,
                    r#"  <line x1="{}" y1="{y}" x2="{}" y2="{y}" stroke="{colour}" stroke-width="2" stroke-dasharray="8 4"/>"#,
                    LEFT,
                    width - 10
                );
                for (i, g) in cut.iter().enumerate() {
                    let _ = writeln!(
                        out,
                        r#"  <circle cx="{}" cy="{y}" r="7" fill="{}"/>"#,
                        x(i),
                        if *g == 0 { "#ce93d8" } else { "#80cbc4" }
                    );
                }
                let w = label.chars().count() * 66 / 10 + 6;
                let _ = writeln!(
                    out,
                    r#"  <rect x="{}" y="{}" width="{w}" height="13" fill="white" fill-opacity="0.9"/>"#,
                    width / 2 - w / 2,
                    y - 17
                );
                let _ = writeln!(
                    out,
                    r#"  <text x="{}" y="{}" text-anchor="middle" fill="{colour}" font-weight="bold">{}</text>"#,
                    width / 2,
                    y - 7,
                    xml(label)
                );
            }
        }
    }
    if let Some(p) = violated {
        let _ = writeln!(
            out,
            r##"  <text x="{}" y="{}" text-anchor="middle" fill="#c62828" font-weight="bold">VIOLATED {}</text>"##,
            width / 2,
            TOP + (rows.len() + 1) * ROW + 4,
            xml(&match breaking {
                Some(step) => format!("{} at step {step}", p.name()),
                None => p.name().to_string(),
            })
        );
    }
    for (k, line) in chosen.iter().enumerate() {
        let _ = writeln!(
            out,
            r##"  <text x="{}" y="{}" text-anchor="middle" fill="#1b5e20">{}</text>"##,
            width / 2,
            TOP + (rows.len() + 2 + k) * ROW + 4,
            xml(line)
        );
    }
    out.push_str("</svg>\n");
    out
}
