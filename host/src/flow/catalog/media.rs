//! Product and variant images from the ERP, sent in `productSet`'s `files`.
//!
//! An image is known by its content hash: the source's `content-hash` when it gives one, else
//! SHA-256 of the file for a `file:` source, else SHA-256 of the URL for an `https://` one
//! (Shopify fetches the URL itself, weft does not; a new file under the same URL needs a content
//! hash or a new URL — CDN URLs usually change with the file). weft remembers which Shopify media
//! it made for which hash (state [`StateTable::CatalogHashes`], `flow \x1f media \x1f ERP product
//! id`), so an unchanged image is sent by id and never uploaded again; an image with a new hash is
//! uploaded and the one it replaces goes.
//!
//! Who owns the product's media (`ownership.media`): Shopify (the default) — weft's images take
//! the places its earlier images held, in the ERP's order (more at the end), and images weft did
//! not make stay where they are; the ERP — the ERP's list is the product's media, in its order
//! (any other image is removed). Each variant shows its first image. A `file:` image (a path in
//! the connection's `directory`) is staged (`stagedUploadsCreate`, the upload) and named by its
//! resource URL. An image that cannot be sent (outside the directory, missing, over 20 MB, not an
//! image) is left out and reported as the record's error after the product is written.

use super::write::Checked;
use crate::domain::ownership::{Field, Owner};
use crate::flow::base::{request_error, ShopifyContext};
use crate::model::{Media, PluginError, Product};
use crate::shopify::products::{delete_files, product_media, ProductRef, StoredProduct};
use crate::shopify::uploads::{self, Upload};
use crate::shopify::ShopifyError;
use crate::store::StateTable;
use serde_json::{json, Value as Json};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

/// The largest image Shopify takes (20 MB).
const MAX_IMAGE_BYTES: u64 = 20 * 1024 * 1024;

/// An ERP image as it is sent.
#[derive(Clone, Debug)]
struct Image {
    /// Its content hash.
    hash: String,
    /// Where it comes from.
    source: Source,
    /// Its alternative text.
    alt: Option<String>,
}

/// Where an image comes from.
#[derive(Clone, Debug)]
enum Source {
    /// A URL Shopify fetches.
    Url(String),
    /// A file in the connection's directory, uploaded through a staged target.
    File { path: PathBuf, name: String, mime: &'static str },
}

/// The images the ERP wants on a product: its own, then each variant's first one (each image
/// once, by hash), with what could not be sent.
#[derive(Clone, Debug, Default)]
pub(super) struct Wanted {
    images: Vec<Image>,
    /// Per ERP variant (in the record's order), its image's index in `images`.
    variants: Vec<Option<usize>>,
    /// Images left out: `media[i]: reason`.
    pub problems: Vec<String>,
}

/// The `files` a write sends: per entry, the hash of the ERP image it is (`None`: an image weft
/// did not make, kept); and how many images are new.
#[derive(Clone, Debug, Default)]
pub(super) struct Plan {
    entries: Vec<Option<String>>,
    uploads: u64,
    /// weft's earlier images the write drops (replaced or no longer listed), deleted after it.
    retired: Vec<String>,
}

impl Wanted {
    /// What the ERP wants of `p`'s media: reads (and hashes) `file:` images without a content hash.
    pub fn of(ctx: &ShopifyContext<'_>, p: &Product) -> Wanted {
        let dir = ctx.config.connections.get(ctx.flow.from.name()).and_then(|c| c.directory.as_deref());
        let mut wanted = Wanted::default();
        let add = |wanted: &mut Wanted, label: String, m: &Media| -> Option<usize> {
            let image = match image(dir, m) {
                Ok(image) => image,
                Err(reason) => {
                    wanted.problems.push(format!("{label} ({}): {reason}", m.source));
                    return None;
                }
            };
            Some(wanted.images.iter().position(|i| i.hash == image.hash).unwrap_or_else(|| {
                wanted.images.push(image);
                wanted.images.len() - 1
            }))
        };
        for (i, m) in p.media.iter().enumerate() {
            add(&mut wanted, format!("media[{i}]"), m);
        }
        for (j, v) in p.variants.iter().enumerate() {
            let at = v.media.first().and_then(|m| add(&mut wanted, format!("variants[{j}].media[0]"), m));
            wanted.variants.push(at);
        }
        wanted
    }

