# shellcheck shell=bash
# Shared helpers for scripts/run and scripts/test. Sourced, never executed.

# Physical path (symlinks resolved): the PostgreSQL helpers hash it to name
# clusters, so the same checkout must always produce the same string.
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)"
export REPO_ROOT

# Everything needed to build, test, benchmark and run the service on Debian 12.
ECOMMERCE_PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libpq-dev postgresql-15 postgresql-client-15
  libspdlog-dev libfmt-dev libgtest-dev libgmock-dev libbenchmark-dev
  python3-pytest redis-server libhiredis-dev wrk curl
)

log() { printf '==> %s\n' "$*"; }
warn() { printf 'warning: %s\n' "$*" >&2; }
die() {
  printf 'error: %s\n' "$*" >&2
  exit 1
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
