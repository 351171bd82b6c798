//! Access scopes: the scope each implemented root field needs, the scopes the token holds, and
//! Shopify's `ACCESS_DENIED` error for a field the token may not use
//! (<https://shopify.dev/docs/api/usage/access-scopes>). A `write_` scope also grants its `read_`
//! scope, as in Shopify.

use crate::resolve::Ctx;
use apollo_compiler::resolvers::{FieldError, ResolveInfo};
use serde_json::{json, Map, Value as Json};

/// What the token holds unless configured otherwise: every scope an implemented operation needs.
pub const DEFAULT_SCOPES: &[&str] = &[
    "read_products",
    "write_products",
    "read_inventory",
    "write_inventory",
    "read_locations",
    "read_orders",
    "write_orders",
    "read_customers",
    "write_customers",
    "read_merchant_managed_fulfillment_orders",
    "write_merchant_managed_fulfillment_orders",
    "read_returns",
    "write_returns",
    "write_order_edits",
    "read_markets",
    "read_files",
    "write_files",
];

/// `AccessScope.description` of the scopes Shopify describes (others get a generic text).
const DESCRIPTIONS: &[(&str, &str)] = &[
    ("read_products", "Read products, variants, and collections"),
    ("write_products", "Modify products, variants, and collections"),
    ("read_inventory", "Read inventory"),
    ("write_inventory", "Modify inventory"),
    ("read_locations", "Read locations"),
    ("read_orders", "Read orders, transactions, and fulfillments"),
    ("write_orders", "Modify orders, transactions, and fulfillments"),
    ("read_customers", "Read customer details and customer groups"),
    ("write_customers", "Modify customer details and customer groups"),
    ("read_files", "Read files"),
    ("write_files", "Modify files"),
];

