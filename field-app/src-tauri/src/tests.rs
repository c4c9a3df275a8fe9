//! The command layer under Tauri's mock runtime: no window, no display. The rules themselves are
//! tested in the core; here we check arguments, the PIN gate, raw image bodies and error codes.

use super::*;
use ed25519_dalek::SigningKey;
use jiuzhu_shared::peer::{DeviceCredential, SignedCredential};
use jiuzhu_shared::schema::{CaseDoc, DeclaredMember};
use jiuzhu_shared::{ActorKey, CaseDocument};
use serde_json::json;
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{
    INVOKE_KEY, MockRuntime, get_ipc_response, mock_builder, mock_context, noop_assets,
};
use tauri::webview::InvokeRequest;
use tauri::{Manager, WebviewWindow, WebviewWindowBuilder};

fn request(cmd: &str, body: InvokeBody, headers: &[(&str, &str)]) -> InvokeRequest {
    let mut h = tauri::http::HeaderMap::new();
    for (k, v) in headers {
        h.insert(
            tauri::http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
            v.parse().unwrap(),
        );
    }
    InvokeRequest {
        cmd: cmd.into(),
        callback: CallbackFn(0),
        error: CallbackFn(1),
        url: "tauri://localhost".parse().unwrap(),
        body,
        headers: h,
        invoke_key: INVOKE_KEY.to_string(),
    }
}

fn call(w: &WebviewWindow<MockRuntime>, cmd: &str, args: Json) -> Result<Json, Json> {
    get_ipc_response(w, request(cmd, InvokeBody::Json(args), &[]))
        .map(|r| r.deserialize::<Json>().unwrap())
}

fn err_code(r: Result<Json, Json>) -> String {
    r.unwrap_err()["code"].as_str().unwrap().to_string()
}

/// A new tablet that looks enrolled as `user` (PIN not chosen yet, as right after enrollment).
fn tablet_of(user: &str) -> (tempfile::TempDir, Tablet) {
    let dir = tempfile::tempdir().unwrap();
    let tablet = Tablet::create_unprotected(dir.path()).unwrap();
    for (k, v) in [
        ("server", "https://127.0.0.1:1".to_string()),
        ("fingerprint", "ab".repeat(32)),
        ("device_id", format!("dev-{user}")),
        ("token", "tok".into()),
        ("actor", ActorKey::random().to_string()),
        ("user_name", user.into()),
        ("township", "树林召镇".into()),
    ] {
        tablet.store().set_setting(k, &v).unwrap();
    }
    (dir, tablet)
}

/// 王磊's tablet holding one case assigned to him and 李娜 (as a sync would leave it).
fn enrolled_home() -> (tempfile::TempDir, CaseId, Tablet) {
    let (dir, mut tablet) = tablet_of("王磊");
    let mut c = CaseDoc::default();
    c.header.case_no = "DLT-1".into();
    c.header.applicant_name = "巴特尔".into();
    c.header.assigned_team = vec!["王磊".into(), "李娜".into()];
    c.declared.members = vec![DeclaredMember {
        id: "d1".into(),
        name: "巴特尔".into(),
        ..Default::default()
    }];
    let id = CaseId::new();
    c.case_id = id.to_string();
    // The server writes the header with its own actor; any other actor serves here.
    let mut doc = CaseDocument::create(&c, ActorKey::random(), 1).unwrap();
    tablet
        .store_mut()
        .save_changes(id, &mut doc, &[], 1)
        .unwrap();
    (dir, id, tablet)
}

/// 李娜's tablet, holding the same case as `tablet` (her own sync would have brought it).
fn colleague_of(tablet: &Tablet, case: CaseId) -> (tempfile::TempDir, Tablet) {
    let (dir, mut other) = tablet_of("李娜");
    let bytes = tablet.document(case).unwrap().save();
    let mut doc = CaseDocument::load(&bytes, ActorKey::random()).unwrap();
    other
        .store_mut()
        .save_changes(case, &mut doc, &[], 1)
        .unwrap();
    (dir, other)
}

