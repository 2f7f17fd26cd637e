//! Anti-abuse on the public forms: the image captcha with a text question as
//! its accessible alternative, and rate limits counted in the database under
//! keyed hashes (no address or contact is ever written down for this).

pub mod captcha;
pub mod limits;
