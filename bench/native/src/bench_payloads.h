/*
 * The exact bytes every round-trip and throughput benchmark exchanges: the reference
 * vectors request_read and decision_granted (tests/conformance/wire-vectors.tsv). The C#
 * harness encodes its typed messages and checks they produce these same bytes.
 */
#ifndef BENCH_PAYLOADS_H
#define BENCH_PAYLOADS_H

#define BENCH_REQUEST_JSON                                                                                   \
    "{\"Request\":{\"request_id\":\"req-001\",\"path\":\"/tmp/test\",\"access\":\"Read\",\"reason\":\"test " \
    "access\",\"child_pid\":12345,\"session_id\":\"sess-001\"}}"

#define BENCH_DECISION_JSON "{\"Decision\":{\"request_id\":\"req-001\",\"decision\":\"Granted\"}}"

/* The descriptor a granting supervisor passes: the same file in C and C#. */
#define BENCH_GRANTED_FILE "/dev/null"

#endif /* BENCH_PAYLOADS_H */
