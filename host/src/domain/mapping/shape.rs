//! What a mapping writes into ([`Shape`]): a Shopify input type for flows into Shopify (the
//! targets are its fields, checked against [`super::schema`]), or the canonical record for flows
//! into an ERP (the targets are the record's fields, and `extra.KEY`). Lists are mapped element
//! by element ([`ListScope`]: `variants.price` with the ERP variant bound as `variant`).

use super::schema::{TypeRef, SHOPIFY};
use serde_json::Value as Json;

/// A list mapped element by element: `target.FIELD` is evaluated once per element of the
/// source's list, with the element bound as `var`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListScope {
    /// The list field of what is written (`variants`, `lineItems`).
    pub target: &'static str,
    /// The list field of the source record (`variants`, `lines`).
    pub source: &'static str,
    /// The element's variable name (`variant`, `line`).
    pub var: &'static str,
}

/// A Shopify mutation's input that a flow builds and a mapping completes.
#[derive(Debug, Clone, Copy)]
pub struct ShopifyInput {
    /// The mutation (`productSet`).
    pub operation: &'static str,
    /// The input type (`ProductSetInput`).
    pub root: &'static str,
    /// Lists mapped element by element.
    pub lists: &'static [ListScope],
    /// Targets weft sets itself, with the reason they cannot be mapped.
    pub managed: &'static [(&'static str, &'static str)],
    /// When set, the only targets the flow writes (a price flow writes prices).
    pub only: Option<&'static [&'static str]>,
    /// Earlier names of targets (`description` for `descriptionHtml`).
    pub aliases: &'static [(&'static str, &'static str)],
}

/// What a mapping writes into.
#[derive(Debug, Clone)]
pub enum Shape {
    /// A Shopify input.
    Shopify(ShopifyInput),
    /// A canonical record for an ERP: its JSON with every field present, and its lists with an
    /// element with every field present.
    Canonical {
        /// The entity (`order`).
        entity: &'static str,
        /// The record's JSON.
        fields: Json,
        /// Lists mapped element by element, with an element's JSON.
        lists: Vec<(ListScope, Json)>,
    },
}

/// A product's variants, one by one (`variants.price`, `variant` bound).
pub const VARIANTS: ListScope = ListScope { target: "variants", source: "variants", var: "variant" };
/// An order's lines as Shopify's line items (`lineItems.title`, `line` bound).
const LINE_ITEMS: ListScope = ListScope { target: "lineItems", source: "lines", var: "line" };
/// An order's lines in the record for the ERP (`lines.extra.KEY`, `line` bound).
pub const LINES: ListScope = ListScope { target: "lines", source: "lines", var: "line" };
/// An order's shipping lines as Shopify's (`shippingLines.title`, `shipping` bound).
const SHIPPING_LINE_INPUTS: ListScope =
    ListScope { target: "shippingLines", source: "shipping_lines", var: "shipping" };
/// An order's shipping lines in the record for the ERP (`shipping_lines.code`, `shipping` bound).
pub const SHIPPING_LINES: ListScope = ListScope { target: "shipping_lines", source: "shipping_lines", var: "shipping" };
/// A customer's addresses (`addresses.company`, `address` bound).
pub const ADDRESSES: ListScope = ListScope { target: "addresses", source: "addresses", var: "address" };
/// A shipment's lines in the record for the ERP (`lines.sku`, `line` bound).
pub const FULFILLMENT_LINES: ListScope = ListScope { target: "lines", source: "lines", var: "line" };
/// A shipment's parcels in the record for the ERP (`tracking.company`, `parcel` bound).
pub const TRACKING: ListScope = ListScope { target: "tracking", source: "tracking", var: "parcel" };

