//! azsim: placeholder, replaced by the azsim implementation.
