//! The matrix gate: every variant breaks exactly what it declares, and the committed
//! reports/matrix.md is what `paxos-lab matrix --write` would write today.

#[test]
fn matrix_matches_every_declaration_and_the_committed_file_is_current() {
    let m = paxos_lab::matrix::run(2, &mut |_, _, _, _| {}).expect("scenarios load");
    for v in paxos_models::VARIANTS {
        assert_eq!(
            m.agreement(v),
            paxos_lab::matrix::Agreement::Matches,
            "{}",
            v.name
        );
    }
    let committed = include_str!("../../reports/matrix.md");
    assert!(
        committed == m.file(),
        "reports/matrix.md is stale: run `cargo run --release -- matrix --write` and commit it"
    );
}
