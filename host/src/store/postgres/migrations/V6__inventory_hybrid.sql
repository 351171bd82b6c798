-- Hybrid inventory flows (`StateTable::InventoryHybrid`): per level the Shopify value weft
-- accounts for, the adjustments not yet booked in the ERP and weft's own writes under way, so
-- a restart neither loses a Shopify sale nor feeds weft's own write back as one.
CREATE TABLE weft_state_inventory_hybrid (key text COLLATE "C" PRIMARY KEY, value bytea NOT NULL);
