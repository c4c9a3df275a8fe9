//! Issue 11 point 5: every branch of the workflow can finish, each through the real server's API
//! with real tablets where the team has a part. 单独登记备案 and a complaint decided only after
//! the deciding authority's own visit (recorded in the console with a photo); 急难型 临时救助's
//! opinion after the situation is recorded; 核对不符 from an imported result file, with its
//! notice, the applicant's objection on the phone and, on another case, the close once the time
//! to object has run out; 终止 after a refusal to cooperate the team recorded and sealed.

use jiuzhu_e2e::{
    Console, SimTablet, TOWNSHIP, TestServer, case_json, png_bytes, png_data_url, test_jpeg,
    workflow_action,
};
use jiuzhu_shared::CaseId;
use serde_json::{Value, json};

const PHONE: &str = "13800000007";

struct World {
    server: TestServer,
    cw: Console,
    lead: Console,
    bureau: Console,
}

async fn world() -> World {
    let server = TestServer::start().await;
    server.add_investigator("王五");
    server.add_investigator("赵六");
    server.add_console_user("张海燕", "caseworker", TOWNSHIP);
    server.add_console_user("乔志强", "lead", TOWNSHIP);
    server.add_console_user("白玉梅", "bureau", TOWNSHIP);
    World {
        cw: Console::signed_in(&server, "张海燕").await,
        lead: Console::signed_in(&server, "乔志强").await,
        bureau: Console::signed_in(&server, "白玉梅").await,
        server,
    }
}

/// The team's tablet seals the visit of `case` (members absent, both investigators sign),
/// optionally recording a member's refusal to cooperate first.
async fn seal_visit(server: &TestServer, case: CaseId, refusal: Option<(&str, &str)>) {
    let mut t = SimTablet::enrolled(server, &server.url(), "王五").await;
    t.sync().await.unwrap();
    if let Some((member, what)) = refusal {
        t.tablet.record_refusal(case, member, what).unwrap();
    } else {
        for m in 0..2 {
            t.tablet
                .set(case, &format!("visits.0.members.{m}.present"), "false")
                .unwrap();
        }
    }
    for name in ["王五", "赵六"] {
        t.tablet
            .sign(case, "investigator", name, None, &png_bytes())
            .unwrap();
    }
    t.tablet.finalize(case).unwrap();
    let report = t.sync().await.unwrap();
    assert!(report.refused.is_empty(), "{:?}", report.refused);
}

fn opinion() -> Value {
    json!({"action": "write_opinion", "opinion": {"text": "拟纳入低保。", "amount_fen": 42000, "start_month": "2027-01"}})
}

/// A sealed, accepted visit, its opinion, a 公示 run to its end, the report and the bureau's
/// receipt: the case waits for 审核确认.
async fn to_county_review(w: &mut World, case: CaseId) {
    seal_visit(&w.server, case, None).await;
    w.cw.act(case, json!({"action": "accept_visit"})).await;
    w.lead.act(case, opinion()).await;
    w.lead.act(case, json!({"action": "start_publicity"})).await;
    w.server.rewind(case, 10);
    w.lead.act(case, json!({"action": "report"})).await;
    w.bureau.act(case, json!({"action": "receive"})).await;
}

