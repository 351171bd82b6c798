//! Several shops per host: `[shopify]` (the shop named `shopify`) and `[shops.<name>]`, and the
//! shop each flow reads from or writes to (its `shop` key, or the only shop there is).

use super::{Config, FlowConfig, ShopifyConfig};

/// The name of the `[shopify]` section's shop. Its id map keeps the keys it had before a host
/// could serve several shops (see [`link_scope`]).
pub const DEFAULT_SHOP: &str = "shopify";

/// What a shop's links are kept under in the id map: nothing for `[shopify]` (so a single-shop
/// store keeps its links), the shop's name for `[shops.<name>]`.
pub fn link_scope(shop: &str) -> Option<&str> {
    (shop != DEFAULT_SHOP).then_some(shop)
}

impl Config {
    /// Every shop, by name: `[shopify]` as `shopify`, then each `[shops.<name>]`.
    pub fn shops(&self) -> impl Iterator<Item = (&str, &ShopifyConfig)> {
        let default = self.shopify.iter().map(|s| (DEFAULT_SHOP, s));
        default.chain(self.shops.iter().map(|(n, s)| (n.as_str(), s)))
    }

    /// The shop of a flow with Shopify on one side: its `shop`, or the only shop configured.
    /// `None` when it names no configured shop or leaves the choice open (config check says
    /// which).
    pub fn shop_of(&self, flow: &FlowConfig) -> Option<&str> {
        match &flow.shop {
            Some(name) => self.shops().find(|(n, _)| n == name).map(|(n, _)| n),
            None => {
                let mut shops = self.shops();
                let only = shops.next().map(|(n, _)| n);
                shops.next().is_none().then_some(only).flatten()
            }
        }
    }

    /// The shop a command means: the one named `name`, or the only shop there is.
    pub fn chosen_shop(&self, name: Option<&str>) -> Result<(&str, &ShopifyConfig), String> {
        let names: Vec<&str> = self.shops().map(|(n, _)| n).collect();
        match name {
            Some(name) => self
                .shops()
                .find(|(n, _)| *n == name)
                .ok_or_else(|| format!("no shop `{name}`; the shops are: {}", list(&names))),
            None if names.len() == 1 => self.shops().next().ok_or_else(|| list(&names)),
            None => Err(format!("name the shop with --shop: the shops are {}", list(&names))),
        }
    }

    /// The shop whose domain (`name.myshopify.com`, case aside) is `domain`: where a webhook
    /// sent with `X-Shopify-Shop-Domain: domain` goes.
    pub fn shop_by_domain(&self, domain: &str) -> Option<&str> {
        self.shops().find(|(_, s)| s.shop.eq_ignore_ascii_case(domain.trim())).map(|(n, _)| n)
    }

    /// Problems of the shops and of the flows' choice of shop, as (dotted key, reason).
    pub(super) fn shop_problems(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        if self.shops.contains_key(DEFAULT_SHOP) {
            out.push((format!("shops.{DEFAULT_SHOP}"), "`shopify` is the name of the [shopify] section's shop".into()));
        }
        let sections = self.shopify.iter().map(|s| (DEFAULT_SHOP.to_owned(), s));
        let sections = sections.chain(self.shops.iter().map(|(n, s)| (format!("shops.{n}"), s)));
        let mut seen: Vec<(String, &str)> = Vec::new();
        for (section, shop) in sections {
            if let Some((first, _)) = seen.iter().find(|(_, d)| d.eq_ignore_ascii_case(&shop.shop)) {
                out.push((
                    format!("{section}.shop"),
                    format!("`{}` is the domain of [{first}] too: webhooks could not tell them apart", shop.shop),
                ));
            }
            seen.push((section, &shop.shop));
        }
        let names: Vec<&str> = self.shops().map(|(n, _)| n).collect();
        for (name, flow) in &self.flows {
            let key = format!("flows.{name}.shop");
            let uses_shopify = flow.from.is_shopify() || flow.to.is_shopify();
            match &flow.shop {
                Some(_) if !uses_shopify => out.push((
                    key,
                    format!("the flow moves data between `{}` and `{}`, neither of them a shop", flow.from, flow.to),
                )),
                Some(shop) if !names.contains(&shop.as_str()) => {
                    out.push((key, format!("no shop `{shop}`; the shops are: {}", list(&names))))
                }
                None if uses_shopify && names.len() > 1 => {
                    out.push((key, format!("the host serves several shops ({}): name the flow's shop", list(&names))))
                }
                _ => {}
            }
        }
        out
    }
}

