//! Every command that names something — a run, a dead letter, a flow, a SKU, a location, a
//! plugin, a grant, a config version, a record of a run — refuses one that does not exist: a
//! non-zero exit, a message naming it, `{"error": ...}` on stdout under `--json`, and nothing
//! changed. Against the store directly and through the admin API of a running `weft serve`.
//! The table is checked against the CLI's own definition: a new command taking an id or a name
//! fails here until it is in the table.

use crate::common;
use crate::served_support;
use crate::shopify_common;

use clap::CommandFactory;
use common::scenario::Scenario;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

/// Options that name something stored or configured (positional arguments always do).
const NAMING: &[&str] = &["flow", "record", "location", "grant"];

/// Arguments that do not name anything that must exist: a file read or a name created.
const NOT_LOOKED_UP: &[(&str, &str)] =
    &[("dlq edit", "record"), ("mapping preview", "record"), ("plugins new", "name")];

/// What a command did: (exit status 0, stdout, stderr).
type Output = (bool, String, String);
/// Runs a command that reads.
type Read<'a> = dyn Fn(&[&str]) -> Output + 'a;

/// One refused command: the command (as in `weft --help`), the arguments naming it, and the
/// argument naming what does not exist (its message must name it).
struct Case {
    command: &'static str,
    covers: &'static [&'static str],
    args: Vec<String>,
    unknown: &'static str,
}

/// Every leaf command with whether it takes `--json`, and the arguments that name something.
fn cli() -> (BTreeMap<String, bool>, BTreeSet<(String, String)>) {
    fn walk(
        cmd: &clap::Command,
        path: &str,
        json: &mut BTreeMap<String, bool>,
        named: &mut BTreeSet<(String, String)>,
    ) {
        for sub in cmd.get_subcommands() {
            let path = format!("{path} {}", sub.get_name()).trim().to_owned();
            if sub.has_subcommands() {
                walk(sub, &path, json, named);
                continue;
            }
            json.insert(path.clone(), sub.get_arguments().any(|a| a.get_id() == "json"));
            for arg in sub.get_arguments() {
                let id = arg.get_id().as_str();
                if (arg.is_positional() || NAMING.contains(&id)) && !NOT_LOOKED_UP.contains(&(path.as_str(), id)) {
                    named.insert((path.clone(), id.to_owned()));
                }
            }
        }
    }
    let (mut json, mut named) = (BTreeMap::new(), BTreeSet::new());
    walk(&weft::cli::Cli::command(), "", &mut json, &mut named);
    (json, named)
}

