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

# Runs the NUnit suite on what managed_build produced; prints each test and a summary, fails on any failure.
managed_test() {
  require_dotnet
  managed_dotnet_env
  log "managed: NUnit tests"
  local log_file="$ARTIFACTS/test-results/managed-tests.log"
  mkdir -p "$(dirname "$log_file")"
  local status=0
  dotnet test "$MANAGED_TEST_PROJECT" -c "$MANAGED_CONFIGURATION" --no-build --nologo \
    --logger "console;verbosity=normal" \
    --logger "trx;LogFileName=$ARTIFACTS/test-results/managed-tests.trx" \
    2>&1 | tee "$log_file" || status=$?
  local summary passed failed skipped total
  summary="$(grep -E '(Passed|Failed)!? +- +Failed: +[0-9]+' "$log_file" | tail -n 1 || true)"
  passed="$(printf '%s' "$summary" | sed -nE 's/.*Passed: +([0-9]+).*/\1/p')"
  failed="$(printf '%s' "$summary" | sed -nE 's/.*Failed: +([0-9]+).*/\1/p')"
  skipped="$(printf '%s' "$summary" | sed -nE 's/.*Skipped: +([0-9]+).*/\1/p')"
  total="$(printf '%s' "$summary" | sed -nE 's/.*Total: +([0-9]+).*/\1/p')"
  if [ -z "$total" ]; then
    die "managed tests: no summary found (see $log_file); treating the run as failed."
  fi
  printf '\nmanaged tests: %s passed, %s failed, %s skipped (of %s)\n' "$passed" "$failed" "$skipped" "$total"
  [ "$status" -eq 0 ] && [ "$failed" -eq 0 ] && [ "$total" -gt 0 ] || die "managed tests failed."
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
