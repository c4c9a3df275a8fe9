//! Separate hosts for tests: each party (server, station, tablet…) in a network namespace of its
//! own, parties joined by veth pairs on private /30 networks, links that can be cut and shaped.
//!
//! Everything is made by the test and goes with it: both ends of every pair sit in namespaces the
//! [`Net`] created (never the host's), and dropping the `Net` deletes its namespaces, which takes
//! their veth ends with them, also when the test panics. It needs root and iproute2 (`ip`, `tc`);
//! `netem` may be missing from the kernel, so latency belongs in the user-space proxy.

use anyhow::Context as _;
use std::collections::HashSet;
use std::ffi::OsStr;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::process::Command;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};

/// Nets made by this process: part of the namespace names.
static NETS: AtomicU32 = AtomicU32::new(0);
/// Links made by this process: each gets the next /30 of the process's private block.
static LINKS: AtomicU32 = AtomicU32::new(0);
/// /30 networks in a process's block, `10.P.0.0/16`.
const LINKS_PER_PROCESS: u32 = 1 << 14;
/// Longest party name: the interface toward a party is `to-NAME`, and interface names have at
/// most 15 bytes.
const PARTY_NAME_MAX: usize = 12;
/// Where iproute2 keeps the namespaces it names.
const NETNS_DIR: &str = "/run/netns";

/// One namespace per party and the links between them.
pub struct Net {
    tag: String,
    /// Each party's name and namespace.
    parties: Vec<(String, String)>,
    links: Vec<Link>,
}

/// A veth pair between two parties: `a` holds `a_addr`, `b` holds `b_addr`.
struct Link {
    a: String,
    b: String,
    a_addr: Ipv4Addr,
    b_addr: Ipv4Addr,
}

/// Run `program args…` (it must succeed).
fn run(program: &str, args: &[&str]) -> anyhow::Result<()> {
    let out = Command::new(program)
        .args(args)
        .output()
        .with_context(|| format!("cannot run `{program}`"))?;
    anyhow::ensure!(
        out.status.success(),
        "`{program} {}` failed: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr).trim()
    );
    Ok(())
}

/// The interface in a party's namespace that leads to `peer`.
fn toward(peer: &str) -> String {
    format!("to-{peer}")
}

/// The `n`th /30 of this process's block: the addresses of its two ends.
fn subnet(n: u32) -> anyhow::Result<(Ipv4Addr, Ipv4Addr)> {
    anyhow::ensure!(
        n < LINKS_PER_PROCESS,
        "more than {LINKS_PER_PROCESS} links in one process"
    );
    // Namespaces keep their routes apart, so equal networks in two Nets would not clash; distinct
    // ones (per process and per link) keep traces and error messages unambiguous all the same.
    let block = (std::process::id() % 256) as u8;
    let base = n * 4;
    let (hi, lo) = ((base >> 8) as u8, (base & 0xff) as u8);
    Ok((
        Ipv4Addr::new(10, block, hi, lo + 1),
        Ipv4Addr::new(10, block, hi, lo + 2),
    ))
}

/// Run `f` on a thread of its own that has entered the namespace `ns`: sockets it creates belong
/// to that namespace for good, whichever thread uses them later. The caller's thread stays where
/// it is (a namespace is a property of the thread that enters it).
fn within_ns<T: Send>(ns: &str, f: impl FnOnce() -> T + Send) -> anyhow::Result<T> {
    use std::os::fd::AsRawFd;
    let file = std::fs::File::open(format!("{NETNS_DIR}/{ns}"))
        .with_context(|| format!("namespace {ns}"))?;
    std::thread::scope(|s| {
        s.spawn(|| {
            // std has no `setns`, and the crate has no `libc` dependency: std links the C
            // library anyway.
            unsafe extern "C" {
                fn setns(fd: std::ffi::c_int, nstype: std::ffi::c_int) -> std::ffi::c_int;
            }
            const CLONE_NEWNET: std::ffi::c_int = 0x4000_0000;
            // SAFETY: the descriptor is open for the call (`file` outlives the scope), and
            // entering a network namespace affects only this thread, which ends with `f`.
            if unsafe { setns(file.as_raw_fd(), CLONE_NEWNET) } != 0 {
                return Err(anyhow::anyhow!(
                    "cannot enter namespace {ns}: {}",
                    std::io::Error::last_os_error()
                ));
            }
            Ok(f())
        })
        .join()
        .unwrap_or_else(|p| std::panic::resume_unwind(p))
    })
}

