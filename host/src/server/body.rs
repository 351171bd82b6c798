//! Request bodies under a budget: a `Content-Length` over the cap is refused before a byte is
//! read, every body held in memory counts against one budget shared by all connections (a
//! request that would exceed it is answered 503, so a burst of large posts cannot grow memory
//! without bound), and a body must arrive within the body timeout.

use crate::config::HttpLimits;
use bytes::{Bytes, BytesMut};
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::header::{HeaderMap, CONTENT_LENGTH};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// The budget is counted in units of this many bytes (semaphore permits).
const UNIT: usize = 1024;

/// Why a body was not read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BodyError {
    /// It is (or declares to be) larger than the cap.
    #[error("request body larger than {0} bytes")]
    TooLarge(usize),
    /// The bodies held right now leave no room for it.
    #[error("too many request bodies in flight; retry later")]
    Busy,
    /// It did not arrive within the body timeout.
    #[error("request body not received within {0:?}")]
    Timeout(Duration),
    /// The connection failed while reading it.
    #[error("request body unreadable: {0}")]
    Unreadable(String),
}

/// A body held in memory; its share of the budget is returned when it is dropped.
pub struct Held {
    /// The bytes.
    pub bytes: Bytes,
    _permit: Option<OwnedSemaphorePermit>,
}

/// The body budget of one server.
#[derive(Clone)]
pub struct Bodies {
    budget: Arc<Semaphore>,
    max: usize,
    timeout: Duration,
}

fn units(bytes: usize) -> u32 {
    u32::try_from(bytes.div_ceil(UNIT)).unwrap_or(u32::MAX)
}

impl Bodies {
    /// A budget of `limits.max_inflight_body_mib`, bodies of at most `limits.max_body_kib`.
    pub fn new(limits: &HttpLimits) -> Bodies {
        let permits = (limits.inflight_body_bytes() / UNIT).min(Semaphore::MAX_PERMITS);
        Bodies {
            budget: Arc::new(Semaphore::new(permits)),
            max: limits.max_body_bytes(),
            timeout: limits.body_timeout(),
        }
    }

    /// The largest body accepted.
    pub fn max(&self) -> usize {
        self.max
    }

    fn take(&self, bytes: usize) -> Result<OwnedSemaphorePermit, BodyError> {
        self.budget.clone().try_acquire_many_owned(units(bytes)).map_err(|_| BodyError::Busy)
    }

    /// Read `body`, at most `cap` bytes (and never more than the server's cap).
    pub async fn read(&self, headers: &HeaderMap, body: Incoming, cap: usize) -> Result<Held, BodyError> {
        let cap = cap.min(self.max);
        let declared = match headers.get(CONTENT_LENGTH) {
            Some(v) => Some(
                v.to_str()
                    .ok()
                    .and_then(|s| s.trim().parse::<usize>().ok())
                    .ok_or_else(|| BodyError::Unreadable("malformed Content-Length".into()))?,
            ),
            None => None,
        };
        if declared.is_some_and(|n| n > cap) {
            return Err(BodyError::TooLarge(cap));
        }
        if declared == Some(0) {
            return Ok(Held { bytes: Bytes::new(), _permit: None });
        }
        let mut permit = match declared {
            Some(n) => Some(self.take(n)?),
            None => None,
        };
        let read = async {
            let mut body = body;
            let mut buf = BytesMut::with_capacity(declared.unwrap_or(0));
            while let Some(frame) = body.frame().await {
                let frame = frame.map_err(|e| BodyError::Unreadable(e.to_string()))?;
                let Ok(data) = frame.into_data() else { continue };
                if buf.len() + data.len() > cap {
                    return Err(BodyError::TooLarge(cap));
                }
                // Without a declared length, the budget is taken as the bytes arrive.
                if declared.is_none() {
                    let more = units(buf.len() + data.len()) - permit.as_ref().map_or(0, |p| p.num_permits() as u32);
                    if more > 0 {
                        let extra = self.budget.clone().try_acquire_many_owned(more).map_err(|_| BodyError::Busy)?;
                        match permit.as_mut() {
                            Some(p) => p.merge(extra),
                            None => permit = Some(extra),
                        }
                    }
                }
                buf.extend_from_slice(&data);
            }
            Ok(buf.freeze())
        };
        let bytes = tokio::time::timeout(self.timeout, read).await.map_err(|_| BodyError::Timeout(self.timeout))??;
        Ok(Held { bytes, _permit: permit })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_round_up() {
        assert_eq!(units(0), 0);
        assert_eq!(units(1), 1);
        assert_eq!(units(1024), 1);
        assert_eq!(units(1025), 2);
    }
}
