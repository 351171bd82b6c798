//! `weft:plugin@0.1.0`: its bindings, linker, host imports and conversions into the model.

mod convert;
#[cfg(test)]
mod fuzz;
mod host;

use super::lift::Lift;
use crate::model;
use crate::plugin::manifest::PluginKind;
use crate::plugin::state::HostState;
use bindings::connector::{ConnectorPlugin, ConnectorPluginPre};
use bindings::transform::{TransformPlugin, TransformPluginPre};
use wasmtime::component::{Component, Linker};
use wasmtime::Store;

/// Generated from `wit/weft-plugin@0.1.0`. The `connector` world's bindings own the shared
/// interfaces (types, log, config, secrets, kv); the `transform` world reuses them.
mod bindings {
    pub mod connector {
        wasmtime::component::bindgen!({
            path: "../wit/weft-plugin@0.1.0",
            world: "connector-plugin",
            with: {
                "wasi:http": wasmtime_wasi_http::p2::bindings::http,
                "wasi": wasmtime_wasi::p2::bindings,
            },
            require_store_data_send: true,
        });
    }

    pub mod transform {
        wasmtime::component::bindgen!({
            path: "../wit/weft-plugin@0.1.0",
            world: "transform-plugin",
            with: {
                "weft:plugin/types": super::connector::weft::plugin::types,
                "weft:plugin/log": super::connector::weft::plugin::log,
                "weft:plugin/config": super::connector::weft::plugin::config,
                "weft:plugin/kv": super::connector::weft::plugin::kv,
            },
            require_store_data_send: true,
        });
    }

    pub use connector::weft::plugin::types;
}

/// Add WASI p2, wasi:http (through the policy hook) and the weft interfaces to `linker`.
pub(super) fn add_to_linker(linker: &mut Linker<HostState>) -> wasmtime::Result<()> {
    wasmtime_wasi::p2::add_to_linker_sync(linker)?;
    wasmtime_wasi_http::p2::add_only_http_to_linker_sync(linker)?;
    host::add_to_linker(linker)
}

/// A 0.1.0 component, pre-instantiated for its world.
pub(in crate::plugin) enum Pre {
    Connector(ConnectorPluginPre<HostState>),
    Transform(TransformPluginPre<HostState>),
}

impl Pre {
    pub(super) fn new(linker: &Linker<HostState>, kind: PluginKind, component: &Component) -> Result<Pre, String> {
        let pre = linker
            .instantiate_pre(component)
            .map_err(|e| format!("cannot link: {e:#} (the component imports something this host does not provide)"))?;
        Ok(match kind {
            PluginKind::Connector => {
                Pre::Connector(ConnectorPluginPre::new(pre).map_err(|e| format!("not a connector: {e:#}"))?)
            }
            PluginKind::Transform => {
                Pre::Transform(TransformPluginPre::new(pre).map_err(|e| format!("not a transform: {e:#}"))?)
            }
        })
    }

    pub(super) fn instantiate(&self, store: &mut Store<HostState>) -> wasmtime::Result<Instance> {
        Ok(match self {
            Pre::Connector(pre) => Instance::Connector(pre.instantiate(store)?),
            Pre::Transform(pre) => Instance::Transform(pre.instantiate(store)?),
        })
    }
}

/// A live 0.1.0 instance.
pub(in crate::plugin) enum Instance {
    Connector(ConnectorPlugin),
    Transform(TransformPlugin),
}

type Call<T> = super::Call<T>;

impl Instance {
    fn connector(&self) -> Option<&ConnectorPlugin> {
        match self {
            Instance::Connector(c) => Some(c),
            Instance::Transform(_) => None,
        }
    }

    pub(super) fn describe(&self, store: &mut Store<HostState>) -> wasmtime::Result<model::PluginInfo> {
        match self {
            Instance::Connector(c) => c.weft_plugin_connector().call_describe(store).map(Lift::lift),
            Instance::Transform(t) => t.weft_plugin_transform().call_describe(store).map(Lift::lift),
        }
    }

    pub(super) fn check(&self, store: &mut Store<HostState>) -> Call<Result<(), model::PluginError>> {
        let c = self.connector()?;
        Some(c.weft_plugin_connector().call_check(store).map(Lift::lift))
    }

    pub(super) fn pull(
        &self,
        store: &mut Store<HostState>,
        entity: model::Entity,
        cursor: Option<&str>,
        limit: u32,
    ) -> Call<Result<model::Page, model::PluginError>> {
        let c = self.connector()?;
        Some(c.weft_plugin_connector().call_pull(store, entity.lift(), cursor, limit).map(Lift::lift))
    }

    pub(super) fn fetch(
        &self,
        store: &mut Store<HostState>,
        entity: model::Entity,
        ids: &[String],
    ) -> Call<Vec<Result<Option<model::Record>, model::PluginError>>> {
        let c = self.connector()?;
        Some(c.weft_plugin_connector().call_fetch(store, entity.lift(), ids).map(Lift::lift))
    }

    pub(super) fn push(
        &self,
        store: &mut Store<HostState>,
        entity: model::Entity,
        records: &[model::KeyedRecord],
    ) -> Call<Vec<Result<model::Pushed, model::PluginError>>> {
        let c = self.connector()?;
        let records: Vec<bindings::types::KeyedRecord> = records.to_vec().lift();
        Some(c.weft_plugin_connector().call_push(store, entity.lift(), &records).map(Lift::lift))
    }

    pub(super) fn parse_event(
        &self,
        store: &mut Store<HostState>,
        headers: &[(String, String)],
        body: &[u8],
    ) -> Call<Result<Vec<model::ChangeEvent>, model::PluginError>> {
        let c = self.connector()?;
        Some(c.weft_plugin_connector().call_parse_event(store, headers, body).map(Lift::lift))
    }

    pub(super) fn apply(
        &self,
        store: &mut Store<HostState>,
        records: &[model::Record],
    ) -> Call<Vec<Result<Vec<model::Record>, model::PluginError>>> {
        let Instance::Transform(t) = self else { return None };
        let records: Vec<bindings::types::Record> = records.to_vec().lift();
        Some(t.weft_plugin_transform().call_apply(store, &records).map(Lift::lift))
    }
}
