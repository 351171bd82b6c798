//! Shopify simulator (placeholder until the simulator lands).