/// `productSet` of a catalog flow.
pub const PRODUCT_SET: ShopifyInput = ShopifyInput {
    operation: "productSet",
    root: "ProductSetInput",
    lists: &[VARIANTS],
    managed: &[
        ("id", "the product is found by its handle"),
        ("handle", "the handle comes from the ERP's product code and links the product to it"),
        ("productOptions", "the options are built from the ERP's options"),
        ("variants", "map a variant's fields as variants.FIELD"),
        ("variants.id", "variants are matched by their identity key"),
        ("variants.optionValues", "option values come from the ERP's variants"),
        ("variants.inventoryQuantities", "stock is the inventory flow's"),
    ],
    only: None,
    aliases: &[("description", "descriptionHtml"), ("product_type", "productType")],
};

/// `productVariantsBulkUpdate` of a price flow.
pub const VARIANT_PRICES: ShopifyInput = ShopifyInput {
    operation: "productVariantsBulkUpdate",
    root: "ProductVariantsBulkInput",
    lists: &[],
    managed: &[],
    only: Some(&["price", "compareAtPrice"]),
    aliases: &[("compare_at_price", "compareAtPrice")],
};

/// `orderCreate` of an external-orders flow.
pub const ORDER_CREATE: ShopifyInput = ShopifyInput {
    operation: "orderCreate",
    root: "OrderCreateOrderInput",
    lists: &[LINE_ITEMS, SHIPPING_LINE_INPUTS],
    managed: &[
        ("sourceIdentifier", "weft finds the order by it before creating it (idempotency)"),
        ("lineItems", "map a line's fields as lineItems.FIELD"),
        ("lineItems.variantId", "lines resolve to variants by SKU"),
        ("shippingLines", "map a shipping line's fields as shippingLines.FIELD"),
    ],
    only: None,
    aliases: &[],
};

/// `customerSet` of a customer flow into Shopify.
pub const CUSTOMER_SET: ShopifyInput = ShopifyInput {
    operation: "customerSet",
    root: "CustomerSetInput",
    lists: &[ADDRESSES],
    managed: &[
        ("id", "the customer is found by e-mail, then by the id weft linked"),
        ("email", "the e-mail is the match key on both sides"),
        ("addresses", "map an address's fields as addresses.FIELD"),
    ],
    only: None,
    aliases: &[],
};

/// `fulfillmentCreate` of a shipment flow.
pub const FULFILLMENT_CREATE: ShopifyInput = ShopifyInput {
    operation: "fulfillmentCreate",
    root: "FulfillmentInput",
    lists: &[],
    managed: &[("lineItemsByFulfillmentOrder", "the shipped lines are matched to the order's open lines")],
    only: None,
    aliases: &[],
};

/// One level of `inventorySetQuantities`.
pub const INVENTORY_LEVEL: ShopifyInput = ShopifyInput {
    operation: "inventorySetQuantities",
    root: "InventoryQuantityInput",
    lists: &[],
    managed: &[
        ("quantity", "the `available` formula with its buffer and overrides computes it"),
        ("inventoryItemId", "the item is found by SKU"),
    ],
    only: Some(&["locationId"]),
    aliases: &[],
};

/// A target resolved against a shape.
#[derive(Debug, Clone)]
pub struct Resolved {
    /// The list it is mapped per element of, if any.
    pub scope: Option<ListScope>,
    /// The path under the root (or under a list element).
    pub path: Vec<String>,
    /// The Shopify type of the target, for Shopify shapes.
    pub ty: Option<TypeRef>,
    /// The target as written after aliases (`variants.price`).
    pub display: String,
}

impl Shape {
    /// The canonical shape of `record` (a default record of the entity) with its lists.
    pub fn canonical(entity: &'static str, record: Json, lists: Vec<(ListScope, Json)>) -> Shape {
        Shape::Canonical { entity, fields: record, lists }
    }

    /// The list scopes.
    pub fn lists(&self) -> Vec<ListScope> {
        match self {
            Shape::Shopify(s) => s.lists.to_vec(),
            Shape::Canonical { lists, .. } => lists.iter().map(|(l, _)| *l).collect(),
        }
    }

