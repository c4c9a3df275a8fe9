//! The tablet's side of issue #6 (points 1–3): data at rest encrypted under the PIN, the offline
//! lease, and the wipe of a revoked device. Real SQLCipher files, real photo files, real server.

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
    assert_eq!(std::fs::read(server.blob_path(&hash)).unwrap(), jpeg);

    // A photo file moved under another name does not decrypt.
    let other = home.join("photos").join(format!("{}.jpg", "ab".repeat(32)));
    std::fs::copy(t.tablet.photo_path(&hash), &other).unwrap();
    assert!(t.tablet.read_photo(&"ab".repeat(32)).is_err());

    // The PIN can be changed: the old one stops working, the data stays.
    t.tablet.set_pin("13579").unwrap();
    assert!(t.reopen(PIN).is_err());
    t.reopen("13579").unwrap();
    assert_eq!(t.tablet.read_photo(&hash).unwrap(), jpeg);
}

#[test]
fn wrong_pins_wait_then_wipe_after_the_configured_number() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    drop(Tablet::create(h, "1111", vault::DEFAULT_WIPE_AFTER).unwrap());
    let t0 = 1_000_000;
    for i in 1..=jiuzhu_tablet_core::pin::FREE_ATTEMPTS {
        let err = Tablet::unlock_at(h, "0000", t0).err().unwrap();
        assert!(
            matches!(err, TabletError::Pin(PinError::Wrong { failures, .. }) if failures == i),
            "{err}"
        );
    }
    // Back-off: even the right PIN waits while locked.
    let err = Tablet::unlock_at(h, "1111", t0 + 10).err().unwrap();
    assert!(
        matches!(err, TabletError::Pin(PinError::Locked { seconds: 50 })),
        "{err}"
    );
    // A correct PIN after the wait resets the count.
    drop(Tablet::unlock_at(h, "1111", t0 + 60).unwrap());
    let mut now = t0 + 100;
    for i in 1..vault::DEFAULT_WIPE_AFTER {
        let err = Tablet::unlock_at(h, "0000", now).err().unwrap();
        assert!(
            matches!(err, TabletError::Pin(PinError::Wrong { failures, .. }) if failures == i),
            "{err}"
        );
        now += 61;
    }
    // The tenth wrong PIN wipes: keys, database, photos.
    let err = Tablet::unlock_at(h, "0000", now).err().unwrap();
    assert!(
        matches!(err, TabletError::Wiped(WipeReason::TooManyWrongPins)),
        "{err}"
    );
    for f in [KEY_FILE, DB_FILE, "photos", "thumbs"] {
        assert!(!h.join(f).exists(), "{f} erased");
    }
    let err = Tablet::unlock(h, "1111").err().unwrap();
    assert!(matches!(err, TabletError::Pin(PinError::NotSet)), "{err}");

    // The number is configurable.
    let home = tempfile::tempdir().unwrap();
    drop(Tablet::create(home.path(), "2222", 2).unwrap());
    assert!(Tablet::unlock_at(home.path(), "0000", t0).is_err());
    let err = Tablet::unlock_at(home.path(), "0000", t0).err().unwrap();
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
    // Locked across a restart too, and the unsent work is still there, encrypted.
    t.reopen(PIN).unwrap();
    locked(t.tablet.cases(None).map(|_| ()));
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
