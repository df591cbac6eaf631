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

# Adds up the per-suite counts in a test log: CTest's "N% tests passed, F tests failed out of T"
# and the plain "name: P passed, F failed" lines the other suites print.
summarize_test_counts() {
  awk '
    /tests passed, [0-9]+ tests failed out of [0-9]+/ {
      for (i = 1; i <= NF; i++) if ($i == "of") total = $(i + 1)
      for (i = 1; i <= NF; i++) if ($i == "failed" && $(i - 1) == "tests") failed_now = $(i - 2)
      passed += total - failed_now; failed += failed_now; next
    }
    /^[A-Za-z0-9 ._#-]+: [0-9]+ passed, [0-9]+ failed/ {
      for (i = 1; i <= NF; i++) {
        if ($i ~ /^passed,?$/) passed += $(i - 1)
        if ($i ~ /^failed,?$/) failed += $(i - 1)
      }
    }
    END { printf "total: %d passed, %d failed\n", passed, failed; exit failed > 0 }
  ' "$1"
}
