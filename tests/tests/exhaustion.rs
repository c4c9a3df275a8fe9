//! Memory cannot be exhausted (issue 13 point 2): hostile bodies — gzip bombs on every kind of
//! endpoint, an Automerge deflate bomb from an enrolled device — get a 4xx while the real server
//! process's peak resident memory stays under a stated bound.

use jiuzhu_e2e::{
    Console, ServerProcess, admin_add_assigned_case, admin_add_investigators, admin_cli,
};
use jiuzhu_shared::protocol::{self, DocMessage, EnrollRequest, EnrollResponse, SyncRequest};
use jiuzhu_tablet_core::net::Client;
use std::io::Write;

/// The stated bound on the server's peak resident memory under these attacks (docs/security.md).
const PEAK_RSS_BOUND_MIB: u64 = 256;

/// `mib` MiB of zeros, deflated (raw deflate for Automerge, gzip for HTTP).
fn zeros_deflated(mib: usize, gzip: bool) -> Vec<u8> {
    let zeros = vec![0u8; 1 << 20];
    let level = flate2::Compression::best();
    if gzip {
        let mut z = flate2::write::GzEncoder::new(Vec::new(), level);
        (0..mib).for_each(|_| z.write_all(&zeros).unwrap());
        z.finish().unwrap()
    } else {
        let mut z = flate2::write::DeflateEncoder::new(Vec::new(), level);
        (0..mib).for_each(|_| z.write_all(&zeros).unwrap());
        z.finish().unwrap()
    }
}

/// The peak resident set of a process (VmHWM), in MiB.
fn peak_rss_mib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let kib: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap();
    kib / 1024
}

fn device_client(server: &ServerProcess, token: Option<&str>) -> Client {
    Client::new(
        &server.url(),
        Some(&server.fingerprint),
        token.map(str::to_string),
    )
    .unwrap()
}

async fn enroll(server: &ServerProcess, data: &std::path::Path, user: &str) -> String {
    let code = admin_cli(data, &["enroll-code", "--user", user]);
    let req = EnrollRequest {
        v: protocol::PROTOCOL_VERSION,
        code,
        device_name: "平板-攻击".into(),
        app_version: "test".into(),
    };
    let r = device_client(server, None)
        .send(
            "POST".parse().unwrap(),
            "/api/v1/enroll",
            "application/cbor",
            &[],
            protocol::encode(&req),
            false,
        )
        .await
        .unwrap();
    assert_eq!(r.status.as_u16(), 200);
    protocol::decode::<EnrollResponse>(&r.body).unwrap().token
}

#[tokio::test(flavor = "multi_thread")]
async fn gzip_bombs_get_413_and_the_server_stays_small() {
    let dir = tempfile::tempdir().unwrap();
    admin_add_investigators(dir.path(), &["王五"]);
    let server = ServerProcess::spawn(dir.path());
    let token = enroll(&server, dir.path(), "王五").await;
    let before = peak_rss_mib(server.child.id());

    // 8 KiB on the wire (one TLS record, so the refusal never races the upload), 8 MiB inflated,
    // 64 at once: half a gigabyte if each were read whole.
    let bomb = zeros_deflated(8, true);
    assert!(bomb.len() < 12 << 10);
    let routes = [
        "/api/public/objections",
        "/api/applicant/code",
        "/api/applicant/login",
        "/api/console/login",
    ];
    let mut tasks = Vec::new();
    for i in 0..64 {
        let (url, fp, bomb) = (server.url(), server.fingerprint.clone(), bomb.clone());
        let route = routes[i % routes.len()];
        tasks.push(tokio::spawn(async move {
            let mut c = Console::at(&url, &fp);
            let (s, _) = c
                .raw_with("POST", route, &[("content-encoding", "gzip")], bomb)
                .await;
            (route, s)
        }));
    }
    // An enrolled device's bombs: the enrollment, a blob chunk and a sync round.
    for (path, method) in [
        ("/api/v1/enroll", "POST"),
        (
            "/api/v1/blobs/0000000000000000000000000000000000000000000000000000000000000000?offset=0&total=100",
            "PUT",
        ),
        ("/api/v1/sync", "POST"),
    ] {
        let mut c = device_client(&server, Some(&token));
        let bomb = bomb.clone();
        tasks.push(tokio::spawn(async move {
            let r = c
                .send(
                    method.parse().unwrap(),
                    path,
                    "application/cbor",
                    &[("content-encoding", "gzip")],
                    bomb,
                    false,
                )
                .await
                .unwrap();
            (path, r.status.as_u16())
        }));
    }
    for t in tasks {
        let (route, status) = t.await.unwrap();
        assert!(
            (400..500).contains(&status),
            "{route} answered {status} to a gzip bomb"
        );
        if !route.starts_with("/api/v1/sync") {
            assert_eq!(status, 413, "{route}");
        }
    }
    let peak = peak_rss_mib(server.child.id());
    assert!(
        peak < PEAK_RSS_BOUND_MIB,
        "peak resident memory {peak} MiB (before the attack {before} MiB) is over {PEAK_RSS_BOUND_MIB} MiB"
    );
    let (s, _) = Console::at(&server.url(), &server.fingerprint)
        .get("/healthz")
        .await;
    assert_eq!(s, 200, "the server keeps serving");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_automerge_deflate_bomb_from_an_enrolled_device_is_refused_before_it_inflates() {
    let dir = tempfile::tempdir().unwrap();
    admin_add_investigators(dir.path(), &["王五", "赵六"]);
    let case = admin_add_assigned_case(dir.path(), "DLT-BOMB-1", "王五,赵六");
    let server = ServerProcess::spawn(dir.path());
    let token = enroll(&server, dir.path(), "王五").await;

    // A compressed change chunk (type 2) of 1 KiB on the wire per MiB inflated.
    let data = zeros_deflated(512, false);
    let mut chunk = vec![0x85, 0x6f, 0x4a, 0x83, 0, 0, 0, 0, 2];
    let mut n = data.len();
    loop {
        let b = (n & 0x7f) as u8;
        n >>= 7;
        chunk.push(if n == 0 { b } else { b | 0x80 });
        if n == 0 {
            break;
        }
    }
    chunk.extend(&data);
    let msg = automerge::sync::Message {
        heads: vec![],
        need: vec![],
        have: vec![],
        changes: automerge::sync::ChunkList::from(chunk),
        flags: None,
        version: automerge::sync::MessageVersion::V1,
    }
    .encode();
    let req = SyncRequest {
        v: protocol::PROTOCOL_VERSION,
        cursor: 0,
        docs: vec![DocMessage {
            doc: case.parse().unwrap(),
            msg,
        }],
        app_version: "test".into(),
        relayed: Vec::new(),
    };
    let body = protocol::encode(&req);
    assert!(body.len() < 2 << 20, "{} bytes on the wire", body.len());
    let r = device_client(&server, Some(&token))
        .send(
            "POST".parse().unwrap(),
            "/api/v1/sync",
            "application/cbor",
            &[],
            body,
            true,
        )
        .await
        .unwrap();
    assert_eq!(r.status.as_u16(), 413);
    let err: protocol::ErrorBody = protocol::decode(&r.body).unwrap();
    assert_eq!(err.code, "too_large");
    let peak = peak_rss_mib(server.child.id());
    assert!(
        peak < PEAK_RSS_BOUND_MIB,
        "peak resident memory {peak} MiB is over {PEAK_RSS_BOUND_MIB} MiB"
    );
    // The case is untouched and the device can still sync honestly.
    let export = admin_cli(dir.path(), &["export-case", "--case", &case]);
    assert!(export.contains("DLT-BOMB-1"));
}
