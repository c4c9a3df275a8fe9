//! Scenarios that need the real `jiuzhu-server` binary as a separate process: kill -9 mid-sync,
//! and the terminal-only acceptance script of issue #2.

use jiuzhu_e2e::proxy::Proxy;
use jiuzhu_e2e::{
    ServerProcess, SimTablet, admin_add_assigned_case, admin_add_investigators, admin_cli as admin,
    tablet_cli as tablet, test_jpeg,
};
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_the_server_mid_sync_then_restart_and_converge() {
    let data = tempfile::tempdir().unwrap();
    admin_add_investigators(data.path(), &["王五", "赵六"]);
    let cases: Vec<jiuzhu_shared::CaseId> = (0..10)
        .map(|i| {
            admin_add_assigned_case(data.path(), &format!("K9-{i}"), "王五,赵六")
                .parse()
                .unwrap()
        })
        .collect();
    let code = admin(data.path(), &["enroll-code", "--user", "王五"]);
    let server = ServerProcess::spawn(data.path());
    let proxy = Proxy::start(server.addr).await.unwrap();
    let mut t = SimTablet::new();
    t.tablet
        .enroll(
            &format!("https://{}", proxy.addr()),
            &code,
            Some(&server.fingerprint),
            "t",
        )
        .await
        .unwrap();
    t.sync().await.unwrap();
    // What a sync with nothing to say sends: a TLS handshake and one empty round.
    let idle_start = proxy.upstream_bytes();
    t.sync().await.unwrap();
    let idle = proxy.upstream_bytes() - idle_start;
    for c in &cases {
        t.tablet.set(*c, "visits.0.living.housing", "砖房").unwrap();
        t.tablet.note(*c, "邻居证实无固定收入").unwrap();
    }

    // Slow the link so the conversation is still going when the first round has reached the
    // server, then kill the server without warning.
    proxy.set_delay(std::time::Duration::from_millis(50));
    let before = proxy.upstream_bytes();
    let (done_tx, done_rx) = tokio::sync::oneshot::channel();
    let sync = tokio::spawn(async move {
        let r = t.sync().await;
        let _ = done_tx.send(());
        (t, r)
    });
    // More than an idle sync: the first round, carrying ten documents, has reached the server.
    tokio::time::timeout(
        std::time::Duration::from_secs(60),
        proxy.wait_upstream_bytes(before + idle + 100),
    )
    .await
    .expect("the first round reaches the server");
    server.kill9();
    proxy.set_delay(std::time::Duration::ZERO);
    proxy.cut_all_now();
    let _ = done_rx.await;
    let (mut t, first) = sync.await.unwrap();
    assert!(
        first.is_err(),
        "the sync cannot finish against a killed server"
    );

    let server = ServerProcess::spawn(data.path());
    proxy.set_upstream(server.addr);
    t.sync().await.unwrap();
    for c in &cases {
        let export: Value = serde_json::from_str(&admin(
            data.path(),
            &["export-case", "--case", &c.to_string()],
        ))
        .unwrap();
        assert_eq!(export["document"], t.show(*c));
        assert_eq!(
            export["document"]["visits"][0]["living"]["housing"],
            json!("砖房")
        );
        assert_eq!(
            export["document"]["findings"].as_array().unwrap().len(),
            1,
            "exactly one finding, no duplicate"
        );
    }
    drop(server);
}

/// Issue #2 acceptance, with only the command-line surface: two tablets enrolled, one case
/// assigned, a photo and a note added offline on one, a field set on each, both synced.
#[test]
fn terminal_script_two_tablets_one_case() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("server");
    admin_add_investigators(&data, &["王五", "赵六"]);
    let case = admin_add_assigned_case(&data, "CLI-1", "王五,赵六");
    let listed: Value = serde_json::from_str(&admin(&data, &["list-cases"])).unwrap();
    assert_eq!(listed[0]["case_no"], json!("CLI-1"));
    let server = ServerProcess::spawn(&data);
    let url = format!("https://{}", server.addr);
    let (h1, h2) = (dir.path().join("t1"), dir.path().join("t2"));
    let code1 = admin(&data, &["enroll-code", "--user", "王五"]);
    let code2 = admin(&data, &["enroll-code", "--user", "赵六"]);
    tablet(
        &h1,
        &[
            "enroll",
            "--server",
            &url,
            "--code",
            &code1,
            "--fingerprint",
            &server.fingerprint,
        ],
    );
    tablet(
        &h2,
        &[
            "enroll",
            "--server",
            &url,
            "--code",
            &code2,
            "--fingerprint",
            &server.fingerprint,
        ],
    );
    tablet(&h1, &["sync"]);
    tablet(&h2, &["sync"]);
    assert_eq!(tablet(&h1, &["cases"])[0]["case_id"], json!(case));

    let img = dir.path().join("house.jpg");
    std::fs::write(&img, test_jpeg(1200, 900, 3)).unwrap();
    let photo = tablet(
        &h1,
        &[
            "photo",
            "--case",
            &case,
            "--file",
            img.to_str().unwrap(),
            "--caption",
            "房屋外观",
            "--tag",
            "exterior",
        ],
    );
    tablet(&h1, &["note", "--case", &case, "--text", "屋顶漏水"]);
    tablet(
        &h1,
        &["set", "--case", &case, "visits.0.living.housing", "土坯房"],
    );
    tablet(
        &h2,
        &["set", "--case", &case, "visits.0.living.food", "自给自足"],
    );
    let s1 = tablet(&h1, &["sync"]);
    assert_eq!(s1["blobs_sent"], json!(1));
    tablet(&h2, &["sync"]);

    let export: Value =
        serde_json::from_str(&admin(&data, &["export-case", "--case", &case])).unwrap();
    let doc = &export["document"];
    let hash = photo["hash"].as_str().unwrap();
    assert_eq!(doc["visits"][0]["photos"][0]["hash"], json!(hash));
    assert_eq!(doc["findings"][0]["text"], json!("屋顶漏水"));
    assert_eq!(doc["visits"][0]["living"]["housing"], json!("土坯房"));
    assert_eq!(doc["visits"][0]["living"]["food"], json!("自给自足"));
    let stored = data.join("blobs").join(&hash[..2]).join(hash);
    let on_server = std::fs::read(stored).unwrap();
    assert_eq!(jiuzhu_tablet_core::photo::sha256_hex(&on_server), hash);
    // The tablet's copy is encrypted at rest: not the bytes the server holds.
    assert_ne!(
        on_server,
        std::fs::read(h1.join("photos").join(format!("{hash}.jpg"))).unwrap()
    );
    drop(server);
}
