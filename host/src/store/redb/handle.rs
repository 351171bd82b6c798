//! The open database, and its recovery from a failed write.
//!
//! After an I/O error (a full disk) redb refuses every later write ("Previous I/O error
//! occurred. Please close and re-open the database"). The handle notes the failure, and the
//! next write or health check (at most once per [`RETRY_EVERY`]) closes the database — once no
//! transaction holds it — and opens it again; redb repairs it from its last commit. Until a write
//! succeeds again the store reports [`StoreHealth::CannotWrite`].

use crate::store::StoreHealth;
use redb::{
    Database, DatabaseError, Durability, ReadTransaction, ReadableDatabase, StorageError, TransactionError,
    WriteTransaction,
};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Least time between two attempts to reopen a failed database.
pub const RETRY_EVERY: Duration = Duration::from_millis(500);
/// How long a reopen waits for the transactions in flight to end.
const CLOSE_WAIT: Duration = Duration::from_secs(2);

/// Opens the database (again): a file, or a backend made anew.
pub type Opener = Box<dyn Fn() -> Result<Database, DatabaseError> + Send + Sync>;

struct Failure {
    reason: String,
    last_try: Instant,
}

/// The open database, reopened after a failed write.
pub struct Db {
    current: Mutex<Option<Arc<Database>>>,
    opener: Option<Opener>,
    failure: Mutex<Option<Failure>>,
}

/// A write transaction; its commit tells the handle whether writing works.
pub struct Write<'a> {
    tx: WriteTransaction,
    owner: &'a Db,
    _db: Arc<Database>,
}

/// A read transaction on the current database.
pub struct Read {
    tx: ReadTransaction,
    _db: Arc<Database>,
}

impl std::ops::Deref for Write<'_> {
    type Target = WriteTransaction;
    fn deref(&self) -> &WriteTransaction {
        &self.tx
    }
}

impl std::ops::DerefMut for Write<'_> {
    fn deref_mut(&mut self) -> &mut WriteTransaction {
        &mut self.tx
    }
}

impl std::ops::Deref for Read {
    type Target = ReadTransaction;
    fn deref(&self) -> &ReadTransaction {
        &self.tx
    }
}

impl Write<'_> {
    /// End without writing anything (nothing to commit, no sync).
    pub fn abort(self) -> Result<(), StorageError> {
        self.tx.abort()
    }

    /// Commit; a failure marks the store as unable to write.
    pub fn commit(self) -> Result<(), redb::CommitError> {
        let result = self.tx.commit();
        match &result {
            Ok(()) => self.owner.succeeded(),
            Err(err) => self.owner.failed(err.to_string()),
        }
        result
    }
}

fn unavailable(reason: &str) -> TransactionError {
    TransactionError::Storage(StorageError::Io(std::io::Error::other(format!("store unavailable: {reason}"))))
}

impl Db {
    /// A handle on `db`; `opener` opens it again after a failure (`None`: it cannot be, as a
    /// database in memory).
    pub fn new(db: Database, opener: Option<Opener>) -> Db {
        Db { current: Mutex::new(Some(Arc::new(db))), opener, failure: Mutex::new(None) }
    }

    fn db(&self) -> Option<Arc<Database>> {
        self.current.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Note a failed write (said in the log when writing stops working, not at every retry).
    fn failed(&self, reason: String) {
        let mut failure = self.failure.lock().unwrap_or_else(|p| p.into_inner());
        match failure.as_mut() {
            Some(f) => f.reason = reason,
            None => {
                tracing::error!("store: a write failed; retrying every {RETRY_EVERY:?}: {reason}");
                *failure = Some(Failure { reason, last_try: Instant::now() });
            }
        }
    }

    fn succeeded(&self) {
        let mut failure = self.failure.lock().unwrap_or_else(|p| p.into_inner());
        if failure.take().is_some() {
            tracing::info!("store: writes succeed again");
        }
    }

    /// Begin a write transaction, reopening the database first when a write failed before.
    pub fn begin_write(&self) -> Result<Write<'_>, TransactionError> {
        self.recover();
        let db = self.db().ok_or_else(|| unavailable(&self.reason().unwrap_or_default()))?;
        match db.begin_write() {
            Ok(mut tx) => {
                // Refused only when savepoints or several processes are involved: the commit
                // then syncs, which is never wrong.
                if crate::store::unsynced_now() && tx.set_durability(Durability::None).is_err() {
                    tracing::debug!("store: an unsynced commit is synced");
                }
                Ok(Write { tx, owner: self, _db: db })
            }
            Err(err) => {
                if matches!(err, TransactionError::Storage(_)) {
                    self.failed(err.to_string());
                }
                Err(err)
            }
        }
    }

    /// Begin a read transaction.
    pub fn begin_read(&self) -> Result<Read, TransactionError> {
        let db = self.db().ok_or_else(|| unavailable(&self.reason().unwrap_or_default()))?;
        let tx = db.begin_read()?;
        Ok(Read { tx, _db: db })
    }

    fn reason(&self) -> Option<String> {
        self.failure.lock().unwrap_or_else(|p| p.into_inner()).as_ref().map(|f| f.reason.clone())
    }

    /// Whether writes work: after a failure, try to recover and to write.
    pub fn health(&self) -> StoreHealth {
        if self.reason().is_none() {
            return StoreHealth::Writable;
        }
        // A write that commits proves the store works again (and clears the failure).
        let probe = self.begin_write().map_err(|e| e.to_string()).and_then(|tx| tx.commit().map_err(|e| e.to_string()));
        match (probe, self.reason()) {
            (Ok(()), _) | (Err(_), None) => StoreHealth::Writable,
            (Err(_), Some(reason)) => StoreHealth::CannotWrite(reason),
        }
    }

    /// After a failure, at most every [`RETRY_EVERY`]: close the database once no transaction
    /// holds it, and open it again.
    fn recover(&self) {
        let Some(opener) = &self.opener else { return };
        {
            let mut failure = self.failure.lock().unwrap_or_else(|p| p.into_inner());
            match failure.as_mut() {
                Some(f) if f.last_try.elapsed() >= RETRY_EVERY => f.last_try = Instant::now(),
                _ => return,
            }
        }
        let mut current = self.current.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(db) = current.take() {
            let started = Instant::now();
            while Arc::strong_count(&db) > 1 && started.elapsed() < CLOSE_WAIT {
                std::thread::sleep(Duration::from_millis(5));
            }
            if Arc::strong_count(&db) > 1 {
                // Still in use (by this very thread, or a long read): try again later.
                *current = Some(db);
                return;
            }
            drop(db);
        }
        match opener() {
            Ok(db) => {
                tracing::warn!("store: reopened the database after a failed write");
                *current = Some(Arc::new(db));
            }
            Err(err) => {
                drop(current);
                self.failed(format!("cannot reopen the database: {err}"));
            }
        }
    }
}
