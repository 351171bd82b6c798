//! The `weft` command line.

use clap::{CommandFactory, FromArgMatches};
use std::process::ExitCode;

fn main() -> ExitCode {
    few_malloc_arenas();
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

/// glibc gives each thread that allocates its own malloc arena (up to 8 per core), and memory
/// freed in one stays with it: `weft serve`'s workers and runtime threads then held 171 MiB at
/// the peak of a 90,000-level sync where 2 arenas hold 130 MiB, at the same speed (release
/// build, `scripts/bench.sh`). Set before any thread starts; `MALLOC_ARENA_MAX` in the
/// environment still decides when given.
fn few_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    if std::env::var_os("MALLOC_ARENA_MAX").is_none() {
        // SAFETY: mallopt only sets an allocator parameter; no thread allocates concurrently yet.
        unsafe {
            libc::mallopt(libc::M_ARENA_MAX, 2);
        }
    }
}
