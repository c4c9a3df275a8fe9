//! The console's JSON API against a real server: sign-in, scope, queue, detail, conflicts,
//! history, actions reaching the tablets, devices, exports (issue #4).

use jiuzhu_e2e::{CONSOLE_PASSWORD, Console, SimTablet, TOWNSHIP, TestServer, test_jpeg};
use serde_json::{Value, json};

const OTHER: &str = "白泥井镇";

struct World {
    server: TestServer,
    a: SimTablet,
    b: SimTablet,
    case: jiuzhu_shared::CaseId,
    other_case: jiuzhu_shared::CaseId,
    photo: String,
}

/// Two tablets sync a visit with a photo and one conflicting field; another township has a case too.
async fn world() -> World {
    let server = TestServer::start().await;
    server.add_investigator("王五");
    server.add_investigator("赵六");
    server.add_console_user("张海燕", "caseworker", TOWNSHIP);
    server.add_console_user("刘强", "caseworker", OTHER);
    jiuzhu_server::admin::add_user(
        server.store.as_ref(),
        "外乡调查员甲",
        "investigator",
        OTHER,
        None,
        0,
    )
    .unwrap();
    jiuzhu_server::admin::add_user(
        server.store.as_ref(),
        "外乡调查员乙",
        "investigator",
        OTHER,
        None,
        0,
    )
    .unwrap();
    let case = server.add_case("CON-1", &["王五", "赵六"]);
    let other_case = server.add_case_in("CON-OTHER", OTHER, &["外乡调查员甲", "外乡调查员乙"]);
    let mut a = SimTablet::enrolled(&server, &server.url(), "王五").await;
    let mut b = SimTablet::enrolled(&server, &server.url(), "赵六").await;
    a.sync().await.unwrap();
    b.sync().await.unwrap();
    a.tablet
        .set(case, "visits.0.living.housing", "土坯房")
        .unwrap();
    b.tablet
        .set(case, "visits.0.living.housing", "砖瓦房")
        .unwrap();
    let photo = a
        .tablet
        .add_photo(case, &test_jpeg(800, 600, 1), "房屋外观", "exterior")
        .unwrap()
        .hash;
    a.sync().await.unwrap();
    b.sync().await.unwrap();
    World {
        server,
        a,
        b,
        case,
        other_case,
        photo,
    }
}