    /// What it writes, for messages (`productSet`, `the order record`).
    pub fn describe(&self) -> String {
        match self {
            Shape::Shopify(s) => format!("Shopify's {} ({})", s.operation, s.root),
            Shape::Canonical { entity, .. } => format!("the {entity} record sent to the ERP"),
        }
    }

    /// Resolve a target path, or say why it cannot be mapped.
    pub fn resolve(&self, target: &str) -> Result<Resolved, String> {
        let segments: Vec<String> = target.split('.').map(|s| s.trim().to_owned()).collect();
        if segments.iter().any(String::is_empty) {
            return Err(format!("`{target}` is not a field path (fields joined by dots)"));
        }
        match self {
            Shape::Shopify(s) => resolve_shopify(s, segments),
            Shape::Canonical { fields, lists, .. } => resolve_canonical(fields, lists, segments),
        }
    }

    /// Every mappable target with its type, for editors (`variants.price: Money`).
    pub fn targets(&self) -> Vec<(String, String)> {
        match self {
            Shape::Shopify(s) => {
                let mut out = Vec::new();
                let fields = SHOPIFY.fields(s.root).unwrap_or_default();
                for (name, ty) in fields {
                    out.push((name.clone(), ty.to_string()));
                }
                for scope in s.lists {
                    let element = SHOPIFY.field(s.root, scope.target).map(|t| t.name().to_owned()).unwrap_or_default();
                    for (name, ty) in SHOPIFY.fields(&element).unwrap_or_default() {
                        out.push((format!("{}.{name}", scope.target), ty.to_string()));
                    }
                }
                out.retain(|(t, _)| {
                    !s.managed.iter().any(|(m, _)| m == t) && s.only.is_none_or(|only| only.contains(&t.as_str()))
                });
                out
            }
            Shape::Canonical { fields, lists, .. } => {
                let mut out: Vec<(String, String)> = fields
                    .as_object()
                    .into_iter()
                    .flatten()
                    .filter(|(k, _)| !CANONICAL_MANAGED.iter().any(|(m, _)| m == k))
                    .map(|(k, v)| (k.clone(), json_kind(v)))
                    .collect();
                for (scope, element) in lists {
                    for (k, v) in element.as_object().into_iter().flatten() {
                        out.push((format!("{}.{k}", scope.target), json_kind(v)));
                    }
                }
                out.push(("extra.KEY".into(), "any".into()));
                out
            }
        }
    }
}

fn json_kind(v: &Json) -> String {
    match v {
        Json::Null => "optional",
        Json::Bool(_) => "boolean",
        Json::Number(_) => "number",
        Json::String(_) => "text",
        Json::Array(_) => "list",
        Json::Object(_) => "object",
    }
    .to_owned()
}

fn resolve_shopify(s: &ShopifyInput, mut segments: Vec<String>) -> Result<Resolved, String> {
    if let Some((_, to)) = s.aliases.iter().find(|(from, _)| *from == segments[0]) {
        segments[0] = (*to).to_owned();
    }
    let display = segments.join(".");
    if let Some((_, why)) = s.managed.iter().find(|(m, _)| *m == display) {
        return Err(format!("`{display}` is set by weft: {why}"));
    }
    if let Some(only) = s.only.filter(|only| !only.contains(&display.as_str())) {
        return Err(format!("{} maps only {}", s.operation, only.join(", ")));
    }
    let scope = s.lists.iter().find(|l| l.target == segments[0] && segments.len() > 1).copied();
    let (mut type_name, path) = match scope {
        Some(l) => {
            (SHOPIFY.field(s.root, l.target).map(|t| t.name().to_owned()).unwrap_or_default(), segments[1..].to_vec())
        }
        None => (s.root.to_owned(), segments.clone()),
    };
    let mut ty = None;
    for (i, segment) in path.iter().enumerate() {
        let field = SHOPIFY.field(&type_name, segment).ok_or_else(|| {
            let known: Vec<&str> =
                SHOPIFY.fields(&type_name).unwrap_or_default().iter().map(|(f, _)| f.as_str()).collect();
            format!("Shopify's {type_name} has no field `{segment}` (fields: {})", known.join(", "))
        })?;
        if i + 1 < path.len() {
            if matches!(field.nullable(), TypeRef::List(_)) || !SHOPIFY.is_input(field.name()) {
                return Err(format!("`{segment}` is a {field}: map it as a whole, not its parts"));
            }
            type_name = field.name().to_owned();
        }
        ty = Some(field.clone());
    }
    Ok(Resolved { scope, path, ty, display })
}

