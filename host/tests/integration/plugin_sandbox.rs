//! The sandbox contains hostile plugins: each failure is classified, only that call fails,
//! and the next call to a good plugin in the same process succeeds.

use crate::common;

use common::*;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use weft::model::{Entity, PluginError, Product, ProductStatus, Record, Variant};
use weft::plugin::http::{BoxFuture, Dialer, Network, Resolver, SystemResolver};
use weft::plugin::policy::{HostPattern, RefusingSide};
use weft::plugin::{CallError, Grant, PluginHost};

fn grant(pairs: &[(&str, &str)], hosts: &[&str]) -> Grant {
    let mut config = toml::Table::new();
    for (k, v) in pairs {
        config.insert((*k).into(), toml::Value::String((*v).into()));
    }
    Grant { config, allow_hosts: hosts.iter().map(|h| HostPattern::parse(h).unwrap()).collect(), ..Grant::default() }
}

fn product(sku: &str) -> Record {
    Record::Product(Product {
        external_id: "p1".into(),
        sku: None,
        title: "T".into(),
        description: None,
        vendor: None,
        product_type: None,
        tags: vec![],
        status: ProductStatus::Active,
        options: vec![],
        variants: vec![Variant {
            external_id: "v1".into(),
            sku: Some(sku.into()),
            barcode: None,
            option_values: vec![],
            price: None,
            compare_at_price: None,
            cost: None,
            weight_grams: None,
            updated_at: None,
            extra: "{}".into(),
            ..Variant::default()
        }],
        deleted: false,
        updated_at: None,
        extra: "{}".into(),
        ..Product::default()
    })
}

/// A good plugin still works in the same process.
fn assert_good_plugin_works(host: &PluginHost) {
    let mut good = host.session("sku-normalize", &Grant::default()).expect("session");
    let out = good.apply(&[product("  ab-1 ")]).expect("good plugin call succeeds");
    match &out[0] {
        Ok(records) => match &records[0] {
            Record::Product(p) => assert_eq!(p.variants[0].sku.as_deref(), Some("AB-1")),
            other => panic!("unexpected {other:?}"),
        },
        Err(e) => panic!("unexpected {e:?}"),
    }
}

fn setup(network: Network, hosts: &[&str]) -> (tempfile::TempDir, PluginHost) {
    let tmp = tempfile::tempdir().unwrap();
    let plugins = tmp.path().join("plugins");
    install_as_built(&plugins, "sku-normalize");
    install(&plugins, "hostile", "hostile", &hostile_manifest("hostile", hosts));
    let host = host(&plugins, &tmp.path().join("cache"), test_limits(), network);
    assert!(host.refused().is_empty(), "{:?}", host.refused());
    (tmp, host)
}

#[test]
fn every_hostile_behaviour_is_contained_and_classified() {
    let (_tmp, host) = setup(Network::default(), &[]);
    let deadline = Duration::from_millis(test_limits().connector_deadline_ms);
    for (mode, class) in
        [("loop", "deadline"), ("memory", "memory_limit"), ("recursion", "stack_overflow"), ("trap", "trap")]
    {
        let mut session = host.session("hostile", &grant(&[("mode", mode)], &[])).unwrap();
        let started = Instant::now();
        let err = session.check().expect_err(mode);
        assert_eq!(err.class().name(), class, "{mode}: {err}");
        // It terminated on its own (a hang would never get here); allow generous scheduling slack.
        assert!(started.elapsed() < deadline * 20, "{mode} took {:?}", started.elapsed());
        // The trapped instance was retired: the next call on the session gets a fresh one.
        let _ = session.describe().expect("a fresh instance answers describe");
        assert_eq!(session.instances_created(), 2, "{mode}");
        assert_good_plugin_works(&host);
    }
    if let CallError::Trap { message, .. } =
        host.session("hostile", &grant(&[("mode", "trap")], &[])).unwrap().check().unwrap_err()
    {
        assert!(message.contains("unreachable") || message.contains("trap"), "{message}");
    }
}

