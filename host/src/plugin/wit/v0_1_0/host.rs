//! `weft:plugin@0.1.0` host imports: log, config, secrets, kv (see `plugin::imports`).

use super::bindings::connector::weft::plugin::{config, kv, log, secrets, types};
use crate::plugin::state::HostState;
use crate::plugin::wit::lift::Lift;
use wasmtime::component::{HasSelf, Linker};

/// Add the weft interfaces to `linker`.
pub(super) fn add_to_linker(linker: &mut Linker<HostState>) -> wasmtime::Result<()> {
    types::add_to_linker::<HostState, HasSelf<HostState>>(linker, |s| s)?;
    log::add_to_linker::<HostState, HasSelf<HostState>>(linker, |s| s)?;
    config::add_to_linker::<HostState, HasSelf<HostState>>(linker, |s| s)?;
    secrets::add_to_linker::<HostState, HasSelf<HostState>>(linker, |s| s)?;
    kv::add_to_linker::<HostState, HasSelf<HostState>>(linker, |s| s)?;
    Ok(())
}

impl types::Host for HostState {}

impl log::Host for HostState {
    fn log(&mut self, level: types::Level, message: String, fields: Vec<(String, String)>) {
        HostState::log(self, level.lift(), &message, &fields);
    }
}

impl config::Host for HostState {
    fn get(&mut self, key: String) -> Option<String> {
        self.config_get(&key)
    }
}

impl secrets::Host for HostState {
    fn get(&mut self, name: String) -> Option<String> {
        self.secret_get(&name)
    }
}

impl kv::Host for HostState {
    fn get(&mut self, key: String) -> Option<Vec<u8>> {
        self.kv_get(&key)
    }

    fn set(&mut self, key: String, value: Vec<u8>) -> Result<(), types::PluginError> {
        self.kv_put(&key, Some(&value)).map_err(Lift::lift)
    }

    fn delete(&mut self, key: String) -> Result<(), types::PluginError> {
        self.kv_put(&key, None).map_err(Lift::lift)
    }

    fn list_keys(&mut self, prefix: String, limit: u32) -> Vec<String> {
        self.kv_list(&prefix, limit)
    }
}
