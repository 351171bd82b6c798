//! Tryton JSON-RPC: the `Session` header on every call, the company context, and errors
//! classified for the host. A login costs Tryton a password hash (1–2 s on a busy server), so
//! the session is kept in the plugin's kv and reused by later instances (jobs) until Tryton
//! refuses it; then one new login.

use crate::settings::Settings;
use base64::Engine;
use serde_json::{json, Value};
use std::cell::RefCell;
use weft_sdk::http::Request;
use weft_sdk::PluginError;

/// Per-call timeout; the host caps it too.
const TIMEOUT_MS: u64 = 20_000;

/// An application error Tryton returned inside a 200 answer.
#[derive(Debug)]
pub enum Fault {
    /// `UserError` / `UserWarning`: a validation or workflow refusal, with its message.
    User(String),
    /// `ConcurrencyException`: the record changed under us.
    Concurrency(String),
    /// Anything else (unknown field or model, a server bug).
    Other(String),
}

/// A failed call: a transport/HTTP failure already classified, or a Tryton fault.
#[derive(Debug)]
pub enum RpcError {
    /// Classified by transport or HTTP status.
    Host(PluginError),
    /// Tryton answered with an error.
    Fault(Fault),
}

impl RpcError {
    /// The error for the host; `field` names what a validation fault is about.
    pub fn into_plugin_error(self, field: &str) -> PluginError {
        match self {
            RpcError::Host(e) => e,
            RpcError::Fault(Fault::User(m)) => PluginError::invalid(field, &m),
            RpcError::Fault(Fault::Concurrency(m)) => PluginError::Conflict(m),
            RpcError::Fault(Fault::Other(m)) => PluginError::Permanent(format!("Tryton error: {m}")),
        }
    }
}

impl From<PluginError> for RpcError {
    fn from(e: PluginError) -> RpcError {
        RpcError::Host(e)
    }
}

thread_local! {
    /// The session header this instance uses.
    static SESSION: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// The kv key of the session shared by instances.
const SESSION_KEY: &str = "session";

/// A saved session, valid for the server, database and user it was opened for.
#[derive(serde::Serialize, serde::Deserialize)]
struct SavedSession {
    /// `<rpc url>|<user>`.
    opened_for: String,
    /// The `Session ...` header.
    header: String,
}

/// A JSON-RPC client bound to the operator's settings.
pub struct Client {
    settings: Settings,
}

impl Client {
    /// A client; nothing is sent until the first call.
    pub fn new(settings: Settings) -> Client {
        Client { settings }
    }

    /// The settings it uses.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Call `model.<model>.<method>` with `params`; the company context (plus `extra`) is appended.
    pub fn model(&self, model: &str, method: &str, params: Vec<Value>, extra: Value) -> Result<Value, RpcError> {
        let mut context = json!({"company": self.settings.company});
        if let (Some(ctx), Value::Object(more)) = (context.as_object_mut(), extra) {
            ctx.extend(more);
        }
        let mut params = params;
        params.push(context);
        self.call(&format!("model.{model}.{method}"), Value::Array(params))
    }

    /// Call `method`, logging in first if this instance has no session yet. A 401 on an existing
    /// session (expired) logs in again once.
    pub fn call(&self, method: &str, params: Value) -> Result<Value, RpcError> {
        let session = self.session()?;
        match self.post(&self.settings.db_url(), method, &params, Some(&session)) {
            Err(RpcError::Host(PluginError::Unauthorized(_))) => {
                SESSION.with(|s| s.borrow_mut().take());
                let _ = weft_sdk::kv::delete(SESSION_KEY);
                let session = self.session()?;
                self.post(&self.settings.db_url(), method, &params, Some(&session))
            }
            other => other,
        }
    }

    /// The `Session` header: this instance's, else the one saved by an earlier instance for the
    /// same server, database and user, else a new login (saved for the next ones).
    fn session(&self) -> Result<String, RpcError> {
        if let Some(s) = SESSION.with(|s| s.borrow().clone()) {
            return Ok(s);
        }
        let s = &self.settings;
        let opened_for = format!("{}|{}", s.db_url(), s.user);
        if let Some(saved) =
            weft_sdk::kv::get_json::<SavedSession>(SESSION_KEY).filter(|saved| saved.opened_for == opened_for)
        {
            SESSION.with(|slot| *slot.borrow_mut() = Some(saved.header.clone()));
            return Ok(saved.header);
        }
        let result =
            self.post(&s.db_url(), "common.db.login", &json!([s.user, {"password": s.password}, "en"]), None)?;
        let (Some(uid), Some(token)) = (result.get(0).and_then(Value::as_i64), result.get(1).and_then(Value::as_str))
        else {
            return Err(RpcError::Host(PluginError::Permanent("Tryton login answered an unexpected shape".into())));
        };
        let raw = format!("{}:{uid}:{token}", s.user);
        let header = format!("Session {}", base64::engine::general_purpose::STANDARD.encode(raw));
        SESSION.with(|slot| *slot.borrow_mut() = Some(header.clone()));
        // Not saving only costs the next instance a login.
        let _ = weft_sdk::kv::set_json(SESSION_KEY, &SavedSession { opened_for, header: header.clone() });
        Ok(header)
    }

    fn post(&self, url: &str, method: &str, params: &Value, auth: Option<&str>) -> Result<Value, RpcError> {
        let mut request = Request::new("POST", url).json(&json!({"id": 1, "method": method, "params": params}))?;
        request.timeout_ms = Some(TIMEOUT_MS);
        if let Some(auth) = auth {
            request = request.header("authorization", auth);
        }
        let response = request.send()?;
        if response.status == 401 && method == "common.db.login" {
            return Err(RpcError::Host(PluginError::Unauthorized(format!(
                "Tryton refused the login of user `{}`",
                self.settings.user
            ))));
        }
        let response = response.error_for_status().map_err(|e| match e {
            PluginError::Unauthorized(m) => PluginError::Unauthorized(format!("Tryton {m} on {method}")),
            PluginError::NotFound(m) => PluginError::Permanent(format!(
                "Tryton endpoint {url} not found ({m}): check `base_path` and `database`"
            )),
            other => other,
        })?;
        let body: Value = response.json()?;
        if let Some(error) = body.get("error").filter(|e| !e.is_null()) {
            return Err(RpcError::Fault(fault(error)));
        }
        Ok(body.get("result").cloned().unwrap_or(Value::Null))
    }
}

/// Decode `["UserError", ["message", "description", ...]]` and friends.
fn fault(error: &Value) -> Fault {
    let kind = error.get(0).and_then(Value::as_str).unwrap_or("");
    let detail = error.get(1);
    let message = detail
        .and_then(|d| d.get(0))
        .and_then(Value::as_str)
        .or_else(|| detail.and_then(Value::as_str))
        .unwrap_or("")
        .to_owned();
    match kind {
        "UserError" | "UserWarning" => Fault::User(if message.is_empty() { kind.to_owned() } else { message }),
        "ConcurrencyException" => Fault::Concurrency(message),
        other => Fault::Other(format!("{other} {message}").trim().to_owned()),
    }
}