/// What a sync with the server leaves for face-to-face sync: the tablet's key and the
/// credential `server` signed for it.
fn give_credential(t: &Tablet, server: &SigningKey, seed: u8) {
    use jiuzhu_tablet_core::peer::{CREDENTIAL_SETTING, KEY_SETTING, SERVER_KEY_SETTING};
    let hex = |b: &[u8]| b.iter().map(|x| format!("{x:02x}")).collect::<String>();
    let setting = |k: &str| t.store().setting(k).unwrap().unwrap();
    let key = SigningKey::from_bytes(&[seed; 32]);
    let credential = DeviceCredential {
        device_id: setting("device_id"),
        device_name: format!("平板{seed}"),
        user_name: setting("user_name"),
        township: setting("township"),
        actor: setting("actor"),
        public_key: key.verifying_key().to_bytes().to_vec(),
        issued_at: now_s(),
        expires_at: now_s() + 3600,
    };
    let mut body = Vec::new();
    ciborium::into_writer(&SignedCredential::sign(&credential, server), &mut body).unwrap();
    for (k, v) in [
        (KEY_SETTING, hex(&[seed; 32])),
        (CREDENTIAL_SETTING, hex(&body)),
        (SERVER_KEY_SETTING, hex(&server.verifying_key().to_bytes())),
    ] {
        t.store().set_setting(k, &v).unwrap();
    }
}

fn app(home: &std::path::Path) -> (tauri::App<MockRuntime>, WebviewWindow<MockRuntime>) {
    app_with(AppState::open(home.to_path_buf()).unwrap())
}

fn app_with(state: AppState) -> (tauri::App<MockRuntime>, WebviewWindow<MockRuntime>) {
    let app = mock_builder()
        .manage(state)
        .invoke_handler(handlers!())
        .build(mock_context(noop_assets()))
        .unwrap();
    let w = WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .unwrap();
    (app, w)
}

fn png() -> Vec<u8> {
    // A valid 1×1 PNG is enough: the core stores signature images as they are.
    let mut v = b"\x89PNG\r\n\x1a\n".to_vec();
    v.extend_from_slice(b"rest-of-a-tiny-png");
    v
}

#[test]
fn a_fresh_tablet_is_not_enrolled_and_everything_else_waits() {
    let dir = tempfile::tempdir().unwrap();
    let (_app, w) = app(dir.path());
    let s = call(&w, "status", json!({})).unwrap();
    assert_eq!(s["enrolled"], false);
    assert_eq!(s["pin_set"], false);
    assert_eq!(
        err_code(call(&w, "set_pin", json!({"pin": "1234"}))),
        "not_enrolled"
    );
    assert_eq!(err_code(call(&w, "list_cases", json!({}))), "locked");
    let info = call(&w, "parse_enroll_text", json!({"text": "ABCD-1234"})).unwrap();
    assert_eq!(info["code"], "ABCD-1234");
}

#[test]
fn enrollment_errors_have_codes_the_ui_can_translate() {
    let dir = tempfile::tempdir().unwrap();
    let (_app, w) = app(dir.path());
    let args = json!({"server": "https://127.0.0.1:1", "code": "X", "fingerprint": ""});
    assert_eq!(err_code(call(&w, "enroll", args)), "no_network");
    let bad = json!({"server": "ftp://x", "code": "X", "fingerprint": ""});
    assert_eq!(err_code(call(&w, "enroll", bad)), "bad_url");
    assert_eq!(
        err_code(call(
            &w,
            "probe_fingerprint",
            json!({"server": "https://127.0.0.1:1"})
        )),
        "no_network"
    );
}

