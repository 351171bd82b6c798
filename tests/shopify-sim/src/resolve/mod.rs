//! Field resolution over the store, on top of apollo-compiler's executor.
//!
//! Every GraphQL object is a [`Node`]: a type name, its plain fields as JSON, and an optional
//! link to a store record ([`Rel`]) whose relational or argument-taking fields (connections,
//! `quantities(names:)`, ...) are resolved by the module of that object family.

pub mod bulk;
pub mod bulk_mutation;
pub mod catalog;
pub mod checkout;
pub mod collections;
pub mod connection;
pub mod customers;
pub mod files;
pub mod fulfillments;
pub mod inventory;
pub mod inventory_write;
pub mod media;
pub mod metafield_types;
pub mod metafields;
pub mod mutation;
pub mod order_build;
pub mod order_edits;
pub mod order_parts;
pub mod order_payload;
pub mod order_write;
pub mod orders;
pub mod pricing;
pub mod pricing_write;
pub mod product_write;
pub mod products;
pub mod query;
pub mod refunds;
pub mod returns;
pub mod shop;
pub mod staged_uploads;
pub mod subscriptions;

use crate::store::Store;
use apollo_compiler::resolvers::{FieldError, ObjectValue, ResolveInfo, ResolvedValue};
use apollo_compiler::response::JsonValue;
use apollo_compiler::validation::Valid;
use apollo_compiler::Schema;
use serde_json::{Map, Value as Json};
use std::cell::{RefCell, RefMut};

/// Per-request execution context.
pub struct Ctx<'s> {
    store: RefCell<Store>,
    /// The shared Admin schema (bulk queries validate their inner document with it).
    pub schema: &'s Valid<Schema>,
    /// The request's raw variables (directive arguments are read from them).
    pub variables: &'s Map<String, Json>,
    /// `http://host:port` of this simulator, for URLs it hands out.
    pub base_url: &'s str,
    /// The simulator's configuration (shop domain, currency, granted scopes).
    pub config: &'s crate::SimConfig,
    /// The `{version}` of the request path.
    pub api_version: &'s str,
    /// True while running a bulk query: connections then return every item.
    pub bulk: bool,
    /// Root mutation fields that wrote something (for the writes-per-mutation counter).
    pub writes: RefCell<Vec<String>>,
    /// Top-level errors with Shopify codes raised by resolvers (GraphQL error JSON).
    pub errors: RefCell<Vec<Json>>,
    /// Bulk operations created by this request, to be started after it.
    pub bulk_started: RefCell<Vec<u64>>,
    /// `extensions` for field errors a resolver returned, by error message (see [`Ctx::coded_error`]).
    pub error_extensions: RefCell<Vec<(String, Json)>>,
}

impl<'s> Ctx<'s> {
    /// A context owning `store` for the request (take it back with [`Ctx::into_store`]).
    pub fn new(
        store: Store,
        schema: &'s Valid<Schema>,
        variables: &'s Map<String, Json>,
        base_url: &'s str,
        config: &'s crate::SimConfig,
        api_version: &'s str,
        bulk: bool,
    ) -> Self {
        Ctx {
            store: RefCell::new(store),
            schema,
            variables,
            base_url,
            config,
            api_version,
            bulk,
            writes: RefCell::new(Vec::new()),
            errors: RefCell::new(Vec::new()),
            bulk_started: RefCell::new(Vec::new()),
            error_extensions: RefCell::new(Vec::new()),
        }
    }

    /// A field error whose GraphQL error carries `extensions` (e.g. `ACCESS_DENIED`); the field
    /// becomes null and nullness propagates as the schema demands.
    pub fn coded_error(&self, message: String, extensions: Json) -> FieldError {
        self.error_extensions.borrow_mut().push((message.clone(), extensions));
        FieldError { message }
    }

    /// Records a top-level error with a Shopify `code` for the root field `field`.
    pub fn fail(&self, field: &str, message: &str, code: &str) {
        self.errors
            .borrow_mut()
            .push(serde_json::json!({"message": message, "path": [field], "extensions": {"code": code}}));
    }

    /// Borrows the store (never held across nested resolution).
    pub fn store(&self) -> RefMut<'_, Store> {
        self.store.borrow_mut()
    }

    /// Gives the store back after execution.
    pub fn into_store(self) -> Store {
        self.store.into_inner()
    }
}

