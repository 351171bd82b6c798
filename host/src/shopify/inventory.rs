//! Inventory writes: `inventorySetQuantities` in batches of up to 250 with compare-and-set,
//! a deterministic `@idempotent` key per batch, and isolation of rejected records (the
//! mutation is all-or-nothing, so the rest of a batch is sent again without them).

use super::client::ShopifyClient;
use super::error::{RecordError, ShopifyError, WriteError};
use super::queries;
use super::throttle::Priority;
use futures::stream::{self, StreamExt};
use serde_json::{json, Value as Json};
use sha2::{Digest, Sha256};

/// Most quantities Shopify accepts per `inventorySetQuantities`.
pub const MAX_BATCH: usize = 250;

/// Batches in flight at once per call (the budget still paces them).
const CONCURRENCY: usize = 4;

/// Which quantity is set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QuantityName {
    Available,
    OnHand,
}

impl QuantityName {
    fn as_str(self) -> &'static str {
        match self {
            QuantityName::Available => "available",
            QuantityName::OnHand => "on_hand",
        }
    }
}

/// One absolute quantity to set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QuantitySet {
    /// `gid://shopify/InventoryItem/...`
    pub inventory_item_id: String,
    /// `gid://shopify/Location/...`
    pub location_id: String,
    pub quantity: i64,
    /// The quantity we believe Shopify has now (compare-and-set); None skips the check.
    pub change_from: Option<i64>,
}

/// What a set-quantities call is about.
#[derive(Clone, Debug)]
pub struct SetQuantities<'a> {
    pub name: QuantityName,
    /// One of Shopify's reasons, e.g. `correction`.
    pub reason: &'a str,
    /// Where the change comes from, e.g. `weft://run/42`.
    pub reference_document_uri: Option<&'a str>,
    /// Mixed into every idempotency key (e.g. the run or job id): the same scope and content
    /// always give the same key, so a retried job replays instead of writing twice.
    pub key_scope: &'a str,
}

/// The deterministic idempotency key of one batch.
pub fn batch_key(req: &SetQuantities<'_>, batch: &[&QuantitySet]) -> String {
    let mut h = Sha256::new();
    h.update(req.key_scope.as_bytes());
    h.update([0]);
    h.update(req.name.as_str());
    h.update([0]);
    h.update(req.reason.as_bytes());
    for q in batch {
        h.update(
            format!("\0{}\0{}\0{}\0{:?}", q.inventory_item_id, q.location_id, q.quantity, q.change_from).as_bytes(),
        );
    }
    let digest = h.finalize();
    let hex: String = digest.iter().take(20).map(|b| format!("{b:02x}")).collect();
    format!("weft-inv-{hex}")
}

/// Sets every quantity; returns one outcome per input record, in input order.
pub async fn set_quantities(
    client: &ShopifyClient,
    req: &SetQuantities<'_>,
    items: &[QuantitySet],
) -> Vec<Result<(), WriteError>> {
    let batches: Vec<Vec<usize>> =
        (0..items.len()).collect::<Vec<_>>().chunks(MAX_BATCH).map(<[usize]>::to_vec).collect();
    let results: Vec<Vec<(usize, Result<(), WriteError>)>> = stream::iter(batches)
        .map(|batch| send_isolating(client, req, items, batch))
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await;
    let mut out: Vec<Result<(), WriteError>> = (0..items.len()).map(|_| Ok(())).collect();
    for (i, r) in results.into_iter().flatten() {
        out[i] = r;
    }
    out
}