/// Root fields and the scope each needs (fields not listed need none).
const FIELD_SCOPES: &[(&str, &str)] = &[
    ("products", "read_products"),
    ("product", "read_products"),
    ("productByIdentifier", "read_products"),
    ("productVariants", "read_products"),
    ("productVariant", "read_products"),
    ("collections", "read_products"),
    ("collection", "read_products"),
    ("collectionByHandle", "read_products"),
    ("collectionByIdentifier", "read_products"),
    ("inventoryItems", "read_inventory"),
    ("inventoryItem", "read_inventory"),
    ("inventoryLevel", "read_inventory"),
    ("locations", "read_locations"),
    ("location", "read_locations"),
    ("orders", "read_orders"),
    ("order", "read_orders"),
    // Refund: "Requires `read_orders` access scope" (<https://shopify.dev/docs/api/admin-graphql/latest/objects/Refund>);
    // fulfillment(id:) takes `read_orders` among others (<https://shopify.dev/docs/api/admin-graphql/latest/queries/fulfillment>).
    ("refund", "read_orders"),
    ("fulfillment", "read_orders"),
    // Fulfillment orders at merchant-managed locations (every simulated location is one): the
    // `*_merchant_managed_fulfillment_orders` scopes (<https://shopify.dev/docs/api/admin-graphql/latest/objects/FulfillmentOrder#api-access-scopes>,
    // <https://shopify.dev/docs/api/admin-graphql/latest/mutations/fulfillmentCreate>).
    ("fulfillmentOrder", "read_merchant_managed_fulfillment_orders"),
    // "Requires `read_returns` access scope" (<https://shopify.dev/docs/api/admin-graphql/latest/queries/return>).
    ("return", "read_returns"),
    ("customers", "read_customers"),
    ("customer", "read_customers"),
    ("files", "read_files"),
    ("productSet", "write_products"),
    ("productVariantsBulkUpdate", "write_products"),
    ("productDelete", "write_products"),
    ("productCreateMedia", "write_products"),
    ("productDeleteMedia", "write_products"),
    ("productReorderMedia", "write_products"),
    ("productVariantAppendMedia", "write_products"),
    ("productVariantDetachMedia", "write_products"),
    ("collectionCreate", "write_products"),
    ("collectionUpdate", "write_products"),
    ("collectionDelete", "write_products"),
    ("collectionAddProducts", "write_products"),
    ("collectionRemoveProducts", "write_products"),
    ("inventorySetQuantities", "write_inventory"),
    ("inventoryAdjustQuantities", "write_inventory"),
    ("inventoryActivate", "write_inventory"),
    ("inventoryBulkToggleActivation", "write_inventory"),
    ("orderCreate", "write_orders"),
    ("orderCancel", "write_orders"),
    ("orderClose", "write_orders"),
    ("orderUpdate", "write_orders"),
    ("fulfillmentCreate", "write_merchant_managed_fulfillment_orders"),
    ("fulfillmentTrackingInfoUpdate", "write_merchant_managed_fulfillment_orders"),
    // refundCreate: "Requires `orders` access scope" (<https://shopify.dev/docs/api/admin-graphql/latest/mutations/refundCreate>).
    ("refundCreate", "write_orders"),
    // Returns: "Requires `write_returns` access scope" (<https://shopify.dev/docs/api/admin-graphql/latest/mutations/returnRequest>).
    ("returnCreate", "write_returns"),
    ("returnRequest", "write_returns"),
    ("returnApproveRequest", "write_returns"),
    ("returnDeclineRequest", "write_returns"),
    ("returnClose", "write_returns"),
    ("returnCancel", "write_returns"),
    // Order edits: "Your app has the `write_order_edits` access scope"
    // (<https://shopify.dev/docs/apps/build/orders-fulfillment/order-management-apps/edit-orders>).
    ("orderEditBegin", "write_order_edits"),
    ("orderEditAddVariant", "write_order_edits"),
    ("orderEditSetQuantity", "write_order_edits"),
    ("orderEditCommit", "write_order_edits"),
    ("customerSet", "write_customers"),
    ("customerCreate", "write_customers"),
    ("fileCreate", "write_files"),
    ("fileUpdate", "write_files"),
    ("fileDelete", "write_files"),
    // Price lists (<https://shopify.dev/docs/api/admin-graphql/latest/mutations/quantityPricingByVariantUpdate>: "Requires `write_products` access scope").
    ("priceList", "read_products"),
    ("priceLists", "read_products"),
    ("priceListCreate", "write_products"),
    ("priceListUpdate", "write_products"),
    ("priceListDelete", "write_products"),
    ("priceListFixedPricesAdd", "write_products"),
    ("priceListFixedPricesUpdate", "write_products"),
    ("priceListFixedPricesDelete", "write_products"),
    ("quantityPricingByVariantUpdate", "write_products"),
    // Catalogs: "Requires products or product_listings read access scope"
    // (<https://shopify.dev/docs/api/admin-graphql/latest/interfaces/Catalog>); catalogCreate "Requires
    // `write_products` access scope" (<https://shopify.dev/docs/api/admin-graphql/latest/mutations/catalogCreate>).
    ("catalog", "read_products"),
    ("catalogs", "read_products"),
    ("catalogCreate", "write_products"),
    // Markets: "Requires `read_markets` for queries" (<https://shopify.dev/docs/api/admin-graphql/latest/interfaces/MarketRegion>).
    ("market", "read_markets"),
    ("markets", "read_markets"),
    // B2B companies: "Requires `read_customers` access scope or `read_companies` access scope"
    // (<https://shopify.dev/docs/api/admin-graphql/latest/objects/CompanyContact>); the simulator asks for the first.
    ("company", "read_customers"),
    ("companyLocation", "read_customers"),
    ("companyLocations", "read_customers"),
];

/// The resource scope (`products`, `customers`, `orders`) behind a metafield owner type or gid kind.
fn owner_resource(owner: &str) -> Option<&'static str> {
    match owner {
        "PRODUCT" | "PRODUCTVARIANT" | "COLLECTION" | "Product" | "ProductVariant" | "Collection" => Some("products"),
        "CUSTOMER" | "Customer" => Some("customers"),
        "ORDER" | "Order" => Some("orders"),
        _ => None,
    }
}

