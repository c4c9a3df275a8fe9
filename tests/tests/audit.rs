//! The audit chain records merges, PII views, exports and logins, and `verify-audit` finds the
//! first tampered record (issue #6 point 5, server side); its anchors, signed with a key outside
//! the database, find a deleted tail and re-hashed history (issue 13 point 6).

use jiuzhu_e2e::{
    CONSOLE_PASSWORD, Console, SimTablet, TOWNSHIP, TestServer, admin_add_investigators, admin_cli,
    bin, test_jpeg,
};
use jiuzhu_server::audit::AuditEvent;
use serde_json::{Value, json};

fn verify(data: &std::path::Path) -> (bool, Value) {
    let out = std::process::Command::new(bin("jiuzhu-server"))
        .args(["admin", "--data"])
        .arg(data)
        .arg("verify-audit")
        .output()
        .unwrap();
    (
        out.status.success(),
        serde_json::from_slice(&out.stdout).unwrap(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn actions_are_chained_and_tampering_is_found() {
    let server = TestServer::start().await;
    server.add_investigator("王五");
    server.add_investigator("赵六");
    server.add_console_user("张海燕", "caseworker", TOWNSHIP);
    let case = server.add_case("AUD-1", &["王五", "赵六"]);
    let mut t = SimTablet::enrolled(&server, &server.url(), "王五").await;
    t.sync().await.unwrap();
    let photo = t
        .tablet
        .add_photo(case, &test_jpeg(400, 300, 2), "", "exterior")
        .unwrap();
    t.sync().await.unwrap();
    let mut c = Console::new(&server);
    assert_eq!(c.login("张海燕", "wrong-password").await, 401);
    assert_eq!(c.login("张海燕", CONSOLE_PASSWORD).await, 200);
    c.get(&format!("/api/console/cases/{case}")).await;
    c.raw("GET", &format!("/api/console/blobs/{}", photo.hash), None)
        .await;
    c.raw("GET", "/api/console/export/queue.xlsx", None).await;
    let ret = json!({"action": "return_visit", "notes": [{"path": null, "text": "请补充照片"}]});
    let (status, _) = c
        .post(&format!("/api/console/cases/{case}/workflow"), ret)
        .await;
    assert_eq!(status, 200);

    let (_, trail) = c.get(&format!("/api/console/cases/{case}/audit")).await;
    let actions: Vec<&str> = trail["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "add_case",
            "start_investigation",
            "merge",
            "view_case",
            "view_photo",
            "return_visit"
        ],
        "the case's trail, in order"
    );

    let (ok, report) = verify(server.dir.path());
    assert!(ok, "{report}");
    let total = report["records"].as_u64().unwrap();
    assert!(
        total >= 9,
        "login_failed, login, enroll, merge, views, export… ({total})"
    );

    // Change one record's body in the database, as an insider with file access might.
    if jiuzhu_e2e::skip_on_postgres("the tampering is done to the SQLite file") {
        return;
    }
    let db = rusqlite::Connection::open(server.dir.path().join("jiuzhu.sqlite")).unwrap();
    let target: i64 = db
        .query_row(
            "SELECT seq FROM audit WHERE action = 'view_photo'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    db.execute(
        "UPDATE audit SET body = replace(body, 'view_photo', 'view_case') WHERE seq = ?1",
        [target],
    )
    .unwrap();
    let (ok, report) = verify(server.dir.path());
    assert!(!ok);
    assert_eq!(report["first_broken"], json!(target));
}

/// Every audit record, in chain order.
fn records(data: &std::path::Path) -> Vec<Value> {
    let db = rusqlite::Connection::open(data.join("jiuzhu.sqlite")).unwrap();
    let mut stmt = db.prepare("SELECT body FROM audit ORDER BY seq").unwrap();
    stmt.query_map([], |r| r.get::<_, String>(0))
        .unwrap()
        .map(|b| serde_json::from_str(&b.unwrap()).unwrap())
        .collect()
}

/// The one record of `action` whose detail or case matches.
fn one<'a>(all: &'a [Value], action: &str, matches: impl Fn(&Value) -> bool) -> &'a Value {
    let found: Vec<&Value> = all
        .iter()
        .filter(|r| r["action"] == action && matches(r))
        .collect();
    assert_eq!(found.len(), 1, "one {action} record: {found:?}");
    found[0]
}

