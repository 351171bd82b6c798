-- A dead letter a person retried with an edited payload keeps the edit (JSON: the payload, the
-- note, when, the new job) beside the original job, for the record.
ALTER TABLE weft_dead ADD COLUMN edit text;
