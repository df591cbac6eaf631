# Benchmark area: ./build.sh bench [--quick] [--full] [--runs N] [--skip-bdn] [--skip-strace]
# (--quick: 3 shorter runs and a short BenchmarkDotNet job, ~4 minutes; --full: throughput pinned as well as unpinned)
# Builds bench/native (its own CMake project, so `build`/`test` stay lean) and the two .NET bench projects,
# then runs, interleaved, the round-trip and throughput programs pinned (taskset -c 0) and unpinned, counts
# syscalls per frame with strace, runs the BenchmarkDotNet micro-benchmarks, and writes a Markdown report to
# artifacts/bench/report.md (the numbers BENCHMARKS.md quotes). Timing is never asserted anywhere.

BENCH_NATIVE_DIR="$ARTIFACTS/bench/native"
BENCH_OUT_DIR="$ARTIFACTS/bench"
BENCH_HARNESS_PROJECT="$REPO_ROOT/bench/managed/SupervisorIpc.Bench.Harness/SupervisorIpc.Bench.Harness.csproj"
BENCH_BDN_PROJECT="$REPO_ROOT/bench/managed/SupervisorIpc.Benchmarks/SupervisorIpc.Benchmarks.csproj"
BENCH_HARNESS_DIR="$ARTIFACTS/bin/SupervisorIpc.Bench.Harness/Release/net10.0"
BENCH_BDN_DIR="$ARTIFACTS/bin/SupervisorIpc.Benchmarks/Release/net10.0"
BENCH_MANAGED_WARMUP_FACTOR=3

bench_build() {
  require_native_toolchain
  require_dotnet
  managed_dotnet_env
  log "bench: C benchmark programs ($BENCH_NATIVE_DIR)"
  local generator=()
  mapfile -t generator < <(native_generator_args)
  if [ -f "$BENCH_NATIVE_DIR/CMakeCache.txt" ] && [ ${#generator[@]} -gt 0 ] &&
     ! grep -q '^CMAKE_GENERATOR:INTERNAL=Ninja$' "$BENCH_NATIVE_DIR/CMakeCache.txt"; then
    rm -rf "$BENCH_NATIVE_DIR"
  fi
  cmake -S "$REPO_ROOT/bench/native" -B "$BENCH_NATIVE_DIR" "${generator[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build "$BENCH_NATIVE_DIR" -j 2
  log "bench: .NET harness and BenchmarkDotNet project (Release)"
  local project
  for project in "$BENCH_HARNESS_PROJECT" "$BENCH_BDN_PROJECT"; do
    dotnet build "$project" -c Release -maxcpucount:2 -nologo -v:q -clp:NoSummary \
      -p:SvipcNativeDir="$BENCH_NATIVE_DIR/lib/"
  done
}

# bench_run_program MODE RUN BENCH IMPL FD ITERATIONS WARMUP: runs one measurement, appends its result line.
bench_run_program() {
  local mode="$1" run="$2" bench="$3" impl="$4" fd="$5" iterations="$6" warmup="$7"
  local pin=()
  [ "$mode" = pinned ] && pin=(taskset -c 0)
  local command=()
  case "$impl" in
    cs-*) command=(dotnet "$BENCH_HARNESS_DIR/SupervisorIpc.Bench.Harness.dll" "$bench") ;;
    *) command=("$BENCH_NATIVE_DIR/bin/svipc_bench_$bench") ;;
  esac
  # Tiered compilation needs far more warm-up than C (the harness reports methods still compiled while timed).
  case "$impl" in cs-*) warmup=$((warmup * BENCH_MANAGED_WARMUP_FACTOR)) ;; esac
  command+=(--impl "$impl" --iterations "$iterations" --warmup "$warmup")
  [ "$bench" = roundtrip ] && command+=(--fd "$fd")
  local line
  line="$("${pin[@]}" "${command[@]}" | grep '^result ')" || die "bench: '${command[*]}' failed"
  printf '%s run=%s mode=%s\n' "$line" "$run" "$mode" | tee -a "$BENCH_RESULTS"
}

# Rotates a list by N places, so that no implementation always runs first (or right after a heavy one).
bench_rotate() {
  local n="$1"; shift
  local items=("$@") count=$# i
  for ((i = 0; i < count; i++)); do printf '%s\n' "${items[$(((i + n) % count))]}"; done
}

