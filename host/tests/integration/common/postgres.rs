//! A real PostgreSQL server for tests and benchmarks: Debian's `postgresql` package (`initdb`,
//! `pg_ctl`) on a scratch directory, 127.0.0.1 and a free port, password authentication, stopped
//! when dropped. Without the package the caller fails with how to install it (never skips).
//! As root (CI), the server runs as the package's `postgres` user, since PostgreSQL refuses root.

use std::path::PathBuf;
use std::process::Command;

/// The role the tests connect as.
pub const USER: &str = "weft";
/// Its password: tests check it never shows in logs or errors.
pub const PASSWORD: &str = "pg-test-secret-7f3a91";

/// A running server.
pub struct PgServer {
    dir: tempfile::TempDir,
    bin: PathBuf,
    /// Its port on 127.0.0.1.
    pub port: u16,
    as_postgres: bool,
    databases: std::sync::atomic::AtomicUsize,
}

/// The directory of the newest installed server's programs.
fn bin_dir() -> PathBuf {
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path().join("bin"))
        .filter(|b| b.join("initdb").is_file() && b.join("pg_ctl").is_file())
        .collect();
    found.sort_by_key(|b| b.parent().and_then(|v| v.file_name()?.to_str()?.parse::<u32>().ok()).unwrap_or(0));
    found.pop().unwrap_or_else(|| {
        panic!(
            "PostgreSQL server programs not found under /usr/lib/postgresql/*/bin: install Debian's package \
             (`apt-get install -y postgresql`; .ci/run does it)"
        )
    })
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0").unwrap_or(false)
}

impl PgServer {
    /// Start a fresh server (fsync off: tests need no durability across power loss).
    pub fn start() -> PgServer {
        PgServer::start_with(&["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"])
    }

    /// Start a fresh server with durable commits, as an operator runs it (benches/scale_out.rs,
    /// which shares this module).
    #[allow(dead_code)]
    pub fn start_durable() -> PgServer {
        PgServer::start_with(&[])
    }

    fn start_with(settings: &[&str]) -> PgServer {
        let bin = bin_dir();
        let dir = tempfile::Builder::new().prefix("weft-pg").tempdir().expect("temp dir");
        let as_postgres = is_root();
        let data = dir.path().join("data");
        std::fs::write(dir.path().join("pw"), PASSWORD).unwrap();
        if as_postgres {
            std::fs::set_permissions(dir.path(), std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
            let status = Command::new("chown").args(["-R", "postgres"]).arg(dir.path()).status().unwrap();
            assert!(status.success(), "chown to the postgres user (is Debian's postgresql package installed?)");
        }
        let server = PgServer {
            dir,
            bin,
            port: super::engine::free_port(),
            as_postgres,
            databases: std::sync::atomic::AtomicUsize::new(0),
        };
        let pwfile = server.dir.path().join("pw");
        server.run(
            "initdb",
            &[
                "-D",
                &data.to_string_lossy(),
                "-U",
                USER,
                "--auth=scram-sha-256",
                "-N",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
            ],
            &[format!("--pwfile={}", pwfile.display())],
        );
        let mut options = format!(
            "-p {} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c max_connections=200",
            server.port
        );
        for s in settings {
            options.push(' ');
            options.push_str(s);
        }
        let log = server.dir.path().join("server.log");
        server.run(
            "pg_ctl",
            &["-D", &data.to_string_lossy(), "-l", &log.to_string_lossy(), "-w", "-t", "60", "-o", &options, "start"],
            &[],
        );
        server
    }

    fn run(&self, program: &str, args: &[&str], more: &[String]) -> String {
        let path = self.bin.join(program);
        let mut cmd = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&path);
            c
        } else {
            Command::new(&path)
        };
        let out = cmd.args(args).args(more).env("PGPASSWORD", PASSWORD).output().expect("run a PostgreSQL program");
        assert!(
            out.status.success(),
            "{program} failed: {}{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr),
            std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default()
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// The URL of database `name` (password included).
    pub fn url(&self, name: &str) -> String {
        format!("postgres://{USER}:{PASSWORD}@127.0.0.1:{}/{name}", self.port)
    }

    /// A new empty database; its URL.
    pub fn database(&self) -> String {
        let n = self.databases.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let name = format!("weft_test_{n}");
        self.sql("postgres", &format!("CREATE DATABASE {name}"));
        self.url(&name)
    }

    /// Run `sql` in database `name` with psql; its rows, `|`-separated.
    pub fn sql(&self, name: &str, sql: &str) -> String {
        self.run("psql", &[&self.url(name), "-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", "-c", sql], &[])
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }
}

impl Drop for PgServer {
    fn drop(&mut self) {
        let data = self.data();
        let path = self.bin.join("pg_ctl");
        let mut cmd = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&path);
            c
        } else {
            Command::new(&path)
        };
        let _ = cmd.arg("-D").arg(&data).args(["-m", "immediate", "-w", "stop"]).output();
    }
}
