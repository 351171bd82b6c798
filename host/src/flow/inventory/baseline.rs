//! A bulk snapshot of Shopify's inventory, read once per process and flow when the flow has
//! never pushed anything or a call has many SKUs Shopify must be asked about (a host restarted
//! during an initial sync): a 50k-SKU initial sync then needs one bulk operation instead of
//! thousands of per-SKU queries. Compare-and-set still guards every write, so a snapshot that
//! has aged only costs a re-read of the levels that changed since. It is kept compact (numeric
//! ids, one entry per SKU: about 22 bytes a level instead of three strings) and dropped once it
//! is [`MAX_AGE`] old, when the initial sync it serves is long under way; levels not written by
//! then are read per SKU.

use super::state;
use crate::flow::base::ShopifyContext;
use crate::shopify::inventory::{self as inv, Level};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// How long a snapshot serves.
const MAX_AGE: Duration = Duration::from_secs(15 * 60);

/// Unknown SKUs in one call that make a snapshot worth its bulk operation when the flow has
/// pushed before: read per SKU, they cost four queries of about 800 points each (eight
/// seconds of an Advanced plan's restore), a bulk operation about ten points.
const WORTH_A_SNAPSHOT: usize = 100;

const ITEM: &str = "gid://shopify/InventoryItem/";
const LOCATION: &str = "gid://shopify/Location/";

/// One SKU's item and levels, by numeric id.
struct Item {
    item: u64,
    /// (location, by its index in [`Snapshot::locations`]; available; on hand).
    levels: Vec<(u32, i32, i32)>,
}

/// Shopify's levels by SKU, as read at one time: about 22 bytes a level once sealed, against
/// about 50 for (u64, i64, i64) tuples in vectors left as their growth reserved them.
pub struct Snapshot {
    by_sku: HashMap<Box<str>, Item>,
    /// Numeric location ids; levels name them by index.
    locations: Vec<u64>,
    location_index: HashMap<u64, u32>,
    /// SKUs left out after all (a quantity Shopify never gives, beyond i32): read per SKU.
    spoiled: Vec<Box<str>>,
    taken: Instant,
}

impl Snapshot {
    fn new() -> Snapshot {
        Snapshot {
            by_sku: HashMap::new(),
            locations: Vec::new(),
            location_index: HashMap::new(),
            spoiled: Vec::new(),
            taken: Instant::now(),
        }
    }

    /// Take in one level; a level whose ids are not Shopify's numeric GIDs is left out (its SKU
    /// is then read per SKU).
    fn add(&mut self, level: Level) {
        let id = |gid: &str, kind: &str| gid.strip_prefix(kind).and_then(|n| n.parse::<u64>().ok());
        let (Some(item), Some(location)) = (id(&level.inventory_item_id, ITEM), id(&level.location_id, LOCATION))
        else {
            return;
        };
        let next = u32::try_from(self.locations.len()).unwrap_or(u32::MAX);
        let index = *self.location_index.entry(location).or_insert(next);
        if index == next {
            self.locations.push(location);
        }
        let quantities = (i32::try_from(level.available), i32::try_from(level.on_hand));
        let sku = level.sku.into_boxed_str();
        match quantities {
            (Ok(available), Ok(on_hand)) => self
                .by_sku
                .entry(sku)
                .or_insert(Item { item, levels: Vec::new() })
                .levels
                .push((index, available, on_hand)),
            _ => self.spoiled.push(sku),
        }
    }

    /// Done reading: SKUs with a level it could not hold are left out, and the levels' vectors
    /// give back what their growth reserved.
    fn seal(mut self) -> Snapshot {
        for sku in std::mem::take(&mut self.spoiled) {
            self.by_sku.remove(&sku);
        }
        for item in self.by_sku.values_mut() {
            item.levels.shrink_to_fit();
        }
        self.by_sku.shrink_to_fit();
        self
    }

    /// Whether `sku` is in it.
    pub fn contains(&self, sku: &str) -> bool {
        self.by_sku.contains_key(sku)
    }

