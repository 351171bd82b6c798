//! CEL expressions (the `cel` crate) evaluated over JSON values bound as variables (`erp`, the
//! inventory quantities, a variant...), with weft's helper functions ([`super::functions`]) and
//! the lookup tables. Errors say where: a compile error gives its line and column, an unknown
//! variable lists the variables there are, a missing key lists the keys the value has.

use super::functions::{self, Lookups};
use cel::{Context, Env, ExecutionError, Program, Value};
use serde_json::Value as Json;
use std::sync::{Arc, LazyLock};

/// The standard CEL environment, built once and shared by every evaluation.
static STDLIB: LazyLock<Arc<Env>> = LazyLock::new(|| Arc::new(Env::stdlib()));

thread_local! {
    /// The standard environment with the helper functions and no lookup tables, built once per
    /// thread: what [`Expr::eval`] evaluates in (the inventory formula, once per level).
    static HELPERS: Context<'static, 'static> = {
        let mut context = Context::with_env(STDLIB.clone());
        functions::install(&mut context, Arc::default());
        context
    };
}

/// A compiled expression and its source text.
pub struct Expr {
    source: String,
    program: Program,
}

impl std::fmt::Debug for Expr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Expr({:?})", self.source)
    }
}

/// Why an expression does not compile, and where (1-based line and column, when known).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CompileError {
    /// What is wrong.
    pub message: String,
    /// Line of the error in the expression.
    pub line: Option<u32>,
    /// Column of the error in the expression.
    pub column: Option<u32>,
}

impl std::fmt::Display for CompileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.line, self.column) {
            (Some(line), Some(column)) => write!(f, "{} (line {line}, column {column})", self.message),
            _ => f.write_str(&self.message),
        }
    }
}

impl From<CompileError> for String {
    fn from(e: CompileError) -> String {
        e.to_string()
    }
}

/// A value an expression produced, in the shapes the inventory formula and conditions use.
#[derive(Debug, Clone, PartialEq)]
pub enum Out {
    /// A string.
    Text(String),
    /// A whole number.
    Int(i64),
    /// A float.
    Float(f64),
    /// A boolean.
    Bool(bool),
    /// Anything else, as JSON (lists, maps, null).
    Other(Json),
}

/// The variables and functions one evaluation sees: built once per record, used by every
/// expression evaluated for it; a list element (`variant`) is bound in a child scope.
pub struct Bindings<'c> {
    context: Context<'c, 'static>,
    vars: Vec<(&'c str, &'c Json)>,
}

impl<'c> Bindings<'c> {
    /// `vars` bound by name, the helper functions, and `lookups` for `lookup(...)`.
    pub fn new(vars: &[(&'c str, &'c Json)], lookups: &Arc<Lookups>) -> Bindings<'c> {
        let mut context = Context::with_env(STDLIB.clone());
        for (name, value) in vars {
            context.add_variable_from_value(*name, to_cel(value));
        }
        functions::install(&mut context, lookups.clone());
        Bindings { context, vars: vars.to_vec() }
    }

    /// `vars` bound by name in a scope of `parent` (which has the functions).
    fn within(parent: &'c Context<'static, 'static>, vars: &[(&'c str, &'c Json)]) -> Bindings<'c> {
        let mut context = parent.new_inner_scope();
        for (name, value) in vars {
            context.add_variable_from_value(*name, to_cel(value));
        }
        Bindings { context, vars: vars.to_vec() }
    }

    /// These bindings with `name` bound to `value` as well (a list element: `variant`).
    pub fn with<'b>(&'b self, name: &'b str, value: &'b Json) -> Bindings<'b> {
        let mut context = self.context.new_inner_scope();
        context.add_variable_from_value(name, to_cel(value));
        let mut vars: Vec<(&'b str, &'b Json)> = self.vars.iter().filter(|(n, _)| *n != name).copied().collect();
        vars.push((name, value));
        Bindings { context, vars }
    }

    /// The names bound.
    pub fn names(&self) -> Vec<&str> {
        self.vars.iter().map(|(n, _)| *n).collect()
    }
}