bench_timings() {
  local runs="$1" rt_iterations="$2" rt_warmup="$3" tp_iterations="$4" tp_warmup="$5" tp_modes="$6"
  local run mode fd impl impls
  for ((run = 1; run <= runs; run++)); do
    for mode in pinned unpinned; do
      for fd in 0 1; do
        impls=(floor c-lib c-lib-typed cs-raw cs-typed)
        [ "$fd" = 0 ] && impls+=(cs-socket-stj)
        # Bare P/Invoke over the C library: splits the managed gap into transitions and facade (pinned only).
        [ "$mode" = pinned ] && [ "$fd" = 0 ] && impls+=(cs-pinvoke)
        while read -r impl; do
          bench_run_program "$mode" "$run" roundtrip "$impl" "$fd" "$rt_iterations" "$rt_warmup"
        done < <(bench_rotate "$run" "${impls[@]}")
      done
    done
    for mode in $tp_modes; do
      while read -r impl; do
        bench_run_program "$mode" "$run" throughput "$impl" 0 "$tp_iterations" "$tp_warmup"
      done < <(bench_rotate "$run" floor c-lib c-lib-encode cs-raw cs-typed cs-socket-stj)
    done
  done
}

# All implementations in one pinned process, block by block (the harness's `interleaved` mode): the figures the
# goals are judged on, because the per-process runs above also measure how fast the VM's CPU was that second.
# bench_interleaved REPETITIONS BLOCKS BLOCK_ITERATIONS: appends result lines to $BENCH_RESULTS.
bench_interleaved() {
  local repetitions="$1" blocks="$2" block_iterations="$3" repetition fd impls line
  for ((repetition = 1; repetition <= repetitions; repetition++)); do
    for fd in 0 1; do
      impls=floor,c-lib,cs-pinvoke,cs-raw,cs-typed
      # The same with every wait in poll(POLLIN) (svipc_set_wait_in_poll / WaitsForDataInPoll), and the floor so.
      impls+=,floor-poll,c-lib-poll,cs-typed-poll
      # The floor reading all that is queued in one recvmsg, as the library does: the same system calls.
      impls+=,floor-readahead,floor-readahead-poll
      if [ "$fd" = 0 ]; then impls+=,cs-socket-stj; else impls+=,floor-mmsg; fi
      taskset -c 0 dotnet "$BENCH_HARNESS_DIR/SupervisorIpc.Bench.Harness.dll" interleaved --impls "$impls" --fd "$fd" \
          --blocks "$blocks" --block-iterations "$block_iterations" \
          --native-peers "$BENCH_NATIVE_DIR/lib/libsvipc_bench_native_peers.so" >"$BENCH_OUT_DIR/interleaved.out" ||
        die "bench: the interleaved run failed"
      while read -r line; do
        printf '%s repetition=%s\n' "$line" "$repetition" | tee -a "$BENCH_RESULTS"
      done < <(grep '^result ' "$BENCH_OUT_DIR/interleaved.out")
    done
  done
}

