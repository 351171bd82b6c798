//! Plugin packages: one file an operator drops into the plugins directory, loaded as it is.
//!
//! `<id>-<version>.weft.tar` is a plain (ustar, uncompressed) tar holding `plugin.toml`,
//! `plugin.wasm` and `plugin.sha256` (`<hex>  plugin.wasm`, the digest `[plugins.pins]` takes).
//! Plain tar so that `tar tf` shows it and the host reads it with no decompressor; the loader
//! refuses a package whose `plugin.wasm` does not match its `plugin.sha256`.

use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// The suffix of a package file.
pub const SUFFIX: &str = ".weft.tar";
/// The file holding the component's digest inside a package.
pub const SHA_FILE: &str = "plugin.sha256";

const BLOCK: usize = 512;

/// What a package holds.
pub struct Package {
    /// `plugin.toml` text.
    pub manifest: String,
    /// `plugin.wasm` bytes.
    pub wasm: Vec<u8>,
    /// sha256 of `plugin.wasm`, hex (checked against `plugin.sha256`).
    pub sha256: String,
}

/// Whether `path` names a package file.
pub fn is_package(path: &Path) -> bool {
    path.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.ends_with(SUFFIX)) && path.is_file()
}

/// sha256 of `bytes`, hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Write the package of the built plugin in `dir` (plugin.toml + plugin.wasm) into `out_dir`;
/// returns the file and the component's sha256.
pub fn pack(dir: &Path, id: &str, version: &str, out_dir: &Path) -> Result<(PathBuf, String), String> {
    let read =
        |name: &str| std::fs::read(dir.join(name)).map_err(|e| format!("cannot read {}/{name}: {e}", dir.display()));
    let manifest = read(super::loader::MANIFEST_FILE)?;
    let wasm = read(super::loader::WASM_FILE)?;
    let sha256 = sha256_hex(&wasm);
    let mut tar = Vec::with_capacity(wasm.len() + 4 * BLOCK + manifest.len());
    for (name, data) in [
        (super::loader::MANIFEST_FILE, &manifest[..]),
        (SHA_FILE, format!("{sha256}  {}\n", super::loader::WASM_FILE).as_bytes()),
        (super::loader::WASM_FILE, &wasm[..]),
    ] {
        append(&mut tar, name, data);
    }
    tar.extend_from_slice(&[0; 2 * BLOCK]);
    std::fs::create_dir_all(out_dir).map_err(|e| format!("cannot create {}: {e}", out_dir.display()))?;
    let file = out_dir.join(format!("{id}-{version}{SUFFIX}"));
    let tmp = file.with_extension("tmp");
    std::fs::write(&tmp, &tar)
        .and_then(|()| std::fs::rename(&tmp, &file))
        .map_err(|e| format!("cannot write {}: {e}", file.display()))?;
    Ok((file, sha256))
}

fn append(tar: &mut Vec<u8>, name: &str, data: &[u8]) {
    let mut header = [0u8; BLOCK];
    header[..name.len()].copy_from_slice(name.as_bytes());
    let octal = |field: &mut [u8], value: u64| {
        let text = format!("{value:0width$o}\0", width = field.len() - 1);
        field.copy_from_slice(text.as_bytes());
    };
    octal(&mut header[100..108], 0o644);
    octal(&mut header[108..116], 0);
    octal(&mut header[116..124], 0);
    octal(&mut header[124..136], data.len() as u64);
    octal(&mut header[136..148], 0);
    header[148..156].copy_from_slice(b"        ");
    header[156] = b'0';
    header[257..263].copy_from_slice(b"ustar\0");
    header[263..265].copy_from_slice(b"00");
    let sum: u32 = header.iter().map(|b| u32::from(*b)).sum();
    header[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
    tar.extend_from_slice(&header);
    tar.extend_from_slice(data);
    tar.resize(tar.len().div_ceil(BLOCK) * BLOCK, 0);
}

/// Read a package: its manifest, its component, and the component's digest, checked against
/// `plugin.sha256`. `max_wasm` caps the component's size.
pub fn read(path: &Path, max_wasm: u64) -> Result<Package, String> {
    let meta = std::fs::metadata(path).map_err(|e| format!("cannot read the package: {e}"))?;
    if meta.len() > max_wasm + (1 << 20) {
        return Err(format!("the package is larger than {} MiB", max_wasm >> 20));
    }
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read the package: {e}"))?;
    let (mut manifest, mut wasm, mut declared) = (None, None, None);
    let mut at = 0;
    while at + BLOCK <= bytes.len() {
        let header = &bytes[at..at + BLOCK];
        if header.iter().all(|b| *b == 0) {
            break;
        }
        let name = field_text(&header[..100]);
        let size = u64::from_str_radix(field_text(&header[124..136]).trim(), 8)
            .map_err(|_| format!("not a weft package (bad tar header for `{name}`)"))? as usize;
        let start = at + BLOCK;
        let data = bytes.get(start..start + size).ok_or_else(|| format!("the package is cut short in `{name}`"))?;
        let regular = matches!(header[156], b'0' | 0);
        match name.trim_start_matches("./") {
            n if !regular => tracing::debug!("package entry `{n}` is not a file; ignored"),
            "plugin.toml" => {
                manifest =
                    Some(String::from_utf8(data.to_vec()).map_err(|_| "plugin.toml is not UTF-8 text".to_owned())?)
            }
            "plugin.wasm" => wasm = Some(data.to_vec()),
            "plugin.sha256" => {
                declared = String::from_utf8_lossy(data).split_whitespace().next().map(str::to_ascii_lowercase)
            }
            _ => {}
        }
        at = start + size.div_ceil(BLOCK) * BLOCK;
    }
    let manifest = manifest.ok_or("the package has no plugin.toml")?;
    let wasm = wasm.ok_or("the package has no plugin.wasm")?;
    let declared = declared.ok_or("the package has no plugin.sha256")?;
    let sha256 = sha256_hex(&wasm);
    if declared != sha256 {
        return Err(format!(
            "plugin.wasm is {sha256}, but the package's plugin.sha256 says {declared}: the package is damaged"
        ));
    }
    Ok(Package { manifest, wasm, sha256 })
}

fn field_text(field: &[u8]) -> String {
    let end = field.iter().position(|b| *b == 0).unwrap_or(field.len());
    String::from_utf8_lossy(&field[..end]).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_package_round_trips_and_a_damaged_one_is_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("x");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("plugin.toml"), "id = \"x\"\n").unwrap();
        let wasm: Vec<u8> = (0..1500u32).map(|i| (i % 251) as u8).collect();
        std::fs::write(dir.join("plugin.wasm"), &wasm).unwrap();
        let (file, sha) = pack(&dir, "x", "1.0.0", tmp.path()).unwrap();
        assert!(file.ends_with("x-1.0.0.weft.tar"));
        let read_back = read(&file, 1 << 20).unwrap();
        assert_eq!((read_back.manifest.as_str(), read_back.wasm, read_back.sha256), ("id = \"x\"\n", wasm, sha));
        let mut bytes = std::fs::read(&file).unwrap();
        let last = bytes.len() - 2 * BLOCK - 100;
        bytes[last] ^= 1;
        std::fs::write(&file, bytes).unwrap();
        assert!(read(&file, 1 << 20).err().unwrap().contains("damaged"));
    }
}
