//! Secrets stay secret (issue 13 point 1): applicants' one-time codes leave the server only through
//! the configured SMS gateway (here a local server speaking the gateway's API, checking its
//! signature), a server without a gateway keeps applicant sign-in off, only `--demo` logs codes,
//! and a run through every kind of credential leaves none of them in the server's log.

use axum::extract::{Query, State};
use axum::response::IntoResponse;
use jiuzhu_e2e::{CONSOLE_PASSWORD, Console, ServerProcess, TOWNSHIP, admin_cli};
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, Mutex};

const SECRET: &str = "gateway-secret-42";
const PHONE: &str = "13912345678";
const ID_NUMBER: &str = "150621196203150020";

/// The gateway's view: codes delivered, requests refused and why.
#[derive(Default)]
struct Gateway {
    delivered: Mutex<Vec<(String, String)>>,
    nonces: Mutex<HashSet<String>>,
    /// Answer every request with this refusal code (the provider's flow control, say).
    refuse_with: Mutex<Option<String>>,
}

/// RFC 3986 percent-encoding as the gateway's API defines it, written here independently of
/// the server's adapter.
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

async fn send_sms(
    State(g): State<Arc<Gateway>>,
    Query(mut q): Query<BTreeMap<String, String>>,
) -> axum::response::Response {
    let answer = |code: &str, message: &str| {
        axum::Json(json!({"Code": code, "Message": message, "RequestId": "r-1"})).into_response()
    };
    let Some(signature) = q.remove("Signature") else {
        return answer("MissingSignature", "Signature is mandatory");
    };
    let canonical = q
        .iter()
        .map(|(k, v)| format!("{}={}", api_escape(k), api_escape(v)))
        .collect::<Vec<_>>()
        .join("&");
    if signature != jiuzhu_server::sms::sign(SECRET, &canonical) {
        return answer(
            "SignatureDoesNotMatch",
            "Specified signature is not matched",
        );
    }
    for (k, want) in [
        ("Action", "SendSms"),
        ("Version", "2017-05-25"),
        ("SignatureMethod", "HMAC-SHA1"),
        ("AccessKeyId", "test-key"),
        ("SignName", "达拉特旗民政局"),
        ("TemplateCode", "SMS_0001"),
    ] {
        if q.get(k).map(String::as_str) != Some(want) {
            return answer("InvalidParameter", k);
        }
    }
    let ts = time::OffsetDateTime::parse(
        &q["Timestamp"],
        &time::format_description::well_known::Rfc3339,
    );
    if ts.map_or(true, |t| {
        (time::OffsetDateTime::now_utc() - t).whole_minutes().abs() > 15
    }) {
        return answer("InvalidTimeStamp.Expired", "timestamp");
    }
    if !g.nonces.lock().unwrap().insert(q["SignatureNonce"].clone()) {
        return answer("SignatureNonceUsed", "nonce used");
    }
    if let Some(code) = g.refuse_with.lock().unwrap().clone() {
        return answer(&code, "触发小时级流控Permits:5");
    }
    let param: Value = serde_json::from_str(&q["TemplateParam"]).unwrap_or_default();
    g.delivered.lock().unwrap().push((
        q["PhoneNumbers"].clone(),
        param["code"].as_str().unwrap_or_default().to_string(),
    ));
    answer("OK", "OK")
}