#[test]
fn oversized_output_is_refused() {
    let (_tmp, host) = setup(Network::default(), &[]);
    let mut session = host.session("hostile", &grant(&[("mode", "oversized"), ("size", "4")], &[])).unwrap();
    let err = session.pull(Entity::Customer, None, 10).expect_err("4 MiB output over a 1 MiB cap");
    match err {
        CallError::OutputTooLarge { bytes, limit, .. } => assert!(bytes > limit && limit == 1 << 20),
        other => panic!("unexpected {other}"),
    }
    assert_good_plugin_works(&host);
}

#[test]
fn granted_loopback_host_works() {
    let server = LoopbackServer::start();
    let addr = format!("127.0.0.1:{}", server.port);
    let (_tmp, host) = setup(Network::default(), &[&addr]);
    let mut session = host
        .session("hostile", &grant(&[("mode", "http"), ("url", &format!("http://{addr}/ping"))], &[&addr]))
        .unwrap();
    assert_eq!(session.check().expect("no trap"), Ok(()));
    assert_eq!(server.connections(), 1);
}

#[test]
fn non_granted_loopback_port_is_refused_before_connecting_and_names_the_operator() {
    let server = LoopbackServer::start();
    let addr = format!("127.0.0.1:{}", server.port);
    // The manifest requests the port; the operator grants a different one.
    let (_tmp, host) = setup(Network::default(), &[&addr]);
    let other = format!("127.0.0.1:{}", server.port.wrapping_add(1));
    let mut session =
        host.session("hostile", &grant(&[("mode", "http"), ("url", &format!("http://{addr}/"))], &[&other])).unwrap();
    let result = session.check().expect("no trap");
    assert!(matches!(result, Err(PluginError::Permanent(ref m)) if m.contains("denied")), "{result:?}");
    let refusals = session.refusals();
    assert_eq!(refusals.len(), 1);
    assert_eq!(refusals[0].side, RefusingSide::Operator);
    assert!(refusals[0].reason.contains("not granted by the operator"), "{}", refusals[0].reason);
    assert_eq!(server.connections(), 0, "no connection may be attempted");
    // And the other way round: granted by the operator, not requested by the manifest.
    let (_tmp2, host2) = setup(Network::default(), &[]);
    let mut session =
        host2.session("hostile", &grant(&[("mode", "http"), ("url", &format!("http://{addr}/"))], &[&addr])).unwrap();
    assert!(session.check().expect("no trap").is_err());
    assert_eq!(session.refusals()[0].side, RefusingSide::Manifest);
    assert_eq!(server.connections(), 0);
}

/// A dialer that must never be used: it counts attempts and refuses them without any I/O.
struct ForbiddenDialer(Arc<AtomicUsize>);

impl Dialer for ForbiddenDialer {
    fn connect(&self, _addr: SocketAddr) -> BoxFuture<'_, std::io::Result<tokio::net::TcpStream>> {
        self.0.fetch_add(1, Ordering::SeqCst);
        Box::pin(async { Err(std::io::Error::other("test dialer: no connection allowed")) })
    }
}

/// Resolves every name under `.test` to the cloud metadata address, without any DNS traffic.
struct MetadataResolver;

impl Resolver for MetadataResolver {
    fn resolve<'a>(&'a self, host: &'a str, port: u16) -> BoxFuture<'a, std::io::Result<Vec<IpAddr>>> {
        if host.ends_with(".test") {
            Box::pin(async { Ok(vec!["169.254.169.254".parse().unwrap()]) })
        } else {
            SystemResolver.resolve(host, port)
        }
    }
}

