//! Disk and fields cannot be filled (issue 13 point 2): an applicant's upload to a case not theirs
//! writes nothing, a device stores only photos its cases refer to, and over-long or over-many
//! fields are refused with a clear message.

use jiuzhu_e2e::{Console, TOWNSHIP, TestServer, png_bytes};
use serde_json::json;

/// Files under the blob directory (published and partial).
fn blob_files(server: &TestServer) -> usize {
    fn count(dir: &std::path::Path) -> usize {
        std::fs::read_dir(dir).map_or(0, |rd| {
            rd.flatten()
                .map(|e| {
                    if e.path().is_dir() {
                        count(&e.path())
                    } else {
                        1
                    }
                })
                .sum()
        })
    }
    count(&server.dir.path().join("blobs"))
}

async fn applicant(server: &TestServer, phone: &str) -> Console {
    let mut app = Console::new(server);
    let (s, v) = app
        .post("/api/applicant/code", json!({ "phone": phone }))
        .await;
    assert_eq!(s, 200, "{v}");
    let code = server.codes.last(phone).unwrap();
    let (s, _) = app
        .post(
            "/api/applicant/login",
            json!({ "phone": phone, "code": code }),
        )
        .await;
    assert_eq!(s, 200);
    app
}

fn application(members: usize, name: &str, note: &str) -> serde_json::Value {
    let members: Vec<_> = (0..members)
        .map(|i| json!({"name": format!("成员{i}"), "relation": "子女"}))
        .collect();
    json!({"programme": "dibao", "township": TOWNSHIP, "village": "王爱召嘎查",
           "applicant": {"name": name, "id_number": "150621196203150020"},
           "members": members, "income_note": note})
}

#[tokio::test(flavor = "multi_thread")]
async fn an_upload_to_someone_elses_case_writes_nothing_to_disk() {
    let server = TestServer::start().await;
    let mut owner = applicant(&server, "13900000001").await;
    let (s, c) = owner
        .post("/api/applicant/cases", application(1, "苏和", ""))
        .await;
    assert_eq!(s, 200, "{c}");
    let case = c["case_id"].as_str().unwrap().to_string();
    let mut other = applicant(&server, "13900000002").await;
    let before = blob_files(&server);
    let (s, _) = other
        .raw_body(
            "POST",
            &format!("/api/applicant/cases/{case}/materials?kind=id_card&name=x"),
            png_bytes(),
        )
        .await;
    assert_eq!(s, 404, "another phone's case is not found");
    assert_eq!(blob_files(&server), before, "nothing reached the disk");
    // The owner's own upload is stored.
    let (s, v) = owner
        .raw_body(
            "POST",
            &format!("/api/applicant/cases/{case}/materials?kind=id_card&name=x"),
            png_bytes(),
        )
        .await;
    assert_eq!(s, 200, "{}", String::from_utf8_lossy(&v));
    assert!(blob_files(&server) > before);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_device_stores_only_photos_its_cases_refer_to() {
    let server = TestServer::start().await;
    server.add_investigator("王五");
    let code = server.enroll_code("王五");
    let req = jiuzhu_shared::protocol::EnrollRequest {
        v: jiuzhu_shared::protocol::PROTOCOL_VERSION,
        code,
        device_name: "平板".into(),
        app_version: "test".into(),
    };
    let mut c =
        jiuzhu_tablet_core::net::Client::new(&server.url(), Some(&server.fingerprint()), None)
            .unwrap();
    let r = c
        .send(
            "POST".parse().unwrap(),
            "/api/v1/enroll",
            "application/cbor",
            &[],
            jiuzhu_shared::protocol::encode(&req),
            false,
        )
        .await
        .unwrap();
    let token = jiuzhu_shared::protocol::decode::<jiuzhu_shared::protocol::EnrollResponse>(&r.body)
        .unwrap()
        .token;
    let mut dev = jiuzhu_tablet_core::net::Client::new(
        &server.url(),
        Some(&server.fingerprint()),
        Some(token),
    )
    .unwrap();
    let bytes = b"not a photo of any case".to_vec();
    let hash = jiuzhu_shared::BlobHash::of(&bytes);
    let before = blob_files(&server);
    let r = dev
        .send(
            "PUT".parse().unwrap(),
            &format!("/api/v1/blobs/{hash}?offset=0&total={}", bytes.len()),
            "application/octet-stream",
            &[],
            bytes,
            false,
        )
        .await
        .unwrap();
    assert_eq!(r.status.as_u16(), 403);
    let err: jiuzhu_shared::protocol::ErrorBody = jiuzhu_shared::protocol::decode(&r.body).unwrap();
    assert_eq!(err.code, "blob_not_expected");
    assert_eq!(blob_files(&server), before, "nothing reached the disk");
}

#[tokio::test(flavor = "multi_thread")]
async fn over_long_and_over_many_fields_are_refused_with_the_limit() {
    let server = TestServer::start().await;
    let mut app = applicant(&server, "13900000003").await;
    for (body, says) in [
        (application(21, "苏和", ""), "最多填写20人"),
        (application(1, &"苏".repeat(31), ""), "不超过30个字"),
        (application(1, "苏和", &"很".repeat(501)), "不超过500个字"),
    ] {
        let (s, v) = app.post("/api/applicant/cases", body).await;
        assert_eq!(s, 400, "{v}");
        assert!(v["message"].as_str().unwrap().contains(says), "{v}");
    }
    let (s, v) = app
        .post(
            "/api/applicant/cases",
            application(20, "苏和", &"很".repeat(500)),
        )
        .await;
    assert_eq!(s, 200, "the limits themselves are accepted: {v}");

    server.add_console_user("李四", "caseworker", TOWNSHIP);
    server.add_investigator("王五");
    server.add_investigator("赵六");
    let case = server.add_case("DLT-LONG-1", &["王五", "赵六"]);
    let mut cw = Console::signed_in(&server, "李四").await;
    let (s, v) = cw
        .post(
            &format!("/api/console/cases/{case}/objections"),
            json!({"channel": "phone", "content": "异".repeat(2001), "contact": "13900000009"}),
        )
        .await;
    assert_eq!(s, 400, "{v}");
    assert!(
        v["message"].as_str().unwrap().contains("不超过2000个字"),
        "{v}"
    );
}
