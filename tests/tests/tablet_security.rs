//! The tablet's side of issue #6 (points 1–3) and issue 13 point 5: data at rest encrypted under
//! the PIN (six digits at least) and the lease secret, the offline lease, and the wipe of a
//! revoked device. Real SQLCipher files, real photo files, real server.

use jiuzhu_e2e::{PIN, SimTablet, TestServer, test_jpeg};
use jiuzhu_tablet_core::pin::PinError;
use jiuzhu_tablet_core::vault::{self, KEY_FILE};
use jiuzhu_tablet_core::{DB_FILE, LEASE_KEY, Tablet, TabletError, WipeReason, now_s};
use serde_json::json;
use std::path::Path;

/// An enrolled tablet with one synced case and a photo in it.
async fn tablet_with_a_case(server: &TestServer) -> (SimTablet, jiuzhu_shared::CaseId, String) {
    server.add_investigator("王五");
    server.add_investigator("赵六");
    let case = server.add_case("SEC-1", &["王五", "赵六"]);
    let mut t = SimTablet::enrolled(server, &server.url(), "王五").await;
    t.sync().await.unwrap();
    t.tablet
        .set(case, "visits.0.living.housing", "砖瓦房")
        .unwrap();
    let photo = t
        .tablet
        .add_photo(case, &test_jpeg(640, 480, 7), "院子", "exterior")
        .unwrap();
    (t, case, photo.hash)
}

