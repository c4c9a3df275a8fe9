//! The role × action × township matrix of docs/security.md, one assertion per cell, against a
//! real server (issue #6 point 4, console side).

use jiuzhu_e2e::{CONSOLE_PASSWORD, Console, SimTablet, TOWNSHIP, TestServer, test_jpeg};
use serde_json::json;

const OTHER: &str = "白泥井镇";

/// Expected answers per role: sign-in, then (own township, other township) for view, decide,
/// add a photo, manage devices, whether the queue export contains (own, other) cases, and the
/// township window (its drafts; only the caseworker takes applications).
struct Row {
    role: &'static str,
    sign_in: u16,
    view: (u16, u16),
    decide: (u16, u16),
    add_material: (u16, u16),
    devices: (u16, u16),
    export_has: (bool, bool),
    window: u16,
}

const MATRIX: &[Row] = &[
    Row {
        role: "caseworker",
        sign_in: 200,
        view: (200, 404),
        decide: (200, 404),
        add_material: (200, 404),
        devices: (200, 404),
        export_has: (true, false),
        window: 200,
    },
    Row {
        role: "lead",
        sign_in: 200,
        view: (200, 404),
        decide: (200, 404),
        add_material: (200, 404),
        devices: (200, 404),
        export_has: (true, false),
        window: 403,
    },
    Row {
        role: "bureau",
        sign_in: 200,
        view: (200, 200),
        decide: (403, 403),
        add_material: (200, 200),
        devices: (403, 403),
        export_has: (true, true),
        window: 403,
    },
    // An administrator manages accounts and devices; moving a case is the township's and the
    // bureau's (the engine has no role for it).
    Row {
        role: "admin",
        sign_in: 200,
        view: (200, 200),
        decide: (403, 403),
        add_material: (200, 200),
        devices: (200, 200),
        export_has: (true, true),
        window: 403,
    },
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_cell_of_the_role_matrix() {
    let server = TestServer::start().await;
    for (name, township) in [
        ("王五", TOWNSHIP),
        ("赵六", TOWNSHIP),
        ("外甲", OTHER),
        ("外乙", OTHER),
    ] {
        jiuzhu_server::admin::add_user(
            server.store.as_ref(),
            name,
            "investigator",
            township,
            None,
            0,
        )
        .unwrap();
    }
    let own = server.add_case("ROLE-OWN", &["王五", "赵六"]);
    let other = server.add_case_in("ROLE-OTHER", OTHER, &["外甲", "外乙"]);
    for row in MATRIX {
        server.add_console_user(&format!("{}-用户", row.role), row.role, TOWNSHIP);
    }
    for role in ["representative", "applicant"] {
        jiuzhu_server::admin::add_user(
            server.store.as_ref(),
            &format!("{role}-用户"),
            role,
            TOWNSHIP,
            None,
            0,
        )
        .unwrap();
    }

    for row in MATRIX {
        let who = format!("{}-用户", row.role);
        let mut c = Console::new(&server);
        assert_eq!(
            c.login(&who, CONSOLE_PASSWORD).await,
            row.sign_in,
            "{} sign-in",
            row.role
        );
        let view = |case| format!("/api/console/cases/{case}");
        assert_eq!(
            c.get(&view(own)).await.0,
            row.view.0,
            "{} view own",
            row.role
        );
        assert_eq!(
            c.get(&view(other)).await.0,
            row.view.1,
            "{} view other",
            row.role
        );
        // A workflow move every township role may take on a case under investigation.
        let decide = |case| format!("/api/console/cases/{case}/workflow");
        let ret =
            json!({"action": "return_visit", "notes": [{"path": null, "text": "请补充住房情况"}]});
        assert_eq!(
            c.post(&decide(own), ret.clone()).await.0,
            row.decide.0,
            "{} decide own",
            row.role
        );
        assert_eq!(
            c.post(&decide(other), ret).await.0,
            row.decide.1,
            "{} decide other",
            row.role
        );
        let upload =
            |case| format!("/api/console/cases/{case}/materials?kind=decider_visit&name=p.jpg");
        let photo = jiuzhu_e2e::test_jpeg(80, 60, 7);
        for (case, expected, which) in [
            (own, row.add_material.0, "own"),
            (other, row.add_material.1, "other"),
        ] {
            let (status, body) = c.raw_body("POST", &upload(case), photo.clone()).await;
            assert_eq!(
                status,
                expected,
                "{} add a photo to the {which} case: {}",
                row.role,
                String::from_utf8_lossy(&body)
            );
        }
        assert_eq!(
            c.post("/api/console/enroll-codes", json!({"user": "王五"}))
                .await
                .0,
            row.devices.0,
            "{} devices own",
            row.role
        );
        assert_eq!(
            c.post("/api/console/enroll-codes", json!({"user": "外甲"}))
                .await
                .0,
            row.devices.1,
            "{} devices other",
            row.role
        );
        assert_eq!(
            c.get("/api/console/window/cases").await.0,
            row.window,
            "{} window",
            row.role
        );
        let (status, xlsx) = c.raw("GET", "/api/console/export/queue.xlsx", None).await;
        assert_eq!(status, 200, "{} export", row.role);
        let text = unzip_text(&xlsx);
        assert_eq!(
            (text.contains("ROLE-OWN"), text.contains("ROLE-OTHER")),
            row.export_has,
            "{} export scope",
            row.role
        );
    }

    for role in ["investigator", "representative", "applicant"] {
        let who = if role == "investigator" {
            "王五".to_string()
        } else {
            format!("{role}-用户")
        };
        let mut c = Console::new(&server);
        assert_eq!(
            c.login(&who, CONSOLE_PASSWORD).await,
            401,
            "{role} cannot sign in to the console"
        );
        assert_eq!(c.get(&format!("/api/console/cases/{own}")).await.0, 401);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn id_numbers_are_masked_for_the_bureau_only() {
    let server = TestServer::start().await;
    server.add_investigator("王五");
    server.add_investigator("赵六");
    let json = jiuzhu_e2e::case_json("MASK-1").replace(
        "\"relation\":\"本人\"",
        "\"relation\":\"本人\",\"id_number\":\"150621198001011234\"",
    );
    assert!(json.contains("150621198001011234"));
    let case = server.add_case_json(&json);
    server.assign(case, &["王五", "赵六"]);
    server.add_console_user("caseworker-用户", "caseworker", TOWNSHIP);
    server.add_console_user("bureau-用户", "bureau", TOWNSHIP);
    let mut cw = Console::new(&server);
    cw.login("caseworker-用户", CONSOLE_PASSWORD).await;
    let (_, full) = cw
        .raw("GET", &format!("/api/console/cases/{case}"), None)
        .await;
    assert!(String::from_utf8_lossy(&full).contains("150621198001011234"));
    let mut bureau = Console::new(&server);
    bureau.login("bureau-用户", CONSOLE_PASSWORD).await;
    let (_, masked) = bureau
        .raw("GET", &format!("/api/console/cases/{case}"), None)
        .await;
    let masked = String::from_utf8_lossy(&masked);
    assert!(!masked.contains("150621198001011234"));
    assert!(masked.contains("1506**********1234"));
}

/// Issue 13 point 6: every console answer that can carry an ID number masks it for the bureau —
/// the case, its history, the workflow view (the application, a reason typed with a number in
/// it), the audit trail, the proposal, the queue — and photos of ID documents (the ID card the
/// applicant uploaded, a visit photo tagged 证件) are not shown to the bureau at all; the
/// caseworker sees all of it whole.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn id_numbers_are_masked_for_the_bureau_in_every_answer() {
    const ID: &str = "150621196203150020";
    const PHONE: &str = "13800000009";
    let server = TestServer::start().await;
    server.add_investigator("王五");
    server.add_investigator("赵六");
    server.add_console_user("caseworker-用户", "caseworker", TOWNSHIP);
    server.add_console_user("lead-用户", "lead", TOWNSHIP);
    server.add_console_user("bureau-用户", "bureau", TOWNSHIP);

    // A phone application with the applicant's ID number and a photo of the ID card.
    let mut phone = Console::new(&server);
    phone
        .post("/api/applicant/code", json!({ "phone": PHONE }))
        .await;
    let code = server.codes.last(PHONE).unwrap();
    phone
        .post(
            "/api/applicant/login",
            json!({ "phone": PHONE, "code": code }),
        )
        .await;
    let application = json!({"programme": "dibao", "township": TOWNSHIP, "village": "王爱召嘎查",
        "applicant": {"name": "苏和", "id_number": ID},
        "members": [{"name": "苏和", "relation": "本人", "id_number": ID}]});
    let (s, c) = phone.post("/api/applicant/cases", application).await;
    assert_eq!(s, 200, "{c}");
    let case = c["case_id"].as_str().unwrap().to_string();
    let upload = format!("/api/applicant/cases/{case}/materials?kind=id_card&name=身份证");
    let (s, _) = phone.raw_body("POST", &upload, test_jpeg(120, 80, 5)).await;
    assert_eq!(s, 200);
    for document in ["promise", "consent"] {
        let body =
            json!({"document": document, "signer": "苏和", "image": jiuzhu_e2e::png_data_url()});
        let (s, v) = phone
            .post(&format!("/api/applicant/cases/{case}/sign"), body)
            .await;
        assert_eq!(s, 200, "{v}");
    }
    let (s, v) = phone
        .post(&format!("/api/applicant/cases/{case}/submit"), json!({}))
        .await;
    assert_eq!(s, 200, "{v}");
    let mut cw = Console::signed_in(&server, "caseworker-用户").await;
    cw.act(&case, json!({"action": "accept"})).await;
    let mut lead = Console::signed_in(&server, "lead-用户").await;
    lead.act(
        &case,
        json!({"action": "start_investigation", "team": ["王五", "赵六"]}),
    )
    .await;
    // A reason typed with the number in it: kept in the facts and in the audit trail.
    let flag = json!({"separately_registered": true, "reason": format!("户主{ID}为重残人员")});
    let (s, v) = cw
        .post(&format!("/api/console/cases/{case}/flags"), flag)
        .await;
    assert_eq!(s, 200, "{v}");

    let routes = [
        format!("/api/console/cases/{case}"),
        format!("/api/console/cases/{case}/history"),
        format!("/api/console/cases/{case}/workflow"),
        format!("/api/console/cases/{case}/audit"),
        format!("/api/console/cases/{case}/proposal"),
        "/api/console/cases".to_string(),
    ];
    let rules = server.dir.path().join("rules.toml");
    std::fs::write(&rules, jiuzhu_server::proposals::EXAMPLE_CONFIG).unwrap();
    jiuzhu_e2e::admin_cli(
        server.dir.path(),
        &["set-rules", "--file", rules.to_str().unwrap()],
    );
    let mut bureau = Console::signed_in(&server, "bureau-用户").await;
    let masked = format!("{}**********{}", &ID[..4], &ID[14..]);
    for route in &routes {
        let (s, full) = cw.raw("GET", route, None).await;
        assert_eq!(s, 200, "{route}");
        let full = String::from_utf8_lossy(&full).to_string();
        let (s, seen) = bureau.raw("GET", route, None).await;
        assert_eq!(s, 200, "{route}");
        let seen = String::from_utf8_lossy(&seen).to_string();
        assert!(
            !seen.contains(&ID[6..14]),
            "{route} shows the bureau an ID number: {seen}"
        );
        if full.contains(ID) {
            assert!(
                seen.contains(&masked),
                "{route} masks it as {masked}: {seen}"
            );
        }
    }
    let (_, wf) = cw.get(&format!("/api/console/cases/{case}/workflow")).await;
    assert!(
        wf.to_string().contains(ID),
        "the caseworker sees the number whole"
    );
    let (_, trail) = cw.get(&format!("/api/console/cases/{case}/audit")).await;
    assert!(
        trail.to_string().contains(ID),
        "the trail keeps the reason whole"
    );

    // The team photographs a document on the visit, and the house.
    let mut t = SimTablet::enrolled(&server, &server.url(), "王五").await;
    t.sync().await.unwrap();
    let case_id = case.parse().unwrap();
    let document = t
        .tablet
        .add_photo(case_id, &test_jpeg(300, 200, 8), "户口本", "document")
        .unwrap();
    let house = t
        .tablet
        .add_photo(case_id, &test_jpeg(300, 200, 9), "", "exterior")
        .unwrap();
    t.sync().await.unwrap();
    for thumb in ["", "?thumb=1"] {
        let document = format!("/api/console/blobs/{}{thumb}", document.hash);
        let house = format!("/api/console/blobs/{}{thumb}", house.hash);
        assert_eq!(cw.raw("GET", &document, None).await.0, 200);
        let (s, v) = bureau.get(&document).await;
        assert_eq!(
            (s, v["code"].as_str()),
            (403, Some("id_numbers_masked")),
            "{v}"
        );
        assert_eq!(bureau.raw("GET", &house, None).await.0, 200);
    }

    // The ID card's photo: the caseworker sees it, the bureau is told why not.
    let card = wf["materials"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["kind"] == "id_card")
        .expect("the ID card is a material")["id"]
        .as_str()
        .unwrap()
        .to_string();
    let photo = format!("/api/console/materials/{card}");
    assert_eq!(cw.raw("GET", &photo, None).await.0, 200);
    let (s, v) = bureau.get(&photo).await;
    assert_eq!(
        (s, v["code"].as_str()),
        (403, Some("id_numbers_masked")),
        "{v}"
    );
}

/// The text of an xlsx (a zip of XML parts): enough to look for case numbers.
fn unzip_text(xlsx: &[u8]) -> String {
    use std::io::Read;
    let mut out = String::new();
    let mut rest = xlsx;
    // Walk the local file headers (PK\x03\x04) and inflate each entry; sizes may come after the
    // data (flag bit 3), so the deflate stream's own end tells where an entry stops.
    while rest.len() > 30 && rest[..4] == *b"PK\x03\x04" {
        let u16at = |i: usize| u16::from_le_bytes([rest[i], rest[i + 1]]) as usize;
        let (flags, method, name_len, extra_len) = (u16at(6), u16at(8), u16at(26), u16at(28));
        let start = 30 + name_len + extra_len;
        let used = if method == 8 {
            let mut d = flate2::read::DeflateDecoder::new(&rest[start..]);
            let mut s = String::new();
            let _ = d.read_to_string(&mut s);
            out.push_str(&s);
            d.total_in() as usize
        } else {
            let size = u32::from_le_bytes([rest[18], rest[19], rest[20], rest[21]]) as usize;
            out.push_str(&String::from_utf8_lossy(&rest[start..start + size]));
            size
        };
        let mut next = start + used;
        if flags & 8 != 0 {
            next += if rest[next..].starts_with(b"PK\x07\x08") {
                16
            } else {
                12
            };
        }
        rest = &rest[next..];
    }
    out
}
