//! Guest bindings generated from `wit/weft-plugin@0.2.0` by wit-bindgen.
//!
//! `wasi` holds the wasi:http client interfaces (plain, no derives: they are resources);
//! `connector` owns the shared weft types and host interfaces; `transform` reuses them.

/// wasi:http outgoing-handler and its dependencies.
pub mod wasi {
    wit_bindgen::generate!({
        path: "../../wit/weft-plugin@0.2.0",
        inline: "package weft:sdk-internal; world http { import wasi:http/outgoing-handler@0.2.12; }",
        world: "weft:sdk-internal/http",
        generate_all,
    });
}

/// World `connector-plugin`.
pub mod connector {
    wit_bindgen::generate!({
        path: "../../wit/weft-plugin@0.2.0",
        world: "connector-plugin",
        with: {
            "wasi:http/types@0.2.12": crate::bindings::wasi::wasi::http::types,
            "wasi:http/outgoing-handler@0.2.12": crate::bindings::wasi::wasi::http::outgoing_handler,
            "wasi:io/poll@0.2.12": crate::bindings::wasi::wasi::io::poll,
            "wasi:io/error@0.2.12": crate::bindings::wasi::wasi::io::error,
            "wasi:io/streams@0.2.12": crate::bindings::wasi::wasi::io::streams,
            "wasi:clocks/monotonic-clock@0.2.12": crate::bindings::wasi::wasi::clocks::monotonic_clock,
        },
        pub_export_macro: true,
        export_macro_name: "export_connector_world",
        default_bindings_module: "weft_sdk::bindings::connector",
        additional_derives: [serde::Serialize, serde::Deserialize, PartialEq, Clone],
    });
}

/// World `transform-batch-plugin`: `transform` and its one-buffer twin `transform-batch`.
pub mod transform {
    wit_bindgen::generate!({
        path: "../../wit/weft-plugin@0.2.0",
        world: "transform-batch-plugin",
        with: {
            "weft:plugin/types@0.2.0": crate::bindings::connector::weft::plugin::types,
            "weft:plugin/log@0.2.0": crate::bindings::connector::weft::plugin::log,
            "weft:plugin/config@0.2.0": crate::bindings::connector::weft::plugin::config,
            "weft:plugin/kv@0.2.0": crate::bindings::connector::weft::plugin::kv,
        },
        pub_export_macro: true,
        export_macro_name: "export_transform_world",
        default_bindings_module: "weft_sdk::bindings::transform",
    });
}
