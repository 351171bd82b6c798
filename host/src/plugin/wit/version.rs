//! What every version module has in common, written once: `weft_version!("../wit/weft-plugin@X")`
//! expands, inside a version's module, to its bindings (`bindgen!` of both worlds), its linker
//! with the host imports (log, config, secrets, kv), and `Pre`/`Instance` whose calls convert the
//! host's model into the version's types and back. The version's own `convert` module supplies
//! the conversions, including the fallible ones into the version: `entity`, `record` and
//! `push_record` (a record kind or entity an older contract does not have, or a record a
//! connector of it cannot be told how to import, is refused there, per record, with a reason),
//! and `restore` (what a transform of the version could not see, taken back from its input).

/// Expand a version module (see the module documentation).
macro_rules! weft_version {
    ($path:tt) => {
        use super::lift::Lift;
        use crate::model;
        use crate::plugin::manifest::PluginKind;
        use crate::plugin::state::HostState;
        use bindings::connector::{ConnectorPlugin, ConnectorPluginPre};
        use bindings::transform::{TransformPlugin, TransformPluginPre};
        use wasmtime::component::{Component, HasSelf, Linker};
        use wasmtime::Store;

        /// Generated from the version's WIT. The `connector` world's bindings own the shared
        /// interfaces (types, log, config, secrets, kv); the `transform` world reuses them.
        mod bindings {
            pub mod connector {
                wasmtime::component::bindgen!({
                    path: $path,
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
                    path: $path,
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

        use bindings::connector::weft::plugin::{config as wit_config, kv as wit_kv, log as wit_log, secrets as wit_secrets};

        /// Add WASI p2, wasi:http (through the policy hook) and the weft interfaces to `linker`.
        pub(super) fn add_to_linker(linker: &mut Linker<HostState>) -> wasmtime::Result<()> {
            wasmtime_wasi::p2::add_to_linker_sync(linker)?;
            wasmtime_wasi_http::p2::add_only_http_to_linker_sync(linker)?;
            bindings::types::add_to_linker::<HostState, HasSelf<HostState>>(linker, |s| s)?;
            wit_log::add_to_linker::<HostState, HasSelf<HostState>>(linker, |s| s)?;
            wit_config::add_to_linker::<HostState, HasSelf<HostState>>(linker, |s| s)?;
            wit_secrets::add_to_linker::<HostState, HasSelf<HostState>>(linker, |s| s)?;
            wit_kv::add_to_linker::<HostState, HasSelf<HostState>>(linker, |s| s)?;
            Ok(())
        }

        impl bindings::types::Host for HostState {}

        impl wit_log::Host for HostState {
            fn log(&mut self, level: bindings::types::Level, message: String, fields: Vec<(String, String)>) {
                HostState::log(self, level.lift(), &message, &fields);
            }
        }

        impl wit_config::Host for HostState {
            fn get(&mut self, key: String) -> Option<String> {
                self.config_get(&key)
            }
        }

        impl wit_secrets::Host for HostState {
            fn get(&mut self, name: String) -> Option<String> {
                self.secret_get(&name)
            }
        }

        impl wit_kv::Host for HostState {
            fn get(&mut self, key: String) -> Option<Vec<u8>> {
                self.kv_get(&key)
            }

            fn set(&mut self, key: String, value: Vec<u8>) -> Result<(), bindings::types::PluginError> {
                self.kv_put(&key, Some(&value)).map_err(Lift::lift)
            }

            fn delete(&mut self, key: String) -> Result<(), bindings::types::PluginError> {
                self.kv_put(&key, None).map_err(Lift::lift)
            }

            fn list_keys(&mut self, prefix: String, limit: u32) -> Vec<String> {
                self.kv_list(&prefix, limit)
            }
        }

        /// A component of this version, pre-instantiated for its world.
        pub(in crate::plugin) enum Pre {
            Connector(ConnectorPluginPre<HostState>),
            Transform(TransformPluginPre<HostState>),
        }

        impl Pre {
            pub(super) fn new(linker: &Linker<HostState>, kind: PluginKind, component: &Component) -> Result<Pre, String> {
                let pre = linker.instantiate_pre(component).map_err(|e| {
                    format!("cannot link: {e:#} (the component imports something this host does not provide)")
                })?;
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

        /// A live instance of this version.
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
                let entity = match convert::entity(entity) {
                    Ok(e) => e,
                    Err(refused) => return Some(Ok(Err(refused))),
                };
                Some(c.weft_plugin_connector().call_pull(store, entity, cursor, limit).map(Lift::lift))
            }

            pub(super) fn fetch(
                &self,
                store: &mut Store<HostState>,
                entity: model::Entity,
                ids: &[String],
            ) -> Call<Vec<Result<Option<model::Record>, model::PluginError>>> {
                let c = self.connector()?;
                let entity = match convert::entity(entity) {
                    Ok(e) => e,
                    Err(refused) => return Some(Ok(ids.iter().map(|_| Err(refused.clone())).collect())),
                };
                Some(c.weft_plugin_connector().call_fetch(store, entity, ids).map(Lift::lift))
            }

            pub(super) fn push(
                &self,
                store: &mut Store<HostState>,
                entity: model::Entity,
                records: &[model::KeyedRecord],
            ) -> Call<Vec<Result<model::Pushed, model::PluginError>>> {
                let c = self.connector()?;
                let entity = match convert::entity(entity) {
                    Ok(e) => e,
                    Err(refused) => return Some(Ok(records.iter().map(|_| Err(refused.clone())).collect())),
                };
                // Records this version cannot carry are refused one by one; the rest are pushed.
                let (refused, keyed) = super::version::carry(
                    records.iter().map(|r| convert::push_record(r.record.clone()).map(|record| bindings::types::KeyedRecord { key: r.key.clone(), record })),
                );
                Some(c.weft_plugin_connector().call_push(store, entity, &keyed).map(|pushed| super::version::merge(refused, pushed.lift())))
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
                let (refused, converted) = super::version::carry(records.iter().cloned().map(convert::record));
                let outcomes = t.weft_plugin_transform().call_apply(store, &converted).map(|out| super::version::merge(refused, out.lift()));
                // What the version cannot carry comes back from the record it was given.
                Some(outcomes.map(|outcomes| {
                    records
                        .iter()
                        .zip(outcomes)
                        .map(|(input, out)| out.map(|records| records.into_iter().map(|r| convert::restore(input, r)).collect()))
                        .collect()
                }))
            }
        }
    };
}

pub(super) use weft_version;

use crate::model::PluginError;

/// What a version can carry of `items`, in order, and for each item the error of its refusal
/// (`None`: carried).
pub(super) fn carry<T>(items: impl Iterator<Item = Result<T, PluginError>>) -> (Vec<Option<PluginError>>, Vec<T>) {
    let mut refused = Vec::new();
    let mut carried = Vec::new();
    for item in items {
        match item {
            Ok(t) => {
                refused.push(None);
                carried.push(t);
            }
            Err(e) => refused.push(Some(e)),
        }
    }
    (refused, carried)
}

/// One outcome per item of [`carry`]: its refusal, or the next outcome of the call on the
/// carried items. A call that answered fewer outcomes than it was given fails the rest.
pub(super) fn merge<T>(
    refused: Vec<Option<PluginError>>,
    outcomes: Vec<Result<T, PluginError>>,
) -> Vec<Result<T, PluginError>> {
    let mut outcomes = outcomes.into_iter();
    refused
        .into_iter()
        .map(|r| match r {
            Some(e) => Err(e),
            None => outcomes.next().unwrap_or_else(|| {
                Err(PluginError::Permanent("the plugin returned fewer outcomes than records".into()))
            }),
        })
        .collect()
}
