# Packaging area: what users install, and tests that consume it from the outside.
#   ./build.sh pack        NuGet package (+ symbols) with the native library of every RID built here
#   ./build.sh test-arm64  cross-build for linux-arm64, run the C tests under qemu-user
#   ./build.sh test-musl   build with musl-gcc, run the C tests (linux-musl-x64)
#   ./build.sh aot         publish the NativeAOT sample and run it
#   ./build.sh test-consumers / test-package   the consumer tests alone (see docs/packaging.md)
#   ./build.sh public-api  declare new public .NET API in PublicAPI.Unshipped.txt
# ./build.sh test also runs the suites registered at the end of this file.

PACKAGE_PROJECT="$REPO_ROOT/managed/SupervisorIpc/SupervisorIpc.csproj"
PACKAGE_ASSETS_DIR="${SVIPC_NATIVE_ASSETS_DIR:-$ARTIFACTS/native-assets}"
PACKAGE_OUTPUT_DIR="$ARTIFACTS/packages"
PACKAGE_CONSUMERS_DIR="$ARTIFACTS/consumers"
PACKAGE_ARM64_DIR="$ARTIFACTS/native/linux-arm64"
PACKAGE_MUSL_DIR="$ARTIFACTS/native/linux-musl-x64"
PACKAGE_ARM64_SYSROOT=/usr/aarch64-linux-gnu

# The version every artifact carries, from the public header.
package_version() {
  local header="$REPO_ROOT/native/include/supervisor_ipc.h" part version=""
  for part in MAJOR MINOR PATCH; do
    version="$version${version:+.}$(sed -nE "s/^#define SVIPC_VERSION_${part} ([0-9]+)$/\1/p" "$header")"
  done
  printf '%s\n' "$version"
}

# The NuGet package's version: the header's version with a prerelease suffix that names the sources it was packed
# from, so that a package cache holding an earlier local pack can never stand in for this one:
#   -dev.<commits on HEAD>.g<commit>           a clean checkout (the same commit always packs the same bytes)
#   -dev.<commits on HEAD>.g<commit>.w<tree>   uncommitted changes: <tree> is git's id of the working tree's
#                                              content (tracked and untracked files, .gitignore applied)
#   -src.<hash>                                no git: a hash of the sources that go into the package
# SVIPC_RELEASE=1 packs the plain header version (a release, from a tagged commit).
package_nuget_version() {
  local version suffix
  version="$(package_version)"
  suffix="$(package_version_suffix)"
  printf '%s%s\n' "$version" "${suffix:+-$suffix}"
}

package_version_suffix() {
  [ "${SVIPC_RELEASE:-0}" = 1 ] && return 0
  if git -C "$REPO_ROOT" rev-parse --verify -q HEAD >/dev/null 2>&1; then
    local height commit index tree
    height="$(git -C "$REPO_ROOT" rev-list --count HEAD)"
    commit="$(git -C "$REPO_ROOT" rev-parse --short=12 HEAD)"
    # The working tree's content as a tree id, through a throwaway index (the real index is left alone).
    index="$(mktemp "${TMPDIR:-/tmp}/svipc-index.XXXXXX")"
    cp "$(git -C "$REPO_ROOT" rev-parse --path-format=absolute --git-path index)" "$index" 2>/dev/null || rm -f "$index"
    tree="$(cd "$REPO_ROOT" && GIT_INDEX_FILE="$index" git add -A . >/dev/null 2>&1 && GIT_INDEX_FILE="$index" git write-tree)"
    rm -f "$index"
    if [ -n "$tree" ] && [ "$tree" != "$(git -C "$REPO_ROOT" rev-parse 'HEAD^{tree}')" ]; then
      printf 'dev.%s.g%s.w%s\n' "$height" "$commit" "${tree:0:12}"
    else
      printf 'dev.%s.g%s\n' "$height" "$commit"
    fi
  else
    local hash
    hash="$(cd "$REPO_ROOT" && find managed native Directory.Build.props Directory.Packages.props -type f -print0 |
      LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -c1-12)"
    printf 'src.%s\n' "$hash"
  fi
}

# The time stamped on every entry of the package: the commit's time (NuGet's SOURCE_DATE_EPOCH), so that packing the
# same sources twice gives the same bytes; without git a fixed date (2000-01-01).
package_source_epoch() {
  git -C "$REPO_ROOT" log -1 --format=%ct 2>/dev/null || echo 946684800
}

package_host_rid() {
  local os arch
  case "$(uname -s)" in
    Linux) os=linux ;;
    Darwin) os=osx ;;
    *) die "unsupported OS '$(uname -s)': only Linux and macOS are supported" ;;
  esac
  case "$(uname -m)" in
    x86_64 | amd64) arch=x64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *) die "unsupported CPU '$(uname -m)'" ;;
  esac
  if [ "$os" = linux ] && ldd --version 2>&1 | grep -qi musl; then
    os=linux-musl
  fi
  printf '%s-%s\n' "$os" "$arch"
}

package_library_file() {
  case "$1" in
    osx-*) printf 'libsupervisor_ipc.dylib\n' ;;
    *) printf 'libsupervisor_ipc.so\n' ;;
  esac
}

# Native assets are staged afresh by each build.sh run, so a library left over from an
# earlier run can never end up in a package.
PACKAGE_ASSETS_FRESH=0
PACKAGE_STAGED_RIDS=()

