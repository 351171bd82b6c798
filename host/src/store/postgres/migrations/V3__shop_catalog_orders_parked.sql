-- Flow state added since V2, like the other state tables: the shop's catalog as onboarding read
-- it (`StateTable::ShopCatalog`), where shop orders start and their lines as first read
-- (`StateTable::Orders`), and writes waiting for a person (`StateTable::Parked`).
CREATE TABLE weft_state_shop_catalog (key text COLLATE "C" PRIMARY KEY, value bytea NOT NULL);
CREATE TABLE weft_state_orders (key text COLLATE "C" PRIMARY KEY, value bytea NOT NULL);
CREATE TABLE weft_state_parked (key text COLLATE "C" PRIMARY KEY, value bytea NOT NULL);
