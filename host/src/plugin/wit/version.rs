//! What every version module has in common, written once: `weft_version!("../wit/weft-plugin@X", VX)`
//! expands, inside a version's module, to its bindings (`bindgen!` of both worlds), its linker
//! with the host imports (log, config, secrets, kv), and `Pre`/`Instance` whose calls convert the
//! host's model into the version's types and back. The version's own `convert` module supplies
//! the conversions, including the fallible ones into the version: `entity`, `record` and
//! `push_record` (a record kind or entity an older contract does not have, or a record a
//! connector of it cannot be told how to import, is refused there, per record, with a reason),
//! and `restore` (what a transform of the version could not see, taken back from its input).

/// Expand a version module (see the module documentation).
macro_rules! weft_version {
    ($path:tt, $version:ident) => {
        use super::lift::Lift;
        use crate::model;
        use crate::plugin::manifest::PluginKind;
        use crate::plugin::state::HostState;
        use bindings::connector::ConnectorPluginIndices;
        use bindings::transform::TransformPluginIndices;
        use bindings::types;
        use std::sync::atomic::{AtomicBool, Ordering};
        use wasmtime::component::{
            Component, ComponentExportIndex, ComponentNamedList, HasSelf, InstancePre, Lift as ComponentLift, Linker,
            Lower,
        };
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

        /// The functions of this version's world, by export index (found once per component).
        #[derive(Clone, Copy)]
        enum Exports {
            Connector {
                describe: ComponentExportIndex,
                check: ComponentExportIndex,
                pull: ComponentExportIndex,
                fetch: ComponentExportIndex,
                push: ComponentExportIndex,
                parse_event: ComponentExportIndex,
            },
            Transform {
                describe: ComponentExportIndex,
                apply: ComponentExportIndex,
                /// `transform-batch.apply-encoded`, when the component exports it.
                apply_encoded: Option<ComponentExportIndex>,
            },
        }

        /// `apply-encoded`'s signature: a postcard buffer in, one out.
        type EncodedParams<'a> = (&'a [u8],);
        type EncodedAnswer = Result<Vec<u8>, types::PluginError>;

        /// bindgen's lookup of the world's exports, whose `load` checks every export's type.
        enum Typed {
            Connector(ConnectorPluginIndices),
            Transform(TransformPluginIndices),
        }

        /// A component of this version, pre-instantiated for its world.
        pub(in crate::plugin) struct Pre {
            pre: InstancePre<HostState>,
            exports: Exports,
            typed: Typed,
            /// Set once an instance passed `typed`'s check: the types are the component's, so
            /// later instances skip it (it was a third of an instantiation).
            checked: AtomicBool,
        }

        impl Pre {
            pub(super) fn new(linker: &Linker<HostState>, kind: PluginKind, component: &Component) -> Result<Pre, String> {
                let pre = linker.instantiate_pre(component).map_err(|e| {
                    format!("cannot link: {e:#} (the component imports something this host does not provide)")
                })?;
                let version = super::WitVersion::$version;
                let (typed, exports) = match kind {
                    PluginKind::Connector => {
                        let typed = ConnectorPluginIndices::new(&pre).map_err(|e| format!("not a connector: {e:#}"))?;
                        let [describe, check, pull, fetch, push, parse_event] = super::version::exports(
                            component,
                            version,
                            "connector",
                            ["describe", "check", "pull", "fetch", "push", "parse-event"],
                        )?;
                        (Typed::Connector(typed), Exports::Connector { describe, check, pull, fetch, push, parse_event })
                    }
                    PluginKind::Transform => {
                        let typed = TransformPluginIndices::new(&pre).map_err(|e| format!("not a transform: {e:#}"))?;
                        let [describe, apply] = super::version::exports(component, version, "transform", ["describe", "apply"])?;
                        let apply_encoded = convert::ENCODED_BATCHES
                            .then(|| super::version::exports(component, version, "transform-batch", ["apply-encoded"]).ok())
                            .flatten()
                            .map(|[index]| index);
                        (Typed::Transform(typed), Exports::Transform { describe, apply, apply_encoded })
                    }
                };
                Ok(Pre { pre, exports, typed, checked: AtomicBool::new(false) })
            }

            /// True when the component takes its transform batches as one buffer.
            pub(super) fn takes_encoded_batches(&self) -> bool {
                matches!(self.exports, Exports::Transform { apply_encoded: Some(_), .. })
            }

            pub(super) fn instantiate(&self, store: &mut Store<HostState>) -> wasmtime::Result<Instance> {
                let instance = self.pre.instantiate(&mut *store)?;
                if !self.checked.load(Ordering::Acquire) {
                    match &self.typed {
                        Typed::Connector(typed) => {
                            typed.load(&mut *store, &instance)?;
                        }
                        Typed::Transform(typed) => {
                            typed.load(&mut *store, &instance)?;
                            if let Exports::Transform { apply_encoded: Some(index), .. } = &self.exports {
                                instance.get_typed_func::<EncodedParams, (EncodedAnswer,)>(&mut *store, index)?;
                            }
                        }
                    }
                    self.checked.store(true, Ordering::Release);
                }
                Ok(Instance { instance, exports: self.exports })
            }
        }

        /// A live instance of this version.
        pub(in crate::plugin) struct Instance {
            instance: wasmtime::component::Instance,
            exports: Exports,
        }

        type Call<T> = super::Call<T>;

        impl Instance {
            /// Call the export at `index`, whose type is `P -> R`.
            fn call<P, R>(&self, store: &mut Store<HostState>, index: ComponentExportIndex, params: P) -> wasmtime::Result<R>
            where
                P: ComponentNamedList + Lower,
                (R,): ComponentNamedList + ComponentLift,
            {
                // SAFETY: `index` is the export of the world function whose WIT signature is
                // `P -> R` (the call sites below spell them as bindgen does), and
                // `Pre::instantiate` checked every export's type on this component's first
                // instance: types belong to the component, not the instance.
                unsafe { super::version::call_unchecked::<P, (R,)>(&self.instance, store, &index, params) }.map(|(r,)| r)
            }

            pub(super) fn describe(&self, store: &mut Store<HostState>) -> wasmtime::Result<model::PluginInfo> {
                let (Exports::Connector { describe, .. } | Exports::Transform { describe, .. }) = self.exports;
                self.call::<(), types::PluginInfo>(store, describe, ()).map(Lift::lift)
            }

            pub(super) fn check(&self, store: &mut Store<HostState>) -> Call<Result<(), model::PluginError>> {
                let Exports::Connector { check, .. } = self.exports else { return None };
                Some(self.call::<(), Result<(), types::PluginError>>(store, check, ()).map(Lift::lift))
            }

            pub(super) fn pull(
                &self,
                store: &mut Store<HostState>,
                entity: model::Entity,
                cursor: Option<&str>,
                limit: u32,
            ) -> Call<Result<model::Page, model::PluginError>> {
                let Exports::Connector { pull, .. } = self.exports else { return None };
                let entity = match convert::entity(entity) {
                    Ok(e) => e,
                    Err(refused) => return Some(Ok(Err(refused))),
                };
                Some(self.call::<_, Result<types::Page, types::PluginError>>(store, pull, (entity, cursor, limit)).map(Lift::lift))
            }

            pub(super) fn fetch(
                &self,
                store: &mut Store<HostState>,
                entity: model::Entity,
                ids: &[String],
            ) -> Call<Vec<Result<Option<model::Record>, model::PluginError>>> {
                let Exports::Connector { fetch, .. } = self.exports else { return None };
                let entity = match convert::entity(entity) {
                    Ok(e) => e,
                    Err(refused) => return Some(Ok(ids.iter().map(|_| Err(refused.clone())).collect())),
                };
                Some(self.call::<_, Vec<Result<Option<types::Record>, types::PluginError>>>(store, fetch, (entity, ids)).map(Lift::lift))
            }

            pub(super) fn push(
                &self,
                store: &mut Store<HostState>,
                entity: model::Entity,
                records: &[model::KeyedRecord],
            ) -> Call<Vec<Result<model::Pushed, model::PluginError>>> {
                let Exports::Connector { push, .. } = self.exports else { return None };
                let entity = match convert::entity(entity) {
                    Ok(e) => e,
                    Err(refused) => return Some(Ok(records.iter().map(|_| Err(refused.clone())).collect())),
                };
                // Records this version cannot carry are refused one by one; the rest are pushed.
                let (refused, keyed) = super::version::carry(
                    records.iter().map(|r| convert::push_record(r.record.clone()).map(|record| bindings::types::KeyedRecord { key: r.key.clone(), record })),
                );
                Some(
                    self.call::<_, Vec<Result<types::Pushed, types::PluginError>>>(store, push, (entity, keyed.as_slice()))
                        .map(|pushed| super::version::merge(refused, pushed.lift())),
                )
            }

            pub(super) fn parse_event(
                &self,
                store: &mut Store<HostState>,
                headers: &[(String, String)],
                body: &[u8],
            ) -> Call<Result<Vec<model::ChangeEvent>, model::PluginError>> {
                let Exports::Connector { parse_event, .. } = self.exports else { return None };
                Some(self.call::<_, Result<Vec<types::ChangeEvent>, types::PluginError>>(store, parse_event, (headers, body)).map(Lift::lift))
            }

            pub(super) fn apply(
                &self,
                store: &mut Store<HostState>,
                records: &[model::Record],
            ) -> Call<Vec<Result<Vec<model::Record>, model::PluginError>>> {
                let Exports::Transform { apply, apply_encoded, .. } = self.exports else { return None };
                if let Some(index) = apply_encoded {
                    return Some(self.apply_encoded(store, index, records));
                }
                let (refused, converted) = super::version::carry(records.iter().cloned().map(convert::record));
                let outcomes = self
                    .call::<_, Vec<Result<Vec<types::Record>, types::PluginError>>>(store, apply, (converted.as_slice(),))
                    .map(|out| super::version::merge(refused, out.lift()));
                // What the version cannot carry comes back from the record it was given.
                Some(outcomes.map(|outcomes| {
                    records
                        .iter()
                        .zip(outcomes)
                        .map(|(input, out)| out.map(|records| records.into_iter().map(|r| convert::restore(input, r)).collect()))
                        .collect()
                }))
            }

            /// `apply` through `transform-batch.apply-encoded`: the batch and its outcomes each
            /// cross as one postcard buffer, encoded from and decoded into the model directly (a
            /// version with `convert::ENCODED_BATCHES` has the model's shape). An answer that does
            /// not decode fails the call; one outcome per record, as `apply`.
            fn apply_encoded(
                &self,
                store: &mut Store<HostState>,
                index: ComponentExportIndex,
                records: &[model::Record],
            ) -> wasmtime::Result<Vec<Result<Vec<model::Record>, model::PluginError>>> {
                let batch = postcard::to_allocvec(records).map_err(|e| wasmtime::format_err!("cannot encode the batch: {e}"))?;
                let outcomes = match self.call::<EncodedParams, EncodedAnswer>(store, index, (batch.as_slice(),))? {
                    Ok(answer) => postcard::from_bytes(&answer)
                        .map_err(|e| wasmtime::format_err!("the plugin's apply-encoded answer does not decode: {e}"))?,
                    // The plugin could not read the batch: every record fails with its reason.
                    Err(failed) => vec![Err(failed.lift()); records.len()],
                };
                Ok(super::version::merge(vec![None; records.len()], outcomes))
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

/// The export index of each of `names`, functions of the world interface `interface` of
/// `version` in `component`.
pub(super) fn exports<const N: usize>(
    component: &wasmtime::component::Component,
    version: super::WitVersion,
    interface: &str,
    names: [&str; N],
) -> Result<[wasmtime::component::ComponentExportIndex; N], String> {
    let instance = format!("{}/{interface}@{}", super::WIT_PACKAGE, version.number());
    let exported = component
        .get_export_index(None, &instance)
        .ok_or_else(|| format!("no exported instance named `{instance}`"))?;
    let mut found = Vec::with_capacity(N);
    for name in names {
        let index = component
            .get_export_index(Some(&exported), name)
            .ok_or_else(|| format!("instance export `{instance}` does not have export `{name}`"))?;
        found.push(index);
    }
    found.try_into().map_err(|_| "export lookup miscounted".to_string())
}

/// Call the function export `index` of `instance` with `params`, without the type check
/// bindgen's typed lookup repeats on every instance.
///
/// # Safety
/// The export's type must be `P -> R` (checked once for its component).
pub(super) unsafe fn call_unchecked<P, R>(
    instance: &wasmtime::component::Instance,
    store: &mut wasmtime::Store<super::HostState>,
    index: &wasmtime::component::ComponentExportIndex,
    params: P,
) -> wasmtime::Result<R>
where
    P: wasmtime::component::ComponentNamedList + wasmtime::component::Lower,
    R: wasmtime::component::ComponentNamedList + wasmtime::component::Lift,
{
    let func = instance
        .get_func(&mut *store, index)
        .ok_or_else(|| wasmtime::format_err!("the instance has no such function export"))?;
    // SAFETY: the caller guarantees the export's type is `P -> R`.
    let typed = unsafe { wasmtime::component::TypedFunc::<P, R>::new_unchecked(func) };
    typed.call(store, params)
}