/// The bureau's own visit, with a photo uploaded from the console.
async fn decider_visit(w: &mut World, case: CaseId) -> Value {
    let (s, photo) = w
        .bureau
        .raw_body(
            "POST",
            &format!("/api/console/cases/{case}/materials?kind=decider_visit&name=院落.jpg"),
            test_jpeg(640, 480, 5),
        )
        .await;
    assert_eq!(s, 200, "{}", String::from_utf8_lossy(&photo));
    let photo: Value = serde_json::from_slice(&photo).unwrap();
    w.bureau
        .act(
            case,
            json!({"action": "record_decider_visit", "reason": "入户核实：家中确无劳动力，住房破旧，与调查一致。",
                   "decider_visit": {"visited_on": "2026-12-01", "staff": ["白玉梅", "刘科员"], "photos": [photo["id"]]}}),
        )
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_separately_registered_case_is_decided_after_the_deciders_own_visit() {
    let mut w = world().await;
    let case = w.server.add_case("BR-SEP", &["王五", "赵六"]);
    let (s, _) =
        w.cw.post(
            &format!("/api/console/cases/{case}/flags"),
            json!({"separately_registered": true, "reason": "申请人系村委会委员的兄弟"}),
        )
        .await;
    assert_eq!(s, 200);
    to_county_review(&mut w, case).await;
    let (s, v) = w.bureau.try_act(case, json!({"action": "approve"})).await;
    assert_eq!(
        (s, v["code"].clone()),
        (409, json!("decider_visit_required")),
        "{v}"
    );
    let (s, v) = w
        .bureau
        .try_act(case, json!({"action": "reject", "reason": "不符合"}))
        .await;
    assert_eq!(
        (s, v["code"].clone()),
        (409, json!("decider_visit_required")),
        "{v}"
    );
    // The township cannot record the decider's visit for it.
    let (s, _) = w
        .lead
        .try_act(
            case,
            json!({"action": "record_decider_visit", "reason": "代记",
                   "decider_visit": {"visited_on": "2026-12-01", "staff": ["乔志强"], "photos": []}}),
        )
        .await;
    assert_eq!(s, 403);
    let wf = decider_visit(&mut w, case).await;
    let visit = &wf["facts"]["decider_visit"];
    assert_eq!(visit["staff"], json!(["白玉梅", "刘科员"]));
    assert_eq!(visit["photos"][0]["name"], json!("院落.jpg"));
    let (s, jpeg) = w
        .bureau
        .raw(
            "GET",
            &format!(
                "/api/console/materials/{}",
                visit["photos"][0]["id"].as_str().unwrap()
            ),
            None,
        )
        .await;
    assert!(
        s == 200 && jpeg.starts_with(&[0xff, 0xd8]),
        "the photo is kept"
    );
    let wf = w.bureau.act(case, json!({"action": "approve"})).await;
    assert_eq!(wf["state"], "approved");
    let actions: Vec<&str> = wf["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["action"].as_str().unwrap())
        .collect();
    assert!(
        actions.ends_with(&["receive", "record_decider_visit", "approve"]),
        "{actions:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_complaint_during_review_needs_the_deciders_visit_too() {
    let mut w = world().await;
    let case = w.server.add_case("BR-CMP", &["王五", "赵六"]);
    to_county_review(&mut w, case).await;
    let (s, v) =
        w.cw.try_act(case, json!({"action": "register_complaint", "reason": " "}))
            .await;
    assert_eq!((s, v["code"].clone()), (409, json!("reason_required")));
    let wf =
        w.cw.act(
            case,
            json!({"action": "register_complaint", "reason": "群众举报：申请人有一辆货车未申报。"}),
        )
        .await;
    assert_eq!(wf["facts"]["complaints"][0]["by"], json!("张海燕"));
    let (s, v) = w.bureau.try_act(case, json!({"action": "approve"})).await;
    assert_eq!(
        (s, v["code"].clone()),
        (409, json!("decider_visit_required"))
    );
    decider_visit(&mut w, case).await;
    let wf = w
        .bureau
        .act(
            case,
            json!({"action": "reject", "reason": "入户核实有货车一辆，家庭财产超过规定标准。"}),
        )
        .await;
    assert_eq!(wf["state"], "rejected");
    assert!(
        wf["notices"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["kind"] == "rejection")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_urgent_temporary_aid_gets_its_opinion_once_the_situation_is_recorded() {
    let mut w = world().await;
    let json = case_json("BR-URG").replace("rural_dibao", "temporary_urgent");
    let case = w.server.add_case_json(&json);
    let wf = w
        .lead
        .act(
            case,
            json!({"action": "grant_advance_aid", "reason": "房屋失火，先行救助2000元"}),
        )
        .await;
    assert_eq!(wf["state"], "advance_aided");
    let body = json!({"action": "write_opinion", "opinion": {"text": "同意临时救助。", "amount_fen": 200000, "start_month": "2026-12"}});
    let (s, v) = w.lead.try_act(case, body.clone()).await;
    assert_eq!(
        (s, v["code"].clone()),
        (409, json!("situation_not_recorded")),
        "{v}"
    );
    let wf = w
        .cw
        .act(case, json!({"action": "record_situation", "reason": "12月1日夜房屋失火，烧毁两间住房和全部衣物，家中无人受伤。"}))
        .await;
    assert!(wf["facts"]["situation"].as_str().unwrap().contains("失火"));
    assert_eq!(wf["state"], "advance_aided", "recording keeps the state");
    let wf = w.lead.act(case, body).await;
    assert_eq!(wf["state"], "prelim_opinion");
    w.lead.act(case, json!({"action": "report"})).await;
    w.bureau.act(case, json!({"action": "receive"})).await;
    let wf = w.bureau.act(case, json!({"action": "approve"})).await;
    assert_eq!(wf["state"], "approved");
}

/// A phone application, accepted and under investigation.
async fn phone_case(w: &mut World) -> (Console, String) {
    let application = json!({"programme": "dibao", "township": TOWNSHIP, "village": "王爱召嘎查",
                             "applicant": {"name": "苏和", "id_number": "150621196203150020"}, "members": []});
    phone_case_with(w, application, &[]).await
}

/// A phone application of `application` with `documents` (kind, name, bytes) uploaded before
/// it is submitted, accepted and under investigation.
async fn phone_case_with(
    w: &mut World,
    application: Value,
    documents: &[(&str, &str, Vec<u8>)],
) -> (Console, String) {
    let mut app = Console::new(&w.server);
    app.post("/api/applicant/code", json!({ "phone": PHONE }))
        .await;
    let code = w.server.codes.last(PHONE).unwrap();
    let (s, _) = app
        .post(
            "/api/applicant/login",
            json!({ "phone": PHONE, "code": code }),
        )
        .await;
    assert_eq!(s, 200);
    let (s, c) = app.post("/api/applicant/cases", application).await;
    assert_eq!(s, 200, "{c}");
    let id = c["case_id"].as_str().unwrap().to_string();
    for (kind, name, bytes) in documents {
        let (s, v) = app
            .raw_body(
                "POST",
                &format!("/api/applicant/cases/{id}/materials?kind={kind}&name={name}"),
                bytes.clone(),
            )
            .await;
        assert_eq!(s, 200, "{}", String::from_utf8_lossy(&v));
    }
    for document in ["promise", "consent"] {
        let (s, v) = app
            .post(
                &format!("/api/applicant/cases/{id}/sign"),
                json!({"document": document, "signer": "苏和", "image": png_data_url()}),
            )
            .await;
        assert_eq!(s, 200, "{v}");
    }
    let (s, v) = app
        .post(&format!("/api/applicant/cases/{id}/submit"), json!({}))
        .await;
    assert_eq!(s, 200, "{v}");
    w.cw.act(&id, json!({"action": "accept"})).await;
    w.lead
        .act(
            &id,
            json!({"action": "start_investigation", "team": ["王五", "赵六"]}),
        )
        .await;
    (app, id)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_check_result_against_the_declaration_is_told_objected_to_and_closed_when_unanswered() {
    let mut w = world().await;
    let (mut app, case) = phone_case(&mut w).await;
    let paper = w.server.add_case("BR-CHK", &["王五", "赵六"]);
    let case_no = |wf: &Value| wf["case_no"].as_str().unwrap().to_string();
    let (_, wf) =
        w.cw.get(&format!("/api/console/cases/{case}/workflow"))
            .await;
    let phone_no = case_no(&wf);
    // Not yet: no 核对 result says the family is ineligible.
    let (s, v) =
        w.cw.try_act(
            &case,
            json!({"action": "notify_check_failed", "reason": "核对不符"}),
        )
        .await;
    assert_eq!((s, v["code"].clone()), (409, json!("check_not_failed")));

    // The 核对机构's file: both cases, one bad row; imported twice changes nothing the second time.
    let file = format!(
        "\u{feff}案件编号,核对结果,核对项目,说明,核对日期\r\n\
         {phone_no},不符合,车辆、存款,名下登记小型轿车一辆；银行存款8万元,2026-12-01\r\n\
         BR-CHK,不符合,工商登记,经营个体商店一家,2026-12-01\r\n\
         NO-SUCH,符合,,,2026-12-01\r\n"
    );
    let (s, report) =
        w.cw.raw_body(
            "POST",
            "/api/console/check-results",
            file.clone().into_bytes(),
        )
        .await;
    let report: Value = serde_json::from_slice(&report).unwrap();
    assert_eq!(s, 200, "{report}");
    assert_eq!(
        (report["recorded"].clone(), report["errors"].clone()),
        (json!(2), json!(1))
    );
    assert_eq!(report["rows"][2]["row"], json!(4));
    let (_, again) =
        w.cw.raw_body("POST", "/api/console/check-results", file.into_bytes())
            .await;
    let again: Value = serde_json::from_slice(&again).unwrap();
    assert_eq!(
        (again["recorded"].clone(), again["unchanged"].clone()),
        (json!(0), json!(2))
    );
    let (s, _) =
        w.cw.raw_body("POST", "/api/console/check-results", b"a,b\n1,2\n".to_vec())
            .await;
    assert_eq!(s, 400, "a file without the columns is refused whole");

    // 核对不符 told in writing; the applicant objects on the phone with a photo.
    let wf =
        w.cw.act(
            &case,
            json!({"action": "notify_check_failed", "reason": "名下有车辆和超过标准的存款"}),
        )
        .await;
    assert_eq!(wf["state"], "check_failed_notified");
    let notice = wf["notices"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["kind"] == "check_failed")
        .unwrap();
    assert!(
        notice["paragraphs"]
            .to_string()
            .contains("对核对结果提出异议")
    );
    let (_, mine) = app.get(&format!("/api/applicant/cases/{case}")).await;
    assert_eq!(mine["can_object_to_check"], json!(true), "{mine}");
    assert_eq!(mine["check_failed"]["items"], json!(["车辆", "存款"]));
    assert!(mine["check_objection_due"].is_string());
    let (s, v) = app
        .raw_body(
            "POST",
            &format!("/api/applicant/cases/{case}/materials?kind=other&name=车辆转让协议.jpg"),
            test_jpeg(300, 200, 9),
        )
        .await;
    assert_eq!(s, 200, "{}", String::from_utf8_lossy(&v));
    let (s, v) = app
        .post(
            &format!("/api/applicant/cases/{case}/check-objection"),
            json!({"reason": "车辆已于今年6月转让给他人，附转让协议。"}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["state"], json!("recheck"));
    let wf = w
        .lead
        .act(
            &case,
            json!({"action": "reinvestigate", "team": ["王五", "赵六"]}),
        )
        .await;
    assert_eq!(wf["state"], "investigating");
    assert_eq!(
        wf["facts"]["check_disputed"],
        json!(true),
        "the recheck needs a new result"
    );
    // The recheck reaches the team's tablets.
    let mut t = SimTablet::enrolled(&w.server, &w.server.url(), "王五").await;
    let report = t.sync().await.unwrap();
    assert!(report.refused.is_empty(), "{:?}", report.refused);
    let on_tablet = t.show(case.parse().unwrap());
    assert_eq!(on_tablet["header"]["status"], json!("investigating"));

    // The paper case: nobody objects; 结案 only once the time to object has run out.
    w.cw.act(
        paper,
        json!({"action": "notify_check_failed", "reason": "有工商登记"}),
    )
    .await;
    let (s, v) =
        w.cw.try_act(
            paper,
            json!({"action": "close_ineligible", "reason": "未提出异议"}),
        )
        .await;
    assert_eq!(
        (s, v["code"].clone()),
        (409, json!("objection_window_open")),
        "{v}"
    );
    w.server.rewind(paper, 11);
    let wf =
        w.cw.act(
            paper,
            json!({"action": "close_ineligible", "reason": "未提出异议"}),
        )
        .await;
    assert_eq!(wf["state"], "closed_ineligible");
    assert!(
        wf["notices"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["kind"] == "closed_ineligible")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_objection_to_a_check_result_after_its_time_is_refused() {
    let mut w = world().await;
    let (mut app, case) = phone_case(&mut w).await;
    w.cw.act(
        &case,
        json!({"action": "record_check_result",
               "check": {"result": "ineligible", "items": ["社保"], "note": "有企业缴纳社保记录", "checked_on": "2026-12-01"}}),
    )
    .await;
    w.cw.act(
        &case,
        json!({"action": "notify_check_failed", "reason": "有稳定工资收入"}),
    )
    .await;
    w.server.rewind(case.parse().unwrap(), 11);
    let (_, mine) = app.get(&format!("/api/applicant/cases/{case}")).await;
    assert_eq!(mine["can_object_to_check"], json!(false));
    let (s, v) = app
        .post(
            &format!("/api/applicant/cases/{case}/check-objection"),
            json!({"reason": "我已经离职三个月了。"}),
        )
        .await;
    assert_eq!(
        (s, v["code"].clone()),
        (409, json!("objection_window_closed")),
        "{v}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refusal_to_cooperate_recorded_by_the_team_ends_the_application() {
    let mut w = world().await;
    let case = w.server.add_case("BR-REF", &["王五", "赵六"]);
    let (s, v) = w
        .lead
        .try_act(case, json!({"action": "terminate", "reason": "拒不配合"}))
        .await;
    assert_eq!((s, v["code"].clone()), (409, json!("refusal_not_recorded")));
    seal_visit(
        &w.server,
        case,
        Some(("申请人BR-REF", "拒绝调查人员入户，拒绝提供银行流水")),
    )
    .await;
    let (_, wf) = w
        .lead
        .get(&format!("/api/console/cases/{case}/workflow"))
        .await;
    assert_eq!(
        wf["facts"]["refusal"]["what"],
        json!("拒绝调查人员入户，拒绝提供银行流水")
    );
    assert_eq!(workflow_action(&wf, "terminate")["ok"], json!(true));
    let wf = w
        .lead
        .act(
            case,
            json!({"action": "terminate", "reason": "家庭成员无正当理由拒不配合入户调查"}),
        )
        .await;
    assert_eq!(wf["state"], "terminated");
    let notice = wf["notices"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["kind"] == "termination")
        .unwrap();
    assert!(notice["paragraphs"].to_string().contains("第二十九条"));
}

/// Issue 11 point 7: a 公示 posted on D "for 7 days" runs to the end of D + 7 (days counted from
/// the day after posting): the web copy is up on its last day and gone the day after, and the
/// report waits for that day.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_publicity_runs_to_the_end_of_its_last_day() {
    let mut w = world().await;
    let case = w.server.add_case("BR-PUB", &["王五", "赵六"]);
    seal_visit(&w.server, case, None).await;
    w.cw.act(case, json!({"action": "accept_visit"})).await;
    w.lead.act(case, opinion()).await;
    let wf = w.lead.act(case, json!({"action": "start_publicity"})).await;
    let (from, to) = (
        wf["facts"]["publicity"]["from"]
            .as_str()
            .unwrap()
            .to_string(),
        wf["facts"]["publicity"]["to"].as_str().unwrap().to_string(),
    );
    let from_d: jiuzhu_shared::rules::date::Date = from.parse().unwrap();
    assert_eq!(
        to,
        jiuzhu_shared::workflow::calendar::add_days(from_d, 7).to_string(),
        "posted on D, the last day is D + 7"
    );
    let mut public = Console::new(&w.server);
    let listed = |p: &Value| p["entries"].as_array().unwrap().len();
    // Today is the last day: still up, and the report is refused.
    w.server.rewind(case, 7);
    let (_, p) = public
        .get(&format!("/api/public/publicity?township={TOWNSHIP}"))
        .await;
    assert_eq!(listed(&p), 1, "up on its last day: {p}");
    let (s, v) = w.lead.try_act(case, json!({"action": "report"})).await;
    assert_eq!(
        (s, v["code"].clone()),
        (409, json!("publicity_not_over")),
        "{v}"
    );
    // The day after: withdrawn, and the report goes through.
    w.server.rewind(case, 1);
    let (_, p) = public
        .get(&format!("/api/public/publicity?township={TOWNSHIP}"))
        .await;
    assert_eq!(listed(&p), 0, "withdrawn the day after: {p}");
    let wf = w.lead.act(case, json!({"action": "report"})).await;
    assert_eq!(wf["state"], "reported");
}

/// The application reaches the visit (issue 12 point 2): the declared rows, in the vocabulary
/// the tablet uses, and the applicant's documents, which the team's tablets fetch with the case
/// to verify against offline. A device of anybody else gets nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_application_and_its_documents_reach_the_team_s_tablets() {
    let mut w = world().await;
    let id_card = test_jpeg(320, 200, 21);
    let application = json!({
        "programme": "dibao", "township": TOWNSHIP, "village": "王爱召嘎查",
        "applicant": {"name": "苏和", "id_number": "150621196203150020"},
        "members": [{"name": "苏和", "relation": "本人", "ethnicity": "蒙古族", "hukou_type": "农村牧区"}],
        "income": [{"category": "business", "item": "养殖", "amount_fen": 1_200_000, "period_months": 12}],
        "property": [{"kind": "internet_finance", "description": "余额宝", "value_fen": 500_000}],
        "expenditures": [{"kind": "medical", "amount_fen": 300_000, "period_months": 12}],
        "income_note": "养了30只羊，去年卖了10只"
    });
    // A row outside the vocabulary is refused with what to do; nothing is saved.
    let mut bad = application.clone();
    bad["income"][0]["category"] = json!("lottery");
    let mut phone = Console::new(&w.server);
    phone
        .post("/api/applicant/code", json!({ "phone": PHONE }))
        .await;
    let code = w.server.codes.last(PHONE).unwrap();
    phone
        .post(
            "/api/applicant/login",
            json!({ "phone": PHONE, "code": code }),
        )
        .await;
    let (s, v) = phone.post("/api/applicant/cases", bad).await;
    assert_eq!(s, 400, "{v}");
    assert!(v.to_string().contains("收入类别"), "{v}");

    let (_app, case) = phone_case_with(
        &mut w,
        application,
        &[("id_card", "身份证.jpg", id_card.clone())],
    )
    .await;
    let case: CaseId = case.parse().unwrap();

    let mut t = SimTablet::enrolled(&w.server, &w.server.url(), "王五").await;
    // The server cannot give the document at the first sync (its file is not there yet): the
    // tablet keeps the case as pending and fetches it at a later sync, though the case itself
    // did not change in between.
    let hash = jiuzhu_shared::BlobHash::of(&id_card).to_string();
    let blobs = w.server.dir.path().join("blobs");
    let file = blobs.join(&hash[..2]).join(&hash);
    let away = file.with_extension("away");
    std::fs::rename(&file, &away).unwrap();
    let report = t.sync().await.unwrap();
    assert_eq!(
        (report.documents_unavailable, report.documents_fetched),
        (1, 0),
        "{report:?}"
    );
    std::fs::rename(&away, &file).unwrap();
    let report = t.sync().await.unwrap();
    assert_eq!(report.documents_received, 0, "{report:?}");
    assert_eq!(report.documents_fetched, 1, "{report:?}");
    let shown = t.show(case);
    let declared = &shown["declared"];
    assert_eq!(declared["income"][0]["item"], json!("养殖"));
    assert_eq!(declared["income"][0]["evidence"], json!("self_declared"));
    assert_eq!(declared["property"][0]["kind"], json!("internet_finance"));
    assert_eq!(declared["expenditures"][0]["kind"], json!("medical"));
    assert_eq!(declared["members"][0]["ethnicity"], json!("蒙古族"));
    assert!(declared["statement"].as_str().unwrap().contains("30只羊"));
    let doc = &declared["documents"][0];
    assert_eq!(doc["kind"], json!("id_card"));
    let hash = doc["hash"].as_str().unwrap().to_string();
    assert_eq!(
        t.tablet.read_photo(&hash).unwrap(),
        id_card,
        "kept whole, readable offline"
    );
    assert_eq!(t.sync().await.unwrap().documents_fetched, 0, "fetched once");

    // Anybody else's device asks for the document, of this case or named under its own: 404.
    w.server.add_investigator("钱七");
    let other_case = w.server.add_case("BR-DOC", &["钱七", "赵六"]);
    let mut other = SimTablet::enrolled(&w.server, &w.server.url(), "钱七").await;
    other.sync().await.unwrap();
    let id = other.tablet.identity().unwrap();
    let mut client = jiuzhu_tablet_core::net::Client::new(
        &id.server,
        Some(&id.fingerprint),
        Some(id.token.clone()),
    )
    .unwrap();
    for c in [case, other_case] {
        let (status, _) = client
            .request(
                "GET".parse().unwrap(),
                &format!("/api/v1/cases/{c}/blobs/{hash}"),
                Vec::new(),
                false,
            )
            .await
            .unwrap();
        assert_eq!(status, 404, "{c}");
    }
    // Without a device credential at all: refused.
    let mut anonymous =
        jiuzhu_tablet_core::net::Client::new(&id.server, Some(&id.fingerprint), None).unwrap();
    let (status, _) = anonymous
        .request(
            "GET".parse().unwrap(),
            &format!("/api/v1/cases/{case}/blobs/{hash}"),
            Vec::new(),
            false,
        )
        .await
        .unwrap();
    assert_eq!(status, 401);
}