/// A store record a node stands for, whose fields need the store or arguments.
#[derive(Clone, Copy, Debug)]
pub enum Rel {
    None,
    Product(u64),
    Variant(u64),
    InventoryItem(u64),
    /// (inventory item id, location id)
    InventoryLevel(u64, u64),
    Location(u64),
    AdjustmentGroup(u64),
    PriceList(u64),
}

/// One GraphQL object value.
pub struct Node<'c> {
    pub ctx: &'c Ctx<'c>,
    pub ty: String,
    pub fields: Map<String, Json>,
    pub rel: Rel,
}

impl<'c> Node<'c> {
    /// A node of type `ty` with plain `fields`.
    pub fn new(ctx: &'c Ctx<'c>, ty: &str, fields: Json, rel: Rel) -> Self {
        let fields = match fields {
            Json::Object(map) => map,
            _ => Map::new(),
        };
        Node { ctx, ty: ty.to_string(), fields, rel }
    }
}

/// Result of a field resolver.
pub type Resolved<'a> = Result<ResolvedValue<'a>, FieldError>;

/// A field error with `message`.
pub fn field_error(message: impl Into<String>) -> FieldError {
    FieldError { message: message.into() }
}

/// Converts plain JSON into an executor leaf value.
pub fn leaf(value: Json) -> JsonValue {
    serde_json::from_value(value).unwrap_or(JsonValue::Null)
}

/// The resolver's arguments as plain JSON.
pub fn args(info: &ResolveInfo<'_>) -> Map<String, Json> {
    match serde_json::to_value(info.arguments()) {
        Ok(Json::Object(map)) => map,
        _ => Map::new(),
    }
}

/// Converts plain JSON into a resolved value: objects become nodes typed by their
/// `__typename` or by the field's declared type (`JSON` values stay leaves).
pub fn json_value<'a>(ctx: &'a Ctx<'a>, declared: &str, value: &Json) -> ResolvedValue<'a> {
    // A `JSON` scalar is a leaf whatever its shape (objects and arrays included).
    if declared == "JSON" {
        return ResolvedValue::leaf(leaf(value.clone()));
    }
    match value {
        Json::Array(items) => {
            let declared = declared.to_string();
            let items = items.clone();
            ResolvedValue::List(Box::new(items.into_iter().map(move |i| Ok(json_value(ctx, &declared, &i)))))
        }
        Json::Object(map) => match object_node(ctx, declared, map) {
            Some(node) => ResolvedValue::object(node),
            None => ResolvedValue::null(),
        },
        other => ResolvedValue::leaf(leaf(other.clone())),
    }
}

/// The node for a JSON object: a store record by reference (None if it is gone), or plain
/// fields typed by their `__typename` or the declared type.
pub fn object_node<'a>(ctx: &'a Ctx<'a>, declared: &str, map: &Map<String, Json>) -> Option<Node<'a>> {
    if map.contains_key("__rel") {
        return related_node(ctx, map);
    }
    let ty = map.get("__typename").and_then(Json::as_str).unwrap_or(declared).to_string();
    Some(Node { ctx, ty, fields: map.clone(), rel: Rel::None })
}

/// A reference to a store record inside plain JSON (payloads, replayed results):
/// resolved from the store's current state when the field is read.
pub fn rel(kind: &str, id: u64) -> Json {
    serde_json::json!({"__rel": kind, "__id": id})
}

/// Like [`rel`] for an inventory level.
pub fn rel_level(item_id: u64, location_id: u64) -> Json {
    serde_json::json!({"__rel": "InventoryLevel", "__id": item_id, "__id2": location_id})
}