async fn signed_in(server: &TestServer, name: &str) -> Console {
    let mut c = Console::new(server);
    assert_eq!(c.login(name, CONSOLE_PASSWORD).await, 200);
    c
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_is_generic_locks_out_and_guards_every_endpoint() {
    let w = world().await;
    let mut c = Console::new(&w.server);
    for path in [
        "/api/console/me",
        "/api/console/cases",
        "/api/console/devices",
        "/api/console/version",
    ] {
        let (status, body) = c.get(path).await;
        assert_eq!(
            (status, body["code"].clone()),
            (401, json!("not_signed_in")),
            "{path}"
        );
    }
    let (s1, wrong_pw) = c
        .post(
            "/api/console/login",
            json!({"name": "张海燕", "password": "nope-nope"}),
        )
        .await;
    let (s2, no_user) = c
        .post(
            "/api/console/login",
            json!({"name": "无此人", "password": "nope-nope"}),
        )
        .await;
    assert_eq!((s1, s2), (401, 401));
    assert_eq!(wrong_pw, no_user, "one message whatever failed");
    // Investigators cannot sign in to the console.
    assert_eq!(c.login("王五", CONSOLE_PASSWORD).await, 401);
    for _ in 0..4 {
        c.login("张海燕", "still-wrong").await;
    }
    assert_eq!(
        c.login("张海燕", CONSOLE_PASSWORD).await,
        429,
        "locked after 5 failures"
    );
    let mut other = Console::new(&w.server);
    assert_eq!(
        other.login("刘强", CONSOLE_PASSWORD).await,
        200,
        "lockout is per account"
    );
    let (status, me) = other.get("/api/console/me").await;
    assert_eq!(
        (status, me["user"]["township"].clone()),
        (200, json!(OTHER))
    );
    let (status, _) = other.post("/api/console/logout", json!({})).await;
    assert_eq!(status, 200);
    assert_eq!(other.get("/api/console/me").await.0, 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_caseworker_sees_only_their_township() {
    let w = world().await;
    let mut b = signed_in(&w.server, "刘强").await;
    let (_, queue) = b.get("/api/console/cases").await;
    let nos: Vec<_> = queue["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["case_no"].clone())
        .collect();
    assert_eq!(nos, vec![json!("CON-OTHER")]);
    for path in [
        format!("/api/console/cases/{}", w.case),
        format!("/api/console/cases/{}/history", w.case),
        format!("/api/console/blobs/{}", w.photo),
    ] {
        assert_eq!(b.get(&path).await.0, 404, "{path}");
    }
    let (status, _) = b
        .post(
            &format!("/api/console/cases/{}/workflow", w.case),
            json!({"action": "return_visit", "notes": [{"path": null, "text": "越权退回"}]}),
        )
        .await;
    assert_eq!(status, 404);
    let (status, xlsx) = b.raw("GET", "/api/console/export/queue.xlsx", None).await;
    assert_eq!(status, 200);
    assert!(!String::from_utf8_lossy(&xlsx).contains("CON-1"));
    let (_, devices) = b.get("/api/console/devices").await;
    assert_eq!(
        devices["devices"],
        json!([]),
        "devices of another township are not listed"
    );
    let mut a = signed_in(&w.server, "张海燕").await;
    assert_eq!(
        a.get(&format!("/api/console/cases/{}", w.other_case))
            .await
            .0,
        404
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queue_detail_photo_history_and_version() {
    let mut w = world().await;
    let mut c = signed_in(&w.server, "张海燕").await;
    let (_, queue) = c.get("/api/console/cases?conflicts=1").await;
    let row = &queue["cases"][0];
    assert_eq!(row["case_no"], json!("CON-1"));
    assert_eq!(
        (
            row["conflicts"].clone(),
            row["photos"].clone(),
            row["evidence_complete"].clone()
        ),
        (json!(1), json!(1), json!(true))
    );
    assert_eq!(queue["counts"]["investigating"], json!(1));
    assert_eq!(
        c.get("/api/console/cases?state=returned").await.1["cases"],
        json!([])
    );

    let (status, detail) = c.get(&format!("/api/console/cases/{}", w.case)).await;
    assert_eq!(status, 200);
    assert_eq!(
        detail["conflicts"][0]["path"],
        json!("visits.0.living.housing")
    );
    assert_eq!(detail["photos"][0]["hash"], json!(w.photo));
    assert_eq!(detail["photos"][0]["present"], json!(true));
    assert_eq!(detail["photos"][0]["by"], json!("王五"));
    let (status, jpeg) = c
        .raw("GET", &format!("/api/console/blobs/{}", w.photo), None)
        .await;
    assert_eq!(status, 200);
    assert_eq!(jpeg, w.server.blob(&w.photo));
    let (status, thumb) = c
        .raw(
            "GET",
            &format!("/api/console/blobs/{}?thumb=1", w.photo),
            None,
        )
        .await;
    assert_eq!(status, 200);
    let small = image::load_from_memory(&thumb).unwrap();
    assert!(small.width() <= 320 && small.height() <= 320 && small.width() > 0);

    let (_, history) = c
        .get(&format!("/api/console/cases/{}/history", w.case))
        .await;
    let by: Vec<String> = history["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["by"].as_str().unwrap_or("").to_string())
        .collect();
    assert!(by.contains(&"server".to_string()));
    assert!(by.contains(&"device 王五 (王五)".to_string()), "{by:?}");
    assert!(by.contains(&"device 赵六 (赵六)".to_string()), "{by:?}");
    // Each change lists the fields it wrote with the value before and after: the two tablets'
    // concurrent writes to the housing field, each from nothing.
    let housing: Vec<Value> = history["changes"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|h| h["fields"].as_array().cloned().unwrap_or_default())
        .filter(|f| f["path"] == json!("visits.0.living.housing"))
        .collect();
    let written: std::collections::BTreeSet<String> = housing
        .iter()
        .map(|f| f["new"].as_str().unwrap_or("").to_string())
        .collect();
    assert!(
        written.contains("土坯房") && written.contains("砖瓦房"),
        "{housing:?}"
    );
    assert!(housing.iter().all(|f| f["old"].is_null()), "{housing:?}");

    let (_, v1) = c.get("/api/console/version").await;
    w.a.tablet.note(w.case, "补充记录").unwrap();
    w.a.sync().await.unwrap();
    let (_, v2) = c.get("/api/console/version").await;
    assert!(
        v2["seq"].as_u64() > v1["seq"].as_u64(),
        "a tablet's sync moves the version"
    );

    let (status, xlsx) = c
        .raw("GET", "/api/console/export/queue.xlsx?conflicts=1", None)
        .await;
    assert_eq!(status, 200);
    assert_eq!(&xlsx[..2], b"PK", "an xlsx (zip) file");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resolving_and_returning_reach_the_tablets() {
    let mut w = world().await;
    let mut c = signed_in(&w.server, "张海燕").await;
    let path = format!("/api/console/cases/{}", w.case);
    let act = format!("{path}/workflow");
    let resolve = |reason: &str| {
        json!({"action": "resolve_conflict", "reason": reason,
               "resolution": {"path": "visits.0.living.housing", "value": "砖瓦房（已核实）"}})
    };
    let (status, refused) = c.post(&act, resolve(" ")).await;
    assert_eq!(
        (status, refused["code"].clone()),
        (409, json!("reason_required")),
        "a resolution says why"
    );
    let (status, wf) = c.post(&act, resolve("入户复核为砖瓦房")).await;
    assert_eq!(status, 200, "{wf}");
    let (_, detail) = c.get(&path).await;
    assert_eq!(detail["conflicts"], json!([]));
    let (status, bad) = c
        .post(
            &act,
            json!({"action": "resolve_conflict", "reason": "x",
                   "resolution": {"path": "visits.0.finalized", "value": true}}),
        )
        .await;
    assert_eq!(
        (status, bad["code"].clone()),
        (400, json!("invalid")),
        "only a field in conflict: {bad}"
    );

    let (status, _) = c
        .post(&act, json!({"action": "return_visit", "notes": []}))
        .await;
    assert_eq!(status, 400, "a return needs a note");
    let (status, wf) = c
        .post(
            &act,
            json!({"action": "return_visit",
                   "notes": [{"path": "visits.0.income", "text": "请补充养殖收入"}]}),
        )
        .await;
    assert_eq!(status, 200);
    let records: Vec<(Value, Value)> = wf["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["action"].clone(), r["actor"].clone()))
        .collect();
    assert_eq!(
        records[1..],
        [
            (json!("resolve_conflict"), json!("张海燕")),
            (json!("return_visit"), json!("张海燕"))
        ]
    );
    assert_eq!(records[0].0, json!("start_investigation"));

    for t in [&mut w.a, &mut w.b] {
        t.sync().await.unwrap();
        let doc = t.show(w.case);
        assert_eq!(
            doc["visits"][0]["living"]["housing"],
            json!("砖瓦房（已核实）")
        );
        assert_eq!(doc["review_notes"][0]["text"], json!("请补充养殖收入"));
        assert_eq!(doc["review_notes"][0]["path"], json!("visits.0.income"));
        assert_eq!(doc["header"]["status"], json!("investigating"));
    }
    let (_, history) = c.get(&format!("{path}/history")).await;
    assert!(
        history["changes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h["by"] == json!("console 张海燕"))
    );

    // 验收 needs a sealed visit signed by the team.
    let (status, refused) = c.post(&act, json!({"action": "accept_visit"})).await;
    assert_eq!(
        (status, refused["code"].clone()),
        (409, json!("visit_not_finalized"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn assigning_needs_two_investigators_of_the_township() {
    let w = world().await;
    let mut c = signed_in(&w.server, "张海燕").await;
    let path = format!("/api/console/cases/{}/workflow", w.case);
    let team = |names: &[&str]| json!({"action": "change_team", "team": names});
    let (status, r) = c.post(&path, team(&["王五"])).await;
    assert_eq!((status, r["code"].clone()), (409, json!("team_too_small")));
    assert_eq!(c.post(&path, team(&["王五", "外乡调查员甲"])).await.0, 400);
    assert_eq!(
        c.post(&path, team(&["王五", "张海燕"])).await.0,
        400,
        "a caseworker is not an investigator"
    );
    let (status, wf) = c.post(&path, team(&["赵六", "王五"])).await;
    assert_eq!(status, 200);
    assert_eq!(wf["facts"]["team"], json!(["王五", "赵六"]));
    let (_, inv) = c.get("/api/console/investigators").await;
    assert_eq!(inv["investigators"].as_array().unwrap().len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn devices_enrollment_codes_and_revocation() {
    let mut w = world().await;
    let mut c = signed_in(&w.server, "张海燕").await;
    let (_, devices) = c.get("/api/console/devices").await;
    let list = devices["devices"].as_array().unwrap();
    assert_eq!(list.len(), 2);
    assert!(
        list.iter()
            .all(|d| d["last_sync_at"].is_i64() && d["app_version"].is_string())
    );

    let (status, code) = c
        .post("/api/console/enroll-codes", json!({"user": "王五"}))
        .await;
    assert_eq!(status, 200);
    assert!(code["qr_svg"].as_str().unwrap().contains("<svg"));
    let mut fresh = SimTablet::new();
    fresh
        .tablet
        .enroll(
            &w.server.url(),
            code["code"].as_str().unwrap(),
            Some(&w.server.fingerprint()),
            "新平板",
        )
        .await
        .unwrap();
    assert_eq!(
        c.post("/api/console/enroll-codes", json!({"user": "外乡调查员甲"}))
            .await
            .0,
        404
    );

    let id = list.iter().find(|d| d["user"] == json!("王五")).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (status, after) = c
        .post(&format!("/api/console/devices/{id}/revoke"), json!({}))
        .await;
    assert_eq!(status, 200);
    let revoked = after["devices"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["id"] == json!(id))
        .unwrap();
    assert!(revoked["revoked_at"].is_i64());
    let err = w.a.sync().await.unwrap_err();
    assert!(err.to_string().contains("revoked"), "{err}");
    let _: &Value = &after;
}
