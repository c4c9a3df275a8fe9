//! Notices that reach people (issue 14 point 4): contract tests of the notification adapters
//! against local servers speaking the providers' APIs — Alibaba Cloud's `SendSms` (its signature
//! checked as the provider would, computed here independently of the server) and WeChat's token
//! and template-send API —, through a real server: a 补正 notice issued in the workflow reaches the
//! gateway with the right phone, template and parameters after two failed attempts; a WeChat
//! message survives an expired token, fails for good, is refused 重发 by the bureau and another
//! township, and is sent after the caseworker's 重发; every attempt is visible in the console.

use axum::extract::{Query, State};
use axum::response::IntoResponse;
use base64::Engine;
use hmac::{Hmac, Mac};
use jiuzhu_e2e::{Console, TOWNSHIP, TestServer, png_data_url, test_jpeg};
use jiuzhu_server::notify::{Addressee, outbox};
use jiuzhu_server::workflow::config::{self, Which};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const SECRET: &str = "notify-gateway-secret";
const PHONE: &str = "13800000042";
const OPENID: &str = "oWX-test-openid-0042";

/// What the SMS gateway received (requests whose signature held) and how it answers.
#[derive(Default)]
struct SmsGateway {
    delivered: Mutex<Vec<BTreeMap<String, String>>>,
    /// Answer this many requests with HTTP 500 first.
    fail_first: Mutex<usize>,
    bad_signatures: Mutex<usize>,
}

/// RFC 3986 percent-encoding as the API defines it.
fn api_escape(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The provider's check: HMAC-SHA1 with `secret&` over `GET&%2F&` + the escaped canonical query.
fn signature_holds(q: &BTreeMap<String, String>, signature: &str) -> bool {
    let canonical = q
        .iter()
        .map(|(k, v)| format!("{}={}", api_escape(k), api_escape(v)))
        .collect::<Vec<_>>()
        .join("&");
    let to_sign = format!("GET&{}&{}", api_escape("/"), api_escape(&canonical));
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(format!("{SECRET}&").as_bytes()).unwrap();
    mac.update(to_sign.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes()) == signature
}

async fn send_sms(
    State(g): State<Arc<SmsGateway>>,
    Query(mut q): Query<BTreeMap<String, String>>,
) -> axum::response::Response {
    let answer = |code: &str| axum::Json(json!({"Code": code, "Message": code, "RequestId": "r"}));
    let signature = q.remove("Signature").unwrap_or_default();
    if !signature_holds(&q, &signature) {
        *g.bad_signatures.lock().unwrap() += 1;
        return answer("SignatureDoesNotMatch").into_response();
    }
    {
        let mut fail = g.fail_first.lock().unwrap();
        if *fail > 0 {
            *fail -= 1;
            return (
                axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                "upstream down",
            )
                .into_response();
        }
    }
    g.delivered.lock().unwrap().push(q);
    answer("OK").into_response()
}

/// The WeChat API's view: tokens handed out, messages delivered, how it answers.
#[derive(Default)]
struct WechatApi {
    tokens: Mutex<Vec<String>>,
    delivered: Mutex<Vec<Value>>,
    /// The next send with the first token is answered 40001 (the token expired early).
    expire_first_token: Mutex<bool>,
    /// Refuse every send with this errcode.
    refuse_with: Mutex<Option<i64>>,
}

async fn wechat_token(
    State(w): State<Arc<WechatApi>>,
    Query(q): Query<BTreeMap<String, String>>,
) -> axum::Json<Value> {
    if q.get("appid").map(String::as_str) != Some("wx-test-app")
        || q.get("secret").map(String::as_str) != Some("wx-test-secret")
        || q.get("grant_type").map(String::as_str) != Some("client_credential")
    {
        return axum::Json(json!({"errcode": 40013, "errmsg": "invalid appid"}));
    }
    let mut tokens = w.tokens.lock().unwrap();
    let t = format!("token-{}", tokens.len() + 1);
    tokens.push(t.clone());
    axum::Json(json!({"access_token": t, "expires_in": 7200}))
}

async fn wechat_send(
    State(w): State<Arc<WechatApi>>,
    Query(q): Query<BTreeMap<String, String>>,
    axum::Json(body): axum::Json<Value>,
) -> axum::Json<Value> {
    let token = q.get("access_token").cloned().unwrap_or_default();
    let newest = w.tokens.lock().unwrap().last().cloned();
    if newest.as_deref() != Some(token.as_str()) {
        return axum::Json(json!({"errcode": 40001, "errmsg": "invalid credential"}));
    }
    if std::mem::take(&mut *w.expire_first_token.lock().unwrap()) {
        return axum::Json(json!({"errcode": 42001, "errmsg": "access_token expired"}));
    }
    if let Some(code) = *w.refuse_with.lock().unwrap() {
        return axum::Json(json!({"errcode": code, "errmsg": "require subscribe"}));
    }
    w.delivered.lock().unwrap().push(body);
    axum::Json(json!({"errcode": 0, "errmsg": "ok", "msgid": 1}))
}

async fn serve(app: axum::Router) -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    addr
}