/// Fields of a canonical record weft sets itself, with the reason they cannot be mapped.
const CANONICAL_MANAGED: &[(&str, &str)] = &[(
    "stock_effect",
    "the orders flow's `stock_counted_by` says whether the import moves stock, so each sale is counted once",
)];

fn resolve_canonical(fields: &Json, lists: &[(ListScope, Json)], segments: Vec<String>) -> Result<Resolved, String> {
    let display = segments.join(".");
    if let Some((field, why)) = CANONICAL_MANAGED.iter().find(|(m, _)| *m == segments[0]) {
        return Err(format!("`{field}` is set by weft: {why}"));
    }
    let scoped = lists.iter().find(|(l, _)| l.target == segments[0] && segments.len() > 1);
    let (scope, path, shape) = match scoped {
        Some((l, element)) => (Some(*l), segments[1..].to_vec(), element),
        None => (None, segments, fields),
    };
    let first = &path[0];
    if first == "extra" {
        if path.len() < 2 {
            return Err("map a key of `extra` as extra.KEY".into());
        }
    } else if shape.get(first).is_none() {
        let known: Vec<&str> = shape.as_object().into_iter().flatten().map(|(k, _)| k.as_str()).collect();
        return Err(format!("the record has no field `{first}` (fields: {}, extra.KEY)", known.join(", ")));
    } else if path.len() > 1 && !matches!(shape.get(first), Some(Json::Null | Json::Object(_))) {
        return Err(format!("`{first}` has no parts to map: map it as a whole"));
    } else if lists.iter().any(|(l, _)| l.target == *first) && scope.is_none() && path.len() == 1 {
        return Err(format!("map an element's fields as {first}.FIELD"));
    }
    Ok(Resolved { scope, path, ty: None, display })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_resolve_against_the_input_types() {
        let shape = Shape::Shopify(PRODUCT_SET);
        let r = shape.resolve("variants.price").unwrap();
        assert_eq!(
            (r.scope.map(|s| s.var), r.path.as_slice(), r.ty.unwrap().to_string()),
            (Some("variant"), &["price".to_owned()][..], "Money".to_owned())
        );
        assert_eq!(shape.resolve("description").unwrap().display, "descriptionHtml");
        assert_eq!(shape.resolve("seo.title").unwrap().ty.unwrap().to_string(), "String");
        assert!(shape.resolve("handle").unwrap_err().contains("set by weft"));
        assert!(shape.resolve("colour").unwrap_err().contains("ProductSetInput has no field `colour` (fields: "));
        assert!(shape.resolve("variants.inventoryItem.cost").is_ok());
        let prices = Shape::Shopify(VARIANT_PRICES);
        assert!(prices.resolve("barcode").unwrap_err().contains("maps only price, compareAtPrice"));
        let order = Shape::canonical(
            "order",
            serde_json::json!({"name": "", "extra": "{}", "lines": [], "shipping_address": null}),
            vec![(LINES, serde_json::json!({"sku": null}))],
        );
        assert!(order.resolve("extra.term").is_ok());
        assert!(
            order.resolve("stock_effect").unwrap_err().contains("set by weft"),
            "counted once, whatever a mapping says"
        );
        assert!(order.resolve("lines.sku").is_ok());
        assert!(order.resolve("lines").unwrap_err().contains("lines.FIELD"));
        assert!(order.resolve("shipping_address.city").is_ok());
        assert!(order.resolve("nmae").unwrap_err().contains("no field `nmae`"));
    }
}