#[test]
fn pin_gate_then_a_visit_through_the_commands() {
    let (dir, case, tablet) = enrolled_home();
    let (_app, w) = app_with(AppState::with_tablet(
        dir.path().to_path_buf(),
        Some(tablet),
    ));
    assert_eq!(
        err_code(call(&w, "set_pin", json!({"pin": "12"}))),
        "pin_format"
    );
    call(&w, "set_pin", json!({"pin": "246810"})).unwrap();
    call(&w, "lock", json!({})).unwrap();
    assert_eq!(err_code(call(&w, "list_cases", json!({}))), "locked");
    assert_eq!(
        err_code(call(&w, "unlock", json!({"pin": "000000"}))),
        "pin_wrong"
    );
    call(&w, "unlock", json!({"pin": "246810"})).unwrap();
    // Once a PIN exists, replacing it needs an unlocked app — which this one now is.
    let list = call(&w, "list_cases", json!({"query": "巴特"})).unwrap();
    assert_eq!(list[0]["case_no"], "DLT-1");
    assert_eq!(list[0]["touched"], false);

    let cid = case.to_string();
    let v = call(&w, "open_visit", json!({"caseId": cid})).unwrap();
    assert_eq!(v["open_visit"], 0);
    assert_eq!(
        v["doc"]["visits"][0]["members"][0]["name"]["declared"],
        "巴特尔"
    );
    let v = call(
        &w,
        "set_value",
        json!({"caseId": cid, "path": "visits.0.members.0.present", "value": true}),
    )
    .unwrap();
    assert_eq!(v["doc"]["visits"][0]["members"][0]["present"], true);
    assert_eq!(
        err_code(call(
            &w,
            "set_value",
            json!({"caseId": cid, "path": "header.case_no", "value": "x"})
        )),
        "not_editable"
    );
    assert_eq!(
        err_code(call(&w, "finalize", json!({"caseId": cid}))),
        "incomplete"
    );
    let list = call(&w, "list_cases", json!({})).unwrap();
    assert_eq!(list[0]["touched"], true);

    // Signatures arrive as raw PNG bodies with their arguments in headers.
    for (role, name, member) in [
        ("investigator", "王磊", ""),
        ("investigator", "李娜", ""),
        (
            "member",
            "巴特尔",
            v["doc"]["visits"][0]["members"][0]["id"].as_str().unwrap(),
        ),
    ] {
        let enc = |s: &str| s.bytes().map(|b| format!("%{b:02X}")).collect::<String>();
        let r = get_ipc_response(
            &w,
            request(
                "sign",
                InvokeBody::Raw(png()),
                &[
                    ("case-id", &cid),
                    ("role", role),
                    ("name", &enc(name)),
                    ("member-id", member),
                ],
            ),
        );
        assert!(r.is_ok(), "{r:?}");
    }
    let v = call(&w, "finalize", json!({"caseId": cid})).unwrap();
    let visit = &v["doc"]["visits"][0];
    assert_eq!(visit["finalized"], true);
    assert_eq!(visit["signatures"].as_array().unwrap().len(), 3);
    assert_eq!(
        visit["content_hash"],
        visit["signatures"][0]["content_hash"]
    );
    let hash = visit["signatures"][0]["image_hash"].as_str().unwrap();
    let img = get_ipc_response(
        &w,
        request("thumbnail", InvokeBody::Json(json!({"hash": hash})), &[]),
    )
    .unwrap();
    assert!(matches!(img, tauri::ipc::InvokeResponseBody::Raw(b) if b == png()));
    assert_eq!(
        err_code(call(
            &w,
            "set_value",
            json!({"caseId": cid, "path": "visits.0.living.food", "value": "x"})
        )),
        "sealed"
    );
    let list = call(&w, "list_cases", json!({})).unwrap();
    assert_eq!(list[0]["finalized"], true);
    // The three test signatures are the same bytes, hence one content-addressed blob.
    assert_eq!(list[0]["pending_photos"], 1);
}

