#!/usr/bin/env bash
# Build every plugin from source into a loadable plugins directory.
#
#   plugins/build.sh [OUT] [SRC]
#
# OUT  where to put <id>/plugin.wasm + <id>/plugin.toml (default: target/plugins)
# SRC  folder holding one folder per plugin, each with a plugin.toml (default: plugins/)
#
# What a fresh machine needs: Rust (rustup), Python 3 with venv, Node with npm. The first run
# installs the rest itself, one line each: the wasm32-wasip2 target (rustup), componentize-py
# (PyPI) and jco (npm), the latter two under target/polyglot.
#
# A plugin folder is built by the language its sources say:
# - Rust (Cargo.toml): `cargo build --profile plugin --target wasm32-wasip2`; already a component.
#   A crate with its own `[workspace]` (scaffolded ones) builds standalone, `--release`.
# - Python (app.py): componentize-py 0.25.1 with sdk/python on the path, world from plugin.toml
#   `kind`. The tool is installed once into a venv under target/polyglot/venv.
# - JavaScript (app.js): jco 1.35.0 `componentize --bundle`, QuickJS engine by default; a file
#   `js-engine` holding `starlingmonkey` opts into StarlingMonkey (full Web APIs, larger, slower).
#   `import ... from 'weft-sdk'` resolves to sdk/js/weft.js, `'weft-connector'` to
#   sdk/js/connector.js (connectors: StarlingMonkey). jco is installed once with `npm ci` from
#   sdk/js/toolchain into target/polyglot/npm.
# Python and JS outputs are cached by a hash of their inputs (plugin folder, SDK, WIT, tool
# version), so a second run only copies. WEFT_POLYGLOT_DIR overrides the tool/cache directory.
#
# A plugin's test spec (weft-test.toml, docs/plugin-testing.md) is checked before the plugin is
# built, by `weft plugins test SRC --check-spec` when a weft binary is found (WEFT, then `weft` on
# PATH, then target/{debug,release}/weft), and copied next to the built component, so
# `weft plugins test OUT/ID` runs it.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root/target/plugins}
src=${2:-$root/plugins}
mkdir -p "$out"
out=$(cd "$out" && pwd)
src=$(cd "$src" && pwd)
tools=${WEFT_POLYGLOT_DIR:-$root/target/polyglot}
wit=$root/wit/weft-plugin@0.2.0
componentize_py_version=0.25.1

toml_field() { sed -n "s/^$1 *= *\"\(.*\)\"/\1/p" "$2" | head -1; }

# The weft binary that checks test specs before anything compiles (none found: not checked).
weft_bin=${WEFT:-}
if [ -z "$weft_bin" ]; then
  for candidate in "$(command -v weft 2>/dev/null)" "${CARGO_TARGET_DIR:-$root/target}/debug/weft" "${CARGO_TARGET_DIR:-$root/target}/release/weft"; do
    if [ -n "$candidate" ] && [ -x "$candidate" ]; then weft_bin=$candidate; break; fi
  done
fi
# An older weft without --check-spec checks nothing.
if [ -n "$weft_bin" ] && ! "$weft_bin" plugins test --help 2>/dev/null | grep -q -- --check-spec; then
  weft_bin=""
fi
check_spec() {
  [ -f "$1/weft-test.toml" ] && [ -n "$weft_bin" ] || return 0
  # From the plugin folder: an operator's ./weft.toml elsewhere plays no part.
  (cd "$1" && "$weft_bin" --log error plugins test "$1" --check-spec >/dev/null) || {
    echo "build.sh: $1/weft-test.toml is not a valid test spec (above); nothing was built for it" >&2
    return 1
  }
}

# Copy the manifest and the test spec next to a built plugin.wasm.
install_meta() {
  local dir=$1 id=$2
  cp "$dir/plugin.toml" "$out/$id/plugin.toml"
  if [ -f "$dir/weft-test.toml" ]; then
    cp "$dir/weft-test.toml" "$out/$id/weft-test.toml"
  else
    rm -f "$out/$id/weft-test.toml"
  fi
}

