//! The explore page's HTTP API, against a real server on an ephemeral loopback port: the
//! world, the state at a path, taking a step, the shortest violation, a saved trace, and bad
//! requests (a clear error, never a panic).

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;

use paxos_lab::explore::{self, api::Explorer};
use serde_json::Value;

/// Serves `variant` on `scenario` on 127.0.0.1:0 in a thread; returns the address.
fn server(variant: &str, scenario: &str) -> SocketAddr {
    let explorer = Explorer::new(
        super::scenario(scenario),
        paxos_models::variant(variant).unwrap(),
    );
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || explore::serve(Arc::new(explorer), listener));
    addr
}

/// One HTTP request: (status, body).
fn request(addr: SocketAddr, method: &str, target: &str) -> (u16, String) {
    let mut s = TcpStream::connect(addr).unwrap();
    write!(
        s,
        "{method} {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut raw = String::new();
    s.read_to_string(&mut raw).unwrap();
    let status = raw.split(' ').nth(1).unwrap().parse().unwrap();
    let body = raw.split_once("\r\n\r\n").unwrap().1.to_string();
    (status, body)
}

fn get_json(addr: SocketAddr, target: &str) -> (u16, Value) {
    let (status, body) = request(addr, "GET", target);
    (
        status,
        serde_json::from_str(&body).unwrap_or_else(|e| panic!("{target}: {e}: {body}")),
    )
}

fn words(v: &Value, key: &str, field: &str) -> Vec<String> {
    v[key]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x[field].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn the_page_and_the_world_are_served() {
    let addr = server("paxos", "classic");
    let (status, page) = request(addr, "GET", "/");
    assert_eq!(status, 200);
    assert!(page.contains("<title>paxos-lab explore</title>"));
    // Everything is in the page: no script, style or font fetched from anywhere.
    assert!(
        !page.contains("src=") && !page.contains("<link") && !page.contains("@import"),
        "nothing loaded from elsewhere"
    );
    let (status, w) = get_json(addr, "/api/world");
    assert_eq!(status, 200);
    assert_eq!(
        words(&w, "lanes", "name"),
        ["p1", "p2", "a1", "a2", "a3", "l1", "l2"]
    );
    assert_eq!(w["variant"], "paxos");
    assert_eq!(w["start"], "");
}

#[test]
fn the_start_state_and_taking_a_step_in_protocol_words() {
    let addr = server("paxos", "classic");
    let (status, s) = get_json(addr, "/api/state?path=");
    assert_eq!(status, 200);
    assert_eq!(s["depth"], 0);
    assert!(s["steps"].as_array().unwrap().is_empty());
    let enabled = words(&s, "enabled", "word");
    assert_eq!(
        enabled.len(),
        6,
        "two Prepares to three acceptors: {enabled:?}"
    );
    assert_eq!(enabled[0], "p1 -> a1  Prepare(b=1)");
    let a1 = &s["nodes"][2];
    assert_eq!(a1["name"], "a1");
    assert_eq!(a1["fields"][0]["value"], "none", "a1 promised nothing yet");
    assert!(s["properties"]
        .as_array()
        .unwrap()
        .iter()
        .all(|p| p["status"] == "holds"));
    // Take `p1 -> a1  Prepare(b=1)`: a1 promises, durably, and the chart has its row.
    let (status, s) = get_json(addr, "/api/state?path=0&net=");
    assert_eq!(status, 200);
    assert_eq!(s["depth"], 1);
    let rows = s["steps"].as_array().unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["label"], "Prepare(b=1)");
    assert_eq!(
        (rows[0]["src"].as_u64(), rows[0]["dst"].as_u64()),
        (Some(0), Some(2))
    );
    let a1 = &s["nodes"][2];
    assert_eq!(
        a1["fields"][0],
        serde_json::json!({"field": "promised", "value": "1"})
    );
    assert_eq!(a1["durable"], "promised 1, accepted none");
    assert!(
        words(&s, "enabled", "word").contains(&"a1 -> p1  Promise(b=1, accepted=none)".to_string())
    );
}

#[test]
fn the_shortest_violation_is_one_request_away_and_its_state_says_why() {
    let addr = server("ignore-promised-value", "classic");
    let (status, v) = get_json(addr, "/api/shortest?property=conflict-resolution");
    assert_eq!(status, 200);
    assert_eq!(v["verdict"], "violated after 12 steps");
    let path = v["path"].as_str().unwrap().to_string();
    assert_eq!(path.split(',').count(), 12);
    let (_, s) = get_json(addr, &format!("/api/state?path={path}"));
    let violation = &s["violation"];
    assert_eq!(violation["property"], "conflict-resolution");
    assert_eq!(violation["step"], 12);
    let why = violation["why"].as_array().unwrap();
    assert!(
        why.iter().any(|l| l
            .as_str()
            .unwrap()
            .starts_with("Step 10: p2 (ballot 2) heard")),
        "{why:?}"
    );
    let chosen = words(&s, "chosen", "value");
    assert_eq!(chosen, ["\"red\"", "\"blue\""]);
    let cr = &s["properties"][1];
    assert_eq!(cr["status"], "violated");
    assert_eq!(cr["since_step"], 12);
    // The step before: nothing violated yet.
    let before: Vec<&str> = path.split(',').take(11).collect();
    let (_, s) = get_json(addr, &format!("/api/state?path={}", before.join(",")));
    assert!(s["violation"].is_null());
    // A property that holds has no path.
    let (_, v) = get_json(addr, "/api/shortest?property=no-takebacks");
    assert_eq!(v["verdict"], "holds");
    assert!(v["path"].is_null());
}

#[test]
fn bad_requests_get_a_clear_error_and_the_server_keeps_serving() {
    let addr = server("paxos", "classic");
    for (target, status, says) in [
        (
            "/api/state?path=0,99",
            400,
            "choice 2 of the path is step 99, but only",
        ),
        ("/api/state?path=x", 400, "`x`, is not a step number"),
        ("/api/state?path=0,,1", 400, "is not a step number"),
        (
            "/api/state?path=99999999999999999999999",
            400,
            "is not a step number",
        ),
        (
            "/api/shortest?property=liveness",
            400,
            "unknown property `liveness`",
        ),
        ("/nowhere", 404, "no page at `/nowhere`"),
    ] {
        let (got, v) = get_json(addr, target);
        assert_eq!(got, status, "{target}");
        assert!(v["error"].as_str().unwrap().contains(says), "{target}: {v}");
    }
    let (got, _) = request(addr, "POST", "/api/state?path=0");
    assert_eq!(got, 405);
    let (got, _) = get_json(addr, "/api/state?path=0");
    assert_eq!(got, 200, "still serving");
}

/// `explore --trace FILE` opens the saved trace (checked as `replay` checks it) at its first
/// step: the page's start is the trace's path.
#[test]
fn a_saved_trace_opens_at_its_first_step_with_its_path_ahead() {
    let dir = super::workdir("explore-trace");
    let out = super::run_in(&dir, &["check", "--variant", "ignore-promised-value"]);
    assert_eq!(out.status.code(), Some(1));
    let file = dir.join("reports/classic/ignore-promised-value/conflict-resolution.json");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_paxos-lab"))
        .args(["explore", "--port", "0", "--trace", file.to_str().unwrap()])
        .current_dir(&dir)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    // Kept open while the server runs: it prints a second line, where the trace ends.
    let mut reader = std::io::BufReader::new(child.stdout.take().unwrap());
    std::io::BufRead::read_line(&mut reader, &mut line).unwrap();
    let mut second = String::new();
    std::io::BufRead::read_line(&mut reader, &mut second).unwrap();
    assert!(
        second.contains("the trace's 12 steps are ahead"),
        "{second}"
    );
    let url = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("{line}"));
    let addr: SocketAddr = url
        .trim_start_matches("http://")
        .split('/')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let (_, w) = get_json(addr, "/api/world");
    child.kill().unwrap();
    let _ = child.wait();
    assert_eq!(w["variant"], "ignore-promised-value");
    let start = w["start"].as_str().unwrap();
    assert_eq!(start.split(',').count(), 12, "{start}");
    assert!(
        url.ends_with('/'),
        "the page opens at the first step: {url}"
    );
}

