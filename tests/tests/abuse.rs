//! Anti-automation, sessions and headers (issue 13 points 3 and 4), against a running server:
//! one-time codes limited per phone across codes; console sign-in throttled per address before
//! any password is hashed, with an account lock that holds only where the failures came from;
//! online objections and ballot links limited; idle sessions, password changes and disabled
//! users end sessions; cookies apart; security headers on every answer.
//!
//! Two network addresses on one machine: a server listening on `[::]` is reached from `::1`
//! and from `127.0.0.1` (IPv6 keys by /64 are unit-tested in `throttle`).

use jiuzhu_e2e::{CONSOLE_PASSWORD, Console, TOWNSHIP, TestServer};
use jiuzhu_shared::CaseId;
use jiuzhu_tablet_core::net::Client;
use serde_json::{Value, json};

/// A server listening on every address, IPv6 and IPv4 (dual stack).
async fn dual_stack_server() -> TestServer {
    TestServer::start_on("[::]:0").await
}

/// A client of `server` connecting to `host` (so from that loopback address).
fn client_from(server: &TestServer, host: &str) -> Client {
    let url = format!("https://{host}:{}", server.addr().port());
    Client::new(&url, Some(&server.fingerprint()), None).expect("client")
}

struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: Value,
    text: String,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

async fn call(
    c: &mut Client,
    method: &str,
    path: &str,
    cookie: Option<&str>,
    body: Value,
) -> Answer {
    let headers: Vec<(&str, &str)> = cookie.map(|c| ("cookie", c)).into_iter().collect();
    let body = if body.is_null() {
        vec![]
    } else {
        body.to_string().into_bytes()
    };
    let r = c
        .send(
            method.parse().expect("method"),
            path,
            "application/json",
            &headers,
            body,
            false,
        )
        .await
        .expect("request");
    Answer {
        status: r.status.as_u16(),
        headers: r
            .headers
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_str().unwrap_or_default().to_string()))
            .collect(),
        body: serde_json::from_slice(&r.body).unwrap_or(Value::Null),
        text: String::from_utf8_lossy(&r.body).into_owned(),
    }
}

async fn login(c: &mut Client, name: &str, password: &str) -> Answer {
    call(
        c,
        "POST",
        "/api/console/login",
        None,
        json!({"name": name, "password": password}),
    )
    .await
}

/// `name=value` of the answer's cookie.
fn cookie_of(a: &Answer) -> String {
    let set = a.header("set-cookie").expect("a cookie is set");
    set.split(';').next().unwrap().to_string()
}

fn a_wrong_code(right: &str) -> String {
    format!("{:06}", (right.parse::<u32>().unwrap() + 1) % 1_000_000)
}

