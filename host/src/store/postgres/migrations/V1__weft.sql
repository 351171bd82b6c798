-- weft's PostgreSQL schema, version 1: everything the store contract keeps, shared by every host.
-- Keys searched by prefix or listed in byte order are COLLATE "C" (byte order, like redb).
-- Values are JSON text of the host's own types (kept verbatim, not re-ordered like jsonb).

-- Hosts alive: each open store registers and beats every few seconds; a host whose beat is old
-- is dead, and its leases and claims are taken over.
CREATE TABLE weft_hosts (
    holder text PRIMARY KEY,
    label text NOT NULL,
    started timestamptz NOT NULL DEFAULT clock_timestamp(),
    seen timestamptz NOT NULL DEFAULT clock_timestamp()
);

-- Job ids are shared by jobs and dead letters (a retried dead letter keeps its id).
CREATE SEQUENCE weft_job_ids;
CREATE TABLE weft_jobs (
    id bigint PRIMARY KEY,
    flow text NOT NULL,
    trigger text NOT NULL,
    key text COLLATE "C" NOT NULL,
    payload text NOT NULL,
    attempts integer NOT NULL DEFAULT 0,
    next_attempt_ms bigint NOT NULL,
    lease_until_ms bigint NOT NULL DEFAULT 0,
    leased_by text,
    created_ms bigint NOT NULL,
    last_error text
);
CREATE INDEX weft_jobs_due ON weft_jobs (next_attempt_ms, id) WHERE leased_by IS NULL;
CREATE INDEX weft_jobs_lease_end ON weft_jobs (lease_until_ms) WHERE leased_by IS NOT NULL;
CREATE INDEX weft_jobs_holder ON weft_jobs (leased_by) WHERE leased_by IS NOT NULL;
CREATE INDEX weft_jobs_flow ON weft_jobs (flow);
CREATE INDEX weft_jobs_key ON weft_jobs (key);

CREATE TABLE weft_dead (
    id bigint PRIMARY KEY,
    flow text NOT NULL,
    key text COLLATE "C" NOT NULL,
    job text NOT NULL,
    error text NOT NULL,
    dead_ms bigint NOT NULL,
    discarded text
);
CREATE INDEX weft_dead_flow ON weft_dead (flow);
CREATE INDEX weft_dead_discarded ON weft_dead (dead_ms) WHERE discarded IS NOT NULL;
CREATE INDEX weft_dead_key ON weft_dead (key);

CREATE TABLE weft_receipts (
    webhook_id text NOT NULL,
    flow text NOT NULL,
    at_ms bigint NOT NULL,
    PRIMARY KEY (webhook_id, flow)
);
CREATE INDEX weft_receipts_at ON weft_receipts (at_ms);

CREATE TABLE weft_paused (
    flow text PRIMARY KEY,
    since_ms bigint NOT NULL,
    reason text
);

CREATE TABLE weft_schedule (
    key text PRIMARY KEY,
    last_ms bigint,
    job_id bigint
);

CREATE TABLE weft_cursors (
    flow text NOT NULL,
    connection text NOT NULL,
    cursor text NOT NULL,
    PRIMARY KEY (flow, connection)
);

