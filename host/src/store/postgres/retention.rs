//! Retention: what grows is deleted by age, at most `limit` rows a call (one transaction), and
//! the size of every table of the store.

use super::{big, e, unbig, PostgresStore};
use crate::store::contract::RetentionStore;
use crate::store::{Aged, StoreResult, StoreStats, TableSize};

/// The statement that deletes at most `$2` rows of `table` older than `$1`, oldest first.
fn prune_sql(table: Aged) -> &'static str {
    match table {
        Aged::WebhookReceipts => {
            "DELETE FROM weft_receipts r USING (SELECT webhook_id, flow FROM weft_receipts WHERE at_ms < $1 \
             ORDER BY at_ms LIMIT $2) o WHERE r.webhook_id = o.webhook_id AND r.flow = o.flow"
        }
        // A run goes with its records, their index entries and its calls.
        Aged::Runs => {
            "WITH old AS (SELECT id FROM weft_runs WHERE started_ms < $1 ORDER BY id LIMIT $2), \
                  keys AS (DELETE FROM weft_run_record_keys WHERE run_id IN (SELECT id FROM old)), \
                  calls AS (DELETE FROM weft_run_calls WHERE run_id IN (SELECT id FROM old)), \
                  records AS (DELETE FROM weft_run_records WHERE run_id IN (SELECT id FROM old)) \
             DELETE FROM weft_runs WHERE id IN (SELECT id FROM old)"
        }
        Aged::UndoLog => {
            "DELETE FROM weft_undo u USING (SELECT run_id, seq FROM weft_undo WHERE at_ms < $1 \
             ORDER BY run_id, seq LIMIT $2) o WHERE u.run_id = o.run_id AND u.seq = o.seq"
        }
        Aged::Intents => {
            "DELETE FROM weft_intents i USING (SELECT flow, key FROM weft_intents WHERE at_ms < $1 \
             ORDER BY at_ms LIMIT $2) o WHERE i.flow = o.flow AND i.key = o.key"
        }
        Aged::ReconcileReports => {
            "DELETE FROM weft_reports WHERE id IN (SELECT id FROM weft_reports WHERE finished_ms < $1 ORDER BY id LIMIT $2)"
        }
        Aged::DiscardedDeadLetters => {
            "DELETE FROM weft_dead WHERE id IN (SELECT id FROM weft_dead WHERE discarded IS NOT NULL \
             AND dead_ms < $1 ORDER BY id LIMIT $2)"
        }
        // Never a record's newest entry: only one a newer (or, at the same time, later) entry of
        // the same record supersedes.
        Aged::SupersededLedger => {
            "DELETE FROM weft_ledger WHERE key IN (SELECT l.key FROM weft_ledger l WHERE l.at_ms < $1 \
             AND EXISTS (SELECT 1 FROM weft_ledger n WHERE n.record = l.record AND (n.at_ms, n.key) > (l.at_ms, l.key)) \
             ORDER BY l.key LIMIT $2)"
        }
        Aged::ApiCalls => {
            "DELETE FROM weft_run_calls c USING (SELECT run_id, seq FROM weft_run_calls WHERE at_ms < $1 \
             ORDER BY run_id, seq LIMIT $2) o WHERE c.run_id = o.run_id AND c.seq = o.seq"
        }
    }
}

/// The tables `stats` counts: everything the store keeps (not the hosts' heartbeats and
/// budget shares, which come and go with the hosts).
const COUNTED: &str = "SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
                       WHERE c.relkind = 'r' AND n.nspname = current_schema() AND c.relname LIKE 'weft\\_%' \
                       AND c.relname NOT IN ('weft_hosts', 'weft_budget_holders') ORDER BY 1";

impl RetentionStore for PostgresStore {
    fn prune(&self, table: Aged, before_ms: u64, limit: usize) -> StoreResult<usize> {
        if limit == 0 {
            return Ok(0);
        }
        let (pool, _) = self.db();
        self.call(async move {
            let client = pool.get().await.map_err(e)?;
            let removed = client.execute(prune_sql(table), &[&big(before_ms), &big(limit as u64)]).await.map_err(e)?;
            Ok(removed as usize)
        })
    }

    fn stats(&self) -> StoreResult<StoreStats> {
        let (pool, _) = self.db();
        self.call(async move {
            let client = pool.get().await.map_err(e)?;
            let mut tables = Vec::new();
            for row in client.query(COUNTED, &[]).await.map_err(e)? {
                let table: String = row.get(0);
                // A fixed name from the catalog, quoted: safe to put in the statement.
                let sql = format!("SELECT count(*), pg_total_relation_size('\"{table}\"') FROM \"{table}\"");
                let sizes = client.query_one(&sql, &[]).await.map_err(e)?;
                tables.push(TableSize { table, entries: unbig(sizes.get(0)), bytes: Some(unbig(sizes.get(1))) });
            }
            let total: i64 =
                client.query_one("SELECT pg_database_size(current_database())", &[]).await.map_err(e)?.get(0);
            Ok(StoreStats { tables, total_bytes: Some(unbig(total)) })
        })
    }
}