/// Both local providers and a data directory whose `notify.toml` points at them.
async fn providers() -> (tempfile::TempDir, Arc<SmsGateway>, Arc<WechatApi>) {
    let sms = Arc::new(SmsGateway::default());
    let sms_addr = serve(
        axum::Router::new()
            .route("/", axum::routing::get(send_sms))
            .with_state(sms.clone()),
    )
    .await;
    let wx = Arc::new(WechatApi::default());
    let wx_addr = serve(
        axum::Router::new()
            .route("/cgi-bin/token", axum::routing::get(wechat_token))
            .route(
                "/cgi-bin/message/template/send",
                axum::routing::post(wechat_send),
            )
            .with_state(wx.clone()),
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join(jiuzhu_server::notify::config::CONFIG_FILE),
        format!(
            r#"public_url = "https://jiuzhu.test"
poll_seconds = 1
[retry]
max_attempts = 3
first_delay_seconds = 1
max_delay_seconds = 2
[sms]
provider = "aliyun"
endpoint = "http://{sms_addr}/"
access_key_id = "test-key"
access_key_secret = "{SECRET}"
sign_name = "达拉特旗民政局"
[sms.templates]
notice = "SMS_NOTICE"
ballot = "SMS_BALLOT"
[wechat]
api_base = "http://{wx_addr}"
appid = "wx-test-app"
secret = "wx-test-secret"
[wechat.templates.notice]
template_id = "TPL-NOTICE"
fields = {{ keyword1 = "case_no", keyword2 = "title" }}
"#
        ),
    )
    .unwrap();
    (dir, sms, wx)
}

