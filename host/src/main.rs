//! The `weft` command line.

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = weft::cli::Cli::parse();
    quiet_on_closed_pipe(&cli.command);
    weft::cli::init_logging(&cli);
    match weft::cli::run(cli) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {message}");
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
