//! The figures' font, DejaVu Sans, embedded in the binary and registered with plotters'
//! pure-Rust `ab_glyph` renderer, so drawing needs no system font library or installed font.

use std::sync::OnceLock;

use plotters::style::FontStyle;

use crate::error::{Error, Result};

static REGULAR: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/assets/fonts/DejaVuSans.ttf"
));
static BOLD: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/assets/fonts/DejaVuSans-Bold.ttf"
));

/// The family every figure uses. Plotters writes it verbatim into SVG `font-family`
/// attributes, so a browser without DejaVu Sans falls back to its own sans-serif.
pub const FAMILY: &str = "DejaVu Sans, sans-serif";

static REGISTERED: OnceLock<bool> = OnceLock::new();

/// Registers the embedded fonts once per process.
pub fn ensure() -> Result<()> {
    let ok = *REGISTERED.get_or_init(|| {
        plotters::style::register_font(FAMILY, FontStyle::Normal, REGULAR).is_ok()
            && plotters::style::register_font(FAMILY, FontStyle::Bold, BOLD).is_ok()
    });
    if ok {
        Ok(())
    } else {
        Err(Error::Other(
            "the embedded figure font could not be read".into(),
        ))
    }
}
