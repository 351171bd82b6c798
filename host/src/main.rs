//! The `weft` command line.

use clap::{CommandFactory, FromArgMatches};
use std::process::ExitCode;

#[cfg(target_os = "linux")]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// jemalloc's options, read at its start (`MALLOC_CONF` in the environment still applies on top).
#[cfg(target_os = "linux")]
#[unsafe(export_name = "_rjem_malloc_conf")]
pub static MALLOC_CONF: &[u8] = b"narenas:2,background_thread:true,dirty_decay_ms:1000,muzzy_decay_ms:0\0";

fn main() -> ExitCode {
    let matches = weft::cli::Cli::command().get_matches();
    let json = weft::cli::wants_json(&matches);
    let cli = weft::cli::Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    quiet_on_closed_pipe(&cli.command);
    weft::cli::init_logging(&cli);
    match weft::cli::run(cli) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {message}");
            // A script reading `--json` output gets JSON on stdout whatever happens.
            if json {
                println!("{}", serde_json::json!({ "error": message }));
            }
            ExitCode::from(2)
        }
    }
}

/// A report piped into `head` ends like any Unix tool's, quietly, when the reader goes away
/// (Rust ignores SIGPIPE, so a write to a closed pipe would panic). `serve` and `demo` keep
/// ignoring it: a client hanging up must not end them.
fn quiet_on_closed_pipe(command: &weft::cli::Command) {
    if !matches!(command, weft::cli::Command::Serve | weft::cli::Command::Demo(_)) {
        // SAFETY: restores the default disposition of one signal before any thread is started.
        unsafe {
            libc::signal(libc::SIGPIPE, libc::SIG_DFL);
        }
    }
}
