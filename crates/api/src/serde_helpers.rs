//! What a PATCH body means field by field: absent leaves a field as it is, `null` clears it, a
//! value sets it. Fields of type `Option<Option<T>>` use these with
//! `skip_serializing_if = "Option::is_none"`, so a client sends exactly what it means.

use serde::{Deserialize, Deserializer, Serializer};
use time::OffsetDateTime;

/// Absent → `None`, `null` → `Some(None)`, a value → `Some(Some(v))`.
pub fn double_option<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

/// [`double_option`] for RFC 3339 times.
pub fn double_option_time<'de, D>(d: D) -> Result<Option<Option<OffsetDateTime>>, D::Error>
where
    D: Deserializer<'de>,
{
    time::serde::rfc3339::option::deserialize(d).map(Some)
}

/// The other way: `Some(None)` → `null`, `Some(Some(t))` → RFC 3339 (`None` is skipped).
pub fn time_or_null<S: Serializer>(v: &Option<Option<OffsetDateTime>>, s: S) -> Result<S::Ok, S::Error> {
    match v.flatten() {
        Some(t) => s.serialize_str(&crate::rfc3339(t)),
        None => s.serialize_none(),
    }
}
