//! Finding 4 of issue 19: a full disk no longer breaks the server until a restart.
//! - Store level, with a fault-injecting redb storage backend (no privileges needed): writes fail
//!   while the "disk" is full, `health()` says so, and once space returns the store reopens
//!   itself and writes again, with what it had committed before.
//! - Server level, with a real 16 MiB tmpfs (a private mount namespace: `unshare`, `nsenter`;
//!   root, as CI runs) holding the store of a real `weft serve`: webhooks get 503 and `/healthz`
//!   and `/readyz` 503 while it is full; after the filler is removed webhooks get 200 again and
//!   both checks 200, with no restart.
//! - An empty (0-byte) or foreign store file is refused with a clear message, never taken as new.

use crate::common;
use crate::signals_support;

use base64::Engine;
use common::engine::{free_port, get, post, wait_for, Serve};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use signals_support::{Bed, WEBHOOK_SECRET};
use std::io::ErrorKind;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};
use weft::store::redb::handle::RETRY_EVERY;
use weft::store::redb::RedbStore;
use weft::store::{NewJob, Store, StoreHealth};

/// A storage that refuses to grow or write while `full` is set, like a disk with no space left.
#[derive(Debug, Clone)]
struct FullDisk {
    bytes: Arc<RwLock<Vec<u8>>>,
    full: Arc<AtomicBool>,
}

impl FullDisk {
    fn refuse(&self) -> Result<(), std::io::Error> {
        if self.full.load(Ordering::SeqCst) {
            return Err(std::io::Error::from(ErrorKind::StorageFull));
        }
        Ok(())
    }
}

impl redb::StorageBackend for FullDisk {
    fn len(&self) -> Result<u64, std::io::Error> {
        Ok(self.bytes.read().unwrap().len() as u64)
    }
    fn read(&self, offset: u64, out: &mut [u8]) -> Result<(), std::io::Error> {
        let bytes = self.bytes.read().unwrap();
        let start = offset as usize;
        let end = start + out.len();
        if end > bytes.len() {
            return Err(std::io::Error::from(ErrorKind::UnexpectedEof));
        }
        out.copy_from_slice(&bytes[start..end]);
        Ok(())
    }
    fn set_len(&self, len: u64) -> Result<(), std::io::Error> {
        let mut bytes = self.bytes.write().unwrap();
        if len as usize > bytes.len() {
            self.refuse()?;
        }
        bytes.resize(len as usize, 0);
        Ok(())
    }
    fn sync_data(&self) -> Result<(), std::io::Error> {
        self.refuse()
    }
    fn write(&self, offset: u64, data: &[u8]) -> Result<(), std::io::Error> {
        self.refuse()?;
        let mut bytes = self.bytes.write().unwrap();
        let start = offset as usize;
        bytes[start..start + data.len()].copy_from_slice(data);
        Ok(())
    }
}

fn job(key: &str) -> NewJob {
    NewJob {
        flow: "f".into(),
        trigger: "manual".into(),
        key: key.into(),
        payload: serde_json::json!({}).into(),
        dedupe_id: None,
    }
}

#[test]
fn the_store_reopens_itself_once_space_returns() {
    let disk = FullDisk { bytes: Arc::default(), full: Arc::default() };
    let made = disk.clone();
    let store = Store::new(RedbStore::open_with_backend(move || made.clone()).unwrap());
    store.enqueue(&[job("before")], 1, None).unwrap();
    assert_eq!(store.health(), StoreHealth::Writable);

    disk.full.store(true, Ordering::SeqCst);
    assert!(store.enqueue(&[job("while-full")], 2, None).is_err(), "a write fails on a full disk");
    assert!(matches!(store.health(), StoreHealth::CannotWrite(_)), "{:?}", store.health());
    std::thread::sleep(RETRY_EVERY);
    assert!(store.enqueue(&[job("still-full")], 3, None).is_err());
    assert!(matches!(store.health(), StoreHealth::CannotWrite(_)));

    disk.full.store(false, Ordering::SeqCst);
    std::thread::sleep(RETRY_EVERY);
    store.enqueue(&[job("after")], 4, None).expect("writes work again once space returns, without a restart");
    assert_eq!(store.health(), StoreHealth::Writable);
    let (jobs, _) = store.jobs_by_key("", 10).unwrap();
    let mut keys: Vec<&str> = jobs.iter().map(|j| j.key.as_str()).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["after", "before"], "what was committed survived; what failed left nothing");
}

