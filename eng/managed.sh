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

# The package ships lib/net8.0 and lib/net10.0, so the suite is built for both and each build runs on its own
# runtime. The SDK runs net10.0; .NET 8 comes from the NuGet feed (below), never by rolling net8.0 forward.
MANAGED_NET8_ROOT="$ARTIFACTS/dotnet-net8"

# managed_net8_runtime: lays out a dotnet root at $MANAGED_NET8_ROOT holding the .NET 8 runtime and nothing newer,
# and prints the path of its host. The runtime pack Microsoft.NETCore.App.Runtime.<rid> (the files a self-contained
# net8.0 app ships, hostfxr included) is restored from the feed at the patch version this SDK picks for
# self-contained apps, then arranged as host/fxr/<v>/ and shared/Microsoft.NETCore.App/<v>/. The 'dotnet' launcher
# is a copy of the installed SDK's: it only finds hostfxr beside itself, and everything it loads is .NET 8's.
managed_net8_runtime() {
  local project="$REPO_ROOT/eng/runtime-pack/RuntimePack.csproj" rid props line version pack
  rid="$(package_host_rid)"
  props=(-p:SvipcRuntimeFramework=net8.0 -p:SvipcRuntimeIdentifier="$rid")
  dotnet restore "$project" -nologo -v:q "${props[@]}" >&2 || die "could not restore the .NET 8 runtime pack for $rid"
  line="$(dotnet msbuild "$project" -nologo -t:SvipcPrintRuntimePack "${props[@]}" | sed -nE 's/^ *runtime-pack //p' | head -n 1)"
  version="${line%% *}"
  pack="${line#* }/runtimes/$rid"
  [ -n "$version" ] && [ -d "$pack/native" ] || die "the .NET 8 runtime pack for $rid was not found (got '$line')"
  local root="$MANAGED_NET8_ROOT" framework
  framework="$root/shared/Microsoft.NETCore.App/$version"
  if [ ! -f "$root/.complete-$version" ]; then
    rm -rf "$root"
    mkdir -p "$root/host/fxr/$version" "$framework"
    local fxr
    fxr="$(find "$pack/native" -maxdepth 1 -name 'libhostfxr.*' -print -quit)"
    [ -n "$fxr" ] || die "no hostfxr in $pack/native"
    cp "$fxr" "$root/host/fxr/$version/"
    cp "$pack"/lib/net8.0/* "$framework/"
    find "$pack/native" -maxdepth 1 -type f ! -name 'libhostfxr.*' -exec cp {} "$framework/" \;
    local muxer
    muxer="$(dirname "$(readlink -f "$(command -v dotnet)")")/dotnet"
    [ -x "$muxer" ] || die "the dotnet launcher was not found beside the SDK ($muxer)"
    cp "$muxer" "$root/dotnet"
    touch "$root/.complete-$version"
  fi
  # The layout must hold exactly one runtime, 8.0: a net8.0 app then runs on it or fails, never on another.
  local listed
  listed="$(DOTNET_ROOT="$root" "$root/dotnet" --list-runtimes)"
  [ "$listed" = "Microsoft.NETCore.App $version [$root/shared/Microsoft.NETCore.App]" ] ||
    die "the .NET 8 layout lists '$listed'"
  echo "managed: .NET $version runtime (from Microsoft.NETCore.App.Runtime.$rid) at $root" >&2
  printf '%s\n' "$root/dotnet"
}

# managed_trx_counter '<Counters ...>' NAME -> the value of attribute NAME
managed_trx_counter() {
  printf '%s' "$1" | sed -nE "s/.* $2=\"([0-9]+)\".*/\1/p"
}

# managed_test_framework NAME TFM [dotnet test arguments...]: one build of the suite; prints each test and
# a "NAME: P passed, F failed, ..." line (summarize_test_counts adds it to the total); returns 1 on any failure.
managed_test_framework() {
  local name="$1" tfm="$2"
  shift 2
  local results="$ARTIFACTS/test-results"
  local trx="$results/managed-tests-$tfm.trx"
  mkdir -p "$results"
  rm -f "$trx"
  log "managed: NUnit tests, $tfm build"
  local status=0 started
  started="$(date +%s)"
  dotnet test "$MANAGED_TEST_PROJECT" -c "$MANAGED_CONFIGURATION" -f "$tfm" --no-build --nologo \
    --logger "console;verbosity=normal" --logger "trx;LogFileName=$trx" "$@" || status=$?
  # The TRX counters are the one machine-readable summary whatever the console logger prints.
  [ -f "$trx" ] || { echo "$name: no results file ($trx); the test run did not complete." >&2; return 1; }
  local counters
  counters="$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)"
  local total passed failed errors executed
  total="$(managed_trx_counter "$counters" total)"; passed="$(managed_trx_counter "$counters" passed)"
  failed="$(managed_trx_counter "$counters" failed)"; errors="$(managed_trx_counter "$counters" error)"
  executed="$(managed_trx_counter "$counters" executed)"
  [ -n "$total" ] || { echo "$name: no counters in $trx; treating the run as failed." >&2; return 1; }
  local skipped=$((total - executed))
  printf '\n%s: %s passed, %s failed, %s skipped, %s errors (of %s; %ss)\n' \
    "$name" "$passed" "$failed" "$skipped" "${errors:-0}" "$total" "$(($(date +%s) - started))"
  [ "$status" -eq 0 ] && [ "$failed" -eq 0 ] && [ "${errors:-0}" -eq 0 ] && [ "$passed" -gt 0 ]
}

# Runs the NUnit suite on what managed_build produced, once per target framework; fails on any failure.
managed_test() {
  require_dotnet
  managed_dotnet_env
  local host8 status=0
  host8="$(managed_net8_runtime)"
  managed_test_framework "managed tests" net10.0 || status=1
  # vstest starts the net8.0 test host with the .NET 8 layout's launcher; the tests start their .NET children with
  # the launcher they run under, so those run on .NET 8 too (TargetRuntimeTests and the child's runtime= line check it).
  managed_test_framework "managed tests net8.0" net8.0 -- RunConfiguration.DotNetHostPath="$host8" || status=1
  [ "$status" -eq 0 ] || die "managed tests failed."
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
