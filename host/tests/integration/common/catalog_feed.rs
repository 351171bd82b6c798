//! ERP catalog exports for the file-feed connector, written as its CSV.

use std::io::Write;
use std::path::Path;

/// The header of a file-feed product export.
pub const HEADER: &str = "product_id,product_sku,title,vendor,product_type,tags,status,option1_name,option1_value,option2_name,option2_value,variant_id,sku,barcode,price,compare_at_price,cost,weight_grams,updated_at\n";

/// Write an export of `products` products (P{i}, code B-{i}, handle `b-{i}`) with 4 variants
/// each (Size S, M, L, XL; SKUs B-{i}-0..3) into the feed inbox `dir`, a row at a time, and move
/// it in place at the end. The products in `repeat_option` give two variants Size S, which
/// Shopify refuses.
pub fn write_products(dir: &Path, name: &str, products: usize, repeat_option: &[usize]) {
    let tmp = dir.join(format!(".{name}.tmp"));
    let mut out = std::io::BufWriter::new(std::fs::File::create(&tmp).expect("create the export"));
    out.write_all(HEADER.as_bytes()).expect("write the export");
    for i in 0..products {
        let sizes = if repeat_option.contains(&i) { ["S", "S", "L", "XL"] } else { ["S", "M", "L", "XL"] };
        for (v, size) in sizes.iter().enumerate() {
            writeln!(
                out,
                "P{i},B-{i},Bulk item {i},Acme,,,active,Size,{size},,,P{i}-{v},B-{i}-{v},,{}.00,,,,2026-11-26T06:00:00Z",
                10 + i % 7
            )
            .expect("write the export");
        }
    }
    out.flush().expect("write the export");
    drop(out);
    std::fs::rename(tmp, dir.join(name)).expect("move the export in place");
}
