//! Guest bindings generated from `wit/weft-plugin@0.1.0` by wit-bindgen.
//!
//! `connector` owns the shared types and host interfaces (and the wasi:http client);
//! `transform` reuses them.

/// World `connector`.
pub mod connector {
    wit_bindgen::generate!({
        path: "../../wit/weft-plugin@0.1.0",
        world: "connector",
        generate_all,
        pub_export_macro: true,
        default_bindings_module: "weft_sdk::bindings::connector",
        additional_derives: [serde::Serialize, serde::Deserialize, PartialEq, Clone],
    });
    pub use __export_connector_impl as export;
}

/// World `transform`.
pub mod transform {
    wit_bindgen::generate!({
        path: "../../wit/weft-plugin@0.1.0",
        world: "transform",
        with: {
            "weft:plugin/types@0.1.0": crate::bindings::connector::weft::plugin::types,
            "weft:plugin/log@0.1.0": crate::bindings::connector::weft::plugin::log,
            "weft:plugin/config@0.1.0": crate::bindings::connector::weft::plugin::config,
            "weft:plugin/kv@0.1.0": crate::bindings::connector::weft::plugin::kv,
        },
        pub_export_macro: true,
        default_bindings_module: "weft_sdk::bindings::transform",
    });
    pub use __export_transform_impl as export;
}
