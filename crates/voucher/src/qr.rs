//! The QR code as vector rectangles.

use krilla::geom::{Path, PathBuilder, Rect};
use qrcode::{Color, EcLevel, QrCode};

use crate::VoucherError;

/// Modules of quiet zone on each side (the QR standard asks for four).
pub(crate) const QUIET_ZONE: usize = 4;

/// The dark modules of `data`'s QR code, as one path of rectangles (runs of dark modules in a
/// row merged), in a square of side `side` points with its top-left corner at `(x, y)`,
/// quiet zone included. Error correction level M.
pub(crate) fn qr_path(data: &str, x: f32, y: f32, side: f32) -> Result<Path, VoucherError> {
    let code = QrCode::with_error_correction_level(data.as_bytes(), EcLevel::M).map_err(|e| VoucherError::Qr(e.to_string()))?;
    let width = code.width();
    let colors = code.to_colors();
    let modules = (width + 2 * QUIET_ZONE) as f32;
    let unit = side / modules;
    let mut pb = PathBuilder::new();
    for (row, line) in colors.chunks(width).enumerate() {
        let mut col = 0;
        while col < width {
            if line[col] != Color::Dark {
                col += 1;
                continue;
            }
            let start = col;
            while col < width && line[col] == Color::Dark {
                col += 1;
            }
            let rect = Rect::from_xywh(
                x + (start + QUIET_ZONE) as f32 * unit,
                y + (row + QUIET_ZONE) as f32 * unit,
                (col - start) as f32 * unit,
                unit,
            )
            .ok_or(VoucherError::Qr("degenerate module size".into()))?;
            pb.push_rect(rect);
        }
    }
    pb.finish().ok_or(VoucherError::Qr("empty QR code".into()))
}
