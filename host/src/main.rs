//! The `weft` command line.

use clap::{CommandFactory, FromArgMatches};
use std::process::ExitCode;

/// jemalloc instead of glibc's malloc: a 90,000-level inventory sync spent 58-67 µs of `weft
/// serve`'s CPU a level with glibc (a fifth of it in `_int_malloc`, its 2 arenas shared by every
/// thread) and 41-45 µs with jemalloc, at the same peak RSS (release, `scripts/bench.sh`).
/// mimalloc was as fast and peaked at 270 MiB.
#[cfg(target_os = "linux")]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// jemalloc's options, read at its start (`_RJEM_MALLOC_CONF` in the environment applies on top):
/// 2 arenas and dirty pages returned after 200 ms keep the peak RSS where glibc's was (a
/// million-level sync: 143 MiB; 152 MiB with a 1 s decay).
#[cfg(target_os = "linux")]
#[unsafe(export_name = "_rjem_malloc_conf")]
pub static MALLOC_CONF: &[u8] = b"narenas:2,background_thread:true,dirty_decay_ms:200,muzzy_decay_ms:0\0";

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
