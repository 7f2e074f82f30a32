//! The reports a user reads: the four files `check` writes, the Mermaid and SVG diagrams,
//! colour, `--json`, `replay --step`, the narration's independence from variant names, and
//! the web Explorer.

use std::io::{Read, Write};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use paxos_lab::check::Verdict;
use paxos_models::{Ballot, PropertyName, Rules, Value};

use super::paxos_lab;

fn text(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("utf-8")
}

fn temp_dir(tag: &str) -> String {
    let dir = std::env::temp_dir().join(format!("paxos-lab-{tag}-{}", std::process::id()));
    dir.to_str().unwrap().to_string()
}

#[test]
fn check_writes_txt_json_md_and_svg_that_agree_with_the_terminal() {
    let d = temp_dir("files");
    let o = paxos_lab(&[
        "check",
        "--variant",
        "ignore-promised-value",
        "--report",
        &d,
        "--color",
        "never",
    ]);
    assert_eq!(o.status.code(), Some(1));
    let out = text(&o);
    assert!(!out.contains('\x1b'), "no colour when asked for none");
    for property in ["coherence", "conflict-resolution"] {
        for ext in ["json", "txt", "md", "svg"] {
            let path = format!("{d}/{property}.{ext}");
            assert!(std::path::Path::new(&path).exists(), "{path} written");
        }
        // The .txt is the terminal report: trace, chart and narration, without colour.
        let txt = std::fs::read_to_string(format!("{d}/{property}.txt")).unwrap();
        let body = &txt[txt.find("\n\n").unwrap() + 2..];
        assert!(
            out.contains(body),
            "{property}.txt is what the terminal showed"
        );
        assert!(body.contains("  sequence:\n") && body.contains("  why:\n"));

        // The SVG is well-formed XML with one arrow per delivered message.
        let svg = std::fs::read_to_string(format!("{d}/{property}.svg")).unwrap();
        let doc = roxmltree::Document::parse(&svg).expect("the SVG parses as XML");
        assert_eq!(doc.root_element().tag_name().name(), "svg");
        let arrows = doc
            .descendants()
            .filter(|n| n.has_tag_name("line") && n.attribute("marker-end").is_some())
            .count();
        let json: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(format!("{d}/{property}.json")).unwrap())
                .unwrap();
        let actions: Vec<&str> = json["actions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap())
            .collect();
        let deliveries = actions.iter().filter(|a| a.contains(" -> ")).count();
        assert_eq!(arrows, deliveries, "{property}: one SVG arrow per message");
        for node in ["p1", "p2", "a1", "a2", "a3", "l1", "l2"] {
            assert!(svg.contains(&format!(">{node}</text>")), "lane {node}");
        }

        // The Mermaid block names every node and draws each message step in order.
        let md = std::fs::read_to_string(format!("{d}/{property}.md")).unwrap();
        let start = md.find("```mermaid\n").expect("a mermaid block") + 11;
        let block = &md[start..start + md[start..].find("```").unwrap()];
        let mut lines = block.lines();
        assert_eq!(lines.next(), Some("sequenceDiagram"));
        let participants: Vec<&str> = block
            .lines()
            .filter_map(|l| l.trim().strip_prefix("participant "))
            .collect();
        assert_eq!(participants, ["p1", "p2", "a1", "a2", "a3", "l1", "l2"]);
        let arrows: Vec<(String, String)> = block
            .lines()
            .filter_map(|l| {
                let (head, _) = l.trim().split_once(": ")?;
                let (src, dst) = head.split_once("->>")?;
                Some((src.to_string(), dst.to_string()))
            })
            .collect();
        let expected: Vec<(String, String)> = actions
            .iter()
            .filter_map(|a| {
                let (src, rest) = a.split_once(" -> ")?;
                let dst = rest.split_whitespace().next()?;
                Some((src.to_string(), dst.to_string()))
            })
            .collect();
        assert_eq!(
            arrows, expected,
            "{property}: mermaid arrows follow the trace"
        );
        assert!(md.contains("## Why\n"), "the narration is in the markdown");
    }
}

#[test]
fn color_always_paints_and_never_does_not() {
    let painted = text(&paxos_lab(&[
        "check",
        "--variant",
        "minority-quorum",
        "--color",
        "always",
        "--report",
        &temp_dir("color"),
    ]));
    assert!(painted.contains("\x1b[1;31m"), "violations in red");
    // Piped output with the default (auto) is plain.
    let plain = text(&paxos_lab(&[
        "check",
        "--variant",
        "minority-quorum",
        "--report",
        &temp_dir("color"),
    ]));
    assert!(!plain.contains('\x1b'));
    let stripped = painted
        .split('\x1b')
        .enumerate()
        .map(|(i, part)| {
            if i == 0 {
                part
            } else {
                &part[part.find('m').unwrap() + 1..]
            }
        })
        .collect::<String>();
    let redact = |s: &str| {
        s.lines()
            .filter(|l| !l.contains("seconds="))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(
        redact(&stripped),
        redact(&plain),
        "colour adds nothing else"
    );
}

#[test]
fn json_documents_from_check_simulate_and_list() {
    let o = paxos_lab(&[
        "check",
        "--variant",
        "ignore-promised-value",
        "--json",
        "--report",
        &temp_dir("json"),
    ]);
    assert_eq!(o.status.code(), Some(1));
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).expect("one JSON document");
    assert_eq!(doc["command"], "check");
    assert_eq!(doc["exit_code"], 1);
    let cr = &doc["verdicts"][1];
    assert_eq!(cr["property"], "conflict-resolution");
    assert_eq!(cr["verdict"], "violated");
    assert_eq!(cr["steps"], 12);
    assert_eq!(cr["trace"].as_array().unwrap().len(), 12);
    assert!(cr["why"].as_array().unwrap().len() >= 2);
    assert_eq!(doc["verdicts"][3]["verdict"], "holds");

    let o = paxos_lab(&[
        "simulate",
        "--variant",
        "minority-quorum",
        "--json",
        "--report",
        &temp_dir("json"),
    ]);
    assert_eq!(o.status.code(), Some(1));
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).expect("one JSON document");
    assert_eq!(doc["command"], "simulate");
    assert!(doc["first"]["seed"].is_u64());
    assert!(doc["first"]["reproduce"]
        .as_str()
        .unwrap()
        .contains("--seed"));

    let o = paxos_lab(&["simulate", "--runs", "50", "--json"]);
    assert_eq!(o.status.code(), Some(0));
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).expect("one JSON document");
    assert_eq!(doc["runs"], 50);
    assert!(doc["first"].is_null());

    let o = paxos_lab(&["list", "--json"]);
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).expect("one JSON document");
    assert_eq!(doc["variants"][0]["name"], "paxos");
    assert_eq!(
        doc["properties"].as_array().unwrap().len(),
        PropertyName::ALL.len()
    );
}

