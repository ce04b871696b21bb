//! A minimal PNG check: the 8-byte signature and a well-formed IHDR chunk (length, type, CRC, sizes).

/// The PNG signature.
pub const SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', b'\r', b'\n', 0x1a, b'\n'];

/// Width and height read from IHDR.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PngInfo {
    /// Pixels.
    pub width: u32,
    /// Pixels.
    pub height: u32,
}

/// Why bytes are not a PNG (in English, for the error message).
pub fn check(bytes: &[u8]) -> Result<PngInfo, &'static str> {
    if bytes.len() < 8 + 25 {
        return Err("too short to be a PNG");
    }
    if bytes[..8] != SIGNATURE {
        return Err("missing PNG signature");
    }
    let chunk = &bytes[8..8 + 25];
    let length = u32::from_be_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
    if length != 13 || &chunk[4..8] != b"IHDR" {
        return Err("the first chunk is not a 13-byte IHDR");
    }
    let data = &chunk[8..21];
    let crc = u32::from_be_bytes([chunk[21], chunk[22], chunk[23], chunk[24]]);
    if crc32(&chunk[4..21]) != crc {
        return Err("IHDR checksum mismatch");
    }
    let width = u32::from_be_bytes([data[0], data[1], data[2], data[3]]);
    let height = u32::from_be_bytes([data[4], data[5], data[6], data[7]]);
    if width == 0 || height == 0 || width > 1 << 20 || height > 1 << 20 {
        return Err("IHDR has an invalid width or height");
    }
    let (bit_depth, color_type) = (data[8], data[9]);
    let valid = match color_type {
        0 => matches!(bit_depth, 1 | 2 | 4 | 8 | 16),
        3 => matches!(bit_depth, 1 | 2 | 4 | 8),
        2 | 4 | 6 => matches!(bit_depth, 8 | 16),
        _ => false,
    };
    if !valid || data[10] != 0 || data[11] != 0 || data[12] > 1 {
        return Err("IHDR has an invalid colour type, depth or method");
    }
    Ok(PngInfo { width, height })
}

/// CRC-32 (ISO 3309, as PNG uses it).
pub fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xffff_ffff_u32;
    for &byte in bytes {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            let mask = (crc & 1).wrapping_neg();
            crc = (crc >> 1) ^ (0xedb8_8320 & mask);
        }
    }
    !crc
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 1x1 RGBA PNG made by a real encoder.
    const ONE_PIXEL: &[u8] = &[
        0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44,
        0x52, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f,
        0x15, 0xc4, 0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0xf8,
        0xcf, 0xc0, 0xf0, 0x1f, 0x00, 0x05, 0x00, 0x01, 0xff, 0x89, 0x99, 0x3d, 0x1d, 0x00, 0x00,
        0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
    ];

    #[test]
    fn accepts_a_real_png() {
        assert_eq!(
            check(ONE_PIXEL),
            Ok(PngInfo {
                width: 1,
                height: 1
            })
        );
    }

    #[test]
    fn rejects_others() {
        assert!(check(b"GIF89a....").is_err());
        assert!(check(&[]).is_err());
        let mut bad_crc = ONE_PIXEL.to_vec();
        bad_crc[29] ^= 1;
        assert_eq!(check(&bad_crc), Err("IHDR checksum mismatch"));
        let mut jpeg = vec![0xff, 0xd8, 0xff, 0xe0];
        jpeg.resize(64, 0);
        assert_eq!(check(&jpeg), Err("missing PNG signature"));
    }

    #[test]
    fn crc_of_iend() {
        assert_eq!(crc32(b"IEND"), 0xae42_6082);
    }
}
