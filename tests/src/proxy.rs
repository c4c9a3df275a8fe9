//! A fault-injecting TCP proxy for end-to-end tests.
//!
//! The proxy listens on `127.0.0.1:0` and forwards raw bytes to an upstream server. It never parses
//! what it carries (the sync protocol runs HTTPS through it), so every fault is expressed in bytes:
//! cut the link after N bytes, refuse connections, delay chunks, add a link's latency, hold the
//! server's answer back, or
//! replay a whole recorded client stream. Tests use it to prove that none of these lose data.
//!
//! Design:
//! * One tokio task per direction per connection. Inside a task a reader and a writer run
//!   concurrently (joined futures, not extra tasks) around an in-order queue, so the reader keeps
//!   draining the socket while the writer is held or delayed: held bytes are never lost, even if
//!   the server goes away in the meantime.
//! * Every live connection is registered with a `watch` "cancel" flag. A cut flips the flags; both
//!   direction tasks `select!` on it, set `SO_LINGER 0` (tokio's `set_zero_linger`, which replaces
//!   the deprecated `set_linger(Some(ZERO))`) and drop their sockets so both peers see a reset
//!   rather than a clean end of stream.
//! * All shared state sits in one `Arc<Shared>` (atomics, short `std::sync::Mutex` sections that
//!   are never held across an `.await`, and `watch` channels for anything awaited).

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use anyhow::Context as _;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, mpsc, watch};
use tokio::task::AbortHandle;

/// Read size per chunk; also the unit in which delays apply.
const CHUNK: usize = 16 * 1024;
/// Cap on the recorded client->server bytes of one connection (kept for replay).
const RECORD_CAP: usize = 64 * 1024 * 1024;
/// How far the server->client reader may run ahead of the writer. Large because this is what a
/// `hold_downstream` can buffer before TCP backpressure reaches the server.
const DOWN_BUFFER: usize = 64 * 1024 * 1024;
/// Client->server has no hold, so only a little read-ahead: keeps backpressure close to real TCP.
const UP_BUFFER: usize = 4 * CHUNK;
/// A replay stops reading after this long without news from the server (it may never close).
const REPLAY_IDLE: Duration = Duration::from_secs(5);
/// Longest a threshold cut waits for its last bytes to reach the peer before resetting anyway.
const DRAIN_LIMIT: Duration = Duration::from_secs(2);

/// Handle to a running proxy. Cheap to clone; the proxy (listener and every live connection) shuts
/// down when the last clone is dropped.
#[derive(Clone)]
pub struct Proxy {
    inner: Arc<Inner>,
}

struct Inner {
    shared: Arc<Shared>,
    addr: SocketAddr,
    accept: AbortHandle,
}

