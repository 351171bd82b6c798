//! Mappings: per-target CEL expressions over the source record that complete what a flow
//! writes ([`shape::Shape`]: a Shopify input, or the canonical record for an ERP), with ordered
//! rule sets — the first rule whose `when` holds adds its targets over the flow's own (or skips
//! the record), a rule without `when` is the default and comes last — and `skip_if`, a condition that skips the record.
//!
//! The source is bound as `erp` (flows from an ERP) or `shopify` (flows from Shopify), and as
//! `record`; `extra`'s keys are merged into it. A list target (`variants.price`) is evaluated per
//! element with the element bound (`variant`). A null result leaves the target out (Shopify
//! keeps its value). Targets are checked when the config loads: a mapping that cannot apply is
//! a config error, never ignored.

pub mod schema;
pub mod shape;

use super::expr::{Bindings, CompileError, Expr};
use super::functions::Lookups;
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;
use shape::{ListScope, Resolved, Shape};
use std::collections::BTreeMap;
use std::sync::Arc;

/// One rule of a flow's rule set, as configured (`[[flows.NAME.rules]]`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    /// Name, shown in previews and run records.
    pub name: String,
    /// CEL condition over the source; none: the default rule (last).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when: Option<String>,
    /// Targets this rule sets (over the flow's `mapping`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub set: BTreeMap<String, String>,
    /// Skip the record instead of writing it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub skip: bool,
}

/// A mapping that does not compile or cannot apply: the key under the flow
/// (`mapping.title`, `rules[1].when`) and why, with the position in the expression when known.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MappingError {
    /// Key under the flow.
    pub key: String,
    /// Why.
    pub message: String,
    /// Line in the expression.
    pub line: Option<u32>,
    /// Column in the expression.
    pub column: Option<u32>,
}

impl MappingError {
    /// An error at `key` (no position).
    pub fn at(key: impl Into<String>, message: impl Into<String>) -> MappingError {
        MappingError { key: key.into(), message: message.into(), line: None, column: None }
    }

    fn compile(key: impl Into<String>, e: CompileError) -> MappingError {
        MappingError { key: key.into(), message: e.message, line: e.line, column: e.column }
    }
}

impl MappingError {
    /// Why, with the position in the expression when known.
    pub fn reason(&self) -> String {
        match (self.line, self.column) {
            (Some(l), Some(c)) => format!("{} (line {l}, column {c})", self.message),
            _ => self.message.clone(),
        }
    }
}

impl std::fmt::Display for MappingError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.key, self.reason())
    }
}

/// One compiled target.
#[derive(Debug)]
struct Target {
    /// The config key (`mapping.tags`, `rules[0].set.tags`).
    key: String,
    at: Resolved,
    expr: Expr,
}

/// One compiled rule.
#[derive(Debug)]
struct Rule {
    name: String,
    when: Option<Expr>,
    set: Vec<Target>,
    skip: bool,
}

/// A flow's compiled mapping.
#[derive(Debug)]
pub struct Mapping {
    shape: Shape,
    source_var: &'static str,
    skip_if: Option<Expr>,
    base: Vec<Target>,
    rules: Vec<Rule>,
    lookups: Arc<Lookups>,
}

/// What a mapping did with one record.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Applied {
    /// The rule that matched.
    pub rule: Option<String>,
    /// Why the record is skipped, when it is.
    pub skipped: Option<String>,
    /// The targets set.
    pub targets: Vec<String>,
}

/// `lookup('NAME'` table names used in an expression.
fn lookup_tables(source: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = source;
    while let Some(i) = rest.find("lookup(") {
        rest = &rest[i + "lookup(".len()..];
        let trimmed = rest.trim_start();
        if let Some(quote) = trimmed.chars().next().filter(|c| *c == '\'' || *c == '"') {
            if let Some(end) = trimmed[1..].find(quote) {
                names.push(trimmed[1..=end].to_owned());
            }
        }
    }
    names
}

