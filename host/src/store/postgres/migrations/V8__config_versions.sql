-- Versions of the config file saved by the dashboard's editor (and the file found at start):
-- number, who, when, why, the version a rollback restores, and the whole text.
CREATE TABLE weft_config_versions (
    number bigint PRIMARY KEY,
    author text NOT NULL,
    saved_ms bigint NOT NULL,
    comment text NOT NULL,
    restores bigint,
    text text NOT NULL
);