# package_stage_asset RID LIBRARY_DIR: copy the (symlink-resolved) library into <assets>/<rid>/.
package_stage_asset() {
  local rid="$1" lib_dir="$2" file
  file="$(package_library_file "$rid")"
  [ -f "$lib_dir/$file" ] || die "no $file in $lib_dir for $rid"
  if [ "$PACKAGE_ASSETS_FRESH" = 0 ]; then
    # Only what this script puts there, in case the folder was pointed somewhere shared.
    local stale
    for stale in "$PACKAGE_ASSETS_DIR"/*/; do
      [ -d "$stale" ] || continue
      rm -f "${stale}libsupervisor_ipc.so" "${stale}libsupervisor_ipc.dylib" "${stale}libsupervisor_ipc.a"
      rmdir "$stale" 2>/dev/null || true
    done
    PACKAGE_ASSETS_FRESH=1
  fi
  # The static library too: NativeAOT links it into the executable (the package's buildTransitive props).
  [ -f "$lib_dir/libsupervisor_ipc.a" ] || die "no libsupervisor_ipc.a in $lib_dir for $rid"
  mkdir -p "$PACKAGE_ASSETS_DIR/$rid"
  cp -L "$lib_dir/$file" "$PACKAGE_ASSETS_DIR/$rid/$file"
  cp -L "$lib_dir/libsupervisor_ipc.a" "$PACKAGE_ASSETS_DIR/$rid/libsupervisor_ipc.a"
  package_check_asset "$rid" "$PACKAGE_ASSETS_DIR/$rid/$file"
  PACKAGE_STAGED_RIDS+=("$rid")
  echo "staged $rid: $PACKAGE_ASSETS_DIR/$rid/$file"
}

# Catches a library built for the wrong CPU or C library before it is shipped under a RID.
package_check_asset() {
  local rid="$1" file="$2" machine needed
  case "$rid" in osx-*) return 0 ;; esac
  command -v readelf >/dev/null 2>&1 || return 0
  machine="$(readelf -h "$file" | sed -nE 's/^ *Machine: *//p')"
  needed="$(readelf -d "$file" | sed -nE 's/.*\(NEEDED\).*\[(.*)\]/\1/p' | tr '\n' ' ')"
  case "$rid" in
    *-x64) [[ "$machine" == *X86-64* ]] || die "$file is for '$machine', not $rid" ;;
    *-arm64) [[ "$machine" == *AArch64* ]] || die "$file is for '$machine', not $rid" ;;
  esac
  case "$rid" in
    linux-musl-*) [[ " $needed " == *" libc.so "* ]] || die "$file needs '$needed', not musl's libc.so ($rid)" ;;
    linux-*) [[ " $needed " == *" libc.so.6 "* ]] || die "$file needs '$needed', not glibc's libc.so.6 ($rid)" ;;
  esac
}