impl Mapping {
    /// Compile `fields` (target → CEL), `skip_if` and `rules` for `shape`, reading the source as
    /// `source_var`; every target is checked against the shape and every `lookup('table', ...)`
    /// against `lookups`.
    pub fn new(
        fields: &BTreeMap<String, String>,
        skip_if: Option<&str>,
        rules: &[RuleSpec],
        shape: Shape,
        source_var: &'static str,
        lookups: Arc<Lookups>,
    ) -> Result<Mapping, MappingError> {
        fn provided<'a>(source_var: &'a str, list_var: Option<&'a str>) -> Vec<&'a str> {
            let mut names = vec![source_var, "record"];
            names.extend(list_var);
            names
        }
        let compile = |key: &str, source: &str, list_var: Option<&str>| -> Result<Expr, MappingError> {
            let expr = Expr::compile(source).map_err(|e| MappingError::compile(key, e))?;
            let provided = provided(source_var, list_var);
            let unknown: Vec<String> =
                expr.variables().into_iter().filter(|v| !provided.contains(&v.as_str())).collect();
            if !unknown.is_empty() {
                return Err(MappingError::at(
                    key,
                    format!(
                        "`{source}` names {} the flow does not provide; it provides: {} (and the helper functions: {})",
                        unknown.iter().map(|v| format!("`{v}`")).collect::<Vec<_>>().join(", "),
                        provided.join(", "),
                        super::functions::HELPERS.iter().map(|h| h.name).collect::<Vec<_>>().join(", "),
                    ),
                ));
            }
            if let Some(missing) = lookup_tables(source).into_iter().find(|t| !lookups.has(t)) {
                return Err(MappingError::at(
                    key,
                    format!("`{source}`: no lookup table `{missing}` ({})", lookups.describe_tables()),
                ));
            }
            Ok(expr)
        };
        let targets = |prefix: &str, set: &BTreeMap<String, String>| -> Result<Vec<Target>, MappingError> {
            let mut out = Vec::new();
            for (target, source) in set {
                let key = format!("{prefix}.{target}");
                let at = shape.resolve(target).map_err(|e| MappingError::at(&key, e))?;
                let expr = compile(&key, source, at.scope.map(|s| s.var))?;
                out.push(Target { key, at, expr });
            }
            Ok(out)
        };
        let skip_if = skip_if.map(|s| compile("skip_if", s, None)).transpose()?;
        let base = targets("mapping", fields)?;
        let mut compiled: Vec<Rule> = Vec::new();
        for (i, r) in rules.iter().enumerate() {
            let key = format!("rules[{i}]");
            if r.name.trim().is_empty() {
                return Err(MappingError::at(format!("{key}.name"), "a rule needs a name"));
            }
            if compiled.iter().any(|c| c.name == r.name) {
                return Err(MappingError::at(format!("{key}.name"), format!("two rules are named `{}`", r.name)));
            }
            if let Some(default) = compiled.iter().find(|c| c.when.is_none()) {
                return Err(MappingError::at(
                    key,
                    format!(
                        "rule `{}` has no `when`: it is the default and must be last; `{}` would never apply",
                        default.name, r.name
                    ),
                ));
            }
            if r.skip && !r.set.is_empty() {
                return Err(MappingError::at(format!("{key}.set"), "a rule that skips the record sets nothing"));
            }
            compiled.push(Rule {
                name: r.name.clone(),
                when: r.when.as_deref().map(|w| compile(&format!("{key}.when"), w, None)).transpose()?,
                set: targets(&format!("{key}.set"), &r.set)?,
                skip: r.skip,
            });
        }
        Ok(Mapping { shape, source_var, skip_if, base, rules: compiled, lookups })
    }

    /// A mapping that does nothing (an object that takes none, with nothing configured).
    pub fn none(source_var: &'static str) -> Mapping {
        Mapping {
            shape: Shape::canonical("record", Json::Object(Default::default()), Vec::new()),
            source_var,
            skip_if: None,
            base: Vec::new(),
            rules: Vec::new(),
            lookups: Arc::default(),
        }
    }

    /// Every configured target: (config key, target as resolved), the flow's own then each rule's.
    pub fn targets(&self) -> Vec<(String, String)> {
        self.base
            .iter()
            .chain(self.rules.iter().flat_map(|r| &r.set))
            .map(|t| (t.key.clone(), t.at.display.clone()))
            .collect()
    }

    /// Whether the mapping does nothing (the writer's input goes out as built).
    pub fn is_empty(&self) -> bool {
        self.skip_if.is_none() && self.base.is_empty() && self.rules.is_empty()
    }

