//! A tablet that knows several servers (issue 18 point 1): the one it enrolled at and its
//! township's station. Here the "station" is the same server reached at another address (a
//! proxy): what matters to the tablet is that it is another known server, with its own cursor
//! and sync states, tried when the enrolled one cannot be reached — and only then.

use jiuzhu_e2e::proxy::Proxy;
use jiuzhu_e2e::{SimTablet, TestServer};
use jiuzhu_tablet_core::net::{NetError, normalize_fingerprint};
use jiuzhu_tablet_core::{TabletError, WipeReason};

/// Stop a proxy and wait until its address refuses connections (its listener closes in its
/// own task): the enrolled server is then simply not there.
async fn take_down(proxy: Proxy) {
    let addr = proxy.addr();
    drop(proxy);
    while tokio::net::TcpStream::connect(addr).await.is_ok() {
        tokio::task::yield_now().await;
    }
}

fn url(proxy: &Proxy) -> String {
    format!("https://{}", proxy.addr())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_falls_back_to_the_station_when_the_enrolled_server_is_out_of_reach() {
    let server = TestServer::start().await;
    server.add_investigator("王五");
    server.add_investigator("赵六");
    let case = server.add_case("KS-1", &["王五", "赵六"]);
    let banner = Proxy::start(server.addr()).await.unwrap();
    let station = Proxy::start(server.addr()).await.unwrap();
    let mut t = SimTablet::enrolled(&server, &url(&banner), "王五").await;
    assert_eq!(t.sync().await.unwrap().server, url(&banner));

    // Added without a fingerprint: the certificate seen is pinned. A wrong one is refused.
    let wrong = t
        .tablet
        .add_server(&server.url(), Some(&"ab".repeat(32)), "x")
        .await
        .unwrap_err();
    assert!(
        matches!(wrong, TabletError::Net(NetError::CertificateChanged { .. })),
        "{wrong}"
    );
    let added = t
        .tablet
        .add_server(&format!("{}/", url(&station)), None, "树林召镇站")
        .await
        .unwrap();
    assert_eq!(added.url, url(&station));
    assert_eq!(
        added.fingerprint,
        normalize_fingerprint(&server.fingerprint())
    );
    let servers = t.tablet.servers().unwrap();
    let urls: Vec<_> = servers.iter().map(|s| s.url.as_str()).collect();
    assert_eq!(urls, [url(&banner), url(&station)]);
    assert!(servers[0].enrolled && !servers[1].enrolled);
    assert!(matches!(
        t.tablet.add_server(&url(&station), None, "again").await,
        Err(TabletError::ServerKnown(_))
    ));

    // While the enrolled server answers, the station is not asked.
    t.tablet.note(case, "牧场在山后").unwrap();
    let before = station.upstream_bytes();
    assert_eq!(t.sync().await.unwrap().server, url(&banner));
    assert_eq!(station.upstream_bytes(), before);
    let banner_cursor = t.tablet.store().setting("cursor").unwrap();

    t.tablet.note(case, "羊圈新修").unwrap();
    take_down(banner).await;
    let report = t.sync().await.unwrap();
    assert_eq!(report.server, url(&station));
    // Its own conversation: the station's sync states knew nothing of the case, so it went.
    assert!(report.documents_sent >= 1, "{report:?}");
    let findings = server.export(case)["document"]["findings"].clone();
    let texts: Vec<_> = findings
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["text"].as_str().unwrap())
        .collect();
    assert_eq!(texts, ["牧场在山后", "羊圈新修"]);
    assert_eq!(server.export(case)["document"], t.show(case));
    assert!(!t.tablet.cases(None).unwrap()[0].unsynced);
    // Each server's cursor under its own key.
    assert_eq!(t.tablet.store().setting("cursor").unwrap(), banner_cursor);
    assert_eq!(
        t.tablet.store().setting(&added.cursor_key()).unwrap(),
        Some(report.cursor.to_string())
    );

    // Named explicitly: the station, or a server the tablet does not know.
    let again = t
        .tablet
        .sync_with_server(&url(&station), &mut |_| {})
        .await
        .unwrap();
    assert_eq!(
        (again.server.as_str(), again.documents_sent),
        (url(&station).as_str(), 0)
    );
    assert!(matches!(
        t.tablet
            .sync_with_server("https://127.0.0.1:9", &mut |_| {})
            .await,
        Err(TabletError::UnknownServer(_))
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refusal_is_the_answer_whichever_server_gives_it() {
    let server = TestServer::start().await;
    let impostor = TestServer::start().await;
    server.add_investigator("王五");
    server.add_investigator("赵六");
    server.add_case("KS-2", &["王五", "赵六"]);
    let banner = Proxy::start(server.addr()).await.unwrap();
    let station = Proxy::start(server.addr()).await.unwrap();
    let mut tablets = Vec::new();
    for user in ["王五", "赵六"] {
        let mut t = SimTablet::enrolled(&server, &url(&banner), user).await;
        t.sync().await.unwrap();
        t.tablet
            .add_server(&url(&station), None, "树林召镇站")
            .await
            .unwrap();
        tablets.push(t);
    }
    let (mut t, mut u) = (tablets.remove(0), tablets.remove(0));

    // Another certificate at the enrolled address is not passed over for the station.
    banner.set_upstream(impostor.addr());
    let before = station.upstream_bytes();
    let err = t.sync().await.unwrap_err();
    assert!(
        matches!(err, TabletError::Net(NetError::CertificateChanged { .. })),
        "{err}"
    );
    banner.set_upstream(server.addr());

    // Revoked: the enrolled server says so, the tablet erases itself and asks no one else.
    jiuzhu_server::admin::revoke_device(server.store.as_ref(), server.device_id("王五"), 1)
        .unwrap();
    let err = t.sync().await.unwrap_err();
    assert!(
        matches!(err, TabletError::Wiped(WipeReason::Revoked)),
        "{err}"
    );
    assert_eq!(
        station.upstream_bytes(),
        before,
        "the station was never asked"
    );
    assert!(!t.tablet.pin_set(), "the keys are gone");

    // The station says so, the enrolled server being out of reach: erased all the same.
    jiuzhu_server::admin::revoke_device(server.store.as_ref(), server.device_id("赵六"), 1)
        .unwrap();
    take_down(banner).await;
    let err = u.sync().await.unwrap_err();
    assert!(
        matches!(err, TabletError::Wiped(WipeReason::Revoked)),
        "{err}"
    );
    assert!(station.upstream_bytes() > before);
    assert!(!u.tablet.pin_set());
}
