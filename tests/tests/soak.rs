//! The short soak of the test command (issue 13 point 8): tablets sync with the real server
//! process through the fault proxy under cuts, lost answers, duplicated rounds, replays and kills,
//! then heal; every note and photo must be on the server exactly once. `jiuzhu-bench soak` runs
//! the long version (docs/benchmarks.md).

use jiuzhu_e2e::soak::{SoakConfig, run};

/// `kinds`: the fault kinds that must have struck. Timed faults (a kill after some milliseconds,
/// a cut after some bytes) strike only if the sync is still running then, which a loaded machine
/// changes; a random seed may also draw the rare kinds seldom.
async fn soak(seed: u64, cycles: u64, kinds: usize) {
    let report = run(&SoakConfig {
        cycles,
        tablets: 4,
        seed,
    })
    .await
    .expect("the soak runs");
    println!("{report}");
    assert!(report.ok(), "{report}");
    // The run must have hurt: faults of most kinds struck and tablets really synced.
    assert!(
        report.faults.len() >= kinds,
        "too few kinds of fault: {report}"
    );
    assert!(
        report.syncs > cycles && report.notes > 0 && report.photos > 0,
        "{report}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sixty_faulty_cycles_with_a_fixed_seed_lose_and_duplicate_nothing() {
    soak(13, 60, 6).await;
}

/// A new seed each run (printed on failure with the command that reproduces it).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sixty_faulty_cycles_with_a_random_seed_lose_and_duplicate_nothing() {
    soak(rand::random(), 60, 4).await;
}

/// The sync that once failed after six rounds (issue 13 point 8). The server's `have` is a bloom
/// filter of its changes since the last sync; about one change in 120 that it does not hold
/// tests positive. When the tablet's first change since the last sync is such a false positive,
/// the tablet holds it back and sends only its children, which the server cannot apply yet: it
/// keeps nothing between rounds but the document, so they are gone when the parent arrives.
/// The tablet's sync state counted them as sent and never sent them again, and the document
/// was exchanged round after round until the fresh state at six exchanges (past the old round
/// cap, and again at risk under the present one). Here the false positive is searched for,
/// then the sync must settle in a few rounds with both changes on the server.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_the_server_could_not_apply_yet_is_sent_again() {
    use automerge::sync::BloomFilter;
    use jiuzhu_e2e::{SimTablet, TestServer};
    let server = TestServer::start().await;
    for u in ["甲", "乙", "丙"] {
        server.add_investigator(u);
    }
    let case = server.add_case("FP-1", &["甲", "乙"]);
    let mut t = SimTablet::enrolled(&server, &server.url(), "甲").await;
    t.sync().await.unwrap();
    let server_doc = || {
        let mut bytes = None;
        server
            .store
            .transact(&mut |txn| {
                bytes = txn.load_doc(case)?;
                Ok(())
            })
            .unwrap();
        jiuzhu_shared::CaseDocument::load(&bytes.unwrap(), server.store.server_actor().unwrap())
            .unwrap()
    };
    // One change on the server since the sync (a team change); then the tablet's first change
    // since the sync, worded so that the server's bloom filter of its changes takes it for one
    // of its own. Candidates are tried on a copy of the tablet's document (same actor, same
    // time), then the one that collides is made on the tablet.
    let shared = t.tablet.document(case).unwrap().heads();
    server.assign(case, &["甲", "乙", "丙"]);
    let theirs = server_doc().automerge().get_changes(&shared);
    let bloom = BloomFilter::from_hashes(theirs.iter().map(|c| c.hash()));
    let mut doc = t.tablet.document(case).unwrap();
    let actor = doc.automerge().get_actor().clone();
    let at = jiuzhu_server::clock::now();
    let path = "visits.0.living.housing";
    let colliding = (0..100_000)
        .map(|i| format!("砖房{i}"))
        .find(|text| {
            let mut copy = jiuzhu_shared::CaseDocument::from_automerge(
                doc.automerge().fork().with_actor(actor.clone()),
            );
            copy.set_path(path, text, at).unwrap();
            bloom.contains_hash(&copy.heads()[0])
        })
        .expect("a false positive among 100,000 candidates");
    t.tablet
        .edit(case, |d, _| Ok(d.set_path(path, &colliding, at)?))
        .unwrap();
    let mine = t.tablet.document(case).unwrap().heads();
    assert!(bloom.contains_hash(&mine[0]), "the collision was made");
    // A child of the false positive: the tablet sends it, and the server cannot apply it yet.
    t.tablet.note(case, "其后一条").unwrap();
    let r = t.sync().await.unwrap();
    let mut doc = server_doc();
    assert_eq!(doc.heads(), t.tablet.document(case).unwrap().heads());
    let c = doc.read().unwrap();
    assert_eq!(c.findings.len(), 1);
    assert_eq!(
        c.visits[0].living.housing.as_deref(),
        Some(colliding.as_str())
    );
    assert!(
        r.rounds <= 5,
        "the sync after a false positive took {} rounds",
        r.rounds
    );
}
