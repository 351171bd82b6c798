//! A component that exports `weft:plugin/transform@0.2.0` with the right names and the wrong
//! types (see `wit/impostor.wit`): the host must refuse to call it, on every instance.

wit_bindgen::generate!({
    path: "wit",
    world: "transform-plugin",
});

struct Impostor;

impl exports::weft::plugin::transform::Guest for Impostor {
    fn describe() -> String {
        "impostor".into()
    }

    fn apply(records: Vec<String>) -> Vec<String> {
        records
    }
}

export!(Impostor);
