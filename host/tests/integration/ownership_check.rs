//! Field ownership on every object, checked when the config loads: an `ownership` override that
//! cannot take effect on its flow — a field the flow never writes, a field of another object,
//! an override on inventory levels, a field the ERP's records do not carry with no mapping to
//! set it — fails `weft config check` naming the key; the same overrides where they do take
//! effect pass.

use crate::config_check::{at, check, error_for, scenario};
use crate::shopify_common;

#[test]
fn an_override_that_cannot_take_effect_fails_config_check_naming_the_key() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let sim = rt.block_on(shopify_common::start(shopify_common::seed(1, 1)));
    let main = shopify_common::location_gid(&sim, "Main");
    let with = |catalog: &str, inventory: &str| {
        let s = scenario(&sim, "file-feed", "", &format!("locations = {{ WH = \"{main}\" }}\n{inventory}"));
        let text = std::fs::read_to_string(&s.config)
            .unwrap()
            .replace("object = \"product\"\n", &format!("object = \"product\"\n{catalog}\n"));
        std::fs::write(&s.config, text).unwrap();
        s
    };

    let bad = with(
        "ownership = { phone = \"erp\", seo = \"erp\", note = \"shopify\", vendor = \"shopify\" }",
        "ownership = { title = \"shopify\" }",
    );
    let (code, findings) = check(&bad);
    assert_eq!(code, 1, "{findings:#?}");
    let errors = at(&findings, "error");
    let phone = error_for(&errors, "flows.catalog.ownership.phone");
    assert!(phone.contains("never writes `phone`") && phone.contains("title, description"), "{phone}");
    let note = error_for(&errors, "flows.catalog.ownership.note");
    assert!(note.contains("never writes `note`"), "an order field on a product flow: {note}");
    let seo = error_for(&errors, "flows.catalog.ownership.seo");
    assert!(seo.contains("carry no `seo`") && seo.contains("mapping.\"seo.title\""), "{seo}");
    let levels = error_for(&errors, "flows.inventory.ownership.title");
    assert!(levels.contains("no fields whose owner can be set") && levels.contains("hybrid"), "{levels}");
    assert!(
        !errors.iter().any(|(k, _)| k == "flows.catalog.ownership.vendor"),
        "an override that takes effect is accepted: {errors:#?}"
    );

    // The same SEO override with a mapping that sets it takes effect.
    let good =
        with("ownership = { seo = \"erp\", vendor = \"shopify\" }\nmapping = { \"seo.title\" = \"erp.title\" }", "");
    let (code, findings) = check(&good);
    assert!(at(&findings, "error").is_empty(), "{findings:#?}");
    assert_eq!(code, 0);
}
