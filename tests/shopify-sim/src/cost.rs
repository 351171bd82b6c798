//! Shopify's calculated query cost.
//!
//! Scalars and enums cost 0, objects 1, connections `2 + first × (cost of one node)`, and a
//! mutation root field 10 plus its inputs' complexity cost (see [`crate::input_cost`]; objects
//! inside its payload are free, connections in it are not).
//! The *requested* cost uses `first`/`last`; the *actual* cost counts what was returned.

use apollo_compiler::executable::{Field, Operation, Selection, SelectionSet};
use apollo_compiler::schema::ExtendedType;
use apollo_compiler::validation::Valid;
use apollo_compiler::{ExecutableDocument, Schema};
use serde_json::Value as Json;

/// Cost of a mutation root field.
pub const MUTATION_COST: f64 = 10.0;

/// Everything needed to price an operation.
pub struct Pricer<'a> {
    pub schema: &'a Valid<Schema>,
    pub doc: &'a Valid<ExecutableDocument>,
    pub variables: &'a serde_json::Map<String, Json>,
}

impl Pricer<'_> {
    /// The requested (static) cost of `op`.
    pub fn requested(&self, op: &Operation) -> u64 {
        let mutation = op.operation_type.is_mutation();
        self.fields(&op.selection_set)
            .iter()
            .map(|f| {
                if mutation {
                    self.mutation_base(f) + self.static_set(&f.selection_set, true)
                } else {
                    self.static_field(f, false)
                }
            })
            .sum::<f64>()
            .ceil() as u64
    }

    /// The actual cost of `op` given the `data` it produced.
    pub fn actual(&self, op: &Operation, data: &Json) -> u64 {
        let mutation = op.operation_type.is_mutation();
        self.fields(&op.selection_set)
            .iter()
            .map(|f| {
                let value = data.get(f.response_key().as_str()).unwrap_or(&Json::Null);
                if mutation {
                    self.mutation_base(f) + self.actual_set(&f.selection_set, value, true)
                } else {
                    self.actual_field(f, value, false)
                }
            })
            .sum::<f64>()
            .ceil() as u64
    }

    /// A mutation root field's own cost: 10 plus its inputs' complexity cost.
    fn mutation_base(&self, field: &Field) -> f64 {
        MUTATION_COST + crate::input_cost::complexity(self.schema, field, self.variables)
    }

    /// The fields of a selection set with fragments flattened.
    fn fields<'s>(&'s self, set: &'s SelectionSet) -> Vec<&'s Field> {
        let mut out = Vec::new();
        for sel in &set.selections {
            match sel {
                Selection::Field(f) => out.push(f.as_ref()),
                Selection::FragmentSpread(s) => {
                    if let Some(frag) = self.doc.fragments.get(&s.fragment_name) {
                        out.extend(self.fields(&frag.selection_set));
                    }
                }
                Selection::InlineFragment(i) => out.extend(self.fields(&i.selection_set)),
            }
        }
        out
    }

    fn kind(&self, field: &Field) -> Kind {
        let name = field.ty().inner_named_type();
        match self.schema.types.get(name) {
            Some(ExtendedType::Object(o)) if name.ends_with("Connection") && o.fields.contains_key("edges") => {
                Kind::Connection
            }
            Some(ExtendedType::Object(_) | ExtendedType::Interface(_) | ExtendedType::Union(_)) => Kind::Object,
            _ => Kind::Leaf,
        }
    }

    /// `first` or `last` of a connection field, resolving variables.
    fn page_size(&self, field: &Field) -> f64 {
        for name in ["first", "last"] {
            if let Some(arg) = field.arguments.iter().find(|a| a.name == name) {
                let n = match arg.value.as_ref() {
                    apollo_compiler::ast::Value::Int(i) => i.try_to_i32().ok().map(i64::from),
                    apollo_compiler::ast::Value::Variable(v) => self.variables.get(v.as_str()).and_then(Json::as_i64),
                    _ => None,
                };
                if let Some(n) = n {
                    return n.max(0) as f64;
                }
            }
        }
        0.0
    }

    fn static_set(&self, set: &SelectionSet, in_payload: bool) -> f64 {
        self.fields(set).iter().map(|f| self.static_field(f, in_payload)).sum()
    }

    fn static_field(&self, field: &Field, in_payload: bool) -> f64 {
        match self.kind(field) {
            Kind::Leaf => 0.0,
            Kind::Object => object_cost(in_payload) + self.static_set(&field.selection_set, in_payload),
            Kind::Connection => {
                let node: f64 =
                    self.node_sets(&field.selection_set).iter().map(|set| 1.0 + self.static_set(set, false)).sum();
                2.0 + self.page_size(field) * node
            }
        }
    }

    /// The selection sets applied to each node of a connection (`edges { node {..} }` and `nodes {..}`).
    fn node_sets<'s>(&'s self, set: &'s SelectionSet) -> Vec<&'s SelectionSet> {
        let mut out = Vec::new();
        for f in self.fields(set) {
            match f.name.as_str() {
                "nodes" => out.push(&f.selection_set),
                "edges" => {
                    for inner in self.fields(&f.selection_set) {
                        if inner.name == "node" {
                            out.push(&inner.selection_set);
                        }
                    }
                }
                _ => {}
            }
        }
        out
    }

    fn actual_set(&self, set: &SelectionSet, value: &Json, in_payload: bool) -> f64 {
        self.fields(set)
            .iter()
            .map(|f| self.actual_field(f, value.get(f.response_key().as_str()).unwrap_or(&Json::Null), in_payload))
            .sum()
    }

    fn actual_field(&self, field: &Field, value: &Json, in_payload: bool) -> f64 {
        match (self.kind(field), value) {
            (Kind::Leaf, _) | (_, Json::Null) => 0.0,
            (Kind::Object, Json::Array(items)) => items
                .iter()
                .filter(|i| !i.is_null())
                .map(|i| object_cost(in_payload) + self.actual_set(&field.selection_set, i, in_payload))
                .sum(),
            (Kind::Object, v) => object_cost(in_payload) + self.actual_set(&field.selection_set, v, in_payload),
            (Kind::Connection, v) => {
                let mut total = 2.0;
                for f in self.fields(&field.selection_set) {
                    let items = v.get(f.response_key().as_str()).and_then(Json::as_array);
                    match (f.name.as_str(), items) {
                        ("nodes", Some(items)) => {
                            total +=
                                items.iter().map(|n| 1.0 + self.actual_set(&f.selection_set, n, false)).sum::<f64>()
                        }
                        ("edges", Some(edges)) => {
                            for inner in self.fields(&f.selection_set).into_iter().filter(|i| i.name == "node") {
                                total += edges
                                    .iter()
                                    .map(|e| {
                                        let node = e.get(inner.response_key().as_str()).unwrap_or(&Json::Null);
                                        1.0 + self.actual_set(&inner.selection_set, node, false)
                                    })
                                    .sum::<f64>();
                            }
                        }
                        _ => {}
                    }
                }
                total
            }
        }
    }
}

fn object_cost(in_payload: bool) -> f64 {
    if in_payload {
        0.0
    } else {
        1.0
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Leaf,
    Object,
    Connection,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_example_costs_82() {
        let schema = crate::schema::shared();
        let doc = ExecutableDocument::parse_and_validate(
            &schema,
            "{ products(first: 10) { edges { node { title variants(first: 5) { edges { node { price } } } } } } }",
            "q.graphql",
        )
        .expect("valid document");
        let vars = serde_json::Map::new();
        let pricer = Pricer { schema: &schema, doc: &doc, variables: &vars };
        let op = doc.operations.get(None).expect("one operation");
        assert_eq!(pricer.requested(op), 82);
        let data = serde_json::json!({"products": {"edges": [{"node": {"title": "a", "variants": {"edges": [{"node": {"price": "1.00"}}]}}}]}});
        assert_eq!(pricer.actual(op, &data), 2 + (1 + 2 + 1));
    }
}
