//! The accept loop: at most `max_connections` connections at once (beyond it new ones wait in
//! the kernel's backlog), each closed when its headers do not arrive within the header timeout
//! (which also bounds how long a kept-alive connection may sit idle), with a bounded read
//! buffer. Bodies are bounded by [`super::body`].

use super::ServerState;
use crate::config::HttpLimits;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::future::Future;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

/// Largest read buffer of one connection (headers must fit in it).
const MAX_BUF_BYTES: usize = 64 * 1024;

/// Serve connections from `listener` until `stop` completes; connections in progress are left
/// to finish on the runtime.
pub async fn serve(
    listener: TcpListener,
    state: Arc<ServerState>,
    limits: &HttpLimits,
    stop: impl Future<Output = ()>,
) {
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let header_timeout = limits.header_timeout();
    tokio::pin!(stop);
    loop {
        let permit = tokio::select! {
            permit = slots.clone().acquire_owned() => match permit {
                Ok(p) => p,
                Err(_) => return,
            },
            () = &mut stop => return,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    tracing::warn!("accept failed: {e}");
                    continue;
                }
            },
            () = &mut stop => return,
        };
        let state = state.clone();
        tokio::spawn(async move {
            let _permit = permit;
            let service = service_fn(move |req| super::handle(state.clone(), peer, req));
            let mut builder = http1::Builder::new();
            builder.timer(TokioTimer::new()).header_read_timeout(header_timeout).max_buf_size(MAX_BUF_BYTES);
            if let Err(e) = builder.serve_connection(TokioIo::new(stream), service).await {
                tracing::debug!("connection from {peer}: {e}");
            }
        });
    }
}
