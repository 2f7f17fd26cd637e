//! Anti-abuse on the public forms: the image captcha, a proof of work the
//! browser does by itself, a text question for the few without either (rate
//! limited, and what it lets in is held for review), and rate limits counted in the database under
//! keyed hashes (no address or contact is ever written down for this).

pub mod captcha;
pub mod limits;
pub mod pow;
