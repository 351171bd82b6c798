//! Prices per market and B2B, read side: `PriceList` (fixed and relative `prices`, quantity
//! breaks and rules), catalogs, markets, companies and their locations, the queries for them,
//! and `ProductVariant.contextualPricing`.

use super::connection::{id_key, nested, paginate, Item};
use super::{args, json_value, rel, Ctx, Node, Rel};
use crate::search::Query;
use crate::store::money::money_json;
use crate::store::pricing::{BuyerContext, Catalog, CatalogContext, CompanyLocation, Market, PriceList, QuantityRule};
use crate::store::{gid, parse_gid, ts, Store};
use apollo_compiler::resolvers::{FieldError, ResolveInfo, ResolvedValue};
use serde_json::{json, Map, Value as Json};

fn count(n: usize) -> Json {
    json!({"count": n, "precision": "EXACT"})
}

/// A price list's plain fields (`prices` and `quantityRules` are resolved with their arguments).
fn price_list_json(p: &PriceList) -> Json {
    json!({
        "id": gid("PriceList", p.id), "name": p.name, "currency": p.currency, "fixedPricesCount": p.fixed.len(),
        "parent": {"adjustment": {"type": p.adjustment_type, "value": p.adjustment_value as f64 / 1_000_000.0}, "settings": {"compareAtMode": p.compare_at_mode}},
        "catalog": p.catalog_id.map(|c| rel("Catalog", c)),
    })
}

/// The price a list gives a variant: fixed, or the base price converted and adjusted.
fn list_price(store: &Store, p: &PriceList, variant: u64) -> Option<(i64, Option<i64>, &'static str)> {
    if let Some(f) = p.fixed.get(&variant) {
        return Some((f.price, f.compare_at, "FIXED"));
    }
    let v = store.variants.get(&variant)?;
    let convert = |price: &str| p.adjust(store.pricing.convert(crate::store::model::money_cents(price), &p.currency));
    let compare_at = v.compare_at_price.as_deref().filter(|_| p.compare_at_mode == "ADJUSTED").map(convert);
    Some((convert(&v.price), compare_at, "RELATIVE"))
}

/// A `PriceListPrice`: the list's price for a variant (fixed, or relative to the base price).
pub fn price_json(store: &Store, p: &PriceList, variant: u64) -> Option<Json> {
    let (price, compare_at, kind) = list_price(store, p, variant)?;
    Some(
        json!({"price": money_json(price, &p.currency), "compareAtPrice": compare_at.map(|c| money_json(c, &p.currency)),
                "originType": kind, "variant": rel("ProductVariant", variant), "quantityPriceBreaks": breaks_json(p, variant)}),
    )
}

fn breaks_json(p: &PriceList, variant: u64) -> Json {
    let breaks = p.fixed.get(&variant).map(|f| f.breaks.clone()).unwrap_or_default();
    nested(
        breaks
            .iter()
            .map(|b| json!({"id": gid("QuantityPriceBreak", b.id), "minimumQuantity": b.minimum, "price": money_json(b.price, &p.currency),
                            "priceList": rel("PriceList", p.id), "variant": rel("ProductVariant", variant)}))
            .collect(),
    )
}

fn rule_json(rule: Option<&QuantityRule>, variant: u64) -> Json {
    let default = QuantityRule { minimum: 1, maximum: None, increment: 1 };
    let r = rule.unwrap_or(&default);
    json!({"minimum": r.minimum, "maximum": r.maximum, "increment": r.increment, "isDefault": rule.is_none(),
           "originType": if rule.is_some() { "FIXED" } else { "RELATIVE" }, "productVariant": rel("ProductVariant", variant)})
}

/// Relational fields of `PriceList`: `prices(originType:, query:)` and `quantityRules(originType:)`.
pub fn price_list_field<'a>(
    ctx: &'a Ctx<'a>,
    id: u64,
    info: &ResolveInfo<'_>,
) -> Result<Option<ResolvedValue<'a>>, FieldError> {
    let a = args(info);
    let origin = a.get("originType").and_then(Json::as_str);
    let store = ctx.store();
    let Some(p) = store.pricing.price_lists.get(&id) else { return Ok(Some(ResolvedValue::null())) };
    let items: Vec<Item> = match info.field_name() {
        "prices" => {
            let query = Query::parse(a.get("query").and_then(Json::as_str));
            store
                .variants
                .values()
                .filter(|v| {
                    query.matches("variant_id", |f| match f {
                        "variant_id" | "id" => Some(vec![v.id.to_string()]),
                        "product_id" => Some(vec![v.product_id.to_string()]),
                        _ => None,
                    })
                })
                .filter_map(|v| {
                    let fields = price_json(&store, p, v.id)?;
                    (origin.is_none_or(|o| fields["originType"] == o))
                        .then(|| Item { key: id_key(v.id), node: Node::new(ctx, "PriceListPrice", fields, Rel::None) })
                })
                .collect()
        }
        "quantityRules" => p
            .rules
            .iter()
            .filter(|_| origin.is_none_or(|o| o == "FIXED"))
            .map(|(variant, r)| Item {
                key: id_key(*variant),
                node: Node::new(ctx, "QuantityRule", rule_json(Some(r), *variant), Rel::None),
            })
            .collect(),
        _ => return Ok(None),
    };
    drop(store);
    paginate(ctx, info, &a, items).map(Some)
}

