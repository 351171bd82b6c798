//! The `weft` command line.

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = weft::cli::Cli::parse();
    weft::cli::init_logging(&cli);
    match weft::cli::run(cli) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}