#[test]
fn a_restarted_app_opens_only_with_the_pin_and_a_lapsed_lease_locks_the_cases() {
    let (dir, _case, tablet) = enrolled_home();
    {
        let (_app, w) = app_with(AppState::with_tablet(
            dir.path().to_path_buf(),
            Some(tablet),
        ));
        call(&w, "set_pin", json!({"pin": "246810"})).unwrap();
    }
    // A restart: the data is closed; status knows only that a PIN exists.
    let (_app, w) = app(dir.path());
    let s = call(&w, "status", json!({})).unwrap();
    assert_eq!(
        (&s["enrolled"], &s["pin_set"], &s["unlocked"]),
        (&json!(true), &json!(true), &json!(false))
    );
    assert_eq!(s["user_name"], Json::Null);
    assert_eq!(err_code(call(&w, "list_cases", json!({}))), "locked");
    let e = call(&w, "unlock", json!({"pin": "000000"})).unwrap_err();
    assert_eq!(e["code"], "pin_wrong");
    call(&w, "unlock", json!({"pin": "246810"})).unwrap();
    assert_eq!(call(&w, "status", json!({})).unwrap()["user_name"], "王磊");
    assert_eq!(
        call(&w, "list_cases", json!({})).unwrap()[0]["case_no"],
        "DLT-1"
    );

    // The lease the server granted has passed: the case data is locked until a sync.
    let home = dir.path().to_path_buf();
    let t = Tablet::unlock(&home, "246810").unwrap();
    t.store()
        .set_setting(jiuzhu_tablet_core::LEASE_KEY, &(now_s() - 1).to_string())
        .unwrap();
    assert_eq!(err_code(call(&w, "list_cases", json!({}))), "lease_expired");
}

#[test]
fn face_to_face_sync_needs_the_pin_a_credential_and_a_readable_invitation() {
    let (dir, _case, tablet) = enrolled_home();
    let (_app, w) = app_with(AppState::with_tablet(
        dir.path().to_path_buf(),
        Some(tablet),
    ));
    let join = json!({"invitation": "not an invitation"});
    assert_eq!(err_code(call(&w, "peer_join", join.clone())), "locked");
    call(&w, "set_pin", json!({"pin": "246810"})).unwrap();
    // Never synced since the feature came: no peer credential yet, and the UI says so first.
    assert_eq!(call(&w, "status", json!({})).unwrap()["peer_ready"], false);
    assert_eq!(err_code(call(&w, "peer_join", join)), "bad_invitation");
    // Nothing is waiting: cancelling is harmless.
    call(&w, "peer_cancel", json!({})).unwrap();
}

