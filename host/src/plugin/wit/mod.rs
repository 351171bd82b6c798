//! The WIT version seam. Each contract version this host implements has its own module with
//! its own `bindgen!`, linker, host imports and conversions into the host's [`crate::model`];
//! nothing outside this folder sees generated types. A plugin is served by the module of the
//! version it was built against, so plugins of every supported version load side by side.
//!
//! Adding a version: a module beside `v0_2_0` (`version::weft_version!` and its `convert`), a
//! [`WitVersion`] case, and an arm in each match below (the compiler lists them).

mod lift;
mod v0_1_0;
mod v0_2_0;
mod version;

use super::manifest::PluginKind;
use super::state::HostState;
use crate::model::{ChangeEvent, Entity, KeyedRecord, Page, PluginError, PluginInfo, Pushed, Record};
use std::fmt;
use wasmtime::component::{Component, Linker};
use wasmtime::{Engine, Store};

/// The WIT package every version belongs to.
pub const WIT_PACKAGE: &str = "weft:plugin";

/// A version of the `weft:plugin` contract this host implements.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum WitVersion {
    /// `weft:plugin@0.1.0`.
    V0_1_0,
    /// `weft:plugin@0.2.0`.
    V0_2_0,
}

impl WitVersion {
    /// Every version this host implements, oldest first.
    pub const SUPPORTED: [WitVersion; 2] = [WitVersion::V0_1_0, WitVersion::V0_2_0];

    /// The version new plugins are built against (`weft plugins new`, the SDKs).
    pub const NEWEST: WitVersion = WitVersion::V0_2_0;

    /// The version's number.
    pub fn number(self) -> semver::Version {
        match self {
            WitVersion::V0_1_0 => semver::Version::new(0, 1, 0),
            WitVersion::V0_2_0 => semver::Version::new(0, 2, 0),
        }
    }

    /// The version that serves a plugin built against `version`: the same major version, and
    /// for 0.x the same minor (semver: 0.1.7 is served by 0.1.0, 0.2.0 is not).
    pub fn serving(version: &semver::Version) -> Option<WitVersion> {
        WitVersion::SUPPORTED.into_iter().find(|v| {
            let n = v.number();
            n.major == version.major && (n.major > 0 || n.minor == version.minor)
        })
    }

    /// The versions this host implements, for messages (`0.1.0`).
    pub fn supported_text() -> String {
        WitVersion::SUPPORTED.map(|v| format!("{WIT_PACKAGE}@{}", v.number())).join(", ")
    }
}

impl fmt::Display for WitVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{WIT_PACKAGE}@{}", self.number())
    }
}

/// One linker per version, each with that version's host imports (and WASI, wasi:http).
pub(super) struct Linkers {
    v0_1_0: Linker<HostState>,
    v0_2_0: Linker<HostState>,
}

impl Linkers {
    /// Linkers for every supported version.
    pub(super) fn new(engine: &Engine) -> wasmtime::Result<Linkers> {
        let mut v0_1_0 = Linker::new(engine);
        v0_1_0::add_to_linker(&mut v0_1_0)?;
        let mut v0_2_0 = Linker::new(engine);
        v0_2_0::add_to_linker(&mut v0_2_0)?;
        Ok(Linkers { v0_1_0, v0_2_0 })
    }
}

/// A component linked and pre-instantiated for its version and world.
pub(super) enum Pre {
    V0_1_0(v0_1_0::Pre),
    V0_2_0(v0_2_0::Pre),
}

impl Pre {
    /// Link `component`, built against `version`, as a plugin of `kind`.
    pub(super) fn new(
        linkers: &Linkers,
        version: WitVersion,
        kind: PluginKind,
        component: &Component,
    ) -> Result<Pre, String> {
        match version {
            WitVersion::V0_1_0 => v0_1_0::Pre::new(&linkers.v0_1_0, kind, component).map(Pre::V0_1_0),
            WitVersion::V0_2_0 => v0_2_0::Pre::new(&linkers.v0_2_0, kind, component).map(Pre::V0_2_0),
        }
    }

