//! Metafields: the shop's definitions (read once per owner type and kept by the client, so each
//! managed key is written as the type the shop defines), creating a missing definition, and
//! `metafieldsSet` (at most [`MAX_SET`] values a call, all or nothing), and `metafieldsDelete`.

use super::client::ShopifyClient;
use super::error::RecordError;
use super::queries;
use super::throttle::Priority;
use super::ShopifyError;
use serde_json::{json, Value as Json};
use std::collections::{BTreeMap, BTreeSet};

/// Most values one `metafieldsSet` takes.
pub const MAX_SET: usize = 25;

/// The shop's metafield definitions weft has read: the type of each (owner type, namespace, key).
#[derive(Debug, Default)]
pub struct Definitions {
    read: BTreeSet<String>,
    types: BTreeMap<(String, String, String), String>,
}

impl Definitions {
    /// The type the shop defines for `namespace.key` on `owner_type` (`PRODUCT`...), if any.
    pub fn type_of(&self, owner_type: &str, namespace: &str, key: &str) -> Option<&str> {
        self.types.get(&(owner_type.to_owned(), namespace.to_owned(), key.to_owned())).map(String::as_str)
    }

    /// Read the definitions of `owner_type` unless read before.
    pub async fn read(&mut self, client: &ShopifyClient, owner_type: &str) -> Result<(), ShopifyError> {
        if self.read.contains(owner_type) {
            return Ok(());
        }
        let mut after = Json::Null;
        loop {
            let vars = json!({"ownerType": owner_type, "after": after});
            let response = client.execute(&queries::METAFIELD_DEFINITIONS, vars, Priority::Catalog).await?;
            let page = &response.data["metafieldDefinitions"];
            for d in page["nodes"].as_array().into_iter().flatten() {
                self.insert(owner_type, d);
            }
            if page["pageInfo"]["hasNextPage"] != json!(true) {
                break;
            }
            after = page["pageInfo"]["endCursor"].clone();
        }
        self.read.insert(owner_type.to_owned());
        Ok(())
    }

    /// Create the definition of `namespace.key` as `type_name` on `owner_type`; a refusal is the
    /// `Err(Ok(...))` Shopify gave.
    pub async fn create(
        &mut self,
        client: &ShopifyClient,
        owner_type: &str,
        namespace: &str,
        key: &str,
        type_name: &str,
    ) -> Result<Result<(), RecordError>, ShopifyError> {
        let definition = json!({"ownerType": owner_type, "namespace": namespace, "key": key, "type": type_name,
                                "name": format!("{namespace}.{key}")});
        let response = client
            .execute(&queries::METAFIELD_DEFINITION_CREATE, json!({"definition": definition}), Priority::Catalog)
            .await?;
        let payload = &response.data["metafieldDefinitionCreate"];
        if let Some(e) = RecordError::list(&payload["userErrors"]).into_iter().next() {
            return Ok(Err(e));
        }
        self.insert(owner_type, &payload["createdDefinition"]);
        Ok(Ok(()))
    }

    fn insert(&mut self, owner_type: &str, d: &Json) {
        if let (Some(ns), Some(key), Some(t)) = (d["namespace"].as_str(), d["key"].as_str(), d["type"]["name"].as_str())
        {
            self.types.insert((owner_type.to_owned(), ns.to_owned(), key.to_owned()), t.to_owned());
        }
    }
}

/// One value to set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetafieldInput {
    /// The owner's GID.
    pub owner_id: String,
    pub namespace: String,
    pub key: String,
    /// Shopify's type name.
    pub type_name: String,
    pub value: String,
}

/// One refused value of a `metafieldsSet` call.
#[derive(Debug, Clone)]
pub struct Refused {
    /// The index of the input refused (none: Shopify refused the call as a whole).
    pub index: Option<usize>,
    /// Why.
    pub error: RecordError,
}

/// Set `inputs` (at most [`MAX_SET`]) in one call: nothing is set when Shopify refuses any
/// (the refusals are returned).
pub async fn set(client: &ShopifyClient, inputs: &[MetafieldInput]) -> Result<Vec<Refused>, ShopifyError> {
    let list: Vec<Json> = inputs
        .iter()
        .map(|m| json!({"ownerId": m.owner_id, "namespace": m.namespace, "key": m.key, "type": m.type_name, "value": m.value}))
        .collect();
    let response = client.execute(&queries::METAFIELDS_SET, json!({"metafields": list}), Priority::Catalog).await?;
    Ok(RecordError::list(&response.data["metafieldsSet"]["userErrors"])
        .into_iter()
        .map(|error| Refused { index: error.index_in("metafields").filter(|i| *i < inputs.len()), error })
        .collect())
}

/// One value to remove: the owner's GID, namespace and key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetafieldId {
    pub owner_id: String,
    pub namespace: String,
    pub key: String,
}

/// Delete `ids` (at most [`MAX_SET`]) in one call; one already gone counts as deleted. The
/// refusals, if any.
pub async fn delete(client: &ShopifyClient, ids: &[MetafieldId]) -> Result<Vec<RecordError>, ShopifyError> {
    let list: Vec<Json> =
        ids.iter().map(|m| json!({"ownerId": m.owner_id, "namespace": m.namespace, "key": m.key})).collect();
    let response = client.execute(&queries::METAFIELDS_DELETE, json!({"metafields": list}), Priority::Catalog).await?;
    Ok(RecordError::list(&response.data["metafieldsDelete"]["userErrors"]))
}