impl Drop for Inner {
    fn drop(&mut self) {
        // Without this, the accept loop and connection tasks would outlive the test that owns us.
        self.accept.abort();
        self.shared.cancel_all();
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Dir {
    /// client -> server
    Up,
    /// server -> client
    Down,
}

/// One-shot cut trigger for one direction.
#[derive(Clone, Copy, Debug)]
enum CutState {
    Off,
    /// This many more bytes may pass; the chunk that reaches the limit fires the cut.
    Armed(u64),
    /// The limit has been reached and its connection is writing the last prefix. Everyone else
    /// forwards nothing more in this direction until the cut lands (they are about to be cut).
    /// The number tells this firing from a later one.
    Firing(u64),
    /// `heal` landed that firing at once; its connection, still draining, must not cut again
    /// (it would reset connections opened after the heal).
    Landed(u64),
}

enum Take {
    All,
    /// Forward only this many bytes, then fire the cut (of that firing).
    Prefix(usize, u64),
    /// A cut is in flight: forward nothing and wait to be cancelled.
    Blocked,
}

/// What a direction's reader hands its writer, in stream order.
enum Msg {
    Data(Vec<u8>),
    /// Clean end of stream: forward as a half-close.
    Eof,
    /// The source failed (reset etc.): forward as an abrupt close, after the data before it.
    Reset,
}

struct Shared {
    upstream: Mutex<SocketAddr>,
    offline: AtomicBool,
    delay_nanos: AtomicU64,
    latency_nanos: AtomicU64,
    hold: watch::Sender<bool>,
    /// Total client->server bytes forwarded; a `watch` so `wait_upstream_bytes` can await it.
    up_total: watch::Sender<u64>,
    down_total: AtomicU64,
    cut_up: Mutex<CutState>,
    cut_down: Mutex<CutState>,
    cuts: AtomicU64,
    /// Numbers the firings of threshold cuts.
    firings: AtomicU64,
    next_conn: AtomicU64,
    /// Cancel flag of every live connection, so a cut can reach all of them.
    conns: Mutex<HashMap<u64, Arc<watch::Sender<bool>>>>,
    last_recording: Mutex<Option<Vec<u8>>>,
}

/// Lock that shrugs off poisoning: a panicking test thread must not cascade into every other task.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Shared {
    fn cut_state(&self, dir: Dir) -> &Mutex<CutState> {
        match dir {
            Dir::Up => &self.cut_up,
            Dir::Down => &self.cut_down,
        }
    }

    fn delay(&self) -> Duration {
        Duration::from_nanos(self.delay_nanos.load(Ordering::Relaxed))
    }

    fn latency(&self) -> Duration {
        Duration::from_nanos(self.latency_nanos.load(Ordering::Relaxed))
    }

    fn cancel_all(&self) {
        for cancel in lock(&self.conns).values() {
            cancel.send_replace(true);
        }
    }

    fn arm(&self, dir: Dir, n: u64) {
        if n == 0 {
            // "Once 0 more bytes have passed" is now.
            *lock(self.cut_state(dir)) = CutState::Off;
            self.cuts.fetch_add(1, Ordering::SeqCst);
            self.cancel_all();
        } else {
            *lock(self.cut_state(dir)) = CutState::Armed(n);
        }
    }

    /// Decide how much of a `len`-byte chunk may be forwarded. Done under one lock so that, across
    /// connections, exactly `n` bytes pass an armed cut.
    fn take(&self, dir: Dir, len: usize) -> Take {
        let mut st = lock(self.cut_state(dir));
        match *st {
            CutState::Off | CutState::Landed(_) => Take::All,
            CutState::Firing(_) => Take::Blocked,
            CutState::Armed(rem) => {
                if (len as u64) < rem {
                    *st = CutState::Armed(rem - len as u64);
                    Take::All
                } else {
                    let n = self.firings.fetch_add(1, Ordering::SeqCst);
                    *st = CutState::Firing(n);
                    // rem <= len here, so it fits in usize.
                    Take::Prefix(rem as usize, n)
                }
            }
        }
    }

    /// The cut of firing `n` lands: every live connection is reset.
    fn fire(&self, dir: Dir, n: u64) {
        {
            let mut st = lock(self.cut_state(dir));
            match *st {
                // Already landed by `heal`.
                CutState::Landed(l) if l == n => {
                    *st = CutState::Off;
                    return;
                }
                // Disarm (one-shot) unless a test re-armed it in the meantime.
                CutState::Firing(f) if f == n => *st = CutState::Off,
                _ => {}
            }
        }
        self.cuts.fetch_add(1, Ordering::SeqCst);
        self.cancel_all();
    }

    fn count(&self, dir: Dir, n: usize) {
        match dir {
            Dir::Up => self.up_total.send_modify(|t| *t += n as u64),
            Dir::Down => {
                self.down_total.fetch_add(n as u64, Ordering::SeqCst);
            }
        }
    }
}

/// Fires a pending cut when dropped, so the cut lands even if the task forwarding the last prefix
/// is cancelled (or its write fails) halfway; otherwise other connections would stay `Blocked`.
struct FireOnDrop<'a> {
    shared: &'a Shared,
    dir: Dir,
    firing: u64,
}

impl Drop for FireOnDrop<'_> {
    fn drop(&mut self) {
        self.shared.fire(self.dir, self.firing);
    }
}

