//! Conversions between a version's generated types and the host's model. Records of the same
//! shape convert field by field ([`lift_records!`], [`lift_enums!`]); containers convert their
//! contents. A field added on either side is a compile error here until its conversion is
//! written down.

/// Convert `self` into `T` (a generated type into the model's, or back).
pub(super) trait Lift<T> {
    /// The converted value.
    fn lift(self) -> T;
}

macro_rules! lift_as_is {
    ($($t:ty),*) => { $(impl Lift<$t> for $t { fn lift(self) -> $t { self } })* };
}
lift_as_is!(String, bool, u32, u64, i64);

impl<A: Lift<B>, B> Lift<Option<B>> for Option<A> {
    fn lift(self) -> Option<B> {
        self.map(Lift::lift)
    }
}

impl<A: Lift<B>, B> Lift<Vec<B>> for Vec<A> {
    fn lift(self) -> Vec<B> {
        self.into_iter().map(Lift::lift).collect()
    }
}

impl<A: Lift<C>, B: Lift<D>, C, D> Lift<(C, D)> for (A, B) {
    fn lift(self) -> (C, D) {
        (self.0.lift(), self.1.lift())
    }
}

impl<A: Lift<C>, B: Lift<D>, C, D> Lift<Result<C, D>> for Result<A, B> {
    fn lift(self) -> Result<C, D> {
        self.map(Lift::lift).map_err(Lift::lift)
    }
}

impl Lift<()> for () {
    fn lift(self) {}
}

/// Records with the same fields on both sides, converted both ways: `lift_records!(wit, model;
/// Money { amount, currency } ...)`.
macro_rules! lift_records {
    ($wit:ident, $model:ident; $($name:ident { $($field:ident),* $(,)? })*) => {$(
        impl $crate::plugin::wit::lift::Lift<$model::$name> for $wit::$name {
            fn lift(self) -> $model::$name {
                $model::$name { $($field: $crate::plugin::wit::lift::Lift::lift(self.$field)),* }
            }
        }
        impl $crate::plugin::wit::lift::Lift<$wit::$name> for $model::$name {
            fn lift(self) -> $wit::$name {
                $wit::$name { $($field: $crate::plugin::wit::lift::Lift::lift(self.$field)),* }
            }
        }
    )*};
}

/// Enums and variants with the same cases on both sides, converted both ways: unit cases as
/// `Name`, cases with a payload as `Name(x)`.
macro_rules! lift_enums {
    ($wit:ident, $model:ident; $($name:ident { $($case:ident $(($payload:ident))?),* $(,)? })*) => {$(
        impl $crate::plugin::wit::lift::Lift<$model::$name> for $wit::$name {
            fn lift(self) -> $model::$name {
                match self { $($wit::$name::$case $(($payload))? => $model::$name::$case $(($crate::plugin::wit::lift::Lift::lift($payload)))?),* }
            }
        }
        impl $crate::plugin::wit::lift::Lift<$wit::$name> for $model::$name {
            fn lift(self) -> $wit::$name {
                match self { $($model::$name::$case $(($payload))? => $wit::$name::$case $(($crate::plugin::wit::lift::Lift::lift($payload)))?),* }
            }
        }
    )*};
}

/// Records the model boxes inside [`crate::model::Record`], converted both ways through the box:
/// `lift_boxed!(wit, model; Order ...)`.
macro_rules! lift_boxed {
    ($wit:ident, $model:ident; $($name:ident)*) => {$(
        impl $crate::plugin::wit::lift::Lift<Box<$model::$name>> for $wit::$name {
            fn lift(self) -> Box<$model::$name> {
                Box::new($crate::plugin::wit::lift::Lift::lift(self))
            }
        }
        impl $crate::plugin::wit::lift::Lift<$wit::$name> for Box<$model::$name> {
            fn lift(self) -> $wit::$name {
                $crate::plugin::wit::lift::Lift::lift(*self)
            }
        }
    )*};
}

pub(super) use {lift_boxed, lift_enums, lift_records};