#[test]
fn metadata_address_is_refused_without_any_connection() {
    let attempts = Arc::new(AtomicUsize::new(0));
    let network = Network {
        resolver: Arc::new(MetadataResolver),
        dialer: Arc::new(ForbiddenDialer(attempts.clone())),
        tap: None,
    };
    // 1. The metadata IP literal, requested by the manifest but not granted.
    let (_tmp, host) = setup(network.clone(), &["169.254.169.254:80", "*.test"]);
    let mut session = host
        .session(
            "hostile",
            &grant(&[("mode", "http"), ("url", "http://169.254.169.254/latest/meta-data/")], &["*.test"]),
        )
        .unwrap();
    assert!(session.check().expect("no trap").is_err());
    assert_eq!(session.refusals()[0].side, RefusingSide::Operator);
    // 2. A granted wildcard name that resolves to the metadata IP (DNS rebinding).
    let mut session = host
        .session("hostile", &grant(&[("mode", "http"), ("url", "http://metadata.test/latest/")], &["*.test"]))
        .unwrap();
    assert!(session.check().expect("no trap").is_err());
    let refusal = &session.refusals()[0];
    assert_eq!(refusal.side, RefusingSide::AddressPolicy);
    assert!(refusal.reason.contains("169.254.169.254") && refusal.reason.contains("Metadata"), "{}", refusal.reason);
    assert_eq!(attempts.load(Ordering::SeqCst), 0, "the dialer must never be reached");
}

/// A host with the good plugin and the test fixture `fixture`, as built.
fn beside_the_good_plugin(fixture: &str) -> (tempfile::TempDir, PluginHost) {
    let tmp = tempfile::tempdir().unwrap();
    let plugins = tmp.path().join("plugins");
    install_as_built(&plugins, "sku-normalize");
    install_as_built(&plugins, fixture);
    let host = host(&plugins, &tmp.path().join("cache"), test_limits(), Network::default());
    (tmp, host)
}

#[test]
fn a_component_whose_exports_have_the_wrong_types_is_refused_on_every_instance() {
    let (_tmp, host) = beside_the_good_plugin("impostor");
    // Its export names are a transform's, so it loads; the types are checked on its instances
    // (once one passes, later instances skip the check), and none passes.
    for attempt in 0..2 {
        let mut session = host.session("impostor", &Grant::default()).unwrap();
        let err = session.describe().expect_err("describe returns a string, not plugin-info");
        assert_eq!(err.class().name(), "instantiate", "attempt {attempt}: {err}");
        assert!(err.to_string().contains("type mismatch"), "attempt {attempt}: {err}");
        let err = session.apply(&[product("a")]).expect_err("apply takes strings, not records");
        assert_eq!(err.class().name(), "instantiate", "attempt {attempt}: {err}");
        assert_eq!(session.instances_created(), 0, "attempt {attempt}");
    }
    assert_good_plugin_works(&host);
}

/// A transform's `transform-batch` answer is input from outside: one that does not decode fails
/// the call as a trap (the instance is retired, the next call gets a fresh one), a refused batch
/// fails each of its records with the plugin's reason, and a good plugin still works.
#[test]
fn a_batch_answer_that_does_not_decode_fails_the_call_and_the_host_goes_on() {
    let (_tmp, host) = beside_the_good_plugin("garbled");
    assert!(host.refused().is_empty(), "{:?}", host.refused());
    let batch = [product("a"), product("b")];

    let mut garbage = host.session("garbled", &grant(&[("mode", "garbage")], &[])).unwrap();
    for attempt in 1..=2 {
        let err = garbage.apply(&batch).expect_err("an answer that does not decode");
        assert_eq!(err.class().name(), "trap", "attempt {attempt}: {err}");
        let text = err.to_string();
        assert!(text.contains("`apply-encoded`") && text.contains("does not decode"), "attempt {attempt}: {text}");
        assert_eq!(garbage.instances_created(), attempt, "each failed call retires its instance");
    }

    let mut refusing = host.session("garbled", &grant(&[("mode", "refuse")], &[])).unwrap();
    let outcomes = refusing.apply(&batch).expect("a refused batch is an answer");
    assert_eq!(outcomes.len(), batch.len(), "one outcome per record");
    for outcome in &outcomes {
        assert!(matches!(outcome, Err(PluginError::Permanent(m)) if m == "cannot read this batch"), "{outcome:?}");
    }
    assert_good_plugin_works(&host);
}
