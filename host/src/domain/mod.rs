//! The canonical model's rules, independent of any system and of the configuration file: identity
//! keys, field ownership, Shopify's input limits, CEL expressions with their helper functions and
//! lookup tables, mappings with their rule sets, and the available-quantity formula with its
//! explain trace. Constructors take plain values; `config` builds them from a flow's keys.

pub mod available;
pub mod decimal;
pub mod expr;
pub mod functions;
pub mod identity;
pub mod limits;
pub mod mapping;
pub mod ownership;
pub mod since;
