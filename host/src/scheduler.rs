//! Interval and cron triggers: each due flow gets one durable `pull` job. A flow whose pull is
//! still queued or running is not started again, nor one whose pull failed all its attempts
//! with a retryable error (it waits, dead-lettered, for a person to retry or discard it), and
//! ticks missed while weft was down run once.
//! Every host of a shared store runs a scheduler; the store fires each tick once
//! ([`crate::store::ScheduleStore::fire_tick`]), so one host enqueues it.

use crate::config::flow::parse_interval;
use crate::config::FlowConfig;
use crate::flow::Work;
use crate::queue::Queue;
use crate::store::{NewJob, StoreError};
use std::collections::BTreeMap;
use std::str::FromStr;

/// When a flow is due.
#[derive(Debug, Clone)]
pub enum Schedule {
    /// Every N milliseconds.
    Every(u64),
    /// A cron expression.
    Cron(Box<cron::Schedule>),
}

impl Schedule {
    /// The flow's schedule, if it has one (`every` wins over `cron`; config validation checked both).
    pub fn of(flow: &FlowConfig) -> Option<Schedule> {
        if let Some(every) = &flow.trigger.every {
            return parse_interval(every).ok().map(|d| Schedule::Every(d.as_millis() as u64));
        }
        flow.trigger.cron.as_deref().and_then(|c| cron::Schedule::from_str(c).ok()).map(|s| Schedule::Cron(Box::new(s)))
    }

    /// Whether a tick falls in (last, now]; with no last tick, the flow is due at once.
    pub fn due(&self, last_ms: Option<u64>, now_ms: u64) -> bool {
        let Some(last) = last_ms else { return true };
        match self {
            Schedule::Every(ms) => now_ms >= last.saturating_add(*ms),
            Schedule::Cron(schedule) => {
                let Some(after) = chrono_from_ms(last) else { return false };
                schedule.after(&after).next().is_some_and(|next| (next.timestamp_millis() as u64) <= now_ms)
            }
        }
    }
}

fn chrono_from_ms(ms: u64) -> Option<chrono::DateTime<chrono::Utc>> {
    chrono::DateTime::from_timestamp_millis(ms as i64)
}

/// Fires due flows into the queue.
pub struct Scheduler {
    queue: Queue,
    flows: BTreeMap<String, Schedule>,
}

/// The pull job of `flow`'s schedule, made at `now_ms` (by a tick, or by a pull that reads on).
pub fn scheduled_pull(flow: &str, now_ms: u64) -> NewJob {
    NewJob {
        flow: flow.to_owned(),
        trigger: "schedule".into(),
        key: format!("pull@{now_ms}"),
        payload: Work::Pull.payload().unwrap_or_default(),
        dedupe_id: None,
    }
}

impl Scheduler {
    /// A scheduler for every flow that has `every` or `cron`.
    pub fn new(queue: Queue, flows: &BTreeMap<String, FlowConfig>) -> Scheduler {
        let flows = flows.iter().filter_map(|(name, f)| Schedule::of(f).map(|s| (name.clone(), s))).collect();
        Scheduler { queue, flows }
    }

    /// Enqueue a pull for each due flow whose previous pull is done; returns the flows this
    /// scheduler fired (another host's scheduler may have fired a tick first). Missed ticks
    /// collapse into this one firing, because only the last tick time is kept.
    pub fn tick(&self) -> Result<Vec<String>, StoreError> {
        let store = self.queue.store();
        let now = self.queue.clock().now_ms();
        let mut fired = Vec::new();
        for (name, schedule) in &self.flows {
            let last = store.last_tick(name)?;
            if !schedule.due(last, now) {
                continue;
            }
            let job = scheduled_pull(name, now);
            if store.fire_tick(name, last, now, Some(&job))? {
                fired.push(name.clone());
            }
        }
        Ok(fired)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals_and_cron_are_due_once_per_missed_window() {
        let every = Schedule::Every(30_000);
        assert!(every.due(None, 0));
        assert!(!every.due(Some(1_000), 30_999));
        assert!(every.due(Some(1_000), 31_000));
        assert!(every.due(Some(0), 10_000_000), "hours of downtime: due, once");
        let cron = Schedule::Cron(Box::new(cron::Schedule::from_str("0 * * * * *").unwrap()));
        let minute = 60_000u64;
        assert!(!cron.due(Some(10 * minute + 1), 10 * minute + 30_000));
        assert!(cron.due(Some(10 * minute + 1), 11 * minute));
    }
}