# strace -f -c over two lengths of the same run; the difference divided by the extra round trips is the
# per-round-trip syscall count with process start-up, warm-up and thread creation cancelled out.
bench_strace_counts() {
  local short=2000 long=12000
  local out="$BENCH_OUT_DIR/strace"
  mkdir -p "$out"
  printf '| impl | fd | sends (sendmsg, sendto, write) | receives (recvmsg, recvfrom, read) | other | total | other, by name |\n'
  printf '|---|---|---:|---:|---:|---:|---|\n'
  local impl fd n
  for fd in 0 1; do
    for impl in floor c-lib cs-raw cs-typed cs-socket-stj; do
      [ "$impl" = cs-socket-stj ] && [ "$fd" = 1 ] && continue
      for n in "$short" "$long"; do
        local command=()
        case "$impl" in
          cs-*) command=(dotnet "$BENCH_HARNESS_DIR/SupervisorIpc.Bench.Harness.dll" roundtrip) ;;
          *) command=("$BENCH_NATIVE_DIR/bin/svipc_bench_roundtrip") ;;
        esac
        command+=(--impl "$impl" --fd "$fd" --iterations "$n" --warmup 0)
        strace -f -c -o "$out/$impl-fd$fd-$n.txt" "${command[@]}" >/dev/null || die "bench: strace of ${command[*]} failed"
      done
      awk -v impl="$impl" -v fd="$fd" -v extra=$((long - short)) '
        # strace -c rows: % time, seconds, usecs/call, calls, [errors], syscall
        FNR == 1 { file++ }
        $NF != "total" && $4 ~ /^[0-9]+$/ { calls[file, $NF] += $4; total[file] += $4; names[$NF] = 1 }
        END {
          send = (calls[2, "sendmsg"] + calls[2, "sendto"] + calls[2, "write"]) - (calls[1, "sendmsg"] + calls[1, "sendto"] + calls[1, "write"])
          recv = (calls[2, "recvmsg"] + calls[2, "recvfrom"] + calls[2, "read"]) - (calls[1, "recvmsg"] + calls[1, "recvfrom"] + calls[1, "read"])
          all = total[2] - total[1]
          other = ""
          for (name in names) {
            if (name ~ /^(sendmsg|sendto|write|recvmsg|recvfrom|read)$/) continue
            d = calls[2, name] - calls[1, name]
            if (d / extra >= 0.01) other = other sprintf("%s%s %.2f", other == "" ? "" : ", ", name, d / extra)
          }
          printf "| %s | %s | %.2f | %.2f | %.2f | %.2f | %s |\n", impl, fd, send / extra, recv / extra, (all - send - recv) / extra, all / extra, other == "" ? "-" : other
        }' "$out/$impl-fd$fd-$short.txt" "$out/$impl-fd$fd-$long.txt"
    done
  done
}

# bench_scale COUNT...: for each N, the managed harness's `scale` row and the C floor's (svipc_bench_scale: one
# epoll thread, the library in non-blocking mode), one process each, then managed / C floor grants per second.
bench_scale() {
  local count managed_rows="" floor_rows="" row
  for count in "$@"; do
    row="$(dotnet "$BENCH_HARNESS_DIR/SupervisorIpc.Bench.Harness.dll" scale --no-header --counts "$count" --probes 100)" ||
      die "bench: scale (managed) failed"
    managed_rows+="$row"$'\n'
    row="$("$BENCH_NATIVE_DIR/bin/svipc_bench_scale" --no-header --counts "$count" --probes 100)" ||
      die "bench: scale (C floor) failed"
    floor_rows+="$row"$'\n'
  done
  local header='| connections | probe p50 (ms) | probe p99 (ms) | N requests at once: grants/s (median of 5) | threads | RSS per idle connection (KiB) |
|---:|---:|---:|---:|---:|---:|'
  printf '### Scale: one supervisor, N idle in-process children (probe latency over 100 probes, N requests at once, threads, RSS)\n\n'
  printf 'SupervisorService (ServeAsync per connection):\n\n%s\n%s\n' "$header" "$managed_rows"
  printf 'C floor (one epoll thread, svipc_recv_message + svipc_grant in non-blocking mode):\n\n%s\n%s\n' "$header" "$floor_rows"
  printf '| connections | grants/s managed / C floor |\n|---:|---:|\n'
  awk -F'|' 'NR == FNR { floor[$2 + 0] = $5; next } { printf "| %d | %.2f |\n", $2, $5 / floor[$2 + 0] }' \
    <(printf '%s' "$floor_rows") <(printf '%s' "$managed_rows")
  printf '\n'
}

# bench_scale_served IMPL COUNT [CHILDREN OPTION...]: starts the supervisor IMPL (floor: svipc_bench_scale --serve; managed: the harness's
# scale-serve) at a fresh path, runs svipc_bench_scale_children with COUNT children against it, prints its row.
bench_scale_served() {
  local impl="$1" count="$2" directory server row
  shift 2
  directory="$(mktemp -d /tmp/svipc-scale-served-XXXXXX)"
  printf 'granted\n' >"$directory/granted.txt"
  # managed-hardened: as SECURITY.md asks of a supervisor of untrusted children, no diagnostics socket (nor its threads).
  local environment=()
  [ "$impl" = managed-hardened ] && environment=(DOTNET_EnableDiagnostics=0)
  case "$impl" in
    floor) "$BENCH_NATIVE_DIR/bin/svipc_bench_scale" --serve "$directory/s.sock" --root "$directory" & ;;
    managed|managed-hardened) env "${environment[@]}" dotnet "$BENCH_HARNESS_DIR/SupervisorIpc.Bench.Harness.dll" scale-serve \
        --listen "$directory/s.sock" --root "$directory" & ;;
  esac
  server=$!
  local tries
  for ((tries = 0; tries < 200; tries++)); do
    [ -S "$directory/s.sock" ] && break
    sleep 0.05
  done
  # timeout: a child process that died would leave the children program waiting for its "done" byte.
  row="$(timeout 600 "$BENCH_NATIVE_DIR/bin/svipc_bench_scale_children" --connect "$directory/s.sock" --file "$directory/granted.txt" \
    --count "$count" --probes 100 "$@")" || { kill "$server"; die "bench: scale children against $impl failed"; }
  wait "$server" || die "bench: the $impl scale supervisor failed"
  rm -rf "$directory"
  printf '%s\n' "$row"
}