impl Net {
    /// Whether this process may make namespaces (root, and iproute2's `ip netns` works).
    pub fn available() -> bool {
        static AVAILABLE: OnceLock<bool> = OnceLock::new();
        *AVAILABLE.get_or_init(|| {
            let probe = format!("jz{}-probe", std::process::id());
            run("ip", &["netns", "add", &probe]).is_ok()
                && run("ip", &["netns", "del", &probe]).is_ok()
        })
    }

    /// A namespace for each of `parties` (short lowercase names: `server`, `tablet-a`…), with
    /// its loopback up and no links yet.
    pub fn new(parties: &[&str]) -> anyhow::Result<Net> {
        anyhow::ensure!(
            Net::available(),
            "network namespaces are not available: run the tests as root, with iproute2 installed"
        );
        let mut seen = HashSet::new();
        for p in parties {
            anyhow::ensure!(
                !p.is_empty()
                    && p.len() <= PARTY_NAME_MAX
                    && p.bytes()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-'),
                "party name {p:?}: 1 to {PARTY_NAME_MAX} of a-z, 0-9 and -"
            );
            anyhow::ensure!(seen.insert(*p), "party {p} named twice");
        }
        let n = NETS.fetch_add(1, Ordering::Relaxed);
        let mut net = Net {
            tag: format!("jz{}-{n}", std::process::id()),
            parties: Vec::new(),
            links: Vec::new(),
        };
        for p in parties {
            let ns = format!("{}-{p}", net.tag);
            run("ip", &["netns", "add", &ns])?;
            // Recorded at once, so Drop removes it even if what follows fails.
            net.parties.push((p.to_string(), ns.clone()));
            run("ip", &["-n", &ns, "link", "set", "lo", "up"])?;
        }
        Ok(net)
    }

    /// The namespace of `party`, a party of this Net (another name is a mistake in the test).
    pub fn ns(&self, party: &str) -> &str {
        self.parties
            .iter()
            .find(|(p, _)| p == party)
            .map(|(_, ns)| ns.as_str())
            .unwrap_or_else(|| panic!("no party {party} in this net"))
    }

    fn find(&self, a: &str, b: &str) -> anyhow::Result<&Link> {
        self.links
            .iter()
            .find(|l| (l.a == a && l.b == b) || (l.a == b && l.b == a))
            .with_context(|| format!("no link between {a} and {b}"))
    }

    /// A veth pair between `a` and `b` on a /30 of its own, both ends up.
    pub fn link(&mut self, a: &str, b: &str) -> anyhow::Result<()> {
        anyhow::ensure!(a != b, "a link needs two parties");
        let (na, nb) = (self.ns(a).to_string(), self.ns(b).to_string());
        anyhow::ensure!(self.find(a, b).is_err(), "{a} and {b} are linked already");
        let (a_addr, b_addr) = subnet(LINKS.fetch_add(1, Ordering::Relaxed))?;
        let (to_b, to_a) = (toward(b), toward(a));
        // Both ends are made inside their namespaces: the host's never sees them.
        run(
            "ip",
            &[
                "link", "add", &to_b, "netns", &na, "type", "veth", "peer", "name", &to_a, "netns",
                &nb,
            ],
        )?;
        for (ns, dev, addr) in [(&na, &to_b, a_addr), (&nb, &to_a, b_addr)] {
            run(
                "ip",
                &["-n", ns, "addr", "add", &format!("{addr}/30"), "dev", dev],
            )?;
            run("ip", &["-n", ns, "link", "set", dev, "up"])?;
        }
        self.links.push(Link {
            a: a.to_string(),
            b: b.to_string(),
            a_addr,
            b_addr,
        });
        Ok(())
    }

    /// The address of `party` on its link to `peer`: what `peer` connects to.
    pub fn addr(&self, party: &str, peer: &str) -> IpAddr {
        let link = self
            .find(party, peer)
            .unwrap_or_else(|e| panic!("address of {party} toward {peer}: {e}"));
        IpAddr::V4(if link.a == party {
            link.a_addr
        } else {
            link.b_addr
        })
    }

    /// Both ends of the link between `a` and `b`: (namespace, interface) pairs.
    fn ends(&self, a: &str, b: &str) -> anyhow::Result<[(&str, String); 2]> {
        self.find(a, b)?;
        Ok([(self.ns(a), toward(b)), (self.ns(b), toward(a))])
    }