impl Proxy {
    /// Start a proxy on `127.0.0.1:0` forwarding to `upstream`.
    pub async fn start(upstream: SocketAddr) -> anyhow::Result<Proxy> {
        let listener = TcpListener::bind(("127.0.0.1", 0))
            .await
            .context("binding the proxy listener")?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            upstream: Mutex::new(upstream),
            offline: AtomicBool::new(false),
            delay_nanos: AtomicU64::new(0),
            latency_nanos: AtomicU64::new(0),
            hold: watch::Sender::new(false),
            up_total: watch::Sender::new(0),
            down_total: AtomicU64::new(0),
            cut_up: Mutex::new(CutState::Off),
            cut_down: Mutex::new(CutState::Off),
            cuts: AtomicU64::new(0),
            firings: AtomicU64::new(0),
            next_conn: AtomicU64::new(0),
            conns: Mutex::new(HashMap::new()),
            last_recording: Mutex::new(None),
        });
        let accept = tokio::spawn(accept_loop(listener, shared.clone())).abort_handle();
        Ok(Proxy {
            inner: Arc::new(Inner {
                shared,
                addr,
                accept,
            }),
        })
    }

    fn shared(&self) -> &Shared {
        &self.inner.shared
    }

    /// Where clients connect.
    pub fn addr(&self) -> SocketAddr {
        self.inner.addr
    }

    /// Point new connections at another upstream (e.g. a restarted server on another port).
    /// Connections already open keep their server.
    pub fn set_upstream(&self, upstream: SocketAddr) {
        *lock(&self.shared().upstream) = upstream;
    }

    /// Cut every live connection (both directions, abruptly) once `n` more bytes have passed
    /// client->server, counted from now across all connections. The connection carrying byte `n`
    /// forwards exactly up to it first and (Linux, up to 2 s) waits for the peer to acknowledge
    /// them, so the server really received bytes `0..n` before it sees the reset. Other
    /// connections are reset at once. One-shot; `n == 0` cuts immediately. Re-arming replaces a
    /// pending trigger.
    pub fn cut_after_upstream_bytes(&self, n: u64) {
        self.shared().arm(Dir::Up, n);
    }

    /// Same as [`Proxy::cut_after_upstream_bytes`] for server->client bytes.
    pub fn cut_after_downstream_bytes(&self, n: u64) {
        self.shared().arm(Dir::Down, n);
    }

    /// While true, new connections are accepted and immediately reset ("no network").
    /// Live connections are left alone; combine with [`Proxy::cut_all_now`] to drop them too.
    pub fn set_offline(&self, offline: bool) {
        self.shared().offline.store(offline, Ordering::SeqCst);
    }

    /// Delay applied before forwarding each chunk (up to 16 KiB), in both directions.
    pub fn set_delay(&self, d: Duration) {
        let nanos = u64::try_from(d.as_nanos()).unwrap_or(u64::MAX);
        self.shared().delay_nanos.store(nanos, Ordering::Relaxed);
    }

    /// One-way latency in each direction, as a long link has: every chunk is forwarded `d` after
    /// it was read, while later chunks keep being read (a pipeline, unlike [`Proxy::set_delay`],
    /// which waits before each chunk in turn and so also cuts the throughput).
    pub fn set_latency(&self, d: Duration) {
        let nanos = u64::try_from(d.as_nanos()).unwrap_or(u64::MAX);
        self.shared().latency_nanos.store(nanos, Ordering::Relaxed);
    }

    /// While true, server->client bytes (and the server's end of stream) are buffered, not
    /// forwarded. Releasing delivers everything in order. A cut discards what is held.
    pub fn hold_downstream(&self, hold: bool) {
        self.shared().hold.send_replace(hold);
    }

    /// Undo every fault at once: online, no delay, nothing held, no cut pending (a cut already
    /// firing still lands). Live connections are left alone.
    pub fn heal(&self) {
        let shared = self.shared();
        shared.offline.store(false, Ordering::SeqCst);
        shared.delay_nanos.store(0, Ordering::Relaxed);
        shared.latency_nanos.store(0, Ordering::Relaxed);
        shared.hold.send_replace(false);
        for dir in [Dir::Up, Dir::Down] {
            let mut st = lock(shared.cut_state(dir));
            match *st {
                CutState::Armed(_) => *st = CutState::Off,
                // A cut still draining its last bytes lands now, so that it cannot reset a
                // connection opened after the heal.
                CutState::Firing(n) => {
                    *st = CutState::Landed(n);
                    drop(st);
                    shared.cuts.fetch_add(1, Ordering::SeqCst);
                    shared.cancel_all();
                }
                CutState::Off | CutState::Landed(_) => {}
            }
        }
    }

    /// Client->server bytes forwarded since start.
    pub fn upstream_bytes(&self) -> u64 {
        *self.shared().up_total.borrow()
    }

    /// Server->client bytes forwarded since start.
    pub fn downstream_bytes(&self) -> u64 {
        self.shared().down_total.load(Ordering::SeqCst)
    }

    /// Resolves once at least `n` client->server bytes in total have been forwarded.
    pub async fn wait_upstream_bytes(&self, n: u64) {
        let mut rx = self.shared().up_total.subscribe();
        // Only fails if the sender is dropped, which cannot happen while `self` is alive.
        let _ = rx.wait_for(|total| *total >= n).await;
    }

    /// Number of cuts that have fired (threshold cuts, including `n == 0`; not `cut_all_now`).
    pub fn cuts(&self) -> u64 {
        self.shared().cuts.load(Ordering::SeqCst)
    }

    /// Reset every live connection now.
    pub fn cut_all_now(&self) {
        self.shared().cancel_all();
    }

    /// Replay the exact client->server bytes of the last finished connection straight to the
    /// current upstream, as a duplicated request / replay attack would.
    ///
    /// "Finished" means the connection's client->server stream ended (client EOF or reset, or a
    /// cut) after carrying at least one byte. It is filed before the client can see the resulting
    /// reset or the server's reaction to its EOF, so a test may replay as soon as it observes that.
    /// (A connection the server closed while the client keeps it open, e.g. an idle keep-alive
    /// one, is not finished yet: use `cut_all_now` first.)
    ///
    /// Returns whatever the upstream answered, possibly nothing; resets are not errors (a TLS
    /// server is expected to reject the replay). Reading stops at end of stream, on error, or after
    /// 5 s of silence. The replay bypasses the proxy: it is not counted, delayed, held or cut.
    /// Errors only if nothing has been recorded yet or the upstream cannot be connected to.
    pub async fn replay_last_connection(&self) -> anyhow::Result<Vec<u8>> {
        let bytes = lock(&self.shared().last_recording)
            .clone()
            .context("no finished connection has been recorded yet")?;
        let upstream = *lock(&self.shared().upstream);
        let stream = TcpStream::connect(upstream)
            .await
            .with_context(|| format!("connecting to upstream {upstream} for replay"))?;
        let (mut rd, mut wr) = stream.into_split();
        // Write and read concurrently: the server may answer (or reject) before reading it all,
        // and writing first could then deadlock on full socket buffers.
        let write = async {
            if wr.write_all(&bytes).await.is_ok() {
                let _ = wr.shutdown().await;
            }
            std::future::pending::<Infallible>().await
        };
        let read = async {
            let mut out = Vec::new();
            let mut buf = vec![0u8; CHUNK];
            while let Ok(Ok(n @ 1..)) = tokio::time::timeout(REPLAY_IDLE, rd.read(&mut buf)).await {
                out.extend_from_slice(&buf[..n]);
            }
            out
        };
        tokio::select! {
            out = read => Ok(out),
            never = write => match never {},
        }
    }
}

