//! Files: `fileCreate` (from a staged upload's `resourceUrl` or an external URL), `fileUpdate` (alt,
//! filename, new source, product references), `fileDelete`, the `files` query, and the
//! `MediaImage` / `GenericFile` nodes. A staged original that never arrived makes a `FAILED` file,
//! as Shopify's processing does. The simulator does not download external URLs (loopback only):
//! such files are READY without bytes.

use super::connection::{id_key, paginate, Item};
use super::{rel, Ctx, Node, Rel};
use crate::search::Query;
use crate::store::files::{FileRecord, MAX_ALT};
use crate::store::{gid, now, parse_gid, ts, Store};
use crate::uploads::key_of;
use apollo_compiler::resolvers::{FieldError, ResolveInfo, ResolvedValue};
use rand::Rng;
use serde_json::{json, Map, Value as Json};

/// Image file extensions (a `MediaImage` when no content type is given).
const IMAGE_EXTENSIONS: &[&str] = &["png", "jpg", "jpeg", "gif", "webp", "svg", "heic", "avif", "tif", "tiff", "bmp"];

/// A refused file input: field path below the input, message, `FilesErrorCode`.
pub type Refusal = (Vec<String>, String, &'static str);

/// Where the simulator serves a file's bytes (its `image.url` / `url`).
fn cdn_url(base_url: &str, f: &FileRecord) -> String {
    match f.size {
        Some(_) => format!("{base_url}/cdn/files/{}/{}", f.id, f.filename),
        None => f.original_source.clone(),
    }
}

/// A `MediaImage` or `GenericFile` node.
pub fn file_node<'c>(ctx: &'c Ctx<'c>, f: &FileRecord) -> Node<'c> {
    let ready = f.status == "READY";
    let url = cdn_url(ctx.base_url, f);
    let download_code = if f.kind == "MediaImage" { "IMAGE_DOWNLOAD_FAILURE" } else { "GENERIC_FILE_DOWNLOAD_FAILURE" };
    let errors: Vec<Json> = (!ready).then(|| json!({"code": download_code, "message": "File could not be processed: the staged upload never arrived.", "details": null})).into_iter().collect();
    let image = ready.then(|| json!({"id": gid("ImageSource", f.id), "url": url, "src": url, "originalSrc": url, "transformedSrc": url, "altText": f.alt, "width": null, "height": null}));
    let mut fields = json!({
        "id": gid(&f.kind, f.id), "alt": f.alt, "fileStatus": f.status, "fileErrors": errors, "mimeType": f.mime_type,
        "preview": {"status": f.status, "image": if f.kind == "MediaImage" { image.clone() } else { None }},
        "createdAt": ts(&f.created_at), "updatedAt": ts(&f.updated_at),
    });
    if f.kind == "MediaImage" {
        fields["status"] = json!(f.status);
        fields["mediaContentType"] = json!("IMAGE");
        fields["mediaErrors"] = json!(errors);
        fields["mediaWarnings"] = json!([]);
        fields["image"] = json!(image);
        fields["originalSource"] = json!({"url": f.original_source, "fileSize": f.size});
    } else {
        fields["url"] = json!(ready.then_some(url));
        fields["originalFileSize"] = json!(f.size);
    }
    Node::new(ctx, &f.kind, fields, Rel::None)
}

fn field(name: &str) -> Vec<String> {
    vec![name.to_string()]
}

/// The file kind for a content type (or, without one, the MIME type or extension).
fn kind_for(content_type: Option<&str>, mime: Option<&str>, filename: &str) -> Result<&'static str, Refusal> {
    match content_type {
        Some("IMAGE") => Ok("MediaImage"),
        Some("FILE") => Ok("GenericFile"),
        Some(other) => Err((
            field("contentType"),
            format!("shopify-sim does not support {other} files (IMAGE and FILE only)."),
            "INVALID",
        )),
        None if mime.is_some_and(|m| m.starts_with("image/")) => Ok("MediaImage"),
        None if IMAGE_EXTENSIONS.contains(&filename.rsplit('.').next().unwrap_or("").to_lowercase().as_str()) => {
            Ok("MediaImage")
        }
        None => Ok("GenericFile"),
    }
}

