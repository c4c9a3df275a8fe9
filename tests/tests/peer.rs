//! Face-to-face sync (issue 18 point 2) with the real tablet core, real TLS on 127.0.0.1 and a
//! real server for enrollment and the later syncs: two investigators exchange their halves of a
//! visit with no server, the server later holds both halves once, and every way in for someone
//! who should not get in is refused. The same exchange between the real `jiuzhu-tablet` binaries
//! in separate network namespaces is in `tests/tests/netns.rs`.

use jiuzhu_e2e::{SimTablet, TestServer, test_jpeg};
use jiuzhu_shared::peer::{Attestation, newest_change_by};
use jiuzhu_shared::{ActorKey, CaseDocument, CaseId};
use jiuzhu_tablet_core::peer::{Invitation, PeerReport};
use jiuzhu_tablet_core::store::put_attestation_in;
use jiuzhu_tablet_core::{TabletError, now_s};

fn findings(doc: &serde_json::Value) -> Vec<(String, String)> {
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["by"].as_str().unwrap().to_string(),
                f["text"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// Host on `host`, join from `guest`, both at once; the two reports (host's, guest's).
async fn exchange(
    host: &mut SimTablet,
    guest: &mut SimTablet,
) -> (
    Result<PeerReport, TabletError>,
    Result<PeerReport, TabletError>,
) {
    let listener = host
        .tablet
        .peer_listen("127.0.0.1:0".parse().unwrap())
        .await
        .expect("listen");
    let invitation = Invitation::parse(&listener.invitation().to_text()).unwrap();
    tokio::join!(
        host.tablet.peer_accept(listener),
        guest.tablet.peer_sync(&invitation)
    )
}

/// A change written with `actor` straight into `t`'s store, past the app's checks (a tampered
/// tablet, or one that took a forgery): the document as stored.
fn plant(
    t: &mut SimTablet,
    case: CaseId,
    actor: ActorKey,
    edit: impl FnOnce(&mut CaseDocument),
) -> CaseDocument {
    let mut doc = t.tablet.store().load(case, actor).unwrap().unwrap();
    let old = doc.heads();
    edit(&mut doc);
    t.tablet
        .store_mut()
        .save_changes(case, &mut doc, &old, now_s())
        .unwrap();
    doc
}

fn peer_code(e: TabletError) -> &'static str {
    match e {
        TabletError::Peer(p) => p.code(),
        other => panic!("expected a face-to-face error, got {other}"),
    }
}

/// Two investigators of one team, enrolled and synced (so each holds a credential), with the case.
async fn team(server: &TestServer) -> (SimTablet, SimTablet, CaseId) {
    server.add_investigator("王五");
    server.add_investigator("赵六");
    let case = server.add_case("PEER-1", &["王五", "赵六"]);
    let mut a = SimTablet::enrolled(server, &server.url(), "王五").await;
    let mut b = SimTablet::enrolled(server, &server.url(), "赵六").await;
    a.sync().await.unwrap();
    b.sync().await.unwrap();
    assert!(a.tablet.peer_ready().unwrap() && b.tablet.peer_ready().unwrap());
    (a, b, case)
}

#[tokio::test]
async fn two_tablets_exchange_a_visit_and_the_server_gets_both_halves_once() {
    let server = TestServer::start().await;
    let (mut a, mut b, case) = team(&server).await;
    // A case only 王五 works on with someone else is not 赵六's business.
    server.add_investigator("钱七");
    let private = server.add_case("PEER-2", &["王五", "钱七"]);
    a.sync().await.unwrap();

    // Offline, each does half of the visit.
    a.tablet
        .set(case, "visits.0.living.housing", "砖瓦房")
        .unwrap();
    a.tablet.note(case, "院内有三轮车一辆").unwrap();
    let photo = a
        .tablet
        .add_photo(case, &test_jpeg(800, 600, 3), "院子", "exterior")
        .unwrap();
    a.tablet.note(private, "只给钱七看").unwrap();
    b.tablet.note(case, "邻居说户主常年外出务工").unwrap();

    let (host, guest) = exchange(&mut a, &mut b).await;
    let (host, guest) = (host.unwrap(), guest.unwrap());
    assert_eq!(host.cases, vec![case]);
    assert_eq!(guest.cases, vec![case]);
    assert_eq!(
        (host.peer_name.as_str(), guest.peer_name.as_str()),
        ("赵六", "王五")
    );
    assert_eq!((host.documents_received, guest.documents_received), (1, 1));
    assert_eq!((host.blobs_sent, guest.blobs_received), (1, 1));
    assert!(
        host.refused.is_empty() && guest.refused.is_empty(),
        "{host:?} {guest:?}"
    );

    // Both tablets now hold both halves, and 赵六 has the photo itself, checked by its hash.
    for t in [&a, &b] {
        let doc = t.show(case);
        let mut f = findings(&doc);
        f.sort();
        assert_eq!(
            f,
            vec![
                ("王五".to_string(), "院内有三轮车一辆".to_string()),
                ("赵六".to_string(), "邻居说户主常年外出务工".to_string()),
            ]
        );
        assert_eq!(doc["visits"][0]["living"]["housing"], "砖瓦房");
    }
    assert_eq!(
        jiuzhu_shared::BlobHash::of(&b.tablet.read_photo(&photo.hash).unwrap()).to_string(),
        photo.hash
    );
    // 赵六's tablet never saw the case it is not on.
    assert!(b.tablet.document(private).is_err());

    // A second exchange with nothing new sends no document.
    let (host, guest) = exchange(&mut a, &mut b).await;
    let (host, guest) = (host.unwrap(), guest.unwrap());
    assert_eq!((host.documents_received, guest.documents_received), (0, 0));
    assert_eq!((host.blobs_sent, guest.blobs_sent), (0, 0));

    // Only 赵六 reaches the server: it carries 王五's half too, photo included.
    b.sync().await.unwrap();
    let on_server = server.export(case);
    let mut f = findings(&on_server["document"]);
    f.sort();
    assert_eq!(f.len(), 2, "{f:?}");
    assert_eq!(
        on_server["document"]["visits"][0]["living"]["housing"],
        "砖瓦房"
    );
    assert_eq!(server.blob(&photo.hash).len() as u64, photo.bytes);
    // Then 王五 syncs: nothing is taken twice.
    let report = a.sync().await.unwrap();
    assert!(report.refused.is_empty(), "{:?}", report.refused);
    let again = server.export(case);
    assert_eq!(findings(&again["document"]).len(), 2);
    assert_eq!(
        again["document"]["findings"], on_server["document"]["findings"],
        "the server's document did not change"
    );
}

#[tokio::test]
async fn a_wrong_secret_an_unsynced_tablet_and_another_server_are_refused() {
    let server = TestServer::start().await;
    let (mut a, mut b, _case) = team(&server).await;

    // A guessed secret: the guest is told, the host keeps waiting and then takes the right one.
    let listener = a
        .tablet
        .peer_listen("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let good = listener.invitation().clone();
    let mut wrong = good.clone();
    wrong.secret = "0".repeat(32);
    let (host, (first, second)) = tokio::join!(a.tablet.peer_accept(listener), async {
        let first = b.tablet.peer_sync(&wrong).await;
        let second = b.tablet.peer_sync(&good).await;
        (first, second)
    });
    assert_eq!(peer_code(first.err().unwrap()), "wrong_secret");
    assert!(second.is_ok() && host.is_ok());
    // The invitation was spent: the listener is gone, the same invitation reaches nobody.
    assert_eq!(
        peer_code(b.tablet.peer_sync(&good).await.err().unwrap()),
        "network"
    );

    // A tablet enrolled but never synced holds no credential yet.
    server.add_investigator("孙八");
    let mut fresh = SimTablet::enrolled(&server, &server.url(), "孙八").await;
    assert!(!fresh.tablet.peer_ready().unwrap());
    let err = fresh
        .tablet
        .peer_listen("127.0.0.1:0".parse().unwrap())
        .await
        .err()
        .unwrap();
    assert_eq!(peer_code(err), "no_credential");

    // A tablet of another server (its credential signed by another key) is refused by the host.
    let other = TestServer::start().await;
    other.add_investigator("赵六");
    other.add_investigator("王五");
    other.add_case("OTHER-1", &["王五", "赵六"]);
    let mut stranger = SimTablet::enrolled(&other, &other.url(), "赵六").await;
    stranger.sync().await.unwrap();
    let (host, guest) = exchange(&mut a, &mut stranger).await;
    assert_eq!(peer_code(host.err().unwrap()), "other_server");
    assert_eq!(peer_code(guest.err().unwrap()), "peer_refused");
}

#[tokio::test]
async fn work_the_write_policy_forbids_is_refused_by_the_tablet_and_by_the_server() {
    let server = TestServer::start().await;
    let (mut a, mut b, case) = team(&server).await;

    // 赵六's tablet is tampered with: a change to the header (the server's part) written with its
    // own actor, bypassing the app's checks.
    let b_actor: ActorKey = b.tablet.identity().unwrap().actor.parse().unwrap();
    plant(&mut b, case, b_actor, |d| {
        d.set_path("header.status", "approved", now_s()).unwrap();
    });
    let before = a.show(case);
    let (host, guest) = exchange(&mut a, &mut b).await;
    let (host, guest) = (host.unwrap(), guest.unwrap());
    assert_eq!(host.refused.len(), 1, "{host:?}");
    assert!(
        host.refused[0].reason.contains("header"),
        "{:?}",
        host.refused
    );
    assert_eq!(guest.refused.len(), 1, "the guest is told: {guest:?}");
    assert_eq!(a.show(case), before, "王五's tablet kept nothing of it");

    // The same forged change planted straight into 王五's store (as if his tablet had taken it).
    // Without 赵六's signature the server does not take it as 赵六's work at all…
    let mut doc = plant(&mut a, case, b_actor, |d| {
        d.set_path("header.status", "approved", now_s()).unwrap();
    });
    let report = a.sync().await.unwrap();
    assert_eq!(report.refused.len(), 1, "{:?}", report.refused);
    assert_eq!(report.refused[0].code, "foreign_actor");
    assert!(
        report.refused[0].message.contains("signature"),
        "{:?}",
        report.refused
    );
    // …and signed by 赵六's own tablet key (the tampered tablet signs its forgery), the write
    // policy refuses it as 赵六's: a header is no team member's to write.
    let seed = b.tablet.store().setting("peer_key").unwrap().unwrap();
    let key =
        ed25519_dalek::SigningKey::from_bytes(&hex::decode(seed).unwrap().try_into().unwrap());
    let newest = newest_change_by(doc.automerge(), &b_actor.to_actor_id()).unwrap();
    let att = Attestation::sign(&key, case, &newest);
    let tx = a.tablet.store_mut().transaction().unwrap();
    put_attestation_in(&tx, b_actor, &att).unwrap();
    tx.commit().unwrap();
    let report = a.sync().await.unwrap();
    assert_eq!(report.refused.len(), 1, "{:?}", report.refused);
    assert_eq!(report.refused[0].code, "write_forbidden");
    assert_ne!(
        server.export(case)["document"]["header"]["status"],
        "approved"
    );
}

#[tokio::test]
async fn the_server_takes_relayed_work_only_from_the_cases_team() {
    let server = TestServer::start().await;
    let (mut a, _b, case) = team(&server).await;
    // 孙八 is enrolled but not on the team: a finding written with his tablet's actor and planted
    // in 王五's store is someone else's work relayed, and the server refuses it.
    server.add_investigator("孙八");
    let c = SimTablet::enrolled(&server, &server.url(), "孙八").await;
    let c_actor = c.tablet.identity().unwrap().actor.parse().unwrap();
    plant(&mut a, case, c_actor, |d| {
        d.add_finding("冒名的发现", "孙八", now_s()).unwrap();
    });
    let report = a.sync().await.unwrap();
    assert_eq!(report.refused.len(), 1, "{:?}", report.refused);
    assert_eq!(report.refused[0].code, "foreign_actor");
    // An actor no device has is refused the same way.
    let mut a2 = a;
    plant(&mut a2, case, ActorKey::random(), |d| {
        d.add_finding("来历不明", "王五", now_s()).unwrap();
    });
    let report = a2.sync().await.unwrap();
    assert!(report.refused.iter().any(|r| r.code == "foreign_actor"));
    assert!(findings(&server.export(case)["document"]).is_empty());
}
