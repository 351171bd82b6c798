//! Inventory throughput benchmark (being written).
fn main() {}
