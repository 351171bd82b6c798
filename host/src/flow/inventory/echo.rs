//! Webhook echoes: Shopify sends `inventory_levels/update` for our own writes too. Each value we
//! set is remembered for a while (in memory: echoes arrive within seconds), and a delivery that
//! reports exactly that value for that level is recognised and ignored, once.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

/// How long a write's echo is expected.
const TTL: Duration = Duration::from_secs(600);

type Key = (String, String);

/// Values written per level, with when.
type Written = Mutex<HashMap<Key, Vec<(i64, Instant)>>>;

fn written() -> &'static Written {
    static WRITTEN: OnceLock<Written> = OnceLock::new();
    WRITTEN.get_or_init(|| Mutex::new(HashMap::new()))
}

/// The numeric id at the end of a GID, or the id itself.
fn id(gid: &str) -> String {
    gid.rsplit('/').next().unwrap_or(gid).to_owned()
}

/// Remember that we set `available` for (`item`, `location`) (GIDs or numeric ids).
pub fn wrote(item: &str, location: &str, available: i64) {
    let mut map = written().lock().unwrap_or_else(|e| e.into_inner());
    let now = Instant::now();
    let list = map.entry((id(item), id(location))).or_default();
    list.retain(|(_, at)| now.duration_since(*at) < TTL);
    list.push((available, now));
}

/// Whether an `inventory_levels/update` body reports a value we wrote (consumes that memory).
pub fn is_echo(body: &serde_json::Value) -> bool {
    let text = |k: &str| match &body[k] {
        serde_json::Value::Number(n) => Some(n.to_string()),
        serde_json::Value::String(s) => Some(id(s)),
        _ => None,
    };
    let (Some(item), Some(location), Some(available)) =
        (text("inventory_item_id"), text("location_id"), body["available"].as_i64())
    else {
        return false;
    };
    let mut map = written().lock().unwrap_or_else(|e| e.into_inner());
    let Some(list) = map.get_mut(&(item, location)) else { return false };
    let now = Instant::now();
    match list.iter().position(|(v, at)| *v == available && now.duration_since(*at) < TTL) {
        Some(i) => {
            list.remove(i);
            true
        }
        None => false,
    }
}
