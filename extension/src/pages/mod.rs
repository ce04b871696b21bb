//! The extension's own pages: the options page (and the welcome page built from it) and the
//! toolbar popup, and the options' list of refused look-alike sites.

pub(crate) mod options;
pub(crate) mod popup;
pub(crate) mod refused_sites;
