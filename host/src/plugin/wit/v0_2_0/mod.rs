//! `weft:plugin@0.2.0`: its bindings, linker, host imports and conversions into the model (the
//! model has 0.2.0's shape).

mod convert;

super::version::weft_version!("../wit/weft-plugin@0.2.0", V0_2_0);
