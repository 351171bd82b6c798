//! Record builders: the required fields are the constructor's arguments, everything else starts
//! empty (`None`, `[]`, `false`, `extra = "{}"`, a product active) and is set by name.
//!
//! ```ignore
//! let tee = Product::new("P1", "Tee")
//!     .sku("T1")
//!     .vendor("Acme")
//!     .option("Size")
//!     .variant(Variant::new("V1").sku("T1-S").option_value("S").price(Money::new("19.90", "EUR")));
//! let stock = InventoryLevel::new("T1-S", "WH1", 12).reserved(2);
//! let records: Vec<Record> = vec![tee.into(), stock.into()];
//! ```

use crate::{
    Address, Amount, Customer, Fulfillment, FulfillmentLine, InventoryLevel, Media, Metafield, Money, Order, OrderLine,
    Price, PriceScope, Product, ProductStatus, Record, Tracking, Variant,
};

/// Setters of `Option<String>` fields.
macro_rules! opt_strings {
    ($($field:ident),* $(,)?) => {$(
        #[doc = concat!("Set `", stringify!($field), "`.")]
        pub fn $field(mut self, value: impl Into<String>) -> Self {
            self.$field = Some(value.into());
            self
        }
    )*};
}

/// Setters of plain fields.
macro_rules! plain {
    ($($field:ident: $ty:ty),* $(,)?) => {$(
        #[doc = concat!("Set `", stringify!($field), "`.")]
        pub fn $field(mut self, value: $ty) -> Self {
            self.$field = value;
            self
        }
    )*};
}

/// `extra`, `metafields` and `tags`-like setters every record with them shares.
macro_rules! extra {
    () => {
        /// Set `extra` (system-specific fields) from any JSON-serialisable value.
        pub fn extra_json(mut self, value: &impl serde::Serialize) -> Self {
            self.extra = serde_json::to_string(value).unwrap_or_else(|_| "{}".into());
            self
        }
    };
}

impl Product {
    /// An active product with no variants yet.
    pub fn new(external_id: impl Into<String>, title: impl Into<String>) -> Product {
        Product {
            external_id: external_id.into(),
            sku: None,
            title: title.into(),
            description: None,
            vendor: None,
            product_type: None,
            tags: Vec::new(),
            status: ProductStatus::Active,
            options: Vec::new(),
            variants: Vec::new(),
            media: Vec::new(),
            collections: Vec::new(),
            metafields: Vec::new(),
            deleted: false,
            updated_at: None,
            extra: "{}".into(),
        }
    }
    opt_strings!(sku, description, vendor, product_type, updated_at);
    plain!(status: ProductStatus, deleted: bool);
    extra!();

    /// Add a variant.
    pub fn variant(mut self, variant: Variant) -> Self {
        self.variants.push(variant);
        self
    }
    /// Add an option name (`"Size"`); variants give their values in the same order.
    pub fn option(mut self, name: impl Into<String>) -> Self {
        self.options.push(name.into());
        self
    }
    /// Add a tag.
    pub fn tag(mut self, tag: impl Into<String>) -> Self {
        self.tags.push(tag.into());
        self
    }
    /// Add a collection (the ERP's category code or name).
    pub fn collection(mut self, collection: impl Into<String>) -> Self {
        self.collections.push(collection.into());
        self
    }
    /// Add an image by URL (or `file:` path in the granted directory).
    pub fn image(mut self, source: impl Into<String>) -> Self {
        self.media.push(Media { source: source.into(), alt: None, content_hash: None });
        self
    }
    /// Add a custom field.
    pub fn metafield(mut self, namespace: &str, key: &str, kind: &str, value: impl Into<String>) -> Self {
        self.metafields.push(metafield(namespace, key, kind, value));
        self
    }
}

impl Variant {
    /// A variant with nothing but its id.
    pub fn new(external_id: impl Into<String>) -> Variant {
        Variant {
            external_id: external_id.into(),
            sku: None,
            barcode: None,
            option_values: Vec::new(),
            price: None,
            compare_at_price: None,
            cost: None,
            weight_grams: None,
            media: Vec::new(),
            metafields: Vec::new(),
            updated_at: None,
            extra: "{}".into(),
        }
    }
    opt_strings!(sku, barcode, updated_at);
    extra!();

