//! The audit chain records merges, PII views, exports and logins, and `verify-audit` finds the
//! first tampered record (issue #6 point 5, server side).

use jiuzhu_e2e::{CONSOLE_PASSWORD, Console, SimTablet, TOWNSHIP, TestServer, bin, test_jpeg};
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