/// Sends a batch; records Shopify rejects are taken out and the rest is sent again.
async fn send_isolating(
    client: &ShopifyClient,
    req: &SetQuantities<'_>,
    items: &[QuantitySet],
    mut batch: Vec<usize>,
) -> Vec<(usize, Result<(), WriteError>)> {
    let mut done = Vec::new();
    while !batch.is_empty() {
        match send(client, req, items, &batch).await {
            Ok(errors) if errors.is_empty() => {
                done.extend(batch.drain(..).map(|i| (i, Ok(()))));
            }
            Ok(errors) => {
                let located: Vec<(usize, RecordError)> = errors
                    .iter()
                    .filter_map(|e| e.index_in("quantities").filter(|p| *p < batch.len()).map(|p| (p, e.clone())))
                    .collect();
                if located.len() < errors.len() {
                    let e = errors
                        .iter()
                        .find(|e| e.index_in("quantities").is_none())
                        .cloned()
                        .unwrap_or_else(|| errors[0].clone());
                    if batch.len() == 1 {
                        done.push((batch[0], Err(WriteError::Record(e))));
                        batch.clear();
                    } else {
                        // Shopify did not say which record it refuses: bisect until the bad
                        // one is alone, so the others still go through.
                        let right = batch.split_off(batch.len() / 2);
                        let left = std::mem::take(&mut batch);
                        done.extend(Box::pin(send_isolating(client, req, items, left)).await);
                        done.extend(Box::pin(send_isolating(client, req, items, right)).await);
                    }
                } else {
                    let mut failed: Vec<usize> = located.iter().map(|(p, _)| *p).collect();
                    failed.sort_unstable();
                    failed.dedup();
                    for (p, e) in located {
                        done.push((batch[p], Err(WriteError::Record(e))));
                    }
                    for p in failed.into_iter().rev() {
                        batch.remove(p);
                    }
                }
            }
            Err(e @ ShopifyError::GraphQl { .. }) if batch.len() > 1 => {
                // A request-level refusal (e.g. one quantity that does not coerce to Int): bisect.
                tracing::debug!("inventorySetQuantities refused a batch of {}: {e}; bisecting", batch.len());
                let right = batch.split_off(batch.len() / 2);
                let left = std::mem::take(&mut batch);
                done.extend(Box::pin(send_isolating(client, req, items, left)).await);
                done.extend(Box::pin(send_isolating(client, req, items, right)).await);
            }
            Err(e) => done.extend(batch.drain(..).map(|i| (i, Err(WriteError::Request(e.clone()))))),
        }
    }
    done
}

/// One `inventorySetQuantities` call; Ok(user errors).
async fn send(
    client: &ShopifyClient,
    req: &SetQuantities<'_>,
    items: &[QuantitySet],
    batch: &[usize],
) -> Result<Vec<RecordError>, ShopifyError> {
    let records: Vec<&QuantitySet> = batch.iter().map(|i| &items[*i]).collect();
    let quantities: Vec<Json> = records
        .iter()
        .map(|q| json!({"inventoryItemId": q.inventory_item_id, "locationId": q.location_id, "quantity": q.quantity, "changeFromQuantity": q.change_from}))
        .collect();
    let mut input = json!({"name": req.name.as_str(), "reason": req.reason, "quantities": quantities});
    if let Some(uri) = req.reference_document_uri {
        input["referenceDocumentUri"] = json!(uri);
    }
    let variables = json!({"input": input, "key": batch_key(req, &records)});
    let response = client.execute(&queries::INVENTORY_SET_QUANTITIES, variables, Priority::Inventory).await?;
    let payload = response
        .data
        .get("inventorySetQuantities")
        .ok_or_else(|| ShopifyError::Decode("no inventorySetQuantities payload".into()))?;
    Ok(RecordError::list(&payload["userErrors"]))
}

