//! The API calls of runs (`weft_run_calls`): written in the transaction of the run's records,
//! read in pages, removed with the run or by age.

use super::{big, e, from_json, to_json, unbig};
use crate::store::{place_calls, CallEntry, CallPage, LinkedCall, StoreResult};
use tokio_postgres::GenericClient;

/// Store `calls` of run `run_id`, the records they link to placed from `first_record`.
pub(super) async fn put(
    client: &impl GenericClient,
    run_id: u64,
    first_record: u64,
    records: usize,
    calls: &[LinkedCall],
) -> StoreResult<()> {
    if calls.is_empty() {
        return Ok(());
    }
    let sql = "SELECT coalesce(max(seq) + 1, 0) FROM weft_run_calls WHERE run_id = $1";
    let first = unbig(client.query_one(sql, &[&big(run_id)]).await.map_err(e)?.get(0));
    let placed = place_calls(run_id, first, first_record, records, calls);
    let seqs: Vec<i64> = placed.iter().map(|c| big(c.seq)).collect();
    let at: Vec<i64> = placed.iter().map(|c| big(c.call.at_ms)).collect();
    // One row per call: its record seqs as an array literal (`{1,2,3}`), unnested by row.
    let links: Vec<String> = placed
        .iter()
        .map(|c| format!("{{{}}}", c.records.iter().map(u64::to_string).collect::<Vec<_>>().join(",")))
        .collect();
    let bodies: Vec<String> = placed.iter().map(to_json).collect::<StoreResult<_>>()?;
    let sql = "INSERT INTO weft_run_calls (run_id, seq, at_ms, records, call) \
               SELECT $1, s, a, r::bigint[], c FROM unnest($2::bigint[], $3::bigint[], $4::text[], $5::text[]) \
               AS t(s, a, r, c)";
    client.execute(sql, &[&big(run_id), &seqs, &at, &links, &bodies]).await.map_err(e)?;
    Ok(())
}

/// A page of run `run_id`'s calls.
pub(super) async fn page(client: &impl GenericClient, run_id: u64, page: &CallPage) -> StoreResult<Vec<CallEntry>> {
    let after = page.after.map_or(-1, big);
    let record = page.record.map(big);
    let sql = "SELECT call FROM weft_run_calls WHERE run_id = $1 AND seq > $2 \
               AND ($3::bigint IS NULL OR $3 = ANY(records)) ORDER BY seq LIMIT $4";
    let rows = client.query(sql, &[&big(run_id), &after, &record, &big(page.limit as u64)]).await.map_err(e)?;
    rows.iter().map(|r| from_json(r.get::<_, &str>(0))).collect()
}
