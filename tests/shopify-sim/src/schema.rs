//! The real Shopify Admin schema (2026-04), compiled into the simulator and parsed once per process.

use apollo_compiler::validation::Valid;
use apollo_compiler::Schema;
use std::sync::{Arc, OnceLock};

/// The Admin API version whose schema is bundled.
pub const SCHEMA_VERSION: &str = "2026-04";

/// The schema's SDL text (a copy of Shopify's public schema; provenance in `schema/SOURCE.md`).
pub const SCHEMA_SDL: &str = include_str!("../schema/2026-04-admin-schema.graphql");

static SCHEMA: OnceLock<Arc<Valid<Schema>>> = OnceLock::new();

/// The parsed and validated schema, shared by every simulator in the process.
pub fn shared() -> Arc<Valid<Schema>> {
    SCHEMA
        .get_or_init(|| {
            // The bundled file is part of the crate; failing to parse it is a build defect.
            let schema = Schema::parse_and_validate(SCHEMA_SDL, "2026-04-admin-schema.graphql")
                .expect("bundled Shopify schema must parse and validate");
            Arc::new(schema)
        })
        .clone()
}
