//! The host's own state of its flows, kept in tables of its own (never in a plugin's kv).

/// A table of flow state. Keys are chosen by the flow that owns the table; values are its JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StateTable {
    /// Inventory: the last push of each level, keyed `sku \x1f flow \x1f Shopify location`.
    InventoryLevels,
    /// Catalog: the hash of the last input sent per product, keyed `flow \x1f ERP product id`.
    CatalogHashes,
    /// Prices: the SKUs priced by a channel's price list, keyed `flow \x1f sku`.
    PriceOverrides,
    /// Identity: variant keys claimed by more than one ERP product (key → the products), and
    /// the way back (`\x1f product \x1f key`).
    IdentityConflicts,
    /// Shop orders: the flow's start (`flow \x1f start`) and each order's line quantities as
    /// first read (`flow \x1f lines \x1f order GID`), which its edits are told against.
    Orders,
    /// Catalog: the shop's catalog as onboarding read it (which products carry each variant
    /// key, which handles are taken) and the onboarding report, keyed `flow \x1f ...`.
    ShopCatalog,
    /// Writes waiting for a person: idempotency key → the job dead-lettered `needs_person` for it
    /// (`id \x1f key`); see `flow::engine::parked`.
    Parked,
    /// Catalog: the bulk mutation a flow started and has not read back (`flow` → its lines' ERP
    /// products and its id once known), results read back after a crash waiting for their
    /// records (`flow \x1f made \x1f ERP product id`), and `flow \x1f load` while a bulk load
    /// is under way.
    CatalogBulk,
    /// Hybrid inventory: per level (`flow \x1f sku \x1f Shopify location`) the Shopify value
    /// weft accounts for, the adjustments not yet booked in the ERP and weft's own write under
    /// way; the write batches under way (`flow \x1f batch \x1f key`). See
    /// `flow::inventory::hybrid`.
    InventoryHybrid,
    /// Metafields: the digest of each managed value last written, keyed `flow \x1f ERP record
    /// id \x1f variant key (empty for the record itself) \x1f namespace.key`.
    Metafields,
}

impl StateTable {
    /// Every table.
    pub const ALL: [StateTable; 10] = [
        StateTable::InventoryLevels,
        StateTable::CatalogHashes,
        StateTable::PriceOverrides,
        StateTable::IdentityConflicts,
        StateTable::Orders,
        StateTable::ShopCatalog,
        StateTable::Parked,
        StateTable::CatalogBulk,
        StateTable::InventoryHybrid,
        StateTable::Metafields,
    ];

    /// The table's name in the database.
    pub fn name(self) -> &'static str {
        match self {
            StateTable::InventoryLevels => "state_inventory_levels",
            StateTable::CatalogHashes => "state_catalog_hashes",
            StateTable::PriceOverrides => "state_price_overrides",
            StateTable::IdentityConflicts => "state_identity_conflicts",
            StateTable::Orders => "state_orders",
            StateTable::ShopCatalog => "state_shop_catalog",
            StateTable::Parked => "state_parked",
            StateTable::CatalogBulk => "state_catalog_bulk",
            StateTable::InventoryHybrid => "state_inventory_hybrid",
            StateTable::Metafields => "state_metafields",
        }
    }

    /// The plugin-kv namespace schema version 1 kept this state under (moved on upgrade); none
    /// for tables that came later.
    pub fn legacy_kv_namespace(self) -> Option<&'static str> {
        match self {
            StateTable::InventoryLevels => Some("weft:inventory"),
            StateTable::CatalogHashes => Some("weft:catalog"),
            StateTable::PriceOverrides => Some("weft:prices"),
            StateTable::IdentityConflicts
            | StateTable::Orders
            | StateTable::ShopCatalog
            | StateTable::Parked
            | StateTable::CatalogBulk
            | StateTable::InventoryHybrid
            | StateTable::Metafields => None,
        }
    }
}