    fn set_link(&self, a: &str, b: &str, state: &str) -> anyhow::Result<()> {
        for (ns, dev) in self.ends(a, b)? {
            run("ip", &["-n", ns, "link", "set", &dev, state])?;
        }
        Ok(())
    }

    /// Cut the link between `a` and `b`: both ends go down, so neither side has a route to the
    /// other (a new connection fails with "network unreachable", as on a tablet without signal)
    /// and a connection open across it hears nothing, no reset: it carries on after
    /// [`Net::restore`] unless a timeout gave up on it first.
    pub fn cut(&self, a: &str, b: &str) -> anyhow::Result<()> {
        self.set_link(a, b, "down")
    }

    /// Bring a cut link back, with the same addresses and shaping.
    pub fn restore(&self, a: &str, b: &str) -> anyhow::Result<()> {
        self.set_link(a, b, "up")
    }

    /// Limit both directions of the link between `a` and `b` to `kbit` kbit/s (1 kbit = 1000
    /// bits) with a token bucket on each end's egress; again with another rate replaces it.
    pub fn shape(&self, a: &str, b: &str, kbit: u32) -> anyhow::Result<()> {
        let rate = format!("{kbit}kbit");
        for (ns, dev) in self.ends(a, b)? {
            run(
                "tc",
                &[
                    "-n", ns, "qdisc", "replace", "dev", &dev, "root", "tbf", "rate", &rate,
                    "burst", "4kb", "latency", "2s",
                ],
            )?;
        }
        Ok(())
    }

    /// `ip netns exec NS`: the prefix that runs a program as `party`
    /// ([`crate::ServerProcess::spawn_under`] takes it).
    pub fn prefix(&self, party: &str) -> [&str; 4] {
        ["ip", "netns", "exec", self.ns(party)]
    }

    /// `program` to be run as `party`; arguments, environment and the rest are the caller's (the
    /// environment passes through).
    pub fn command(&self, party: &str, program: impl AsRef<OsStr>) -> Command {
        let mut cmd = Command::new("ip");
        cmd.args(["netns", "exec", self.ns(party)]).arg(program);
        cmd
    }

    /// Run `f` as `party`, in this process: sockets it opens (a listener, a connection) are in
    /// the party's namespace.
    pub fn within<T: Send>(&self, party: &str, f: impl FnOnce() -> T + Send) -> anyhow::Result<T> {
        within_ns(self.ns(party), f)
    }

    /// A way in for this process: connections to the tunnel's `127.0.0.1` port go on, opened by
    /// `party`, to `target` (say the server's address on the link). How a simulated tablet in
    /// the test process reaches a server behind a link.
    pub async fn tunnel(&self, party: &str, target: SocketAddr) -> anyhow::Result<Tunnel> {
        let ns = self.ns(party).to_string();
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let accept = tokio::spawn(async move {
            // Dropped with the accept loop, the set ends every open connection.
            let mut conns = tokio::task::JoinSet::new();
            while let Ok((mut inside, _)) = listener.accept().await {
                let ns = ns.clone();
                conns.spawn(async move {
                    let connect = move || -> anyhow::Result<std::net::TcpStream> {
                        let stream = within_ns(&ns, || std::net::TcpStream::connect(target))??;
                        stream.set_nonblocking(true)?;
                        Ok(stream)
                    };
                    let Ok(Ok(stream)) = tokio::task::spawn_blocking(connect).await else {
                        return;
                    };
                    if let Ok(mut outside) = tokio::net::TcpStream::from_std(stream) {
                        outside.set_nodelay(true).ok();
                        inside.set_nodelay(true).ok();
                        let _ = tokio::io::copy_bidirectional(&mut inside, &mut outside).await;
                    }
                });
                // Forget the connections that ended.
                while conns.try_join_next().is_some() {}
            }
        })
        .abort_handle();
        Ok(Tunnel { addr, accept })
    }
}

impl Drop for Net {
    fn drop(&mut self) {
        // A namespace takes its veth ends along, and a veth end its peer.
        for (_, ns) in &self.parties {
            let _ = run("ip", &["netns", "del", ns]);
        }
    }
}

/// A port on `127.0.0.1` leading into a namespace ([`Net::tunnel`]); closed on drop.
pub struct Tunnel {
    addr: SocketAddr,
    accept: tokio::task::AbortHandle,
}

impl Tunnel {
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
}

impl Drop for Tunnel {
    fn drop(&mut self) {
        self.accept.abort();
    }
}