/// The table: `run` an existing run, `dead` an open dead letter, `dir` a scratch folder.
fn cases(run: u64, dead: u64, dir: &std::path::Path) -> Vec<Case> {
    let edit = dir.join("edit.json");
    std::fs::write(&edit, r#"{"sku": "SKU-0-0", "location": "WH", "on_hand": 1}"#).unwrap();
    let missing = dir.join("no-such-plugin-dir");
    let case = |command, covers, args: &[&str], unknown| Case {
        command,
        covers,
        args: command.split(' ').chain(args.iter().copied()).map(str::to_owned).collect(),
        unknown,
    };
    let (run, dead, edit, missing) =
        (run.to_string(), dead.to_string(), edit.display().to_string(), missing.display().to_string());
    vec![
        case("runs list", &["flow"], &["--flow", "no-such-flow"], "no-such-flow"),
        case("runs show", &["run"], &["99999"], "99999"),
        case("runs show", &["record"], &[&run, "--record", "99999"], "99999"),
        case("runs revert", &["run"], &["99999"], "99999"),
        case("dlq list", &["flow"], &["--flow", "no-such-flow"], "no-such-flow"),
        case("dlq show", &["id"], &["99999"], "99999"),
        case("dlq retry", &["ids"], &["99999"], "99999"),
        case("dlq retry", &["ids"], &[&dead, "99999"], "99999"),
        case("dlq retry", &["flow"], &["--flow", "no-such-flow", "--all"], "no-such-flow"),
        case("dlq discard", &["ids"], &["99999", "--reason", "gone"], "99999"),
        case("dlq discard", &["ids"], &[&dead, "99999", "--reason", "gone"], "99999"),
        case("dlq edit", &["id"], &["99999", "--record", &edit], "99999"),
        case("queue pause", &["flow"], &["no-such-flow"], "no-such-flow"),
        case("queue resume", &["flow"], &["no-such-flow"], "no-such-flow"),
        case("explain inventory", &["sku"], &["NO-SUCH-SKU"], "NO-SUCH-SKU"),
        case("explain inventory", &["location"], &["SKU-0-0", "--location", "NO-SUCH-LOC"], "NO-SUCH-LOC"),
        case("run", &["flow"], &["no-such-flow", "--once"], "no-such-flow"),
        case("mapping show", &["flow"], &["no-such-flow"], "no-such-flow"),
        case("mapping preview", &["flow"], &["no-such-flow"], "no-such-flow"),
        case("reconcile", &["flow"], &["--flow", "no-such-flow"], "no-such-flow"),
        case("backfill", &["flow"], &["no-such-flow", "--since", "2026-01-01"], "no-such-flow"),
        case("onboard", &["flow"], &["--flow", "no-such-flow"], "no-such-flow"),
        case("shadow diff", &["flow"], &["no-such-flow"], "no-such-flow"),
        case("plugins inspect", &["id"], &["no-such-plugin"], "no-such-plugin"),
        case("plugins call", &["id"], &["no-such-plugin"], "no-such-plugin"),
        case("plugins call", &["grant"], &["file-feed", "--grant", "no-such-grant"], "no-such-grant"),
        case("plugins test", &["dir"], &[&missing], "no-such-plugin-dir"),
        case("plugins package", &["dir"], &[&missing], "no-such-plugin-dir"),
        case("config show-version", &["number"], &["99999"], "99999"),
        case("config rollback", &["number"], &["99999", "--comment", "never"], "99999"),
    ]
}

/// What the refusals must leave as it was (with `served`, what a scheduled run cannot change
/// meanwhile: the dead letters and the config versions).
fn state(weft: &Read<'_>, served: bool) -> Vec<String> {
    let mut reads = vec![&["dlq", "list", "--json"][..], &["config", "versions", "--json"]];
    if !served {
        reads.extend([&["queue", "status", "--json"][..], &["runs", "list", "--json"]]);
    }
    reads
        .into_iter()
        .map(|args| {
            let (ok, out, err) = weft(args);
            assert!(ok, "weft {args:?}: {out}\n{err}");
            out
        })
        .collect()
}

/// Run every case, in text and (where the command has it) `--json`; every named argument of
/// the CLI must be covered by a case.
fn refuse_all(weft: &dyn Fn(&[String]) -> Output, cases: &[Case]) {
    let (json, named) = cli();
    let covered: BTreeSet<(String, String)> =
        cases.iter().flat_map(|c| c.covers.iter().map(|a| (c.command.to_owned(), (*a).to_owned()))).collect();
    let missing: Vec<_> = named.difference(&covered).collect();
    assert!(missing.is_empty(), "commands naming something with no unknown-id case here: {missing:?}");
    for case in cases {
        let takes_json = *json.get(case.command).unwrap_or_else(|| panic!("no command `{}`", case.command));
        let (ok, out, err) = weft(&case.args);
        assert!(!ok, "weft {:?} succeeded:\n{out}\n{err}", case.args);
        assert!(err.contains(case.unknown), "weft {:?} does not name {}: {err}", case.args, case.unknown);
        assert_eq!(out.trim(), "", "weft {:?} printed a result", case.args);
        if takes_json {
            let mut args = case.args.clone();
            args.push("--json".into());
            let (ok, out, err) = weft(&args);
            assert!(!ok, "weft {args:?} succeeded:\n{out}\n{err}");
            let answer: Value =
                serde_json::from_str(&out).unwrap_or_else(|e| panic!("weft {args:?}: not JSON ({e}): {out}\n{err}"));
            let message = answer["error"].as_str().unwrap_or_else(|| panic!("weft {args:?}: {answer}"));
            assert!(message.contains(case.unknown), "weft {args:?}: {answer}");
        }
    }
}

fn output(mut cmd: Command) -> Output {
    let out = cmd.output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// (a run's id, an open dead letter's id) of the deployment: the oldest of each (a run a
/// serve tick has just started is gone once its pull finds nothing).
fn ids(weft: &Read<'_>) -> (u64, u64) {
    let first = |args: &[&str], field: &dyn Fn(&Value) -> Option<u64>| {
        let (ok, out, err) = weft(args);
        assert!(ok, "{out}\n{err}");
        let list: Value = serde_json::from_str(&out).unwrap();
        list.as_array().and_then(|l| l.last()).and_then(field).unwrap_or_else(|| panic!("weft {args:?}: {out}"))
    };
    (
        first(&["runs", "list", "--json"], &|r| r["id"].as_u64()),
        first(&["dlq", "list", "--json"], &|d| d["job"]["id"].as_u64()),
    )
}

#[test]
fn unknown_ids_and_names_are_refused_by_every_command_on_the_store() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let sim = rt.block_on(shopify_common::start(shopify_common::seed(3, 1)));
    let main = shopify_common::location_gid(&sim, "Main");
    let s = Scenario::builder(&sim).build(&format!(
        "[flows.inventory]\nfrom = \"erp\"\nto = \"shopify\"\nobject = \"inventory\"\nunmapped_location = \"fail\"\nlocations = {{ WH = \"{main}\" }}\n"
    ));
    s.feed_file(
        "inventory-1.csv",
        "sku,location,on_hand,reserved,incoming,safety_stock,updated_at\nSKU-0-0,WH,25,2,0,3,2026-11-26T06:00:00Z\nSKU-2-0,NOWHERE,9,0,0,0,2026-11-26T06:00:00Z\n",
    );
    let (ok, out, err) = s.weft(&["run", "inventory", "--once"]);
    assert!(ok, "{out}\n{err}");
    let read = |args: &[&str]| s.weft(args);
    let (run, dead) = ids(&read);
    let before = (state(&read, false), std::fs::read_to_string(&s.config).unwrap());
    let cases = cases(run, dead, s.path());
    refuse_all(
        &|args| {
            let mut cmd = s.command();
            cmd.args(args);
            output(cmd)
        },
        &cases,
    );
    assert_eq!((state(&read, false), std::fs::read_to_string(&s.config).unwrap()), before, "nothing changed");
}

#[test]
fn unknown_ids_and_names_are_refused_through_a_running_serve() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let sim = rt.block_on(shopify_common::start(shopify_common::seed(3, 1)));
    let token = "unknown-ids-token";
    let served = served_support::served_inventory(&sim, token);
    let command = || {
        let mut cmd = served.scenario.command();
        cmd.env("WEFT_ADMIN_TOKEN", token);
        cmd
    };
    let read = |args: &[&str]| {
        let mut cmd = command();
        cmd.args(args);
        output(cmd)
    };
    // The database is held: these go through the admin API.
    let (ok, _, err) = served.scenario.weft(&["run", "inventory", "--once"]);
    assert!(!ok && err.contains("stop `weft serve` first"), "{err}");
    let (run, dead) = ids(&read);
    // Scheduled runs may start meanwhile: compare what a refusal could have changed.
    let before = (state(&read, true), std::fs::read_to_string(&served.scenario.config).unwrap());
    let cases = cases(run, dead, served.scenario.path());
    refuse_all(
        &|args| {
            let mut cmd = command();
            cmd.args(args);
            output(cmd)
        },
        &cases,
    );
    let after = (state(&read, true), std::fs::read_to_string(&served.scenario.config).unwrap());
    assert_eq!(after, before, "nothing changed");
}