impl Expr {
    /// Compile `source`; the error says where it does not parse.
    pub fn compile(source: &str) -> Result<Expr, CompileError> {
        let parsed = std::panic::catch_unwind(|| Program::compile(source)).map_err(|_| CompileError {
            message: format!("`{source}`: not a valid CEL expression"),
            line: None,
            column: None,
        })?;
        let program = parsed.map_err(|e| {
            let first = e.errors.first();
            CompileError {
                message: format!(
                    "`{source}`: not a valid CEL expression: {}",
                    first.map(|f| f.msg.clone()).unwrap_or_else(|| e.to_string())
                ),
                line: first.and_then(|f| u32::try_from(f.pos.0).ok()),
                column: first.and_then(|f| u32::try_from(f.pos.1 + 1).ok()),
            }
        })?;
        Ok(Expr { source: source.to_owned(), program })
    }

    /// The source text.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The variables the expression reads (bound by the caller), without the ones its own
    /// macros bind (`x` in `erp.tags.exists(x, x == 'sale')`), sorted.
    pub fn variables(&self) -> Vec<String> {
        let mut bound = std::collections::BTreeSet::new();
        bound_names(self.program.expression(), &mut bound);
        let mut free: Vec<String> = self
            .program
            .references()
            .variables()
            .into_iter()
            .filter(|v| !bound.contains(*v))
            .map(str::to_owned)
            .collect();
        free.sort();
        free
    }

    /// Evaluate with the given variables (JSON values) and the helper functions.
    pub fn eval(&self, vars: &[(&str, &Json)]) -> Result<Out, String> {
        HELPERS.with(|helpers| self.eval_json(&Bindings::within(helpers, vars))).map(|value| match value {
            Json::String(s) => Out::Text(s),
            Json::Bool(b) => Out::Bool(b),
            Json::Number(n) => n.as_i64().map(Out::Int).unwrap_or_else(|| Out::Float(n.as_f64().unwrap_or(f64::NAN))),
            other => Out::Other(other),
        })
    }

    /// Evaluate to a JSON value.
    pub fn eval_json(&self, bindings: &Bindings<'_>) -> Result<Json, String> {
        let value = self.program.execute(&bindings.context).map_err(|e| self.explain(&e, bindings))?;
        to_json(&value).map_err(|t| format!("`{}`: gives a {t}, which has no JSON form", self.source))
    }

    /// Evaluate to a whole number (floats are floored).
    pub fn eval_int(&self, vars: &[(&str, &Json)]) -> Result<i64, String> {
        match self.eval(vars)? {
            Out::Int(n) => Ok(n),
            Out::Float(f) if f.is_finite() => Ok(f.floor() as i64),
            other => Err(format!("`{}`: gives {other:?}, expected a number", self.source)),
        }
    }

    /// Evaluate to a boolean.
    pub fn eval_bool(&self, bindings: &Bindings<'_>) -> Result<bool, String> {
        match self.eval_json(bindings)? {
            Json::Bool(b) => Ok(b),
            other => Err(format!("`{}`: gives {other}, expected true or false", self.source)),
        }
    }

    /// An execution error for a person: the unknown variable with the ones there are, the
    /// missing key with the keys the value has.
    fn explain(&self, error: &ExecutionError, bindings: &Bindings<'_>) -> String {
        let base = format!("`{}`: {error}", self.source);
        match error {
            ExecutionError::UndeclaredReference(name) if functions::is_known(name) => base,
            ExecutionError::UndeclaredReference(name) => {
                format!(
                    "{base} (available variables: {}; helper functions: {})",
                    bindings.names().join(", "),
                    functions::HELPERS.iter().map(|h| h.name).collect::<Vec<_>>().join(", ")
                )
                    .replace(&format!("'{name}'"), &format!("`{name}`"))
            }
            ExecutionError::NoSuchKey(key) => match missing_path(&self.source, key, &bindings.vars) {
                Some((path, keys)) => format!(
                    "`{}`: {path} has no `{key}` (it has: {}; a key that may be absent is read with has({path}.{key}) or default(...))",
                    self.source,
                    if keys.is_empty() { "nothing".to_owned() } else { keys.join(", ") }
                ),
                None => base,
            },
            _ => base,
        }
    }
}