/// `name_XXXXXXXX.ext`: Shopify's APPEND_UUID resolution of a taken filename.
fn with_uuid(filename: &str) -> String {
    let suffix: String = (0..8).map(|_| format!("{:x}", rand::rng().random_range(0..16u8))).collect();
    match filename.rsplit_once('.') {
        Some((stem, ext)) => format!("{stem}_{suffix}.{ext}"),
        None => format!("{filename}_{suffix}"),
    }
}

/// A new file record from a `FileCreateInput` / `FileSetInput` / `CreateMediaInput`-like input
/// (`content_type` from `contentType` or `mediaContentType`), not yet stored.
pub fn new_file(
    store: &Store,
    base_url: &str,
    input: &Json,
    content_type: Option<&str>,
) -> Result<FileRecord, Refusal> {
    let s = |k: &str| input.get(k).and_then(Json::as_str);
    let source = s("originalSource").unwrap_or("").trim().to_string();
    let key = key_of(base_url, &source);
    let upload = (key != source).then(|| store.uploads.get(key)).flatten();
    if upload.is_none() && !(source.starts_with("https://") || source.starts_with("http://")) {
        return Err((field("originalSource"), "The image source URL is invalid.".into(), "INVALID_IMAGE_SOURCE_URL"));
    }
    let alt = s("alt").map(str::to_string);
    if alt.as_ref().is_some_and(|a| a.chars().count() > MAX_ALT) {
        return Err((
            field("alt"),
            format!("The alt value exceeds the maximum limit of {MAX_ALT} characters."),
            "ALT_VALUE_LIMIT_EXCEEDED",
        ));
    }
    let from_url = source.split('?').next().unwrap_or("").rsplit('/').next().unwrap_or("").to_string();
    let mut filename =
        s("filename").map(str::to_string).or_else(|| upload.map(|u| u.filename.clone())).unwrap_or(from_url);
    let mime_type = upload.map(|u| u.mime_type.clone());
    let kind = kind_for(content_type, mime_type.as_deref(), &filename)?;
    let taken = store.files.values().any(|f| f.filename == filename);
    match s("duplicateResolutionMode").unwrap_or("APPEND_UUID") {
        "RAISE_ERROR" if taken => {
            return Err((
                field("filename"),
                format!("A file named {filename} already exists."),
                "FILENAME_ALREADY_EXISTS",
            ))
        }
        "APPEND_UUID" if taken => filename = with_uuid(&filename),
        _ => {}
    }
    let arrived = upload.and_then(|u| u.bytes.as_ref().map(|_| (u.size, u.sha256.clone())));
    let t = now();
    Ok(FileRecord {
        id: 0,
        kind: kind.to_string(),
        filename,
        alt,
        mime_type,
        upload_key: upload.map(|u| u.key.clone()),
        size: arrived.as_ref().and_then(|(size, _)| *size),
        sha256: arrived.as_ref().and_then(|(_, sha)| sha.clone()),
        status: if upload.is_some() && arrived.is_none() { "FAILED" } else { "READY" }.to_string(),
        original_source: source,
        created_at: t,
        updated_at: t,
    })
}

/// Stores a new file (a REPLACE of an existing filename keeps that file's id); returns its id.
pub fn insert_file(store: &mut Store, mut file: FileRecord, replace: bool) -> u64 {
    let existing = replace
        .then(|| store.files.values().find(|f| f.filename == file.filename).map(|f| (f.id, f.created_at)))
        .flatten();
    file.id = existing.map_or_else(|| store.next_id(), |(id, _)| id);
    if let Some((_, created_at)) = existing {
        file.created_at = created_at;
    }
    let id = file.id;
    store.files.insert(id, file);
    id
}

fn files_error(prefix: &str, i: usize, refusal: Refusal) -> Json {
    let (rest, message, code) = refusal;
    let field: Vec<String> = [prefix.to_string(), i.to_string()].into_iter().chain(rest).collect();
    json!({"field": field, "message": message, "code": code})
}

