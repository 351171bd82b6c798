//! `weft:plugin@0.1.0`: its bindings, linker, host imports and conversions into the model (see
//! `convert` for what 0.1.0 cannot carry).

mod convert;
#[cfg(test)]
mod fuzz;

super::version::weft_version!("../wit/weft-plugin@0.1.0", V0_1_0);
