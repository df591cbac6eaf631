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

# ./build.sh test runs with TMPDIR pointed at a folder of its own, short enough for socket paths, so that what its
# tests leave behind can be told apart from other runs on the machine; the last suite checks it.
test_temp_begin() {
  TEST_TEMP_DIR="$(mktemp -d /tmp/svipc-run.XXXXXX)"
  # Like /tmp itself: tests that drop to another uid must still reach their sockets in here.
  chmod 1777 "$TEST_TEMP_DIR"
  # A run stopped by a failing suite never reaches test_temp_check: remove the folder on the way out all the same.
  trap 'rm -rf "$TEST_TEMP_DIR"' EXIT
  export TEST_TEMP_DIR TMPDIR="$TEST_TEMP_DIR"
  # Build servers started now would keep this TMPDIR after the folder is gone.
  export MSBUILDDISABLENODEREUSE=1
}

# Fails (as a counted suite) when any svipc-* folder or file is left in the run's temp folder or in /tmp by it;
# removes the folder either way. Build tools' own scratch files (MSBuild, NuGet) are not the tests' and not counted.
test_temp_check() {
  local left
  left="$(find "$TEST_TEMP_DIR" -mindepth 1 -name 'svipc-*' -prune -print 2>/dev/null)"
  rm -rf "$TEST_TEMP_DIR"
  if [ -n "$left" ]; then
    echo "temporary folders left by the tests (in $TEST_TEMP_DIR):" >&2
    printf '  %s\n' $left >&2
    printf '\ntemp-folders: 0 passed, 1 failed\n'
    return 1
  fi
  printf '\ntemp-folders: 1 passed, 0 failed\n'
}

# Adds up the per-suite counts in a test log: CTest's "N% tests passed, F tests failed out of T" (less the tests
# it lists as "(Skipped)", which it counts among the passed), the plain "name: P passed, F failed[, S skipped]"
# lines the other suites print, the tests listed under "...: NOT RUN, why:" (cross-target runs), and libFuzzer's
# executed units. The last line is the total; skipped and not-run tests are counted there, never as passed.
summarize_test_counts() {
  awk '
    /^total: / { next }
    /tests passed, [0-9]+ tests failed out of [0-9]+/ {
      for (i = 1; i <= NF; i++) if ($i == "of") total = $(i + 1)
      for (i = 1; i <= NF; i++) if ($i == "failed" && $(i - 1) == "tests") failed_now = $(i - 2)
      passed += total - failed_now; failed += failed_now; in_not_run = 0; next
    }
    /^The following tests did not run:/ { in_ctest_skips = 1; next }
    in_ctest_skips && /^[ \t]+[0-9]+ - .* \(Skipped\)$/ { skipped++; passed--; next }
    in_ctest_skips && /^[ \t]+[0-9]+ - .* \((Disabled|Not Run)\)$/ { not_run++; next }
    { in_ctest_skips = 0 }
    /^[A-Za-z0-9 ._#-]+: NOT RUN/ { in_not_run = 1; next }
    in_not_run && /^  [^ ]/ { not_run++; next }
    { in_not_run = 0 }
    /^stat::number_of_executed_units: [0-9]+/ { fuzz_units += $2; fuzz_runs++; next }
    /^[A-Za-z0-9 ._#-]+: [0-9]+ passed, [0-9]+ failed/ {
      for (i = 1; i <= NF; i++) {
        if ($i ~ /^passed,?$/) passed += $(i - 1)
        if ($i ~ /^failed,?$/) failed += $(i - 1)
        if ($i ~ /^skipped,?$/) skipped += $(i - 1)
      }
    }
    END {
      printf "skipped: %d, not run: %d (listed above); fuzz: %d harness runs, %d executions\n", skipped, not_run, fuzz_runs, fuzz_units
      printf "total: %d passed, %d failed, %d skipped\n", passed, failed, skipped + not_run
      exit failed > 0
    }
  ' "$1"
}