fn sign(body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(WEBHOOK_SECRET.as_bytes()).unwrap();
    mac.update(body);
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

fn deliver(addr: &str, id: &str) -> u16 {
    let body = format!(r##"{{"id": {}, "name": "#{id}", "line_items": []}}"##, id.len());
    let headers = [
        ("x-shopify-topic", "orders/create"),
        ("x-shopify-webhook-id", id),
        ("x-shopify-hmac-sha256", &sign(body.as_bytes())),
        ("content-type", "application/json"),
    ];
    post(addr, "/webhooks/shopify", &headers, body.as_bytes()).map_or(0, |(s, _)| s)
}

/// Run `script` with `sh -c` inside the mount namespace of process `pid`.
fn inside(pid: u32, script: &str) -> std::process::ExitStatus {
    Command::new("nsenter")
        .args(["-t", &pid.to_string(), "-m", "--", "sh", "-c", script])
        .stderr(Stdio::null())
        .status()
        .expect("nsenter runs")
}

#[test]
fn a_full_disk_answers_503_and_the_server_recovers_once_space_returns() {
    let bed = Bed::new(
        1,
        "[flows.orders_in]\nfrom = \"shopify\"\nto = \"erp\"\nobject = \"order\"\ntrigger = { webhook = true }\n",
    );
    let data = bed.scenario.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    // The compile cache stays off the small disk.
    let config = std::fs::read_to_string(&bed.scenario.config).unwrap();
    let cache = bed.scenario.path().join("cache");
    let config = config.replacen("[plugins]\n", &format!("[plugins]\ncache_dir = \"{}\"\n", cache.display()), 1);
    std::fs::write(&bed.scenario.config, config).unwrap();

    let log = bed.scenario.path().join("serve.log");
    let mut cmd = Command::new("unshare");
    cmd.args([
        "--mount",
        "--propagation",
        "private",
        "sh",
        "-c",
        "mount -t tmpfs -o size=16m tmpfs \"$0\" && exec \"$@\"",
    ])
    .arg(&data)
    .arg(env!("CARGO_BIN_EXE_weft"))
    .arg("--config")
    .arg(&bed.scenario.config)
    .arg("serve")
    .env("RUST_LOG", "info")
    .stdout(Stdio::null())
    .stderr(std::fs::File::create(&log).unwrap());
    for (k, v) in signals_support::envs(&bed.sim) {
        cmd.env(k, v);
    }
    let child = cmd.spawn().expect("unshare runs (util-linux; root or user namespaces)");
    let pid = child.id();
    let serve = Serve { child };
    wait_for(Duration::from_secs(60), "weft serve to listen", || get(&bed.addr, "/healthz").is_some());
    assert_eq!(deliver(&bed.addr, "wh-full-0"), 200);

    // Fill the disk: the filler takes every byte left.
    let filler = data.join("filler");
    assert!(!inside(pid, &format!("cat /dev/zero > '{}'", filler.display())).success(), "the tmpfs filled up");
    let mut refused = 0;
    for i in 1..=20 {
        if deliver(&bed.addr, &format!("wh-full-{i}")) == 503 {
            refused += 1;
        }
    }
    assert!(refused > 0, "webhooks are refused with 503 while the disk is full");
    assert_eq!(get(&bed.addr, "/healthz").unwrap().0, 503, "{}", std::fs::read_to_string(&log).unwrap());
    let (status, body) = get(&bed.addr, "/readyz").unwrap();
    assert_eq!(status, 503, "{body}");
    assert!(body.contains("cannot write"), "{body}");

    assert!(inside(pid, &format!("rm '{}'", filler.display())).success());
    let started = Instant::now();
    while get(&bed.addr, "/healthz").is_none_or(|(s, _)| s != 200) {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "/healthz did not recover: {:?}\n{}",
            get(&bed.addr, "/healthz"),
            std::fs::read_to_string(&log).unwrap()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(deliver(&bed.addr, "wh-after"), 200, "writes work again without a restart");
    for i in 1..=20 {
        assert_eq!(deliver(&bed.addr, &format!("wh-full-{i}")), 200, "Shopify's redelivery of wh-full-{i} is taken");
    }
    assert_eq!(get(&bed.addr, "/readyz").unwrap().0, 200);
    eprintln!("recovered {:?} after space returned", started.elapsed());
    let log = std::fs::read_to_string(&log).unwrap();
    assert!(log.contains("reopened the database"), "{log}");
    drop(serve);
}

#[test]
fn an_empty_or_foreign_store_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join(weft::store::redb::DB_FILE);
    std::fs::write(&file, b"").unwrap();
    let err = Store::open(dir.path()).err().expect("an empty file is refused").to_string();
    assert!(err.contains("empty (0 bytes)") && err.contains("remove it"), "{err}");
    assert_eq!(std::fs::metadata(&file).unwrap().len(), 0, "left as it was");

    std::fs::write(&file, b"this is not a database at all, it is someone's notes").unwrap();
    assert!(Store::open(dir.path()).is_err(), "a file that is not redb is refused");

    // A redb database of another program: tables, no weft schema version.
    std::fs::remove_file(&file).unwrap();
    {
        let db = redb::Database::create(&file).unwrap();
        let tx = db.begin_write().unwrap();
        tx.open_table(redb::TableDefinition::<&str, &str>::new("notes")).unwrap().insert("a", "b").unwrap();
        tx.commit().unwrap();
    }
    let err = Store::open(dir.path()).err().expect("a foreign database is refused").to_string();
    assert!(err.contains("another program"), "{err}");

    // Through the binary: `weft serve` does not start on an empty file.
    let empty = tempfile::tempdir().unwrap();
    std::fs::write(empty.path().join(weft::store::redb::DB_FILE), b"").unwrap();
    let config = empty.path().join("weft.toml");
    let listen = format!("127.0.0.1:{}", free_port());
    std::fs::write(
        &config,
        format!("[store]\npath = \"{}\"\n[server]\nlisten = \"{listen}\"\n", empty.path().display()),
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_weft")).arg("--config").arg(&config).arg("serve").output().unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("empty (0 bytes)"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
