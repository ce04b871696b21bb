//! The extension's own pages: the options page (and the welcome page built from it) and the
//! toolbar popup.

pub(crate) mod options;
pub(crate) mod popup;