rust_crates=()
standalone=()
interpreted=()
for dir in "$src"/*/; do
  dir=${dir%/}
  [ -f "$dir/plugin.toml" ] || continue
  if [ -f "$dir/Cargo.toml" ] && grep -q '^\[workspace\]' "$dir/Cargo.toml"; then
    standalone+=("$dir")
  elif [ -f "$dir/Cargo.toml" ]; then
    rust_crates+=("$(basename "$dir")")
  elif [ -f "$dir/app.py" ] || [ -f "$dir/app.js" ]; then
    interpreted+=("$dir")
  else
    echo "build.sh: $dir has no Cargo.toml, app.py or app.js; skipping (no known build for it)" >&2
  fi
done

# A fresh machine has Rust but not its wasm32-wasip2 target: add it once (one line says so).
ensure_wasm_target() {
  rustup target list --installed 2>/dev/null | grep -x wasm32-wasip2 >/dev/null && return 0
  command -v rustup >/dev/null || {
    echo "build.sh: the Rust target wasm32-wasip2 is missing and rustup is not there to add it; install it for your toolchain" >&2
    exit 1
  }
  echo "build.sh: installing the Rust target wasm32-wasip2 (once, about 30 MB)" >&2
  rustup target add wasm32-wasip2 >/dev/null 2>&1 || {
    echo "build.sh: \`rustup target add wasm32-wasip2\` failed; run it to see why" >&2
    exit 1
  }
}
if [ ${#rust_crates[@]} -gt 0 ] || [ ${#standalone[@]} -gt 0 ]; then
  (cd "$root" && ensure_wasm_target)
fi

if [ ${#rust_crates[@]} -gt 0 ]; then
  args=()
  for c in "${rust_crates[@]}"; do
    check_spec "$src/$c" || exit 1
    name=$(toml_field name "$src/$c/Cargo.toml")
    args+=(-p "$name")
  done
  (cd "$root" && cargo build --quiet --profile plugin --target wasm32-wasip2 "${args[@]}")
  for c in "${rust_crates[@]}"; do
    name=$(toml_field name "$src/$c/Cargo.toml")
    id=$(toml_field id "$src/$c/plugin.toml")
    mkdir -p "$out/$id"
    cp "${CARGO_TARGET_DIR:-$root/target}/wasm32-wasip2/plugin/${name//-/_}.wasm" "$out/$id/plugin.wasm"
    install_meta "$src/$c" "$id"
    echo "built $id -> $out/$id"
  done
fi

# Standalone Rust crates (their own [workspace], e.g. scaffolded by `weft plugins new`).
# Cargo's progress shows: a first build compiles the SDK and its dependencies (about a minute).
for dir in "${standalone[@]}"; do
  name=$(toml_field name "$dir/Cargo.toml")
  id=$(toml_field id "$dir/plugin.toml")
  check_spec "$dir" || exit 1
  started=$SECONDS
  [ -d "$tools/cargo-target/wasm32-wasip2/release" ] ||
    echo "build.sh: building $id (Rust); the first build compiles the SDK and its dependencies, about a minute" >&2
  cargo build --release --target wasm32-wasip2 --manifest-path "$dir/Cargo.toml" --target-dir "$tools/cargo-target"
  mkdir -p "$out/$id"
  cp "$tools/cargo-target/wasm32-wasip2/release/${name//-/_}.wasm" "$out/$id/plugin.wasm"
  install_meta "$dir" "$id"
  echo "built $id (rust) in $((SECONDS - started)) s -> $out/$id"
done

[ ${#interpreted[@]} -gt 0 ] || exit 0

# --- toolchains for interpreted plugins (idempotent) ---------------------------------------
ensure_python() {
  local venv=$tools/venv
  if [ "$("$venv/bin/componentize-py" --version 2>/dev/null | awk '{print $2}')" != "$componentize_py_version" ]; then
    echo "build.sh: installing componentize-py $componentize_py_version into $venv" >&2
    python3 -m venv "$venv" || {
      echo "build.sh: python3 cannot create a venv (Debian: apt-get install python3-venv)" >&2
      exit 1
    }
    "$venv/bin/pip" install --quiet --disable-pip-version-check "componentize-py==$componentize_py_version"
  fi
}

ensure_js() {
  local npm_dir=$tools/npm lock=$root/sdk/js/toolchain/package-lock.json
  local want
  want=$(cat "$root/sdk/js/toolchain/package.json" "$lock" | sha256sum | cut -c1-16)
  if [ "$(cat "$npm_dir/.installed" 2>/dev/null)" != "$want" ]; then
    echo "build.sh: installing jco (npm ci) into $npm_dir" >&2
    mkdir -p "$npm_dir"
    cp "$root/sdk/js/toolchain/package.json" "$lock" "$npm_dir/"
    (cd "$npm_dir" && npm ci --no-audit --no-fund --loglevel=error)
    echo "$want" >"$npm_dir/.installed"
  fi
  # `import 'weft-sdk'` -> sdk/js; the WIT interfaces stay imports of the component.
  # Written to a temp file and renamed: parallel build.sh runs may read it meanwhile.
  cat >"$npm_dir/bundle.config.mjs.$$" <<EOF
export default {
  resolve: { alias: { 'weft-sdk': '$root/sdk/js/weft.js', 'weft-connector': '$root/sdk/js/connector.js' } },
  external: [/^weft:/, /^wasi:/],
};
EOF
  mv "$npm_dir/bundle.config.mjs.$$" "$npm_dir/bundle.config.mjs"
}

# Hash of everything a plugin's component depends on (its folder, the SDK code, the WIT, the tool).
inputs_hash() {
  local dir=$1 sdk=$2 tool=$3
  local d
  {
    echo "$tool"
    for d in "$dir" "$sdk" "$wit"; do
      if [ -f "$d" ]; then
        (cd "$(dirname "$d")" && sha256sum "$(basename "$d")")
      else
        (cd "$d" && find . -type f -not -path '*/__pycache__/*' -not -path '*/node_modules/*' -print0 | sort -z | xargs -0 sha256sum)
      fi
    done
  } | sha256sum | cut -c1-32
}

build_interpreted() {
  local dir=$1 id kind world lang engine hash cached
  id=$(toml_field id "$dir/plugin.toml")
  kind=$(toml_field kind "$dir/plugin.toml")
  case "$kind" in
    transform) world=transform-plugin ;;
    connector) world=connector-plugin ;;
    *) echo "build.sh: $dir/plugin.toml: unknown kind '$kind'" >&2; return 1 ;;
  esac
  if [ -f "$dir/app.py" ]; then
    lang=python
    hash=$(inputs_hash "$dir" "$root/sdk/python/weft_sdk" "componentize-py $componentize_py_version")
  else
    lang=js
    engine=quickjs
    [ -f "$dir/js-engine" ] && engine=$(tr -d '[:space:]' <"$dir/js-engine")
    case "$engine" in quickjs | starlingmonkey) ;; *) echo "build.sh: $dir/js-engine: '$engine' is not quickjs or starlingmonkey" >&2; return 1 ;; esac
    hash=$(inputs_hash "$dir" "$root/sdk/js/weft.js" "jco $(cat "$tools/npm/.installed" 2>/dev/null) $engine $(sha256sum "$root/sdk/js/connector.js" | cut -c1-16)")
  fi
  check_spec "$dir" || return 1
  cached=$tools/built/$id-$hash.wasm
  if [ ! -f "$cached" ]; then
    mkdir -p "$tools/built"
    local started=$SECONDS
    echo "build.sh: building $id ($lang${engine:+, $engine}); this takes 5-30 s" >&2
    if [ $lang = python ]; then
      "$tools/venv/bin/componentize-py" -d "$wit" -w "$world" componentize -p "$dir" -p "$root/sdk/python" app -o "$cached.tmp" >/dev/null
    elif [ "$engine" = quickjs ]; then
      # jco resolves the entry file against the working directory: run from the plugin folder.
      (cd "$dir" && "$tools/npm/node_modules/.bin/jco" componentize app.js --wit "$wit" --world-name "$world" \
        --backend quickjs --bundle --bundle-config "$tools/npm/bundle.config.mjs" -o "$cached.tmp" >/dev/null)
    else
      (cd "$dir" && "$tools/npm/node_modules/.bin/jco" componentize app.js --wit "$wit" --world-name "$world" \
        --backend starlingmonkey --bundle --bundle-config "$tools/npm/bundle.config.mjs" -o "$cached.tmp" >/dev/null)
    fi
    rm -f "$tools/built/$id"-*.wasm
    mv "$cached.tmp" "$cached"
    echo "built $id ($lang${engine:+, $engine}) in $((SECONDS - started)) s" >&2
  fi
  mkdir -p "$out/$id"
  cp "$cached" "$out/$id/plugin.wasm"
  install_meta "$dir" "$id"
  echo "built $id -> $out/$id"
}

need_py=false need_js=false
for dir in "${interpreted[@]}"; do
  if [ -f "$dir/app.py" ]; then need_py=true; else need_js=true; fi
done
$need_py && ensure_python
$need_js && ensure_js
# Build in parallel, one job per core: componentize-py is mostly single-threaded.
max_jobs=$(nproc 2>/dev/null || echo 2)
failed=0
for dir in "${interpreted[@]}"; do
  build_interpreted "$dir" &
  while [ "$(jobs -rp | wc -l)" -ge "$max_jobs" ]; do
    wait -n || failed=1
  done
done
while [ "$(jobs -rp | wc -l)" -gt 0 ]; do
  wait -n || failed=1
done
wait || failed=1
[ $failed = 0 ] || { echo "build.sh: some plugins failed to build (see above)" >&2; exit 1; }
