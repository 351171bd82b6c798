//! The WIT version seam: each plugin is served by the module of the contract version it was
//! built against; a 0.1.0 connector and transform load and run through the 0.1.0 module, and a
//! version this host lacks is refused naming the versions it has.

use crate::common;

use common::*;
use weft::model::{Entity, Product, Record, Variant};
use weft::plugin::wit::WitVersion;
use weft::plugin::Grant;

fn manifest_with_wit(id: &str, wit: &str) -> String {
    std::fs::read_to_string(built_plugin(id).join("plugin.toml")).unwrap().replace("weft:plugin@0.1.0", wit)
}

#[test]
fn a_0_1_0_connector_and_transform_run_through_the_0_1_0_module() {
    let tmp = tempfile::tempdir().unwrap();
    let plugins = tmp.path().join("plugins");
    install_as_built(&plugins, "file-feed");
    install_as_built(&plugins, "sku-normalize");
    let host = host(&plugins, &tmp.path().join("cache"), test_limits(), Default::default());
    assert!(host.refused().is_empty(), "{:?}", host.refused());
    for id in ["file-feed", "sku-normalize"] {
        assert_eq!(host.plugin(id).expect("loaded").wit, WitVersion::V0_1_0, "{id}");
    }
    // Calls cross the seam both ways: the host's model in, the version's types out and back.
    let info = host.session("file-feed", &Grant::default()).unwrap().describe().unwrap();
    assert!(info.entities.iter().any(|e| e.entity == Entity::Order), "{info:?}");
    let variant =
        Variant { external_id: "v1".into(), sku: Some(" ab-1 ".into()), extra: "{}".into(), ..Variant::default() };
    let product = Record::Product(Product {
        external_id: "p1".into(),
        title: "T".into(),
        variants: vec![variant],
        extra: "{}".into(),
        ..Product::default()
    });
    let out = host.session("sku-normalize", &Grant::default()).unwrap().apply(&[product]).unwrap();
    let Ok(records) = &out[0] else { panic!("{out:?}") };
    let Record::Product(p) = &records[0] else { panic!("{records:?}") };
    assert_eq!(p.variants[0].sku.as_deref(), Some("AB-1"));
}

#[test]
fn a_version_this_host_lacks_is_refused_and_a_later_patch_is_served() {
    let tmp = tempfile::tempdir().unwrap();
    let plugins = tmp.path().join("plugins");
    install(&plugins, "sku-normalize", "sku-normalize", &manifest_with_wit("sku-normalize", "weft:plugin@0.1.7"));
    install(
        &plugins,
        "sku-normalize",
        "future",
        &manifest_with_wit("sku-normalize", "weft:plugin@0.9.0").replace("id = \"sku-normalize\"", "id = \"future\""),
    );
    let host = host(&plugins, &tmp.path().join("cache"), test_limits(), Default::default());
    assert_eq!(host.plugin("sku-normalize").map(|p| p.wit), Some(WitVersion::V0_1_0), "0.1.7 is served by 0.1.0");
    let refused = host.refused().iter().find(|r| r.id == "future").expect("refused");
    assert!(
        refused.reason.contains("incompatible WIT version")
            && refused.reason.contains("this host implements weft:plugin@0.1.0"),
        "{}",
        refused.reason
    );
}
