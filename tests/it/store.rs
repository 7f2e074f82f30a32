//! The key-value store on a Multi-Paxos log (`protocol = "multi-paxos"`): each store
//! property fails on a hand-made record and holds on a good one; correct Multi-Paxos holds
//! every property in the store worlds; scenario files that get the store wrong are refused
//! with one line.

use paxos_lab::check::Verdict;
use paxos_models::store::{linearizable, LogObs, Op, StoreCfg, StoreReplica, NOOP};
use paxos_models::{Ballot, Correct, NodeState, PropertyName};

use super::{paxos_lab, run, run_reduced, scenario, summary};

/// The store of the bundled worlds: c1 puts x = 1, c2 gets x.
fn store() -> StoreCfg {
    StoreCfg {
        slots: 2,
        keys: vec!["x".into()],
        clients: vec![vec![Op::Put { key: 0, val: 1 }], vec![Op::Get { key: 0 }]],
    }
}

const PUT: u8 = 1; // c1's operation 0
const GET: u8 = 3; // c2's operation 0

/// A record over `nodes` nodes where acceptors 0..3 (bits) accepted what `accepted` says.
fn record(nodes: usize, accepted: &[(u8, u8, u8, u16)]) -> LogObs {
    let mut log = LogObs::new(nodes);
    log.accepted = accepted
        .iter()
        .map(|&(slot, b, cmd, m)| (slot, Ballot(b), cmd, m))
        .collect();
    log.history = [(PUT, None), (GET, None)].into_iter().collect();
    log
}

#[test]
fn log_coherence_fails_when_a_replica_applies_out_of_order_or_against_the_chosen_log() {
    let chosen = [(0, 1, PUT, 0b011), (1, 1, GET, 0b011)];
    let mut log = record(2, &chosen);
    log.applied[0] = [(0, PUT), (1, GET)].into_iter().collect();
    log.applied[1] = [(0, PUT)].into_iter().collect();
    assert!(log.log_coherence(2), "prefixes of the chosen log");
    let mut out_of_order = log.clone();
    out_of_order.applied[1] = [(1, GET)].into_iter().collect();
    assert!(!out_of_order.log_coherence(2), "slot 2 applied first");
    // Applied on one vote: not yet wrong (it may still be chosen), and the record stays
    // stable: it fails for good once another command is chosen there.
    let mut early = record(2, &[(0, 1, PUT, 0b001)]);
    early.applied[0] = [(0, PUT)].into_iter().collect();
    assert!(early.log_coherence(2), "nothing contradicts it yet");
    let mut contradicted = record(2, &[(0, 1, PUT, 0b001), (0, 2, GET, 0b110)]);
    contradicted.applied[0] = [(0, PUT)].into_iter().collect();
    assert!(
        !contradicted.log_coherence(2),
        "another command is chosen in slot 1"
    );
    let mut apart = record(2, &[]);
    apart.applied[0] = [(0, PUT)].into_iter().collect();
    apart.applied[1] = [(0, GET)].into_iter().collect();
    assert!(
        !apart.log_coherence(2),
        "two replicas, two commands, one position"
    );
}

#[test]
fn per_slot_coherence_and_conflict_resolution_fail_on_two_commands_in_one_slot() {
    let mut log = record(2, &[(0, 1, PUT, 0b011)]);
    log.ever[0][0] = 1 << PUT;
    log.ever[1][1] = 1 << GET;
    assert!(
        log.coherence(),
        "different slots may hold different commands"
    );
    assert!(log.conflict_resolution(2));
    log.ever[1][0] = 1 << GET;
    assert!(!log.coherence(), "two replicas, one slot, two commands");
    let two = record(2, &[(0, 1, PUT, 0b011), (0, 2, GET, 0b110)]);
    assert!(!two.conflict_resolution(2), "two commands chosen in slot 1");
    let mut uninvoked = record(2, &[(0, 1, GET, 0b011)]);
    uninvoked.history = [(PUT, None)].into_iter().collect();
    assert!(
        !uninvoked.conflict_resolution(2),
        "a command nobody invoked was chosen"
    );
    let noop = record(2, &[(0, 1, NOOP, 0b011)]);
    assert!(noop.conflict_resolution(2), "a no-op may fill a gap");
}

#[test]
fn no_takebacks_fails_when_a_replica_forgets_a_decided_or_applied_slot() {
    let mut log = LogObs::new(1);
    log.first[0][0] = Some(PUT);
    log.applied[0] = [(0, PUT)].into_iter().collect();
    let holds = StoreReplica {
        chosen: [Some(PUT), None, None],
        applied: [(0, PUT)].into_iter().collect(),
        ..StoreReplica::default()
    };
    let node = |r: StoreReplica| NodeState::StoreReplica(Box::new(r));
    assert!(log.keeps_decisions([node(holds.clone())].iter()));
    assert!(!log.keeps_decisions([node(StoreReplica::default())].iter()));
    let unapplied = StoreReplica {
        applied: Default::default(),
        ..holds
    };
    assert!(!log.keeps_decisions([node(unapplied)].iter()));
}