# bench_scale_processes COUNT...: the same C children (another process) served by the managed supervisor and by the
# C floor, for each N; the supervisor's process holds only its own N descriptors, so N = 10,000 fits. Then the same
# with 1,000 real child processes (svipc_bench_scale_children --processes 1), and the managed supervisor once more at
# 1,000, 10,000 and 1,000 processes with the runtime's diagnostics off, as SECURITY.md asks for untrusted children.
bench_scale_processes() {
  local count managed_rows="" floor_rows=""
  for count in "$@"; do
    managed_rows+="$(bench_scale_served managed "$count")"$'\n'
    floor_rows+="$(bench_scale_served floor "$count")"$'\n'
  done
  managed_rows+="$(bench_scale_served managed 1000 --processes 1)"$'\n'
  floor_rows+="$(bench_scale_served floor 1000 --processes 1)"$'\n'
  local hardened_rows=""
  for count in 1000 10000; do
    hardened_rows+="$(bench_scale_served managed-hardened "$count")"$'\n'
  done
  hardened_rows+="$(bench_scale_served managed-hardened 1000 --processes 1)"$'\n'
  local header='| connections | probe p50 (ms) | probe p99 (ms) | N requests at once: grants/s (median of 16) | supervisor threads | supervisor RSS per idle connection (KiB) | supervisor CPU per grant (µs) |
|---:|---:|---:|---:|---:|---:|---:|'
  printf '### Scale: one supervisor, N idle children connected from another process (svipc_bench_scale_children)\n\n'
  printf 'SupervisorService (scale-serve: UncheckedSupervisorListener, ServeAsync per connection):\n\n%s\n%s\n' "$header" "$managed_rows"
  printf 'C floor (svipc_bench_scale --serve: one epoll thread, non-blocking accept, svipc_recv_message + svipc_grant):\n\n%s\n%s\n' "$header" "$floor_rows"
  printf 'SupervisorService with DOTNET_EnableDiagnostics=0 (SECURITY.md):\n\n%s\n%s\n' "$header" "$hardened_rows"
  printf '| connections | grants/s managed / C floor | CPU per grant managed / C floor |\n|---:|---:|---:|\n'
  awk -F'|' 'NR == FNR { floor[$2] = $5; cpu[$2] = $8; next } { printf "|%s| %.2f | %.2f |\n", $2, $5 / floor[$2], (cpu[$2] > 0 ? $8 / cpu[$2] : 0) }' \
    <(printf '%s' "$floor_rows") <(printf '%s' "$managed_rows")
  printf '\n'
}

bench_machine() {
  printf -- '- date: %s\n' "$(date -u '+%Y-%m-%d %H:%M UTC')"
  printf -- '- CPU: %s, %s logical CPUs\n' "$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)" "$(nproc)"
  printf -- '- kernel: %s; C compiler: %s; .NET: %s\n' "$(uname -r)" "$(cc --version | head -n 1)" "$(dotnet --version)"
  printf -- '- load average before the runs: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
}