/// `fileCreate(files:)`: every file or none.
pub fn file_create(ctx: &Ctx<'_>, store: &mut Store, a: &Map<String, Json>) -> Json {
    let inputs = a.get("files").and_then(Json::as_array).cloned().unwrap_or_default();
    let mut made = Vec::new();
    let mut errors = Vec::new();
    for (i, input) in inputs.iter().enumerate() {
        match new_file(store, ctx.base_url, input, input.get("contentType").and_then(Json::as_str)) {
            Ok(file) => {
                made.push((file, input.get("duplicateResolutionMode").and_then(Json::as_str) == Some("REPLACE")))
            }
            Err(refusal) => errors.push(files_error("files", i, refusal)),
        }
    }
    if !errors.is_empty() {
        return json!({"files": null, "userErrors": errors});
    }
    let ids: Vec<Json> = made
        .into_iter()
        .map(|(file, replace)| {
            let kind = file.kind.clone();
            rel(&kind, insert_file(store, file, replace))
        })
        .collect();
    json!({"files": ids, "userErrors": []})
}

/// The file a `MediaImage`/`GenericFile` gid names.
pub fn file_id(store: &Store, raw: &str) -> Option<u64> {
    ["MediaImage", "GenericFile"]
        .iter()
        .find_map(|kind| parse_gid(kind, raw).filter(|id| store.files.get(id).is_some_and(|f| f.kind == *kind)))
}

/// Checks one `FileUpdateInput`; the refusal when it cannot apply.
fn check_update(ctx: &Ctx<'_>, store: &Store, input: &Json) -> Result<(u64, Option<FileRecord>), Refusal> {
    let s = |k: &str| input.get(k).and_then(Json::as_str);
    let id = file_id(store, s("id").unwrap_or(""))
        .ok_or_else(|| (field("id"), "File does not exist.".to_string(), "FILE_DOES_NOT_EXIST"))?;
    let file = &store.files[&id];
    if s("alt").is_some_and(|a| a.chars().count() > MAX_ALT) {
        return Err((
            field("alt"),
            format!("The alt value exceeds the maximum limit of {MAX_ALT} characters."),
            "ALT_VALUE_LIMIT_EXCEEDED",
        ));
    }
    if let Some(name) = s("filename") {
        let extension = |n: &str| n.rsplit_once('.').map(|(_, e)| e.to_lowercase());
        if extension(name) != extension(&file.filename) {
            return Err((
                field("filename"),
                "The filename extension can't change.".into(),
                "INVALID_FILENAME_EXTENSION",
            ));
        }
    }
    for reference in ["referencesToAdd", "referencesToRemove"] {
        for (j, r) in
            input.get(reference).and_then(Json::as_array).into_iter().flatten().filter_map(Json::as_str).enumerate()
        {
            let at = vec![reference.to_string(), j.to_string()];
            if parse_gid("Product", r).is_none() || file.kind != "MediaImage" {
                return Err((
                    at,
                    format!("{r} is not a reference shopify-sim supports (images on products)."),
                    "UNSUPPORTED_FILE_REFERENCE",
                ));
            }
            if parse_gid("Product", r).is_none_or(|p| !store.products.contains_key(&p)) {
                return Err((
                    at,
                    format!("The reference target {r} does not exist."),
                    "REFERENCE_TARGET_DOES_NOT_EXIST",
                ));
            }
        }
    }
    let replacement = s("originalSource")
        .map(|src| {
            new_file(
                store,
                ctx.base_url,
                &json!({"originalSource": src, "filename": file.filename}),
                Some(if file.kind == "MediaImage" { "IMAGE" } else { "FILE" }),
            )
        })
        .transpose()?;
    Ok((id, replacement))
}

