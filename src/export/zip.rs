//! A ZIP archive (PKWARE APPNOTE 6.3, deflated members, UTF-8 names): what a Shapefile's
//! several files travel in. Small enough to write here rather than pull in a crate.

use std::io::Write;

use flate2::Crc;
use flate2::write::DeflateEncoder;

/// `files` (name, content) as one archive.
pub fn archive(files: &[(String, Vec<u8>)]) -> std::io::Result<Vec<u8>> {
    // 1 January 2026, 00:00, in MS-DOS form: the archive's bytes depend on its content only.
    const TIME: u16 = 0;
    const DATE: u16 = ((2026 - 1980) << 9) | (1 << 5) | 1;
    const UTF8_NAMES: u16 = 1 << 11;
    const DEFLATE: u16 = 8;
    const VERSION: u16 = 20;
    let mut out = Vec::new();
    let mut central = Vec::new();
    for (name, content) in files {
        let mut crc = Crc::new();
        crc.update(content);
        let mut encoder = DeflateEncoder::new(Vec::new(), flate2::Compression::default());
        encoder.write_all(content)?;
        let packed = encoder.finish()?;
        let offset = u32::try_from(out.len()).map_err(too_large)?;
        let sizes = [
            crc.sum(),
            u32::try_from(packed.len()).map_err(too_large)?,
            u32::try_from(content.len()).map_err(too_large)?,
        ];
        let name_len = u16::try_from(name.len()).map_err(too_large)?;
        let common = |buf: &mut Vec<u8>| {
            for v in [VERSION, UTF8_NAMES, DEFLATE, TIME, DATE] {
                buf.extend(v.to_le_bytes());
            }
            for v in sizes {
                buf.extend(v.to_le_bytes());
            }
            buf.extend(name_len.to_le_bytes());
            buf.extend(0u16.to_le_bytes()); // extra field length
        };
        out.extend(0x0403_4b50u32.to_le_bytes());
        common(&mut out);
        out.extend(name.as_bytes());
        out.extend(&packed);

        central.extend(0x0201_4b50u32.to_le_bytes());
        central.extend(VERSION.to_le_bytes()); // made by
        common(&mut central);
        for v in [0u16, 0, 0] {
            central.extend(v.to_le_bytes()); // comment length, disk, internal attributes
        }
        central.extend(0u32.to_le_bytes()); // external attributes
        central.extend(offset.to_le_bytes());
        central.extend(name.as_bytes());
    }
    let count = u16::try_from(files.len()).map_err(too_large)?;
    let central_offset = u32::try_from(out.len()).map_err(too_large)?;
    let central_size = u32::try_from(central.len()).map_err(too_large)?;
    out.extend(central);
    out.extend(0x0605_4b50u32.to_le_bytes());
    for v in [0u16, 0, count, count] {
        out.extend(v.to_le_bytes());
    }
    out.extend(central_size.to_le_bytes());
    out.extend(central_offset.to_le_bytes());
    out.extend(0u16.to_le_bytes()); // comment length
    Ok(out)
}

fn too_large<E>(_: E) -> std::io::Error {
    std::io::Error::other("an export over 4 GiB needs ZIP64, which lantu does not write")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_inflate_back_to_their_content_and_the_directory_finds_them() {
        let files = vec![
            ("a.txt".to_string(), "长寿路街道 ".repeat(50).into_bytes()),
            ("b.cpg".to_string(), b"UTF-8".to_vec()),
        ];
        let zip = archive(&files).unwrap();
        // The end record points at a central directory of two entries.
        let end = zip.len() - 22;
        assert_eq!(&zip[end..end + 4], &0x0605_4b50u32.to_le_bytes());
        assert_eq!(u16::from_le_bytes([zip[end + 10], zip[end + 11]]), 2);
        // The first member: its name, then deflated bytes that inflate to the content.
        let name_len = u16::from_le_bytes([zip[26], zip[27]]) as usize;
        assert_eq!(&zip[30..30 + name_len], b"a.txt");
        let packed = u32::from_le_bytes([zip[18], zip[19], zip[20], zip[21]]) as usize;
        let body = &zip[30 + name_len..30 + name_len + packed];
        let mut inflated = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::DeflateDecoder::new(body), &mut inflated)
            .unwrap();
        assert_eq!(inflated, files[0].1);
        assert!(packed < files[0].1.len(), "repeated text is compressed");
    }
}