/// `ProductVariant.contextualPricing(context: {country, companyLocationId})`.
pub fn contextual_pricing<'a>(ctx: &'a Ctx<'a>, variant: u64, info: &ResolveInfo<'_>) -> ResolvedValue<'a> {
    let a = args(info);
    let c = a.get("context").cloned().unwrap_or(Json::Null);
    let context = BuyerContext {
        country: c.get("country").and_then(Json::as_str).map(str::to_string),
        company_location_id: c
            .get("companyLocationId")
            .and_then(Json::as_str)
            .and_then(|g| parse_gid("CompanyLocation", g)),
    };
    let store = ctx.store();
    let Some(v) = store.variants.get(&variant) else { return ResolvedValue::null() };
    let fields = match store.pricing.price_list_for(&context) {
        Some(p) => {
            let (price, compare_at, _) = list_price(&store, p, variant).unwrap_or((0, None, "RELATIVE"));
            json!({"price": money_json(price, &p.currency), "compareAtPrice": compare_at.map(|x| money_json(x, &p.currency)),
                   "quantityPriceBreaks": breaks_json(p, variant), "quantityRule": rule_json(p.rules.get(&variant), variant), "unitPrice": null})
        }
        None => {
            let currency = store.pricing.currency_for(&context);
            let convert = |price: &str| {
                money_json(store.pricing.convert(crate::store::model::money_cents(price), &currency), &currency)
            };
            json!({"price": convert(&v.price), "compareAtPrice": v.compare_at_price.as_deref().map(convert), "quantityPriceBreaks": nested(vec![]),
                   "quantityRule": rule_json(None, variant), "unitPrice": null})
        }
    };
    drop(store);
    json_value(ctx, "ProductVariantContextualPricing", &fields)
}

fn catalog_json(store: &Store, c: &Catalog) -> Json {
    let mut out = json!({"id": gid(match c.context { CatalogContext::Markets(_) => "MarketCatalog", CatalogContext::CompanyLocations(_) => "CompanyLocationCatalog" }, c.id),
                         "title": c.title, "status": c.status, "operations": [], "publication": null, "priceList": c.price_list_id.map(|p| rel("PriceList", p))});
    let extra = match &c.context {
        CatalogContext::Markets(ids) => {
            let markets: Vec<Json> =
                ids.iter().filter(|id| store.pricing.markets.contains_key(id)).map(|id| rel("Market", *id)).collect();
            json!({"__typename": "MarketCatalog", "marketsCount": count(markets.len()), "markets": nested(markets)})
        }
        CatalogContext::CompanyLocations(ids) => {
            let locations: Vec<Json> = ids
                .iter()
                .filter(|id| store.pricing.company_locations.contains_key(id))
                .map(|id| rel("CompanyLocation", *id))
                .collect();
            json!({"__typename": "CompanyLocationCatalog", "companyLocationsCount": count(locations.len()), "companyLocations": nested(locations)})
        }
    };
    if let (Some(map), Json::Object(more)) = (out.as_object_mut(), extra) {
        map.extend(more);
    }
    out
}

fn catalogs_of(store: &Store, pick: impl Fn(&CatalogContext) -> bool) -> Vec<Json> {
    store.pricing.catalogs.values().filter(|c| pick(&c.context)).map(|c| rel("Catalog", c.id)).collect()
}

fn market_json(store: &Store, m: &Market) -> Json {
    let currency = json!({"currencyCode": m.currency, "currencyName": m.currency, "enabled": true, "manualRate": null, "rateUpdatedAt": null});
    let regions: Vec<Json> = m.countries.iter().map(|c| json!({"__typename": "MarketRegionCountry", "id": gid("MarketRegionCountry", m.id), "name": c, "code": c, "currency": currency})).collect();
    let catalogs = catalogs_of(store, |ctx| matches!(ctx, CatalogContext::Markets(ids) if ids.contains(&m.id)));
    json!({
        "id": gid("Market", m.id), "name": m.name, "handle": m.handle, "status": "ACTIVE", "type": "REGION", "primary": false,
        "currencySettings": {"baseCurrency": currency, "localCurrencies": false, "roundingEnabled": false},
        "conditions": {"conditionTypes": ["REGION"], "regionsCondition": {"applicationLevel": null, "regions": nested(regions.clone())}, "locationsCondition": null, "companyLocationsCondition": null},
        "regions": nested(regions), "catalogsCount": count(catalogs.len()), "catalogs": nested(catalogs), "webPresences": nested(vec![]),
    })
}

