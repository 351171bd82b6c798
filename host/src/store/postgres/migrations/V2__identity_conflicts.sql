-- Flow state of the identity checks (main's `StateTable::IdentityConflicts`), like the other state tables.
CREATE TABLE weft_state_identity_conflicts (key text COLLATE "C" PRIMARY KEY, value bytea NOT NULL);