    /// What the mapping writes into.
    pub fn shape(&self) -> &Shape {
        &self.shape
    }

    /// The source's variable name (`erp` or `shopify`).
    pub fn source_var(&self) -> &'static str {
        self.source_var
    }

    /// Complete `input` (what the flow's writer built) for the record `source` (its JSON, with
    /// `extra` merged: see [`source_json`]). `Err` names the rule or target that failed.
    pub fn apply(&self, source: &Json, input: &mut Json) -> Result<Applied, String> {
        if self.is_empty() {
            return Ok(Applied::default());
        }
        let bindings = Bindings::new(&[(self.source_var, source), ("record", source)], &self.lookups);
        if let Some(skip) = &self.skip_if {
            if skip.eval_bool(&bindings).map_err(|e| format!("skip_if: {e}"))? {
                return Ok(Applied {
                    skipped: Some(format!("skip_if holds: {}", skip.source())),
                    ..Applied::default()
                });
            }
        }
        let mut chosen = None;
        for rule in &self.rules {
            let holds = match &rule.when {
                Some(when) => when.eval_bool(&bindings).map_err(|e| format!("rule `{}`: when: {e}", rule.name))?,
                None => true,
            };
            if holds {
                chosen = Some(rule);
                break;
            }
        }
        let mut applied = Applied { rule: chosen.map(|r| r.name.clone()), ..Applied::default() };
        if let Some(rule) = chosen.filter(|r| r.skip) {
            applied.skipped = Some(format!("rule `{}` skips it", rule.name));
            return Ok(applied);
        }
        let overrides = chosen.map(|r| r.set.as_slice()).unwrap_or_default();
        let base = self.base.iter().filter(|t| !overrides.iter().any(|o| o.at.display == t.at.display));
        for target in base.chain(overrides) {
            let label = match chosen.filter(|r| r.set.iter().any(|o| std::ptr::eq(o, target))) {
                Some(rule) => format!("rule `{}`: {}", rule.name, target.at.display),
                None => target.key.clone(),
            };
            self.set(target, source, &bindings, input).map_err(|e| format!("{label}: {e}"))?;
            applied.targets.push(target.at.display.clone());
        }
        Ok(applied)
    }

    fn set(&self, target: &Target, source: &Json, bindings: &Bindings<'_>, input: &mut Json) -> Result<(), String> {
        let Some(scope) = target.at.scope else {
            let value = self.value(target, bindings)?;
            put(input, &target.at.path, value, self.removes_null());
            return Ok(());
        };
        let elements = source.get(scope.source).and_then(Json::as_array).map(Vec::as_slice).unwrap_or_default();
        let Some(outputs) = input.get_mut(scope.target).and_then(Json::as_array_mut) else { return Ok(()) };
        for (element, out) in elements.iter().zip(outputs.iter_mut()) {
            let value = self.value(target, &bindings.with(scope.var, element))?;
            put(out, &target.at.path, value, self.removes_null());
        }
        Ok(())
    }

    fn value(&self, target: &Target, bindings: &Bindings<'_>) -> Result<Json, String> {
        let value = target.expr.eval_json(bindings)?;
        match &target.at.ty {
            Some(ty) => schema::SHOPIFY.coerce(ty, value, &target.at.display),
            None => Ok(value),
        }
    }

    /// Whether a null result removes the target (Shopify inputs: Shopify keeps its value) or
    /// sets it to null (a record's optional field).
    fn removes_null(&self) -> bool {
        matches!(self.shape, Shape::Shopify(_))
    }

    /// Complete `input`, the Shopify input a writer built for `record`, with the mapping (the
    /// record read as [`source_json`] over the shape's lists).
    pub fn apply_to_input<T: Serialize>(&self, record: &T, input: &mut Json) -> Result<Applied, String> {
        if self.is_empty() {
            return Ok(Applied::default());
        }
        let source = source_json(&serde_json::to_value(record).map_err(|e| e.to_string())?, &self.shape.lists());
        self.apply(&source, input)
    }

    /// Apply to a canonical record (flows into an ERP): the record as JSON, `extra` strings
    /// opened so `extra.KEY` can be set, read back into the record type.
    pub fn apply_to_record<T: Serialize + serde::de::DeserializeOwned>(
        &self,
        record: &T,
    ) -> Result<(T, Applied), String> {
        if self.is_empty() {
            return Ok((
                serde_json::from_value(serde_json::to_value(record).map_err(|e| e.to_string())?)
                    .map_err(|e| e.to_string())?,
                Applied::default(),
            ));
        }
        let plain = serde_json::to_value(record).map_err(|e| e.to_string())?;
        let source = source_json(&plain, &self.shape.lists());
        let mut input = plain;
        open_extras(&mut input, &self.shape.lists(), true);
        let applied = self.apply(&source, &mut input)?;
        open_extras(&mut input, &self.shape.lists(), false);
        let mapped = serde_json::from_value(input).map_err(|e| format!("the mapped record does not fit: {e}"))?;
        Ok((mapped, applied))
    }

    /// The configured targets (the flow's own and each rule's), for views.
    pub fn describe(&self) -> Json {
        let targets = |set: &[Target]| -> Json {
            set.iter()
                .map(|t| (t.at.display.clone(), Json::String(t.expr.source().to_owned())))
                .collect::<serde_json::Map<_, _>>()
                .into()
        };
        serde_json::json!({
            "writes": self.shape.describe(),
            "source": self.source_var,
            "skip_if": self.skip_if.as_ref().map(|e| e.source()),
            "mapping": targets(&self.base),
            "rules": self.rules.iter().map(|r| serde_json::json!({
                "name": r.name, "when": r.when.as_ref().map(|e| e.source()), "set": targets(&r.set), "skip": r.skip,
            })).collect::<Vec<_>>(),
            "lists": self.shape.lists().iter().map(|l| serde_json::json!({"target": l.target, "var": l.var})).collect::<Vec<_>>(),
        })
    }
}

