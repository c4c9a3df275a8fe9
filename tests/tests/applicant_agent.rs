//! Applying on someone's behalf from the phone pages (代办, issue 14): the agent is checked and
//! stored with the application like the window's, the submission is refused until the 委托书 is
//! among the materials, and the township's console shows who applied. Another township's
//! caseworker does not see the case.

use jiuzhu_e2e::{Console, TOWNSHIP, TestServer, png_data_url, test_jpeg};
use serde_json::{Value, json};

const PHONE: &str = "13900000011";

/// A valid ID number (GB 11643 check digit) from its first 17 digits.
fn id_number(stem: &str) -> String {
    "0123456789X"
        .chars()
        .map(|c| format!("{stem}{c}"))
        .find(|id| jiuzhu_server::workflow::applications::id_number_valid(id))
        .expect("one check digit fits")
}

/// An elderly woman living alone; her son applies from his phone.
fn application(agent_id: &str) -> Value {
    json!({
        "programme": "tekun", "township": TOWNSHIP, "village": "王爱召嘎查", "address": "二社5号",
        "applicant": {"name": "白桂花", "id_number": id_number("15062119400312002")},
        "members": [{"name": "白桂花", "id_number": id_number("15062119400312002"), "relation": "本人"}],
        "agent": {"name": "刘强", "id_number": agent_id, "relation": "儿子", "phone": "13900000012"},
    })
}

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

#[tokio::test]
async fn an_agent_applies_on_the_phone_with_a_mandate() {
    let server = TestServer::start().await;
    server.add_console_user("张海燕", "caseworker", TOWNSHIP);
    server.add_console_user("郝丽", "caseworker", "王爱召镇");
    let mut app = applicant(&server, PHONE).await;

    // The agent's ID number is checked like the applicant's (GB 11643 check digit).
    let agent_id = id_number("15062119700105001");
    let mut wrong = agent_id.clone();
    wrong.replace_range(17.., if agent_id.ends_with('0') { "1" } else { "0" });
    let (s, v) = app.post("/api/applicant/cases", application(&wrong)).await;
    assert_eq!(s, 400, "{v}");
    assert!(
        v["message"]
            .as_str()
            .unwrap()
            .contains("受委托人身份证号码不正确"),
        "{v}"
    );

    let (s, v) = app
        .post("/api/applicant/cases", application(&agent_id))
        .await;
    assert_eq!(s, 200, "{v}");
    let case = v["case_id"].as_str().unwrap().to_string();
    assert_eq!(v["application"]["agent"]["name"], "刘强", "{v}");
    assert_eq!(v["application"]["agent"]["id_number"], agent_id);

    // An ID card and both signatures (the 承诺书 by the agent), but no 委托书 yet.
    let (s, v) = app
        .raw_body(
            "POST",
            &format!("/api/applicant/cases/{case}/materials?kind=id_card&name=身份证"),
            test_jpeg(640, 400, 3),
        )
        .await;
    assert_eq!(s, 200, "{}", String::from_utf8_lossy(&v));
    for (document, signer) in [("promise", "刘强"), ("consent", "白桂花")] {
        let (s, v) = app
            .post(
                &format!("/api/applicant/cases/{case}/sign"),
                json!({"document": document, "signer": signer, "image": png_data_url()}),
            )
            .await;
        assert_eq!(s, 200, "{v}");
    }
    let (s, v) = app
        .post(&format!("/api/applicant/cases/{case}/submit"), json!({}))
        .await;
    assert_eq!(
        s, 400,
        "a delegated application without its 委托书 is refused: {v}"
    );
    assert_eq!(
        v["message"], "委托申请须上传委托书（材料类别选“委托书”）",
        "{v}"
    );
    let (_, mine) = app.get(&format!("/api/applicant/cases/{case}")).await;
    assert_eq!(mine["state"], "draft", "nothing was submitted: {mine}");

    // With the 委托书 the application goes in.
    let (s, v) = app
        .raw_body(
            "POST",
            &format!("/api/applicant/cases/{case}/materials?kind=mandate&name=委托书"),
            test_jpeg(640, 400, 4),
        )
        .await;
    assert_eq!(s, 200, "{}", String::from_utf8_lossy(&v));
    let (s, v) = app
        .post(&format!("/api/applicant/cases/{case}/submit"), json!({}))
        .await;
    assert_eq!((s, v["state"].clone()), (200, json!("submitted")), "{v}");

    // The township's console shows the agent on the case page; the case document tells the team.
    let mut cw = Console::signed_in(&server, "张海燕").await;
    let (s, wf) = cw.get(&format!("/api/console/cases/{case}/workflow")).await;
    assert_eq!(s, 200, "{wf}");
    assert_eq!(
        wf["application"]["agent"],
        json!({"name": "刘强", "id_number": agent_id, "relation": "儿子", "phone": "13900000012"})
    );
    let (s, detail) = cw.get(&format!("/api/console/cases/{case}")).await;
    assert_eq!(s, 200, "{detail}");
    let statement = detail.to_string();
    assert!(
        statement.contains("委托申请：受委托人刘强（儿子）"),
        "the declared statement names the agent: {statement}"
    );

    // Another township's caseworker does not reach it.
    let mut other = Console::signed_in(&server, "郝丽").await;
    let (s, _) = other
        .get(&format!("/api/console/cases/{case}/workflow"))
        .await;
    assert_eq!(s, 404);
}

#[tokio::test]
async fn an_application_of_ones_own_needs_no_mandate() {
    let server = TestServer::start().await;
    let mut app = applicant(&server, PHONE).await;
    let mut form = application("");
    form["agent"] = json!({"name": "", "id_number": "", "relation": "", "phone": ""});
    let (s, v) = app.post("/api/applicant/cases", form).await;
    assert_eq!(s, 200, "{v}");
    assert!(
        v["application"]["agent"].is_null(),
        "an empty agent is no agent: {v}"
    );
    let case = v["case_id"].as_str().unwrap().to_string();
    for (document, signer) in [("promise", "白桂花"), ("consent", "白桂花")] {
        let (s, v) = app
            .post(
                &format!("/api/applicant/cases/{case}/sign"),
                json!({"document": document, "signer": signer, "image": png_data_url()}),
            )
            .await;
        assert_eq!(s, 200, "{v}");
    }
    let (s, v) = app
        .post(&format!("/api/applicant/cases/{case}/submit"), json!({}))
        .await;
    assert_eq!((s, v["state"].clone()), (200, json!("submitted")), "{v}");
}
