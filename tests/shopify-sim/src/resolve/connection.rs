//! Relay connections with Shopify's cursor pagination (`first/after`, `last/before`, `reverse`).

use super::{field_error, leaf, Ctx, Node, Resolved};
use apollo_compiler::resolvers::{FieldError, ObjectValue, ResolveInfo, ResolvedValue};
use base64::Engine;
use serde_json::{Map, Value as Json};

/// Largest page Shopify serves.
pub const MAX_PAGE: i64 = 250;

/// One item of a connection with its sort key (unique, ascending order).
pub struct Item<'c> {
    pub key: String,
    pub node: Node<'c>,
}

/// A page of a connection, ready to be resolved.
pub struct Connection<'c> {
    ty: String,
    items: Vec<(String, Node<'c>)>,
    has_next: bool,
    has_previous: bool,
}

/// Encodes an opaque cursor for a sort key.
fn encode_cursor(key: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(serde_json::json!({"last_key": key}).to_string())
}

/// Decodes a cursor; a malformed one is a field error, as in Shopify.
fn decode_cursor(cursor: &str) -> Result<String, FieldError> {
    base64::engine::general_purpose::STANDARD
        .decode(cursor)
        .ok()
        .and_then(|bytes| serde_json::from_slice::<Json>(&bytes).ok())
        .and_then(|v| v.get("last_key").and_then(Json::as_str).map(str::to_string))
        .ok_or_else(|| field_error(format!("Invalid cursor for current pagination sort: {cursor}")))
}

/// Builds the page selected by the field's arguments from items sorted by key.
pub fn paginate<'c>(
    ctx: &'c Ctx<'c>,
    info: &ResolveInfo<'_>,
    args: &Map<String, Json>,
    mut items: Vec<Item<'c>>,
) -> Resolved<'c> {
    let ty = info.field_definition().ty.inner_named_type().to_string();
    let first = args.get("first").and_then(Json::as_i64);
    let last = args.get("last").and_then(Json::as_i64);
    if !ctx.bulk {
        if first.is_none() && last.is_none() {
            return Err(field_error("you must provide one of first or last"));
        }
        if first.or(last).unwrap_or(0) > MAX_PAGE {
            return Err(field_error(format!("The connection can only return up to {MAX_PAGE} items per page")));
        }
    }
    let reverse = args.get("reverse").and_then(Json::as_bool).unwrap_or(false);
    if reverse {
        items.reverse();
    }
    let after = args.get("after").and_then(Json::as_str).map(decode_cursor).transpose()?;
    let before = args.get("before").and_then(Json::as_str).map(decode_cursor).transpose()?;
    let past = |key: &str, bound: &str| if reverse { key < bound } else { key > bound };
    let start = after.as_deref().map_or(0, |a| items.iter().position(|i| past(&i.key, a)).unwrap_or(items.len()));
    let end = before
        .as_deref()
        .map_or(items.len(), |b| items.iter().position(|i| !past(b, &i.key)).unwrap_or(items.len()))
        .max(start);
    let mut has_next = end < items.len();
    let mut has_previous = start > 0;
    let mut window: Vec<Item<'c>> = items.drain(start..end).collect();
    if let Some(n) = first {
        let n = n.max(0) as usize;
        if window.len() > n {
            window.truncate(n);
            has_next = true;
        }
    }
    if let Some(n) = last {
        let n = n.max(0) as usize;
        if window.len() > n {
            window.drain(..window.len() - n);
            has_previous = true;
        }
    }
    let items = window.into_iter().map(|i| (encode_cursor(&i.key), i.node)).collect();
    Ok(ResolvedValue::object(Connection { ty, items, has_next, has_previous }))
}

/// A nested connection held as plain JSON (see [`nested`]), paged by the field's arguments.
pub fn paginate_nested<'c>(ctx: &'c Ctx<'c>, info: &ResolveInfo<'_>, nodes: &[Json]) -> Resolved<'c> {
    let connection = info.field_definition().ty.inner_named_type().as_str();
    let declared = connection.strip_suffix("Connection").unwrap_or(connection);
    let items = nodes
        .iter()
        .enumerate()
        .filter_map(|(i, n)| {
            n.as_object()
                .and_then(|map| super::object_node(ctx, declared, map))
                .map(|node| Item { key: format!("{i:08}"), node })
        })
        .collect();
    paginate(ctx, info, &super::args(info), items)
}

/// A nested connection as plain JSON: its nodes, paged when the field is resolved.
pub fn nested(nodes: Vec<Json>) -> Json {
    serde_json::json!({ NESTED: nodes })
}

/// The key marking a nested connection in plain JSON.
pub const NESTED: &str = "__connection";

/// A sort key for an id (zero padded so string order is numeric order).
pub fn id_key(id: u64) -> String {
    format!("{id:020}")
}

struct Edge<'a, 'c> {
    ty: String,
    cursor: &'a str,
    node: &'a Node<'c>,
}

struct NodeRef<'a, 'c>(&'a Node<'c>);

impl ObjectValue for NodeRef<'_, '_> {
    fn type_name(&self) -> &str {
        self.0.type_name()
    }

    fn resolve_field<'a>(&'a self, info: &'a ResolveInfo<'a>) -> Resolved<'a> {
        self.0.resolve_field(info)
    }
}

impl ObjectValue for Edge<'_, '_> {
    fn type_name(&self) -> &str {
        &self.ty
    }

    fn resolve_field<'a>(&'a self, info: &'a ResolveInfo<'a>) -> Resolved<'a> {
        match info.field_name() {
            "cursor" => Ok(ResolvedValue::leaf(self.cursor)),
            "node" => Ok(ResolvedValue::object(NodeRef(self.node))),
            _ => Err(self.unknown_field_error(info)),
        }
    }
}

impl ObjectValue for Connection<'_> {
    fn type_name(&self) -> &str {
        &self.ty
    }

    fn resolve_field<'a>(&'a self, info: &'a ResolveInfo<'a>) -> Resolved<'a> {
        match info.field_name() {
            "edges" => {
                let edge_ty = info.field_definition().ty.inner_named_type().to_string();
                Ok(ResolvedValue::list(
                    self.items
                        .iter()
                        .map(move |(cursor, node)| ResolvedValue::object(Edge { ty: edge_ty.clone(), cursor, node })),
                ))
            }
            "nodes" => Ok(ResolvedValue::list(self.items.iter().map(|(_, node)| ResolvedValue::object(NodeRef(node))))),
            "pageInfo" => {
                let page_info = serde_json::json!({
                    "hasNextPage": self.has_next,
                    "hasPreviousPage": self.has_previous,
                    "startCursor": self.items.first().map(|(c, _)| c.clone()),
                    "endCursor": self.items.last().map(|(c, _)| c.clone()),
                });
                Ok(ResolvedValue::object(PageInfo(page_info)))
            }
            _ => Err(self.unknown_field_error(info)),
        }
    }
}

/// `PageInfo` values.
struct PageInfo(Json);

impl ObjectValue for PageInfo {
    fn type_name(&self) -> &str {
        "PageInfo"
    }

    fn resolve_field<'a>(&'a self, info: &'a ResolveInfo<'a>) -> Resolved<'a> {
        Ok(ResolvedValue::leaf(leaf(self.0.get(info.field_name()).cloned().unwrap_or(Json::Null))))
    }
}
