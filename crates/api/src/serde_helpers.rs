//! What a PATCH body means field by field: absent leaves a field as it is, `null` clears it, a
//! value sets it. Fields of type `Option<Option<T>>` use these modules as
//! `#[serde(default, with = "patch", skip_serializing_if = "Option::is_none")]`, so a client
//! sends exactly what it means.

/// Absent → `None`, `null` → `Some(None)`, a value → `Some(Some(v))`, and back.
pub mod patch {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn deserialize<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
    where
        D: Deserializer<'de>,
        T: Deserialize<'de>,
    {
        Option::<T>::deserialize(d).map(Some)
    }

    /// `Some(None)` → `null`, `Some(Some(v))` → `v` (`None` is skipped).
    pub fn serialize<S: Serializer, T: Serialize>(v: &Option<Option<T>>, s: S) -> Result<S::Ok, S::Error> {
        v.serialize(s)
    }
}

/// [`patch`] for RFC 3339 times.
pub mod patch_time {
    use serde::{Deserializer, Serializer};
    use time::OffsetDateTime;

    pub fn deserialize<'de, D>(d: D) -> Result<Option<Option<OffsetDateTime>>, D::Error>
    where
        D: Deserializer<'de>,
    {
        time::serde::rfc3339::option::deserialize(d).map(Some)
    }

    pub fn serialize<S: Serializer>(v: &Option<Option<OffsetDateTime>>, s: S) -> Result<S::Ok, S::Error> {
        match v.flatten() {
            Some(t) => s.serialize_str(&crate::rfc3339(t)),
            None => s.serialize_none(),
        }
    }
}