CREATE TABLE weft_claims (
    key text PRIMARY KEY,
    holder text NOT NULL,
    at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX weft_claims_holder ON weft_claims (holder);

-- `record` is the key up to its last `/` (flow/entity/external id): a record's entries, newest
-- kept by retention.
CREATE TABLE weft_ledger (
    key text COLLATE "C" PRIMARY KEY,
    record text COLLATE "C" NOT NULL,
    at_ms bigint NOT NULL,
    entry text NOT NULL
);
CREATE INDEX weft_ledger_record ON weft_ledger (record, at_ms, key);
CREATE INDEX weft_ledger_at ON weft_ledger (at_ms);

CREATE TABLE weft_id_map (
    object text NOT NULL,
    key text COLLATE "C" NOT NULL,
    shopify text,
    erp text,
    PRIMARY KEY (object, key)
);

CREATE SEQUENCE weft_run_ids;
CREATE TABLE weft_runs (
    id bigint PRIMARY KEY,
    flow text NOT NULL,
    trigger text NOT NULL,
    status text NOT NULL,
    started_ms bigint NOT NULL,
    run text NOT NULL
);
CREATE INDEX weft_runs_flow ON weft_runs (flow, id);
CREATE INDEX weft_runs_started ON weft_runs (started_ms);

CREATE TABLE weft_run_records (
    run_id bigint NOT NULL,
    seq bigint NOT NULL,
    record text NOT NULL,
    PRIMARY KEY (run_id, seq)
);

CREATE TABLE weft_run_record_keys (
    key text COLLATE "C" NOT NULL,
    run_id bigint NOT NULL,
    seq bigint NOT NULL,
    PRIMARY KEY (key, run_id, seq)
);
CREATE INDEX weft_run_record_keys_run ON weft_run_record_keys (run_id);

CREATE TABLE weft_undo (
    run_id bigint NOT NULL,
    seq bigint NOT NULL,
    at_ms bigint NOT NULL,
    entry text NOT NULL,
    PRIMARY KEY (run_id, seq)
);
CREATE INDEX weft_undo_at ON weft_undo (at_ms);

CREATE TABLE weft_intents (
    flow text NOT NULL,
    key text COLLATE "C" NOT NULL,
    at_ms bigint NOT NULL,
    intent text NOT NULL,
    PRIMARY KEY (flow, key)
);
CREATE INDEX weft_intents_at ON weft_intents (at_ms);

CREATE SEQUENCE weft_report_ids;
CREATE TABLE weft_reports (
    id bigint PRIMARY KEY,
    finished_ms bigint NOT NULL,
    report text NOT NULL
);

CREATE TABLE weft_episodes (
    key text PRIMARY KEY,
    episode text NOT NULL
);

CREATE TABLE weft_kv (
    plugin text NOT NULL,
    key text COLLATE "C" NOT NULL,
    value bytea NOT NULL,
    PRIMARY KEY (plugin, key)
);
CREATE TABLE weft_kv_usage (
    plugin text PRIMARY KEY,
    used bigint NOT NULL
);

CREATE TABLE weft_state_inventory_levels (key text COLLATE "C" PRIMARY KEY, value bytea NOT NULL);
CREATE TABLE weft_state_catalog_hashes (key text COLLATE "C" PRIMARY KEY, value bytea NOT NULL);
CREATE TABLE weft_state_price_overrides (key text COLLATE "C" PRIMARY KEY, value bytea NOT NULL);

-- Each shop's Shopify cost bucket as the hosts together know it, and what each host has in
-- flight or is waiting for. Time is the database's clock, the same for every host.
CREATE TABLE weft_budget (
    shop text PRIMARY KEY,
    available double precision NOT NULL DEFAULT 0,
    maximum double precision NOT NULL DEFAULT 0,
    restore_rate double precision NOT NULL DEFAULT 0,
    updated timestamptz NOT NULL DEFAULT clock_timestamp(),
    known boolean NOT NULL DEFAULT false
);
CREATE TABLE weft_budget_holders (
    shop text NOT NULL,
    holder text NOT NULL,
    in_flight double precision NOT NULL DEFAULT 0,
    seen timestamptz NOT NULL DEFAULT clock_timestamp(),
    waiting smallint,
    waiting_since timestamptz,
    waiting_until timestamptz,
    PRIMARY KEY (shop, holder)
);

-- Take p_cost points of p_shop's bucket for p_holder's call of p_priority (higher first): 0 when
-- granted, else the milliseconds to wait before asking again. A call waits while the bucket,
-- refilled to now, holds less than it costs, or while another host waits with a higher priority
-- (or the same, since longer). An unknown bucket admits one call at a time in the whole cluster
-- until an answer tells its shape. One statement, one round trip, under the shop row's lock.
CREATE FUNCTION weft_budget_take(p_shop text, p_holder text, p_cost double precision, p_priority smallint)
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    b weft_budget%ROWTYPE;
    t timestamptz := clock_timestamp();
    avail double precision;
    need double precision;
    my_since timestamptz;
    ahead boolean;
    busy double precision;
    wait_ms bigint := 0;
BEGIN
    INSERT INTO weft_budget (shop) VALUES (p_shop) ON CONFLICT DO NOTHING;
    SELECT * INTO b FROM weft_budget WHERE shop = p_shop FOR UPDATE;
    INSERT INTO weft_budget_holders (shop, holder) VALUES (p_shop, p_holder) ON CONFLICT DO NOTHING;
    SELECT CASE WHEN h.waiting = p_priority AND h.waiting_until > t THEN h.waiting_since END INTO my_since
        FROM weft_budget_holders h WHERE h.shop = p_shop AND h.holder = p_holder;
    my_since := coalesce(my_since, t);
    SELECT EXISTS (
        SELECT 1 FROM weft_budget_holders h
        WHERE h.shop = p_shop AND h.holder <> p_holder AND h.waiting_until > t
          AND (h.waiting > p_priority OR (h.waiting = p_priority AND h.waiting_since < my_since))
    ) INTO ahead;
    avail := least(b.maximum, b.available + extract(epoch FROM t - b.updated) * b.restore_rate);
    IF b.known THEN
        need := least(p_cost, b.maximum);
        IF ahead OR b.restore_rate <= 0 THEN
            wait_ms := 50;
        ELSIF avail < need THEN
            wait_ms := greatest(1, ceil((need - avail) / b.restore_rate * 1000))::bigint;
        END IF;
    ELSE
        SELECT coalesce(sum(h.in_flight), 0) INTO busy FROM weft_budget_holders h
            WHERE h.shop = p_shop AND h.seen > t - interval '60 seconds';
        IF ahead OR busy > 0 THEN
            wait_ms := 50;
        END IF;
    END IF;
    IF wait_ms = 0 THEN
        UPDATE weft_budget SET available = CASE WHEN b.known THEN avail - p_cost ELSE 0 END, updated = t
            WHERE shop = p_shop;
        UPDATE weft_budget_holders SET in_flight = in_flight + p_cost, seen = t,
                waiting = NULL, waiting_since = NULL, waiting_until = NULL
            WHERE shop = p_shop AND holder = p_holder;
    ELSE
        UPDATE weft_budget_holders SET seen = t, waiting = p_priority, waiting_since = my_since,
                waiting_until = t + (wait_ms + 1000) * interval '1 millisecond'
            WHERE shop = p_shop AND holder = p_holder;
    END IF;
    RETURN wait_ms;
END $$;

-- Settle p_reserved points p_holder took for a call. With a report (p_has_report): refund what
-- Shopify did not charge (all of it when throttled: p_actual NULL), learn the bucket's shape, and
-- trust Shopify's level less what every live host still has in flight when it is lower than ours
-- (someone else spends) or clearly higher (we were too careful).
CREATE FUNCTION weft_budget_settle(
    p_shop text, p_holder text, p_reserved double precision, p_has_report boolean,
    p_actual double precision, p_maximum double precision, p_currently double precision, p_rate double precision
) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    b weft_budget%ROWTYPE;
    t timestamptz := clock_timestamp();
    avail double precision;
    busy double precision;
    reported double precision;
BEGIN
    SELECT * INTO b FROM weft_budget WHERE shop = p_shop FOR UPDATE;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    UPDATE weft_budget_holders SET in_flight = greatest(0, in_flight - p_reserved), seen = t
        WHERE shop = p_shop AND holder = p_holder;
    IF NOT p_has_report THEN
        RETURN;
    END IF;
    SELECT coalesce(sum(h.in_flight), 0) INTO busy FROM weft_budget_holders h
        WHERE h.shop = p_shop AND h.seen > t - interval '60 seconds';
    reported := p_currently - busy;
    IF NOT b.known THEN
        avail := reported;
    ELSE
        avail := least(b.maximum, b.available + extract(epoch FROM t - b.updated) * b.restore_rate);
        avail := least(p_maximum, avail + CASE WHEN p_actual IS NULL THEN p_reserved
                                               ELSE greatest(p_reserved - p_actual, 0) END);
        IF reported < avail OR reported > avail + 1 THEN
            avail := reported;
        END IF;
    END IF;
    UPDATE weft_budget SET available = avail, maximum = p_maximum, restore_rate = p_rate, updated = t, known = true
        WHERE shop = p_shop;
END $$;