/// Stocks `inventory_item_id` at `location_id` with `available` units (for an item Shopify does
/// not stock there yet).
pub async fn activate(
    client: &ShopifyClient,
    inventory_item_id: &str,
    location_id: &str,
    available: i64,
) -> Result<(), WriteError> {
    let digest = Sha256::digest(format!("activate\0{inventory_item_id}\0{location_id}\0{available}").as_bytes());
    let key: String = digest.iter().take(20).map(|b| format!("{b:02x}")).collect();
    let vars = json!({"inventoryItemId": inventory_item_id, "locationId": location_id, "available": available, "key": format!("weft-act-{key}")});
    let data = client.execute(&queries::INVENTORY_ACTIVATE, vars, Priority::Inventory).await?.data;
    match RecordError::list(&data["inventoryActivate"]["userErrors"]).into_iter().next() {
        Some(e) => Err(e.into()),
        None => Ok(()),
    }
}

/// Stocks `inventory_item_id` at every one of `locations` with one call (0 available where it
/// was not stocked; a location already stocked keeps its quantities). Activation is idempotent,
/// so a retried call changes nothing more.
pub async fn stock_at(client: &ShopifyClient, inventory_item_id: &str, locations: &[String]) -> Result<(), WriteError> {
    let updates: Vec<serde_json::Value> =
        locations.iter().map(|l| json!({"locationId": l, "activate": true})).collect();
    let vars = json!({"inventoryItemId": inventory_item_id, "inventoryItemUpdates": updates});
    let data = client.execute(&queries::INVENTORY_BULK_TOGGLE_ACTIVATION, vars, Priority::Inventory).await?.data;
    match RecordError::list(&data["inventoryBulkToggleActivation"]["userErrors"]).into_iter().next() {
        Some(e) => Err(e.into()),
        None => Ok(()),
    }
}

/// One inventory level as read back from Shopify.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Level {
    pub sku: String,
    pub inventory_item_id: String,
    pub location_id: String,
    pub available: i64,
    pub on_hand: i64,
}

impl Level {
    /// A level from an `InventoryLevel` node with `location { id }` and `quantities`.
    fn from_node(sku: &str, item: &str, node: &Json) -> Option<Level> {
        let q = |name: &str| {
            node["quantities"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|q| q["name"] == name)
                .and_then(|q| q["quantity"].as_i64())
                .unwrap_or(0)
        };
        Some(Level {
            sku: sku.to_owned(),
            inventory_item_id: item.to_owned(),
            location_id: node["location"]["id"].as_str()?.to_owned(),
            available: q("available"),
            on_hand: q("on_hand"),
        })
    }
}

/// Every item's `available` at every location it is stocked at, read with one bulk operation
/// (no per-item query cost: the way to get a baseline for a large initial sync).
pub async fn all_levels_bulk(client: &ShopifyClient) -> Result<Vec<Level>, ShopifyError> {
    let mut levels = Vec::new();
    all_levels_each(client, |level| levels.push(level)).await?;
    Ok(levels)
}

/// [`all_levels_bulk`], each level handed to `each` as it is read (memory holds one line and the
/// items' SKUs, not the levels).
pub async fn all_levels_each(client: &ShopifyClient, mut each: impl FnMut(Level)) -> Result<(), ShopifyError> {
    let query = "{ inventoryItems { edges { node { id sku inventoryLevels { edges { node { location { id } quantities(names: [\"available\", \"on_hand\"]) { name quantity } } } } } } } }";
    // Read line by line (an item's line comes before its levels'): a 300,000-level export
    // parsed whole held every line as JSON at once.
    let mut skus: std::collections::HashMap<String, String> = std::collections::HashMap::new();
    let (poll, limit) = (std::time::Duration::from_millis(250), std::time::Duration::from_secs(600));
    super::bulk::export_each(client, query, poll, limit, |line| {
        match line["__parentId"].as_str() {
            None => {
                if let Some(id) = line["id"].as_str() {
                    skus.insert(id.to_owned(), line["sku"].as_str().unwrap_or("").to_owned());
                }
            }
            Some(item) => {
                let sku = skus.get(item).map(String::as_str).unwrap_or("");
                if let Some(level) = Level::from_node(sku, item, &line) {
                    each(level);
                }
            }
        }
        Ok(())
    })
    .await
}