/// A gateway on 127.0.0.1 and a data directory configured to use it.
async fn gateway(data: &std::path::Path) -> Arc<Gateway> {
    let g = Arc::new(Gateway::default());
    let app = axum::Router::new()
        .route("/", axum::routing::get(send_sms))
        .with_state(g.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    std::fs::write(
        data.join(jiuzhu_server::sms::CONFIG_FILE),
        format!(
            "provider = \"aliyun\"\nendpoint = \"http://{addr}/\"\naccess_key_id = \"test-key\"\n\
             access_key_secret = \"{SECRET}\"\nsign_name = \"达拉特旗民政局\"\ntemplate_code = \"SMS_0001\"\n"
        ),
    )
    .unwrap();
    g
}

fn client(server: &ServerProcess) -> Console {
    Console::at(&server.url(), &server.fingerprint)
}

/// True when `secret` occurs in `log` as a token of its own (not inside a longer hex or decimal
/// string, where a 6-digit code can appear by chance).
fn leaks(log: &str, secret: &str) -> bool {
    log.match_indices(secret).any(|(i, _)| {
        let before = log[..i].chars().next_back();
        let after = log[i + secret.len()..].chars().next();
        ![before, after]
            .iter()
            .any(|c| c.is_some_and(|c| c.is_ascii_hexdigit()))
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn codes_go_through_the_signed_gateway_and_no_credential_reaches_the_log() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    let g = gateway(&data).await;
    admin_cli(
        &data,
        &[
            "add-user",
            "--name",
            "李四",
            "--role",
            "caseworker",
            "--township",
            TOWNSHIP,
            "--password",
            CONSOLE_PASSWORD,
        ],
    );
    admin_cli(
        &data,
        &[
            "add-user",
            "--name",
            "王五",
            "--role",
            "investigator",
            "--township",
            TOWNSHIP,
        ],
    );
    let log_path = dir.path().join("server.log");
    let server = ServerProcess::spawn_with(&data, &[], Some(&log_path));

    // An applicant signs in with the code the gateway delivered, and applies with an ID number.
    let mut app = client(&server);
    let (s, v) = app
        .post("/api/applicant/code", json!({ "phone": PHONE }))
        .await;
    assert_eq!(s, 200, "{v}");
    let code = {
        let d = g.delivered.lock().unwrap();
        assert_eq!(d.len(), 1, "one signed request reached the gateway");
        assert_eq!(d[0].0, PHONE);
        d[0].1.clone()
    };
    assert_eq!(code.len(), 6);
    let (s, _) = app
        .post(
            "/api/applicant/login",
            json!({ "phone": PHONE, "code": code }),
        )
        .await;
    assert_eq!(s, 200, "the delivered code signs in");
    let applicant_cookie = app.cookie().expect("applicant session");
    let (s, v) = app
        .post(
            "/api/applicant/cases",
            json!({"programme": "dibao", "township": TOWNSHIP, "village": "王爱召嘎查",
                   "applicant": {"name": "苏和", "id_number": ID_NUMBER}, "members": []}),
        )
        .await;
    assert_eq!(s, 200, "{v}");

    // The gateway's refusal reaches the applicant as "not sent", naming the gateway's reason.
    *g.refuse_with.lock().unwrap() = Some("isv.BUSINESS_LIMIT_CONTROL".into());
    let (s, v) = client(&server)
        .post("/api/applicant/code", json!({ "phone": "13812345678" }))
        .await;
    assert_eq!(s, 502, "{v}");
    assert_eq!(v["code"], "code_not_sent");
    assert!(
        v["message"]
            .as_str()
            .unwrap()
            .contains("BUSINESS_LIMIT_CONTROL"),
        "{v}"
    );

    // A console user: a wrong password, then the right one; an enrollment code issued.
    let mut cw = client(&server);
    assert_eq!(cw.login("李四", "wrong-password-9").await, 401);
    assert_eq!(cw.login("李四", CONSOLE_PASSWORD).await, 200);
    let console_cookie = cw.cookie().expect("console session");
    let (s, v) = cw
        .post("/api/console/enroll-codes", json!({"user": "王五"}))
        .await;
    assert_eq!(s, 200, "{v}");
    let enroll_code = v["code"].as_str().unwrap().to_string();
    // A ballot link tried (an unknown one: the path itself is the credential).
    let ballot_token = "Yq3xV7mQ2pL9sT4wZ8nB1cR6dF0gH5jK3lM7oP2uE9a";
    let (s, _) = client(&server)
        .get(&format!("/api/public/vote/{ballot_token}"))
        .await;
    assert_eq!(s, 404);
    drop(server);

    let log = std::fs::read_to_string(&log_path).unwrap();
    assert!(
        log.contains("/api/public/vote/{token}") && log.contains("/api/applicant/login"),
        "the log is at debug level and names each request's route:\n{log}"
    );
    let mut secrets = vec![
        ("the one-time code", code.clone()),
        ("the console password", CONSOLE_PASSWORD.to_string()),
        ("a wrong password", "wrong-password-9".to_string()),
        ("an ID number", ID_NUMBER.to_string()),
        ("the ballot token", ballot_token.to_string()),
        ("the gateway secret", SECRET.to_string()),
    ];
    for (what, cookie) in [("applicant", applicant_cookie), ("console", console_cookie)] {
        let value = cookie.split_once('=').unwrap().1.to_string();
        secrets.push((what, value));
    }
    secrets.push(("the enrollment code", enroll_code));
    for (what, secret) in &secrets {
        assert!(!leaks(&log, secret), "{what} is in the server log");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn without_a_gateway_sign_in_is_off_and_only_the_demo_server_logs_codes() {
    let dir = tempfile::tempdir().unwrap();
    let plain = ServerProcess::spawn(dir.path());
    let (s, v) = client(&plain)
        .post("/api/applicant/code", json!({ "phone": PHONE }))
        .await;
    assert_eq!(s, 503, "{v}");
    assert_eq!(v["code"], "sms_not_configured");
    assert!(v["message"].as_str().unwrap().contains("窗口"), "{v}");
    drop(plain);

    let demo_dir = tempfile::tempdir().unwrap();
    let log_path = demo_dir.path().join("server.log");
    let demo = ServerProcess::spawn_with(demo_dir.path(), &["--demo"], Some(&log_path));
    let (s, v) = client(&demo)
        .post("/api/applicant/code", json!({ "phone": PHONE }))
        .await;
    assert_eq!(s, 200, "{v}");
    drop(demo);
    let log = std::fs::read_to_string(&log_path).unwrap();
    assert!(
        log.contains(&format!("demo server: one-time code for {PHONE}: ")),
        "{log}"
    );
}

#[test]
fn a_broken_gateway_configuration_stops_the_server_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join(jiuzhu_server::sms::CONFIG_FILE),
        "provider = \"aliyun\"\nendpoint = \"http://gateway.example/\"\n",
    )
    .unwrap();
    let out = std::process::Command::new(jiuzhu_e2e::bin("jiuzhu-server"))
        .args(["serve", "--data"])
        .arg(dir.path())
        .args(["--listen", "127.0.0.1:0"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("sms.toml") && err.contains("missing field"),
        "{err}"
    );
}