/// Set `path` under `at` to `value` (creating objects on the way); a null removes the key when
/// `remove_null`.
fn put(at: &mut Json, path: &[String], value: Json, remove_null: bool) {
    let Some((last, parents)) = path.split_last() else { return };
    let mut node = at;
    for p in parents {
        if !node.get(p).is_some_and(Json::is_object) {
            if value.is_null() && remove_null {
                return;
            }
            node[p.as_str()] = Json::Object(Default::default());
        }
        node = &mut node[p.as_str()];
    }
    match node.as_object_mut() {
        Some(map) if value.is_null() && remove_null => {
            map.remove(last);
        }
        Some(map) => {
            map.insert(last.clone(), value);
        }
        None => {}
    }
}

/// A record's JSON as mappings read it: the keys of `extra` (a JSON object string) merged in
/// where the record has no such field, in the record and in each element of its `lists`.
pub fn source_json(record: &Json, lists: &[ListScope]) -> Json {
    let mut value = record.clone();
    merge_extra(&mut value);
    for scope in lists {
        for element in value.get_mut(scope.source).and_then(Json::as_array_mut).into_iter().flatten() {
            merge_extra(element);
        }
    }
    value
}

fn merge_extra(value: &mut Json) {
    let extra = value.get("extra").and_then(Json::as_str).and_then(|s| serde_json::from_str::<Json>(s).ok());
    if let (Some(obj), Some(Json::Object(extra))) = (value.as_object_mut(), extra) {
        for (k, v) in extra {
            obj.entry(k).or_insert(v);
        }
    }
}

/// Turn `extra` (a JSON object string) into an object (`open`) or back into a string, in the
/// record and its lists' elements.
fn open_extras(value: &mut Json, lists: &[ListScope], open: bool) {
    fn one(v: &mut Json, open: bool) {
        let Some(extra) = v.get_mut("extra") else { return };
        if open {
            let parsed = extra.as_str().and_then(|s| serde_json::from_str::<Json>(s).ok()).filter(Json::is_object);
            *extra = parsed.unwrap_or_else(|| Json::Object(Default::default()));
        } else if !extra.is_string() {
            *extra = Json::String(extra.to_string());
        }
    }
    one(value, open);
    for scope in lists {
        for element in value.get_mut(scope.target).and_then(Json::as_array_mut).into_iter().flatten() {
            one(element, open);
        }
    }
}

#[cfg(test)]
mod tests;
