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

/// The id of the kept dead letter the write `key` waits on, if any.
pub fn waiting(store: &Store, key: &str) -> StoreResult<Option<u64>> {
    let Some(value) = store.state_get(StateTable::Parked, key)? else { return Ok(None) };
    let text = String::from_utf8_lossy(&value);
    let kept = match text.split_once(SEP) {
        Some((id, job_key)) => match id.parse::<u64>() {
            Ok(id) => store.jobs_by_key(job_key, 1000)?.1.iter().any(|d| d.job.id == id).then_some(id),
            Err(_) => None,
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

    fn dead_job(store: &Store, key: &str) -> Job {
        let new = NewJob {
            flow: "orders".into(),
            trigger: "webhook".into(),
            key: key.into(),
            payload: serde_json::json!({}).into(),
            dedupe_id: None,
        };
        store.enqueue(&[new], 0, None).unwrap();
        let job = store.lease(Some("orders"), 0, 60_000, 1).unwrap().remove(0);
        store.dead_letter(&job, JobError::new(ErrorClass::NeedsPerson, "edited after shipment"), 1).unwrap();
        job
    }

    #[test]
    fn a_parked_write_waits_while_its_dead_letter_is_kept_and_goes_again_once_retried() {
        let store = Store::in_memory().unwrap();
        assert!(!any(&store).unwrap());
        let job = dead_job(&store, "gid://shopify/Order/7");
        park(&store, "write-1", &job).unwrap();
        assert!(any(&store).unwrap());
        assert_eq!(waiting(&store, "write-1").unwrap(), Some(job.id), "the dead letter is kept");
        assert_eq!(waiting(&store, "write-2").unwrap(), None, "another write is not parked");
        assert!(store.discard_dead(job.id, "done by hand").unwrap());
        assert_eq!(waiting(&store, "write-1").unwrap(), Some(job.id), "discarded: a person dealt with it");

        let other = dead_job(&store, "gid://shopify/Order/70");
        park(&store, "write-3", &other).unwrap();
        assert_eq!(store.retry_dead(Some(other.id), None, 2).unwrap(), 1);
        assert_eq!(waiting(&store, "write-3").unwrap(), None, "retried by a person: the write goes again");
        assert_eq!(store.state_get(StateTable::Parked, "write-3").unwrap(), None, "and its mark is gone");
    }
}