#[test]
fn linearizability_fails_on_a_stale_read_and_holds_on_overlapping_operations() {
    let s = store();
    let stale = [(PUT, None), (PUT, Some(0)), (GET, None), (GET, Some(0))];
    assert!(
        !linearizable(&s, &stale),
        "get after put returned, reads nothing"
    );
    let fresh = [(PUT, None), (PUT, Some(0)), (GET, None), (GET, Some(1))];
    assert!(linearizable(&s, &fresh));
    let overlapping = [(PUT, None), (GET, None), (GET, Some(0)), (PUT, Some(0))];
    assert!(linearizable(&s, &overlapping), "the get may go first");
    let early = [(GET, None), (GET, Some(1))];
    assert!(!linearizable(&s, &early), "reads a value nobody wrote yet");
    let pending = [(PUT, None), (GET, None), (GET, Some(1))];
    assert!(
        linearizable(&s, &pending),
        "a pending put may have taken effect"
    );
}

#[test]
fn correct_multi_paxos_holds_every_property_in_the_smallest_store_world() {
    for name in ["kv-store-one-slot"] {
        let outcome = run_reduced(name, &Correct);
        let props: Vec<PropertyName> = outcome.verdicts.iter().map(|v| v.property).collect();
        assert_eq!(props, PropertyName::ALL, "{name}: every property judged");
        for v in &outcome.verdicts {
            assert!(
                matches!(v.verdict, Verdict::Holds),
                "{name}: {} {:?}",
                v.property.name(),
                summary(&outcome)
            );
        }
        assert!(outcome.main.complete);
    }
}

// Correct Multi-Paxos in `kv-store` (2 to 4 minutes), `kv-store-two-replicas` and
// `kv-store-crash-restart`: the matrix checks it there (`paxos` is meant for every
// scenario), in the slow suite.

#[test]
fn single_decree_worlds_judge_the_guide_s_four_properties_only() {
    let outcome = run("classic", &Correct);
    let props: Vec<PropertyName> = outcome.verdicts.iter().map(|v| v.property).collect();
    assert_eq!(props, PropertyName::SINGLE);
}

#[test]
fn the_store_worlds_say_what_they_are() {
    let s = scenario("kv-store");
    assert!(s.cluster.is_store());
    assert_eq!(
        s.summary(),
        "multi-paxos key-value store: 2 proposers, 3 acceptors, 1 learner (replicas), 2 clients \
         (c1 put(x, 1); c2 get(x)), 2 slots, 1 ballot each, unordered network, no faults"
    );
    assert_eq!(s.cluster.node_count(), 8);
    assert_eq!(s.cluster.node_name(7), "c2");
}

/// A scenario file that gets the store wrong: one line naming the file, the field and the
/// fix, exit 2.
#[test]
fn store_scenarios_with_mistakes_are_refused_with_one_line() {
    let base = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/kv-store.toml"),
    )
    .unwrap();
    let cases: &[(&str, &str, &str)] = &[
        (
            "protocol = \"multi-paxos\"",
            "protocol = \"raft\"",
            "field `protocol`",
        ),
        ("protocol = \"multi-paxos\"\n", "", "field `store`"),
        ("slots = 2", "slots = 4", "field `store.slots`"),
        (
            "[\"put(x, 1)\"]",
            "[\"put(y, 1)\"]",
            "field `store.clients`: names key \"y\"",
        ),
        (
            "[\"put(x, 1)\"]",
            "[\"put(x, 10)\"]",
            "field `store.clients`",
        ),
        (
            "[\"get(x)\"]",
            "[\"delete(x)\"]",
            "neither put(KEY, VALUE) nor get(KEY)",
        ),
        (
            "learners = 1",
            "learners = 1\nvalues = [\"red\"]",
            "field `values`",
        ),
        ("keys = [\"x\"]", "keys = [\"x\", \"x\"]", "listed twice"),
    ];
    let dir = std::env::temp_dir().join(format!("paxos-lab-store-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (i, (from, to, expect)) in cases.iter().enumerate() {
        assert!(base.contains(from), "{from}");
        let path = dir.join(format!("bad{i}.toml"));
        std::fs::write(&path, base.replacen(from, to, 1)).unwrap();
        let out = paxos_lab(&["check", "--scenario", path.to_str().unwrap()]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{to}: {err}");
        assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
        assert!(err.contains(expect) && err.contains("fix:"), "{to}: {err}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// A store counterexample is saved, replays to the same violation, and reads in slots,
/// commands and client operations.
#[test]
fn a_store_counterexample_replays_and_speaks_of_slots_and_operations() {
    let dir = std::env::temp_dir().join(format!("paxos-lab-store-replay-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let out = paxos_lab(&[
        "check",
        "--scenario",
        "kv-store-one-slot",
        "--variant",
        "leader-local-read",
        "--report",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("c2's get(x) returned nothing, but c1's put(x, 1) had returned ok before c2 invoked get(x)"),
        "{text}"
    );
    assert!(text.contains("c1 invokes its next operation"), "{text}");
    let json = dir.join("linearizability.json");
    let replay = paxos_lab(&["replay", json.to_str().unwrap()]);
    let shown = String::from_utf8_lossy(&replay.stdout);
    assert_eq!(replay.status.code(), Some(1), "{shown}");
    assert!(
        shown.contains("still violated: linearizability after 18 steps"),
        "{shown}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