/// The levels of an item stocked at more locations than the first page of
/// [`read_skus`] holds, from `after` on.
async fn more_levels(
    client: &ShopifyClient,
    sku: &str,
    item: &str,
    mut after: Json,
) -> Result<Vec<Level>, ShopifyError> {
    let mut out = Vec::new();
    loop {
        let data = client
            .execute(&queries::INVENTORY_ITEM_LEVELS, json!({"id": item, "after": after}), Priority::Inventory)
            .await?
            .data;
        let levels = &data["inventoryItem"]["inventoryLevels"];
        out.extend(levels["nodes"].as_array().into_iter().flatten().filter_map(|n| Level::from_node(sku, item, n)));
        if levels["pageInfo"]["hasNextPage"].as_bool() != Some(true) {
            return Ok(out);
        }
        after = levels["pageInfo"]["endCursor"].clone();
    }
}

/// The SKU of `item` and its available quantity at `location` (none when the item does not exist
/// or is not stocked there).
pub async fn level(client: &ShopifyClient, item: &str, location: &str) -> Result<Option<(String, i64)>, ShopifyError> {
    let vars = json!({"item": item, "location": location});
    let data = client.execute(&queries::INVENTORY_LEVEL, vars, Priority::Inventory).await?.data;
    let node = &data["inventoryItem"];
    let Some(quantities) = node["inventoryLevel"]["quantities"].as_array() else { return Ok(None) };
    let available = quantities.iter().find(|q| q["name"] == "available").and_then(|q| q["quantity"].as_i64());
    Ok(available.map(|a| (node["sku"].as_str().unwrap_or("").to_owned(), a)))
}

/// Items looked up per query (keeps the query under Shopify's 1,000-point limit).
const LEVELS_PAGE: usize = 25;

/// What Shopify has for some SKUs: their levels, and every inventory item found, stocked
/// somewhere or nowhere yet.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SkuRead {
    /// One per (item, location) where the item is stocked.
    pub levels: Vec<Level>,
    /// (SKU, inventory item gid) of every item found.
    pub items: Vec<(String, String)>,
}

/// Current levels of the inventory items with these SKUs (queried in chunks).
pub async fn levels_by_sku(client: &ShopifyClient, skus: &[String]) -> Result<Vec<Level>, ShopifyError> {
    Ok(read_skus(client, skus).await?.levels)
}

/// The levels and the items of these SKUs (queried in chunks).
pub async fn read_skus(client: &ShopifyClient, skus: &[String]) -> Result<SkuRead, ShopifyError> {
    let mut out = SkuRead::default();
    for chunk in skus.chunks(LEVELS_PAGE) {
        let query = super::search::any_sku(chunk);
        let mut after = Json::Null;
        loop {
            let vars = json!({"query": query, "first": LEVELS_PAGE, "after": after});
            let data = client.execute(&queries::INVENTORY_LEVELS_BY_SKU, vars, Priority::Inventory).await?.data;
            let page = &data["inventoryItems"];
            for item in page["nodes"].as_array().into_iter().flatten() {
                let (sku, id) =
                    (item["sku"].as_str().unwrap_or("").to_string(), item["id"].as_str().unwrap_or("").to_string());
                let levels = &item["inventoryLevels"];
                out.levels.extend(
                    levels["nodes"].as_array().into_iter().flatten().filter_map(|n| Level::from_node(&sku, &id, n)),
                );
                if levels["pageInfo"]["hasNextPage"].as_bool() == Some(true) {
                    out.levels.extend(more_levels(client, &sku, &id, levels["pageInfo"]["endCursor"].clone()).await?);
                }
                out.items.push((sku, id));
            }
            if page["pageInfo"]["hasNextPage"].as_bool() != Some(true) {
                break;
            }
            after = page["pageInfo"]["endCursor"].clone();
        }
    }
    Ok(out)
}