#[test]
fn two_tablets_sync_face_to_face_through_the_commands() {
    let server = SigningKey::from_bytes(&[7; 32]);
    let (dir_a, case, a) = enrolled_home();
    let (dir_b, b) = colleague_of(&a, case);
    give_credential(&a, &server, 1);
    give_credential(&b, &server, 2);
    let (app_a, host) = app_with(AppState::with_tablet(dir_a.path().to_path_buf(), Some(a)));
    let (_app_b, guest) = app_with(AppState::with_tablet(dir_b.path().to_path_buf(), Some(b)));
    for w in [&host, &guest] {
        call(w, "set_pin", json!({"pin": "246810"})).unwrap();
        assert_eq!(call(w, "status", json!({})).unwrap()["peer_ready"], true);
    }
    // 李娜 starts the visit on her tablet, out of signal.
    let cid = case.to_string();
    call(&guest, "open_visit", json!({"caseId": cid})).unwrap();
    let path = "visits.0.members.0.present";
    call(
        &guest,
        "set_value",
        json!({"caseId": cid, "path": path, "value": true}),
    )
    .unwrap();
    let invite = json!({"onResult": "__CHANNEL__:1"});

    let text = call(&host, "peer_invite", invite.clone()).unwrap();
    assert!(
        text.as_str().unwrap().starts_with("jiuzhu-peer:1?"),
        "{text}"
    );
    let s = call(&guest, "peer_join", json!({"invitation": text})).unwrap();
    assert_eq!(s["report"]["peer_name"], "王磊");
    assert_eq!(s["report"]["peer_device"], "平板1");
    assert_eq!(s["report"]["cases"], json!([case.to_string()]));
    assert_eq!(s["cases"][0]["case_no"], "DLT-1");
    assert_eq!(s["cases"][0]["applicant"], "巴特尔");
    assert_eq!(s["report"]["documents_sent"], 1);
    // The host's background wait ends with the exchange, and the invitation is spent.
    let wait = app_a.state::<AppState>().peer_wait.lock().unwrap().take();
    tauri::async_runtime::block_on(wait.unwrap()).unwrap();
    let v = call(&host, "get_case", json!({"caseId": cid})).unwrap();
    assert_eq!(v["doc"]["visits"][0]["members"][0]["present"], true);
    let again = json!({"invitation": text});
    assert_eq!(err_code(call(&guest, "peer_join", again)), "network");

    // A cancelled invitation is void at once.
    let text = call(&host, "peer_invite", invite.clone()).unwrap();
    call(&host, "peer_cancel", json!({})).unwrap();
    let late = json!({"invitation": text});
    assert_eq!(err_code(call(&guest, "peer_join", late)), "network");
    // So is one shown when the tablet is locked.
    let text = call(&host, "peer_invite", invite).unwrap();
    call(&host, "lock", json!({})).unwrap();
    let late = json!({"invitation": text});
    assert_eq!(err_code(call(&guest, "peer_join", late)), "network");
}

#[test]
fn servers_are_listed_added_and_removed_through_the_commands() {
    let (dir, _case, tablet) = enrolled_home();
    // A station added earlier (as `add_server` leaves it in the settings).
    let station = json!([{"url": "https://10.0.0.9:8443", "fingerprint": "cd".repeat(32),
        "label": "树林召镇同步站", "enrolled": false}]);
    tablet
        .store()
        .set_setting("servers", &station.to_string())
        .unwrap();
    let (_app, w) = app_with(AppState::with_tablet(
        dir.path().to_path_buf(),
        Some(tablet),
    ));
    assert_eq!(err_code(call(&w, "servers", json!({}))), "locked");
    call(&w, "set_pin", json!({"pin": "246810"})).unwrap();

    let list = call(&w, "servers", json!({})).unwrap();
    assert_eq!(list[0]["url"], "https://127.0.0.1:1");
    assert_eq!(list[0]["enrolled"], true);
    assert!(
        list[0]["fingerprint"]
            .as_str()
            .unwrap()
            .starts_with("AB:AB:")
    );
    assert_eq!(list[1]["label"], "树林召镇同步站");

    let add = |url: &str| json!({"url": url, "fingerprint": null, "label": "乡镇同步站"});
    assert_eq!(
        err_code(call(&w, "add_server", add("https://127.0.0.1:1"))),
        "server_known"
    );
    // Nothing answers on port 1: the certificate cannot be pinned, nothing is added.
    assert_eq!(
        err_code(call(&w, "add_server", add("https://127.0.0.1:2"))),
        "no_network"
    );
    assert_eq!(err_code(call(&w, "add_server", add("ftp://x"))), "bad_url");
    assert_eq!(
        call(&w, "servers", json!({}))
            .unwrap()
            .as_array()
            .unwrap()
            .len(),
        2
    );

    let remove = |url: &str| json!({"url": url});
    assert_eq!(
        err_code(call(&w, "remove_server", remove("https://127.0.0.1:1"))),
        "enrolled_server"
    );
    call(&w, "remove_server", remove("https://10.0.0.9:8443/")).unwrap();
    assert_eq!(
        err_code(call(&w, "remove_server", remove("https://10.0.0.9:8443"))),
        "unknown_server"
    );
    let list = call(&w, "servers", json!({})).unwrap();
    assert_eq!(list.as_array().unwrap().len(), 1);
}