    /// The levels of `sku`.
    pub fn levels(&self, sku: &str) -> Vec<Level> {
        let Some(item) = self.by_sku.get(sku) else { return Vec::new() };
        item.levels
            .iter()
            .map(|&(location, available, on_hand)| Level {
                sku: sku.to_owned(),
                inventory_item_id: format!("{ITEM}{}", item.item),
                location_id: format!(
                    "{LOCATION}{}",
                    self.locations.get(location as usize).copied().unwrap_or_default()
                ),
                available: available.into(),
                on_hand: on_hand.into(),
            })
            .collect()
    }
}

fn cache() -> &'static tokio::sync::Mutex<HashMap<String, Option<Arc<Snapshot>>>> {
    static CACHE: OnceLock<tokio::sync::Mutex<HashMap<String, Option<Arc<Snapshot>>>>> = OnceLock::new();
    CACHE.get_or_init(|| tokio::sync::Mutex::new(HashMap::new()))
}

/// Flows whose store already holds pushes do not need a snapshot.
fn has_pushed(ctx: &ShopifyContext<'_>) -> bool {
    static CHECKED: OnceLock<Mutex<HashMap<String, bool>>> = OnceLock::new();
    let checked = CHECKED.get_or_init(|| Mutex::new(HashMap::new()));
    let mut checked = checked.lock().unwrap_or_else(|e| e.into_inner());
    *checked.entry(ctx.flow_name.to_owned()).or_insert_with(|| state::any(ctx.store))
}

/// The snapshot of this flow for a call that must ask Shopify about `unknown` SKUs. Taken once
/// per process: on first use when the flow never pushed, or when a call has at least
/// [`WORTH_A_SNAPSHOT`] SKUs to ask about (a host restarted during an initial sync). `None`
/// otherwise, once it is [`MAX_AGE`] old, or when the bulk read failed (per-SKU queries take over).
pub async fn get(ctx: &ShopifyContext<'_>, unknown: usize) -> Option<Arc<Snapshot>> {
    let mut cache = cache().lock().await;
    if let Some(done) = cache.get_mut(ctx.flow_name) {
        if done.as_ref().is_some_and(|s| s.taken.elapsed() > MAX_AGE) {
            tracing::info!(flow = ctx.flow_name, "inventory baseline dropped: levels not written yet are read per SKU");
            *done = None;
        }
        return done.clone();
    }
    if unknown < WORTH_A_SNAPSHOT && has_pushed(ctx) {
        return None;
    }
    let mut snapshot = Snapshot::new();
    let snapshot = match inv::all_levels_each(ctx.client, |level| snapshot.add(level)).await {
        Ok(()) => {
            tracing::info!(
                flow = ctx.flow_name,
                skus = snapshot.by_sku.len(),
                "read Shopify's inventory baseline with a bulk operation"
            );
            Some(Arc::new(snapshot.seal()))
        }
        Err(e) => {
            tracing::warn!(flow = ctx.flow_name, "bulk inventory baseline failed ({e}); reading levels per SKU");
            None
        }
    };
    cache.insert(ctx.flow_name.to_owned(), snapshot.clone());
    snapshot
}

#[cfg(test)]
mod tests {
    use super::*;

    fn level(sku: &str, item: &str, location: &str, available: i64) -> Level {
        Level {
            sku: sku.into(),
            inventory_item_id: item.into(),
            location_id: location.into(),
            available,
            on_hand: available + 1,
        }
    }

    #[test]
    fn levels_come_back_as_read_and_ids_that_are_not_numeric_gids_are_left_out() {
        let mut s = Snapshot::new();
        let a = level("A", "gid://shopify/InventoryItem/7", "gid://shopify/Location/1", 5);
        let b = level("A", "gid://shopify/InventoryItem/7", "gid://shopify/Location/2", -3);
        s.add(a.clone());
        s.add(b.clone());
        s.add(level("B", "InventoryItem/x", "gid://shopify/Location/1", 1));
        s.add(level("C", "gid://shopify/InventoryItem/8", "gid://shopify/Location/1", 1));
        s.add(level("C", "gid://shopify/InventoryItem/8", "gid://shopify/Location/2", 5_000_000_000));
        let s = s.seal();
        assert_eq!(s.levels("A"), vec![a, b]);
        assert!(!s.contains("B"), "read per SKU instead");
        assert!(!s.contains("C"), "a quantity it cannot hold: the SKU is read per SKU");
        assert!(s.levels("D").is_empty());
    }
}
