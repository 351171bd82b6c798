//! weft file-feed connector: for ERPs that exchange files.
//!
//! Reads exports dropped in `<dir>/<inbox>` (`products*.csv|jsonl`, `inventory*`, `customers*`,
//! `orders*`, `shipments*`), remembers processed files and reported bad rows in kv, and writes
//! shop orders, their changes, customers and stock adjustments to
//! `<dir>/<outbox>/{orders,order-changes,customers,inventory-adjustments}/<id>.json`. The directory is the one the
//! operator grants (`[connections.NAME].directory`), preopened as `/data`. See README.md.

mod feed;
mod orders;
mod outbox;
mod prices;
mod records;
mod rows;

use std::path::PathBuf;
use weft_sdk::prelude::*;

/// Where the granted directory is mounted.
const ROOT: &str = "/data";

/// The operator's settings.
pub struct Settings {
    /// Folder read for exports.
    pub inbox: PathBuf,
    /// Folder written for the ERP.
    pub outbox: PathBuf,
    /// Currency of amounts given without one.
    pub currency: String,
}

impl Settings {
    fn load() -> Result<Settings, PluginError> {
        let sub = |key: &str, default: &str| -> Result<PathBuf, PluginError> {
            let name = config::get(key).unwrap_or_else(|| default.to_owned());
            if name.split('/').any(|part| part == "..") || name.starts_with('/') {
                return Err(PluginError::invalid(key, "must be a folder inside the granted directory"));
            }
            Ok(PathBuf::from(ROOT).join(name))
        };
        if std::fs::metadata(ROOT).is_err() {
            return Err(PluginError::invalid("directory", "no directory is granted: set [connections.NAME].directory"));
        }
        Ok(Settings {
            inbox: sub("inbox", "in")?,
            outbox: sub("outbox", "out")?,
            currency: config::get("currency").unwrap_or_else(|| "USD".into()),
        })
    }
}

struct FileFeed;

impl Connector for FileFeed {
    fn describe() -> PluginInfo {
        let mut info = PluginInfo::new(
            "file-feed",
            env!("CARGO_PKG_VERSION"),
            "ERP file exchange: CSV / JSON-lines exports in, JSON orders out",
        );
        info.entities = vec![
            EntitySupport { entity: Entity::Product, direction: Direction::Pull },
            EntitySupport { entity: Entity::InventoryLevel, direction: Direction::Pull },
            EntitySupport { entity: Entity::Customer, direction: Direction::Both },
            EntitySupport { entity: Entity::Order, direction: Direction::Both },
            EntitySupport { entity: Entity::Fulfillment, direction: Direction::Pull },
            EntitySupport { entity: Entity::Price, direction: Direction::Pull },
            EntitySupport { entity: Entity::OrderChange, direction: Direction::Push },
            EntitySupport { entity: Entity::InventoryAdjustment, direction: Direction::Push },
        ];
        let key = |name: &str, description: &str| ConfigKey {
            name: name.into(),
            required: false,
            description: description.into(),
        };
        info.config_keys = vec![
            key("inbox", "Folder of the granted directory holding the ERP's exports (default `in`)"),
            key("outbox", "Folder of the granted directory where orders are written (default `out`)"),
            key("currency", "Currency of amounts without one (default USD)"),
        ];
        info
    }

    fn check() -> Result<(), PluginError> {
        let s = Settings::load()?;
        std::fs::read_dir(&s.inbox)
            .map_err(|e| PluginError::invalid("inbox", &format!("cannot read {}: {e}", s.inbox.display())))?;
        std::fs::create_dir_all(&s.outbox)
            .map_err(|e| PluginError::invalid("outbox", &format!("cannot create {}: {e}", s.outbox.display())))?;
        Ok(())
    }

    fn pull(entity: Entity, cursor: Option<String>, limit: u32) -> Result<Page, PluginError> {
        feed::pull(&Settings::load()?, entity, cursor.as_deref(), limit.max(1))
    }

    fn fetch(entity: Entity, ids: Vec<String>) -> Vec<Result<Option<Record>, PluginError>> {
        match Settings::load() {
            Ok(s) => ids.iter().map(|id| outbox::fetch(&s, entity, id)).collect(),
            Err(e) => ids.iter().map(|_| Err(e.clone())).collect(),
        }
    }

    fn push(entity: Entity, records: Vec<KeyedRecord>) -> Vec<Result<Pushed, PluginError>> {
        match Settings::load() {
            Ok(s) => records.iter().map(|r| outbox::push(&s, entity, r)).collect(),
            Err(e) => records.iter().map(|_| Err(e.clone())).collect(),
        }
    }
}

weft_sdk::export_connector!(FileFeed);
