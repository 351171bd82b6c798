#!/usr/bin/env bash
# Build every plugin from source into a loadable plugins directory.
#
#   plugins/build.sh [OUT] [SRC]
#
# OUT  where to put <id>/plugin.wasm + <id>/plugin.toml (default: target/plugins)
# SRC  folder holding one folder per plugin, each with a plugin.toml (default: plugins/)
#
# Rust plugins (a Cargo.toml beside plugin.toml) are built with `cargo build --profile plugin
# --target wasm32-wasip2`; the output is already a component.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root/target/plugins}
src=${2:-$root/plugins}
mkdir -p "$out"

rust_crates=()
for dir in "$src"/*/; do
  dir=${dir%/}
  [ -f "$dir/plugin.toml" ] || continue
  if [ -f "$dir/Cargo.toml" ]; then
    rust_crates+=("$(basename "$dir")")
  else
    echo "build.sh: $dir has no Cargo.toml; skipping (no known build for it)" >&2
  fi
done

if [ ${#rust_crates[@]} -gt 0 ]; then
  args=()
  for c in "${rust_crates[@]}"; do
    name=$(sed -n 's/^name *= *"\(.*\)"/\1/p' "$src/$c/Cargo.toml" | head -1)
    args+=(-p "$name")
  done
  (cd "$root" && cargo build --quiet --profile plugin --target wasm32-wasip2 "${args[@]}")
  for c in "${rust_crates[@]}"; do
    name=$(sed -n 's/^name *= *"\(.*\)"/\1/p' "$src/$c/Cargo.toml" | head -1)
    id=$(sed -n 's/^id *= *"\(.*\)"/\1/p' "$src/$c/plugin.toml" | head -1)
    mkdir -p "$out/$id"
    cp "$root/target/wasm32-wasip2/plugin/${name//-/_}.wasm" "$out/$id/plugin.wasm"
    cp "$src/$c/plugin.toml" "$out/$id/plugin.toml"
    echo "built $id -> $out/$id"
  done
fi
