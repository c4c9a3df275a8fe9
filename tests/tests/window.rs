//! The township window (issue 16, docs/window-api.md) against a real server: a walk-in family of
//! three applying through an agent, refused 受理 until every adult's consent is recorded, then
//! accepted with a receipt, a need referred to 医疗救助, and the case reaching the team's tablets
//! like a phone application. Each permission is also tried by someone without it.

use jiuzhu_e2e::{Console, SimTablet, TOWNSHIP, TestServer, png_data_url, test_jpeg};
use serde_json::{Value, json};

const OTHER_TOWNSHIP: &str = "王爱召镇";
const PHONE: &str = "13900000002";

/// A valid ID number (GB 11643 check digit) from its first 17 digits.
fn id_number(stem: &str) -> String {
    "0123456789X"
        .chars()
        .map(|c| format!("{stem}{c}"))
        .find(|id| jiuzhu_server::workflow::applications::id_number_valid(id))
        .expect("one check digit fits")
}

fn jpeg_data_url(bytes: &[u8]) -> String {
    use base64::Engine;
    format!(
        "data:image/jpeg;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    )
}

fn family() -> Value {
    json!({
        "programme": "dibao", "township": OTHER_TOWNSHIP, "village": "树林召村", "address": "三社12号",
        "phone": PHONE,
        "applicant": {"name": "高桂英", "id_number": id_number("15062119560304002")},
        "members": [
            {"name": "高桂英", "id_number": id_number("15062119560304002"), "relation": "本人"},
            {"name": "刘福", "id_number": id_number("15062119540817001"), "relation": "配偶"},
            {"name": "刘小宝", "id_number": id_number("15062120150611003"), "relation": "孙子女"},
        ],
        "income": [{"category": "transfer", "item": "养老金", "amount_fen": 150_000, "period_months": 12}],
        "agent": {"name": "刘强", "id_number": id_number("15062119820105001"), "relation": "儿子", "phone": "13900000003"},
    })
}

/// The applicant's phone session.
async fn applicant(server: &TestServer, phone: &str) -> Console {
    let mut c = Console::new(server);
    let (s, _) = c
        .post("/api/applicant/code", json!({ "phone": phone }))
        .await;
    assert_eq!(s, 200);
    let code = server.codes.last(phone).expect("a code was sent");
    let (s, _) = c
        .post(
            "/api/applicant/login",
            json!({ "phone": phone, "code": code }),
        )
        .await;
    assert_eq!(s, 200);
    c
}

fn path(case: &str, rest: &str) -> String {
    format!("/api/console/window/cases/{case}{rest}")
}

#[tokio::test]
async fn a_walk_in_family_is_taken_at_the_window_and_reaches_the_tablets() {
    let server = TestServer::start().await;
    server.add_console_user("张海燕", "caseworker", TOWNSHIP);
    server.add_console_user("乔志强", "lead", TOWNSHIP);
    server.add_console_user("白玉梅", "bureau", TOWNSHIP);
    server.add_console_user("刘芳", "caseworker", OTHER_TOWNSHIP);
    for n in ["王建国", "李明"] {
        server.add_investigator(n);
    }
    // A household already in the system: its applicant walks in again.
    let existing_json = jiuzhu_e2e::household_case_json("DB-2026-0001", 3);
    let existing = server.add_case_json(&existing_json);
    let existing_id = serde_json::from_str::<Value>(&existing_json).unwrap()["declared"]["members"]
        [0]["id_number"]
        .as_str()
        .unwrap()
        .to_string();

    let mut cw = Console::signed_in(&server, "张海燕").await;
    let mut lead = Console::signed_in(&server, "乔志强").await;
    let mut bureau = Console::signed_in(&server, "白玉梅").await;
    let mut other = Console::signed_in(&server, "刘芳").await;

    // Only the caseworker takes applications.
    for c in [&mut lead, &mut bureau] {
        let (s, _) = c.post("/api/console/window/cases", family()).await;
        assert_eq!(s, 403, "only the caseworker's role takes applications");
    }

    // The duplicate check: the window sees the case it may open; another township only that
    // one exists.
    let q = format!("/api/console/duplicates?id_number={existing_id}");
    let (s, found) = cw.get(&q).await;
    assert_eq!(s, 200, "{found}");
    assert_eq!(found.as_array().unwrap().len(), 1, "{found}");
    assert_eq!(found[0]["case_id"], existing.to_string());
    assert_eq!(found[0]["role"], "applicant");
    assert_eq!(found[0]["linkable"], true);
    let (_, elsewhere) = other.get(&q).await;
    assert_eq!(elsewhere[0]["linkable"], false);
    assert!(elsewhere[0]["case_id"].is_null() && elsewhere[0]["name"].is_null());
    let (_, none) = cw
        .get(&format!(
            "/api/console/duplicates?id_number={}",
            id_number("15062119560304002")
        ))
        .await;
    assert_eq!(none, json!([]), "no case of the walk-in family yet");

    // Bad input: a wrong check digit, a bad phone.
    let mut bad = family();
    bad["members"][1]["id_number"] = json!("150621195408170010");
    let (s, v) = cw.post("/api/console/window/cases", bad).await;
    assert_eq!(s, 400, "{v}");
    assert!(v["message"].as_str().unwrap().contains("刘福"), "{v}");
    let mut bad = family();
    bad["phone"] = json!("1390000");
    let (s, _) = cw.post("/api/console/window/cases", bad).await;
    assert_eq!(s, 400);

    let (s, w) = cw.post("/api/console/window/cases", family()).await;
    assert_eq!(s, 200, "{w}");
    let case = w["case_id"].as_str().unwrap().to_string();
    assert_eq!(w["state"], "draft");
    assert_eq!(
        w["township"], TOWNSHIP,
        "the window's own township, whatever was sent"
    );
    assert_eq!(
        w["adults"],
        json!(["高桂英", "刘福"]),
        "the grandchild is a minor"
    );
    assert_eq!(w["ready"], false);
    assert_eq!(w["missing"].as_array().unwrap().len(), 4, "{w}");

    // A draft is the window's: another township's caseworker, the lead and the queue do not reach it.
    let (s, _) = other.get(&path(&case, "")).await;
    assert_eq!(s, 404, "another township's window");
    let (s, _) = other.json("PUT", &path(&case, ""), Some(family())).await;
    assert_eq!(s, 404);
    let (s, _) = lead.get(&format!("/api/console/cases/{case}")).await;
    assert_eq!(s, 404, "a draft is not in the queue");
    let (_, drafts) = cw.get("/api/console/window/cases").await;
    assert_eq!(drafts[0]["case_id"], case.as_str());
    let (_, drafts) = other.get("/api/console/window/cases").await;
    assert_eq!(drafts, json!([]));
    let mut phone = applicant(&server, PHONE).await;
    let (s, _) = phone.get(&format!("/api/applicant/cases/{case}")).await;
    assert_eq!(s, 404, "the window's draft is not the applicant's to edit");

    // Two scanned materials: the 委托书 and an ID card.
    for (kind, seed) in [("mandate", 1), ("id_card", 2)] {
        let (s, body) = cw
            .raw_body(
                "POST",
                &path(&case, &format!("/materials?kind={kind}&name={kind}")),
                test_jpeg(800, 600, seed),
            )
            .await;
        assert_eq!(s, 200, "{}", String::from_utf8_lossy(&body));
    }
    let (s, _) = other
        .raw_body(
            "POST",
            &path(&case, "/materials?kind=other"),
            test_jpeg(80, 60, 3),
        )
        .await;
    assert_eq!(s, 404, "another township cannot add to the draft");

    // The 承诺书 by the agent and one adult's consent: still short of the spouse's.
    let sign = |document: &str, signer: &str, mode: &str, image: String| json!({"document": document, "signer": signer, "mode": mode, "image": image});
    for body in [
        sign("promise", "刘强", "pad", png_data_url()),
        sign("consent", "高桂英", "pad", png_data_url()),
    ] {
        let (s, v) = cw.post(&path(&case, "/sign"), body).await;
        assert_eq!(s, 200, "{v}");
    }
    let (s, v) = cw
        .post(
            &path(&case, "/sign"),
            sign(
                "consent",
                "刘福",
                "pad",
                jpeg_data_url(&test_jpeg(40, 20, 4)),
            ),
        )
        .await;
    assert_eq!(s, 400, "a pad signature is a PNG: {v}");
    let (s, v) = cw.post(&path(&case, "/submit"), json!({})).await;
    assert_eq!(s, 409, "{v}");
    assert_eq!(v["code"], "consent_missing", "{v}");
    let (_, w) = cw.get(&path(&case, "")).await;
    assert_eq!(w["state"], "draft", "a refused submission changes nothing");
    assert_eq!(w["consent_pending"], json!(["刘福"]));
    let (s, _) = lead.get(&format!("/api/console/cases/{case}")).await;
    assert_eq!(s, 404, "and writes no case document");

    // The spouse signed the paper form; its scan is recorded as such.
    let (s, w) = cw
        .post(
            &path(&case, "/sign"),
            sign(
                "consent",
                "刘福",
                "paper",
                jpeg_data_url(&test_jpeg(400, 560, 5)),
            ),
        )
        .await;
    assert_eq!(s, 200, "{w}");
    assert_eq!(w["ready"], true, "{w}");
    let paper = w["signatures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["signer"] == "刘福")
        .unwrap();
    assert_eq!(paper["mode"], "paper");
    assert_eq!(paper["by"], "张海燕");
    let (s, img) = cw.raw("GET", paper["url"].as_str().unwrap(), None).await;
    assert!(
        s == 200 && img.starts_with(&[0xFF, 0xD8]),
        "the scan is kept"
    );

    let (s, w) = cw.post(&path(&case, "/submit"), json!({})).await;
    assert_eq!(s, 200, "{w}");
    assert_eq!(w["state"], "accepted");
    let receipt = &w["receipt"];
    assert_eq!(receipt["working_days"], 30, "{receipt}");
    assert!(receipt["due"].is_string());
    let (s, pdf) = cw.raw("GET", receipt["pdf"].as_str().unwrap(), None).await;
    assert!(s == 200 && pdf.starts_with(b"%PDF"), "the receipt is a PDF");
    let (s, _) = other
        .raw("GET", receipt["pdf"].as_str().unwrap(), None)
        .await;
    assert_eq!(s, 404);
    let (s, _) = cw.post(&path(&case, "/submit"), json!({})).await;
    assert_eq!(s, 400, "submitted once");
    let (s, _) = cw
        .post(
            &path(&case, "/sign"),
            sign("consent", "刘福", "pad", png_data_url()),
        )
        .await;
    assert_eq!(s, 400, "an accepted case's signatures are settled");

    // An ordinary case now: in the queue, with the 受理 record and the duplicate check finding it.
    let (s, wf) = lead
        .get(&format!("/api/console/cases/{case}/workflow"))
        .await;
    assert_eq!(s, 200, "{wf}");
    assert_eq!(wf["state"], "accepted");
    let (_, found) = cw
        .get(&format!(
            "/api/console/duplicates?id_number={}",
            id_number("15062120150611003")
        ))
        .await;
    assert_eq!(found[0]["case_id"], case.as_str());
    assert_eq!(found[0]["role"], "member");

    // 协同办理: the caseworker refers the grandmother's medical need.
    let refs = format!("/api/console/cases/{case}/referrals");
    let (s, r) = cw
        .post(
            &refs,
            json!({"target": "medical", "note": "高桂英患慢性病，自付医药费较高"}),
        )
        .await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(r["state"], "sent");
    assert!(r["slip_no"].as_str().unwrap().starts_with("ZB-"));
    let (s, _) = bureau
        .post(&refs, json!({"target": "medical", "note": "重复转办"}))
        .await;
    assert_eq!(s, 403, "the bureau reads referrals, it does not make them");
    let (s, _) = other
        .post(&refs, json!({"target": "medical", "note": "越权转办"}))
        .await;
    assert_eq!(s, 404);
    let (s, _) = cw
        .post(&refs, json!({"target": "lottery", "note": "未知部门"}))
        .await;
    assert_eq!(s, 400);
    let rid = r["id"].as_str().unwrap();
    let step = format!("/api/console/referrals/{rid}");
    let (s, _) = other
        .post(&step, json!({"state": "closed", "note": "越权"}))
        .await;
    assert_eq!(s, 404, "another township's referral");
    let (s, r) = lead
        .post(
            &step,
            json!({"state": "answered", "note": "已纳入医疗救助，报销比例提高"}),
        )
        .await;
    assert_eq!(s, 200, "{r}");
    let (s, r) = cw.post(&step, json!({"state": "closed", "note": ""})).await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(r["steps"].as_array().unwrap().len(), 3);
    let (s, _) = cw
        .post(&step, json!({"state": "answered", "note": "再次回复"}))
        .await;
    assert_eq!(s, 400, "a closed referral stays closed");
    let (s, pdf) = bureau.raw("GET", r["slip"].as_str().unwrap(), None).await;
    assert!(s == 200 && pdf.starts_with(b"%PDF"), "the 转办单");
    let (_, list) = bureau.get(&refs).await;
    assert_eq!(list[0]["state"], "closed");
    let (_, summary) = bureau.get("/api/console/referrals/summary").await;
    assert_eq!(summary["total"], 1);
    assert_eq!(summary["by_target"][0]["closed"], 1);
    let (_, summary) = other.get("/api/console/referrals/summary").await;
    assert_eq!(summary["total"], 0, "another township's figures");

    // The applicant follows the case on the phone pages with the number given at the window.
    let (s, mine) = phone.get(&format!("/api/applicant/cases/{case}")).await;
    assert_eq!(s, 200, "{mine}");
    assert_eq!(mine["state"], "accepted");
    assert!(
        mine["notices"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["kind"] == "acceptance"),
        "{mine}"
    );

    // The lead names the team; the case reaches their tablets like a phone case.
    lead.act(
        &case,
        json!({"action": "start_investigation", "team": ["王建国", "李明"]}),
    )
    .await;
    let case_id: jiuzhu_shared::CaseId = case.parse().unwrap();
    for n in ["王建国", "李明"] {
        let mut t = SimTablet::enrolled(&server, &server.url(), n).await;
        t.sync().await.expect("sync");
        let doc = t.show(case_id);
        assert_eq!(doc["header"]["status"], "investigating", "{doc}");
        assert_eq!(doc["declared"]["members"].as_array().unwrap().len(), 3);
        let kinds: Vec<&str> = doc["declared"]["documents"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["kind"].as_str().unwrap())
            .collect();
        assert_eq!(kinds, ["mandate", "id_card"], "{doc}");
        assert!(
            doc["declared"]["statement"]
                .as_str()
                .unwrap()
                .contains("受委托人刘强"),
            "{doc}"
        );
    }
}

#[test]
fn a_case_from_a_file_records_the_paper_consent_of_each_adult() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let server = rt.block_on(TestServer::start());
    let json_text = jiuzhu_e2e::household_case_json("DB-2026-0002", 2);
    let case = server.add_case_json(&json_text);
    let flow = jiuzhu_server::workflow::flows::flow(server.store.as_ref(), case).unwrap();
    let today = jiuzhu_shared::rules::date::Date::in_china(jiuzhu_server::clock::now());
    let mut adults: Vec<String> =
        serde_json::from_str::<Value>(&json_text).unwrap()["declared"]["members"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| {
                jiuzhu_server::workflow::flow::Member {
                    id_number: m["id_number"].as_str().unwrap().into(),
                    ..Default::default()
                }
                .adult_on(today)
            })
            .map(|m| m["name"].as_str().unwrap().to_string())
            .collect();
    let mut consents: Vec<String> = flow
        .facts
        .signatures
        .iter()
        .filter(|s| s.document == "consent")
        .map(|s| s.signer.clone())
        .collect();
    adults.sort();
    consents.sort();
    assert!(!adults.is_empty());
    assert_eq!(consents, adults, "one paper consent per adult member");
    assert!(
        flow.facts
            .signatures
            .iter()
            .all(|s| s.mode == jiuzhu_server::workflow::flow::SignMode::Paper && s.by.is_some())
    );
    assert!(flow.facts.signed("promise"));
}

#[tokio::test]
async fn a_window_draft_can_be_given_up_with_a_reason_and_only_by_its_window() {
    let server = TestServer::start().await;
    server.add_console_user("张海燕", "caseworker", TOWNSHIP);
    server.add_console_user("刘芳", "caseworker", OTHER_TOWNSHIP);
    let mut cw = Console::signed_in(&server, "张海燕").await;
    let mut other = Console::signed_in(&server, "刘芳").await;
    let (s, w) = cw.post("/api/console/window/cases", family()).await;
    assert_eq!(s, 200, "{w}");
    let case = w["case_id"].as_str().unwrap().to_string();
    let first_no = w["case_no"].clone();
    let discard = path(&case, "/discard");
    let (s, _) = other.post(&discard, json!({"reason": "越权放弃"})).await;
    assert_eq!(s, 404, "another township's window");
    let (s, _) = cw.post(&discard, json!({"reason": " "})).await;
    assert_eq!(s, 400, "a reason is needed");
    let (s, _) = cw
        .post(&discard, json!({"reason": "申请人决定暂不申请"}))
        .await;
    assert_eq!(s, 200);
    let (s, _) = cw.get(&path(&case, "")).await;
    assert_eq!(s, 404, "a draft given up is no longer the window's");
    let (_, drafts) = cw.get("/api/console/window/cases").await;
    assert_eq!(drafts, json!([]));
    let (_, found) = cw
        .get(&format!(
            "/api/console/duplicates?id_number={}",
            id_number("15062119560304002")
        ))
        .await;
    assert_eq!(found, json!([]), "nor a duplicate");
    let (s, w) = cw.post("/api/console/window/cases", family()).await;
    assert_eq!(s, 200);
    assert_ne!(
        w["case_no"], first_no,
        "a new draft gets its own number: {w}"
    );
}
