-- The API calls of runs (Shopify GraphQL calls, plugins' HTTP exchanges), redacted and capped,
-- each with the seqs of the run records it served; removed with their run or by age
-- (`[retention] api_calls`).
CREATE TABLE weft_run_calls (
    run_id bigint NOT NULL,
    seq bigint NOT NULL,
    at_ms bigint NOT NULL,
    records bigint[] NOT NULL,
    call text NOT NULL,
    PRIMARY KEY (run_id, seq)
);
CREATE INDEX weft_run_calls_at ON weft_run_calls (at_ms);