    /// What the content hash of the product covers of its media (empty without any).
    pub fn digest(&self) -> String {
        if self.images.is_empty() && self.problems.is_empty() {
            return String::new();
        }
        let images: Vec<Json> = self.images.iter().map(|i| json!([i.hash, i.alt])).collect();
        json!({"media": images, "variants": self.variants, "problems": self.problems}).to_string()
    }
}

/// The image `m` is, or why it cannot be sent.
fn image(dir: Option<&Path>, m: &Media) -> Result<Image, String> {
    let given = m.content_hash.as_deref().map(str::trim).filter(|h| !h.is_empty()).map(str::to_ascii_lowercase);
    let alt = m.alt.clone().filter(|a| !a.trim().is_empty());
    if let Some(path) = m.source.strip_prefix("file:") {
        let dir = dir.ok_or("a file: image needs the connection's directory")?;
        let (path, name, mime) = local_file(dir, path)?;
        let hash = match given {
            Some(hash) => hash,
            None => hex::encode(Sha256::digest(read(&path)?)),
        };
        return Ok(Image { hash, source: Source::File { path, name, mime }, alt });
    }
    if !m.source.starts_with("https://") {
        return Err("not an https:// URL or a file: path".into());
    }
    let hash = given.unwrap_or_else(|| hex::encode(Sha256::digest(m.source.as_bytes())));
    Ok(Image { hash, source: Source::Url(m.source.clone()), alt })
}

/// The file `relative` names inside `dir` (never outside it), its name and MIME type.
fn local_file(dir: &Path, relative: &str) -> Result<(PathBuf, String, &'static str), String> {
    let rel = Path::new(relative);
    if relative.is_empty() || !rel.components().all(|c| matches!(c, Component::Normal(_))) {
        return Err("the path must be relative, inside the connection's directory".into());
    }
    let name = rel.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_owned();
    let ext = rel.extension().and_then(|e| e.to_str()).unwrap_or_default().to_ascii_lowercase();
    let mime = match ext.as_str() {
        "jpg" | "jpeg" => "image/jpeg",
        "png" => "image/png",
        "gif" => "image/gif",
        "webp" => "image/webp",
        _ => return Err("not an image (jpg, jpeg, png, gif or webp)".into()),
    };
    let root = dir.canonicalize().map_err(|e| format!("the connection's directory: {e}"))?;
    let path = root.join(rel).canonicalize().map_err(|e| format!("cannot read it: {e}"))?;
    if !path.starts_with(&root) {
        return Err("the path leads outside the connection's directory".into());
    }
    Ok((path, name, mime))
}

/// The bytes of the image file at `path` (at most 20 MB).
fn read(path: &Path) -> Result<Vec<u8>, String> {
    let size = std::fs::metadata(path).map_err(|e| format!("cannot read it: {e}"))?.len();
    if size > MAX_IMAGE_BYTES {
        return Err(format!("{size} bytes, over Shopify's {MAX_IMAGE_BYTES}"));
    }
    std::fs::read(path).map_err(|e| format!("cannot read it: {e}"))
}

fn state_key(ctx: &ShopifyContext<'_>, p: &Product) -> String {
    format!("{}\u{1f}media\u{1f}{}", ctx.flow_name, p.external_id)
}

/// The media weft made for `p`: hash → media id.
fn made(ctx: &ShopifyContext<'_>, p: &Product) -> BTreeMap<String, String> {
    let stored = ctx.store.state_get(StateTable::CatalogHashes, &state_key(ctx, p)).ok().flatten();
    stored.and_then(|b| serde_json::from_slice(&b).ok()).unwrap_or_default()
}

/// Put the ERP's images in `checked.input` (`files`, each variant's `file`) for the product as
/// it is (`stored`; `None`: it is created now), uploading `file:` images not yet in Shopify.
/// Nothing is sent when the ERP has no images, weft made none, and Shopify owns the media.
pub(super) async fn plan(
    ctx: &ShopifyContext<'_>,
    p: &Product,
    checked: &mut Checked,
    stored: Option<&StoredProduct>,
) -> Result<(), PluginError> {
    let erp_owns = ctx.flow.ownership().owner(Field::Media) == Owner::Erp;
    let made = made(ctx, p);
    let wanted = &mut checked.media;
    if wanted.images.is_empty() && made.is_empty() && !erp_owns {
        return Ok(());
    }
    // The product's media as they are (read only for a product with images to send or weft's).
    let on_product = match stored {
        Some(stored) => product_media(ctx.client, &stored.id).await.map_err(|e| request_error(&e))?,
        None => Vec::new(),
    };
    let mine: BTreeMap<String, String> = made.into_iter().filter(|(_, id)| on_product.contains(id)).collect();
    // The slots: weft's earlier images' places (or all, when the ERP owns the media), then more.
    let mut slots: Vec<Option<&String>> = Vec::new();
    if !erp_owns {
        let weft: Vec<&String> = mine.values().collect();
        slots = on_product.iter().map(|id| (!weft.contains(&id)).then_some(id)).collect();
    }
    let mut images = wanted.images.clone().into_iter();
    let mut files = Vec::new();
    let mut entries = Vec::new();
    let mut sources: BTreeMap<String, Json> = BTreeMap::new();
    let mut uploads = 0;
    let mut next = |slot: Option<&String>| match slot {
        Some(id) => Some(Err(id.clone())),
        None => images.next().map(Ok),
    };
    let mut order: Vec<Result<Image, String>> = slots.iter().filter_map(|s| next(*s)).collect();
    order.extend(std::iter::from_fn(|| next(None)));
    for item in order {
        let image = match item {
            Err(id) => {
                files.push(json!({"id": id}));
                entries.push(None);
                continue;
            }
            Ok(image) => image,
        };
        let alt = image.alt.clone().unwrap_or_default();
        let file = match mine.get(&image.hash) {
            Some(id) => json!({"id": id, "alt": alt}),
            None => match source(ctx, &image).await? {
                Ok(source) => {
                    uploads += 1;
                    json!({"originalSource": source, "contentType": "IMAGE", "alt": alt})
                }
                Err(reason) => {
                    wanted.problems.push(format!("image {}: {reason}", label(&image)));
                    continue;
                }
            },
        };
        let named = match file.get("id") {
            Some(id) => json!({"id": id}),
            None => json!({"originalSource": file["originalSource"]}),
        };
        sources.insert(image.hash.clone(), named);
        files.push(file);
        entries.push(Some(image.hash));
    }
    for (v, at) in checked.input["variants"].as_array_mut().into_iter().flatten().zip(&wanted.variants) {
        if let Some(named) = at.and_then(|i| sources.get(&wanted.images[i].hash)) {
            v["file"] = named.clone();
        }
    }
    let kept: Vec<&Json> = files.iter().filter_map(|f| f.get("id")).collect();
    let retired = mine.into_values().filter(|id| !kept.contains(&&json!(id))).collect();
    checked.input["files"] = Json::Array(files);
    checked.plan = Some(Plan { entries, uploads, retired });
    Ok(())
}

/// How an image is named in messages.
fn label(image: &Image) -> String {
    match &image.source {
        Source::Url(url) => url.clone(),
        Source::File { name, .. } => format!("file:{name}"),
    }
}

/// What `files` names a new image by: its URL, or the resource URL of its staged upload (`Err`:
/// why it cannot be sent).
async fn source(ctx: &ShopifyContext<'_>, image: &Image) -> Result<Result<String, String>, PluginError> {
    let (path, name, mime) = match &image.source {
        Source::Url(url) => return Ok(Ok(url.clone())),
        Source::File { path, name, mime } => (path, name, *mime),
    };
    let bytes = match read(path) {
        Ok(bytes) => bytes,
        Err(reason) => return Ok(Err(reason)),
    };
    let upload = Upload { resource: "IMAGE", filename: name, mime_type: mime };
    match uploads::stage(ctx.client, upload, &bytes).await {
        Ok(staged) => Ok(Ok(staged.resource_url)),
        Err(ShopifyError::GraphQl { message, .. }) => Ok(Err(format!("Shopify refused the upload: {message}"))),
        Err(e) => Err(request_error(&e)),
    }
}

/// Leave the ERP's images out of `checked.input` (Shopify refused one, `e`): the product is
/// written without touching its media, and the refusal reported naming the image.
pub(super) fn without(checked: &mut Checked, e: &PluginError) {
    let reason = match e {
        PluginError::InvalidInput(f) => {
            let at =
                f.field.strip_prefix("input.files.").and_then(|rest| rest.split('.').next()?.parse::<usize>().ok());
            let file = at.map(|i| &checked.input["files"][i]);
            let named = file.and_then(|f| f["originalSource"].as_str().or(f["id"].as_str())).unwrap_or("an image");
            format!("image {named}: Shopify refused it: {}", f.message)
        }
        other => format!("{other:?}"),
    };
    if let Some(fields) = checked.input.as_object_mut() {
        fields.remove("files");
    }
    for v in checked.input["variants"].as_array_mut().into_iter().flatten() {
        v.as_object_mut().map(|v| v.remove("file"));
    }
    checked.plan = None;
    checked.media.problems.push(reason);
}

/// Whether `e` (a refused productSet) is about its images.
pub(super) fn about_images(e: &PluginError) -> bool {
    matches!(e, PluginError::InvalidInput(f) if f.field.starts_with("input.files") || f.field.contains(".file"))
}

/// Delete weft's images the write dropped from the shop's Files (a failure leaves a file in the
/// library and is logged: the product is right).
pub(super) async fn retire(ctx: &ShopifyContext<'_>, p: &Product, plan: &Plan) {
    if plan.retired.is_empty() {
        return;
    }
    if let Err(e) = delete_files(ctx.client, &plan.retired).await {
        tracing::warn!(flow = ctx.flow_name, product = %p.external_id, "cannot delete replaced images: {e}");
    }
}

/// Remember which media the write `set` made for which image (its `files` come back in order) and
/// count the images sent.
pub(super) fn remember(ctx: &ShopifyContext<'_>, p: &Product, plan: &Plan, set: &ProductRef) -> Result<(), String> {
    ctx.client.count_media_uploads(plan.uploads);
    let made: BTreeMap<&String, &String> =
        plan.entries.iter().zip(&set.media).filter_map(|(hash, id)| Some((hash.as_ref()?, id))).collect();
    let value = serde_json::to_vec(&made).map_err(|e| e.to_string())?;
    ctx.store.state_write(StateTable::CatalogHashes, &[(state_key(ctx, p), Some(value))]).map_err(|e| e.to_string())
}
