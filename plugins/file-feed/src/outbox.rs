//! Writing shop orders, their changes, customers and Shopify's stock adjustments (hybrid
//! inventory) out as JSON files for the ERP to pick up: `<outbox>/orders/<id>.json`
//! (`order-changes/`, `customers/`, `inventory-adjustments/`), written to a temporary name and renamed, so the ERP never sees a
//! half-written file. Idempotent: per key (kv), and per object (the file, or its kv mark once the
//! ERP has taken the file away). An order's `stock_effect` tells the ERP whether importing it
//! moves stock (`MoveStock`) or not (`AlreadyCounted`: a hybrid inventory flow's adjustment
//! files already booked its sale).

use crate::Settings;
use std::path::PathBuf;
use weft_sdk::{kv, Entity, KeyedRecord, PluginError, Pushed, Record};

/// The outbox folder of an entity.
fn folder(settings: &Settings, entity: Entity) -> Result<PathBuf, PluginError> {
    let name = match entity {
        Entity::Order => "orders",
        Entity::OrderChange => "order-changes",
        Entity::Customer => "customers",
        Entity::InventoryAdjustment => "inventory-adjustments",
        other => return Err(PluginError::Permanent(format!("push of {other:?} is not supported by the file feed"))),
    };
    Ok(settings.outbox.join(name))
}

/// A file stem from an external id (`gid://shopify/Order/1` → `gid___shopify_Order_1`).
pub fn stem(external_id: &str) -> String {
    external_id.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '.' { c } else { '_' }).collect()
}

/// Push one record.
pub fn push(settings: &Settings, entity: Entity, keyed: &KeyedRecord) -> Result<Pushed, PluginError> {
    let key = format!("pushed/{}", keyed.key);
    if let Some(first) = kv::get_json::<Pushed>(&key) {
        return Ok(first);
    }
    let external_id = validate(entity, &keyed.record)?;
    let dir = folder(settings, entity)?;
    std::fs::create_dir_all(&dir)
        .map_err(|e| PluginError::Retryable(format!("cannot create {}: {e}", dir.display())))?;
    let stem = stem(external_id);
    let path = dir.join(format!("{stem}.json"));
    let written_key = format!("written/{entity:?}/{stem}");
    let existed = path.exists() || kv::get(&written_key).is_some();
    let json = serde_json::to_vec_pretty(&keyed.record)
        .map_err(|e| PluginError::Permanent(format!("cannot encode the record: {e}")))?;
    if !existed {
        let tmp = dir.join(format!(".{stem}.json.tmp"));
        std::fs::write(&tmp, &json)
            .map_err(|e| PluginError::Retryable(format!("cannot write {}: {e}", tmp.display())))?;
        std::fs::rename(&tmp, &path)
            .map_err(|e| PluginError::Retryable(format!("cannot rename to {}: {e}", path.display())))?;
        kv::set(&written_key, external_id.as_bytes())?;
    }
    let pushed = if existed { Pushed::unchanged(stem) } else { Pushed::created(stem) };
    kv::set_json(&key, &pushed)?;
    Ok(pushed)
}

fn validate(entity: Entity, record: &Record) -> Result<&str, PluginError> {
    match (entity, record) {
        (Entity::Order, Record::Order(o)) => {
            if o.lines.is_empty() {
                return Err(PluginError::invalid("lines", "an order needs at least one line"));
            }
            if let Some(i) = o.lines.iter().position(|l| l.sku.as_deref().is_none_or(|s| s.trim().is_empty())) {
                return Err(PluginError::invalid(&format!("lines[{i}].sku"), "every line needs a SKU for the ERP"));
            }
            nonempty(&o.external_id)
        }
        (Entity::Customer, Record::Customer(c)) => nonempty(&c.external_id),
        (Entity::OrderChange, Record::OrderChange(c)) => nonempty(&c.external_id),
        (Entity::InventoryAdjustment, Record::InventoryAdjustment(a)) => {
            if a.sku.trim().is_empty() {
                return Err(PluginError::invalid("sku", "an adjustment needs the SKU it books against"));
            }
            if a.delta == 0 {
                return Err(PluginError::invalid("delta", "an adjustment of 0 books nothing"));
            }
            nonempty(&a.external_id)
        }
        (_, other) => {
            Err(PluginError::invalid("record", &format!("a {:?} record was pushed as {entity:?}", other.entity())))
        }
    }
}

fn nonempty(id: &str) -> Result<&str, PluginError> {
    if id.trim().is_empty() {
        Err(PluginError::invalid("external-id", "the record needs its id (it names the file)"))
    } else {
        Ok(id)
    }
}

/// A record written earlier, by the id `push` returned (none when the file is gone). Like any
/// fetched record it carries its id in this system: the file's stem.
pub fn fetch(settings: &Settings, entity: Entity, id: &str) -> Result<Option<Record>, PluginError> {
    let stem = stem(id);
    let path = folder(settings, entity)?.join(format!("{stem}.json"));
    match std::fs::read(&path) {
        Ok(bytes) => {
            let mut record = crate::records::from_json(&bytes)
                .map_err(|e| PluginError::Permanent(format!("{} is not a record: {e}", path.display())))?;
            match &mut record {
                Record::Order(o) => o.external_id = stem,
                Record::Customer(c) => c.external_id = stem,
                Record::OrderChange(c) => c.external_id = stem,
                Record::InventoryAdjustment(a) => a.external_id = stem,
                _ => {}
            }
            Ok(Some(record))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(PluginError::Retryable(format!("cannot read {}: {e}", path.display()))),
    }
}
