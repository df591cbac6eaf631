/*
 * Shared helpers for the hostile-peer suite: a raw peer that writes whatever
 * bytes and descriptors a test wants, descriptor accounting through
 * /proc/self/fd, and fail-fast checks that name the status that went wrong.
 * Linux only: the suite relies on /proc and on Linux SCM_RIGHTS semantics.
 */
#ifndef HOSTILE_H
#define HOSTILE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "supervisor_ipc.h"

#define SVIPC_TEST_STATUS_TEXT(status) hostile_status_name(status)
#include "../support/svipc_test_check.h"
#include "../support/svipc_test_portable.h"

#define HOSTILE_FAIL SVIPC_TEST_FAIL

/** A test case: a name for the log and a function that exits non-zero on failure. */
typedef struct hostile_case
{
    const char* name;
    void (*run)(void);
} hostile_case;

/** Runs every case (or only the one named by argv[1]); returns the process exit code. */
int hostile_run_cases(int argc, char** argv, const hostile_case* cases, size_t count);

const char* hostile_status_name(svipc_status status);

/** Number of open descriptors of this process, read from /proc/self/fd. */
int hostile_count_fds(void);

/** True when fd is open and has FD_CLOEXEC. */
int hostile_fd_is_cloexec(int fd);

/**
 * A connected pair where the library owns one end (*library) and the test holds
 * the other as a raw descriptor (*raw_peer), free to write anything on it.
 */
void hostile_raw_pair(svipc_socket** library, int* raw_peer);

/** Writes all bytes with plain write(2), retrying short writes; fails the test on error. */
void hostile_write_all(int fd, const void* data, size_t length);

/**
 * One sendmsg carrying data (length >= 1) and fd_count descriptors as a single
 * SCM_RIGHTS message; the descriptors stay owned by the caller. Returns the
 * sendmsg result (bytes sent or -1 with errno).
 */
long hostile_send_with_fds(int fd, const void* data, size_t length, const int* fds, int fd_count);

/** Opens fd_count fresh close-on-exec descriptors of /dev/null into fds. */
void hostile_open_null_fds(int* fds, int fd_count);

void hostile_close_fds(const int* fds, int fd_count);

/** Writes the 4-byte big-endian prefix of length into out. */
void hostile_encode_prefix(uint32_t length, uint8_t out[SVIPC_FRAME_HEADER_SIZE]);

/** Builds prefix + payload into a malloc'd buffer; *frame_length receives its size. */
uint8_t* hostile_build_frame(const void* payload, uint32_t length, size_t* frame_length);

/** Bytes waiting unread in a socket's receive queue (FIONREAD). */
int hostile_unread_bytes(int fd);

/** Monotonic clock in milliseconds. */
int64_t hostile_now_ms(void);

/** Reads a positive integer from the environment, or returns fallback. */
long hostile_env_long(const char* name, long fallback);

/** A fresh unique socket path under the temp directory (caller frees). */
char* hostile_temp_socket_path(const char* tag);

/** The reference JSON payloads of wire-vectors.tsv that the suite uses as frames. */
extern const char* const hostile_reference_payloads[];
extern const size_t hostile_reference_payload_count;

#endif /* HOSTILE_H */
