//! Property tests (proptest): arbitrary bytes, and arbitrary mutations of valid scenario and
//! trace files, never panic the loaders, the replay or the report; they load, or they are
//! refused with an error (exit 2), and a loaded trace replays to a verdict (exit 0 or 1).

use std::path::PathBuf;

use paxos_lab::report::Loaded;
use paxos_lab::scenario::Scenario;
use proptest::prelude::*;

const CLASSIC: &str = include_str!("../../scenarios/classic.toml");
const CRASH: &str = include_str!("../../scenarios/crash-restart.toml");

/// A mutation of `text`: bytes replaced, inserted or deleted at arbitrary places.
fn mutate(text: &str, edits: &[(usize, u8, u8)]) -> Vec<u8> {
    let mut bytes = text.as_bytes().to_vec();
    for &(at, kind, byte) in edits {
        let at = at % (bytes.len() + 1);
        match kind % 3 {
            0 if at < bytes.len() => bytes[at] = byte,
            1 => bytes.insert(at, byte),
            _ if at < bytes.len() => {
                bytes.remove(at);
            }
            _ => {}
        }
    }
    bytes
}

fn temp(name: &str, bytes: &[u8]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("paxos-lab-fuzz-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

/// A real trace of classic (ignore-promised-value's conflict-resolution counterexample),
/// found once.
fn trace_text() -> &'static str {
    static TEXT: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    TEXT.get_or_init(find_trace)
}

fn find_trace() -> String {
    let v = paxos_models::registry::variant("ignore-promised-value").unwrap();
    let s = super::scenario("classic");
    let outcome = super::run("classic", v.rules);
    let paxos_lab::check::Verdict::Violated(t) = &outcome.verdicts[1].verdict else {
        panic!("a violation")
    };
    paxos_lab::report::TraceFile::new(
        &s,
        v,
        "bfs",
        None,
        paxos_models::PropertyName::ConflictResolution,
        t,
    )
    .to_text()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_scenario_bytes_load_or_are_refused(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let text = String::from_utf8_lossy(&bytes);
        let _ = Scenario::parse("fuzz", "fuzz.toml", &text);
    }

    #[test]
    fn mutated_scenarios_load_or_are_refused_with_one_line(
        edits in proptest::collection::vec((any::<usize>(), any::<u8>(), any::<u8>()), 1..6),
        base in 0..2usize,
    ) {
        let text = if base == 0 { CLASSIC } else { CRASH };
        let bytes = mutate(text, &edits);
        match Scenario::parse("fuzz", "fuzz.toml", &String::from_utf8_lossy(&bytes)) {
            Ok(s) => prop_assert!(s.cluster.check().is_ok()),
            Err(e) => {
                let line = e.to_string();
                prop_assert!(!line.contains('\n'), "{}", line);
                prop_assert!(line.contains("fix:"), "{}", line);
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn mutated_traces_are_refused_or_replay_to_a_verdict(
        edits in proptest::collection::vec((any::<usize>(), any::<u8>(), any::<u8>()), 1..5),
    ) {
        let text = trace_text();
        let path = temp("mutated.json", &mutate(text, &edits));
        match Loaded::open(&path) {
            Ok(l) => {
                let r = paxos_lab::report::replay_until(&l.model, &l.file.actions, l.property);
                // The report of whatever replayed renders without a panic.
                let _ = paxos_lab::report::story::text(&l.model, &r.trace, l.property);
            }
            Err(e) => prop_assert!(!e.to_string().contains('\n'), "{:?}", e.to_string()),
        }
    }

    #[test]
    fn arbitrary_trace_bytes_are_refused(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let path = temp("bytes.json", &bytes);
        prop_assert!(Loaded::open(&path).is_err());
    }
}