    /// True when the component is a transform that also exports `transform-batch`.
    pub(super) fn takes_encoded_batches(&self) -> bool {
        match self {
            Pre::V0_1_0(pre) => pre.takes_encoded_batches(),
            Pre::V0_2_0(pre) => pre.takes_encoded_batches(),
        }
    }

    /// A fresh instance in `store`.
    pub(super) fn instantiate(&self, store: &mut Store<HostState>) -> wasmtime::Result<Instance> {
        match self {
            Pre::V0_1_0(pre) => pre.instantiate(store).map(Instance::V0_1_0),
            Pre::V0_2_0(pre) => pre.instantiate(store).map(Instance::V0_2_0),
        }
    }
}

/// A live instance. Each call converts the host's model into the version's types and back; a
/// call the instance's world does not have is `None`.
pub(super) enum Instance {
    V0_1_0(v0_1_0::Instance),
    V0_2_0(v0_2_0::Instance),
}

/// The outcome of one call: `None` when the world has no such function.
pub(super) type Call<T> = Option<wasmtime::Result<T>>;

impl Instance {
    /// `describe()` of either world.
    pub(super) fn describe(&self, store: &mut Store<HostState>) -> wasmtime::Result<PluginInfo> {
        match self {
            Instance::V0_1_0(i) => i.describe(store),
            Instance::V0_2_0(i) => i.describe(store),
        }
    }

    /// Connector `check()`.
    pub(super) fn check(&self, store: &mut Store<HostState>) -> Call<Result<(), PluginError>> {
        match self {
            Instance::V0_1_0(i) => i.check(store),
            Instance::V0_2_0(i) => i.check(store),
        }
    }

    /// Connector `pull(entity, cursor, limit)`.
    pub(super) fn pull(
        &self,
        store: &mut Store<HostState>,
        entity: Entity,
        cursor: Option<&str>,
        limit: u32,
    ) -> Call<Result<Page, PluginError>> {
        match self {
            Instance::V0_1_0(i) => i.pull(store, entity, cursor, limit),
            Instance::V0_2_0(i) => i.pull(store, entity, cursor, limit),
        }
    }

    /// Connector `fetch(entity, ids)`.
    pub(super) fn fetch(
        &self,
        store: &mut Store<HostState>,
        entity: Entity,
        ids: &[String],
    ) -> Call<Vec<Result<Option<Record>, PluginError>>> {
        match self {
            Instance::V0_1_0(i) => i.fetch(store, entity, ids),
            Instance::V0_2_0(i) => i.fetch(store, entity, ids),
        }
    }

    /// Connector `push(entity, records)`.
    pub(super) fn push(
        &self,
        store: &mut Store<HostState>,
        entity: Entity,
        records: &[KeyedRecord],
    ) -> Call<Vec<Result<Pushed, PluginError>>> {
        match self {
            Instance::V0_1_0(i) => i.push(store, entity, records),
            Instance::V0_2_0(i) => i.push(store, entity, records),
        }
    }

    /// Connector `parse-event(headers, body)`.
    pub(super) fn parse_event(
        &self,
        store: &mut Store<HostState>,
        headers: &[(String, String)],
        body: &[u8],
    ) -> Call<Result<Vec<ChangeEvent>, PluginError>> {
        match self {
            Instance::V0_1_0(i) => i.parse_event(store, headers, body),
            Instance::V0_2_0(i) => i.parse_event(store, headers, body),
        }
    }

    /// Transform `apply(records)`.
    pub(super) fn apply(
        &self,
        store: &mut Store<HostState>,
        records: &[Record],
    ) -> Call<Vec<Result<Vec<Record>, PluginError>>> {
        match self {
            Instance::V0_1_0(i) => i.apply(store, records),
            Instance::V0_2_0(i) => i.apply(store, records),
        }
    }
}
