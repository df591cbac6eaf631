# Demo area: ./build.sh demo runs the C# supervisor demo with its two children (C and C#).
# demo_build builds only what the demo runs: the release library, the C child and the two C# programs (no
# sanitizer build, no test suites, no other projects of the solution).

DEMO_CONFIGURATION="${MANAGED_CONFIGURATION:-Release}"

demo_build() {
  require_native_toolchain
  require_dotnet
  managed_dotnet_env
  log "demo: build the release library and the C child ($NATIVE_RELEASE_DIR)"
  local generator=()
  mapfile -t generator < <(native_generator_args)
  if [ -f "$NATIVE_RELEASE_DIR/CMakeCache.txt" ] && [ ${#generator[@]} -gt 0 ] &&
     ! grep -q '^CMAKE_GENERATOR:INTERNAL=Ninja$' "$NATIVE_RELEASE_DIR/CMakeCache.txt"; then
    rm -rf "$NATIVE_RELEASE_DIR"
  fi
  # The same configuration as native_build's release build, so either reuses the other's tree.
  cmake -S "$NATIVE_SOURCE_DIR" -B "$NATIVE_RELEASE_DIR" "${generator[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSVIPC_SANITIZE=OFF >/dev/null
  cmake --build "$NATIVE_RELEASE_DIR" -j 2 --target supervisor_ipc svipc_c_child
  log "demo: build the C# supervisor and child ($DEMO_CONFIGURATION)"
  local project
  for project in "$REPO_ROOT/samples/Demo/Supervisor/SupervisorIpc.Demo.Supervisor.csproj" \
                 "$REPO_ROOT/samples/Demo/Child/SupervisorIpc.Demo.Child.csproj"; do
    dotnet build "$project" -c "$DEMO_CONFIGURATION" -f net10.0 -maxcpucount:2 -nologo -clp:NoSummary -v:q
  done
}

run_demo() {
  require_dotnet
  local supervisor="$ARTIFACTS/bin/SupervisorIpc.Demo.Supervisor/$DEMO_CONFIGURATION/net10.0/SupervisorIpc.Demo.Supervisor.dll"
  local cs_child="$ARTIFACTS/bin/SupervisorIpc.Demo.Child/$DEMO_CONFIGURATION/net10.0/SupervisorIpc.Demo.Child.dll"
  local c_child="$ARTIFACTS/native/release/bin/c-child"
  [ -f "$supervisor" ] || die "demo: $supervisor is missing; the managed build did not produce it."
  [ -f "$cs_child" ] || die "demo: $cs_child is missing; the managed build did not produce it."
  [ -x "$c_child" ] || die "demo: $c_child is missing; the native build did not produce it."
  log "demo: a C# supervisor, a C child and a C# child"
  DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 \
    dotnet "$supervisor" --c-child "$c_child" --cs-child "$cs_child" "$@"
}

# Part of ./build.sh test: the demo as a user runs it (the C# supervisor with the C child on the typed C API
# and the C# child), counted as one test. The demo exits non-zero on any unexpected result.
demo_test() {
  local passed=1 failed=0
  run_demo || { passed=0; failed=1; }
  printf '\ndemo run: %d passed, %d failed\n' "$passed" "$failed"
  [ "$failed" -eq 0 ] || die "the demo failed"
}
EXTRA_TESTS+=(demo_test)
