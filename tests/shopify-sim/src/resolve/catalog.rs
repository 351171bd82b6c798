//! Catalog depth (issue 23) glue: routes the root fields of metafields, files and media, and
//! collections to their modules, resolves their records by reference, and adds their fields to the
//! objects that own them (`Product.metafields`, `Customer.metafield`, ...).

use super::metafields::{self, split_gid};
use super::{collections, files, media};
use super::{json_value, Ctx, Node, Resolved};
use crate::store::Store;
use apollo_compiler::resolvers::{FieldError, ResolveInfo, ResolvedValue};
use serde_json::{Map, Value as Json};

/// Runs a catalog mutation; None when `name` is not one.
pub fn mutation(ctx: &Ctx<'_>, store: &mut Store, name: &str, a: &Map<String, Json>) -> Option<Json> {
    let currency = ctx.config.shop_currency.as_str();
    Some(match name {
        "metafieldsSet" => metafields::metafields_set(store, a, currency),
        "metafieldsDelete" => metafields::metafields_delete(store, a),
        "metafieldDefinitionCreate" => metafields::definition_create(store, a),
        "fileCreate" => files::file_create(ctx, store, a),
        "fileUpdate" => files::file_update(ctx, store, a),
        "fileDelete" => files::file_delete(store, a),
        "productCreateMedia" => media::create_media(ctx, store, a),
        "productDeleteMedia" => media::delete_media(store, a),
        "productReorderMedia" => media::reorder_media(store, a),
        "productVariantAppendMedia" => media::variant_media(store, a, true),
        "productVariantDetachMedia" => media::variant_media(store, a, false),
        "collectionCreate" => collections::create(store, a),
        "collectionUpdate" => collections::update(store, a),
        "collectionDelete" => collections::delete(ctx, store, a),
        "collectionAddProducts" => collections::change_products(store, a, true),
        "collectionRemoveProducts" => collections::change_products(store, a, false),
        _ => return None,
    })
}

/// Resolves a catalog root query field; None when `name` is not one.
pub fn query<'a>(ctx: &'a Ctx<'a>, info: &ResolveInfo<'_>, a: &Map<String, Json>) -> Option<Resolved<'a>> {
    Some(match info.field_name() {
        "metafieldDefinitions" => metafields::definitions(ctx, info, a),
        "metafieldDefinition" => {
            let found = metafields::definition_by_identifier(&ctx.store(), a);
            Ok(json_value(ctx, "MetafieldDefinition", &found))
        }
        "files" => files::files(ctx, info, a),
        "collections" => collections::collections(ctx, info, a),
        "collection" | "collectionByHandle" | "collectionByIdentifier" => {
            let found = collections::find(&ctx.store(), a);
            Ok(json_value(ctx, "Collection", &found))
        }
        _ => return None,
    })
}

/// A catalog record referenced from a payload (`__rel`), if `kind` is a catalog kind.
pub fn related<'c>(ctx: &'c Ctx<'c>, store: &Store, kind: &str, id: u64) -> Option<Node<'c>> {
    match kind {
        "Metafield" => store.metafields.get(&id).map(|m| metafields::metafield_node(ctx, store, m)),
        "MetafieldDefinition" => {
            store.metafield_definitions.get(&id).map(|d| metafields::definition_node(ctx, store, d))
        }
        "MediaImage" | "GenericFile" => {
            store.files.get(&id).filter(|f| f.kind == kind).map(|f| files::file_node(ctx, f))
        }
        "Collection" => store.collections.get(&id).map(|c| collections::collection_node(ctx, c)),
        _ => None,
    }
}

/// Catalog fields of an owner object (`ty` with plain `fields`), or None when `info` is not one.
pub fn owner_field<'a>(
    ctx: &'a Ctx<'a>,
    ty: &str,
    fields: &Map<String, Json>,
    info: &ResolveInfo<'_>,
) -> Result<Option<ResolvedValue<'a>>, FieldError> {
    let owner = fields.get("id").and_then(Json::as_str).and_then(split_gid).filter(|(kind, _)| *kind == ty);
    let Some((kind, id)) = owner else {
        return Ok(None);
    };
    match (kind, info.field_name()) {
        ("Product" | "ProductVariant" | "Customer" | "Order" | "Collection", "metafield" | "metafields") => {
            metafields::owner_field(ctx, kind, id, info)
        }
        ("Product", "media" | "featuredMedia" | "mediaCount") | ("ProductVariant", "media") => {
            media::owner_field(ctx, kind, id, info)
        }
        ("Collection", "products" | "hasProduct") | ("Product", "collections" | "inCollection") => {
            collections::owner_field(ctx, kind, id, info)
        }
        _ => Ok(None),
    }
}