# package_cmake_build BUILD_DIR TOOLCHAIN_FILE [TARGET...]: configure and build the tree (or
# only TARGETs) for another target platform.
package_cmake_build() {
  local build_dir="$1" toolchain="$2" generator=() targets=()
  shift 2
  [ $# -gt 0 ] && targets=(--target "$@")
  mapfile -t generator < <(native_generator_args)
  if [ -f "$build_dir/CMakeCache.txt" ] && [ ${#generator[@]} -gt 0 ] &&
     ! grep -q '^CMAKE_GENERATOR:INTERNAL=Ninja$' "$build_dir/CMakeCache.txt"; then
    rm -rf "$build_dir"
  fi
  # The same build type as the host's release build, so every RID ships the same optimization
  # level and the same warnings apply.
  cmake -S "$REPO_ROOT" -B "$build_dir" "${generator[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_TOOLCHAIN_FILE="$toolchain" -DSVIPC_SANITIZE=OFF >/dev/null
  cmake --build "$build_dir" -j 2 "${targets[@]}"
}

package_require_arm64_tools() {
  require_command aarch64-linux-gnu-gcc "apt-get install -y gcc-aarch64-linux-gnu qemu-user"
  require_command qemu-aarch64 "apt-get install -y qemu-user"
  [ -d "$PACKAGE_ARM64_SYSROOT/lib" ] || die "$PACKAGE_ARM64_SYSROOT/lib is missing: apt-get install -y gcc-aarch64-linux-gnu"
}

package_require_musl_tools() {
  require_command musl-gcc "apt-get install -y musl-tools"
}

# qemu-user runs one aarch64 process, but cannot exec another aarch64 program unless the
# kernel routes aarch64 binaries to qemu (binfmt_misc, e.g. in a GitHub runner with
# qemu-user-static). Without it, tests that exec a child program cannot run.
package_arm64_exec_works() {
  local entry
  for entry in /proc/sys/fs/binfmt_misc/qemu-aarch64 /proc/sys/fs/binfmt_misc/aarch64; do
    [ -f "$entry" ] && grep -q '^enabled' "$entry" && return 0
  done
  return 1
}

# Tests that cannot be run under plain qemu-user, with the reason. They run on every
# native build; here they are reported as not run, never counted as passed.
#  - flow.test_spawn.*, flow.test_sandbox.*, flow.test_c_child_flow.*, messages.doc_example.*: exec a child program (needs binfmt_misc).
PACKAGE_QEMU_EXEC_TESTS='^flow\.test_spawn\.|^flow\.test_sandbox\.|^flow\.test_c_child_flow\.|^messages\.doc_example\.'
#  - native.test_protocol_violations, hostile.fd_attacks, hostile.fd_hygiene and the fuzz
#    replays of the receive path: they send more descriptors than the receiver has room
#    for and check that MSG_CTRUNC is reported and nothing stays open. qemu-user (7.2) receives into a larger control
#    buffer of its own, passes on only what fits, does not set MSG_CTRUNC and leaves
#    the other descriptors open in the process: measured with a 20-line program that
#    sends 8 descriptors to a 1-descriptor buffer (x64 kernel: MSG_CTRUNC, extras
#    discarded; qemu-aarch64: no MSG_CTRUNC, 7 descriptors leaked). An emulator
#    artifact, not something the library can see or fix.
PACKAGE_QEMU_CMSG_TESTS='^native\.test_protocol_violations$|^hostile\.fd_attacks$|^hostile\.fd_hygiene$|^fuzz\.replay\.recv_(stream|resume|nonblocking)$'
#  - flow.test_open_confined.resolves_roots_and_tries_each: holds "/" as a root; qemu-user started with a
#    sysroot (-L) opens absolute paths inside the sysroot first, so the held "/" is the sysroot's and the test's
#    /tmp file is not beneath it. An emulator artifact: every other root is a real directory and runs.
PACKAGE_QEMU_PATH_TESTS='^flow\.test_open_confined\.resolves_roots_and_tries_each$'

# package_ctest BUILD_DIR LABEL [EXCLUDE_REGEX WHY]: run CTest (its closing line counts), after
# listing every test the regex leaves out, so none is silently skipped.
package_ctest() {
  local build_dir="$1" label="$2" exclude="${3:-}" why="${4:-}" args=(--output-on-failure -j 2) listed
  if [ -n "$exclude" ]; then
    args+=(-E "$exclude")
    listed="$(cd "$build_dir" && ctest -N -R "$exclude" | sed -nE 's/^ *Test +#[0-9]+: (.*)$/\1/p')"
    if [ -n "$listed" ]; then
      echo "$label: NOT RUN, $why (see eng/package.sh):"
      printf '  %s\n' $listed
    fi
  fi
  (cd "$build_dir" && ctest "${args[@]}")
}

# package_build_arm64 [TARGET...]: the whole tree, or only TARGETs (pack needs the library alone).
package_build_arm64() {
  package_require_arm64_tools
  log "linux-arm64: cross-build ($PACKAGE_ARM64_DIR)"
  package_cmake_build "$PACKAGE_ARM64_DIR" "$REPO_ROOT/eng/toolchains/aarch64-linux-gnu.cmake" "$@"
}

# The library alone, for packing (./build.sh test-musl builds and runs the suites).
package_build_musl() {
  package_require_musl_tools
  log "linux-musl-x64: musl-gcc build of the library ($PACKAGE_MUSL_DIR)"
  package_cmake_build "$PACKAGE_MUSL_DIR" "$REPO_ROOT/eng/toolchains/x86_64-linux-musl.cmake" supervisor_ipc supervisor_ipc_static
}

command_test_arm64() {
  require_native_toolchain
  package_build_arm64
  local exclude="$PACKAGE_QEMU_CMSG_TESTS|$PACKAGE_QEMU_PATH_TESTS"
  if ! package_arm64_exec_works; then
    exclude="$exclude|$PACKAGE_QEMU_EXEC_TESTS"
  fi
  log "linux-arm64: C tests under qemu-aarch64"
  package_ctest "$PACKAGE_ARM64_DIR" linux-arm64 "$exclude" "not runnable under qemu-user"
  package_stage_asset linux-arm64 "$PACKAGE_ARM64_DIR/lib"
}

# C suites that cannot run with musl (none: every suite builds and runs).
PACKAGE_MUSL_PENDING_SUITES=""

command_test_musl() {
  require_native_toolchain
  require_command ninja "apt-get install -y ninja-build"
  package_require_musl_tools
  # Build every directory of the tree except the pending suites.
  local dirs=() suite exclude=""
  log "linux-musl-x64: musl-gcc build ($PACKAGE_MUSL_DIR)"
  package_cmake_build "$PACKAGE_MUSL_DIR" "$REPO_ROOT/eng/toolchains/x86_64-linux-musl.cmake" supervisor_ipc supervisor_ipc_static
  mapfile -t dirs < <(sed -nE 's|^build ([^ :]+)/all: phony.*|\1|p' "$PACKAGE_MUSL_DIR/build.ninja")
  for suite in $PACKAGE_MUSL_PENDING_SUITES; do
    mapfile -t dirs < <(printf '%s\n' "${dirs[@]}" | grep -vx "tests/$suite")
    exclude="$exclude${exclude:+|}^$suite\."
  done
  log "linux-musl-x64: build ${dirs[*]}"
  cmake --build "$PACKAGE_MUSL_DIR" -j 2 --target "${dirs[@]/%//all}"
  log "linux-musl-x64: C tests"
  package_ctest "$PACKAGE_MUSL_DIR" linux-musl-x64 "$exclude" "harness not musl-ready"
  package_stage_asset linux-musl-x64 "$PACKAGE_MUSL_DIR/lib"
}

# The RIDs ./build.sh pack builds on this machine unless SVIPC_PACK_RIDS names others.
package_default_rids() {
  local host
  host="$(package_host_rid)"
  case "$host" in
    linux-x64) echo "linux-x64 linux-arm64 linux-musl-x64" ;;
    *) echo "$host" ;;
  esac
}

package_stage_rid() {
  local rid="$1" host
  host="$(package_host_rid)"
  case "$rid" in
    "$host") package_stage_asset "$rid" "$NATIVE_RELEASE_DIR/lib" ;;
    linux-arm64) package_build_arm64 supervisor_ipc supervisor_ipc_static; package_stage_asset "$rid" "$PACKAGE_ARM64_DIR/lib" ;;
    linux-musl-x64) package_build_musl; package_stage_asset "$rid" "$PACKAGE_MUSL_DIR/lib" ;;
    *) die "cannot build $rid on $host; build it there and pack with --prebuilt" ;;
  esac
}

