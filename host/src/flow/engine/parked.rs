//! Writes waiting for a person: a write the destination refused `needs_person` is not tried
//! again while the dead letter of its job is kept — every later read of the same record (a
//! webhook delivered twice, the next poll) would otherwise add another dead letter for the one
//! thing a person has to do. Retried, the dead letter's job is no longer dead and the write is
//! tried again; discarded, the person has dealt with it. State table `Parked`: idempotency key →
//! `job id \x1f job key`; a mark whose dead letter is gone is removed when it is next looked at,
//! so the table holds only writes still waiting and a batch looks them up only when there are any.

use crate::store::{Job, StateTable, Store, StoreResult};

const SEP: char = '\u{1f}';

/// Whether any write is parked (one read per batch: then each write is looked up).
pub fn any(store: &Store) -> StoreResult<bool> {
    Ok(!store.state_keys(StateTable::Parked, "", 1)?.is_empty())
}

/// The job the write `key` waits on, asked by the job `asker`: the one whose dead letter is
/// kept, or one that parked it and is still queued — between the park and its dead letter, or
/// retried by a person — unless that is `asker` itself, which goes again.
pub fn waiting(store: &Store, key: &str, asker: u64) -> StoreResult<Option<u64>> {
    let Some(value) = store.state_get(StateTable::Parked, key)? else { return Ok(None) };
    let text = String::from_utf8_lossy(&value);
    let kept = match text.split_once(SEP) {
        Some((id, job_key)) => match id.parse::<u64>() {
            Ok(id) if id != asker => {
                let (queued, dead) = store.jobs_by_key(job_key, 1000)?;
                (queued.iter().any(|j| j.id == id) || dead.iter().any(|d| d.job.id == id)).then_some(id)
            }
            _ => None,
        },
        None => None,
    };
    if kept.is_none() {
        store.state_write(StateTable::Parked, &[(key.to_owned(), None)])?;
    }
    Ok(kept)
}

/// Park the write `key`: `job` is dead-lettered for it.
pub fn park(store: &Store, key: &str, job: &Job) -> StoreResult<()> {
    let value = format!("{}{SEP}{}", job.id, job.key);
    store.state_write(StateTable::Parked, &[(key.to_owned(), Some(value.into_bytes()))])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{ErrorClass, JobError, NewJob};

    /// A job for the record `key`, enqueued and leased: running.
    fn running_job(store: &Store, key: &str) -> Job {
        let new = NewJob {
            flow: "orders".into(),
            trigger: "webhook".into(),
            key: key.into(),
            payload: serde_json::json!({}).into(),
            dedupe_id: None,
        };
        store.enqueue(&[new], 0, None).unwrap();
        store.lease(Some("orders"), 0, 60_000, 1).unwrap().remove(0)
    }

    fn dead_job(store: &Store, key: &str) -> Job {
        let job = running_job(store, key);
        store.dead_letter(&job, JobError::new(ErrorClass::NeedsPerson, "edited after shipment"), 1).unwrap();
        job
    }

    /// A job id no stored job has: a later delivery of the same record.
    const LATER: u64 = 1_000_000;

    #[test]
    fn a_parked_write_waits_while_its_dead_letter_is_kept_and_goes_again_once_retried() {
        let store = Store::in_memory().unwrap();
        assert!(!any(&store).unwrap());
        let job = dead_job(&store, "gid://shopify/Order/7");
        park(&store, "write-1", &job).unwrap();
        assert!(any(&store).unwrap());
        assert_eq!(waiting(&store, "write-1", LATER).unwrap(), Some(job.id), "the dead letter is kept");
        assert_eq!(waiting(&store, "write-2", LATER).unwrap(), None, "another write is not parked");
        assert!(store.discard_dead(job.id, "done by hand").unwrap());
        assert_eq!(waiting(&store, "write-1", LATER).unwrap(), Some(job.id), "discarded: a person dealt with it");

        let other = dead_job(&store, "gid://shopify/Order/70");
        park(&store, "write-3", &other).unwrap();
        assert_eq!(store.retry_dead(Some(other.id), None, 2).unwrap(), 1);
        assert_eq!(waiting(&store, "write-3", LATER).unwrap(), Some(other.id), "retried: that job writes first");
        assert_eq!(waiting(&store, "write-3", other.id).unwrap(), None, "the retried job goes again");
        assert_eq!(store.state_get(StateTable::Parked, "write-3").unwrap(), None, "and its mark is gone");
    }

    #[test]
    fn a_write_parked_by_a_job_not_yet_dead_lettered_waits_for_it() {
        let store = Store::in_memory().unwrap();
        let job = running_job(&store, "gid://shopify/Order/8");
        park(&store, "write-1", &job).unwrap();
        // Another worker reads the same record before the first job's dead letter is stored.
        assert_eq!(waiting(&store, "write-1", LATER).unwrap(), Some(job.id), "parked by a job still running");
        assert_eq!(waiting(&store, "write-1", job.id).unwrap(), None, "that job itself, run again after a crash");
        store.ack_all(std::slice::from_ref(&job)).unwrap();
        assert_eq!(waiting(&store, "write-1", LATER).unwrap(), None, "the job is gone: the mark was stale");
    }
}
