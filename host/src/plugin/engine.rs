//! The wasmtime engine shared by every plugin: configuration, epoch ticker and linkers.

use super::wit::Linkers;
use std::hash::{Hash, Hasher};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use wasmtime::{Config, Engine, InstanceAllocationStrategy, OptLevel, PoolingAllocationConfig};

/// How often the ticker thread advances the epoch; deadlines are counted in these ticks.
pub const EPOCH_TICK: Duration = Duration::from_millis(10);

/// Instances that may be alive at once (pooling allocator slots).
const MAX_LIVE_INSTANCES: u32 = 64;

/// The engine, a linker per WIT version with every host import, and the epoch ticker.
pub struct PluginEngine {
    pub(super) engine: Engine,
    pub(super) linkers: Linkers,
    _ticker: EpochTicker,
}

impl PluginEngine {
    /// Build an engine whose pooled linear memories can grow to `max_memory_bytes`.
    pub fn new(max_memory_bytes: usize) -> wasmtime::Result<PluginEngine> {
        let mut pool = PoolingAllocationConfig::default();
        pool.total_component_instances(MAX_LIVE_INSTANCES)
            .total_core_instances(MAX_LIVE_INSTANCES * 8)
            .max_core_instances_per_component(40)
            .max_memories_per_component(8)
            .total_memories(MAX_LIVE_INSTANCES * 4)
            .max_tables_per_component(40)
            .total_tables(MAX_LIVE_INSTANCES * 8)
            .table_elements(200_000)
            // Reset a table's first 16 KiB with memset instead of madvise: a Rust plugin's two
            // tables then cost no system call per job (instantiate 13 -> 8.5 µs).
            .table_keep_resident(16 << 10)
            .max_memory_size(max_memory_bytes)
            .max_core_instance_size(4 << 20)
            .max_component_instance_size(4 << 20);
        let mut config = Config::new();
        // `perf` names the plugins' functions from /tmp/perf-PID.map when asked.
        if std::env::var_os("WEFT_PERFMAP").is_some() {
            config.profiler(wasmtime::ProfilingStrategy::PerfMap);
        }
        config
            .epoch_interruption(true)
            .cranelift_opt_level(OptLevel::Speed)
            .wasm_component_model(true)
            .wasm_component_model_async(true)
            .allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
        let engine = Engine::new(&config)?;
        let linkers = Linkers::new(&engine)?;
        let ticker = EpochTicker::start(&engine)
            .map_err(|e| wasmtime::format_err!("cannot start the epoch ticker thread: {e}"))?;
        Ok(PluginEngine { engine, linkers, _ticker: ticker })
    }

    /// Identifies compiled artifacts this engine can load: wasmtime version + engine settings.
    pub fn cache_key(&self) -> String {
        let mut hasher = std::hash::DefaultHasher::new();
        self.engine.precompile_compatibility_hash().hash(&mut hasher);
        format!("wasmtime{}-{:016x}", wasmtime_version(), hasher.finish())
    }

    /// Number of epoch ticks in `deadline` (at least one).
    pub fn ticks(deadline: Duration) -> u64 {
        (deadline.as_millis() / EPOCH_TICK.as_millis()).max(1) as u64 + 1
    }
}

fn wasmtime_version() -> &'static str {
    // The pinned wasmtime version (see the workspace Cargo.toml); part of the cache key so an
    // upgrade never loads stale artifacts.
    "48.0.8"
}

/// A thread that increments the engine's epoch every [`EPOCH_TICK`] until dropped.
struct EpochTicker {
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl EpochTicker {
    fn start(engine: &Engine) -> std::io::Result<EpochTicker> {
        let stop = Arc::new(AtomicBool::new(false));
        let weak = engine.weak();
        let flag = stop.clone();
        let thread = std::thread::Builder::new().name("weft-epoch".into()).spawn(move || {
            while !flag.load(Ordering::Relaxed) {
                std::thread::sleep(EPOCH_TICK);
                match weak.upgrade() {
                    Some(engine) => engine.increment_epoch(),
                    None => break,
                }
            }
        })?;
        Ok(EpochTicker { stop, thread: Some(thread) })
    }
}

impl Drop for EpochTicker {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