#[test]
fn replay_step_prints_the_same_report_one_step_at_a_time() {
    let d = temp_dir("step");
    paxos_lab(&["check", "--variant", "minority-quorum", "--report", &d]);
    let file = format!("{d}/conflict-resolution.json");
    let whole = text(&paxos_lab(&["replay", &file]));
    let mut child = Command::new(env!("CARGO_BIN_EXE_paxos-lab"))
        .args(["replay", "--step", &file])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all("\n".repeat(40).as_bytes())
        .unwrap();
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(text(&o), whole, "stepping prints the same report");
    let prompts = String::from_utf8_lossy(&o.stderr)
        .matches("Enter: next step")
        .count();
    // One prompt after the start and after every step but the last block.
    assert!(prompts >= 10, "{prompts} prompts");
}

/// A proposer that ignores reported values, written here and registered nowhere: the
/// narration names the broken rule from the trace alone.
struct Unnamed;

impl Rules for Unnamed {
    fn value_to_propose(&self, own: Value, _reported: &[(Ballot, Value)]) -> Value {
        own
    }
}

#[test]
fn narration_comes_from_the_trace_not_from_a_variant_name() {
    let outcome = super::run("classic", &Unnamed);
    let model = paxos_models::PaxosModel::new(super::scenario("classic").cluster, &Unnamed);
    let Verdict::Violated(t) = &outcome.verdicts[1].verdict else {
        panic!("conflict-resolution is violated");
    };
    let why = paxos_lab::report::narrate::narrate(&model, t, PropertyName::ConflictResolution);
    assert!(
        why.iter()
            .any(|l| l.contains("the highest reported, but proposed its own \"blue\"")),
        "{why:#?}"
    );
    assert!(why
        .last()
        .unwrap()
        .starts_with("So conflict resolution fails"));
    // Correct Paxos on the same path would break no rule: none is reported for it.
    let paxos =
        paxos_models::PaxosModel::new(super::scenario("classic").cluster, &paxos_models::Correct);
    let same = paxos_lab::report::trace::replay_actions(&paxos, &t.actions[..5]).expect("replays");
    let quiet =
        paxos_lab::report::narrate::narrate(&paxos, &same, PropertyName::ConflictResolution);
    assert!(
        quiet.iter().all(|l| !l.contains("Paxos must")),
        "{quiet:#?}"
    );
}

fn http_get(port: u16, path: &str) -> Option<String> {
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(s, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").ok()?;
    let mut body = String::new();
    s.read_to_string(&mut body).ok()?;
    Some(body)
}

#[test]
fn explore_stateright_serves_stateright_s_explorer_page_and_status() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_paxos-lab"))
        .args([
            "explore",
            "--stateright",
            "--variant",
            "minority-quorum",
            "--port",
            &port.to_string(),
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let page = loop {
        if let Some(page) = http_get(port, "/") {
            break page;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "explore answers"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    let status = http_get(port, "/.status").unwrap_or_default();
    let states = http_get(port, "/.states/0").unwrap_or_default();
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(
        page.starts_with("HTTP/1.") && page.contains("200"),
        "{page:.200}"
    );
    assert!(
        page.contains("<html") || page.contains("<!DOCTYPE"),
        "the Explorer page"
    );
    let json = &status[status.find("\r\n\r\n").unwrap() + 4..];
    let status: serde_json::Value = serde_json::from_str(json).expect("/.status is JSON");
    assert!(status["properties"].as_array().unwrap().len() >= 3);
    assert!(states.contains("Prepare(b=1)"), "steps in protocol words");

    // With a saved trace it prints the Explorer address of that trace's path.
    let d = temp_dir("explore");
    paxos_lab(&["check", "--variant", "minority-quorum", "--report", &d]);
    let mut child = Command::new(env!("CARGO_BIN_EXE_paxos-lab"))
        .args(["explore", "--stateright", "--port", &port.to_string()])
        .args(["--trace", &format!("{d}/conflict-resolution.json")])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut first = String::new();
    let mut stdout = child.stdout.take().unwrap();
    let mut byte = [0u8; 1];
    while stdout.read(&mut byte).unwrap_or(0) == 1 && byte[0] != b'\n' {
        first.push(byte[0] as char);
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let path = first
        .split("/#/steps/")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("an Explorer address: {first}"));
    // The init index, then one action index per step of the 10-step trace.
    assert_eq!(path.split('/').count(), 11, "{first}");
}

#[test]
fn explore_with_a_taken_port_is_a_one_line_error() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let o = paxos_lab(&["explore", "--port", &port]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("--port") && err.contains("fix:"), "{err}");
}
