//! The host's integration tests, in one test binary: one link instead of one per file keeps a
//! cold build's disk and link time small (each binary statically links wasmtime). nextest still runs
//! every test in its own process. One file's tests: `cargo nextest run -p weft demo_once::`.

// Helpers shared by the test modules.
mod common;
mod connector_support;
mod ops_support;
mod orders_support;
mod polyglot_support;
mod served_support;
mod shopify_common;
mod signals_support;

// One module per concern, as the files were named.
mod admin_openapi;
mod catalog_bulk;
mod catalog_onboarding;
mod catalog_tryton;
mod catalog_writes;
mod chaos;
mod code_shape;
mod config_check;
mod connector_conformance;
mod connector_file_feed;
mod customers_ownership;
mod demo_once;
mod engine_crash;
mod engine_queue;
mod engine_webhooks;
mod fuzz_inputs;
mod harden_admin;
mod harden_fairness;
mod harden_identity;
mod harden_limits;
mod harden_plugin_log;
mod harden_shopify_limits;
mod harden_shutdown;
mod harden_store;
mod init_and_locations;
mod inventory_rules;
mod inventory_run_cli;
mod inventory_writes;
mod ops_alerts;
mod ops_breaker;
mod ops_dashboard;
mod ops_mapping_preview;
mod ops_metrics;
mod ops_reconcile;
mod ops_revert;
mod ops_shadow;
mod orders_amounts;
mod orders_external;
mod orders_history;
mod orders_tryton;
mod orders_tryton_changes;
mod orders_tryton_money;
mod plugin_cli;
mod plugin_sandbox;
mod polyglot_bench;
mod polyglot_connector;
mod polyglot_equality;
mod polyglot_examples;
mod polyglot_sandbox;
mod polyglot_scaffold;
mod retention_soak;
mod run_outcomes;
mod shopify_faults;
mod shopify_inventory;
mod shopify_orders;
mod shopify_queries;
mod shopify_webhooks;
mod store_contract;
mod tryton_sync;
mod webhook_subscriptions;
mod wit_versions;