/// Move the phone's live one-time code `secs` into the past (the minute between codes passes).
fn age_code(server: &TestServer, phone: &str, secs: i64) {
    let kind = jiuzhu_server::workflow::flow::OTP;
    let mut item = server
        .store
        .item(kind, phone)
        .unwrap()
        .expect("a live code");
    let sent = item.body["sent_at"].as_i64().unwrap();
    item.body["sent_at"] = json!(sent - secs);
    server
        .store
        .transact(&mut |txn| txn.put_item(&item))
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_phone_gets_five_wrong_codes_an_hour_whatever_the_number_of_codes() {
    let server = TestServer::start().await;
    let mut c = Console::new(&server);
    let phone = "13900000001";
    let (s, v) = c
        .post("/api/applicant/code", json!({ "phone": phone }))
        .await;
    assert_eq!(s, 200, "{v}");
    let first = server.codes.last(phone).unwrap();
    for _ in 0..3 {
        let (s, _) = c
            .post(
                "/api/applicant/login",
                json!({"phone": phone, "code": a_wrong_code(&first)}),
            )
            .await;
        assert_eq!(s, 401);
    }
    // A minute later a new code: it brings no new tries.
    age_code(&server, phone, 61);
    let (s, v) = c
        .post("/api/applicant/code", json!({ "phone": phone }))
        .await;
    assert_eq!(s, 200, "{v}");
    let second = server.codes.last(phone).unwrap();
    for _ in 0..2 {
        let (s, _) = c
            .post(
                "/api/applicant/login",
                json!({"phone": phone, "code": a_wrong_code(&second)}),
            )
            .await;
        assert_eq!(s, 401);
    }
    let (s, v) = c
        .post(
            "/api/applicant/login",
            json!({"phone": phone, "code": second}),
        )
        .await;
    assert_eq!(s, 429, "five wrong codes: even the right one waits: {v}");
    assert_eq!(v["code"], "too_many_tries");
    let message = v["message"].as_str().unwrap();
    assert!(message.contains("分钟后再试"), "says when: {message}");
    let (s, v) = c
        .post("/api/applicant/code", json!({ "phone": phone }))
        .await;
    assert_eq!(s, 429, "no new code while out of tries: {v}");
    // Another phone is not concerned.
    let other = "13900000002";
    let (s, _) = c
        .post("/api/applicant/code", json!({ "phone": other }))
        .await;
    assert_eq!(s, 200);
    let code = server.codes.last(other).unwrap();
    let (s, _) = c
        .post(
            "/api/applicant/login",
            json!({"phone": other, "code": code}),
        )
        .await;
    assert_eq!(s, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_sign_in_is_throttled_per_address_before_any_password_is_hashed() {
    let server = TestServer::start().await;
    server.add_console_user("张海燕", "caseworker", TOWNSHIP);
    let mut c = client_from(&server, "127.0.0.1");
    // Unknown names, one each: today each would cost an argon2 without end.
    let started = std::time::Instant::now();
    for i in 0..20 {
        let a = login(&mut c, &format!("nobody-{i}"), "wrong-password").await;
        assert_eq!(a.status, 401, "{}", a.body);
    }
    let failed = started.elapsed() / 20;
    // The address is out of tries: refused before the password is looked at, even the right one.
    let started = std::time::Instant::now();
    for _ in 0..10 {
        let a = login(&mut c, "张海燕", CONSOLE_PASSWORD).await;
        assert_eq!(a.status, 429, "{}", a.body);
        assert_eq!(a.body["code"], "locked");
    }
    let refused = started.elapsed() / 10;
    eprintln!("a failed sign-in took {failed:?}, a refused one {refused:?}");
    assert!(
        refused < failed,
        "a refused sign-in hashes nothing: {refused:?} vs {failed:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failing_on_purpose_from_one_address_does_not_lock_the_owner_out() {
    let server = dual_stack_server().await;
    server.add_console_user("张海燕", "caseworker", TOWNSHIP);
    let mut attacker = client_from(&server, "[::1]");
    for _ in 0..5 {
        assert_eq!(
            login(&mut attacker, "张海燕", "guess-guess").await.status,
            401
        );
    }
    let a = login(&mut attacker, "张海燕", CONSOLE_PASSWORD).await;
    assert_eq!(
        a.status, 429,
        "the account is locked for the failing address"
    );
    let mut owner = client_from(&server, "127.0.0.1");
    let a = login(&mut owner, "张海燕", CONSOLE_PASSWORD).await;
    assert_eq!(
        a.status, 200,
        "the owner elsewhere still signs in: {}",
        a.body
    );
    // The audit chain holds each attempt once: five failures, one sign-in.
    if jiuzhu_e2e::skip_on_postgres("the audit records are counted in the SQLite file") {
        return;
    }
    let db = rusqlite::Connection::open(server.data().db()).unwrap();
    let count = |action: &str| -> i64 {
        db.query_row(
            "SELECT COUNT(*) FROM audit WHERE action = ?1",
            [action],
            |r| r.get(0),
        )
        .unwrap()
    };
    assert_eq!((count("login_failed"), count("login")), (5, 1));
}

/// The `last_seen` of every console session, moved by `secs` (negative: into the past).
fn shift_console_sessions(server: &TestServer, secs: i64) -> Vec<i64> {
    let db = rusqlite::Connection::open(server.data().db()).unwrap();
    db.busy_timeout(std::time::Duration::from_secs(10)).unwrap();
    db.execute("UPDATE sessions SET last_seen = last_seen + ?1", [secs])
        .unwrap();
    let mut q = db.prepare("SELECT last_seen FROM sessions").unwrap();
    q.query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_end_when_idle_on_a_new_password_and_when_the_user_is_disabled() {
    if jiuzhu_e2e::skip_on_postgres("sessions are aged by writing the SQLite file") {
        return;
    }
    let server = TestServer::start().await;
    server.add_console_user("张海燕", "caseworker", TOWNSHIP);
    let now = jiuzhu_server::clock::now;

    // Idle: the change poll does not keep a session open; the user's own requests do.
    let mut c = Console::signed_in(&server, "张海燕").await;
    let seen = shift_console_sessions(&server, -20 * 60);
    assert_eq!(c.get("/api/console/version").await.0, 200);
    assert_eq!(
        shift_console_sessions(&server, 0),
        seen,
        "a poll is no activity"
    );
    assert_eq!(c.get("/api/console/me").await.0, 200);
    assert!(
        shift_console_sessions(&server, 0)[0] > seen[0],
        "a request is"
    );
    shift_console_sessions(&server, -31 * 60);
    assert_eq!(c.get("/api/console/me").await.0, 401, "31 minutes idle");

    // A new password ends the sessions signed in with the old one.
    let mut c = Console::signed_in(&server, "张海燕").await;
    jiuzhu_server::admin::set_password(server.store.as_ref(), "张海燕", "another-pass-9", now())
        .unwrap();
    assert_eq!(c.get("/api/console/me").await.0, 401);
    assert_eq!(c.login("张海燕", "another-pass-9").await, 200);

    // Disabled: signed out and cannot sign in; enabled again: can.
    jiuzhu_server::admin::disable_user(server.store.as_ref(), "张海燕", now()).unwrap();
    assert_eq!(c.get("/api/console/me").await.0, 401);
    let mut again = Console::new(&server);
    assert_eq!(again.login("张海燕", "another-pass-9").await, 401);
    jiuzhu_server::admin::enable_user(server.store.as_ref(), "张海燕", now()).unwrap();
    assert_eq!(again.login("张海燕", "another-pass-9").await, 200);

    // An applicant's session ends after 30 minutes without a request too.
    let mut a = Console::new(&server);
    let phone = "13900000003";
    assert_eq!(
        a.post("/api/applicant/code", json!({ "phone": phone }))
            .await
            .0,
        200
    );
    let code = server.codes.last(phone).unwrap();
    let (s, _) = a
        .post(
            "/api/applicant/login",
            json!({"phone": phone, "code": code}),
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(a.get("/api/applicant/me").await.0, 200);
    let kind = jiuzhu_server::workflow::flow::APPLICANT_SESSION;
    for mut item in server.store.items(kind, None).unwrap() {
        item.at -= 31 * 60;
        server
            .store
            .transact(&mut |txn| txn.put_item(&item))
            .unwrap();
    }
    assert_eq!(a.get("/api/applicant/me").await.0, 401, "31 minutes idle");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cookies_are_apart_and_every_answer_carries_the_security_headers() {
    let server = TestServer::start().await;
    server.add_console_user("张海燕", "caseworker", TOWNSHIP);
    let mut c = client_from(&server, "127.0.0.1");
    let a = login(&mut c, "张海燕", CONSOLE_PASSWORD).await;
    assert_eq!(a.status, 200);
    let set = a.header("set-cookie").unwrap().to_string();
    for part in [
        "jiuzhu_console=",
        "HttpOnly",
        "Secure",
        "SameSite=Strict",
        "Path=/api/console;",
    ] {
        assert!(set.contains(part), "{part} in {set}");
    }
    let console_cookie = cookie_of(&a);

    let phone = "13900000004";
    let a = call(
        &mut c,
        "POST",
        "/api/applicant/code",
        None,
        json!({ "phone": phone }),
    )
    .await;
    assert_eq!(a.status, 200);
    let code = server.codes.last(phone).unwrap();
    let body = json!({"phone": phone, "code": code});
    let a = call(&mut c, "POST", "/api/applicant/login", None, body).await;
    assert_eq!(a.status, 200);
    let set = a.header("set-cookie").unwrap().to_string();
    for part in [
        "jiuzhu_applicant=",
        "HttpOnly",
        "Secure",
        "SameSite=Strict",
        "Path=/api/applicant;",
    ] {
        assert!(set.contains(part), "{part} in {set}");
    }
    let applicant_cookie = cookie_of(&a);
    // Each cookie opens only its own API.
    for (path, cookie, status) in [
        ("/api/console/me", &console_cookie, 200),
        ("/api/console/me", &applicant_cookie, 401),
        ("/api/applicant/me", &applicant_cookie, 200),
        ("/api/applicant/me", &console_cookie, 401),
    ] {
        let a = call(&mut c, "GET", path, Some(cookie), Value::Null).await;
        assert_eq!(a.status, status, "{path} with {cookie}");
    }

    // Every answer to a browser: the JSON APIs, pages, errors, health.
    let paths = [
        ("/api/console/me", Some(console_cookie.as_str())),
        ("/api/console/cases", None),
        ("/api/applicant/me", Some(applicant_cookie.as_str())),
        ("/api/public/roll?township=x", None),
        ("/api/public/vote/not-a-link", None),
        ("/", None),
        ("/m/", None),
        ("/healthz", None),
    ];
    for (path, cookie) in paths {
        let a = call(&mut c, "GET", path, cookie, Value::Null).await;
        let csp = a.header("content-security-policy").unwrap_or_default();
        for part in [
            "default-src 'self'",
            "script-src 'self'",
            "frame-ancestors 'none'",
            "object-src 'none'",
        ] {
            assert!(csp.contains(part), "{path}: {part} in {csp:?}");
        }
        assert!(
            a.header("strict-transport-security")
                .is_some_and(|v| v.starts_with("max-age=")),
            "{path}"
        );
        assert_eq!(
            a.header("x-content-type-options"),
            Some("nosniff"),
            "{path}"
        );
        assert_eq!(a.header("x-frame-options"), Some("DENY"), "{path}");
        assert_eq!(a.header("referrer-policy"), Some("no-referrer"), "{path}");
        assert_eq!(
            a.header("cache-control"),
            Some("no-store"),
            "{path} carries personal data or a page"
        );
    }
    // The tablets' CBOR API is no page: no page policies on a township link, but never sniffed
    // or cached.
    let a = call(&mut c, "GET", "/api/v1/blobs/00", None, Value::Null).await;
    assert_eq!(a.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(a.header("cache-control"), Some("no-store"));
    assert_eq!(a.header("content-security-policy"), None);
    // The built assets, named by their content's hash, may be cached.
    let page = call(&mut c, "GET", "/", None, Value::Null).await;
    if let Some(asset) = page.text.split('"').find(|s| s.starts_with("/assets/")) {
        let a = call(&mut c, "GET", asset, None, Value::Null).await;
        assert_eq!(a.status, 200, "{asset}");
        assert_eq!(a.header("cache-control"), None, "{asset}");
        assert_eq!(
            a.header("x-content-type-options"),
            Some("nosniff"),
            "{asset}"
        );
    }
}

/// Put the case in 公示 under `entry_id` (today for a week), as `start_publicity` leaves it.
fn into_publicity(server: &TestServer, case: CaseId, entry_id: &str) {
    let kind = jiuzhu_server::workflow::flow::FLOW;
    let mut item = server
        .store
        .item(kind, &case.to_string())
        .unwrap()
        .expect("a flow");
    let today = jiuzhu_server::clock::today();
    item.body["state"] = json!("publicity");
    item.body["facts"]["publicity"] = json!({
        "from": today.to_string(),
        "to": jiuzhu_shared::workflow::calendar::add_days(today, 7).to_string(),
        "entry_id": entry_id,
    });
    server
        .store
        .transact(&mut |txn| txn.put_item(&item))
        .unwrap();
}

async fn object(c: &mut Client, entry: &str, contact: &str) -> Answer {
    let body =
        json!({"entry_id": entry, "content": "他家有车，收入没有如实申报。", "contact": contact});
    call(c, "POST", "/api/public/objections", None, body).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn online_objections_are_limited_per_phone_per_entry_and_per_address() {
    let server = dual_stack_server().await;
    server.add_investigator("王五");
    server.add_investigator("赵六");
    let cases: Vec<CaseId> = (1..=6)
        .map(|i| {
            let case = server.add_case(&format!("YY-{i}"), &["王五", "赵六"]);
            into_publicity(&server, case, &format!("E{i}"));
            case
        })
        .collect();
    let mut v6 = client_from(&server, "[::1]");
    let mut v4 = client_from(&server, "127.0.0.1");

    // A refused request (too short) counts nothing.
    let short = json!({"entry_id": "E1", "content": "不对", "contact": ""});
    assert_eq!(
        call(&mut v6, "POST", "/api/public/objections", None, short)
            .await
            .status,
        400
    );
    assert_eq!(
        object(&mut v6, "E1", "李四 139-0000-0005").await.status,
        200
    );
    // The same phone on the same entry, when it is up again: once is enough.
    into_publicity(&server, cases[0], "E1");
    let a = object(&mut v4, "E1", "13900000005").await;
    assert_eq!(
        (a.status, a.body["code"].as_str()),
        (409, Some("duplicate_objection")),
        "{}",
        a.body
    );
    assert!(
        a.body["message"]
            .as_str()
            .unwrap()
            .contains("已对这条公示提出过异议")
    );
    // Per phone: three a day, whatever the address.
    assert_eq!(object(&mut v6, "E2", "13900000005").await.status, 200);
    assert_eq!(object(&mut v4, "E3", "13900000005").await.status, 200);
    let a = object(&mut v4, "E4", "13900000005").await;
    assert_eq!(a.status, 429, "{}", a.body);
    assert!(
        a.body["message"].as_str().unwrap().contains("分钟后再试"),
        "{}",
        a.body
    );
    // Per address: three a day, with or without a phone.
    assert_eq!(object(&mut v6, "E4", "").await.status, 200);
    let a = object(&mut v6, "E5", "13900000006").await;
    assert_eq!(
        a.status, 429,
        "the address has objected three times: {}",
        a.body
    );
    assert_eq!(object(&mut v4, "E5", "13900000006").await.status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_ballot_links_are_limited_per_address() {
    let server = TestServer::start().await;
    let mut c = client_from(&server, "127.0.0.1");
    for i in 0..10 {
        let a = call(
            &mut c,
            "GET",
            &format!("/api/public/vote/guess-{i}"),
            None,
            Value::Null,
        )
        .await;
        assert_eq!(
            (a.status, a.body["code"].as_str()),
            (404, Some("link_invalid"))
        );
    }
    let a = call(
        &mut c,
        "GET",
        "/api/public/vote/guess-10",
        None,
        Value::Null,
    )
    .await;
    assert_eq!(a.status, 429, "{}", a.body);
    assert!(a.body["message"].as_str().unwrap().contains("分钟后再试"));
    let vote = json!({"votes": [], "signature": jiuzhu_e2e::png_data_url()});
    let a = call(&mut c, "POST", "/api/public/vote/guess-11", None, vote).await;
    assert_eq!(a.status, 429, "{}", a.body);
}
