//! The `Mutation` root: access scopes, input-size limits (per mutation, see [`crate::limits`]), the
//! 2026-04 `@idempotent` requirement, idempotent replay, dispatch to the object families (returns,
//! order edits, price lists and catalog depth through their own dispatchers), and the
//! writes-per-mutation count.

use super::{
    args, bulk, bulk_mutation, customers, field_error, fulfillments, inventory_write, json_value, order_edits,
    order_write, pricing_write, product_write, refunds, returns, staged_uploads, subscriptions, Ctx, Resolved,
};
use crate::limits;
use crate::store::model::UserError;
use crate::store::IdempotentEntry;
use apollo_compiler::ast::Value;
use apollo_compiler::resolvers::{ObjectValue, ResolveInfo, ResolvedValue};
use apollo_compiler::ExecutableDocument;
use serde_json::{json, Map, Value as Json};

/// Mutations that require `@idempotent(key:)` from API version 2026-04 on.
const IDEMPOTENT_REQUIRED: &[&str] = &[
    "inventoryActivate",
    "inventoryAdjustQuantities",
    "inventoryMoveQuantities",
    "inventorySetOnHandQuantities",
    "inventorySetQuantities",
    "inventorySetScheduledChanges",
    "inventoryShipmentAddItems",
    "inventoryShipmentCreate",
    "inventoryShipmentCreateInTransit",
    "inventoryShipmentReceive",
    "inventoryTransferCreate",
    "inventoryTransferCreateAsReadyToShip",
    "inventoryTransferDuplicate",
    "inventoryTransferSetItems",
    "locationActivate",
    "locationDeactivate",
    "refundCreate",
];

/// The root mutation object.
pub struct MutationRoot<'c> {
    pub ctx: &'c Ctx<'c>,
}

/// The first input list of `mutation` longer than its limit: (path, size, limit).
fn oversized(mutation: &str, value: &Json, path: &mut Vec<String>) -> Option<(Vec<String>, usize, usize)> {
    match value {
        Json::Array(items) if items.len() > limits::input_array_limit(mutation, path) => {
            Some((path.clone(), items.len(), limits::input_array_limit(mutation, path)))
        }
        Json::Array(items) => items.iter().find_map(|i| oversized(mutation, i, path)),
        Json::Object(map) => map.iter().find_map(|(k, v)| {
            path.push(k.clone());
            let found = oversized(mutation, v, path);
            path.pop();
            found
        }),
        _ => None,
    }
}

impl<'c> MutationRoot<'c> {
    /// The `@idempotent(key:)` value on this field, resolving a variable.
    fn idempotency_key(&self, info: &ResolveInfo<'_>) -> Option<String> {
        let field = info.field_selections().first()?;
        let directive = field.directives.get("idempotent")?;
        let value = directive.specified_argument_by_name("key")?;
        match value.as_ref() {
            Value::String(s) => Some(s.clone()),
            Value::Variable(v) => self.ctx.variables.get(v.as_str()).and_then(Json::as_str).map(str::to_string),
            _ => None,
        }
    }

