//! Manual collections: find one by handle, create one, put products in and take them out.

use super::client::ShopifyClient;
use super::error::{RecordError, ShopifyError, WriteError};
use super::queries;
use super::throttle::Priority;
use serde_json::{json, Value as Json};

/// A collection the shop has.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CollectionRef {
    /// Its gid.
    pub id: String,
    /// Whether it is a smart collection (its products follow rules; never written by weft).
    pub smart: bool,
}

/// The collection under `handle`, if any.
pub async fn collection_by_handle(client: &ShopifyClient, handle: &str) -> Result<Option<CollectionRef>, ShopifyError> {
    let vars = json!({"handle": handle});
    let data = client.execute(&queries::COLLECTION_BY_HANDLE, vars, Priority::Catalog).await?.data;
    let found = &data["collectionByIdentifier"];
    Ok(found["id"].as_str().map(|id| CollectionRef { id: id.to_owned(), smart: !found["ruleSet"].is_null() }))
}

/// Create a manual collection titled `title` under `handle`; its gid.
pub async fn create_collection(client: &ShopifyClient, title: &str, handle: &str) -> Result<String, WriteError> {
    let vars = json!({"input": {"title": title, "handle": handle}});
    let data = client.execute(&queries::COLLECTION_CREATE, vars, Priority::Catalog).await?.data;
    let payload = refused(&data["collectionCreate"])?;
    payload["collection"]["id"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| ShopifyError::Decode("collectionCreate returned no collection".into()).into())
}

/// Put `products` in (`add`) or take them out of the manual collection `id`.
pub async fn change_products(
    client: &ShopifyClient,
    id: &str,
    products: &[String],
    add: bool,
) -> Result<(), WriteError> {
    let vars = json!({"id": id, "productIds": products});
    let (operation, field) = if add {
        (&queries::COLLECTION_ADD_PRODUCTS, "collectionAddProducts")
    } else {
        (&queries::COLLECTION_REMOVE_PRODUCTS, "collectionRemoveProducts")
    };
    let data = client.execute(operation, vars, Priority::Catalog).await?.data;
    refused(&data[field]).map(|_| ())
}

/// `payload`, or its first user error.
fn refused(payload: &Json) -> Result<&Json, WriteError> {
    match RecordError::list(&payload["userErrors"]).into_iter().next() {
        Some(e) => Err(e.into()),
        None => Ok(payload),
    }
}
