# shellcheck shell=bash
# Shared helpers for scripts/run and scripts/test. Sourced, never executed.

# Physical path (symlinks resolved): the PostgreSQL helpers hash it to name
# clusters, so the same checkout must always produce the same string.
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)"
export REPO_ROOT

# ccache keys on the compiler's command line; under a base directory it sees paths relative
# to the build folder, so another checkout inside this one (the first-run test's fresh
# clone) reuses these objects instead of compiling everything again.
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$REPO_ROOT}"

# Everything needed to build, test, benchmark and run the service on Debian 12.
ECOMMERCE_PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libpq-dev libssl-dev openssl postgresql-15 postgresql-client-15
  libspdlog-dev libfmt-dev libgtest-dev libgmock-dev libbenchmark-dev
  python3-pytest python3-yaml python3-jsonschema wrk curl git
  libnats-dev nats-server haproxy
  clang-14 libfuzzer-14-dev libclang-rt-14-dev
)

log() { printf '==> %s\n' "$*"; }
warn() { printf 'warning: %s\n' "$*" >&2; }
die() {
  printf 'error: %s\n' "$*" >&2
  exit 1
}

# report_errors: for scripts under `set -eEuo pipefail`. A command that fails
# outside a condition would end the script with no word of why (an assignment
# from a failing `$(...)` does, silently); this turns every such exit into one
# `error:` line naming the command, its status and where it ran.
report_errors() {
  trap '_report_error $? "$BASH_COMMAND" "${BASH_SOURCE[0]##*/}:$LINENO"' ERR
}

_report_error() {
  # With errtrace the trap also fires in subshells ($(...)), where bash has
  # cleared -e: carry on as without the trap. The outer shell reports the
  # failure once, if the assignment or command using the output fails.
  ((BASH_SUBSHELL == 0)) || return 0
  printf "error: '%s' failed with status %s (%s)\n" "$2" "$1" "$3" >&2
  exit "$1"
}

# port_in_use <port>: true when something accepts TCP connections on it locally.
# Port 0 (the server picks a free one) is never in use.
port_in_use() {
  (($1 != 0)) || return 1
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# Prints the packages of ECOMMERCE_PACKAGES that are not fully installed.
# One dpkg-query for the whole list keeps this in the milliseconds, so every
# script can afford to call it on every start.
missing_packages() {
  local installed
  # dpkg-query exits non-zero when a name is unknown to dpkg; that only means
  # "missing", which the comparison below reports.
  installed="$(dpkg-query -W -f='${Package} ${db:Status-Abbrev}\n' "${ECOMMERCE_PACKAGES[@]}" 2>/dev/null |
    awk '$2 == "ii" { print $1 }')" || true
  local pkg
  for pkg in "${ECOMMERCE_PACKAGES[@]}"; do
    grep -qxF -- "$pkg" <<<"$installed" || printf '%s\n' "$pkg"
  done
}