    fn dispatch(&self, name: &str, a: &Map<String, Json>) -> Result<Json, String> {
        let mut store = self.ctx.store();
        let store = &mut *store;
        store.level_history.cause = name.to_string();
        Ok(match name {
            "productSet" => product_write::product_set(self.ctx, store, a),
            "productVariantsBulkUpdate" => product_write::variants_bulk_update(self.ctx, store, a),
            "productDelete" => product_write::product_delete(store, a),
            "inventorySetQuantities" => inventory_write::set_quantities(store, a),
            "inventoryAdjustQuantities" => inventory_write::adjust_quantities(store, a),
            "inventoryActivate" => inventory_write::activate(store, a),
            "inventoryBulkToggleActivation" => inventory_write::bulk_toggle_activation(store, a),
            "orderCreate" => order_write::order_create(store, a),
            "orderCancel" => order_write::order_cancel(store, a),
            "orderClose" => order_write::order_close(store, a),
            "orderUpdate" => order_write::order_update(store, a),
            "fulfillmentCreate" => fulfillments::fulfillment_create(store, a),
            "fulfillmentTrackingInfoUpdate" => fulfillments::tracking_info_update(store, a),
            "refundCreate" => refunds::refund_create(store, a),
            "customerSet" => customers::customer_set(store, a),
            "customerCreate" => customers::customer_create(store, a),
            "webhookSubscriptionCreate" => subscriptions::create(store, a),
            "stagedUploadsCreate" => staged_uploads::staged_uploads_create(self.ctx, store, a),
            "webhookSubscriptionUpdate" => subscriptions::update(store, a),
            "webhookSubscriptionDelete" => subscriptions::delete(store, a),
            "bulkOperationRunQuery" => {
                let schema = self.ctx.schema;
                let payload = bulk::run_query(store, a, self.ctx.api_version, |q| {
                    ExecutableDocument::parse_and_validate(schema, q, "bulk.graphql")
                        .map(|_| ())
                        .map_err(|e| format!("Invalid bulk query: {}", e.errors))
                });
                if let Some(id) = payload.pointer("/bulkOperation/__id").and_then(Json::as_u64) {
                    self.ctx.bulk_started.borrow_mut().push(id);
                }
                payload
            }
            "bulkOperationRunMutation" => bulk_mutation::run_mutation(self.ctx, store, a),
            "bulkOperationCancel" => bulk::cancel(store, a),
            other => match returns::dispatch(store, other, a)
                .or_else(|| order_edits::dispatch(store, other, a))
                .or_else(|| pricing_write::dispatch(store, other, a))
                .or_else(|| super::catalog::mutation(self.ctx, store, other, a))
            {
                Some(payload) => payload,
                None => return Err(format!("shopify-sim does not implement Mutation.{other}")),
            },
        })
    }
}

fn wrote(payload: &Json) -> bool {
    let errors = payload
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(k, _)| k.ends_with("serErrors"))
        .any(|(_, v)| v.as_array().is_some_and(|a| !a.is_empty()));
    !errors
}

impl ObjectValue for MutationRoot<'_> {
    fn type_name(&self) -> &str {
        "Mutation"
    }

    fn resolve_field<'a>(&'a self, info: &'a ResolveInfo<'a>) -> Resolved<'a> {
        let ctx = self.ctx;
        let name = info.field_name();
        let a = args(info);
        crate::scopes::check(ctx, info, &a)?;
        if let Some((path, size, limit)) = oversized(name, &Json::Object(a.clone()), &mut Vec::new()) {
            let message = format!("The input array size of {size} is greater than the maximum allowed of {limit}.");
            let path: Vec<String> = std::iter::once(name.to_string()).chain(path).collect();
            ctx.errors
                .borrow_mut()
                .push(json!({"message": message, "path": path, "extensions": {"code": "MAX_INPUT_SIZE_EXCEEDED"}}));
            return Ok(ResolvedValue::null());
        }
        let key = self.idempotency_key(info);
        if IDEMPOTENT_REQUIRED.contains(&name) && ctx.api_version >= "2026-04" && key.is_none() {
            ctx.fail(
                name,
                "The @idempotent directive is required for this mutation but was not provided.",
                "BAD_REQUEST",
            );
            return Ok(ResolvedValue::null());
        }
        if key.as_deref().is_some_and(|k| k.trim().is_empty()) {
            ctx.fail(name, "The idempotency key cannot be an empty string or whitespace only.", "BAD_REQUEST");
            return Ok(ResolvedValue::null());
        }
        let payload_type = info.field_definition().ty.inner_named_type().as_str();
        let fingerprint = Json::Object(a.clone()).to_string();
        if let Some(key) = &key {
            let seen = ctx.store().idempotency.get(&(name.to_string(), key.clone())).cloned();
            if let Some(entry) = seen {
                if entry.fingerprint == fingerprint {
                    return Ok(json_value(ctx, payload_type, &entry.result));
                }
                let e = UserError::new(
                    &[],
                    "The same idempotency key cannot be used with different operation parameters.",
                    Some("IDEMPOTENCY_KEY_PARAMETER_MISMATCH"),
                );
                return Ok(json_value(
                    ctx,
                    payload_type,
                    &json!({"userErrors": super::user_errors(&[UserError { field: None, ..e }])}),
                ));
            }
        }
        let payload = self.dispatch(name, &a).map_err(field_error)?;
        if wrote(&payload) {
            ctx.writes.borrow_mut().push(name.to_string());
        }
        if let Some(key) = key {
            ctx.store()
                .idempotency
                .insert((name.to_string(), key), IdempotentEntry { fingerprint, result: payload.clone() });
        }
        Ok(json_value(ctx, payload_type, &payload))
    }
}
