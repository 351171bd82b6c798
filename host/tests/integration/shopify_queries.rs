//! Every shipped operation validates against the real Admin schema, and Shopify's own
//! rejections (invalid documents, bad credentials) reach callers as typed errors.

use crate::shopify_common;

use serde_json::json;
use shopify_common::*;
use shopify_sim::apollo_compiler::ExecutableDocument;
use weft::shopify::queries::{Operation, ALL};
use weft::shopify::{Priority, ShopifyError};

#[test]
fn every_shipped_graphql_file_validates_against_the_admin_schema() {
    let schema = shopify_sim::schema::shared();
    for op in ALL {
        let doc = ExecutableDocument::parse_and_validate(&schema, op.document, op.file).unwrap_or_else(|e| {
            panic!(
                "{} does not validate against the {} schema:\n{}",
                op.file,
                shopify_sim::schema::SCHEMA_VERSION,
                e.errors
            )
        });
        doc.operations.get(Some(op.name)).unwrap_or_else(|_| panic!("{} has no operation named {}", op.file, op.name));
        // Operations share a file only to share its fragments: each of them is shipped.
        for other in doc.operations.iter() {
            let name = other
                .name
                .as_ref()
                .map(|n| n.as_str())
                .unwrap_or_else(|| panic!("{}: an anonymous operation", op.file));
            assert!(
                ALL.iter().any(|o| o.file == op.file && o.name == name),
                "{}: {name} is not shipped in queries::ALL",
                op.file
            );
        }
    }
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/shopify/queries");
    for entry in std::fs::read_dir(&dir).expect("queries dir") {
        let name = entry.expect("entry").file_name().to_string_lossy().to_string();
        assert!(ALL.iter().any(|op| op.file == name), "{name} is in queries/ but not shipped in queries::ALL");
    }
}

#[tokio::test]
async fn the_simulator_rejects_an_invalid_document_the_way_shopify_does() {
    let sim = start(seed(1, 1)).await;
    let client = client(&sim);
    let bad = Operation { name: "Bad", document: "query Bad { shop { name nope } }", file: "inline" };
    let err = client.execute(&bad, json!({}), Priority::Catalog).await.expect_err("invalid document");
    match err {
        ShopifyError::GraphQl { code, message, errors } => {
            assert_eq!(code, "undefinedField");
            assert_eq!(message, "Field 'nope' doesn't exist on type 'Shop'");
            assert_eq!(errors[0]["locations"][0], json!({"line": 1, "column": 25}));
        }
        other => panic!("expected a GraphQL error, got {other:?}"),
    }
    assert_eq!(client.stats().requests, 1, "validation errors are not retried");
}

#[tokio::test]
async fn a_wrong_token_is_unauthorized_and_never_printed() {
    let sim = start(seed(1, 1)).await;
    let mut config = weft::shopify::ClientConfig::new(
        sim.base_url(),
        VERSION,
        weft::config::Secret::new("shpat_wrong_value".into()),
    );
    config.max_attempts = 3;
    assert!(!format!("{config:?}").contains("shpat_wrong_value"), "the token must not appear in Debug output");
    let client = weft::shopify::ShopifyClient::new(config).unwrap();
    let op = Operation { name: "Shop", document: "query Shop { shop { name } }", file: "inline" };
    let err = client.execute(&op, json!({}), Priority::Catalog).await.expect_err("401");
    assert!(matches!(err, ShopifyError::Unauthorized { status: 401 }), "{err:?}");
    assert!(!err.to_string().contains("shpat_wrong_value"));
    assert_eq!(client.stats().requests, 1, "401 is not retried");
}