/// The scopes root field `field` needs with arguments `args` (metafield operations depend on their owners).
fn required(field: &str, args: &Map<String, Json>) -> Vec<String> {
    let owner_kind = |id: &Json| {
        id.as_str().and_then(|s| s.strip_prefix("gid://shopify/")).and_then(|s| s.split('/').next()).map(str::to_string)
    };
    let by_owner = |access: &str, owners: Vec<String>| -> Vec<String> {
        owners.iter().filter_map(|o| owner_resource(o)).map(|r| format!("{access}_{r}")).collect()
    };
    match field {
        "metafieldsSet" | "metafieldsDelete" => {
            let owners = args
                .get("metafields")
                .and_then(Json::as_array)
                .into_iter()
                .flatten()
                .filter_map(|m| m.get("ownerId").and_then(owner_kind))
                .collect();
            by_owner("write", owners)
        }
        "metafieldDefinitionCreate" => by_owner(
            "write",
            args.get("definition")
                .and_then(|d| d.get("ownerType"))
                .and_then(Json::as_str)
                .map(str::to_string)
                .into_iter()
                .collect(),
        ),
        "metafieldDefinitions" => {
            by_owner("read", args.get("ownerType").and_then(Json::as_str).map(str::to_string).into_iter().collect())
        }
        "metafieldDefinition" => by_owner(
            "read",
            args.get("identifier")
                .and_then(|i| i.get("ownerType"))
                .and_then(Json::as_str)
                .map(str::to_string)
                .into_iter()
                .collect(),
        ),
        _ => FIELD_SCOPES.iter().filter(|(f, _)| *f == field).map(|(_, s)| s.to_string()).collect(),
    }
}

/// The scopes the token holds now (a seed or the control API may have replaced the configured ones).
pub fn granted(ctx: &Ctx<'_>) -> Vec<String> {
    ctx.store().access_scopes.clone().unwrap_or_else(|| ctx.config.access_scopes.clone())
}

/// True when `granted` covers `needed` (a `write_` scope covers its `read_` scope).
pub fn allows(granted: &[String], needed: &str) -> bool {
    granted.iter().any(|g| g == needed)
        || needed.strip_prefix("read_").is_some_and(|r| granted.iter().any(|g| *g == format!("write_{r}")))
}

/// Refuses a root field the token lacks a scope for, with Shopify's `ACCESS_DENIED` error.
pub fn check(ctx: &Ctx<'_>, info: &ResolveInfo<'_>, args: &Map<String, Json>) -> Result<(), FieldError> {
    let granted = granted(ctx);
    let Some(missing) = required(info.field_name(), args).into_iter().find(|s| !allows(&granted, s)) else {
        return Ok(());
    };
    let access = format!("`{missing}` access scope.");
    let extensions = json!({"code": "ACCESS_DENIED", "documentation": "https://shopify.dev/api/usage/access-scopes", "requiredAccess": access});
    Err(ctx
        .coded_error(format!("Access denied for {} field. Required access: {access}", info.field_name()), extensions))
}

/// `currentAppInstallation`: this app's installation with the token's access scopes.
pub fn app_installation(ctx: &Ctx<'_>) -> Json {
    let scopes: Vec<Json> = granted(ctx)
        .iter()
        .map(|h| {
            let description =
                DESCRIPTIONS.iter().find(|(d, _)| d == h).map_or("Access granted to the app", |(_, d)| *d);
            json!({"handle": h, "description": description})
        })
        .collect();
    json!({
        "id": crate::store::gid("AppInstallation", 1), "accessScopes": scopes, "activeSubscriptions": [],
        "launchUrl": format!("https://{}/admin/apps/weft", ctx.config.shop_domain), "uninstallUrl": null,
        "app": {"id": crate::store::gid("App", 1), "title": "weft", "handle": "weft", "apiKey": "weft-simulator-app", "developerName": "weft"},
    })
}