# package_dotnet_pack RID...: pack with exactly these RIDs required, then check the result.
package_dotnet_pack() {
  require_dotnet
  managed_dotnet_env
  local rids=("$@") version suffix required
  version="$(package_nuget_version)"
  suffix="$(package_version_suffix)"
  required="$(IFS=';'; echo "${rids[*]}")"
  rm -f "$PACKAGE_OUTPUT_DIR"/SupervisorIpc.*nupkg
  log "pack: SupervisorIpc $version with native assets for ${rids[*]}"
  # The library needs no native copy in its own output to be packed (that copy is for tests).
  SOURCE_DATE_EPOCH="${SOURCE_DATE_EPOCH:-$(package_source_epoch)}" dotnet pack "$PACKAGE_PROJECT" -c Release -maxcpucount:2 -nologo -clp:NoSummary \
    -p:SvipcCopyNativeLibrary=false \
    -p:VersionSuffix="$suffix" \
    -p:SvipcNativeAssetsDir="$PACKAGE_ASSETS_DIR/" \
    -p:SvipcRequiredRids="\"$required\"" \
    -p:PackageOutputPath="$PACKAGE_OUTPUT_DIR/"
  package_verify "$PACKAGE_OUTPUT_DIR/SupervisorIpc.$version.nupkg" "${rids[@]}"
  [ -f "$PACKAGE_OUTPUT_DIR/SupervisorIpc.$version.snupkg" ] || die "no symbol package SupervisorIpc.$version.snupkg"
  echo "packed: $PACKAGE_OUTPUT_DIR/SupervisorIpc.$version.nupkg (+ .snupkg)"
}

