//! Host implementations of the WIT imports, one module per supported WIT version.

mod v0_1_0;

pub(super) use v0_1_0::add_to_linker;
