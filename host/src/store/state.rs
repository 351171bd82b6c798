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
}

impl StateTable {
    /// Every table.
    pub const ALL: [StateTable; 4] = [
        StateTable::InventoryLevels,
        StateTable::CatalogHashes,
        StateTable::PriceOverrides,
        StateTable::IdentityConflicts,
    ];

    /// The table's name in the database.
    pub fn name(self) -> &'static str {
        match self {
            StateTable::InventoryLevels => "state_inventory_levels",
            StateTable::CatalogHashes => "state_catalog_hashes",
            StateTable::PriceOverrides => "state_price_overrides",
            StateTable::IdentityConflicts => "state_identity_conflicts",
        }
    }

    /// The plugin-kv namespace schema version 1 kept this state under (moved on upgrade).
    pub fn legacy_kv_namespace(self) -> &'static str {
        match self {
            StateTable::InventoryLevels => "weft:inventory",
            StateTable::CatalogHashes => "weft:catalog",
            StateTable::PriceOverrides => "weft:prices",
            // Added after version 1: nothing to move.
            StateTable::IdentityConflicts => "weft:identity",
        }
    }
}
