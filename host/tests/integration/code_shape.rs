//! The layering rules the compiler cannot see, checked on the sources: only `store/redb/`
//! touches redb and only `store/postgres/` PostgreSQL, only `plugin/wit/` sees generated WIT bindings, `domain/` never reads
//! the configuration, and no source file grows past 600 lines.

use crate::common;

use std::path::{Path, PathBuf};

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// (file relative to host/src, text) of every source file.
fn host_sources() -> Vec<(String, String)> {
    let root = common::repo_root().join("host/src");
    let mut files = Vec::new();
    sources(&root, &mut files);
    files
        .into_iter()
        .map(|p| (p.strip_prefix(&root).unwrap().to_string_lossy().into_owned(), std::fs::read_to_string(&p).unwrap()))
        .collect()
}

/// Files outside `allowed` (a path prefix) whose code mentions any of `needles`.
fn offenders(allowed: &str, needles: &[&str]) -> Vec<String> {
    host_sources()
        .into_iter()
        .filter(|(file, _)| !file.starts_with(allowed))
        .filter(|(_, text)| {
            text.lines().any(|l| !l.trim_start().starts_with("//") && needles.iter().any(|n| l.contains(n)))
        })
        .map(|(file, _)| file)
        .collect()
}

#[test]
fn only_the_redb_backend_touches_the_database() {
    let redb_api = [
        "use redb",
        "redb::Database",
        "redb::Table",
        "redb::Readable",
        "redb::backends",
        "begin_write",
        "begin_read",
        "TableDefinition",
    ];
    assert_eq!(offenders("store/redb/", &redb_api), Vec::<String>::new());
}

#[test]
fn only_the_postgres_backend_touches_postgresql() {
    let client = ["tokio_postgres", "deadpool_postgres", "refinery", "FOR UPDATE", "SKIP LOCKED"];
    assert_eq!(offenders("store/postgres/", &client), Vec::<String>::new());
}

#[test]
fn only_the_wit_seam_sees_generated_bindings() {
    assert_eq!(
        offenders("plugin/wit/", &["bindgen!", "bindings::", "wasmtime::component::bindgen"]),
        Vec::<String>::new()
    );
}

#[test]
fn the_domain_takes_plain_values_not_the_configuration() {
    let domain: Vec<String> = host_sources()
        .into_iter()
        .filter(|(f, t)| f.starts_with("domain/") && t.contains("crate::config"))
        .map(|(f, _)| f)
        .collect();
    assert_eq!(domain, Vec::<String>::new());
}

#[test]
fn no_source_file_is_over_600_lines() {
    let long: Vec<(String, usize)> =
        host_sources().into_iter().map(|(f, t)| (f, t.lines().count())).filter(|(_, n)| *n > 600).collect();
    assert_eq!(long, Vec::<(String, usize)>::new(), "split these by concern");
}
