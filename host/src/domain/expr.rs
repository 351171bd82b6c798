//! CEL expressions (the `cel` crate) evaluated over one ERP record, bound as `erp`.

use cel::{Context, Program, Value};

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

/// A value an expression produced, in the shapes mappings use.
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
    /// A list of strings.
    List(Vec<String>),
    /// Null.
    Null,
}

impl Expr {
    /// Compile `source`; the error says where it does not parse.
    pub fn compile(source: &str) -> Result<Expr, String> {
        let program = std::panic::catch_unwind(|| Program::compile(source))
            .map_err(|_| format!("`{source}`: not a valid CEL expression"))?
            .map_err(|e| format!("`{source}`: not a valid CEL expression: {e}"))?;
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

    /// Evaluate with the given variables (JSON values).
    pub fn eval(&self, vars: &[(&str, &serde_json::Value)]) -> Result<Out, String> {
        let mut context = Context::default();
        for (name, value) in vars {
            context.add_variable_from_value(*name, to_cel(value));
        }
        let value = self.program.execute(&context).map_err(|e| format!("`{}`: {e}", self.source))?;
        out(value).map_err(|t| {
            format!("`{}`: gives a {t}, expected a string, number, boolean or list of strings", self.source)
        })
    }

    /// Evaluate to a whole number (floats are floored).
    pub fn eval_int(&self, vars: &[(&str, &serde_json::Value)]) -> Result<i64, String> {
        match self.eval(vars)? {
            Out::Int(n) => Ok(n),
            Out::Float(f) if f.is_finite() => Ok(f.floor() as i64),
            other => Err(format!("`{}`: gives {other:?}, expected a number", self.source)),
        }
    }

    /// Evaluate to a boolean.
    pub fn eval_bool(&self, vars: &[(&str, &serde_json::Value)]) -> Result<bool, String> {
        match self.eval(vars)? {
            Out::Bool(b) => Ok(b),
            other => Err(format!("`{}`: gives {other:?}, expected true or false", self.source)),
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

/// JSON to a CEL value; whole numbers are signed `int`s so `a - b` may go below zero.
fn to_cel(value: &serde_json::Value) -> Value {
    use serde_json::Value as J;
    match value {
        J::Null => Value::Null,
        J::Bool(b) => Value::Bool(*b),
        J::Number(n) => n.as_i64().map(Value::Int).unwrap_or_else(|| Value::Float(n.as_f64().unwrap_or(f64::NAN))),
        J::String(s) => Value::String(s.clone().into()),
        J::Array(items) => Value::List(items.iter().map(to_cel).collect::<Vec<_>>().into()),
        J::Object(map) => {
            let entries: std::collections::HashMap<String, Value> =
                map.iter().map(|(k, v)| (k.clone(), to_cel(v))).collect();
            Value::from(entries)
        }
    }
}

fn out(value: Value) -> Result<Out, &'static str> {
    Ok(match value {
        Value::String(s) => Out::Text(s.to_string()),
        Value::Int(n) => Out::Int(n),
        Value::UInt(n) => Out::Int(i64::try_from(n).map_err(|_| "number too large")?),
        Value::Float(f) => Out::Float(f),
        Value::Bool(b) => Out::Bool(b),
        Value::Null => Out::Null,
        Value::List(items) => Out::List(
            items
                .iter()
                .map(|v| match v {
                    Value::String(s) => Ok(s.to_string()),
                    Value::Int(n) => Ok(n.to_string()),
                    _ => Err("list of non-strings"),
                })
                .collect::<Result<_, _>>()?,
        ),
        Value::Map(_) => return Err("map"),
        _ => return Err("value of another type"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn expressions_over_the_erp_record() {
        let erp = json!({"name": "Tee", "category": "Shirts", "brand": "Acme", "status": "obsolete", "on_hand": 7});
        let vars = [("erp", &erp)];
        assert_eq!(
            Expr::compile("erp.category + ',' + erp.brand").unwrap().eval(&vars).unwrap(),
            Out::Text("Shirts,Acme".into())
        );
        assert!(Expr::compile("erp.status == 'obsolete'").unwrap().eval_bool(&vars).unwrap());
        assert_eq!(Expr::compile("erp.on_hand - 2").unwrap().eval_int(&vars).unwrap(), 5);
        assert!(Expr::compile("erp.name +").is_err());
        let err = Expr::compile("erp.missing_field + 1").unwrap().eval(&vars).unwrap_err();
        assert!(err.contains("erp.missing_field"), "{err}");
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