    /// Set the selling price.
    pub fn price(mut self, price: Money) -> Self {
        self.price = Some(price);
        self
    }
    /// Set the "compare at" price.
    pub fn compare_at_price(mut self, price: Money) -> Self {
        self.compare_at_price = Some(price);
        self
    }
    /// Set the unit cost.
    pub fn cost(mut self, cost: Money) -> Self {
        self.cost = Some(cost);
        self
    }
    /// Set the weight in grams.
    pub fn weight_grams(mut self, grams: u32) -> Self {
        self.weight_grams = Some(grams);
        self
    }
    /// Add the value of the product's next option (`"M"`).
    pub fn option_value(mut self, value: impl Into<String>) -> Self {
        self.option_values.push(value.into());
        self
    }
    /// Add a custom field.
    pub fn metafield(mut self, namespace: &str, key: &str, kind: &str, value: impl Into<String>) -> Self {
        self.metafields.push(metafield(namespace, key, kind, value));
        self
    }
}

impl InventoryLevel {
    /// Stock of `sku` at `location`, id `sku@location`, nothing reserved, incoming or kept back.
    pub fn new(sku: impl Into<String>, location: impl Into<String>, on_hand: i64) -> InventoryLevel {
        let (sku, location) = (sku.into(), location.into());
        InventoryLevel {
            external_id: format!("{sku}@{location}"),
            sku: Some(sku),
            location,
            on_hand,
            reserved: 0,
            incoming: 0,
            safety_stock: 0,
            updated_at: None,
            extra: "{}".into(),
        }
    }
    opt_strings!(updated_at);
    plain!(reserved: i64, incoming: i64, safety_stock: i64);
    extra!();

    /// Replace the id (default `sku@location`).
    pub fn external_id(mut self, id: impl Into<String>) -> Self {
        self.external_id = id.into();
        self
    }
}

impl Customer {
    /// A customer with nothing but its id.
    pub fn new(external_id: impl Into<String>) -> Customer {
        Customer {
            external_id: external_id.into(),
            sku: None,
            email: None,
            first_name: None,
            last_name: None,
            phone: None,
            company: None,
            addresses: Vec::new(),
            tags: Vec::new(),
            metafields: Vec::new(),
            updated_at: None,
            extra: "{}".into(),
        }
    }
    opt_strings!(sku, email, first_name, last_name, phone, company, updated_at);
    extra!();

    /// Add an address (the default first).
    pub fn address(mut self, address: Address) -> Self {
        self.addresses.push(address);
        self
    }
    /// Add a tag.
    pub fn tag(mut self, tag: impl Into<String>) -> Self {
        self.tags.push(tag.into());
        self
    }
}

impl Address {
    /// An empty address.
    pub fn new() -> Address {
        Address {
            first_name: None,
            last_name: None,
            company: None,
            address1: None,
            address2: None,
            city: None,
            province_code: None,
            zip: None,
            country_code: None,
            phone: None,
        }
    }
    opt_strings!(first_name, last_name, company, address1, address2, city, province_code, zip, country_code, phone);
}

impl Default for Address {
    fn default() -> Address {
        Address::new()
    }
}

impl Price {
    /// The base price of `sku` (no list, no breaks); id `sku`.
    pub fn new(sku: impl Into<String>, price: Money) -> Price {
        let sku = sku.into();
        Price {
            external_id: sku.clone(),
            sku: Some(sku),
            scope: PriceScope::Base,
            price,
            compare_at_price: None,
            quantity_breaks: Vec::new(),
            quantity_rule: None,
            updated_at: None,
            extra: "{}".into(),
        }
    }
    opt_strings!(updated_at);
    plain!(scope: PriceScope);
    extra!();

    /// Replace the id (default the SKU).
    pub fn external_id(mut self, id: impl Into<String>) -> Self {
        self.external_id = id.into();
        self
    }
    /// Set the "compare at" price.
    pub fn compare_at_price(mut self, price: Money) -> Self {
        self.compare_at_price = Some(price);
        self
    }
}

impl Fulfillment {
    /// A shipment of everything left to ship of an order, with no tracking yet.
    pub fn new(
        external_id: impl Into<String>,
        order_external_id: impl Into<String>,
        order_name: impl Into<String>,
    ) -> Fulfillment {
        Fulfillment {
            external_id: external_id.into(),
            order_external_id: order_external_id.into(),
            order_name: order_name.into(),
            lines: Vec::new(),
            tracking: Vec::new(),
            location: None,
            shipped_at: None,
            extra: "{}".into(),
        }
    }
    opt_strings!(location, shipped_at);
    extra!();

    /// Add a shipped line by SKU.
    pub fn line(mut self, sku: impl Into<String>, quantity: u32) -> Self {
        self.lines.push(FulfillmentLine { line_external_id: None, sku: Some(sku.into()), quantity });
        self
    }
    /// Add a tracking number.
    pub fn tracking(mut self, number: impl Into<String>, company: Option<&str>) -> Self {
        self.tracking.push(Tracking { number: number.into(), company: company.map(Into::into), url: None });
        self
    }
}

