//! Host-side bindings of the `weft:plugin@0.1.0` worlds, generated from `wit/`.
//!
//! The `connector` world's bindings own the shared interfaces (types, log, config, secrets,
//! kv); the `transform` world reuses them.

/// Bindings of world `connector`, plus the shared types and host interfaces.
pub mod connector {
    wasmtime::component::bindgen!({
        path: "../wit/weft-plugin@0.1.0",
        world: "connector-plugin",
        with: {
            "wasi:http": wasmtime_wasi_http::p2::bindings::http,
            "wasi": wasmtime_wasi::p2::bindings,
        },
        additional_derives: [serde::Serialize, serde::Deserialize, PartialEq],
        require_store_data_send: true,
    });
}

/// Bindings of world `transform`.
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

pub use connector::exports::weft::plugin::connector as connector_api;
pub use connector::weft::plugin::types;