/// Wait (bounded) until the peer has acknowledged everything written to `stream`. The kernel offers
/// no readiness event for an empty send queue, hence the short polling. Gives up after
/// `DRAIN_LIMIT` (a peer that stopped reading): those bytes are then lost in flight, as on a real
/// cut link.
async fn drain_send_queue(stream: &TcpStream) {
    let deadline = tokio::time::Instant::now() + DRAIN_LIMIT;
    while unacked_bytes(stream).is_some_and(|n| n > 0) && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

/// Bytes written to `stream` and not yet acknowledged by the peer (Linux `SIOCOUTQ`). `std` and
/// tokio do not expose it, and the crate has no `libc` dependency, so declare `ioctl` directly
/// (std links the C library anyway).
#[cfg(target_os = "linux")]
fn unacked_bytes(stream: &TcpStream) -> Option<std::ffi::c_int> {
    use std::ffi::{c_int, c_ulong};
    use std::os::fd::AsRawFd;
    const SIOCOUTQ: c_ulong = 0x5411; // == TIOCOUTQ
    unsafe extern "C" {
        fn ioctl(fd: c_int, request: c_ulong, ...) -> c_int;
    }
    let mut n: c_int = 0;
    // SAFETY: the fd stays open for the call (we borrow the stream) and SIOCOUTQ writes exactly
    // one c_int through the pointer, which points at a live local.
    let rc = unsafe { ioctl(stream.as_raw_fd(), SIOCOUTQ, &mut n as *mut c_int) };
    (rc == 0).then_some(n)
}

/// Elsewhere the queue cannot be observed: cut right away (in-flight bytes may be lost).
#[cfg(not(target_os = "linux"))]
fn unacked_bytes(_stream: &TcpStream) -> Option<std::ffi::c_int> {
    None
}

async fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    loop {
        match listener.accept().await {
            Ok((client, _)) => {
                tokio::spawn(handle_conn(shared.clone(), client));
            }
            // Transient (e.g. out of file descriptors): back off briefly instead of spinning.
            Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
        }
    }
}

/// Removes a connection from the registry however its task ends.
struct Registration<'a> {
    shared: &'a Shared,
    id: u64,
}

impl Drop for Registration<'_> {
    fn drop(&mut self) {
        lock(&self.shared.conns).remove(&self.id);
    }
}

async fn handle_conn(shared: Arc<Shared>, client: TcpStream) {
    if shared.offline.load(Ordering::SeqCst) {
        // Reset rather than FIN: looks like "connection refused/reset", not an empty answer.
        let _ = client.set_zero_linger();
        return;
    }
    let _ = client.set_nodelay(true);

    // Register before connecting upstream so a cut also catches connections being set up.
    let id = shared.next_conn.fetch_add(1, Ordering::SeqCst);
    let cancel = Arc::new(watch::Sender::new(false));
    lock(&shared.conns).insert(id, cancel.clone());
    let _registration = Registration {
        shared: &shared,
        id,
    };

    let upstream = *lock(&shared.upstream);
    let mut cancelled = cancel.subscribe();
    let server = tokio::select! {
        biased;
        _ = cancelled.wait_for(|c| *c) => None,
        r = TcpStream::connect(upstream) => r.ok(),
    };
    let Some(server) = server else {
        // Server down (or cut while connecting): the client sees a reset, like a dead host.
        let _ = client.set_zero_linger();
        return;
    };
    let _ = server.set_nodelay(true);

    let (client_rd, client_wr) = client.into_split();
    let (server_rd, server_wr) = server.into_split();
    let down = tokio::spawn(pump(
        shared.clone(),
        Dir::Down,
        server_rd,
        client_wr,
        cancel.clone(),
    ));
    pump(shared.clone(), Dir::Up, client_rd, server_wr, cancel).await;
    let _ = down.await;
}

/// Make `recording` the one `replay_last_connection` uses (if it holds anything).
fn file_recording(shared: &Shared, recording: &mut Vec<u8>) {
    if !recording.is_empty() {
        *lock(&shared.last_recording) = Some(std::mem::take(recording));
    }
}

