//! `weft store migrate --from redb:PATH --to postgres:URL`: move an installation (queues, ledger,
//! id map, cursors, runs, journals, reports, plugin and flow state) from one backend to another,
//! page by page, then verify the counts per kind. The target must be empty; `weft serve` must be
//! stopped while it runs (redb admits one process anyway).

use crate::config::SecretSource;
use crate::store::{postgres, ItemKind, Location, Store};
use clap::{Args, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// `weft store ...`
#[derive(Debug, Subcommand)]
pub enum StoreCommand {
    /// Copy every item of one store into an empty other one and verify the counts.
    Migrate(MigrateArgs),
}

/// `weft store migrate ...`
#[derive(Debug, Args)]
pub struct MigrateArgs {
    /// `redb:DIR` (the `[store] path`) or `postgres:URL` / `postgres:env:VAR` / `postgres:file:PATH`.
    #[arg(long)]
    pub from: String,
    /// Where to: the same forms; must hold nothing yet.
    #[arg(long)]
    pub to: String,
    /// Print the verification as JSON.
    #[arg(long)]
    pub json: bool,
}

/// A store named on the command line. A URL given inline shows in the process list: prefer
/// `postgres:env:VAR` or `postgres:file:PATH` for one carrying a password.
fn location(arg: &str) -> Result<Location, String> {
    let (kind, rest) = arg.split_once(':').ok_or_else(|| format!("`{arg}`: expected redb:DIR or postgres:URL"))?;
    match kind {
        "redb" => Ok(Location::Redb(PathBuf::from(rest))),
        "postgres" => {
            let url = match rest.split_once(':') {
                Some(("env", var)) => SecretSource::Env { env: var.to_owned() }.load()?.expose().to_owned(),
                Some(("file", path)) => SecretSource::File { file: path.into() }.load()?.expose().to_owned(),
                _ => rest.to_owned(),
            };
            let label = format!("weft store migrate (pid {})", std::process::id());
            Ok(Location::Postgres(postgres::Options { url, pool_size: 2, label }))
        }
        other => Err(format!("`{other}:`: the store kinds are redb and postgres")),
    }
}

/// Run `weft store ...`.
pub fn run(cmd: StoreCommand) -> Result<ExitCode, String> {
    let StoreCommand::Migrate(args) = cmd;
    let from = Store::connect(&location(&args.from)?).map_err(|e| format!("--from: {e}"))?;
    let to = Store::connect(&location(&args.to)?).map_err(|e| format!("--to: {e}"))?;
    let held: u64 = to.counts().map_err(|e| e.to_string())?.values().sum();
    if held > 0 {
        return Err(format!("--to: {} already holds {held} items; migrate into an empty store", to.location()));
    }
    eprintln!("copying {} into {}", from.location(), to.location());
    let mut copied = 0usize;
    from.export(&mut |items| {
        copied += items.len();
        to.import(&items)?;
        eprintln!("  {copied} items");
        Ok(())
    })
    .map_err(|e| format!("copy stopped after {copied} items: {e} (the target holds a partial copy: empty it first)"))?;
    let (source, target) = (from.counts().map_err(|e| e.to_string())?, to.counts().map_err(|e| e.to_string())?);
    let rows: Vec<(ItemKind, u64, u64)> = ItemKind::ALL
        .into_iter()
        .map(|k| (k, source.get(&k).copied().unwrap_or(0), target.get(&k).copied().unwrap_or(0)))
        .collect();
    let verified = rows.iter().all(|(_, s, t)| s == t);
    if args.json {
        let kinds: serde_json::Map<String, serde_json::Value> =
            rows.iter().map(|(k, s, t)| (k.name().to_owned(), serde_json::json!({"source": s, "target": t}))).collect();
        println!("{}", serde_json::json!({"verified": verified, "copied": copied, "kinds": kinds}));
    } else {
        println!("{:<12} {:>10} {:>10}", "kind", "source", "target");
        for (kind, s, t) in &rows {
            let mark = if s == t { "" } else { "  MISMATCH" };
            println!("{:<12} {s:>10} {t:>10}{mark}", kind.name());
        }
        println!("{}", if verified { "verified: every count matches" } else { "NOT verified: counts differ" });
    }
    Ok(if verified { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}