command_bench() {
  local quick=0 runs=5 skip_bdn=0 skip_strace=0 arguments="$*" tp_modes=unpinned
  while [ $# -gt 0 ]; do
    case "$1" in
      --quick) quick=1 ;;
      --full) tp_modes="unpinned pinned" ;;
      --runs) runs="$2"; shift ;;
      --skip-bdn) skip_bdn=1 ;;
      --skip-strace) skip_strace=1 ;;
      *) die "bench: unknown option '$1' (use --quick, --full, --runs N, --skip-bdn, --skip-strace)" ;;
    esac
    shift
  done
  require_command taskset "apt-get install -y util-linux"
  [ "$skip_strace" = 1 ] || require_command strace "apt-get install -y strace"
  local rt_iterations=100000 rt_warmup=20000 tp_iterations=1000000 tp_warmup=40000
  local interleaved_repetitions=3 interleaved_blocks=40 interleaved_block_iterations=5000
  if [ "$quick" = 1 ]; then
    runs=3 rt_iterations=20000 rt_warmup=5000 tp_iterations=200000 tp_warmup=20000
    interleaved_repetitions=1 interleaved_blocks=20
  fi
  bench_build
  mkdir -p "$BENCH_OUT_DIR"
  BENCH_RESULTS="$BENCH_OUT_DIR/results-$(date -u +%Y%m%dT%H%M%SZ).txt"
  local report="$BENCH_OUT_DIR/report.md"
  {
    printf '## Run of %s\n\n' "$(date -u '+%Y-%m-%d %H:%M UTC')"
    bench_machine
    printf -- '- command: `./build.sh bench %s` (%s runs of one process per measurement; round trip %s iterations after %s warm-up round trips, %s for C#; throughput %s messages after %s, %s for C#)\n\n' \
      "$arguments" "$runs" "$rt_iterations" "$rt_warmup" "$((rt_warmup * BENCH_MANAGED_WARMUP_FACTOR))" "$tp_iterations" "$tp_warmup" "$((tp_warmup * BENCH_MANAGED_WARMUP_FACTOR))"
  } >"$report.head"

  log "bench: round trip, all implementations in one pinned process, $interleaved_repetitions x $interleaved_blocks blocks"
  bench_interleaved "$interleaved_repetitions" "$interleaved_blocks" "$interleaved_block_iterations"
  log "bench: round trip and throughput, $runs interleaved runs (raw results: $BENCH_RESULTS)"
  bench_timings "$runs" "$rt_iterations" "$rt_warmup" "$tp_iterations" "$tp_warmup" "$tp_modes"
  {
    cat "$report.head"
    printf -- '- load average after the timed runs: %s\n\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
    awk -f "$REPO_ROOT/bench/report.awk" "$BENCH_RESULTS"
  } >"$report"
  rm -f "$report.head"

  log "bench: scale, one SupervisorService and the C floor serving N idle in-process children (one process per N)"
  local scale_counts="10 100 1000 9000"
  [ "$quick" = 1 ] && scale_counts="10 100 1000"
  bench_scale $scale_counts | tee -a "$report"
  log "bench: scale, the same children from another process served by SupervisorService and by the C floor"
  local served_counts="10 100 1000 10000"
  [ "$quick" = 1 ] && served_counts="10 1000"
  bench_scale_processes $served_counts | tee -a "$report"

  if [ "$skip_strace" = 0 ]; then
    log "bench: syscalls per round trip (strace -f -c)"
    { printf '### Syscalls per round trip (strace -f -c; difference of a 12000- and a 2000-round-trip run, / 10000)\n\n'
      printf 'A round trip is two frames (a Request sent by the child, a Decision sent by the supervisor), plus one descriptor carrier with fd=1.\n\n'
      bench_strace_counts
      printf '\n'; } | tee -a "$report"
  fi

  if [ "$skip_bdn" = 0 ]; then
    log "bench: BenchmarkDotNet micro-benchmarks (in process)"
    local bdn_args=(--artifacts "$BENCH_OUT_DIR/bdn")
    [ "$quick" = 1 ] && bdn_args+=(--quick)
    rm -rf "$BENCH_OUT_DIR/bdn/results"
    dotnet "$BENCH_BDN_DIR/SupervisorIpc.Benchmarks.dll" "${bdn_args[@]}" || die "bench: BenchmarkDotNet failed"
    { printf '### BenchmarkDotNet micro-benchmarks (`[MemoryDiagnoser]`, in-process toolchain)\n\n'
      local table
      for table in "$BENCH_OUT_DIR"/bdn/results/*-report-github.md; do
        sed -n '/^|/p' "$table"; printf '\n'
      done; } >>"$report"
  fi
  log "bench: report written to $report"
  cat "$report"
}