/// Names that comprehensions (the macros `all`, `exists`, `map`, `filter`...) bind in `expr`.
fn bound_names(expr: &cel::IdedExpr, out: &mut std::collections::BTreeSet<String>) {
    use cel::common::ast::{EntryExpr, Expr as E, MapExpr, StructExpr};
    match &expr.expr {
        E::Comprehension(c) => {
            out.insert(c.iter_var.clone());
            out.extend(c.iter_var2.clone());
            out.insert(c.accu_var.clone());
            for e in [&c.iter_range, &c.accu_init, &c.loop_cond, &c.loop_step, &c.result] {
                bound_names(e, out);
            }
        }
        E::Call(call) => {
            call.target.iter().for_each(|t| bound_names(t, out));
            call.args.iter().for_each(|a| bound_names(a, out));
        }
        E::List(list) => list.elements.iter().for_each(|e| bound_names(e, out)),
        E::Map(MapExpr { entries }) | E::Struct(StructExpr { entries, .. }) => {
            for entry in entries {
                match &entry.expr {
                    EntryExpr::StructField(f) => bound_names(&f.value, out),
                    EntryExpr::MapEntry(m) => {
                        bound_names(&m.key, out);
                        bound_names(&m.value, out);
                    }
                }
            }
        }
        E::Select(select) => bound_names(&select.operand, out),
        E::Unspecified | E::Ident(_) | E::Literal(_) => {}
    }
}

/// The member chain in `source` that asks for `key` where the bound value lacks it: the path
/// that has no such key (`erp`, `erp.price`) and the keys it has.
fn missing_path(source: &str, key: &str, vars: &[(&str, &Json)]) -> Option<(String, Vec<String>)> {
    for chain in member_chains(source) {
        let Some((root, value)) = vars.iter().find(|(n, _)| *n == chain[0]) else { continue };
        let mut at = (*root).to_owned();
        let mut value = *value;
        for segment in &chain[1..] {
            match value.get(segment.as_str()) {
                Some(next) => {
                    at = format!("{at}.{segment}");
                    value = next;
                }
                None if segment == key => {
                    let keys = value.as_object().map(|o| o.keys().cloned().collect()).unwrap_or_default();
                    return Some((at, keys));
                }
                None => break,
            }
        }
    }
    None
}

/// `a.b.c` member chains of an expression (outside string literals), as segments.
fn member_chains(source: &str) -> Vec<Vec<String>> {
    let mut chains = Vec::new();
    let mut current: Vec<String> = Vec::new();
    let mut word = String::new();
    let mut chars = source.chars().peekable();
    let mut after_dot = false;
    let finish = |current: &mut Vec<String>, chains: &mut Vec<Vec<String>>| {
        if current.len() > 1 {
            chains.push(std::mem::take(current));
        }
        current.clear();
    };
    while let Some(c) = chars.next() {
        if c == '\'' || c == '"' {
            // Skip a string literal.
            while let Some(d) = chars.next() {
                if d == '\\' {
                    chars.next();
                } else if d == c {
                    break;
                }
            }
            finish(&mut current, &mut chains);
            continue;
        }
        if c.is_alphanumeric() || c == '_' {
            word.push(c);
            continue;
        }
        if !word.is_empty() {
            if !after_dot {
                finish(&mut current, &mut chains);
            }
            current.push(std::mem::take(&mut word));
        }
        after_dot = c == '.';
        if !after_dot && !c.is_whitespace() {
            finish(&mut current, &mut chains);
        }
    }
    if !word.is_empty() {
        if !after_dot {
            finish(&mut current, &mut chains);
        }
        current.push(word);
    }
    finish(&mut current, &mut chains);
    chains
}

/// JSON to a CEL value; whole numbers are signed `int`s so `a - b` may go below zero.
pub(crate) fn to_cel(value: &Json) -> Value {
    match value {
        Json::Null => Value::Null,
        Json::Bool(b) => Value::Bool(*b),
        Json::Number(n) => n.as_i64().map(Value::Int).unwrap_or_else(|| Value::Float(n.as_f64().unwrap_or(f64::NAN))),
        Json::String(s) => Value::String(s.clone().into()),
        Json::Array(items) => Value::List(items.iter().map(to_cel).collect::<Vec<_>>().into()),
        Json::Object(map) => {
            let entries: std::collections::HashMap<String, Value> =
                map.iter().map(|(k, v)| (k.clone(), to_cel(v))).collect();
            Value::from(entries)
        }
    }
}