/// A trace file that is not one is refused before anything is served.
#[test]
fn a_corrupt_trace_is_refused_with_exit_2() {
    let dir = super::workdir("explore-bad-trace");
    let file = dir.join("bad.json");
    std::fs::write(&file, "{not json").unwrap();
    let out = super::run_in(
        &dir,
        &["explore", "--port", "0", "--trace", file.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.json"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
}

/// Percent-encodes a query value as a browser does.
fn enc(v: &str) -> String {
    v.bytes()
        .map(|c| match c {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b',' | b':' => (c as char).to_string(),
            _ => format!("%{c:02X}"),
        })
        .collect()
}

/// Partition lines ride along with the path: a delivery the partition in force holds is
/// shown held and cannot be taken, and fault tolerance is judged with the cut in force, so
/// a `check` trace that ends with a cut shows its violation here too.
#[test]
fn partitions_hold_deliveries_and_fault_tolerance_is_judged_with_the_cut() {
    let addr = server("accept-to-promisers-only", "classic");
    let cut = "PARTITION {a1} | {p1,p2,a2,a3,l1,l2}";
    let (status, s) = get_json(
        addr,
        &format!("/api/state?path=&net={}", enc(&format!("0:{cut}"))),
    );
    assert_eq!(status, 200, "{s}");
    let held: Vec<(String, bool)> = s["enabled"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["word"].as_str().unwrap().to_string(),
                e["held"].as_bool().unwrap(),
            )
        })
        .collect();
    assert!(
        held.contains(&("p1 -> a1  Prepare(b=1)".into(), true)),
        "{held:?}"
    );
    assert!(
        held.contains(&("p1 -> a2  Prepare(b=1)".into(), false)),
        "{held:?}"
    );
    let (status, v) = get_json(
        addr,
        &format!("/api/state?path=0&net={}", enc(&format!("0:{cut}"))),
    );
    assert_eq!(status, 400);
    assert!(
        v["error"]
            .as_str()
            .unwrap()
            .contains("the partition in force"),
        "{v}"
    );
    // check's fault-tolerance trace, with the cut it ends with.
    let (_, v) = get_json(addr, "/api/shortest?property=fault-tolerance");
    assert_eq!(v["verdict"], "violated after 3 steps");
    assert_eq!(
        v["net"].as_str().unwrap(),
        format!("3:{cut}"),
        "the cut comes with it"
    );
    let path = v["path"].as_str().unwrap();
    let (_, s) = get_json(
        addr,
        &format!("/api/state?path={path}&net={}", enc(&format!("3:{cut}"))),
    );
    let ft = &s["properties"][3];
    assert_eq!(ft["status"], "violated", "{ft}");
    assert!(
        ft["detail"].as_str().unwrap().contains("in force for good"),
        "{ft}"
    );
    assert_eq!(s["violation"]["property"], "fault-tolerance");
    assert_eq!(
        s["steps"].as_array().unwrap().last().unwrap()["kind"],
        "net"
    );
    // The same state with nothing cut off can still decide.
    let (_, s) = get_json(addr, &format!("/api/state?path={path}"));
    assert_eq!(s["properties"][3]["status"], "holds");
    for (net, says) in [
        ("PARTITION", "is not STEPS:LINE"),
        ("x:HEAL", "is not a number of steps"),
        ("0:PARTITION {a9} | {p1}", "no node `a9`"),
        ("0:BREAK", "is not a PARTITION, ONE-WAY CUT or HEAL line"),
        ("9:HEAL", "placed after 9 steps, but the path has 0"),
    ] {
        let (status, v) = get_json(addr, &format!("/api/state?path=&net={}", enc(net)));
        assert_eq!(status, 400, "{net}");
        assert!(v["error"].as_str().unwrap().contains(says), "{net}: {v}");
    }
}