/// `fileUpdate(files:)`: alt, filename, a new source, and product references; every update or none.
pub fn file_update(ctx: &Ctx<'_>, store: &mut Store, a: &Map<String, Json>) -> Json {
    let inputs = a.get("files").and_then(Json::as_array).cloned().unwrap_or_default();
    let checked: Vec<Result<(u64, Option<FileRecord>), Refusal>> =
        inputs.iter().map(|input| check_update(ctx, store, input)).collect();
    let errors: Vec<Json> = checked
        .iter()
        .enumerate()
        .filter_map(|(i, c)| c.as_ref().err().map(|r| files_error("files", i, r.clone())))
        .collect();
    if !errors.is_empty() {
        return json!({"files": null, "userErrors": errors});
    }
    let mut updated = Vec::new();
    for (input, (id, replacement)) in inputs.iter().zip(checked.into_iter().flatten()) {
        let refs = |k: &str| {
            input
                .get(k)
                .and_then(Json::as_array)
                .into_iter()
                .flatten()
                .filter_map(Json::as_str)
                .filter_map(|r| parse_gid("Product", r))
                .collect::<Vec<_>>()
        };
        for product in refs("referencesToAdd") {
            let media = store.product_media.entry(product).or_default();
            if !media.contains(&id) {
                media.push(id);
            }
        }
        for product in refs("referencesToRemove") {
            store.product_media.entry(product).or_default().retain(|f| *f != id);
        }
        let Some(file) = store.files.get_mut(&id) else {
            continue;
        };
        if let Some(new) = replacement {
            (file.original_source, file.upload_key, file.size, file.sha256, file.status, file.mime_type) =
                (new.original_source, new.upload_key, new.size, new.sha256, new.status, new.mime_type);
        }
        if let Some(alt) = input.get("alt") {
            file.alt = alt.as_str().map(str::to_string);
        }
        if let Some(name) = input.get("filename").and_then(Json::as_str) {
            file.filename = name.to_string();
        }
        file.updated_at = now();
        updated.push(rel(&file.kind, id));
    }
    json!({"files": updated, "userErrors": []})
}

/// `fileDelete(fileIds:)`: every file or none.
pub fn file_delete(store: &mut Store, a: &Map<String, Json>) -> Json {
    let raw: Vec<String> = a
        .get("fileIds")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
        .filter_map(Json::as_str)
        .map(str::to_string)
        .collect();
    let missing: Vec<Json> = raw.iter().enumerate().filter(|(_, r)| file_id(store, r).is_none()).map(|(i, r)| json!({"field": ["fileIds", i.to_string()], "message": format!("File id {r} does not exist."), "code": "FILE_DOES_NOT_EXIST"})).collect();
    if !missing.is_empty() {
        return json!({"deletedFileIds": null, "userErrors": missing});
    }
    for r in &raw {
        if let Some(id) = file_id(store, r) {
            store.delete_file(id);
        }
    }
    json!({"deletedFileIds": raw, "userErrors": []})
}

fn lookup(f: &FileRecord, name: &str) -> Option<Vec<String>> {
    Some(match name {
        "filename" => vec![f.filename.clone()],
        "media_type" => vec![if f.kind == "MediaImage" { "IMAGE" } else { "GENERIC_FILE" }.to_string()],
        "status" => vec![f.status.to_lowercase()],
        "id" => vec![f.id.to_string()],
        "created_at" => vec![ts(&f.created_at)],
        "updated_at" => vec![ts(&f.updated_at)],
        _ => return None,
    })
}

/// `Query.files(first:, query:, sortKey:)`.
pub fn files<'a>(
    ctx: &'a Ctx<'a>,
    info: &ResolveInfo<'_>,
    a: &Map<String, Json>,
) -> Result<ResolvedValue<'a>, FieldError> {
    let query = Query::parse(a.get("query").and_then(Json::as_str));
    let sort = a.get("sortKey").and_then(Json::as_str);
    let store = ctx.store();
    let mut items: Vec<Item> = store
        .files
        .values()
        .filter(|f| query.matches("filename", |n| lookup(f, n)))
        .map(|f| {
            let key = match sort {
                Some("FILENAME") => format!("{}{}", f.filename, id_key(f.id)),
                Some("CREATED_AT") => format!("{}{}", ts(&f.created_at), id_key(f.id)),
                Some("UPDATED_AT") => format!("{}{}", ts(&f.updated_at), id_key(f.id)),
                _ => id_key(f.id),
            };
            Item { key, node: file_node(ctx, f) }
        })
        .collect();
    drop(store);
    items.sort_by(|a, b| a.key.cmp(&b.key));
    paginate(ctx, info, a, items)
}