ensure_packages() {
  local -a missing
  mapfile -t missing < <(missing_packages)
  ((${#missing[@]} == 0)) && return 0
  if ((EUID != 0)); then
    die "missing Debian packages: ${missing[*]}
  install them as root:  apt-get install ${missing[*]}"
  fi
  log "installing missing packages: ${missing[*]}"
  # Only refresh the index when there is something to install: it is the slow,
  # network-bound part, and a warm machine must start instantly.
  DEBIAN_FRONTEND=noninteractive apt-get update -qq ||
    die "apt-get update failed"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o Dpkg::Use-Pty=0 --no-install-recommends "${missing[@]}" ||
    die "apt-get install failed for: ${missing[*]}"
}

# The first "version" of a JSON file's entry for swagger-ui-dist: in package-lock.json
# the one after its "node_modules/swagger-ui-dist" key, in its own package.json the first.
# Plain awk, because node may not be installed yet when this runs.
swagger_ui_version() {
  awk -v key="$2" '
    key == "" || index($0, "\"" key "\"") { armed = 1 }
    armed && /"version"[[:space:]]*:/ {
      sub(/.*"version"[[:space:]]*:[[:space:]]*"/, ""); sub(/".*/, ""); print; exit
    }' "$1" 2>/dev/null
  # A missing file (node_modules not installed yet) just means "no version".
  return 0
}

# web_packages_current [dev]: true when web/node_modules holds every package that
# web/package-lock.json pins, at its pinned version (development ones, such as the OpenAPI
# linter, only with "dev"), as npm's record of what it installed there says.
web_packages_current() {
  local web="$REPO_ROOT/web"
  [[ -f $web/node_modules/.package-lock.json ]] && command -v node >/dev/null 2>&1 || return 1
  node -e '
    const fs = require("fs");
    const [wantFile, haveFile, dev] = process.argv.slice(1);
    const want = JSON.parse(fs.readFileSync(wantFile)).packages;
    const have = JSON.parse(fs.readFileSync(haveFile)).packages;
    for (const [path, entry] of Object.entries(want)) {
      if (path === "" || entry.optional || (entry.dev && dev !== "dev")) continue;
      if (!have[path] || have[path].version !== entry.version) process.exit(1);
    }' "$web/package-lock.json" "$web/node_modules/.package-lock.json" "${1:-}" 2>/dev/null
}

# ensure_docs_assets [dev]: the npm packages web/package-lock.json pins, installed into
# web/node_modules (git-ignored): Swagger UI for /docs and uPlot for /console (the server
# reads the files from there at start) and, with "dev" (./scripts/test), the development
# tools (@redocly/cli, the OpenAPI linter; puppeteer-core and axe-core for the browser
# tests, which drive Debian's chromium: no browser is downloaded). Skipped when they are
# already installed, so a warm start stays instant. Never fatal: without the files the
# service still runs and /docs and /console answer 503 saying how to install them (and the
# lint and browser steps of ./scripts/test fail).
ensure_docs_assets() {
  local web="$REPO_ROOT/web" wanted dev="${1:-}"
  wanted="$(swagger_ui_version "$web/package-lock.json" node_modules/swagger-ui-dist)"
  web_packages_current "$dev" && return 0
  if ! command -v npm >/dev/null 2>&1; then
    if ((EUID != 0)); then
      warn "npm is missing, so /docs and /console will answer 503; install it as root: apt-get install nodejs npm"
      return 0
    fi
    log "installing nodejs and npm (for the /docs and /console pages)"
    if ! DEBIAN_FRONTEND=noninteractive apt-get update -qq ||
      ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o Dpkg::Use-Pty=0 \
        --no-install-recommends nodejs npm; then
      warn "could not install nodejs and npm; /docs will answer 503"
      return 0
    fi
  fi
  local -a omit=(--omit=dev)
  [[ $dev == dev ]] && omit=()
  log "installing Swagger UI ${wanted:-?} and uPlot for /docs and /console${dev:+, and the test tools} (npm ci --prefix web)"
  # --ignore-scripts: swagger-ui-dist's only dependency has an install script that
  # reports usage analytics; the files served need no script, nor does the linter.
  npm ci --prefix "$web" "${omit[@]}" --no-audit --no-fund --ignore-scripts --loglevel=error ||
    warn "npm ci --prefix web failed; /docs and /console will answer 503 until it succeeds"
  return 0
}

# cmake_build <build-dir> <configure args...> [-- <build args...>]
# Configures only when the directory has no build.ninja: re-running CMake on
# every invocation costs seconds, and Ninja re-runs it by itself when a
# CMakeLists.txt changes.
cmake_build() {
  local dir="$1"
  shift
  local -a configure_args=()
  while (($# > 0)) && [[ $1 != -- ]]; do
    configure_args+=("$1")
    shift
  done
  (($# > 0)) && shift # the --
  if [[ ! -f $dir/build.ninja ]]; then
    # A cache without build.ninja is a half-finished or foreign-generator
    # configure; CMake refuses to switch generators on it, so start clean.
    rm -rf "$dir/CMakeCache.txt" "$dir/CMakeFiles"
    cmake -S "$REPO_ROOT" -B "$dir" -G Ninja "${configure_args[@]}" || return
  fi
  cmake --build "$dir" -j "$(nproc)" "$@"
}

# build_release [cmake --build args, e.g. --target ecommerce-server]
build_release() {
  cmake_build "$REPO_ROOT/build/release" -DCMAKE_BUILD_TYPE=Release -- "$@"
}

# build_asan [cmake --build args]: Debug + AddressSanitizer/UBSan.
build_asan() {
  cmake_build "$REPO_ROOT/build/asan" -DCMAKE_BUILD_TYPE=Debug -DECOMMERCE_SANITIZE=ON -- "$@"
}

# build_fuzz [cmake --build args]: the libFuzzer targets of fuzz/ (clang-14, ASan+UBSan),
# in their own directory: clang and gcc objects must not share a build tree.
build_fuzz() {
  CC=clang-14 CXX=clang++-14 cmake_build "$REPO_ROOT/build/fuzz" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DECOMMERCE_FUZZ=ON -DECOMMERCE_TESTS=OFF -- "$@"
}

# run_fuzz_target <name> <seconds> [libFuzzer args...]: runs build/fuzz/<name> on its seed
# corpus (fuzz/corpus/<name>, never written to) plus a working corpus that keeps what it
# finds between runs (build/fuzz/corpus/<name>). A crash, leak, sanitizer report or hang
# (over 10 s per input) fails it; the input is saved as build/logs/fuzz-<name>-crash-*.
run_fuzz_target() {
  local name="$1" seconds="$2"
  shift 2
  local work="$REPO_ROOT/build/fuzz/corpus/$name"
  mkdir -p "$work" "$REPO_ROOT/build/logs"
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    nice "$REPO_ROOT/build/fuzz/$name" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$REPO_ROOT/build/logs/fuzz-$name-" "$@" \
    "$work" "$REPO_ROOT/fuzz/corpus/$name"
}
