-- Managed metafields (`StateTable::Metafields`): the digest of each value last written, so an
-- unchanged value costs no `metafieldsSet` on the next sync.
CREATE TABLE weft_state_metafields (key text COLLATE "C" PRIMARY KEY, value bytea NOT NULL);
