# Hardening area: libFuzzer campaigns over the receive path (./build.sh fuzz [seconds]),
# a fuzz smoke run inside ./build.sh test, and the C tests under valgrind (./build.sh valgrind).
# The hostile-peer suite itself (tests/hostile) is part of every CTest build.

HARDENING_FUZZ_DIR="$ARTIFACTS/native/fuzz"
HARDENING_VALGRIND_DIR="$ARTIFACTS/native/valgrind"
HARDENING_FUZZ_WORK="$ARTIFACTS/fuzz"
HARDENING_FUZZ_HARNESSES=(recv_stream recv_resume recv_nonblocking frame_decode message_decode)
HARDENING_FUZZ_PACKAGES="clang-14 libclang-rt-14-dev"

# Prints the clang that can link -fsanitize=fuzzer,address,undefined, or fails with the install command.
hardening_fuzz_compiler() {
  local candidate probe_dir="$HARDENING_FUZZ_WORK/toolchain-probe"
  mkdir -p "$probe_dir"
  printf '#include <stddef.h>\n#include <stdint.h>\nint LLVMFuzzerTestOneInput(const uint8_t* d, size_t n);\nint LLVMFuzzerTestOneInput(const uint8_t* d, size_t n) { (void)d; (void)n; return 0; }\n' \
    >"$probe_dir/probe.c"
  for candidate in clang-14 clang; do
    command -v "$candidate" >/dev/null 2>&1 || continue
    if "$candidate" -fsanitize=fuzzer,address,undefined "$probe_dir/probe.c" -o "$probe_dir/probe" 2>/dev/null; then
      echo "$candidate"
      return 0
    fi
  done
  die "fuzzing needs clang with libFuzzer and the sanitizer runtimes. Install them with: apt-get install -y $HARDENING_FUZZ_PACKAGES"
}

hardening_fuzz_build() {
  require_native_toolchain
  local compiler
  compiler="$(hardening_fuzz_compiler)" || exit 1
  log "fuzz: building libFuzzer harnesses with $compiler ($HARDENING_FUZZ_DIR)"
  local generator=()
  command -v ninja >/dev/null 2>&1 && generator=(-G Ninja)
  if [ -f "$HARDENING_FUZZ_DIR/CMakeCache.txt" ] && ! grep -q "^CMAKE_C_COMPILER:.*$compiler" "$HARDENING_FUZZ_DIR/CMakeCache.txt"; then
    rm -rf "$HARDENING_FUZZ_DIR"
  fi
  # fuzzer-no-link instruments the library for coverage; ASan+UBSan come from SVIPC_SANITIZE.
  cmake -S "$REPO_ROOT" -B "$HARDENING_FUZZ_DIR" "${generator[@]}" -DCMAKE_C_COMPILER="$compiler" \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSVIPC_SANITIZE=ON -DSVIPC_FUZZ=ON \
    -DCMAKE_C_FLAGS="-fsanitize=fuzzer-no-link" >/dev/null
  local targets=() harness
  for harness in "${HARDENING_FUZZ_HARNESSES[@]}"; do targets+=(--target "fuzz_$harness"); done
  cmake --build "$HARDENING_FUZZ_DIR" -j 2 "${targets[@]}"
}

# hardening_fuzz_run HARNESS SECONDS: one worker; the committed seeds plus past findings seed a
# working corpus under artifacts/fuzz; any crash, leak or broken invariant fails the run.
hardening_fuzz_run() {
  local harness="$1" seconds="$2"
  local corpus="$HARDENING_FUZZ_WORK/corpus/$harness" findings="$HARDENING_FUZZ_WORK/findings"
  local seeds="$REPO_ROOT/tests/fuzz/corpus/$harness" regressions="$REPO_ROOT/tests/fuzz/regressions/$harness"
  # The non-blocking variant reads recv_resume's script format and starts from its seeds.
  [ "$harness" = recv_nonblocking ] && seeds="$REPO_ROOT/tests/fuzz/corpus/recv_resume"
  local max_len=512
  [ "$harness" = frame_decode ] && max_len=1024
  [ "$harness" = message_decode ] && max_len=4096
  mkdir -p "$corpus" "$findings"
  local inputs=("$corpus" "$seeds")
  [ -d "$regressions" ] && inputs+=("$regressions")
  log "fuzz: $harness for ${seconds}s (findings go to $findings)"
  local status=0
  ASAN_OPTIONS="detect_leaks=1:abort_on_error=1" UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1" \
    "$HARDENING_FUZZ_DIR/bin/fuzz_$harness" -max_len="$max_len" -max_total_time="$seconds" -timeout=25 \
    -print_final_stats=1 -artifact_prefix="$findings/$harness-" "${inputs[@]}" \
    >"$HARDENING_FUZZ_WORK/$harness.log" 2>&1 || status=$?
  grep -E '^stat::(number_of_executed_units|average_exec_per_sec|new_units_added)|^#[0-9]+.*DONE' \
    "$HARDENING_FUZZ_WORK/$harness.log" || true
  if [ "$status" -ne 0 ]; then
    tail -n 40 "$HARDENING_FUZZ_WORK/$harness.log" >&2
    die "fuzz: $harness found a problem (exit $status); the input is in $findings. Add it to tests/fuzz/regressions/$harness/ once fixed."
  fi
}