/// An application on the phone pages, submitted: its case id.
async fn submitted_case(server: &TestServer) -> String {
    let mut app = Console::new(server);
    app.post("/api/applicant/code", json!({ "phone": PHONE }))
        .await;
    let code = server.codes.last(PHONE).expect("a code was sent");
    let (s, v) = app
        .post(
            "/api/applicant/login",
            json!({ "phone": PHONE, "code": code }),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let form = json!({
        "programme": "dibao", "township": TOWNSHIP, "village": "王爱召嘎查", "address": "三社12号",
        "applicant": {"name": "王秀兰", "id_number": "150621196203150020"},
        "members": [{"name": "王秀兰", "id_number": "150621196203150020", "relation": "本人"}],
    });
    let (s, v) = app.post("/api/applicant/cases", form).await;
    assert_eq!(s, 200, "{v}");
    let case = v["case_id"].as_str().unwrap().to_string();
    app.raw_body(
        "POST",
        &format!("/api/applicant/cases/{case}/materials?kind=id_card&name=身份证"),
        test_jpeg(320, 200, 3),
    )
    .await;
    for document in ["promise", "consent"] {
        let (s, v) = app
            .post(
                &format!("/api/applicant/cases/{case}/sign"),
                json!({"document": document, "signer": "王秀兰", "image": png_data_url()}),
            )
            .await;
        assert_eq!(s, 200, "{v}");
    }
    let (s, v) = app
        .post(&format!("/api/applicant/cases/{case}/submit"), json!({}))
        .await;
    assert_eq!((s, v["state"].clone()), (200, json!("submitted")), "{v}");
    case
}

/// The case's notifications once `done` holds for them (the sender works every second).
async fn notifications_when(
    c: &mut Console,
    case: &str,
    what: &str,
    done: impl Fn(&[Value]) -> bool,
) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(40);
    loop {
        let (s, v) = c
            .get(&format!("/api/console/cases/{case}/notifications"))
            .await;
        assert_eq!(s, 200, "{v}");
        let items = v["items"].as_array().unwrap().clone();
        if done(&items) {
            return items;
        }
        assert!(Instant::now() < deadline, "{what}: {items:#?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

fn outcomes(n: &Value) -> Vec<String> {
    n["attempts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["outcome"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn notices_reach_the_providers_are_retried_and_shown() {
    let (dir, sms, wx) = providers().await;
    let server = TestServer::start_in(dir, "127.0.0.1:0").await;
    let root = server.data().root.clone();
    config::install(&root, Which::Options, config::EXAMPLE_OPTIONS).unwrap();
    config::install(&root, Which::Calendar, config::EXAMPLE_CALENDAR).unwrap();
    server.add_console_user("张海燕", "caseworker", TOWNSHIP);
    server.add_console_user("白玉梅", "bureau", TOWNSHIP);
    server.add_console_user("刘强", "caseworker", "王爱召镇");
    let mut cw = Console::signed_in(&server, "张海燕").await;
    let mut bureau = Console::signed_in(&server, "白玉梅").await;
    let mut elsewhere = Console::signed_in(&server, "刘强").await;

    // --- SMS: a 补正 notice; the gateway fails twice (HTTP 500), the third attempt delivers.
    let case = submitted_case(&server).await;
    *sms.fail_first.lock().unwrap() = 2;
    cw.act(
        &case,
        json!({"action": "request_supplement", "missing_items": ["户口本首页及本人页"]}),
    )
    .await;
    let items = notifications_when(&mut cw, &case, "the text is sent", |v| {
        v.iter().any(|n| n["state"] == "sent")
    })
    .await;
    let n = &items[0];
    assert_eq!(
        (&n["channel"], &n["role"], &n["kind"], &n["to"]),
        (
            &json!("sms"),
            &json!("applicant"),
            &json!("supplement"),
            &json!("138****0042")
        ),
        "{n}"
    );
    assert_eq!(outcomes(n), ["error", "error", "sent"], "{n}");
    assert!(
        n["attempts"][0]["error"]
            .as_str()
            .unwrap()
            .contains("HTTP 500"),
        "{n}"
    );
    assert_eq!(*sms.bad_signatures.lock().unwrap(), 0);
    let delivered = sms.delivered.lock().unwrap().clone();
    assert_eq!(delivered.len(), 1, "one text delivered");
    let q = &delivered[0];
    let case_no = n["case_no"].as_str().unwrap();
    assert_eq!(q["PhoneNumbers"], PHONE);
    assert_eq!(q["TemplateCode"], "SMS_NOTICE");
    assert_eq!(q["SignName"], "达拉特旗民政局");
    assert_eq!(
        q["OutId"],
        n["id"].as_str().unwrap(),
        "the idempotency hint"
    );
    let params: Value = serde_json::from_str(&q["TemplateParam"]).unwrap();
    assert_eq!(
        params,
        json!({"case_no": case_no, "title": "补正材料告知书"}),
        "minimal content: no name, no ID number"
    );
    assert!(!q["TemplateParam"].contains("150621"), "no ID number");

    // --- WeChat: a message to the case's openid (the phone pages do not collect openids yet,
    // so it is put in the outbox here). The first token has expired: fetched again, sent.
    *wx.expire_first_token.lock().unwrap() = true;
    server
        .store
        .transact(&mut |txn| {
            let to = Addressee {
                case_id: case.clone(),
                case_no: case_no.to_string(),
                township: TOWNSHIP.into(),
                phones: vec![],
                openid: Some(OPENID.into()),
            };
            outbox::notice_issued(
                txn,
                &to,
                "acceptance",
                "受理通知书",
                jiuzhu_server::clock::now(),
            )
        })
        .unwrap();
    notifications_when(&mut cw, &case, "the WeChat message is sent", |v| {
        v.iter()
            .any(|n| n["channel"] == "wechat" && n["state"] == "sent")
    })
    .await;
    assert_eq!(
        wx.tokens.lock().unwrap().len(),
        2,
        "a token, then a fresh one"
    );
    let body = wx.delivered.lock().unwrap()[0].clone();
    assert_eq!(body["touser"], OPENID);
    assert_eq!(body["template_id"], "TPL-NOTICE");
    assert_eq!(body["url"], "https://jiuzhu.test/m/");
    assert_eq!(
        body["data"],
        json!({"keyword1": {"value": case_no}, "keyword2": {"value": "受理通知书"}})
    );

    // --- A refusal every time: three attempts, then failed for good.
    *wx.refuse_with.lock().unwrap() = Some(43004);
    server
        .store
        .transact(&mut |txn| {
            let to = Addressee {
                case_id: case.clone(),
                case_no: case_no.to_string(),
                township: TOWNSHIP.into(),
                phones: vec![],
                openid: Some(OPENID.into()),
            };
            outbox::notice_issued(
                txn,
                &to,
                "approval",
                "审核确认通知书",
                jiuzhu_server::clock::now(),
            )
        })
        .unwrap();
    let items = notifications_when(&mut cw, &case, "the refused message fails", |v| {
        v.iter().any(|n| n["state"] == "failed")
    })
    .await;
    let failed = items.iter().find(|n| n["state"] == "failed").unwrap();
    assert_eq!(outcomes(failed), ["error", "error", "error"], "{failed}");
    assert!(
        failed["attempts"][2]["error"]
            .as_str()
            .unwrap()
            .contains("43004"),
        "{failed}"
    );
    assert_eq!(failed["to"], "oWX-te****", "the openid masked");
    let id = failed["id"].as_str().unwrap();
    let retry = format!("/api/console/cases/{case}/notifications/{id}/retry");

    // Who may 重发: not another township (not even the list), not the bureau.
    let (s, _) = elsewhere
        .get(&format!("/api/console/cases/{case}/notifications"))
        .await;
    assert_eq!(s, 404, "another township does not see the case");
    let (s, _) = elsewhere.post(&retry, json!({})).await;
    assert_eq!(s, 404, "nor resend its messages");
    let (s, v) = bureau
        .get(&format!("/api/console/cases/{case}/notifications"))
        .await;
    assert_eq!(
        (s, &v["may_retry"]),
        (200, &json!(false)),
        "the bureau reads"
    );
    let (s, _) = bureau.post(&retry, json!({})).await;
    assert_eq!(s, 403, "the bureau does not resend");
    let sent = items.iter().find(|n| n["state"] == "sent").unwrap();
    let (s, _) = cw
        .post(
            &format!(
                "/api/console/cases/{case}/notifications/{}/retry",
                sent["id"].as_str().unwrap()
            ),
            json!({}),
        )
        .await;
    assert_eq!(s, 409, "only a failed message is resent");

    // The caseworker's 重发 once the account is fixed: a fourth attempt, sent.
    *wx.refuse_with.lock().unwrap() = None;
    let (s, v) = cw.post(&retry, json!({})).await;
    assert_eq!((s, &v["state"]), (200, &json!("pending")), "{v}");
    let items = notifications_when(&mut cw, &case, "the resent message is sent", |v| {
        v.iter().all(|n| n["state"] == "sent")
    })
    .await;
    let resent = items.iter().find(|n| n["id"] == id).unwrap();
    assert_eq!(outcomes(resent), ["error", "error", "error", "sent"]);
    assert_eq!(wx.delivered.lock().unwrap().len(), 2);

    // Every outcome is in the case's audit trail.
    let (_, audit) = cw.get(&format!("/api/console/cases/{case}/audit")).await;
    let text = audit.to_string();
    assert!(text.contains("notification_retry"), "{text}");
    assert!(
        audit["events"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["action"] == "notification")
            .count()
            == 8,
        "each attempt audited (3 texts, 1 + 4 WeChat messages): {text}"
    );
}