/// Issue 13 point 6: issuing enrollment codes, the workflow view with its ID numbers, photo
/// thumbnails, and the command line's add-user and set-password are on the chain, naming who did
/// what to which case or user — and no code or password is.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_went_unrecorded_is_on_the_chain() {
    if jiuzhu_e2e::skip_on_postgres("reads every audit record from the SQLite file") {
        return;
    }
    let server = TestServer::start().await;
    let data = server.dir.path();
    admin_add_investigators(data, &["王五", "赵六"]);
    let password = "a-long-secret-9";
    admin_cli(
        data,
        &[
            "add-user",
            "--name",
            "李四",
            "--role",
            "caseworker",
            "--township",
            TOWNSHIP,
            "--password",
            password,
        ],
    );
    let new_password = "another-secret-7";
    admin_cli(
        data,
        &["set-password", "--name", "李四", "--password", new_password],
    );
    let cli_code = admin_cli(data, &["enroll-code", "--user", "赵六"]);

    server.add_console_user("张海燕", "caseworker", TOWNSHIP);
    let case = server.add_case("AUD-2", &["王五", "赵六"]);
    let mut t = SimTablet::enrolled(&server, &server.url(), "王五").await;
    t.sync().await.unwrap();
    let photo = t
        .tablet
        .add_photo(case, &test_jpeg(400, 300, 3), "", "exterior")
        .unwrap();
    t.sync().await.unwrap();
    let mut c = Console::new(&server);
    assert_eq!(c.login("张海燕", CONSOLE_PASSWORD).await, 200);
    let (status, issued) = c
        .post("/api/console/enroll-codes", json!({"user": "王五"}))
        .await;
    assert_eq!(status, 200, "{issued}");
    let (status, _) = c.get(&format!("/api/console/cases/{case}/workflow")).await;
    assert_eq!(status, 200);
    let (status, _) = c
        .raw(
            "GET",
            &format!("/api/console/blobs/{}?thumb=1", photo.hash),
            None,
        )
        .await;
    assert_eq!(status, 200);

    let all = records(data);
    let cli = "admin (command line)";
    let added = one(&all, "add_user", |r| r["detail"]["user"] == "李四");
    assert_eq!(added["actor"], cli);
    assert_eq!(added["detail"]["role"], "caseworker");
    assert_eq!(added["detail"]["township"], TOWNSHIP);
    assert_eq!(
        one(&all, "set_password", |r| r["detail"]["user"] == "李四")["actor"],
        cli
    );
    one(&all, "enroll_code", |r| {
        r["actor"] == cli && r["detail"]["user"] == "赵六"
    });
    one(&all, "enroll_code", |r| {
        r["actor"] == "console 张海燕" && r["detail"]["user"] == "王五"
    });
    let viewed = one(&all, "view_workflow", |r| r["case_id"] == case.to_string());
    assert_eq!(viewed["actor"], "console 张海燕");
    let thumb = one(&all, "view_thumbnail", |r| r["case_id"] == case.to_string());
    assert_eq!(thumb["actor"], "console 张海燕");
    assert_eq!(thumb["detail"]["hash"], photo.hash.to_string());

    let text = serde_json::to_string(&all).unwrap();
    for secret in [
        password,
        new_password,
        &cli_code,
        issued["code"].as_str().unwrap(),
    ] {
        assert!(!text.contains(secret), "a secret on the chain: {secret}");
    }
    let (ok, report) = verify(data);
    assert!(ok, "{report}");
}

const DAY: i64 = 86_400;

