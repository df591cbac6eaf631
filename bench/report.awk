# Turns the "result key=value ..." lines of the benchmark programs (with run=N mode=pinned|unpinned added by
# eng/bench.sh) into the Markdown tables of BENCHMARKS.md: medians over runs, and each run's ratio to the raw C
# floor of the same run (same mode, same fd setting), of which the median is reported. Portable awk (mawk).

function median(list,    n, values, i, j, t) {
    n = split(list, values, " ")
    if (n == 0) return ""
    for (i = 2; i <= n; i++) {
        t = values[i] + 0
        for (j = i - 1; j >= 1 && values[j] + 0 > t; j--) values[j + 1] = values[j]
        values[j + 1] = t
    }
    if (n % 2) return values[(n + 1) / 2]
    return (values[n / 2] + values[n / 2 + 1]) / 2
}

function minimum(list,    n, values, i, m) {
    n = split(list, values, " "); m = values[1] + 0
    for (i = 2; i <= n; i++) if (values[i] + 0 < m) m = values[i] + 0
    return m
}

function maximum(list,    n, values, i, m) {
    n = split(list, values, " "); m = values[1] + 0
    for (i = 2; i <= n; i++) if (values[i] + 0 > m) m = values[i] + 0
    return m
}

function add(key, value) { series[key] = (key in series) ? series[key] " " value : value }

BEGIN { impl_count = split("floor c-lib c-lib-typed c-lib-encode cs-pinvoke cs-raw cs-typed cs-socket-stj", impls, " ") }

# Lines of the harness's interleaved mode: one per implementation, fd setting and repetition.
$1 == "result" && $2 == "bench=interleaved" {
    delete field
    for (i = 2; i <= NF; i++) { split($i, kv, "="); field[kv[1]] = kv[2] }
    key = field["fd"] SUBSEP field["impl"]
    if (!(key in interleaved_seen)) { interleaved_order[++interleaved_count] = key; interleaved_seen[key] = 1 }
    sep = (key in il_ratio) ? " / " : ""
    il_ratio[key] = il_ratio[key] sep field["ratio"]
    il_quartiles[key] = il_quartiles[key] sep field["ratio_p25"] "–" field["ratio_p75"]
    il_cpu[key] = il_cpu[key] sep field["cpu_ratio"]
    il_readahead[key] = il_readahead[key] sep (("ratio_readahead" in field) ? field["ratio_readahead"] : "–")
    il_readahead_poll[key] = il_readahead_poll[key] sep (("ratio_readahead_poll" in field) ? field["ratio_readahead_poll"] : "–")
    add("il" SUBSEP key SUBSEP "ratio", field["ratio"])
    add("il" SUBSEP key SUBSEP "ns", field["median_ns_per_op"])
    add("il" SUBSEP key SUBSEP "switches", field["switches_per_op"])
    il_blocks = field["blocks"]; il_block_iterations = field["block_iterations"]
    next
}

$1 == "result" {
    delete field
    for (i = 2; i <= NF; i++) { split($i, kv, "="); field[kv[1]] = kv[2] }
    group = field["bench"] SUBSEP field["mode"] SUBSEP field["fd"]
    key = group SUBSEP field["impl"]
    seen[key] = 1
    add(key SUBSEP "ns", field["ns_per_op"])
    add(key SUBSEP "cpu", field["cpu_ns_per_op"])
    add(key SUBSEP "switches", field["switches_per_op"])
    add(key SUBSEP "rate", field["messages_per_s"])
    if ("child_alloc_bytes_per_op" in field) {
        add(key SUBSEP "child_alloc", field["child_alloc_bytes_per_op"])
        add(key SUBSEP "supervisor_alloc", field["supervisor_alloc_bytes_per_op"])
        add(key SUBSEP "jitted", field["jitted_during_run"])
    }
    run_ns[key SUBSEP field["run"]] = field["ns_per_op"]
    run_cpu[key SUBSEP field["run"]] = field["cpu_ns_per_op"]
    runs[field["run"]] = 1
}

function ratios(key, floor_key, table,    r, list) {
    list = ""
    for (r in runs) {
        if ((key SUBSEP r) in table && (floor_key SUBSEP r) in table && table[floor_key SUBSEP r] > 0)
            list = list " " table[key SUBSEP r] / table[floor_key SUBSEP r]
    }
    return list
}