impl OrderLine {
    /// A line of `quantity` × `sku` at `unit_price` (shop currency), shipped, no discounts or taxes.
    pub fn new(external_id: impl Into<String>, sku: impl Into<String>, quantity: u32, unit_price: Money) -> OrderLine {
        let sku = sku.into();
        OrderLine {
            external_id: external_id.into(),
            title: sku.clone(),
            sku: Some(sku),
            quantity,
            current_quantity: quantity,
            unit_price: Amount::shop(unit_price),
            discount_allocations: Vec::new(),
            tax_lines: Vec::new(),
            requires_shipping: true,
            custom_attributes: Vec::new(),
            extra: "{}".into(),
        }
    }
    plain!(title: String, requires_shipping: bool);
    extra!();
}

impl Order {
    /// An order in `currency` with no lines yet and every amount 0; `add_line` keeps subtotal and
    /// total in step (tax and shipping stay 0 unless set).
    pub fn new(
        external_id: impl Into<String>,
        name: impl Into<String>,
        currency: impl Into<String>,
        created_at: impl Into<String>,
    ) -> Order {
        let currency = currency.into();
        let zero = || Amount::shop(Money::new("0.00", &currency));
        Order {
            external_id: external_id.into(),
            name: name.into(),
            source: "erp".into(),
            email: None,
            phone: None,
            customer: None,
            company_location: None,
            presentment_currency: None,
            lines: Vec::new(),
            shipping_lines: Vec::new(),
            discounts: Vec::new(),
            tax_lines: Vec::new(),
            taxes_included: false,
            subtotal: zero(),
            shipping: zero(),
            tax: zero(),
            discount: zero(),
            total: zero(),
            financial_status: crate::FinancialStatus::Pending,
            cancelled: false,
            stock_effect: crate::StockEffect::MoveStock,
            shipping_address: None,
            billing_address: None,
            tags: Vec::new(),
            note: None,
            custom_attributes: Vec::new(),
            po_number: None,
            metafields: Vec::new(),
            created_at: created_at.into(),
            updated_at: None,
            extra: "{}".into(),
            currency,
        }
    }
    opt_strings!(email, phone, note, po_number, updated_at);
    plain!(source: String, financial_status: crate::FinancialStatus, cancelled: bool, stock_effect: crate::StockEffect);
    extra!();

    /// Whether importing the order must move stock (`stock-effect`: an order whose stock a
    /// hybrid inventory flow already counted is imported without reserving or shipping it).
    pub fn moves_stock(&self) -> bool {
        self.stock_effect == crate::StockEffect::MoveStock
    }

    /// Add a line; subtotal and total grow by its quantity × unit price (decimal, to the cent).
    pub fn add_line(mut self, line: OrderLine) -> Self {
        let cents = to_cents(&line.unit_price.shop.amount).saturating_mul(i64::from(line.quantity));
        for amount in [&mut self.subtotal, &mut self.total] {
            amount.shop.amount = from_cents(to_cents(&amount.shop.amount).saturating_add(cents));
        }
        self.lines.push(line);
        self
    }
}

/// A decimal string in cents (`"19.9"` → 1990); unparsable parts count as 0.
fn to_cents(amount: &str) -> i64 {
    let (negative, digits) = amount.trim().strip_prefix('-').map_or((false, amount.trim()), |d| (true, d));
    let (whole, frac) = digits.split_once('.').unwrap_or((digits, ""));
    let frac: String = frac.chars().chain("00".chars()).take(2).collect();
    let cents = whole.parse::<i64>().unwrap_or(0).saturating_mul(100).saturating_add(frac.parse().unwrap_or(0));
    if negative {
        -cents
    } else {
        cents
    }
}

fn from_cents(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    format!("{sign}{}.{:02}", (cents / 100).abs(), (cents % 100).abs())
}

fn metafield(namespace: &str, key: &str, kind: &str, value: impl Into<String>) -> Metafield {
    Metafield { namespace: namespace.into(), key: key.into(), type_: kind.into(), value: value.into() }
}

macro_rules! into_record {
    ($($t:ident),* $(,)?) => {$(
        impl From<$t> for Record {
            fn from(value: $t) -> Record {
                Record::$t(value)
            }
        }
    )*};
}

into_record!(Product, InventoryLevel, Customer, Price, Fulfillment, Order);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cents_round_trip() {
        assert_eq!(to_cents("19.9"), 1990);
        assert_eq!(to_cents("-0.05"), -5);
        assert_eq!(from_cents(to_cents("1234.50") * 3), "3703.50");
        assert_eq!(from_cents(-5), "-0.05");
    }
}
