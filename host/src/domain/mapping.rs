//! Field mapping from an ERP product to Shopify product fields: per-field CEL expressions over
//! `erp` (the canonical product, with the keys of its `extra` object merged in) and a `skip_if`
//! condition. Unmapped fields take the canonical value.

use super::expr::{Expr, Out};
use crate::model::{Product, ProductStatus};
use serde_json::Value as Json;
use std::collections::BTreeMap;

/// The variables a mapping and `skip_if` are evaluated with.
pub const VARIABLES: &[&str] = &[ERP];
/// The ERP record's variable.
const ERP: &str = "erp";

/// Product fields a mapping may set.
const TARGETS: &[&str] = &["title", "description", "vendor", "product_type", "tags", "status"];

/// Whether `field` may be the target of a mapping.
fn check_target(field: &str) -> Result<(), String> {
    if TARGETS.contains(&field) {
        Ok(())
    } else {
        Err(format!("cannot map `{field}` (mappable: {})", TARGETS.join(", ")))
    }
}

/// The product-level values to write, before the ownership filter.
#[derive(Debug, Clone, PartialEq)]
pub struct ProductFields {
    /// Title.
    pub title: String,
    /// Description (HTML).
    pub description: Option<String>,
    /// Vendor.
    pub vendor: Option<String>,
    /// Product type.
    pub product_type: Option<String>,
    /// Tags.
    pub tags: Vec<String>,
    /// `ACTIVE`, `DRAFT` or `ARCHIVED`.
    pub status: String,
}

/// A flow's compiled mapping.
pub struct Mapping {
    skip_if: Option<Expr>,
    fields: Vec<(String, Expr)>,
}

/// The `erp` variable: the canonical product as JSON with `extra`'s keys merged in.
pub fn erp_json(p: &Product) -> Json {
    let mut value = serde_json::to_value(p).unwrap_or(Json::Null);
    if let (Some(obj), Ok(Json::Object(extra))) = (value.as_object_mut(), serde_json::from_str::<Json>(&p.extra)) {
        for (k, v) in extra {
            obj.entry(k).or_insert(v);
        }
    }
    value
}

fn text(out: Out, field: &str) -> Result<Option<String>, String> {
    match out {
        Out::Text(s) => Ok(Some(s)),
        Out::Int(n) => Ok(Some(n.to_string())),
        Out::Float(f) => Ok(Some(f.to_string())),
        Out::Null => Ok(None),
        other => Err(format!("mapping.{field}: gives {other:?}, expected a string")),
    }
}

impl Mapping {
    /// Compile a mapping (target field → CEL expression) and its `skip_if` condition; the error
    /// names the field (`mapping.title`, `skip_if`).
    pub fn new(fields: &BTreeMap<String, String>, skip_if: Option<&str>) -> Result<Mapping, (String, String)> {
        let skip_if = skip_if.map(Expr::compile).transpose().map_err(|r| ("skip_if".to_owned(), r))?;
        let mut compiled = Vec::new();
        for (field, source) in fields {
            let at = || format!("mapping.{field}");
            check_target(field).map_err(|r| (at(), r))?;
            compiled.push((field.clone(), Expr::compile(source).map_err(|r| (at(), r))?));
        }
        Ok(Mapping { skip_if, fields: compiled })
    }

    /// The fields of `p`, or `None` when `skip_if` holds.
    pub fn apply(&self, p: &Product) -> Result<Option<ProductFields>, String> {
        let erp = erp_json(p);
        let vars = [(ERP, &erp)];
        if let Some(skip) = &self.skip_if {
            if skip.eval_bool(&vars).map_err(|e| format!("skip_if: {e}"))? {
                return Ok(None);
            }
        }
        let status = match p.status {
            ProductStatus::Active => "ACTIVE",
            ProductStatus::Archived => "ARCHIVED",
            ProductStatus::Draft => "DRAFT",
        };
        let mut f = ProductFields {
            title: p.title.clone(),
            description: p.description.clone(),
            vendor: p.vendor.clone(),
            product_type: p.product_type.clone(),
            tags: p.tags.clone(),
            status: status.to_owned(),
        };
        for (field, expr) in &self.fields {
            let out = expr.eval(&vars).map_err(|e| format!("mapping.{field}: {e}"))?;
            match field.as_str() {
                "title" => f.title = text(out, field)?.unwrap_or_default(),
                "description" => f.description = text(out, field)?,
                "vendor" => f.vendor = text(out, field)?,
                "product_type" => f.product_type = text(out, field)?,
                "status" => f.status = text(out, field)?.unwrap_or_default().to_ascii_uppercase(),
                "tags" => {
                    f.tags = match out {
                        Out::List(l) => l,
                        other => text(other, field)?
                            .unwrap_or_default()
                            .split(',')
                            .map(|t| t.trim().to_owned())
                            .filter(|t| !t.is_empty())
                            .collect(),
                    }
                }
                _ => {}
            }
        }
        if f.title.trim().is_empty() {
            return Err("title is empty".into());
        }
        if !["ACTIVE", "DRAFT", "ARCHIVED"].contains(&f.status.as_str()) {
            return Err(format!("status {:?} is not ACTIVE, DRAFT or ARCHIVED", f.status));
        }
        Ok(Some(f))
    }
}
