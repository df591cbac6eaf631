# Managed area: the .NET solution (library, binding generator, tests) and the generated bindings.

MANAGED_SOLUTION="$REPO_ROOT/SupervisorIpc.slnx"
MANAGED_TEST_PROJECT="$REPO_ROOT/tests/managed/SupervisorIpc.Tests/SupervisorIpc.Tests.csproj"
MANAGED_CONFIGURATION="${MANAGED_CONFIGURATION:-Release}"
MANAGED_GENERATOR_PROJECT="$REPO_ROOT/managed/SupervisorIpc.BindingGenerator/SupervisorIpc.BindingGenerator.csproj"

managed_dotnet_env() {
  export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
}

managed_build() {
  require_dotnet
  managed_dotnet_env
  log "managed: build $MANAGED_SOLUTION ($MANAGED_CONFIGURATION)"
  # Two cores are shared with the native build and other work: at most two MSBuild nodes.
  dotnet build "$MANAGED_SOLUTION" -c "$MANAGED_CONFIGURATION" -maxcpucount:2 -nologo -clp:NoSummary
}

# managed_trx_counter '<Counters ...>' NAME -> the value of attribute NAME
managed_trx_counter() {
  printf '%s' "$1" | sed -nE "s/.* $2=\"([0-9]+)\".*/\1/p"
}

# Runs the NUnit suite on what managed_build produced; prints each test and a summary, fails on any failure.
managed_test() {
  require_dotnet
  managed_dotnet_env
  log "managed: NUnit tests"
  local results="$ARTIFACTS/test-results"
  local trx="$results/managed-tests.trx"
  mkdir -p "$results"
  rm -f "$trx"
  local status=0
  dotnet test "$MANAGED_TEST_PROJECT" -c "$MANAGED_CONFIGURATION" --no-build --nologo \
    --logger "console;verbosity=normal" --logger "trx;LogFileName=$trx" || status=$?
  # The TRX counters are the one machine-readable summary whatever the console logger prints.
  [ -f "$trx" ] || die "managed tests: no results file ($trx); the test run did not complete."
  local counters
  counters="$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)"
  local total passed failed errors executed
  total="$(managed_trx_counter "$counters" total)"; passed="$(managed_trx_counter "$counters" passed)"
  failed="$(managed_trx_counter "$counters" failed)"; errors="$(managed_trx_counter "$counters" error)"
  executed="$(managed_trx_counter "$counters" executed)"
  [ -n "$total" ] || die "managed tests: no counters in $trx; treating the run as failed."
  local skipped=$((total - executed))
  printf '\nmanaged tests: %s passed, %s failed, %s skipped, %s errors (of %s)\n' \
    "$passed" "$failed" "$skipped" "${errors:-0}" "$total"
  [ "$status" -eq 0 ] && [ "$failed" -eq 0 ] && [ "${errors:-0}" -eq 0 ] && [ "$passed" -gt 0 ] ||
    die "managed tests failed."
}

# Regenerates managed/SupervisorIpc/Interop/NativeMethods.g.cs from native/include/supervisor_ipc.h.
managed_bindings() {
  require_dotnet
  require_command cc "apt-get install -y build-essential (the generator reads the C compiler's include directories)"
  managed_dotnet_env
  log "managed: regenerate bindings from native/include/supervisor_ipc.h"
  dotnet build "$MANAGED_GENERATOR_PROJECT" -c "$MANAGED_CONFIGURATION" -maxcpucount:2 -nologo -v:q -clp:NoSummary
  dotnet "$REPO_ROOT/artifacts/bin/SupervisorIpc.BindingGenerator/$MANAGED_CONFIGURATION/net10.0/SupervisorIpc.BindingGenerator.dll" \
    --repo-root "$REPO_ROOT"
}
