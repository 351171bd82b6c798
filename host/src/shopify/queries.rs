//! The GraphQL operations the client sends, from `.graphql` files under `queries/` (one
//! operation per file, unless operations share a fragment), compiled in. A test validates each
//! against the real Admin schema.

/// A named GraphQL document.
#[derive(Clone, Copy, Debug)]
pub struct Operation {
    /// The operation name inside the document.
    pub name: &'static str,
    /// The document text.
    pub document: &'static str,
    /// The file it comes from, under `host/src/shopify/queries/`.
    pub file: &'static str,
}

macro_rules! operation {
    ($const:ident, $name:literal, $file:literal) => {
        #[doc = concat!("`", $name, "` from `queries/", $file, "`.")]
        pub const $const: Operation =
            Operation { name: $name, document: include_str!(concat!("queries/", $file)), file: $file };
    };
}

operation!(INVENTORY_SET_QUANTITIES, "InventorySetQuantities", "inventory_set_quantities.graphql");
operation!(INVENTORY_LEVELS_BY_SKU, "InventoryLevelsBySku", "inventory_levels_by_sku.graphql");
operation!(INVENTORY_LEVEL, "InventoryLevel", "inventory_level.graphql");
operation!(INVENTORY_ITEM_LEVELS, "InventoryItemLevels", "inventory_levels_by_sku.graphql");
operation!(PRODUCT_SET, "ProductSet", "product_set.graphql");
operation!(PRODUCT_VARIANTS, "ProductVariants", "product_by_identifier.graphql");
operation!(ORDER_BY_SOURCE_IDENTIFIER, "OrderBySourceIdentifier", "order_by_source_identifier.graphql");
operation!(ORDER_CREATE, "OrderCreate", "order_create.graphql");
operation!(ORDER_UPDATE, "OrderUpdate", "order_update.graphql");
operation!(BULK_OPERATION_RUN_QUERY, "BulkOperationRunQuery", "bulk_operation_run_query.graphql");
operation!(BULK_OPERATION, "BulkOperation", "bulk_operation.graphql");
operation!(STAGED_UPLOADS_CREATE, "StagedUploadsCreate", "staged_uploads_create.graphql");
operation!(BULK_OPERATION_RUN_MUTATION, "BulkOperationRunMutation", "bulk_operation_run_mutation.graphql");
operation!(CURRENT_BULK_MUTATION, "CurrentBulkMutation", "current_bulk_mutation.graphql");
operation!(WEBHOOK_SUBSCRIPTION_CREATE, "WebhookSubscriptionCreate", "webhook_subscription_create.graphql");
operation!(WEBHOOK_SUBSCRIPTIONS, "WebhookSubscriptions", "webhook_subscriptions.graphql");
operation!(WEBHOOK_SUBSCRIPTION_UPDATE, "WebhookSubscriptionUpdate", "webhook_subscription_update.graphql");
operation!(WEBHOOK_SUBSCRIPTION_DELETE, "WebhookSubscriptionDelete", "webhook_subscription_delete.graphql");
operation!(ORDERS_SINCE, "OrdersSince", "orders_since.graphql");
operation!(ORDER_DETAIL, "OrderDetail", "order_detail.graphql");
operation!(ORDER_LINES, "OrderLines", "order_detail.graphql");
operation!(VARIANTS_BY_SKU, "VariantsBySku", "variants_by_sku.graphql");
operation!(ORDER_FOR_FULFILLMENT, "OrderForFulfillment", "order_for_fulfillment.graphql");
operation!(FULFILLMENT_CREATE, "FulfillmentCreate", "fulfillment_create.graphql");
operation!(
    FULFILLMENT_TRACKING_INFO_UPDATE,
    "FulfillmentTrackingInfoUpdate",
    "fulfillment_tracking_info_update.graphql"
);
operation!(CUSTOMER_SET, "CustomerSet", "customer_set.graphql");
operation!(METAFIELDS_SET, "MetafieldsSet", "metafields_set.graphql");
operation!(METAFIELDS_DELETE, "MetafieldsDelete", "metafields_set.graphql");
operation!(METAFIELD_DEFINITIONS, "MetafieldDefinitions", "metafield_definitions.graphql");
operation!(METAFIELD_DEFINITION_CREATE, "MetafieldDefinitionCreate", "metafield_definitions.graphql");
operation!(PRODUCT_BY_IDENTIFIER, "ProductByIdentifier", "product_by_identifier.graphql");
operation!(PRODUCT_MATCH, "ProductMatch", "product_match.graphql");
operation!(INVENTORY_ACTIVATE, "InventoryActivate", "inventory_activate.graphql");
operation!(
    INVENTORY_BULK_TOGGLE_ACTIVATION,
    "InventoryBulkToggleActivation",
    "inventory_bulk_toggle_activation.graphql"
);
operation!(VARIANT_PRICES_BY_SKU, "VariantPricesBySku", "variant_prices_by_sku.graphql");
operation!(PRODUCT_VARIANTS_BULK_UPDATE, "ProductVariantsBulkUpdate", "product_variants_bulk_update.graphql");
operation!(SHOP_NAME, "ShopName", "shop_name.graphql");
operation!(SHOP_INFO, "ShopInfo", "shop_info.graphql");
operation!(APP_SCOPES, "AppScopes", "app_scopes.graphql");
operation!(LOCATIONS, "Locations", "locations.graphql");
operation!(PRICE_LIST_TARGETS, "PriceListTargets", "price_list_targets.graphql");
operation!(PRICE_LIST_PRICES, "PriceListPrices", "price_list_prices.graphql");
operation!(PRICE_LIST_QUANTITY_RULES, "PriceListQuantityRules", "price_list_prices.graphql");
operation!(PRICE_LIST_CURRENCY, "PriceListCurrency", "price_list_prices.graphql");
operation!(PRICE_LIST_FIXED_PRICES_ADD, "PriceListFixedPricesAdd", "price_list_fixed_prices.graphql");
operation!(PRICE_LIST_FIXED_PRICES_UPDATE, "PriceListFixedPricesUpdate", "price_list_fixed_prices.graphql");
operation!(PRICE_LIST_FIXED_PRICES_DELETE, "PriceListFixedPricesDelete", "price_list_fixed_prices.graphql");
operation!(QUANTITY_PRICING_BY_VARIANT_UPDATE, "QuantityPricingByVariantUpdate", "price_list_fixed_prices.graphql");

