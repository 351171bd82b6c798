-- The catalog flow's bulk loads under way (`StateTable::CatalogBulk`): which ERP product each
-- line of a started bulk mutation is, and the operation's id, so a crash never starts it twice.
CREATE TABLE weft_state_catalog_bulk (key text COLLATE "C" PRIMARY KEY, value bytea NOT NULL);
