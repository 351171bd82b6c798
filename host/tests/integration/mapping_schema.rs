//! The excerpt of Shopify's input types that mappings are validated against
//! (`host/src/domain/mapping/shopify_inputs.graphql`) is exactly what the real 2026-04 Admin
//! schema says: generated here from `tests/shopify-sim/schema/` (`WEFT_BLESS=1` rewrites it).

use shopify_sim::apollo_compiler::schema::ExtendedType;
use std::collections::BTreeMap;
use weft::domain::mapping::schema::{Schema, ROOTS, SDL};

#[test]
fn the_embedded_input_types_are_the_real_schemas() {
    let real = shopify_sim::schema::shared();
    let mut inputs: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    let mut enums: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut todo: Vec<String> = ROOTS.iter().map(|r| (*r).to_owned()).collect();
    while let Some(name) = todo.pop() {
        if inputs.contains_key(&name) || enums.contains_key(&name) {
            continue;
        }
        match real.types.get(name.as_str()) {
            Some(ExtendedType::InputObject(node)) => {
                let fields: Vec<(String, String)> =
                    node.fields.iter().map(|(f, def)| (f.to_string(), def.ty.to_string())).collect();
                for (_, def) in node.fields.iter() {
                    todo.push(def.ty.inner_named_type().to_string());
                }
                inputs.insert(name, fields);
            }
            Some(ExtendedType::Enum(node)) => {
                enums.insert(name, node.values.keys().map(|v| v.to_string()).collect());
            }
            Some(_) => {}
            None => panic!("{name} is not in the real schema"),
        }
    }
    let generated = Schema::to_sdl(&inputs, &enums);
    if std::env::var("WEFT_BLESS").is_ok() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/domain/mapping/shopify_inputs.graphql");
        std::fs::write(path, &generated).unwrap();
        return;
    }
    assert!(generated == SDL, "the embedded excerpt differs from the real schema; rerun with WEFT_BLESS=1");
    // The host reads back what it embeds.
    let parsed = Schema::parse(SDL);
    for root in ROOTS {
        assert!(parsed.fields(root).is_some_and(|f| !f.is_empty()), "{root}");
    }
}
