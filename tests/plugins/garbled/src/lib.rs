//! A transform whose `transform-batch.apply-encoded` misbehaves on purpose, to prove the host
//! takes its answer as untrusted input. Config `mode`: `garbage` answers bytes that are no
//! encoding of outcomes; `refuse` answers a plugin error for the whole batch. Its `apply`
//! passes records through unchanged.

wit_bindgen::generate!({
    path: "../../../wit/weft-plugin@0.2.0",
    world: "transform-batch-plugin",
});

use exports::weft::plugin::{transform, transform_batch};
use weft::plugin::types::{PluginError, PluginInfo, Record};

struct Garbled;

impl transform::Guest for Garbled {
    fn describe() -> PluginInfo {
        PluginInfo {
            id: "garbled".into(),
            version: "0.1.0".into(),
            description: "answers apply-encoded badly".into(),
            entities: vec![],
            config_keys: vec![],
            secrets: vec![],
        }
    }

    fn apply(records: Vec<Record>) -> Vec<Result<Vec<Record>, PluginError>> {
        records.into_iter().map(|r| Ok(vec![r])).collect()
    }
}

impl transform_batch::Guest for Garbled {
    fn apply_encoded(_records: Vec<u8>) -> Result<Vec<u8>, PluginError> {
        match weft::plugin::config::get("mode").as_deref() {
            Some("refuse") => Err(PluginError::Permanent("cannot read this batch".into())),
            // One outcome, whose case index (9) no result has.
            _ => Ok(vec![1, 9]),
        }
    }
}

export!(Garbled);