fn company_location_json(store: &Store, l: &CompanyLocation) -> Json {
    let catalogs =
        catalogs_of(store, |ctx| matches!(ctx, CatalogContext::CompanyLocations(ids) if ids.contains(&l.id)));
    json!({
        "id": gid("CompanyLocation", l.id), "name": l.name, "externalId": l.external_id, "currency": l.currency, "company": rel("Company", l.company_id),
        "createdAt": ts(&l.created_at), "updatedAt": ts(&l.created_at), "note": null, "phone": null, "locale": null, "billingAddress": null,
        "shippingAddress": null, "taxSettings": {"taxExempt": false, "taxExemptions": [], "taxRegistrationId": null},
        "catalogsCount": count(catalogs.len()), "catalogs": nested(catalogs),
        "totalSpent": money_json(0, &l.currency), "defaultCursor": id_key(l.id), "hasTimelineComment": false,
    })
}

/// Pricing records by reference kind (`PriceList`, `Catalog`, `Market`, `CompanyLocation`, `Company`).
pub fn related_node<'c>(ctx: &'c Ctx<'c>, store: &Store, kind: &str, id: u64) -> Option<Node<'c>> {
    let p = &store.pricing;
    match kind {
        "PriceList" => p.price_lists.get(&id).map(|l| Node::new(ctx, "PriceList", price_list_json(l), Rel::PriceList(id))),
        "Catalog" | "MarketCatalog" | "CompanyLocationCatalog" => p.catalogs.get(&id).map(|c| {
            let fields = catalog_json(store, c);
            let ty = fields["__typename"].as_str().unwrap_or("MarketCatalog").to_string();
            Node::new(ctx, &ty, fields, Rel::None)
        }),
        "Market" => p.markets.get(&id).map(|m| Node::new(ctx, "Market", market_json(store, m), Rel::None)),
        "CompanyLocation" => p.company_locations.get(&id).map(|l| Node::new(ctx, "CompanyLocation", company_location_json(store, l), Rel::None)),
        "Company" => p.companies.get(&id).map(|c| {
            let locations: Vec<Json> = p.company_locations.values().filter(|l| l.company_id == c.id).map(|l| rel("CompanyLocation", l.id)).collect();
            let fields = json!({"id": gid("Company", c.id), "name": c.name, "externalId": c.external_id, "createdAt": ts(&c.created_at), "updatedAt": ts(&c.created_at),
                                "customerSince": ts(&c.created_at), "note": null, "mainContact": null, "locationsCount": count(locations.len()), "locations": nested(locations)});
            Node::new(ctx, "Company", fields, Rel::None)
        }),
        _ => None,
    }
}

/// The pricing root queries: `priceList(s)`, `catalog(s)`, `market(s)`, `companyLocation(s)`, `company`.
pub fn query<'a>(
    ctx: &'a Ctx<'a>,
    info: &ResolveInfo<'_>,
    a: &Map<String, Json>,
) -> Option<Result<ResolvedValue<'a>, FieldError>> {
    let one = |kind: &str, gid_kinds: &[&str]| {
        let raw = a.get("id").and_then(Json::as_str).unwrap_or("");
        let id = gid_kinds.iter().find_map(|k| parse_gid(k, raw));
        Some(Ok(id.map_or(ResolvedValue::null(), |id| json_value(ctx, kind, &rel(kind, id)))))
    };
    match info.field_name() {
        "priceList" => return one("PriceList", &["PriceList"]),
        "catalog" => return one("Catalog", &["Catalog", "MarketCatalog", "CompanyLocationCatalog"]),
        "market" => return one("Market", &["Market"]),
        "companyLocation" => return one("CompanyLocation", &["CompanyLocation"]),
        "company" => return one("Company", &["Company"]),
        _ => {}
    }
    let store = ctx.store();
    let p = &store.pricing;
    let (kind, ids): (&str, Vec<(String, u64)>) = match info.field_name() {
        "priceLists" => {
            let by_name = a.get("sortKey").and_then(Json::as_str) == Some("NAME");
            (
                "PriceList",
                p.price_lists
                    .values()
                    .map(|l| (if by_name { format!("{}{}", l.name, id_key(l.id)) } else { id_key(l.id) }, l.id))
                    .collect(),
            )
        }
        "catalogs" => {
            let wanted = a.get("type").and_then(Json::as_str);
            let fits = |c: &&Catalog| match (wanted, &c.context) {
                (Some("MARKET"), CatalogContext::Markets(_))
                | (Some("COMPANY_LOCATION"), CatalogContext::CompanyLocations(_)) => true,
                (w, _) => w.is_none() || w == Some("NONE"),
            };
            ("Catalog", p.catalogs.values().filter(fits).map(|c| (id_key(c.id), c.id)).collect())
        }
        "markets" => ("Market", p.markets.values().map(|m| (format!("{}{}", m.name, id_key(m.id)), m.id)).collect()),
        "companyLocations" => ("CompanyLocation", p.company_locations.values().map(|l| (id_key(l.id), l.id)).collect()),
        _ => return None,
    };
    let mut items: Vec<Item> = ids
        .into_iter()
        .filter_map(|(key, id)| related_node(ctx, &store, kind, id).map(|node| Item { key, node }))
        .collect();
    drop(store);
    items.sort_by(|x, y| x.key.cmp(&y.key));
    Some(paginate(ctx, info, a, items))
}