/// A CEL value as JSON; `Err` names a type JSON cannot hold.
pub(crate) fn to_json(value: &Value) -> Result<Json, &'static str> {
    Ok(match value {
        Value::Null => Json::Null,
        Value::Bool(b) => Json::Bool(*b),
        Value::Int(n) => Json::from(*n),
        Value::UInt(n) => Json::from(*n),
        Value::Float(f) => serde_json::Number::from_f64(*f).map(Json::Number).ok_or("non-finite number")?,
        Value::String(s) => Json::String(s.to_string()),
        Value::List(items) => Json::Array(items.iter().map(to_json).collect::<Result<_, _>>()?),
        Value::Map(map) => {
            let mut out = serde_json::Map::new();
            for (k, v) in map.map.iter() {
                let key = match k {
                    cel::objects::Key::String(s) => s.to_string(),
                    cel::objects::Key::Int(n) => n.to_string(),
                    cel::objects::Key::Uint(n) => n.to_string(),
                    cel::objects::Key::Bool(b) => b.to_string(),
                };
                out.insert(key, to_json(v)?);
            }
            Json::Object(out)
        }
        Value::Bytes(_) => return Err("bytes value"),
        _ => return Err("value of another type (function, timestamp, duration)"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn expressions_over_the_erp_record() {
        let erp = json!({"name": "Tee", "category": "Shirts", "brand": "Acme", "status": "obsolete", "on_hand": 7, "price": {"amount": "1.00"}});
        let lookups = Arc::default();
        let b = Bindings::new(&[("erp", &erp)], &lookups);
        assert_eq!(
            Expr::compile("erp.category + ',' + erp.brand").unwrap().eval_json(&b).unwrap(),
            json!("Shirts,Acme")
        );
        assert!(Expr::compile("erp.status == 'obsolete'").unwrap().eval_bool(&b).unwrap());
        assert_eq!(Expr::compile("erp.on_hand - 2").unwrap().eval_int(&[("erp", &erp)]).unwrap(), 5);
        assert_eq!(Expr::compile("[erp.name, 'x']").unwrap().eval_json(&b).unwrap(), json!(["Tee", "x"]));
        assert_eq!(Expr::compile("{'a': erp.on_hand}").unwrap().eval_json(&b).unwrap(), json!({"a": 7}));
    }

    #[test]
    fn errors_say_where_and_what_there_is() {
        let err = Expr::compile("erp.name +").unwrap_err();
        assert_eq!(err.line, Some(1), "{err:?}");
        assert!(err.column.is_some_and(|c| c >= 10), "{err:?}");
        let erp = json!({"name": "Tee", "price": {"amount": "1.00"}});
        let lookups = Arc::default();
        let b = Bindings::new(&[("erp", &erp)], &lookups);
        let err = Expr::compile("erp.category + ',' + erp.name").unwrap().eval_json(&b).unwrap_err();
        assert!(err.contains("erp has no `category` (it has: name, price"), "{err}");
        let err = Expr::compile("erp.price.currency").unwrap().eval_json(&b).unwrap_err();
        assert!(err.contains("erp.price has no `currency` (it has: amount"), "{err}");
        let err = Expr::compile("erpp.name").unwrap().eval_json(&b).unwrap_err();
        assert!(err.contains("available variables: erp"), "{err}");
        assert_eq!(
            member_chains("a.b + 'x.y' + c.d.e(f.g)"),
            vec![vec!["a", "b"], vec!["c", "d", "e"], vec!["f", "g"]]
        );
    }

    #[test]
    fn variables_are_what_the_caller_must_bind() {
        let vars = |s: &str| Expr::compile(s).unwrap().variables();
        assert_eq!(vars("on_hand - reserved - safety"), ["on_hand", "reserved", "safety"]);
        assert_eq!(vars("erp.tags.exists(t, t == 'sale') && size(erp.name) > 0"), ["erp"]);
        assert_eq!(vars("[1, 2].map(x, x + bonus)"), ["bonus"]);
        assert!(vars("1 + 2").is_empty());
    }
}
