//! Mappings over each shape: targets checked, rules in order, lists element by element.

use super::shape::{self, Shape, LINES};
use super::*;
use serde_json::json;

fn lookups() -> Arc<Lookups> {
    let titles = [("MUG-1".to_owned(), json!("The Big Mug"))].into_iter().collect();
    Arc::new(Lookups::new([("mug_titles".to_owned(), titles)].into_iter().collect()))
}

fn set(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
}

fn product_mapping(rules: &[RuleSpec]) -> Mapping {
    Mapping::new(
        &set(&[("vendor", "upper(erp.vendor)"), ("variants.barcode", "'B-' + variant.sku")]),
        None,
        rules,
        Shape::Shopify(shape::PRODUCT_SET),
        "erp",
        lookups(),
    )
    .unwrap()
}

fn mugs_rule() -> RuleSpec {
    RuleSpec {
        name: "mugs".into(),
        when: Some("erp.product_type == 'Mugs'".into()),
        set: set(&[("tags", "erp.tags + ['kitchen']"), ("title", "lookup('mug_titles', erp.sku, erp.title)")]),
        skip: false,
    }
}

#[test]
fn the_first_matching_rule_adds_its_targets_over_the_flows() {
    let m = product_mapping(&[
        mugs_rule(),
        RuleSpec {
            name: "drafts".into(),
            when: Some("erp.status == 'Draft'".into()),
            skip: true,
            ..Default::default()
        },
        RuleSpec { name: "default".into(), set: set(&[("tags", "['general']")]), ..Default::default() },
    ]);
    let erp = json!({"sku": "MUG-1", "title": "Mug", "vendor": "acme", "product_type": "Mugs", "tags": ["new"], "status": "Active",
                     "variants": [{"sku": "M1"}, {"sku": "M2"}]});
    let mut input = json!({"title": "Mug", "variants": [{"sku": "M1"}, {"sku": "M2"}]});
    let applied = m.apply(&erp, &mut input).unwrap();
    assert_eq!(applied.rule.as_deref(), Some("mugs"));
    assert_eq!(input["title"], "The Big Mug");
    assert_eq!(input["tags"], json!(["new", "kitchen"]));
    assert_eq!(input["vendor"], "ACME");
    assert_eq!(input["variants"], json!([{"sku": "M1", "barcode": "B-M1"}, {"sku": "M2", "barcode": "B-M2"}]));

    let cups = json!({"sku": "CUP", "title": "Cup", "vendor": "acme", "product_type": "Cups", "tags": [], "status": "Active", "variants": []});
    let mut input = json!({"title": "Cup", "variants": []});
    assert_eq!(m.apply(&cups, &mut input).unwrap().rule.as_deref(), Some("default"));
    assert_eq!(input["tags"], json!(["general"]));

    let draft = json!({"sku": "D", "title": "D", "vendor": "x", "product_type": "Cups", "tags": [], "status": "Draft", "variants": []});
    let applied = m.apply(&draft, &mut json!({})).unwrap();
    assert_eq!(applied.skipped.as_deref(), Some("rule `drafts` skips it"));
}

#[test]
fn bad_mappings_are_config_errors_naming_the_key() {
    let make = |fields: &[(&str, &str)], rules: &[RuleSpec]| {
        Mapping::new(&set(fields), None, rules, Shape::Shopify(shape::PRODUCT_SET), "erp", lookups()).unwrap_err()
    };
    let e = make(&[("colour", "'red'")], &[]);
    assert_eq!(e.key, "mapping.colour");
    let e = make(&[("title", "erp.title +")], &[]);
    assert_eq!((e.key.as_str(), e.line), ("mapping.title", Some(1)));
    let e = make(&[("title", "lookup('nope', erp.sku)")], &[]);
    assert!(e.message.contains("no lookup table `nope`"), "{e}");
    let default = RuleSpec { name: "default".into(), ..Default::default() };
    let e = make(&[], &[default.clone(), mugs_rule()]);
    assert!(e.message.contains("must be last"), "{e}");
    let e = make(&[], &[mugs_rule(), mugs_rule()]);
    assert!(e.message.contains("two rules are named `mugs`"), "{e}");
    let e = make(&[("handle", "erp.sku")], &[]);
    assert!(e.message.contains("set by weft"), "{e}");
}

#[test]
fn evaluation_errors_name_the_rule_and_target_and_what_the_record_has() {
    let m = Mapping::new(
        &set(&[("tags", "erp.category + ',' + erp.brand")]),
        None,
        &[],
        Shape::Shopify(shape::PRODUCT_SET),
        "erp",
        lookups(),
    )
    .unwrap();
    let err = m.apply(&json!({"title": "T", "vendor": "V"}), &mut json!({})).unwrap_err();
    assert!(err.starts_with("mapping.tags:"), "{err}");
    assert!(err.contains("erp has no `category` (it has: title, vendor"), "{err}");
}

#[test]
fn canonical_records_are_mapped_with_extra_keys() {
    let order = json!({"external_id": "1", "source": "web", "tags": ["a"], "extra": "{\"gateway\": \"paypal\"}",
                       "lines": [{"sku": "A", "extra": "{}"}]});
    let shape = Shape::canonical("order", order.clone(), vec![(LINES, json!({"sku": null, "extra": "{}"}))]);
    let m = Mapping::new(
        &set(&[
            ("extra.payment", "upper(shopify.gateway)"),
            ("lines.extra.ref", "'L-' + line.sku"),
            ("tags", "shopify.tags + ['weft']"),
        ]),
        None,
        &[],
        shape,
        "shopify",
        lookups(),
    )
    .unwrap();
    let (mapped, applied) = m.apply_to_record(&order).unwrap();
    assert_eq!(applied.targets.len(), 3);
    assert_eq!(mapped["tags"], json!(["a", "weft"]));
    let extra: Json = serde_json::from_str(mapped["extra"].as_str().unwrap()).unwrap();
    assert_eq!(extra, json!({"gateway": "paypal", "payment": "PAYPAL"}));
    let line_extra: Json = serde_json::from_str(mapped["lines"][0]["extra"].as_str().unwrap()).unwrap();
    assert_eq!(line_extra, json!({"ref": "L-A"}));
}

#[test]
fn values_that_do_not_fit_the_input_type_fail_with_the_reason() {
    let m =
        Mapping::new(&set(&[("status", "'gone'")]), None, &[], Shape::Shopify(shape::PRODUCT_SET), "erp", lookups())
            .unwrap();
    let err = m.apply(&json!({}), &mut json!({})).unwrap_err();
    assert!(err.contains("mapping.status") && err.contains("one of ACTIVE"), "{err}");
    let m = Mapping::new(&set(&[("vendor", "null")]), None, &[], Shape::Shopify(shape::PRODUCT_SET), "erp", lookups())
        .unwrap();
    let mut input = json!({"vendor": "Acme"});
    m.apply(&json!({}), &mut input).unwrap();
    assert_eq!(input, json!({}), "a null leaves the target out");
}
