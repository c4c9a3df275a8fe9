//! The role × action × township matrix of docs/security.md, one assertion per cell, against a
//! real server (issue #6 point 4, console side).

use jiuzhu_e2e::{CONSOLE_PASSWORD, Console, TOWNSHIP, TestServer};
use serde_json::json;

const OTHER: &str = "白泥井镇";

/// Expected answers per role: sign-in, then (own township, other township) for view, decide,
/// add a photo, manage devices, and whether the queue export contains (own, other) cases.
struct Row {
    role: &'static str,
    sign_in: u16,
    view: (u16, u16),
    decide: (u16, u16),
    add_material: (u16, u16),
    devices: (u16, u16),
    export_has: (bool, bool),
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
    },
    Row {
        role: "lead",
        sign_in: 200,
        view: (200, 404),
        decide: (200, 404),
        add_material: (200, 404),
        devices: (200, 404),
        export_has: (true, false),
    },
    Row {
        role: "bureau",
        sign_in: 200,
        view: (200, 200),
        decide: (403, 403),
        add_material: (200, 200),
        devices: (403, 403),
        export_has: (true, true),
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
