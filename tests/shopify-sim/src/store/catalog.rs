//! Lookups over the catalog-depth records (metafields, files and media, collections, and the
//! owners they hang on) and their cleanup when an owner or a file is deleted.

use super::metafields::Metafield;
use super::Store;

impl Store {
    /// True when the record `gid://shopify/{kind}/{id}` exists (the kinds catalog records refer to).
    pub fn has_record(&self, kind: &str, id: u64) -> bool {
        match kind {
            "Product" => self.products.contains_key(&id),
            "ProductVariant" => self.variants.contains_key(&id),
            "Customer" => self.customers.contains_key(&id),
            "Order" => self.orders.contains_key(&id),
            "Collection" => self.collections.contains_key(&id),
            "MediaImage" | "GenericFile" => self.files.get(&id).is_some_and(|f| f.kind == kind),
            _ => false,
        }
    }

    /// The metafield `namespace.key` of an owner.
    pub fn find_metafield(&self, owner_kind: &str, owner_id: u64, namespace: &str, key: &str) -> Option<&Metafield> {
        self.metafields
            .values()
            .find(|m| m.owner_id == owner_id && m.owner_kind == owner_kind && m.namespace == namespace && m.key == key)
    }

    /// Drops what hangs on a deleted owner (its metafields, media links, collection memberships).
    pub fn forget_owner(&mut self, kind: &str, id: u64) {
        self.metafields.retain(|_, m| !(m.owner_id == id && m.owner_kind == kind));
        match kind {
            "Product" => {
                self.product_media.remove(&id);
                for c in self.collections.values_mut() {
                    c.product_ids.retain(|p| *p != id);
                }
            }
            "ProductVariant" => {
                self.variant_media.remove(&id);
            }
            _ => {}
        }
    }

    /// Removes a file and every media link to it.
    pub fn delete_file(&mut self, id: u64) -> bool {
        for links in self.product_media.values_mut().chain(self.variant_media.values_mut()) {
            links.retain(|f| *f != id);
        }
        self.files.remove(&id).is_some()
    }
}