/// Forward one direction until end of stream, failure or cancellation. The client->server direction
/// records what it forwarded and files it for replay when it ends.
async fn pump(
    shared: Arc<Shared>,
    dir: Dir,
    mut rd: OwnedReadHalf,
    mut wr: OwnedWriteHalf,
    cancel: Arc<watch::Sender<bool>>,
) {
    let mut recording = Vec::new();
    let mut cancelled = cancel.subscribe();
    let (tx, mut rx) = mpsc::unbounded_channel::<(tokio::time::Instant, Msg)>();
    // Byte budget between reader and writer: the channel is unbounded, this bounds it in bytes.
    let cap = match dir {
        Dir::Up => UP_BUFFER,
        Dir::Down => DOWN_BUFFER,
    };
    let budget = Semaphore::new(cap);

    let reader = async {
        let mut buf = vec![0u8; CHUNK];
        loop {
            // Reserve room before reading, so a lagging writer throttles our reads.
            let Ok(permit) = budget.acquire_many(CHUNK as u32).await else {
                return;
            };
            permit.forget();
            let msg = match rd.read(&mut buf).await {
                Ok(0) => Msg::Eof,
                Ok(n) => {
                    budget.add_permits(CHUNK - n);
                    Msg::Data(buf[..n].to_vec())
                }
                Err(_) => Msg::Reset,
            };
            let done = !matches!(msg, Msg::Data(_));
            if tx.send((tokio::time::Instant::now(), msg)).is_err() || done {
                return;
            }
        }
    };

    let writer = async {
        let mut hold = shared.hold.subscribe();
        while let Some((read_at, msg)) = rx.recv().await {
            let latency = shared.latency();
            if !latency.is_zero() {
                tokio::time::sleep_until(read_at + latency).await;
            }
            if dir == Dir::Down {
                // Held bytes stay queued (the reader keeps draining the server meanwhile).
                let _ = hold.wait_for(|held| !*held).await;
            }
            let chunk = match msg {
                Msg::Data(chunk) => chunk,
                Msg::Eof => {
                    // File before the server can see the end (and so before the client can see
                    // the server's reaction to it): a test may replay as soon as it sees that.
                    file_recording(&shared, &mut recording);
                    // Propagate the half-close; the other direction may still be talking.
                    return wr.shutdown().await.is_ok();
                }
                Msg::Reset => return false,
            };
            let delay = shared.delay();
            if !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
            let (n, fire) = match shared.take(dir, chunk.len()) {
                Take::All => (chunk.len(), None),
                Take::Prefix(n, firing) => (
                    n,
                    Some(FireOnDrop {
                        shared: &shared,
                        dir,
                        firing,
                    }),
                ),
                // Another connection is firing a cut that will cancel us too; forward nothing.
                Take::Blocked => std::future::pending().await,
            };
            if wr.write_all(&chunk[..n]).await.is_err() {
                return false;
            }
            shared.count(dir, n);
            if dir == Dir::Up {
                let room = RECORD_CAP - recording.len();
                recording.extend_from_slice(&chunk[..n.min(room)]);
            }
            budget.add_permits(chunk.len());
            if fire.is_some() {
                // A reset discards whatever still sits in our send queue, so let the peer take
                // the prefix first: the cut then lands at exactly byte n, not "n minus in-flight".
                drain_send_queue(wr.as_ref()).await;
                // Dropping the guard fires the cut, which cancels this connection as well.
                drop(fire);
                return false;
            }
        }
        // Reader vanished without a final message: treat as failure.
        false
    };

    let clean = tokio::select! {
        biased;
        // The guard `wait_for` returns holds the watch's read lock: release it inside the branch.
        // select! drops the losing branch while the winner's output is alive, and dropping the
        // forwarding half can fire a cut that writes this very watch (a self-deadlock otherwise).
        _ = async { cancelled.wait_for(|c| *c).await.is_ok() } => false,
        (_, ok) = async { tokio::join!(reader, writer) } => ok,
    };

    // Filed before our sockets are released (the client read half lives here), so a client that
    // observes the cut can already replay this connection.
    file_recording(&shared, &mut recording);
    if !clean {
        // Abrupt close of both sockets: make the peers see a reset, and stop the other direction.
        cancel.send_replace(true);
        let _ = rd.as_ref().set_zero_linger();
        let _ = wr.as_ref().set_zero_linger();
        // `forget` skips the FIN a dropped write half would send; the socket closes (with RST)
        // once its read half, owned by the other direction's task, is dropped too.
        wr.forget();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::task::JoinHandle;

    const T: Duration = Duration::from_secs(10);

    /// Echo server: every connection gets back exactly what it sent, then a half-close.
    async fn echo_server() -> (SocketAddr, JoinHandle<()>) {
        let listener = TcpListener::bind(("127.0.0.1", 0))
            .await
            .expect("bind echo");
        let addr = listener.local_addr().expect("echo addr");
        let task = tokio::spawn(async move {
            while let Ok((s, _)) = listener.accept().await {
                tokio::spawn(async move {
                    let (mut r, mut w) = s.into_split();
                    if tokio::io::copy(&mut r, &mut w).await.is_ok() {
                        let _ = w.shutdown().await;
                    }
                });
            }
        });
        (addr, task)
    }

    /// Server that answers every connection with `tag` and closes.
    async fn tag_server(tag: &'static [u8]) -> (SocketAddr, JoinHandle<()>) {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await.expect("bind tag");
        let addr = listener.local_addr().expect("tag addr");
        let task = tokio::spawn(async move {
            while let Ok((mut s, _)) = listener.accept().await {
                let _ = s.write_all(tag).await;
                let _ = s.shutdown().await;
            }
        });
        (addr, task)
    }

    /// Read until end of stream or error; returns bytes and whether it ended in an error.
    async fn read_all(s: &mut (impl tokio::io::AsyncRead + Unpin)) -> (Vec<u8>, bool) {
        let mut out = Vec::new();
        let mut buf = [0u8; 4096];
        loop {
            match tokio::time::timeout(T, s.read(&mut buf))
                .await
                .expect("read timed out")
            {
                Ok(0) => return (out, false),
                Ok(n) => out.extend_from_slice(&buf[..n]),
                Err(_) => return (out, true),
            }
        }
    }

    fn pattern(len: usize) -> Vec<u8> {
        (0..len).map(|i| (i % 251) as u8).collect()
    }

    /// A cut still draining its last bytes when the test heals the link lands at the heal, not
    /// later on a connection opened after it (the soak's "clean link" syncs were reset so).
    #[tokio::test]
    async fn heal_lands_a_firing_cut_so_later_connections_are_spared() {
        let (echo, _e) = echo_server().await;
        let proxy = Proxy::start(echo).await.unwrap();
        proxy.cut_after_downstream_bytes(10);
        // What a connection forwarding the cut's last bytes does first; it is still draining.
        let Take::Prefix(10, firing) = proxy.shared().take(Dir::Down, 100) else {
            panic!("the armed cut should fire on this chunk");
        };
        proxy.heal();
        assert_eq!(proxy.cuts(), 1, "the heal lands the cut");

        let mut c = TcpStream::connect(proxy.addr()).await.unwrap();
        c.write_all(&pattern(1000)).await.unwrap();
        let mut got = vec![0u8; 1000];
        tokio::time::timeout(T, c.read_exact(&mut got))
            .await
            .expect("a connection opened after the heal is not held by the old cut")
            .unwrap();
        // The draining connection finishes: its cut must not strike again.
        proxy.shared().fire(Dir::Down, firing);
        assert_eq!(proxy.cuts(), 1);
        c.write_all(&pattern(1000)).await.unwrap();
        c.shutdown().await.unwrap();
        let (rest, err) = read_all(&mut c).await;
        assert!(!err, "the connection opened after the heal was reset");
        assert_eq!(rest, pattern(1000));
    }

    #[tokio::test]
    async fn forwards_and_counts() {
        let (echo, _e) = echo_server().await;
        let proxy = Proxy::start(echo).await.unwrap();
        let data = pattern(100_000);
        let mut c = TcpStream::connect(proxy.addr()).await.unwrap();
        c.write_all(&data).await.unwrap();
        c.shutdown().await.unwrap();
        let (got, err) = read_all(&mut c).await;
        assert!(!err);
        assert_eq!(got, data);
        // The client saw EOF, which the proxy forwards only after counting every chunk before it.
        assert_eq!(proxy.upstream_bytes(), 100_000);
        assert_eq!(proxy.downstream_bytes(), 100_000);
        assert_eq!(proxy.cuts(), 0);
    }

    #[tokio::test]
    async fn cut_after_upstream_bytes_cuts_at_offset() {
        let (echo, _e) = echo_server().await;
        let proxy = Proxy::start(echo).await.unwrap();
        proxy.cut_after_upstream_bytes(10);
        let mut c = TcpStream::connect(proxy.addr()).await.unwrap();
        c.write_all(&pattern(100)).await.unwrap();
        let (got, _) = read_all(&mut c).await; // ends: the connection was closed
        assert!(got.len() <= 10, "echo returned {} bytes", got.len());
        assert_eq!(got, pattern(100)[..got.len()]);
        assert_eq!(proxy.upstream_bytes(), 10);
        assert_eq!(proxy.cuts(), 1);

        // One-shot: the next connection passes everything.
        let mut c = TcpStream::connect(proxy.addr()).await.unwrap();
        c.write_all(&pattern(100)).await.unwrap();
        c.shutdown().await.unwrap();
        assert_eq!(read_all(&mut c).await, (pattern(100), false));
        assert_eq!(proxy.cuts(), 1);
    }

    #[tokio::test]
    async fn random_cuts_forward_exactly_the_prefix() {
        // Sink server: reports everything each connection delivered, however it ended.
        let listener = TcpListener::bind(("127.0.0.1", 0)).await.unwrap();
        let sink = listener.local_addr().unwrap();
        let (seen_tx, mut seen_rx) = mpsc::unbounded_channel::<Vec<u8>>();
        let _sink = tokio::spawn(async move {
            while let Ok((mut s, _)) = listener.accept().await {
                let seen_tx = seen_tx.clone();
                tokio::spawn(async move {
                    let (got, _) = read_all(&mut s).await;
                    let _ = seen_tx.send(got);
                });
            }
        });
        let proxy = Proxy::start(sink).await.unwrap();
        let data = pattern(200_000);
        for round in 1..=20u64 {
            let n = rand::random_range(1..data.len() as u64);
            let before = proxy.upstream_bytes();
            proxy.cut_after_upstream_bytes(n);
            let mut c = TcpStream::connect(proxy.addr()).await.unwrap();
            // The write fails once the cut lands; that is the point.
            let _ = c.write_all(&data).await;
            let _ = read_all(&mut c).await;
            let got = tokio::time::timeout(T, seen_rx.recv())
                .await
                .unwrap()
                .unwrap();
            assert_eq!(got.len() as u64, n, "round {round}");
            assert!(got == data[..got.len()], "round {round}: not a prefix");
            assert_eq!(proxy.upstream_bytes() - before, n);
            assert_eq!(proxy.cuts(), round);
        }
    }

    #[tokio::test]
    async fn random_downstream_cuts_deliver_exactly_the_prefix() {
        let (echo, _e) = echo_server().await;
        let proxy = Proxy::start(echo).await.unwrap();
        let data = pattern(200_000);
        for round in 1..=10u64 {
            let n = rand::random_range(1..data.len() as u64);
            proxy.cut_after_downstream_bytes(n);
            let c = TcpStream::connect(proxy.addr()).await.unwrap();
            let (mut r, mut w) = c.into_split();
            let send = {
                let data = data.clone();
                tokio::spawn(async move {
                    let _ = w.write_all(&data).await;
                    w
                })
            };
            let (got, _) = read_all(&mut r).await;
            let _ = send.await;
            assert_eq!(got.len() as u64, n, "round {round}");
            assert!(got == data[..got.len()], "round {round}: not a prefix");
            assert_eq!(proxy.cuts(), round);
        }
    }

    #[tokio::test]
    async fn cut_counts_across_connections() {
        let (echo, _e) = echo_server().await;
        let proxy = Proxy::start(echo).await.unwrap();
        let mut a = TcpStream::connect(proxy.addr()).await.unwrap();
        let mut b = TcpStream::connect(proxy.addr()).await.unwrap();
        proxy.cut_after_upstream_bytes(10);
        a.write_all(b"aaaaaa").await.unwrap();
        proxy.wait_upstream_bytes(6).await;
        let mut echoed = [0u8; 6];
        a.read_exact(&mut echoed).await.unwrap();
        b.write_all(b"bbbbbb").await.unwrap();
        // Both connections are cut when b's 4th byte passes.
        let (_, _) = read_all(&mut a).await;
        let (got_b, _) = read_all(&mut b).await;
        assert!(got_b.len() <= 4);
        assert_eq!(proxy.upstream_bytes(), 10);
        assert_eq!(proxy.cuts(), 1);
    }

    #[tokio::test]
    async fn cut_after_downstream_bytes_and_cut_all_now() {
        let (echo, _e) = echo_server().await;
        let proxy = Proxy::start(echo).await.unwrap();
        proxy.cut_after_downstream_bytes(7);
        let mut c = TcpStream::connect(proxy.addr()).await.unwrap();
        c.write_all(&pattern(1000)).await.unwrap();
        let (got, _) = read_all(&mut c).await;
        assert_eq!(got, pattern(7));
        assert_eq!(proxy.downstream_bytes(), 7);
        assert_eq!(proxy.cuts(), 1);

        let mut c = TcpStream::connect(proxy.addr()).await.unwrap();
        c.write_all(b"x").await.unwrap();
        let mut one = [0u8; 1];
        c.read_exact(&mut one).await.unwrap();
        proxy.cut_all_now();
        let (rest, _) = read_all(&mut c).await;
        assert!(rest.is_empty());
        assert_eq!(proxy.cuts(), 1);
    }

    #[tokio::test]
    async fn offline_refuses_new_connections() {
        let (echo, _e) = echo_server().await;
        let proxy = Proxy::start(echo).await.unwrap();
        proxy.set_offline(true);
        // The reset can land before `connect` even reports success.
        if let Ok(mut c) = TcpStream::connect(proxy.addr()).await {
            let _ = c.write_all(b"hello").await; // may already fail with a reset
            let (got, _) = read_all(&mut c).await;
            assert!(got.is_empty());
        }
        assert_eq!(proxy.upstream_bytes(), 0);

        proxy.set_offline(false);
        let mut c = TcpStream::connect(proxy.addr()).await.unwrap();
        c.write_all(b"hello").await.unwrap();
        c.shutdown().await.unwrap();
        assert_eq!(read_all(&mut c).await, (b"hello".to_vec(), false));
    }

    #[tokio::test]
    async fn hold_then_release_delivers_everything_in_order() {
        let (echo, _e) = echo_server().await;
        let proxy = Proxy::start(echo).await.unwrap();
        proxy.hold_downstream(true);
        let data = pattern(300_000);
        let mut c = TcpStream::connect(proxy.addr()).await.unwrap();
        let (mut r, mut w) = c.split();
        let send = async {
            for part in data.chunks(7_000) {
                w.write_all(part).await.unwrap();
            }
            w.shutdown().await.unwrap();
        };
        let check_held = async {
            proxy.wait_upstream_bytes(data.len() as u64).await;
            let mut b = [0u8; 1];
            // Nothing may come through while held.
            let early = tokio::time::timeout(Duration::from_millis(200), r.read(&mut b)).await;
            assert!(early.is_err(), "bytes leaked through a hold");
            assert_eq!(proxy.downstream_bytes(), 0);
        };
        tokio::join!(send, check_held);
        proxy.hold_downstream(false);
        let (got, err) = read_all(&mut r).await;
        assert!(!err);
        assert_eq!(got.len(), data.len());
        assert!(got == data, "bytes reordered or corrupted");
        assert_eq!(proxy.downstream_bytes(), data.len() as u64);
    }

    #[tokio::test]
    async fn held_bytes_survive_the_server_going_away() {
        let (tag, server) = tag_server(b"answer").await;
        let proxy = Proxy::start(tag).await.unwrap();
        proxy.hold_downstream(true);
        let mut c = TcpStream::connect(proxy.addr()).await.unwrap();
        let mut b = [0u8; 1];
        let early = tokio::time::timeout(Duration::from_millis(200), c.read(&mut b)).await;
        assert!(early.is_err());
        server.abort();
        proxy.hold_downstream(false);
        assert_eq!(read_all(&mut c).await, (b"answer".to_vec(), false));
    }

    #[tokio::test]
    async fn heal_clears_every_pending_fault() {
        let (echo, _e) = echo_server().await;
        let proxy = Proxy::start(echo).await.unwrap();
        proxy.cut_after_upstream_bytes(10);
        proxy.cut_after_downstream_bytes(10);
        proxy.set_delay(Duration::from_secs(60));
        proxy.hold_downstream(true);
        proxy.set_offline(true);
        proxy.heal();
        let mut c = TcpStream::connect(proxy.addr()).await.unwrap();
        c.write_all(&pattern(1000)).await.unwrap();
        c.shutdown().await.unwrap();
        assert_eq!(read_all(&mut c).await, (pattern(1000), false));
        assert_eq!(proxy.cuts(), 0);
    }

    #[tokio::test]
    async fn set_upstream_switches_servers() {
        let (a, _a) = tag_server(b"A").await;
        let (b, _b) = tag_server(b"B").await;
        let proxy = Proxy::start(a).await.unwrap();
        let mut c = TcpStream::connect(proxy.addr()).await.unwrap();
        assert_eq!(read_all(&mut c).await, (b"A".to_vec(), false));
        proxy.set_upstream(b);
        let mut c = TcpStream::connect(proxy.addr()).await.unwrap();
        assert_eq!(read_all(&mut c).await, (b"B".to_vec(), false));
    }

    #[tokio::test]
    async fn wait_upstream_bytes_resolves() {
        let (echo, _e) = echo_server().await;
        let proxy = Proxy::start(echo).await.unwrap();
        let waiter = tokio::spawn({
            let proxy = proxy.clone();
            async move { proxy.wait_upstream_bytes(50).await }
        });
        let mut c = TcpStream::connect(proxy.addr()).await.unwrap();
        c.write_all(&[1; 30]).await.unwrap();
        let mut echoed = [0u8; 30];
        c.read_exact(&mut echoed).await.unwrap();
        assert!(!waiter.is_finished());
        c.write_all(&[2; 20]).await.unwrap();
        tokio::time::timeout(T, waiter)
            .await
            .expect("waiter never woke")
            .unwrap();
        assert!(proxy.upstream_bytes() >= 50);
    }

    #[tokio::test]
    async fn delay_slows_each_chunk() {
        let (echo, _e) = echo_server().await;
        let proxy = Proxy::start(echo).await.unwrap();
        proxy.set_delay(Duration::from_millis(100));
        let mut c = TcpStream::connect(proxy.addr()).await.unwrap();
        let start = std::time::Instant::now();
        c.write_all(b"ping").await.unwrap();
        let mut got = [0u8; 4];
        c.read_exact(&mut got).await.unwrap();
        assert_eq!(&got, b"ping");
        // One delay up, one down.
        assert!(start.elapsed() >= Duration::from_millis(200));
    }

    #[tokio::test]
    async fn latency_delays_each_byte_once_without_cutting_throughput() {
        let (echo, _e) = echo_server().await;
        let proxy = Proxy::start(echo).await.unwrap();
        proxy.set_latency(Duration::from_millis(100));
        let c = TcpStream::connect(proxy.addr()).await.unwrap();
        let (mut r, mut w) = c.into_split();
        // 2 MiB is 128 chunks each way: one delay per chunk in turn would take 25 s.
        let data = pattern(2 << 20);
        let start = std::time::Instant::now();
        let sent = data.clone();
        let writer = tokio::spawn(async move {
            w.write_all(&sent).await.unwrap();
            w.shutdown().await.unwrap();
        });
        assert_eq!(read_all(&mut r).await, (data, false));
        writer.await.unwrap();
        let took = start.elapsed();
        assert!(
            took >= Duration::from_millis(200),
            "one latency up, one down: {took:?}"
        );
        assert!(
            took < Duration::from_secs(10),
            "chunks travel as a pipeline: {took:?}"
        );
    }

    #[tokio::test]
    async fn replay_last_connection_resends_the_client_bytes() {
        let (echo, _e) = echo_server().await;
        let proxy = Proxy::start(echo).await.unwrap();
        assert!(proxy.replay_last_connection().await.is_err());
        let data = pattern(50_000);
        let mut c = TcpStream::connect(proxy.addr()).await.unwrap();
        c.write_all(&data).await.unwrap();
        c.shutdown().await.unwrap();
        assert_eq!(read_all(&mut c).await, (data.clone(), false));
        // Filed as soon as the client's stream ended, before the echo's EOF could reach us.
        assert_eq!(proxy.replay_last_connection().await.unwrap(), data);
        // Not counted: the replay bypasses the proxy.
        assert_eq!(proxy.upstream_bytes(), 50_000);
    }
}
