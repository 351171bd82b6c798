//! Group commit: concurrent enqueue requests share one write transaction (one fsync).

use crate::clock::Clock;
use crate::store::{EnqueueOutcome, NewJob, Store, StoreError};
use std::sync::mpsc;
use std::sync::Arc;
use tokio::sync::oneshot;

/// Most requests folded into one commit.
const MAX_GROUP: usize = 512;

type Reply = oneshot::Sender<Result<Vec<EnqueueOutcome>, StoreError>>;

/// Handle on the committer thread.
#[derive(Clone)]
pub struct Enqueuer {
    tx: mpsc::Sender<(Vec<NewJob>, Reply)>,
}

impl Enqueuer {
    /// Start the committer thread; it ends when every handle is dropped.
    pub fn start(store: Store, clock: Arc<dyn Clock>) -> Enqueuer {
        let (tx, rx) = mpsc::channel::<(Vec<NewJob>, Reply)>();
        std::thread::Builder::new()
            .name("weft-enqueue".into())
            .spawn(move || {
                while let Ok(first) = rx.recv() {
                    let mut group = vec![first];
                    while group.len() < MAX_GROUP {
                        match rx.try_recv() {
                            Ok(next) => group.push(next),
                            Err(_) => break,
                        }
                    }
                    let (batches, replies): (Vec<Vec<NewJob>>, Vec<Reply>) = group.into_iter().unzip();
                    match store.enqueue_group(&batches, clock.now_ms()) {
                        Ok(outcomes) => {
                            for (reply, outcome) in replies.into_iter().zip(outcomes) {
                                let _ = reply.send(Ok(outcome));
                            }
                        }
                        Err(err) => {
                            let message = err.to_string();
                            for reply in replies {
                                let _ = reply.send(Err(StoreError::Other(message.clone())));
                            }
                        }
                    }
                }
            })
            .expect("spawning the enqueue thread");
        Enqueuer { tx }
    }

    /// Enqueue and wait for the commit.
    pub async fn enqueue(&self, jobs: Vec<NewJob>) -> Result<Vec<EnqueueOutcome>, StoreError> {
        let (reply, wait) = oneshot::channel();
        self.tx.send((jobs, reply)).map_err(|_| StoreError::Other("enqueue thread stopped".into()))?;
        wait.await.map_err(|_| StoreError::Other("enqueue thread stopped".into()))?
    }

    /// Enqueue and wait for the commit, from blocking code.
    pub fn enqueue_blocking(&self, jobs: Vec<NewJob>) -> Result<Vec<EnqueueOutcome>, StoreError> {
        let (reply, wait) = oneshot::channel();
        self.tx.send((jobs, reply)).map_err(|_| StoreError::Other("enqueue thread stopped".into()))?;
        wait.blocking_recv().map_err(|_| StoreError::Other("enqueue thread stopped".into()))?
    }
}
