//! `weft runs revert RUN [--dry-run] [--json]`: restore what a run changed (see
//! [`crate::revert`]); progress on stderr, the outcome on stdout.

use crate::config::Config;
use clap::Args;
use std::process::ExitCode;

/// `weft runs revert ...`
#[derive(Debug, Args)]
pub struct RevertArgs {
    /// Run id.
    pub run: u64,
    /// Report what would be restored; write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// Run `weft runs revert`; exit 1 when a value could not be restored.
pub fn run(args: RevertArgs, config: Config) -> Result<ExitCode, String> {
    let local = match super::open_store(&config) {
        Ok(store) => super::engine::with_store(config, store)?,
        // Revert writes from this process; an unknown run is still named as such.
        Err(crate::store::StoreError::Locked) => {
            super::remote::Admin::from_config(&config)?.get(&format!("/api/runs/{}", args.run))?;
            return Err(format!(
                "weft serve holds the database: stop it to revert run {} (the revert writes from this process)",
                args.run
            ));
        }
        Err(e) => return Err(e.to_string()),
    };
    let _guard = local.runtime.enter();
    let report = crate::revert::revert(&local.engine, args.run, args.dry_run, &mut |line| eprintln!("{line}"))?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?);
    } else {
        let verb = if report.dry_run { "would restore" } else { "restored" };
        for (label, list) in [
            (verb, &report.restored),
            ("already back", &report.already),
            ("changed since, left alone", &report.changed_since),
        ] {
            for c in list {
                println!(
                    "{label}: {} {}{} {}: {} -> {} (now {})",
                    c.object,
                    c.key,
                    c.location.as_deref().map(|l| format!(" at {l}")).unwrap_or_default(),
                    c.field,
                    c.after,
                    c.before,
                    c.now
                );
            }
        }
        for (c, why) in &report.failed {
            println!("failed: {} {} {}: {why}", c.object, c.key, c.field);
        }
        for line in &report.for_person {
            println!("for a person: {line}");
        }
        println!(
            "run {}: {} {verb}, {} already back, {} changed since, {} failed, {} for a person",
            report.run,
            report.restored.len(),
            report.already.len(),
            report.changed_since.len(),
            report.failed.len(),
            report.for_person.len()
        );
    }
    Ok(if report.failed.is_empty() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}
