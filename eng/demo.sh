# Demo area: ./build.sh demo runs the C# supervisor demo with its two children (C and C#).
# build.sh has already run native_build and managed_build when run_demo is called.

DEMO_CONFIGURATION="${MANAGED_CONFIGURATION:-Release}"

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