# package_verify NUPKG RID...: the package holds what a consumer needs, and no stray native file.
package_verify() {
  local nupkg="$1" entries expected rid entry missing=()
  shift
  [ -f "$nupkg" ] || die "package $nupkg was not produced"
  require_command unzip "apt-get install -y unzip"
  entries="$(unzip -Z1 "$nupkg")"
  expected=(SupervisorIpc.nuspec PACKAGE.md
    lib/net8.0/SupervisorIpc.dll lib/net8.0/SupervisorIpc.xml
    lib/net10.0/SupervisorIpc.dll lib/net10.0/SupervisorIpc.xml buildTransitive/SupervisorIpc.props)
  for rid in "$@"; do
    expected+=("runtimes/$rid/native/$(package_library_file "$rid")" "runtimes/$rid/static/libsupervisor_ipc.a")
  done
  for entry in "${expected[@]}"; do
    grep -qxF "$entry" <<<"$entries" || missing+=("$entry")
  done
  [ ${#missing[@]} -eq 0 ] || die "$nupkg lacks: ${missing[*]}"
  # Shared libraries under runtimes/<rid>/native (loaded at run time); static ones under runtimes/<rid>/static, a folder
  # NuGet assigns no assets to, so that only a NativeAOT link (buildTransitive/SupervisorIpc.props) uses them and no
  # other app's output carries them.
  if grep -E '\.(so|dylib|a)$' <<<"$entries" |
     grep -vqE '^runtimes/[^/]+/native/libsupervisor_ipc\.(so|dylib)$|^runtimes/[^/]+/static/libsupervisor_ipc\.a$'; then
    die "$nupkg holds a native library elsewhere: $(grep -E '\.(so|dylib|a)$' <<<"$entries" | tr '\n' ' ')"
  fi
  unzip -p "$nupkg" SupervisorIpc.nuspec | grep '<license type="expression">MIT</license>' >/dev/null || die "$nupkg has no MIT license expression"
}

# ./build.sh pack [--prebuilt]
#   default     build the native library for every RID this machine can (package_default_rids,
#               or SVIPC_PACK_RIDS="rid ..."), stage them, pack.
#   --prebuilt  build nothing native: pack what CI put under artifacts/native-assets/<rid>/
#               (every RID there, or exactly SVIPC_PACK_RIDS when set).
command_pack() {
  local rids=() rid
  if [ "${1:-}" = --prebuilt ]; then
    if [ -n "${SVIPC_PACK_RIDS:-}" ]; then
      read -r -a rids <<<"$SVIPC_PACK_RIDS"
    else
      for rid in "$PACKAGE_ASSETS_DIR"/*/; do
        [ -d "$rid" ] && rids+=("$(basename "$rid")")
      done
    fi
    [ ${#rids[@]} -gt 0 ] || die "pack --prebuilt: nothing under $PACKAGE_ASSETS_DIR/<rid>/"
  else
    read -r -a rids <<<"${SVIPC_PACK_RIDS:-$(package_default_rids)}"
    native_build
    for rid in "${rids[@]}"; do
      package_stage_rid "$rid"
    done
  fi
  package_dotnet_pack "${rids[@]}"
}

# ---- consumer tests (./build.sh test) ---------------------------------------------------

PACKAGE_CONSUMER_PASSED=0
PACKAGE_CONSUMER_FAILED=0

# package_run_consumer NAME BINARY [shared|static] [ARGS...]: check its linkage, run it with ARGS, count the outcome.
package_run_consumer() {
  local name="$1" binary="$2" linkage="${3:-}"
  shift 3 2>/dev/null || shift $#
  if { [ -z "$linkage" ] || package_check_linkage "$binary" "$linkage"; } && "$binary" "$@"; then
    PACKAGE_CONSUMER_PASSED=$((PACKAGE_CONSUMER_PASSED + 1))
  else
    echo "FAILED: consumer $name" >&2
    PACKAGE_CONSUMER_FAILED=$((PACKAGE_CONSUMER_FAILED + 1))
  fi
}

# A binary linked against the shared library must need it by its versioned SONAME; a
# static one must not need it at all.
package_check_linkage() {
  local binary="$1" expectation="$2" needed
  command -v readelf >/dev/null 2>&1 || { echo "readelf not found: linkage of $binary not checked"; return 0; }
  needed="$(readelf -d "$binary" | sed -nE 's/.*\(NEEDED\).*\[(.*)\]/\1/p' | tr '\n' ' ')"
  case "$expectation" in
    shared)
      local soname
      soname="libsupervisor_ipc.so.$(package_version | cut -d. -f1-2)"
      [[ " $needed " == *" $soname "* ]] || { echo "$binary needs '$needed', expected $soname" >&2; return 1; }
      ;;
    static)
      [[ "$needed" != *libsupervisor_ipc* ]] || { echo "$binary still needs the shared library: $needed" >&2; return 1; }
      ;;
  esac
}

package_test_native_consumers() {
  require_native_toolchain
  require_command pkg-config "apt-get install -y pkg-config"
  require_command c++ "apt-get install -y build-essential"
  local work="$PACKAGE_CONSUMERS_DIR/native" prefix pc_dir
  prefix="$work/prefix"
  rm -rf "$work"
  log "consumers: install the release build to $prefix"
  cmake --install "$NATIVE_RELEASE_DIR" --prefix "$prefix" >/dev/null
  pc_dir="$(dirname "$(find "$prefix" -name supervisor_ipc.pc -print -quit)")"
  for header in supervisor_ipc.h supervisor_ipc_messages.h supervisor_ipc.hpp; do
    [ -f "$prefix/include/$header" ] || die "cmake --install did not install $header"
  done
  [ -f "$pc_dir/supervisor_ipc.pc" ] || die "cmake --install did not install supervisor_ipc.pc"
  [ -n "$(find "$prefix" -name SupervisorIpcConfig.cmake -print -quit)" ] || die "cmake --install did not install SupervisorIpcConfig.cmake"
  [ -n "$(find "$prefix" -name libsupervisor_ipc.a -print -quit)" ] || die "cmake --install did not install the static library"
  for doc in protocol.md c-api.md; do
    [ -f "$prefix/share/doc/SupervisorIpc/$doc" ] || die "cmake --install did not install share/doc/SupervisorIpc/$doc"
  done

  log "consumers: C (shared, static) and C++ via find_package(SupervisorIpc)"
  cmake -S "$REPO_ROOT/tests/consumers" -B "$work/cmake-build" -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$work/cmake-build" -j 2
  package_run_consumer c-find_package-shared "$work/cmake-build/consumer_c_shared" shared
  package_run_consumer c-find_package-static "$work/cmake-build/consumer_c_static" static
  package_run_consumer cpp-find_package "$work/cmake-build/consumer_cpp" shared
  package_run_consumer cpp-wrapper-hpp "$work/cmake-build/consumer_hpp" shared
  package_run_consumer cpp-wrapper-conformance "$work/cmake-build/conformance_hpp" shared \
    "$REPO_ROOT/tests/conformance/decode-cases.tsv" "$REPO_ROOT/tests/conformance/wire-vectors.tsv"

  log "consumers: C via pkg-config"
  local cflags libs libdir
  cflags="$(PKG_CONFIG_PATH="$pc_dir" pkg-config --cflags supervisor_ipc)"
  libs="$(PKG_CONFIG_PATH="$pc_dir" pkg-config --libs supervisor_ipc)"
  libdir="$(PKG_CONFIG_PATH="$pc_dir" pkg-config --variable=libdir supervisor_ipc)"
  # shellcheck disable=SC2086 # pkg-config output is a list of flags
  cc -std=c99 -Wall -Wextra -Werror -Wpedantic $cflags "$REPO_ROOT/tests/consumers/consumer.c" $libs \
    -Wl,-rpath,"$libdir" -o "$work/consumer_c_pkgconfig"
  package_run_consumer c-pkg-config "$work/consumer_c_pkgconfig" shared

  # One word and a colon before the counts: the form CI reads as a closing line.
  printf '\nconsumers: %d passed, %d failed\n' "$PACKAGE_CONSUMER_PASSED" "$PACKAGE_CONSUMER_FAILED"
  [ "$PACKAGE_CONSUMER_FAILED" -eq 0 ] || die "native consumer tests failed"
  PACKAGE_CONSUMER_PASSED=0
}

# Packs (host RID plus whatever this run staged) and runs a fresh C# app against the package.
package_test_dotnet_consumer() {
  require_dotnet
  managed_dotnet_env
  local host rids=()
  host="$(package_host_rid)"
  case " ${PACKAGE_STAGED_RIDS[*]} " in
    *" $host "*) ;;
    *) package_stage_asset "$host" "$NATIVE_RELEASE_DIR/lib" ;;
  esac
  rids=("${PACKAGE_STAGED_RIDS[@]}")
  package_dotnet_pack "${rids[@]}"
  package_check_deterministic_pack "${rids[@]}"
  package_run_dotnet_consumer
}

# package_check_deterministic_pack RID...: packing the same sources again gives the same bytes (a version names one
# content), counted as a test.
package_check_deterministic_pack() {
  local first="$ARTIFACTS/packages-first" name passed=0 failed=0
  rm -rf "$first"
  mkdir -p "$first"
  cp "$PACKAGE_OUTPUT_DIR"/SupervisorIpc.*nupkg "$first/"
  log "pack: again, to check that the same sources give the same package"
  package_dotnet_pack "$@" >/dev/null
  for name in "$first"/SupervisorIpc.*nupkg; do
    if [ ! -f "$PACKAGE_OUTPUT_DIR/$(basename "$name")" ]; then
      echo "FAILED: the second pack has another version than $(basename "$name"): the sources changed in between" >&2
      failed=$((failed + 1))
    elif cmp -s "$name" "$PACKAGE_OUTPUT_DIR/$(basename "$name")"; then
      echo "deterministic: $(basename "$name") packed twice, identical ($(sha256sum <"$name" | cut -c1-16))"
      passed=$((passed + 1))
    else
      echo "FAILED: packing twice gave two different $(basename "$name")" >&2
      failed=$((failed + 1))
    fi
  done
  rm -rf "$first"
  printf '\ndeterministic-pack: %d passed, %d failed\n' "$passed" "$failed"
  [ "$failed" -eq 0 ] || die "the package is not deterministic"
}

# package_check_consumer_run OUTPUT TFM MAJOR NUPKG LOADED_GLOB: the consumer's report says it ran the package's
# lib/TFM build on .NET MAJOR and (on Linux) loaded a library matching LOADED_GLOB that is byte for byte the
# package's runtimes/<host rid>/native asset, not a copy from anywhere else.
package_check_consumer_run() {
  local output="$1" tfm="$2" major="$3" nupkg="$4" pattern="$5" host library runtime loaded
  host="$(package_host_rid)"
  library="$(sed -nE 's/^dotnet package consumer: library (.*)$/\1/p' <<<"$output")"
  runtime="$(sed -nE 's/^dotnet package consumer: runtime (.*)$/\1/p' <<<"$output")"
  if [ "$library" != ".NETCoreApp,Version=v${tfm#net}" ] || [ "${runtime%%.*}" != "$major" ]; then
    echo "the $tfm consumer ran the package's '$library' build on runtime '$runtime', not lib/$tfm on .NET $major" >&2
    return 1
  fi
  [ "$(uname -s)" = Linux ] || return 0
  loaded="$(sed -nE 's/^dotnet package consumer: native library (.*)$/\1/p' <<<"$output")"
  # shellcheck disable=SC2053 # the pattern is a glob on purpose
  if [[ "$loaded" != $pattern ]] ||
     ! unzip -p "$nupkg" "runtimes/$host/native/libsupervisor_ipc.so" | cmp -s - "$loaded"; then
    echo "the $tfm consumer loaded '$loaded', not the package's runtimes/$host/native/libsupervisor_ipc.so" >&2
    return 1
  fi
  echo "$tfm consumer: lib/$tfm on .NET $runtime, the package's native library"
}

# Runs a fresh C# app against the one artifacts/packages/SupervisorIpc.<version>.nupkg as it is (CI's merged package
# was packed by another job: its version is read from the file, not recomputed here).
package_run_dotnet_consumer() {
  require_dotnet
  managed_dotnet_env
  local host version nupkg app cache feed output status=0 found=()
  host="$(package_host_rid)"
  feed="$PACKAGE_OUTPUT_DIR"
  mapfile -t found < <(find "$feed" -maxdepth 1 -name 'SupervisorIpc.*.nupkg' ! -name '*.snupkg' 2>/dev/null)
  [ ${#found[@]} -eq 1 ] || die "expected one SupervisorIpc.<version>.nupkg in $feed, found ${#found[@]}: run ./build.sh pack first"
  nupkg="${found[0]}"
  version="$(basename "$nupkg" .nupkg)"
  version="${version#SupervisorIpc.}"
  # A private package cache: a SupervisorIpc of the same version cached by an earlier run
  # must never stand in for the package just built.
  cache="$PACKAGE_CONSUMERS_DIR/nuget-packages"
  rm -rf "$cache/supervisoripc"
  app="$(mktemp -d "${TMPDIR:-/tmp}/svipc-package-consumer.XXXXXX")"
  cp "$REPO_ROOT/tests/consumers/dotnet/PackageConsumer.csproj" "$REPO_ROOT/tests/consumers/dotnet/Program.cs" "$app/"
  # Stop MSBuild's upward search for repository-wide settings: the app is on its own.
  for f in Directory.Build.props Directory.Build.targets Directory.Packages.props; do
    printf '<Project />\n' >"$app/$f"
  done
  cat >"$app/nuget.config" <<XML
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <config>
    <add key="globalPackagesFolder" value="$cache" />
  </config>
  <packageSources>
    <clear />
    <add key="local" value="$feed" />
    <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
  </packageSources>
  <packageSourceMapping>
    <packageSource key="local">
      <package pattern="SupervisorIpc" />
    </packageSource>
    <packageSource key="nuget.org">
      <package pattern="*" />
    </packageSource>
  </packageSourceMapping>
</configuration>
XML
  log "consumers: fresh C# app in $app restoring SupervisorIpc $version from $feed"
  local passed=0 failed=0
  # net10.0 on the installed runtime, as a developer runs it.
  output="$(cd "$app" && NUGET_PACKAGES="$cache" dotnet run -c Release -f net10.0 -p:SupervisorIpcVersion="$version" 2>&1)" || status=$?
  printf '%s\n' "$output"
  if [ "$status" -eq 0 ] &&
     package_check_consumer_run "$output" net10.0 10 "$nupkg" "*/runtimes/$host/native/libsupervisor_ipc.so"; then
    passed=$((passed + 1))
  else
    echo "FAILED: the net10.0 package consumer" >&2
    failed=$((failed + 1))
  fi

  # net8.0 published self-contained for this RID: the .NET 8 runtime (the runtime pack from the feed) travels with
  # the app, which is how a net8.0 user deploys without a system-wide .NET 8; it must run the package's lib/net8.0.
  status=0
  log "consumers: the same app as a self-contained net8.0 publish for $host"
  if (cd "$app" && NUGET_PACKAGES="$cache" dotnet publish -c Release -f net8.0 -r "$host" --self-contained true \
        -p:SupervisorIpcVersion="$version" -o "$app/publish-net8.0" -nologo -v:q); then
    output="$("$app/publish-net8.0/PackageConsumer" 2>&1)" || status=$?
    printf '%s\n' "$output"
  else
    status=1
  fi
  if [ "$status" -eq 0 ] && compgen -G "$app/publish-net8.0/libcoreclr.*" >/dev/null &&
     package_check_consumer_run "$output" net8.0 8 "$nupkg" "$app/publish-net8.0/libsupervisor_ipc.so"; then
    passed=$((passed + 1))
  else
    echo "FAILED: the self-contained net8.0 package consumer" >&2
    failed=$((failed + 1))
  fi

  # Every runtime in the package: a RID-specific publish of the same app must carry exactly
  # that runtime's library, which is how users deploy to machines unlike this one.
  local entry rid file
  while read -r entry; do
    rid="$(cut -d/ -f2 <<<"$entry")"
    file="$(basename "$entry")"
    if (cd "$app" && NUGET_PACKAGES="$cache" dotnet publish -c Release -f net10.0 -r "$rid" --self-contained false \
          -p:UseAppHost=false -p:SupervisorIpcVersion="$version" -o "$app/publish-$rid" -nologo -v:q >/dev/null) &&
       unzip -p "$nupkg" "$entry" | cmp -s - "$app/publish-$rid/$file"; then
      echo "publish -r $rid: carries the package's $entry"
      passed=$((passed + 1))
    else
      echo "FAILED: publish -r $rid does not carry the package's $entry" >&2
      failed=$((failed + 1))
    fi
  done < <(unzip -Z1 "$nupkg" | grep -E '^runtimes/[^/]+/native/libsupervisor_ipc\.(so|dylib)$')

  # NativeAOT: the package's buildTransitive props link runtimes/<rid>/static/libsupervisor_ipc.a into the executable,
  # so the published program is one file. It is copied alone into an empty folder and run from another directory.
  # grep reads the whole listing (no -q): under pipefail, unzip killed by SIGPIPE after an early match would fail it.
  if unzip -Z1 "$nupkg" | grep -xF "runtimes/$host/static/libsupervisor_ipc.a" >/dev/null; then
    local aot_linker=() alone="$app/alone" needed
    if [ "$(uname -s)" = Linux ] && ! command -v clang >/dev/null 2>&1; then
      aot_linker=(-p:CppCompilerAndLinker=gcc)
    fi
    status=0
    log "consumers: the same app published with PublishAot for $host, run alone"
    if (cd "$app" && NUGET_PACKAGES="$cache" dotnet publish -c Release -f net10.0 -r "$host" -p:PublishAot=true \
          -p:SupervisorIpcVersion="$version" "${aot_linker[@]}" -o "$app/publish-aot" -nologo -v:q); then
      mkdir -p "$alone"
      cp "$app/publish-aot/PackageConsumer" "$alone/"
      output="$(cd / && "$alone/PackageConsumer" 2>&1)" || status=$?
      printf '%s\n' "$output"
      needed=""
      command -v readelf >/dev/null 2>&1 && needed="$(readelf -d "$alone/PackageConsumer" | sed -nE 's/.*\(NEEDED\).*\[(.*)\]/\1/p' | tr '\n' ' ')"
    else
      status=1
    fi
    if [ "$status" -eq 0 ] && [ "$(ls -A "$alone")" = PackageConsumer ] &&
       grep -qx 'dotnet package consumer: pair round trip with descriptor pass OK' <<<"$output" &&
       { [ "$(uname -s)" != Linux ] || grep -qx 'dotnet package consumer: native library (not mapped)' <<<"$output"; } &&
       [[ "$needed" != *libsupervisor_ipc* ]]; then
      echo "PublishAot: one file, the package's static library linked in, ran alone"
      passed=$((passed + 1))
    else
      echo "FAILED: the PublishAot package consumer (needs: '$needed')" >&2
      failed=$((failed + 1))
    fi
  else
    echo "FAILED: $nupkg has no runtimes/$host/static/libsupervisor_ipc.a for NativeAOT" >&2
    failed=$((failed + 1))
  fi

  rm -rf "$app"
  printf '\nnupkg-consumer: %d passed, %d failed\n' "$passed" "$failed"
  [ "$failed" -eq 0 ] || die "the C# package consumer failed"
}

# ./build.sh test-consumers: only the consumer tests, on the current build.
command_test_consumers() {
  native_build
  package_test_native_consumers
  package_test_dotnet_consumer
}

# ./build.sh test-package: the C# consumer against an existing artifacts/packages/SupervisorIpc.<version>.nupkg
# (CI's merged package), building nothing.
command_test_package() {
  package_run_dotnet_consumer
}

# ---- NativeAOT -----------------------------------------------------------------------------

PACKAGE_AOT_PROJECT="$REPO_ROOT/samples/AotGrantFlow/AotGrantFlow.csproj"
PACKAGE_AOT_DIR="$ARTIFACTS/aot"

# ./build.sh aot: publish samples/AotGrantFlow with PublishAot (zero trim/AOT warnings) and run it.
command_aot() {
  native_build
  package_test_aot
}

package_test_aot() {
  require_dotnet
  managed_dotnet_env
  local rid log_file linker=() status=0 started elapsed
  rid="$(package_host_rid)"
  log_file="$PACKAGE_AOT_DIR/publish.log"
  mkdir -p "$PACKAGE_AOT_DIR"
  # NativeAOT links with 'clang' by default; Debian may only have gcc (or a versioned clang).
  if [ "$(uname -s)" = Linux ] && ! command -v clang >/dev/null 2>&1; then
    linker=(-p:CppCompilerAndLinker=gcc)
  fi
  log "aot: publish samples/AotGrantFlow for $rid (PublishAot, warnings are errors)"
  rm -rf "${PACKAGE_AOT_DIR:?}/$rid"
  started="$(date +%s)"
  # The native library is linked into the executable (DirectPInvoke), so no copy of the
  # shared library may travel with it: if the static link failed, running it fails.
  dotnet publish "$PACKAGE_AOT_PROJECT" -c Release -r "$rid" -maxcpucount:2 -nologo -clp:NoSummary \
    -p:SvipcCopyNativeLibrary=false -o "$PACKAGE_AOT_DIR/$rid" "${linker[@]}" 2>&1 | tee "$log_file" || status=$?
  elapsed=$(($(date +%s) - started))
  [ "$status" -eq 0 ] || die "aot: publish failed (see $log_file)"
  # Belt and braces: ILC and ILLink warnings are errors already; none may appear at all.
  if grep -E 'warning (IL|CS)[0-9]+' "$log_file"; then
    die "aot: the publish reported warnings (above)"
  fi
  echo "aot: published in ${elapsed}s: $PACKAGE_AOT_DIR/$rid/AotGrantFlow"
  if compgen -G "$PACKAGE_AOT_DIR/$rid/libsupervisor_ipc.*" >/dev/null; then
    die "aot: a shared supervisor_ipc library was published next to the executable; it must be linked in"
  fi
  log "aot: run the native executable"
  "$PACKAGE_AOT_DIR/$rid/AotGrantFlow"
  printf '\naot: 1 passed, 0 failed\n'
}

# ---- registered with ./build.sh test ------------------------------------------------------
# linux-arm64 under qemu (about a minute) and linux-musl-x64 (about 20 s) stage their
# libraries, which the C# consumer's package then carries.
# Cross-target suites run where their toolchains exist: on a linux-x64 host.
if [ "$(uname -s)/$(uname -m)" = Linux/x86_64 ] && ! ldd --version 2>&1 | grep -qi musl; then
  EXTRA_TESTS+=(command_test_arm64 command_test_musl)
fi
EXTRA_TESTS+=(package_test_native_consumers package_test_dotnet_consumer package_test_aot)

# ./build.sh public-api: after an intended change of the public .NET API, declare the new
# members in managed/SupervisorIpc/PublicAPI.Unshipped.txt (the build fails until they are).
# Removed members: delete their lines by hand (the build names them, RS0017).
command_public_api() {
  require_dotnet
  managed_dotnet_env
  log "public API: declaring new public members in PublicAPI.Unshipped.txt"
  dotnet format analyzers "$PACKAGE_PROJECT" --diagnostics RS0016 --severity info
}
