# Shared helpers for build.sh: prerequisite checks and logging.

log() { printf '\n==> %s\n' "$*"; }

die() { printf 'build.sh: %s\n' "$*" >&2; exit 1; }

# require_command NAME "how to install"
require_command() {
  command -v "$1" >/dev/null 2>&1 || die "'$1' is required but not found. Install it with: $2"
}

require_dotnet() {
  require_command dotnet "the .NET 10 SDK (https://dot.net; on Debian: apt-get install -y dotnet-sdk-10.0 from Microsoft's package feed)"
  local major
  major="$(dotnet --version 2>/dev/null | cut -d. -f1)"
  [ -n "$major" ] && [ "$major" -ge 10 ] || die "the .NET SDK 10 or newer is required (found '$(dotnet --version 2>/dev/null)')."
}

require_native_toolchain() {
  require_command cmake "apt-get install -y cmake"
  require_command cc "apt-get install -y build-essential"
  require_command ctest "apt-get install -y cmake"
}

NPROC="$(nproc 2>/dev/null || echo 2)"
export NPROC

# Test suites that later areas add register themselves here: EXTRA_TESTS+=(function_name)
EXTRA_TESTS=()
run_extra_tests() {
  local t
  for t in "${EXTRA_TESTS[@]}"; do "$t"; done
}