fn related_node<'a>(ctx: &'a Ctx<'a>, map: &Map<String, Json>) -> Option<Node<'a>> {
    let id = map.get("__id").and_then(Json::as_u64)?;
    let store = ctx.store();
    match map.get("__rel").and_then(Json::as_str)? {
        "Product" => store.products.get(&id).map(|p| products::product_node(ctx, &store, p)),
        "ProductVariant" => store.variants.get(&id).map(|v| products::variant_node(ctx, &store, v)),
        "InventoryItem" => store.inventory_items.get(&id).map(|i| inventory::item_node(ctx, &store, i)),
        "InventoryLevel" => {
            let loc = map.get("__id2").and_then(Json::as_u64)?;
            store.levels.get(&(id, loc)).map(|l| inventory::level_node(ctx, l))
        }
        "Location" => store.locations.get(&id).map(|l| inventory::location_node(ctx, l)),
        "InventoryAdjustmentGroup" => store.adjustment_groups.get(&id).map(|g| inventory::group_node(ctx, g)),
        "Order" => store.orders.get(&id).map(|o| orders::order_node(ctx, &store, o)),
        "Customer" => store.customers.get(&id).map(|c| customers::customer_node(ctx, &store, c)),
        "WebhookSubscription" => store.subscriptions.get(&id).map(|s| subscriptions::subscription_node(ctx, s)),
        "BulkOperation" => store.bulk_operations.get(&id).map(|b| bulk::operation_node(ctx, b)),
        "Fulfillment" => orders::fulfillment_node(ctx, &store, id),
        "FulfillmentOrder" => orders::fulfillment_order_node(ctx, &store, id),
        "Refund" => refunds::refund_node(ctx, &store, id),
        "Return" => returns::return_node(ctx, &store, id),
        "CalculatedOrder" => order_edits::calculated_node(ctx, &store, id, None),
        "CalculatedLineItem" => order_edits::calculated_node(ctx, &store, id, map.get("__id2").and_then(Json::as_u64)),
        other => catalog::related(ctx, &store, other, id).or_else(|| pricing::related_node(ctx, &store, other, id)),
    }
}

impl ObjectValue for Node<'_> {
    fn type_name(&self) -> &str {
        &self.ty
    }

    fn resolve_field<'a>(&'a self, info: &'a ResolveInfo<'a>) -> Resolved<'a> {
        let related = match self.rel {
            Rel::None => None,
            Rel::Product(id) => products::product_field(self.ctx, id, info)?,
            Rel::Variant(id) => products::variant_field(self.ctx, id, info)?,
            Rel::InventoryItem(id) => inventory::item_field(self.ctx, id, info)?,
            Rel::InventoryLevel(item, loc) => inventory::level_field(self.ctx, item, loc, info)?,
            Rel::Location(id) => inventory::location_field(self.ctx, id, info)?,
            Rel::AdjustmentGroup(id) => inventory::group_field(self.ctx, id, info)?,
            Rel::PriceList(id) => pricing::price_list_field(self.ctx, id, info)?,
        };
        if let Some(value) = related {
            return Ok(value);
        }
        if let Some(value) = catalog::owner_field(self.ctx, &self.ty, &self.fields, info)? {
            return Ok(value);
        }
        let declared = info.field_definition().ty.inner_named_type().as_str();
        match self.fields.get(info.field_name()) {
            Some(Json::Object(map)) if map.contains_key(connection::NESTED) => {
                let nodes = map.get(connection::NESTED).and_then(Json::as_array).map_or(&[][..], Vec::as_slice);
                connection::paginate_nested(self.ctx, info, nodes)
            }
            Some(value) => Ok(json_value(self.ctx, declared, value)),
            None if info.field_definition().ty.is_non_null() => {
                Err(field_error(format!("shopify-sim does not implement {}.{}", self.ty, info.field_name())))
            }
            None => Ok(ResolvedValue::null()),
        }
    }
}

/// A `MoneyBag` in the shop currency.
pub fn money_bag(amount: &str, currency: &str) -> Json {
    let money = serde_json::json!({"amount": amount, "currencyCode": currency});
    serde_json::json!({"shopMoney": money, "presentmentMoney": money})
}

/// The `userErrors` list as JSON (`code` omitted for the generic `UserError` type).
pub fn user_errors(errors: &[crate::store::model::UserError]) -> Json {
    Json::Array(
        errors.iter().map(|e| serde_json::json!({"field": e.field, "message": e.message, "code": e.code})).collect(),
    )
}

/// Reads a `gid://shopify/{kind}/N` argument.
pub fn id_arg(args: &Map<String, Json>, name: &str, kind: &str) -> Option<u64> {
    args.get(name).and_then(Json::as_str).and_then(|s| crate::store::parse_gid(kind, s))
}