# ./build.sh fuzz [seconds per harness, default 300]
command_fuzz() {
  local seconds="${1:-300}"
  [[ "$seconds" =~ ^[1-9][0-9]*$ ]] || die "usage: ./build.sh fuzz [seconds per harness]"
  hardening_fuzz_build
  local harness
  for harness in "${HARDENING_FUZZ_HARNESSES[@]}"; do hardening_fuzz_run "$harness" "$seconds"; done
}

# Part of ./build.sh test: a short run of each harness (FUZZ_SMOKE_SECONDS, default 20; 80 s in all).
fuzz_smoke() {
  if [ "$(uname -s)" != Linux ]; then
    # Apple's clang ships no libFuzzer; the macOS CI job runs every other suite. Said, not counted.
    log "fuzz: smoke run not done on $(uname -s) (no libFuzzer in the system clang); Linux CI runs it"
    return 0
  fi
  hardening_fuzz_build
  local harness
  for harness in "${HARDENING_FUZZ_HARNESSES[@]}"; do
    hardening_fuzz_run "$harness" "${FUZZ_SMOKE_SECONDS:-20}"
  done
}
EXTRA_TESTS+=(fuzz_smoke)

# Valgrind runs glibc's posix_spawn (clone with CLONE_VM|CLONE_VFORK) as a plain fork, so the exec
# error of a missing program never reaches the parent: this one test cannot pass under memcheck.
# It runs in the release and ASan+UBSan builds.
HARDENING_VALGRIND_EXCLUDED='^flow\.test_spawn\.failures_leak_nothing$'

# ./build.sh valgrind: every C test of the release configuration (optimized, with -g) under memcheck.
# Memory errors anywhere (test process or forked child) make that process exit 97, which fails
# its test (parents check their children's exit status). Leaks are judged per test process from
# its log: a forked child that exits holding the parent's heap is not a leak, so forked children
# stay silent (--child-silent-after-fork) and only report errors through their exit status.
command_valgrind() {
  require_native_toolchain
  require_command valgrind "apt-get install -y valgrind"
  log "valgrind: release build with debug info ($HARDENING_VALGRIND_DIR)"
  local generator=()
  command -v ninja >/dev/null 2>&1 && generator=(-G Ninja)
  local logs="$HARDENING_VALGRIND_DIR/memcheck"
  local memcheck="valgrind;--tool=memcheck;--leak-check=full;--show-leak-kinds=definite,indirect,possible"
  memcheck+=";--errors-for-leak-kinds=none;--error-exitcode=97;--child-silent-after-fork=yes"
  memcheck+=";--num-callers=30;--log-file=$logs/%p.log"
  cmake -S "$REPO_ROOT" -B "$HARDENING_VALGRIND_DIR" "${generator[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DSVIPC_SANITIZE=OFF -DCMAKE_CROSSCOMPILING_EMULATOR="$memcheck" >/dev/null
  cmake --build "$HARDENING_VALGRIND_DIR" -j 2
  rm -rf "$logs" && mkdir -p "$logs"
  log "valgrind: C tests under memcheck (zero errors and zero leaks required)"
  # memcheck is ~20-50x slower: the stress and hygiene loops are scaled down, nothing is skipped.
  local status=0
  (cd "$HARDENING_VALGRIND_DIR" &&
    SVIPC_STRESS_FRAMES="${SVIPC_STRESS_FRAMES:-20000}" SVIPC_HYGIENE_OPERATIONS="${SVIPC_HYGIENE_OPERATIONS:-2000}" \
    ctest --output-on-failure -j 2 --timeout 1800 -E "$HARDENING_VALGRIND_EXCLUDED") || status=$?
  local log_file bad=0 count=0
  for log_file in "$logs"/*.log; do
    [ -e "$log_file" ] || continue
    count=$((count + 1))
    if grep -qE 'ERROR SUMMARY: [1-9]|(definitely|indirectly|possibly) lost: [1-9]' "$log_file"; then
      bad=$((bad + 1))
      printf '\n--- %s\n' "$log_file" >&2
      cat "$log_file" >&2
    fi
  done
  log "valgrind: $count memcheck logs, $bad with errors or leaks"
  [ "$count" -gt 0 ] || die "valgrind: no memcheck logs were written; the tests did not run under valgrind"
  [ "$bad" -eq 0 ] || die "valgrind: memcheck found errors or leaks (logs above)"
  [ "$status" -eq 0 ] || die "valgrind: C tests failed under memcheck"
}
