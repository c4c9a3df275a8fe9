//! End-to-end sync scenarios (issue #2, point 6): real server, real TLS, simulated tablets.

use jiuzhu_e2e::proxy::Proxy;
use jiuzhu_e2e::{SimTablet, TestServer, test_jpeg};
use jiuzhu_shared::protocol::BLOB_CHUNK;
use serde_json::{Value, json};

fn visit(doc: &Value) -> &Value {
    &doc["visits"][0]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offline_visit_with_photos_reaches_the_server_identical() {
    let server = TestServer::start().await;
    server.add_investigator("王五");
    server.add_investigator("赵六");
    let case = server.add_case("E2E-1", &["王五", "赵六"]);
    let mut t = SimTablet::enrolled(&server, &server.url(), "王五").await;
    t.sync().await.unwrap();

    // Offline: a whole visit with three photos.
    t.tablet
        .set(case, "visits.0.members.0.name.declared", "申请人E2E-1")
        .unwrap();
    t.tablet
        .set(case, "visits.0.members.0.name.verified", "申请人E2E-1")
        .unwrap();
    t.tablet
        .set(case, "visits.0.members.0.name.matches", "true")
        .unwrap();
    t.tablet
        .set(case, "visits.0.income.0.category", "wage")
        .unwrap();
    t.tablet
        .set(case, "visits.0.income.0.amount_fen", "360000")
        .unwrap();
    t.tablet
        .set(case, "visits.0.living.housing", "土坯房，屋顶漏水")
        .unwrap();
    t.tablet.note(case, "家中无取暖设备").unwrap();
    let mut hashes = Vec::new();
    for (i, tag) in ["exterior", "interior", "appliance"].iter().enumerate() {
        let p = t
            .tablet
            .add_photo(
                case,
                &test_jpeg(900, 600, i as u64),
                &format!("照片{i}"),
                tag,
            )
            .unwrap();
        hashes.push(p.hash);
    }
    let listed = &t.tablet.cases(None).unwrap()[0];
    assert!(listed.unsynced);
    // 待上传 4 项: the case's changes and three photos.
    assert_eq!((listed.photos_pending, listed.pending_items), (3, 4));

    let report = t.sync().await.unwrap();
    assert_eq!(report.blobs_sent, 3);
    assert!(report.refused.is_empty(), "{:?}", report.refused);
    let listed = &t.tablet.cases(None).unwrap()[0];
    assert!(!listed.unsynced);
    assert_eq!(listed.pending_items, 0);

    let export = server.export(case);
    assert_eq!(
        export["document"],
        t.show(case),
        "server holds the identical document"
    );
    assert_eq!(export["evidence_complete"], json!(true));
    for h in &hashes {
        let on_server = server.blob(h);
        let on_tablet = t.tablet.read_photo(h).unwrap();
        assert_eq!(on_server, on_tablet, "blob {h} byte-identical");
    }
    assert_eq!(
        visit(&export["document"])["photos"]
            .as_array()
            .unwrap()
            .len(),
        3
    );

    // A second sync with nothing new costs one small round and moves nothing.
    let again = t.sync().await.unwrap();
    assert_eq!(
        (
            again.rounds,
            again.documents_sent,
            again.documents_received,
            again.blobs_sent
        ),
        (1, 0, 0, 0)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_tablets_merge_different_fields_and_report_same_field_conflicts() {
    let server = TestServer::start().await;
    server.add_investigator("王五");
    server.add_investigator("赵六");
    let case = server.add_case("E2E-2", &["王五", "赵六"]);
    let mut a = SimTablet::enrolled(&server, &server.url(), "王五").await;
    let mut b = SimTablet::enrolled(&server, &server.url(), "赵六").await;
    a.sync().await.unwrap();
    b.sync().await.unwrap();
    // Both investigators open the visit offline: the rows for the declared members were laid out
    // by the server at assignment, so neither tablet inserts its own copy.
    a.tablet.open_visit(case).unwrap();
    b.tablet.open_visit(case).unwrap();

    a.tablet
        .set(case, "visits.0.living.food", "自给自足")
        .unwrap();
    b.tablet
        .set(case, "visits.0.living.clothing", "衣着简朴")
        .unwrap();
    a.tablet
        .set(case, "visits.0.living.housing", "土坯房")
        .unwrap();
    b.tablet
        .set(case, "visits.0.living.housing", "砖瓦房")
        .unwrap();
    a.sync().await.unwrap();
    b.sync().await.unwrap();
    a.sync().await.unwrap();

    let export = server.export(case);
    let living = &visit(&export["document"])["living"];
    assert_eq!(living["food"], json!("自给自足"));
    assert_eq!(living["clothing"], json!("衣着简朴"));
    let conflicts = export["conflicts"].as_array().unwrap();
    assert_eq!(conflicts.len(), 1, "{conflicts:?}");
    assert_eq!(conflicts[0]["path"], json!("visits.0.living.housing"));
    let mut values: Vec<(String, String)> = conflicts[0]["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                v["value"].as_str().unwrap().to_string(),
                v["by"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    values.sort();
    assert_eq!(
        values,
        vec![
            ("土坯房".to_string(), "device 王五 (王五)".to_string()),
            ("砖瓦房".to_string(), "device 赵六 (赵六)".to_string()),
        ]
    );
    // Both tablets and the server converge on the same document, conflict included.
    assert_eq!(a.show(case), export["document"]);
    assert_eq!(b.show(case), export["document"]);
    assert_eq!(a.tablet.cases(None).unwrap()[0].conflicts, 1);
    let members = export["document"]["visits"][0]["members"]
        .as_array()
        .unwrap();
    assert_eq!(
        members.len(),
        2,
        "one row per declared member, not one per tablet"
    );
}

/// Sync, retrying after failures (a cut armed in one attempt may fire in the next); each retry
/// is a real new connection. Two cuts are armed at most, so three failures mean no recovery.
async fn sync_until_ok(t: &mut SimTablet) {
    for _ in 0..4 {
        if t.sync().await.is_ok() {
            return;
        }
    }
    panic!("sync does not recover after a cut");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cutting_the_link_at_random_offsets_loses_and_duplicates_nothing() {
    use rand::Rng;
    let server = TestServer::start().await;
    server.add_investigator("王五");
    server.add_investigator("赵六");
    let cases: Vec<_> = (0..5)
        .map(|i| server.add_case(&format!("CUT-{i}"), &["王五", "赵六"]))
        .collect();
    let proxy = Proxy::start(server.addr()).await.unwrap();
    let url = format!("https://{}", proxy.addr());
    let mut t = SimTablet::enrolled(&server, &url, "王五").await;
    t.sync().await.unwrap();

    let edit = |t: &mut SimTablet, attempt: usize| {
        for (i, c) in cases.iter().enumerate() {
            t.tablet.note(*c, &format!("第{attempt}次记录{i}")).unwrap();
            t.tablet
                .set(
                    *c,
                    "visits.0.observations.0.text",
                    &format!("观察{attempt}"),
                )
                .unwrap();
        }
    };
    // How many bytes such a sync moves each way, so the cuts land inside one.
    edit(&mut t, 0);
    let (up, down) = (proxy.upstream_bytes(), proxy.downstream_bytes());
    t.sync().await.unwrap();
    let (up, down) = (proxy.upstream_bytes() - up, proxy.downstream_bytes() - down);
    let mut rng = rand::rng();
    let mut expected_findings = 1;
    for attempt in 1..12 {
        edit(&mut t, attempt);
        expected_findings += 1;
        if attempt % 2 == 0 {
            proxy.cut_after_upstream_bytes(rng.random_range(1..up))
        } else {
            proxy.cut_after_downstream_bytes(rng.random_range(1..down))
        }
        sync_until_ok(&mut t).await;
    }
    assert!(
        proxy.cuts() >= 9,
        "the proxy actually cut the link ({} cuts)",
        proxy.cuts()
    );
    sync_until_ok(&mut t).await;
    for c in &cases {
        let export = server.export(*c);
        assert_eq!(export["document"], t.show(*c));
        let findings = export["document"]["findings"].as_array().unwrap();
        assert_eq!(
            findings.len(),
            expected_findings,
            "no finding lost or duplicated"
        );
        let mut ids: Vec<_> = findings.iter().map(|f| f["id"].as_str().unwrap()).collect();
        ids.dedup();
        assert_eq!(ids.len(), expected_findings);
        assert_eq!(
            export["document"]["visits"][0]["observations"][0]["text"],
            json!("观察11")
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cut_photo_upload_resumes_and_resends_at_most_one_chunk() {
    let server = TestServer::start().await;
    server.add_investigator("王五");
    server.add_investigator("赵六");
    let case = server.add_case("BLOB-1", &["王五", "赵六"]);
    let proxy = Proxy::start(server.addr()).await.unwrap();
    let mut t = SimTablet::enrolled(&server, &format!("https://{}", proxy.addr()), "王五").await;
    t.tablet.photo_config.long_edge = 2400;
    t.sync().await.unwrap();
    let photo = t
        .tablet
        .add_photo(case, &test_jpeg(2400, 1800, 7), "院落", "exterior")
        .unwrap();
    assert!(
        photo.bytes > 3 * BLOB_CHUNK,
        "photo spans several chunks ({} bytes)",
        photo.bytes
    );

    let before = proxy.upstream_bytes();
    proxy.cut_after_upstream_bytes(photo.bytes / 2 + 12_345);
    assert!(t.sync().await.is_err(), "the cut interrupts the upload");
    assert!(proxy.cuts() == 1);
    t.sync().await.unwrap();
    let sent = proxy.upstream_bytes() - before;
    let overhead = 48 * 1024; // TLS handshakes, HTTP headers, the small document rounds
    assert!(
        sent <= photo.bytes + BLOB_CHUNK + overhead,
        "sent {sent} for a {} byte photo",
        photo.bytes
    );
    assert_eq!(
        server.blob(&photo.hash),
        t.tablet.read_photo(&photo.hash).unwrap()
    );
    assert_eq!(server.export(case)["evidence_complete"], json!(true));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_with_another_devices_actor_is_refused() {
    let server = TestServer::start().await;
    server.add_investigator("王五");
    server.add_investigator("赵六");
    let case = server.add_case("ACT-1", &["王五", "赵六"]);
    let mut a = SimTablet::enrolled(&server, &server.url(), "王五").await;
    let b = SimTablet::enrolled(&server, &server.url(), "赵六").await;
    a.sync().await.unwrap();
    // A copy of 王五's tablet database presented with 赵六's credentials: its edits carry 王五's
    // actor but arrive from 赵六's device.
    let b_id = b.tablet.identity().unwrap();
    for (k, v) in [("device_id", &b_id.device_id), ("token", &b_id.token)] {
        a.tablet.store().set_setting(k, v).unwrap();
    }
    a.tablet
        .set(case, "visits.0.living.housing", "伪造")
        .unwrap();
    let report = a.sync().await.unwrap();
    assert_eq!(report.refused.len(), 1, "{report:?}");
    assert_eq!(report.refused[0].code, "foreign_actor");
    let export = server.export(case);
    assert_eq!(
        visit(&export["document"])["living"]["housing"],
        Value::Null,
        "nothing of it was stored"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revoked_and_unknown_devices_are_refused() {
    let server = TestServer::start().await;
    server.add_investigator("王五");
    server.add_investigator("赵六");
    server.add_case("REV-1", &["王五", "赵六"]);
    let mut t = SimTablet::enrolled(&server, &server.url(), "王五").await;
    t.sync().await.unwrap();
    jiuzhu_server::admin::revoke_device(server.store.as_ref(), server.device_id("王五"), 1)
        .unwrap();
    // Refused, and the tablet erased itself (see tablet_security.rs for what is gone).
    let err = t.sync().await.unwrap_err();
    assert!(
        matches!(
            &err,
            jiuzhu_tablet_core::TabletError::Wiped(jiuzhu_tablet_core::WipeReason::Revoked)
        ),
        "{err}"
    );

    let mut stranger = SimTablet::enrolled(&server, &server.url(), "王五").await;
    stranger
        .tablet
        .store()
        .set_setting("token", "00".repeat(32).as_str())
        .unwrap();
    let err = stranger.sync().await.unwrap_err();
    assert!(
        matches!(&err, jiuzhu_tablet_core::TabletError::Net(e) if e.code() == Some("unknown_device")),
        "{err}"
    );

    // Codes work once.
    let code = server.enroll_code("王五");
    let mut one = SimTablet::new();
    one.tablet
        .enroll(&server.url(), &code, Some(&server.fingerprint()), "x")
        .await
        .unwrap();
    let mut two = SimTablet::new();
    let err = two
        .tablet
        .enroll(&server.url(), &code, Some(&server.fingerprint()), "y")
        .await
        .unwrap_err();
    assert!(
        matches!(&err, jiuzhu_tablet_core::TabletError::Net(e) if e.code() == Some("code_used")),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_changed_certificate_is_refused() {
    let server = TestServer::start().await;
    server.add_investigator("王五");
    server.add_investigator("赵六");
    let code = server.enroll_code("王五");
    let mut t = SimTablet::new();
    let wrong = "ab".repeat(32);
    let err = t
        .tablet
        .enroll(&server.url(), &code, Some(&wrong), "x")
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            jiuzhu_tablet_core::TabletError::Net(
                jiuzhu_tablet_core::net::NetError::CertificateChanged { .. }
            )
        ),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_cases_with_twenty_changed_sync_in_at_most_three_rounds() {
    let server = TestServer::start().await;
    server.add_investigator("王五");
    server.add_investigator("赵六");
    let cases: Vec<_> = (0..1000)
        .map(|i| server.add_case(&format!("K-{i:04}"), &["王五", "赵六"]))
        .collect();
    let mut t = SimTablet::enrolled(&server, &server.url(), "王五").await;
    let first = t.sync().await.unwrap();
    assert_eq!(t.tablet.cases(None).unwrap().len(), 1000);
    assert!(first.rounds <= 3, "first sync took {} rounds", first.rounds);

    for c in cases.iter().step_by(50) {
        t.tablet.set(*c, "visits.0.living.food", "自给").unwrap();
    }
    let report = t.sync().await.unwrap();
    assert_eq!(report.documents_sent, 20);
    assert!(report.rounds <= 3, "took {} rounds", report.rounds);
    for c in cases.iter().step_by(50) {
        assert_eq!(
            visit(&server.export(*c)["document"])["living"]["food"],
            json!("自给")
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_withdrawn_case_leaves_the_tablet_only_after_its_unsent_work_is_synced() {
    let server = TestServer::start().await;
    for name in ["王五", "赵六", "钱七"] {
        server.add_investigator(name);
    }
    let case = server.add_case("WD-1", &["王五", "赵六"]);
    let mut t = SimTablet::enrolled(&server, &server.url(), "王五").await;
    t.sync().await.unwrap();
    t.tablet
        .set(case, "visits.0.living.housing", "砖房")
        .unwrap();
    // Reassigned while the tablet is offline with unsent work.
    server.assign(case, &["赵六", "钱七"]);
    let report = t.sync().await.unwrap();
    assert_eq!(report.withdrawn, vec![case]);
    assert_eq!(
        report.dropped,
        vec![case],
        "dropped once its work was confirmed"
    );
    assert!(t.tablet.cases(None).unwrap().is_empty());
    assert_eq!(
        visit(&server.export(case)["document"])["living"]["housing"],
        json!("砖房"),
        "the work arrived first"
    );
}

/// A row added and taken out again between two syncs (an investigator's slip, corrected offline)
/// merges like any other edit: the server's policy check reads the changes without failing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_row_added_and_removed_offline_merges() {
    let server = TestServer::start().await;
    server.add_investigator("王五");
    server.add_investigator("赵六");
    let case = server.add_case("E2E-ROW", &["王五", "赵六"]);
    let mut t = SimTablet::enrolled(&server, &server.url(), "王五").await;
    t.sync().await.unwrap();
    for section in ["supporters", "income"] {
        let field = if section == "income" {
            "category"
        } else {
            "name"
        };
        t.tablet
            .set(case, &format!("visits.0.{section}.0.{field}"), "wage")
            .unwrap();
        t.tablet.remove_row(case, section, 0).unwrap();
    }
    t.tablet
        .set(case, "visits.0.opinion", "补录后删除了误加的行")
        .unwrap();
    let report = t.sync().await.unwrap();
    assert!(report.refused.is_empty(), "{:?}", report.refused);
    let export = server.export(case);
    assert_eq!(export["document"], t.show(case));
    assert_eq!(visit(&export["document"])["supporters"], json!([]));
}
