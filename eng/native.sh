# Native area: the supervisor_ipc C library and its C tests (CMake + CTest).
# Two configurations: release (artifacts/native/release, what the managed build loads)
# and an ASan+UBSan build (artifacts/native/sanitize) that runs the same tests.

NATIVE_SOURCE_DIR="$REPO_ROOT"
NATIVE_RELEASE_DIR="$ARTIFACTS/native/release"
NATIVE_SANITIZE_DIR="$ARTIFACTS/native/sanitize"

native_generator_args() {
  if command -v ninja >/dev/null 2>&1; then
    printf '%s\n' -G Ninja
  fi
}

# native_configure_and_build BUILD_DIR BUILD_TYPE [extra cmake args...]
native_configure_and_build() {
  local build_dir="$1" build_type="$2"
  shift 2
  local generator=()
  mapfile -t generator < <(native_generator_args)
  # A directory configured with another generator cannot be reused.
  if [ -f "$build_dir/CMakeCache.txt" ] && [ ${#generator[@]} -gt 0 ] &&
     ! grep -q '^CMAKE_GENERATOR:INTERNAL=Ninja$' "$build_dir/CMakeCache.txt"; then
    rm -rf "$build_dir"
  fi
  cmake -S "$NATIVE_SOURCE_DIR" -B "$build_dir" "${generator[@]}" -DCMAKE_BUILD_TYPE="$build_type" "$@" >/dev/null
  cmake --build "$build_dir" -j 2
}

native_build() {
  require_native_toolchain
  log "native: release build ($NATIVE_RELEASE_DIR)"
  native_configure_and_build "$NATIVE_RELEASE_DIR" RelWithDebInfo -DSVIPC_SANITIZE=OFF
  log "native: ASan+UBSan build ($NATIVE_SANITIZE_DIR)"
  native_configure_and_build "$NATIVE_SANITIZE_DIR" Debug -DSVIPC_SANITIZE=ON
}

# LeakSanitizer needs ptrace-like access that some containers deny; use it wherever it works.
native_leak_detection() {
  local probe_dir="$NATIVE_SANITIZE_DIR/leak-probe"
  mkdir -p "$probe_dir"
  printf '#include <stdlib.h>\nint main(void){void* volatile p = malloc(7); p = 0; (void)p; return 0;}\n' >"$probe_dir/probe.c"
  if cc -fsanitize=address -g "$probe_dir/probe.c" -o "$probe_dir/probe" 2>/dev/null; then
    local output
    output="$(ASAN_OPTIONS=detect_leaks=1 "$probe_dir/probe" 2>&1 || true)"
    if printf '%s' "$output" | grep -q 'detected memory leaks'; then
      echo 1
      return
    fi
  fi
  echo 0
}

native_test() {
  require_native_toolchain
  log "native: C tests (release)"
  (cd "$NATIVE_RELEASE_DIR" && ctest --output-on-failure -j 2)
  local leaks
  leaks="$(native_leak_detection)"
  if [ "$leaks" = 1 ]; then
    log "native: C tests (ASan+UBSan, leak detection on)"
  else
    log "native: C tests (ASan+UBSan; LeakSanitizer does not work on this machine, leak detection off)"
  fi
  (cd "$NATIVE_SANITIZE_DIR" &&
    ASAN_OPTIONS="detect_leaks=$leaks:halt_on_error=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1" \
    UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1" \
    ctest --output-on-failure -j 2)
}

# The library built with the read policy of kernels where it cannot read ahead (macOS: a lone byte at a frame
# boundary, then exactly what the frame lacks), under ASan+UBSan, against every C suite that does not depend on
# Linux's descriptor segments: the only run that policy gets on this machine.
NATIVE_NO_READ_AHEAD_DIR="$ARTIFACTS/native/no-read-ahead"
native_test_without_read_ahead() {
  require_native_toolchain
  log "native: C tests against the library without read-ahead (macOS's read policy; ASan+UBSan)"
  native_configure_and_build "$NATIVE_NO_READ_AHEAD_DIR" Debug -DSVIPC_SANITIZE=ON -DSVIPC_READ_AHEAD=OFF >/dev/null
  (cd "$NATIVE_NO_READ_AHEAD_DIR" &&
    ASAN_OPTIONS="detect_leaks=$(native_leak_detection):halt_on_error=1:abort_on_error=1" \
    UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1" \
    ctest --output-on-failure -j 2)
}
EXTRA_TESTS+=(native_test_without_read_ahead)
