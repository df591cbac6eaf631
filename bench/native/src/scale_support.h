/* What both scale programs share: the children's side (probes, bursts) and the /proc readings of a process. */
#ifndef SCALE_SUPPORT_H
#define SCALE_SUPPORT_H

#include "supervisor_ipc.h"

#include <stddef.h>
#include <sys/types.h>

/* Prints what failed and exits. */
void scale_fail(const char* what, svipc_status status);

/* VmRSS of process pid (0: this process) in KiB, or -1. */
long scale_rss_kib(pid_t pid);

/* CPU time (user + system) process pid (0: this process) has used, in seconds, or -1. */
double scale_cpu_seconds(pid_t pid);

/* Threads of process pid (0: this process), or -1. */
int scale_thread_count(pid_t pid);

/* Raises the soft descriptor limit to `descriptors`, or exits when the hard limit does not allow it. */
void scale_fit_descriptors(long descriptors);

/* probes requests (svipc_request_access for file) on random children, one at a time; sorted milliseconds. */
void scale_probe(svipc_socket** children, long count, int probes, const char* file, double* sorted_latencies);

/* bursts rounds of: every child sends one request for file, then every answer is received. Sorted grants/s. */
void scale_bursts(svipc_socket** children, long count, int bursts, const char* file, double* sorted_grants_per_second);

/* The fraction-th value of sorted (nearest rank). */
double scale_percentile(const double* sorted, int count, double fraction);

#endif /* SCALE_SUPPORT_H */