/// The section of a shop: `shopify` or `shops.NAME`.
pub fn shop_section(shop: &str) -> String {
    match link_scope(shop) {
        None => DEFAULT_SHOP.to_owned(),
        Some(name) => format!("shops.{name}"),
    }
}

/// The key of a shop's setting: `shopify.KEY` or `shops.NAME.KEY`.
pub fn shop_key(shop: &str, key: &str) -> String {
    format!("{}.{key}", shop_section(shop))
}

fn list(names: &[&str]) -> String {
    if names.is_empty() {
        return "none (add [shopify] or [shops.NAME])".into();
    }
    names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHOPS: &str = "[connections.erp]\nplugin = \"x\"\n\
        [shops.eu]\nshop = \"eu.myshopify.com\"\naccess_token = { env = \"U\" }\nwebhook_secret = { env = \"U\" }\n\
        [shops.us]\nshop = \"us.myshopify.com\"\naccess_token = { env = \"U\" }\nwebhook_secret = { env = \"U\" }\n";

    fn problems(text: &str) -> Vec<(String, String)> {
        Config::parse_unchecked(text, std::path::Path::new("weft.toml")).expect("parses").problems()
    }

    fn catalog(name: &str, shop: Option<&str>) -> String {
        let shop = shop.map(|s| format!("shop = \"{s}\"\n")).unwrap_or_default();
        format!("[flows.{name}]\n{shop}from = \"erp\"\nto = \"shopify\"\nobject = \"product\"\n")
    }

    #[test]
    fn each_flow_names_one_of_several_shops() {
        let text = format!("{SHOPS}{}{}{}", catalog("a", Some("eu")), catalog("b", None), catalog("c", Some("uk")));
        let keys: Vec<String> = problems(&text).into_iter().map(|(k, _)| k).collect();
        assert_eq!(keys, ["flows.b.shop", "flows.c.shop"]);
    }

    #[test]
    fn one_shop_needs_no_name_and_each_shop_has_its_own_base_price() {
        let single = format!("[connections.erp]\nplugin = \"x\"\n[shopify]\nshop = \"s.myshopify.com\"\naccess_token = {{ env = \"U\" }}\nwebhook_secret = {{ env = \"U\" }}\n{}", catalog("a", None));
        assert_eq!(problems(&single), []);
        let two = format!("{SHOPS}{}{}", catalog("a", Some("eu")), catalog("b", Some("us")));
        assert_eq!(problems(&two), []);
        let same = format!("{SHOPS}{}{}", catalog("a", Some("eu")), catalog("b", Some("eu")));
        let keys: Vec<String> = problems(&same).into_iter().map(|(k, _)| k).collect();
        assert_eq!(keys, ["flows.b.base_price"]);
    }

    #[test]
    fn the_default_shops_name_and_a_shared_domain_are_refused() {
        let text = format!("{SHOPS}[shops.shopify]\nshop = \"EU.myshopify.com\"\naccess_token = {{ env = \"U\" }}\nwebhook_secret = {{ env = \"U\" }}\n");
        let keys: Vec<String> = problems(&text).into_iter().map(|(k, _)| k).collect();
        assert_eq!(keys, ["shops.shopify", "shops.shopify.shop"]);
        let config = Config::parse(SHOPS, std::path::Path::new("weft.toml")).unwrap();
        assert_eq!(config.shop_by_domain("US.myshopify.com "), Some("us"));
        assert_eq!(
            config.chosen_shop(None).map(|(n, _)| n),
            Err("name the shop with --shop: the shops are `eu`, `us`".into())
        );
    }
}