function allocation(key,    c, s) {
    if (!((key SUBSEP "child_alloc") in series)) return "n/a (C)"
    c = median(series[key SUBSEP "child_alloc"]); s = median(series[key SUBSEP "supervisor_alloc"])
    return sprintf("%.0f / %.0f (JIT during run: %s)", c, s, maximum(series[key SUBSEP "jitted"]))
}

function table(bench, mode, title,    i, k, parts, floor_key, header_done, n, fd, m) {
    header_done = 0
    for (fd = 0; fd <= 1; fd++)
    for (m = 1; m <= impl_count; m++) {
        k = bench SUBSEP mode SUBSEP fd SUBSEP impls[m]
        if (!(k in seen)) continue
        split(k, parts, SUBSEP)
        floor_key = parts[1] SUBSEP parts[2] SUBSEP parts[3] SUBSEP "floor"
        if (!header_done) {
            printf "%s\n\n", title
            if (bench == "roundtrip")
                printf "| impl | fd | median ns/round trip | ratio to floor (median of per-run ratios) | min–max ns | median CPU ns/round trip (ratio) | switches/round trip | alloc B/op child / supervisor | runs |\n|---|---|---:|---:|---:|---:|---:|---:|---:|\n"
            else
                printf "| impl | median messages/s | median ns/message | ratio to floor | median CPU ns/message (ratio) | alloc B/message sender / receiver | runs |\n|---|---|---:|---:|---:|---:|---:|\n"
            header_done = 1
        }
        n = split(series[k SUBSEP "ns"], unused, " ")
        if (bench == "roundtrip")
            printf "| %s | %s | %.0f | %.3f | %.0f–%.0f | %.0f (%.3f) | %.2f | %s | %d |\n", parts[4], parts[3], median(series[k SUBSEP "ns"]), median(ratios(k, floor_key, run_ns)), minimum(series[k SUBSEP "ns"]), maximum(series[k SUBSEP "ns"]), median(series[k SUBSEP "cpu"]), median(ratios(k, floor_key, run_cpu)), median(series[k SUBSEP "switches"]), allocation(k), n
        else
            printf "| %s | %.0f | %.0f | %.3f | %.0f (%.3f) | %s | %d |\n", parts[4], median(series[k SUBSEP "rate"]), median(series[k SUBSEP "ns"]), median(ratios(k, floor_key, run_ns)), median(series[k SUBSEP "cpu"]), median(ratios(k, floor_key, run_cpu)), allocation(k), n
    }
    if (header_done) printf "\n"
}

function interleaved_table(    i, key, parts) {
    if (interleaved_count == 0) return
    printf "### Round trip, all implementations in one process, pinned, interleaved block by block\n\n"
    printf "Each repetition times %s blocks of %s round trips of every implementation in rotating order; a block's ratio is to the floor block of the same round. Values per repetition, separated by /.\n\n", il_blocks, il_block_iterations
    printf "| impl | fd | ratio to floor (median of block ratios) | its p25–p75 | CPU ratio | to floor-readahead | to floor-readahead-poll | median ns/round trip | switches/round trip |\n|---|---|---:|---|---:|---:|---:|---:|---:|\n"
    for (i = 1; i <= interleaved_count; i++) {
        key = interleaved_order[i]
        split(key, parts, SUBSEP)
        printf "| %s | %s | %s | %s | %s | %s | %s | %.0f | %.2f |\n", parts[2], parts[1], il_ratio[key], il_quartiles[key], il_cpu[key], il_readahead[key], il_readahead_poll[key], median(series["il" SUBSEP key SUBSEP "ns"]), median(series["il" SUBSEP key SUBSEP "switches"])
    }
    printf "\n"
}

END {
    interleaved_table()
    table("roundtrip", "pinned", "### Round trip Request → Decision(Granted), pinned (`taskset -c 0`: both threads on one CPU)")
    table("roundtrip", "unpinned", "### Round trip, unpinned (two CPUs: dominated by cross-CPU wake-up latency)")
    table("throughput", "unpinned", "### One-way throughput child → supervisor, unpinned")
    table("throughput", "pinned", "### One-way throughput child → supervisor, pinned")
}
