//! Issue 13 point 7, the tablet's half: a deployment chooses SM4-GCM (商用密码) for tablet storage
//! once, in `DATA/crypto.toml`; the server sends it at enrollment, the tablet makes its keys
//! under it, and photos still travel intact. The real server binary, the real tablet core.

use jiuzhu_e2e::{
    PIN, ServerProcess, SimTablet, admin_add_assigned_case, admin_add_investigators, admin_cli,
    bin, test_jpeg,
};
use jiuzhu_shared::CaseId;
use jiuzhu_shared::protocol::TabletCipher;
use jiuzhu_tablet_core::vault::KEY_FILE;
use std::path::Path;

/// The cipher a tablet's `keys.json` records.
fn recorded_cipher(home: &Path) -> String {
    let text = std::fs::read_to_string(home.join(KEY_FILE)).expect("keys.json");
    let json: serde_json::Value = serde_json::from_str(&text).expect("keys.json is JSON");
    json["cipher"]
        .as_str()
        .expect("a recorded cipher")
        .to_string()
}

/// A tablet enrolled as `user` against the server process.
async fn enrolled(server: &ServerProcess, data: &Path, user: &str) -> SimTablet {
    let mut t = SimTablet::new();
    let code = admin_cli(data, &["enroll-code", "--user", user]);
    t.tablet
        .enroll(&server.url(), &code, Some(&server.fingerprint), user)
        .await
        .expect("enroll");
    t
}

/// A photo taken on `t` in `case`, synced: the server's copy is the tablet's plain JPEG, byte for
/// byte, and the tablet's own file is sealed with `cipher`. Returns the photo's hash.
async fn photo_arrives_intact(
    t: &mut SimTablet,
    data: &Path,
    case: CaseId,
    seed: u64,
    cipher: TabletCipher,
) -> String {
    let photo = t
        .tablet
        .add_photo(case, &test_jpeg(800, 600, seed), "院子", "exterior")
        .expect("photo added");
    let report = t.sync().await.expect("sync");
    assert_eq!(report.blobs_sent, 1);
    let sealed = std::fs::read(t.tablet.photo_path(&photo.hash)).expect("the tablet's file");
    let mark: &[u8] = match cipher {
        TabletCipher::Sm4Gcm => b"JZS1",
        TabletCipher::XChaCha20Poly1305 => b"JZE1",
    };
    assert!(sealed.starts_with(mark), "sealed with {cipher}");
    let plain = t
        .tablet
        .read_photo(&photo.hash)
        .expect("the tablet opens it");
    let blobs = jiuzhu_server::DataDir::new(data)
        .expect("data dir")
        .open_blobs()
        .expect("blobs");
    let on_server = blobs
        .read(&photo.hash.parse().expect("hash"))
        .expect("blob store")
        .expect("the server holds the photo");
    assert_eq!(on_server, plain);
    assert_eq!(
        jiuzhu_tablet_core::photo::sha256_hex(&on_server),
        photo.hash
    );
    photo.hash
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deployment_configured_for_sm4_enrolls_sm4_tablets_whose_photos_arrive_intact() {
    let data = tempfile::tempdir().unwrap();
    let data = data.path();
    std::fs::write(data.join("crypto.toml"), "tablet_cipher = \"sm4-gcm\"\n").unwrap();
    admin_add_investigators(data, &["王五", "赵六"]);
    let case: CaseId = admin_add_assigned_case(data, "GM-1", "王五,赵六")
        .parse()
        .unwrap();
    let server = ServerProcess::spawn(data);

    // The tablet made its keys under the PIN before enrolling; enrollment switched them to SM4.
    let mut t = enrolled(&server, data, "王五").await;
    assert_eq!(recorded_cipher(t.home.path()), "sm4-gcm");
    t.sync().await.expect("first sync");
    let hash = photo_arrives_intact(&mut t, data, case, 11, TabletCipher::Sm4Gcm).await;

    // Restarted, the tablet opens its SM4-wrapped keys with the PIN, and its SM4 files with them.
    t.reopen("000000").expect_err("a wrong PIN opens nothing");
    t.reopen(PIN).expect("the PIN opens the SM4 key file");
    let plain = t
        .tablet
        .read_photo(&hash)
        .expect("the photo opens after restart");
    assert_eq!(jiuzhu_tablet_core::photo::sha256_hex(&plain), hash);

    // The deployment goes back to the default: tablets enrolled from now on use it, and the one
    // enrolled before keeps SM4 (its files were written under it).
    std::fs::remove_file(data.join("crypto.toml")).unwrap();
    let mut other = enrolled(&server, data, "赵六").await;
    assert_eq!(recorded_cipher(other.home.path()), "xchacha20poly1305");
    other.sync().await.expect("sync");
    photo_arrives_intact(&mut other, data, case, 12, TabletCipher::XChaCha20Poly1305).await;
    t.reopen(PIN).expect("reopen");
    assert_eq!(recorded_cipher(t.home.path()), "sm4-gcm");
    photo_arrives_intact(&mut t, data, case, 13, TabletCipher::Sm4Gcm).await;
}

/// A misspelt cipher stops the server at start, naming the file and the choices, instead of
/// enrolling tablets under a default the deployment did not choose.
#[test]
fn a_wrong_crypto_toml_stops_the_server_with_the_reason() {
    let data = tempfile::tempdir().unwrap();
    std::fs::write(data.path().join("crypto.toml"), "tablet_cipher = \"sm4\"\n").unwrap();
    let out = std::process::Command::new(bin("jiuzhu-server"))
        .args(["serve", "--data"])
        .arg(data.path())
        .args(["--listen", "127.0.0.1:0"])
        .output()
        .expect("run the server");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("crypto.toml") && stderr.contains("sm4-gcm"),
        "{stderr}"
    );
}
