#!/usr/bin/env bash
# Single entry point for building, testing and running SupervisorIpc.
# Each area keeps its steps in eng/<area>.sh; this file only dispatches.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export REPO_ROOT
ARTIFACTS="${ARTIFACTS:-$REPO_ROOT/artifacts}"
export ARTIFACTS

# shellcheck source=eng/common.sh
source "$REPO_ROOT/eng/common.sh"
for area in "$REPO_ROOT"/eng/*.sh; do
  [ "$(basename "$area")" = common.sh ] && continue
  # shellcheck disable=SC1090
  source "$area"
done

usage() {
  cat <<'TXT'
usage: ./build.sh <command>

  build      build the native library (release + sanitizer) and the .NET solution
  test       build, then run every test suite (C under CTest, C under ASan+UBSan, NUnit)
  bindings   regenerate managed/SupervisorIpc/Interop/NativeMethods.g.cs from the C header
  demo       build what the demo runs (release library, C child, C# programs), then run it
  pack       NuGet package + symbols with the native library of every RID built here
             (pack --prebuilt: only pack artifacts/native-assets/<rid>/, as CI does)
  test-arm64 cross-build for linux-arm64 and run the C tests under qemu-user
  test-musl  build with musl-gcc and run the C tests (linux-musl-x64)
  aot        publish the NativeAOT sample (samples/AotGrantFlow) and run it
  test-consumers  install/pack, then build and run the C, C++ and C# consumer programs
  test-package    run the C# consumer against artifacts/packages/SupervisorIpc.<version>.nupkg as is
  public-api declare intended public API additions (PublicAPI.Unshipped.txt)
  fuzz [s]   run every libFuzzer harness for s seconds each (default 300)
  valgrind   run the C tests under valgrind memcheck (zero errors, zero leaks)
  bench      run the benchmark suite and write BENCHMARKS.md (bench --quick: shorter)
  help       this text
TXT
}

cmd="${1:-help}"
shift || true
case "$cmd" in
  build)    native_build; managed_build ;;
  test)
    mkdir -p "$ARTIFACTS"
    test_temp_begin
    # Every suite prints its own count; the last line adds them up.
    (native_build; native_test; managed_build; managed_test; run_extra_tests; test_temp_check) 2>&1 | tee "$ARTIFACTS/test.log"
    summarize_test_counts "$ARTIFACTS/test.log" ;;
  bindings) managed_bindings ;;
  demo)     demo_build; run_demo "$@" ;;
  help|-h|--help) usage ;;
  *)
    # ./build.sh test-arm64 runs command_test_arm64 (function names take '_' for '-').
    if declare -F "command_${cmd//-/_}" >/dev/null; then
      "command_${cmd//-/_}" "$@"
    else
      echo "build.sh: unknown command '$cmd'" >&2; usage >&2; exit 2
    fi ;;
esac
