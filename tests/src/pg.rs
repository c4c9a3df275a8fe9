//! The end-to-end suite against PostgreSQL: with `JIUZHU_TEST_DATABASE=postgres://user@host:port`
//! every data directory a test uses gets a database of its own on that server, with a random
//! name, which the servers and the admin command line of that directory are given with
//! `--database`. A database goes when its test ends: at once for a [`crate::TestServer`], and for
//! a bare temporary directory once the directory is gone (looked at whenever another database is
//! made); what a test binary leaves at its end is removed by the next one (the name carries the
//! process id).

use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// The variable naming the PostgreSQL server the suite runs against.
pub const VAR: &str = "JIUZHU_TEST_DATABASE";
const PREFIX: &str = "jiuzhu_e2e_";

/// The server the suite runs against, if any (`postgres://user@host:port`, no database name).
pub fn server() -> Option<String> {
    std::env::var(VAR)
        .ok()
        .filter(|v| !v.is_empty())
        .map(|v| v.trim_end_matches('/').to_string())
}

/// Whether the suite runs against PostgreSQL; when it does, says on stderr that the calling test
/// is skipped and why (a test about the SQLite file itself).
pub fn skip_on_postgres(why: &str) -> bool {
    let skip = server().is_some();
    if skip {
        eprintln!("skipped against PostgreSQL: {why}");
    }
    skip
}

/// The URL of database `name` on `server`.
fn url(server: &str, name: &str) -> String {
    format!("{server}/{name}")
}

/// Run `sql` statements on the server's `postgres` database (on a thread of its own: callers may
/// be inside a runtime).
fn admin(server: &str, sql: Vec<String>) -> Result<Vec<String>, String> {
    let url = url(server, "postgres");
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| e.to_string())?;
        rt.block_on(async move {
            let (client, conn) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
                .await
                .map_err(|e| format!("cannot reach PostgreSQL at {url}: {e}"))?;
            let driver = tokio::spawn(conn);
            let mut names = Vec::new();
            for s in sql {
                for row in client.simple_query(&s).await.map_err(|e| e.to_string())? {
                    if let tokio_postgres::SimpleQueryMessage::Row(r) = row {
                        names.extend(r.get(0).map(str::to_string));
                    }
                }
            }
            drop(client);
            let _ = driver.await;
            Ok(names)
        })
    })
    .join()
    .expect("the database thread")
}

/// A database of the test's own, dropped (with its connections) on Drop.
pub struct TestDatabase {
    server: String,
    name: String,
}

impl TestDatabase {
    fn create(server: &str) -> TestDatabase {
        let name = format!(
            "{PREFIX}{}_{:016x}",
            std::process::id(),
            rand::random::<u64>()
        );
        admin(server, vec![format!("CREATE DATABASE {name}")]).expect("create a test database");
        TestDatabase {
            server: server.to_string(),
            name,
        }
    }

    pub fn url(&self) -> String {
        url(&self.server, &self.name)
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Err(e) = admin(
            &self.server,
            vec![format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            )],
        ) {
            eprintln!("could not drop the test database {}: {e}", self.name);
        }
    }
}

/// A data directory's database, and the directory whose removal ends its test: the data
/// directory's nearest ancestor that existed when the database was made (a test's temporary
/// directory, when the data directory is made inside it later).
struct Entry {
    data: PathBuf,
    owner: PathBuf,
    db: TestDatabase,
}

/// The databases of this process's data directories.
static DATABASES: Mutex<Vec<Entry>> = Mutex::new(Vec::new());

/// The database of the data directory `data` (made at the first call), or none when the suite
/// runs against SQLite.
pub fn database_for(data: &Path) -> Option<String> {
    let server = server()?;
    let mut dbs = DATABASES.lock().unwrap_or_else(|p| p.into_inner());
    if dbs.is_empty() {
        remove_left_over(&server);
    }
    // Tests that ended took their temporary directories with them.
    dbs.retain(|e| e.owner.exists());
    if let Some(e) = dbs.iter().find(|e| e.data == data) {
        return Some(e.db.url());
    }
    let owner = data.ancestors().find(|p| p.exists()).unwrap_or(data);
    let db = TestDatabase::create(&server);
    let url = db.url();
    dbs.push(Entry {
        data: data.to_path_buf(),
        owner: owner.to_path_buf(),
        db,
    });
    Some(url)
}

/// Drop the database of `data` now (its test is over).
pub fn release(data: &Path) {
    let taken: Vec<_> = {
        let mut dbs = DATABASES.lock().unwrap_or_else(|p| p.into_inner());
        let (gone, kept) = std::mem::take(&mut *dbs)
            .into_iter()
            .partition(|e| e.data == data);
        *dbs = kept;
        gone
    };
    drop(taken);
}

/// Drop the databases earlier test processes left (their process is gone).
fn remove_left_over(server: &str) {
    let names = admin(
        server,
        vec![format!(
            "SELECT datname FROM pg_database WHERE datname LIKE '{PREFIX}%'"
        )],
    )
    .expect("list test databases");
    let dead: Vec<String> = names
        .into_iter()
        .filter(|n| {
            let pid = n[PREFIX.len()..].split('_').next().unwrap_or_default();
            !Path::new("/proc").join(pid).exists()
        })
        .map(|n| format!("DROP DATABASE IF EXISTS {n} WITH (FORCE)"))
        .collect();
    if !dead.is_empty() {
        admin(server, dead).expect("drop left-over test databases");
    }
}