operation!(FILE_DELETE, "FileDelete", "file_delete.graphql");
operation!(PRODUCT_MEDIA, "ProductMedia", "product_media.graphql");
operation!(COLLECTION_BY_HANDLE, "CollectionByHandle", "collection_by_handle.graphql");
operation!(COLLECTION_CREATE, "CollectionCreate", "collection_create.graphql");
operation!(COLLECTION_ADD_PRODUCTS, "CollectionAddProducts", "collection_add_products.graphql");
operation!(COLLECTION_REMOVE_PRODUCTS, "CollectionRemoveProducts", "collection_remove_products.graphql");

/// Every operation the client ships.
pub const ALL: &[Operation] = &[
    INVENTORY_SET_QUANTITIES,
    INVENTORY_LEVELS_BY_SKU,
    INVENTORY_LEVEL,
    INVENTORY_ITEM_LEVELS,
    PRODUCT_SET,
    PRODUCT_VARIANTS,
    ORDER_BY_SOURCE_IDENTIFIER,
    ORDER_CREATE,
    ORDER_UPDATE,
    BULK_OPERATION_RUN_QUERY,
    BULK_OPERATION,
    STAGED_UPLOADS_CREATE,
    BULK_OPERATION_RUN_MUTATION,
    CURRENT_BULK_MUTATION,
    WEBHOOK_SUBSCRIPTION_CREATE,
    WEBHOOK_SUBSCRIPTIONS,
    WEBHOOK_SUBSCRIPTION_UPDATE,
    WEBHOOK_SUBSCRIPTION_DELETE,
    ORDERS_SINCE,
    ORDER_DETAIL,
    ORDER_LINES,
    VARIANTS_BY_SKU,
    ORDER_FOR_FULFILLMENT,
    FULFILLMENT_CREATE,
    FULFILLMENT_TRACKING_INFO_UPDATE,
    CUSTOMER_SET,
    METAFIELDS_SET,
    METAFIELDS_DELETE,
    METAFIELD_DEFINITIONS,
    METAFIELD_DEFINITION_CREATE,
    PRODUCT_BY_IDENTIFIER,
    PRODUCT_MATCH,
    INVENTORY_ACTIVATE,
    INVENTORY_BULK_TOGGLE_ACTIVATION,
    VARIANT_PRICES_BY_SKU,
    PRODUCT_VARIANTS_BULK_UPDATE,
    SHOP_NAME,
    SHOP_INFO,
    APP_SCOPES,
    LOCATIONS,
    PRICE_LIST_TARGETS,
    PRICE_LIST_PRICES,
    PRICE_LIST_QUANTITY_RULES,
    PRICE_LIST_CURRENCY,
    PRICE_LIST_FIXED_PRICES_ADD,
    PRICE_LIST_FIXED_PRICES_UPDATE,
    PRICE_LIST_FIXED_PRICES_DELETE,
    QUANTITY_PRICING_BY_VARIANT_UPDATE,
    PRODUCT_MEDIA,
    FILE_DELETE,
    COLLECTION_BY_HANDLE,
    COLLECTION_CREATE,
    COLLECTION_ADD_PRODUCTS,
    COLLECTION_REMOVE_PRODUCTS,
];