/// A server whose chain has records two days ago and today, anchored with `admin anchor-audit`
/// and exported; the export's anchors (the past day's and today's head).
async fn anchored() -> (TestServer, std::path::PathBuf, Value) {
    let server = TestServer::start().await;
    let now = jiuzhu_server::clock::now();
    for i in 0..3 {
        server
            .store
            .audit(&AuditEvent::new(
                now - 2 * DAY + i,
                "console 张海燕",
                "view_case",
                None,
                json!({ "past": i }),
            ))
            .unwrap();
    }
    server.add_investigator("王五");
    server.add_investigator("赵六");
    server.add_case("ANCHOR-1", &["王五", "赵六"]);
    admin_cli(server.dir.path(), &["anchor-audit"]);
    let export = server.dir.path().join("anchors-export.json");
    admin_cli(
        server.dir.path(),
        &["export-anchors", "--out", export.to_str().unwrap()],
    );
    let exported: Value = serde_json::from_slice(&std::fs::read(&export).unwrap()).unwrap();
    let days: Vec<&Value> = exported["anchors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| &a["day"])
        .collect();
    let past = jiuzhu_shared::rules::date::Date::in_china(now - 2 * DAY).to_string();
    assert_eq!(
        days,
        [&json!(past), &Value::Null],
        "the past day and the head"
    );
    (server, export, exported)
}

fn head_seq(exported: &Value) -> i64 {
    exported["anchors"][1]["seq"].as_i64().unwrap()
}

fn db(server: &TestServer) -> rusqlite::Connection {
    rusqlite::Connection::open(server.dir.path().join("jiuzhu.sqlite")).unwrap()
}

fn verify_with(data: &std::path::Path, exported: &std::path::Path) -> (bool, Value) {
    let out = std::process::Command::new(bin("jiuzhu-server"))
        .args(["admin", "--data"])
        .arg(data)
        .args(["verify-audit", "--anchors"])
        .arg(exported)
        .output()
        .unwrap();
    (
        out.status.success(),
        serde_json::from_slice(&out.stdout).unwrap(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_untouched_anchored_chain_verifies_and_its_key_stays_outside_the_database() {
    let (server, export, exported) = anchored().await;
    let data = server.dir.path();
    let (ok, report) = verify(data);
    assert!(ok, "{report}");
    assert_eq!(report["anchors"], 2);
    assert_eq!(report["anchored_through"], head_seq(&exported));
    let (ok, report) = verify_with(data, &export);
    assert!(ok, "{report}");

    // The key: beside the database, private, and nowhere in it.
    let key_file = data.join("audit-signing.key");
    let seed = std::fs::read_to_string(&key_file).unwrap();
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&key_file).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    if jiuzhu_e2e::skip_on_postgres("the key is looked for in the SQLite file") {
        return;
    }
    let db_bytes = std::fs::read(data.join("jiuzhu.sqlite")).unwrap();
    assert!(
        !db_bytes
            .windows(seed.trim().len())
            .any(|w| w == seed.trim().as_bytes()),
        "the seed is not in the database"
    );
    assert_eq!(exported["algorithm"], "ed25519");
    assert_eq!(exported["public_key"].as_str().unwrap().len(), 64);

    // A key kept elsewhere (`--audit-key`) is created there, private.
    let elsewhere = tempfile::tempdir().unwrap();
    let other_key = elsewhere.path().join("signing.key");
    let fresh = tempfile::tempdir().unwrap();
    admin_add_investigators(fresh.path(), &["王五"]);
    let out = std::process::Command::new(bin("jiuzhu-server"))
        .args(["admin", "--data"])
        .arg(fresh.path())
        .arg("--audit-key")
        .arg(&other_key)
        .arg("anchor-audit")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mode = std::fs::metadata(&other_key).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    assert!(!fresh.path().join("audit-signing.key").exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deleted_tail_is_found_even_with_its_anchors_gone() {
    if jiuzhu_e2e::skip_on_postgres("tampers with the SQLite file") {
        return;
    }
    let (server, export, exported) = anchored().await;
    let head = head_seq(&exported);
    let db = db(&server);
    db.execute("DELETE FROM audit WHERE seq >= ?1", [head - 1])
        .unwrap();
    let (ok, report) = verify(server.dir.path());
    assert!(!ok, "{report}");
    assert_eq!(report["first_broken"], head, "{report}");
    assert!(
        report["reason"]
            .as_str()
            .unwrap()
            .contains("tail was deleted"),
        "{report}"
    );

    // Deleting the anchors too leaves a chain the database alone cannot fault; the exported copy
    // still can.
    db.execute(
        "DELETE FROM items WHERE kind = 'audit_anchor' AND id LIKE 'head%'",
        [],
    )
    .unwrap();
    assert!(
        verify(server.dir.path()).0,
        "nothing left in the database to tell"
    );
    let (ok, report) = verify_with(server.dir.path(), &export);
    assert!(!ok, "{report}");
    assert_eq!(report["first_broken"], head, "{report}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_rewritten_and_rehashed_is_found() {
    if jiuzhu_e2e::skip_on_postgres("tampers with the SQLite file") {
        return;
    }
    let (server, _, exported) = anchored().await;
    let db = db(&server);
    let rows: Vec<(i64, String, Vec<u8>)> = db
        .prepare("SELECT seq, body, hash FROM audit ORDER BY seq")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(|r| r.unwrap())
        .collect();
    // Rewrite the first record of the anchored past day and every link after it, consistently.
    let target = rows
        .iter()
        .position(|(_, body, _)| body.contains("\"past\":0"))
        .unwrap();
    let mut prev: [u8; 32] = if target == 0 {
        jiuzhu_server::audit::GENESIS
    } else {
        rows[target - 1].2.clone().try_into().unwrap()
    };
    for (i, (seq, body, _)) in rows.iter().enumerate().skip(target) {
        let body = if i == target {
            body.replace("view_case", "login")
        } else {
            body.clone()
        };
        let hash = jiuzhu_server::audit::link_hash(&prev, *seq as u64, &body);
        db.execute(
            "UPDATE audit SET body = ?1, prev = ?2, hash = ?3 WHERE seq = ?4",
            rusqlite::params![body, prev.as_slice(), hash.as_slice(), seq],
        )
        .unwrap();
        prev = hash;
    }
    let (ok, report) = verify(server.dir.path());
    assert!(!ok, "{report}");
    let day_anchor = exported["anchors"][0]["seq"].clone();
    assert_eq!(report["first_broken"], day_anchor, "{report}");
    assert!(
        report["reason"].as_str().unwrap().contains("re-hashed"),
        "the links agree, the anchor does not: {report}"
    );
    // Nor will the server sign the rewritten chain.
    let out = std::process::Command::new(bin("jiuzhu-server"))
        .args(["admin", "--data"])
        .arg(server.dir.path())
        .arg("anchor-audit")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("nothing was anchored"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_anchor_signed_with_another_key_is_found() {
    if jiuzhu_e2e::skip_on_postgres("tampers with the SQLite file") {
        return;
    }
    let (server, export, exported) = anchored().await;
    let head = head_seq(&exported);
    let db = db(&server);
    let hash: Vec<u8> = db
        .query_row("SELECT hash FROM audit WHERE seq = ?1", [head], |r| {
            r.get(0)
        })
        .unwrap();
    let other = tempfile::tempdir().unwrap();
    let forger = jiuzhu_server::audit::key::load_or_create(&other.path().join("k")).unwrap();
    let forged = jiuzhu_server::audit::anchor::Anchor::sign(
        &forger,
        None,
        head as u64,
        &hash.try_into().unwrap(),
        jiuzhu_server::clock::now(),
    );
    db.execute(
        "UPDATE items SET body = ?1 WHERE kind = 'audit_anchor' AND id LIKE 'head%'",
        [serde_json::to_string(&forged).unwrap()],
    )
    .unwrap();
    let (ok, report) = verify(server.dir.path());
    assert!(!ok, "{report}");
    assert_eq!(report["first_broken"], head);
    assert!(
        report["reason"].as_str().unwrap().contains("not signed"),
        "{report}"
    );

    // Replacing the key file and re-signing everything fools the database, not the export.
    std::fs::copy(
        other.path().join("k"),
        server.dir.path().join("audit-signing.key"),
    )
    .unwrap();
    db.execute("DELETE FROM items WHERE kind = 'audit_anchor'", [])
        .unwrap();
    admin_cli(server.dir.path(), &["anchor-audit"]);
    assert!(verify(server.dir.path()).0);
    let (ok, report) = verify_with(server.dir.path(), &export);
    assert!(!ok, "{report}");
    assert!(
        report["reason"]
            .as_str()
            .unwrap()
            .contains("key was replaced"),
        "{report}"
    );
}

/// Issue 13 point 7, the audit half: a data directory whose chain was started with
/// `--audit-hash sm3` is chained with SM3 — every record names it, later commands follow the chain
/// without being told — and `verify-audit` checks it and finds a change; SHA-256 stays the
/// default.
#[test]
fn an_sm3_chain_is_kept_verified_and_anchored() {
    if jiuzhu_e2e::skip_on_postgres("reads and tampers with the SQLite file") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let first = std::process::Command::new(bin("jiuzhu-server"))
        .args(["admin", "--data"])
        .arg(data)
        .args(["--audit-hash", "sm3", "add-user", "--name", "王五"])
        .args(["--role", "investigator", "--township", TOWNSHIP])
        .output()
        .unwrap();
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    admin_add_investigators(data, &["赵六"]);
    admin_cli(data, &["enroll-code", "--user", "王五"]);
    admin_cli(data, &["anchor-audit"]);
    let (ok, report) = verify(data);
    assert!(ok, "{report}");
    assert_eq!(report["records"], 3);

    let db = rusqlite::Connection::open(data.join("jiuzhu.sqlite")).unwrap();
    let rows: Vec<(i64, String, Vec<u8>, Vec<u8>)> = db
        .prepare("SELECT seq, body, prev, hash FROM audit ORDER BY seq")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .unwrap()
        .map(|r| r.unwrap())
        .collect();
    for (seq, body, prev, hash) in &rows {
        assert!(body.contains("\"alg\":\"sm3\""), "{body}");
        let prev: [u8; 32] = prev.clone().try_into().unwrap();
        let sm3 = jiuzhu_server::audit::HashAlg::Sm3.link(&prev, *seq as u64, body);
        assert_eq!(
            hash.as_slice(),
            sm3.as_slice(),
            "record {seq} is linked with SM3"
        );
        assert_ne!(
            sm3,
            jiuzhu_server::audit::link_hash(&prev, *seq as u64, body)
        );
    }
    db.execute(
        "UPDATE audit SET body = replace(body, '赵六', '钱七') WHERE seq = 2",
        [],
    )
    .unwrap();
    let (ok, report) = verify(data);
    assert!(!ok);
    assert_eq!(report["first_broken"], 2, "{report}");

    let plain = tempfile::tempdir().unwrap();
    admin_add_investigators(plain.path(), &["王五"]);
    let body: String = rusqlite::Connection::open(plain.path().join("jiuzhu.sqlite"))
        .unwrap()
        .query_row("SELECT body FROM audit", [], |r| r.get(0))
        .unwrap();
    assert!(
        !body.contains("alg"),
        "SHA-256 by default, bodies as before: {body}"
    );
}

/// The server anchors every finished day itself (at start, then every 6 hours), with its key
/// where `serve --audit-key` puts it; the day still running is left to the next turn.
#[test]
fn the_server_anchors_finished_days_with_its_key_where_it_is_told() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let now = jiuzhu_server::clock::now();
    {
        let store = jiuzhu_e2e::data_dir(data).open_store().unwrap();
        for at in [now - 3 * DAY, now - DAY, now] {
            store
                .audit(&AuditEvent::new(at, "admin", "view_case", None, json!({})))
                .unwrap();
        }
    }
    let keys = tempfile::tempdir().unwrap();
    let key = keys.path().join("audit.key");
    let server =
        jiuzhu_e2e::ServerProcess::spawn_with(data, &["--audit-key", key.to_str().unwrap()], None);
    let export = data.join("export.json");
    let export_args = [
        "--audit-key",
        key.to_str().unwrap(),
        "export-anchors",
        "--out",
        export.to_str().unwrap(),
    ];
    // The scheduler's first turn runs as the server starts; wait for its anchors to appear.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let anchors = loop {
        admin_cli(data, &export_args);
        let exported: Value = serde_json::from_slice(&std::fs::read(&export).unwrap()).unwrap();
        let anchors = exported["anchors"].as_array().unwrap().clone();
        if anchors.len() == 2 || std::time::Instant::now() > deadline {
            break anchors;
        }
        std::thread::yield_now();
    };
    let day = |at: i64| json!(jiuzhu_shared::rules::date::Date::in_china(at).to_string());
    let days: Vec<&Value> = anchors.iter().map(|a| &a["day"]).collect();
    assert_eq!(days, [&day(now - 3 * DAY), &day(now - DAY)], "{anchors:?}");
    assert_eq!(anchors[1]["seq"], 2);
    assert!(
        !data.join("audit-signing.key").exists(),
        "the key is where it was put"
    );
    drop(server);
    let out = std::process::Command::new(bin("jiuzhu-server"))
        .args(["admin", "--data"])
        .arg(data)
        .args(["--audit-key", key.to_str().unwrap(), "verify-audit"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}