fn plain_query(db: &Path, key: Option<&str>) -> rusqlite::Result<i64> {
    let c = rusqlite::Connection::open(db)?;
    if let Some(k) = key {
        c.pragma_update(None, "key", k)?;
    }
    c.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_database_and_photos_open_only_with_the_pin() {
    let server = TestServer::start().await;
    let (mut t, case, hash) = tablet_with_a_case(&server).await;
    let home = t.home.path().to_path_buf();
    let db = home.join(DB_FILE);

    // Without the key SQLite sees no database; a wrong key neither; no plain text in the file.
    let err = plain_query(&db, None).unwrap_err();
    assert!(err.to_string().contains("not a database"), "{err}");
    assert!(plain_query(&db, Some(&format!("x'{}'", "00".repeat(32)))).is_err());
    let raw = std::fs::read(&db).unwrap();
    assert!(!raw.starts_with(b"SQLite format 3"));
    let needle = "砖瓦房".as_bytes();
    assert!(!raw.windows(needle.len()).any(|w| w == needle));
    // The key file holds no key in the clear: only salt, nonce and wrapped bytes.
    let key_file = std::fs::read_to_string(home.join(KEY_FILE)).unwrap();
    assert!(key_file.contains("argon2id") && !key_file.contains(PIN));

    // The photo file is ciphertext: no JPEG, not the bytes whose hash names it.
    let file = std::fs::read(t.tablet.photo_path(&hash)).unwrap();
    assert!(!file.starts_with(&[0xFF, 0xD8]));
    assert_ne!(jiuzhu_tablet_core::photo::sha256_hex(&file), hash);
    let thumb = std::fs::read(home.join("thumbs").join(format!("{hash}.jpg"))).unwrap();
    assert!(!thumb.starts_with(&[0xFF, 0xD8]));

    // A wrong PIN opens nothing; the right one opens the database and the photo.
    let err = t.reopen("999999").unwrap_err();
    assert!(
        matches!(
            err,
            TabletError::Pin(PinError::Wrong {
                failures: 1,
                remaining: 9
            })
        ),
        "{err}"
    );
    t.reopen(PIN).unwrap();
    assert_eq!(
        t.show(case)["visits"][0]["living"]["housing"],
        json!("砖瓦房")
    );
    let jpeg = t.tablet.read_photo(&hash).unwrap();
    assert!(jpeg.starts_with(&[0xFF, 0xD8]));
    assert_eq!(jiuzhu_tablet_core::photo::sha256_hex(&jpeg), hash);

    // Sync uploads the plain JPEG: the server's copy hashes to the same name.
    let report = t.sync().await.unwrap();
    assert_eq!(report.blobs_sent, 1);
    assert_eq!(server.blob(&hash), jpeg);

    // A photo file moved under another name does not decrypt.
    let other = home.join("photos").join(format!("{}.jpg", "ab".repeat(32)));
    std::fs::copy(t.tablet.photo_path(&hash), &other).unwrap();
    assert!(t.tablet.read_photo(&"ab".repeat(32)).is_err());

    // The PIN can be changed: the old one stops working, the data stays.
    t.tablet.set_pin("135790").unwrap();
    assert!(t.reopen(PIN).is_err());
    t.reopen("135790").unwrap();
    assert_eq!(t.tablet.read_photo(&hash).unwrap(), jpeg);
}

#[test]
fn wrong_pins_wait_then_wipe_after_the_configured_number() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    drop(Tablet::create(h, "111111", vault::DEFAULT_WIPE_AFTER).unwrap());
    let t0 = 1_000_000;
    for i in 1..=jiuzhu_tablet_core::pin::FREE_ATTEMPTS {
        let err = Tablet::unlock_at(h, "000000", t0).err().unwrap();
        assert!(
            matches!(err, TabletError::Pin(PinError::Wrong { failures, .. }) if failures == i),
            "{err}"
        );
    }
    // Back-off: even the right PIN waits while locked.
    let err = Tablet::unlock_at(h, "111111", t0 + 10).err().unwrap();
    assert!(
        matches!(err, TabletError::Pin(PinError::Locked { seconds: 50 })),
        "{err}"
    );
    // A correct PIN after the wait resets the count.
    drop(Tablet::unlock_at(h, "111111", t0 + 60).unwrap());
    let mut now = t0 + 100;
    for i in 1..vault::DEFAULT_WIPE_AFTER {
        let err = Tablet::unlock_at(h, "000000", now).err().unwrap();
        assert!(
            matches!(err, TabletError::Pin(PinError::Wrong { failures, .. }) if failures == i),
            "{err}"
        );
        now += 61;
    }
    // The tenth wrong PIN wipes: keys, database, photos.
    let err = Tablet::unlock_at(h, "000000", now).err().unwrap();
    assert!(
        matches!(err, TabletError::Wiped(WipeReason::TooManyWrongPins)),
        "{err}"
    );
    for f in [KEY_FILE, DB_FILE, "photos", "thumbs"] {
        assert!(!h.join(f).exists(), "{f} erased");
    }
    let err = Tablet::unlock(h, "111111").err().unwrap();
    assert!(matches!(err, TabletError::Pin(PinError::NotSet)), "{err}");

    // The number is configurable.
    let home = tempfile::tempdir().unwrap();
    drop(Tablet::create(home.path(), "222222", 2).unwrap());
    assert!(Tablet::unlock_at(home.path(), "000000", t0).is_err());
    let err = Tablet::unlock_at(home.path(), "000000", t0).err().unwrap();
    assert!(
        matches!(err, TabletError::Wiped(WipeReason::TooManyWrongPins)),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lease_expiry_locks_and_renewal_unlocks_with_unsent_edits_synced() {
    let server = TestServer::start().await;
    let (mut t, case, hash) = tablet_with_a_case(&server).await;
    // The server granted the default 72 h at the first sync.
    let until = t.tablet.lease_until().unwrap().unwrap();
    assert!((until - now_s() - 72 * 3600).abs() < 120, "lease {until}");

    // Offline work, then the lease runs out (its end moved to the past = three days later).
    t.tablet
        .set(case, "visits.0.living.food", "自给自足")
        .unwrap();
    t.tablet
        .store()
        .set_setting(LEASE_KEY, &(now_s() - 1).to_string())
        .unwrap();
    let locked = |r: Result<(), TabletError>| {
        assert!(
            matches!(r, Err(TabletError::LeaseExpired { .. })),
            "locked: {r:?}"
        );
    };
    locked(t.tablet.cases(None).map(|_| ()));
    locked(t.tablet.show(case).map(|_| ()));
    locked(t.tablet.set(case, "visits.0.living.food", "x"));
    locked(t.tablet.read_photo(&hash).map(|_| ()));
    locked(t.tablet.thumbnail(&hash).map(|_| ()));
    locked(
        t.tablet
            .add_photo(case, &test_jpeg(64, 64, 1), "", "other")
            .map(|_| ()),
    );
    // Finding the lease lapsed destroyed the lease secret: after a restart even the right PIN
    // opens nothing until the server sends the secret again; the unsent work is still there.
    locked(t.reopen(PIN));
    t.tablet = Tablet::unlock_renewing(t.home.path(), PIN).await.unwrap();
    let kept = t.tablet.store().list(None).unwrap();
    assert!(kept[0].unsynced && t.tablet.store().pending_blobs().unwrap().len() == 1);

    // Sync is allowed: it sends the edits and the photo and renews the lease.
    let report = t.sync().await.unwrap();
    assert_eq!((report.documents_sent, report.blobs_sent), (1, 1));
    assert!(t.tablet.lease_until().unwrap().unwrap() > now_s() + 71 * 3600);
    assert_eq!(t.tablet.cases(None).unwrap().len(), 1);
    let doc = &server.export(case)["document"];
    assert_eq!(doc["visits"][0]["living"]["food"], json!("自给自足"));
    assert_eq!(doc["visits"][0]["living"]["housing"], json!("砖瓦房"));
    assert_eq!(server.export(case)["evidence_complete"], json!(true));

    // Turning the tablet's clock back does not stretch the lease: a grant the server made "in the
    // future" of the tablet's clock voids it until the next sync.
    t.tablet
        .store()
        .set_setting(
            jiuzhu_tablet_core::LEASE_GRANTED_KEY,
            &(now_s() + 86_400).to_string(),
        )
        .unwrap();
    locked(t.tablet.cases(None).map(|_| ()));
    t.sync().await.unwrap();
    assert_eq!(t.tablet.cases(None).unwrap().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_tablet_is_refused_and_wipes_its_data_at_next_sync() {
    let server = TestServer::start().await;
    let (mut t, _case, hash) = tablet_with_a_case(&server).await;
    let home = t.home.path().to_path_buf();
    assert!(t.tablet.photo_path(&hash).exists());
    jiuzhu_server::admin::revoke_device(server.store.as_ref(), server.device_id("王五"), 1)
        .unwrap();

    let err = t.sync().await.unwrap_err();
    assert!(
        matches!(err, TabletError::Wiped(WipeReason::Revoked)),
        "{err}"
    );
    assert!(err.to_string().contains("revoked"), "{err}");
    for f in [
        KEY_FILE.to_string(),
        DB_FILE.to_string(),
        format!("{DB_FILE}-wal"),
        "photos".into(),
        "thumbs".into(),
    ] {
        assert!(!home.join(&f).exists(), "{f} erased");
    }
    // The handle holds nothing either, and the PIN opens nothing.
    assert!(t.tablet.identity().is_err());
    let err = Tablet::unlock(&home, PIN).err().unwrap();
    assert!(matches!(err, TabletError::Pin(PinError::NotSet)), "{err}");
}

/// The lease is part of the key wrapping (issue 13 point 5): a tablet that finds its lease lapsed
/// destroys the lease secret, so its case data does not open with the right PIN — only after a
/// sync the server still answers. A revoked device never opens again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lapsed_lease_seals_the_data_until_the_server_renews_it() {
    let server = TestServer::start().await;
    let (mut t, case, hash) = tablet_with_a_case(&server).await;
    let home = t.home.path().to_path_buf();
    let key_file = || std::fs::read_to_string(home.join(KEY_FILE)).unwrap();
    let file: serde_json::Value = serde_json::from_str(&key_file()).unwrap();
    let secret = file["lease"]["secret"].as_str().unwrap().to_string();
    assert_eq!(secret.len(), 64, "the server granted a lease secret");
    assert_eq!(file["v"], 2);
    assert_eq!(file["m_kib"], json!(vault::ARGON2_M_KIB));
    let until = file["lease"]["until"].as_i64().unwrap();

    // Three days later the tablet is started: the lease has lapsed. The right PIN is accepted
    // (it is counted as right) but the data stays sealed, and the secret is gone from the file.
    let later = until + 60;
    let err = Tablet::unlock_at(&home, PIN, later).err().unwrap();
    assert!(matches!(err, TabletError::LeaseExpired { .. }), "{err}");
    assert!(
        !key_file().contains(&secret),
        "the lease secret is destroyed"
    );
    // Setting the clock back does not bring it back: the copy is gone, not just out of date.
    let err = Tablet::unlock(&home, PIN).err().unwrap();
    assert!(matches!(err, TabletError::LeaseExpired { .. }), "{err}");
    // A wrong PIN is still a wrong PIN (the credential under the PIN alone checks it).
    let err = Tablet::unlock(&home, "999999").err().unwrap();
    assert!(
        matches!(err, TabletError::Pin(PinError::Wrong { failures: 1, .. })),
        "{err}"
    );
    // The CLI cannot read the cases either.
    let out = jiuzhu_e2e::tablet_cli_output(&home, &["cases"]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("lease"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // A sync the server accepts brings the secret: `jiuzhu-tablet sync` asks for it first, then
    // syncs; the data opens again, the work is there.
    jiuzhu_e2e::tablet_cli(&home, &["sync"]);
    assert_eq!(
        jiuzhu_e2e::tablet_cli(&home, &["cases"])
            .as_array()
            .unwrap()
            .len(),
        1
    );
    t.reopen(PIN).unwrap();
    assert_eq!(
        t.show(case)["visits"][0]["living"]["housing"],
        json!("砖瓦房")
    );
    assert!(
        t.tablet
            .read_photo(&hash)
            .unwrap()
            .starts_with(&[0xFF, 0xD8])
    );
    assert!(key_file().contains(&secret));
    t.sync().await.unwrap();
    t.reopen(PIN).unwrap();

    // Lapsed again, and meanwhile the device was reported stolen and revoked: the server gives
    // it nothing, the tablet erases itself and never opens again.
    let file: serde_json::Value = serde_json::from_str(&key_file()).unwrap();
    let later = file["lease"]["until"].as_i64().unwrap() + 60;
    assert!(Tablet::unlock_at(&home, PIN, later).is_err());
    jiuzhu_server::admin::revoke_device(server.store.as_ref(), server.device_id("王五"), 1)
        .unwrap();
    let err = Tablet::unlock_renewing(&home, PIN).await.err().unwrap();
    assert!(
        matches!(err, TabletError::Wiped(WipeReason::Revoked)),
        "{err}"
    );
    for f in [KEY_FILE, DB_FILE, "photos"] {
        assert!(!home.join(f).exists(), "{f} erased");
    }
    let err = Tablet::unlock(&home, PIN).err().unwrap();
    assert!(matches!(err, TabletError::Pin(PinError::NotSet)), "{err}");
}

/// Fewer than six digits is refused by the core and the command line.
#[test]
fn a_pin_needs_six_digits() {
    for short in ["1234", "12345"] {
        let home = tempfile::tempdir().unwrap();
        let err = Tablet::create(home.path(), short, vault::DEFAULT_WIPE_AFTER)
            .err()
            .unwrap();
        assert!(matches!(err, TabletError::Pin(PinError::Format)), "{err}");
        assert!(!home.path().join(KEY_FILE).exists());
        let out = std::process::Command::new(jiuzhu_e2e::bin("jiuzhu-tablet"))
            .args(["--home", home.path().to_str().unwrap(), "cases"])
            .env("JIUZHU_PIN", short)
            .output()
            .unwrap();
        assert!(!out.status.success());
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("6–12 digits"),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
