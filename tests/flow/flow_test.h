/*
 * Shared helpers for the flow suite (spawn, open-from-env, listener, the C
 * child's whole flow): fail-fast checks naming the status, a case runner,
 * descriptor accounting through /proc/self/fd, and scratch directories.
 * Linux only: the suite reads /proc.
 */
#ifndef FLOW_TEST_H
#define FLOW_TEST_H

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include "supervisor_ipc.h"

#include "../support/svipc_test_check.h"
#include "../support/svipc_test_portable.h"

#define FLOW_FAIL SVIPC_TEST_FAIL

/* Exit code a case returns when it cannot run here (CTest SKIP_RETURN_CODE). */
#define FLOW_NOT_RUN 77

typedef struct flow_case
{
    const char* name;
    /* Returns 0 when it ran and passed, FLOW_NOT_RUN when it could not run; exits non-zero on failure. */
    int (*run)(void);
} flow_case;

/** Runs every case (or only the one named by argv[1]) in its own child process; returns the exit code. */
int flow_run_cases(int argc, char** argv, const flow_case* cases, size_t count);

/** Number of open descriptors of this process. */
int flow_count_fds(void);

/** True when fd is open and close-on-exec. */
int flow_fd_is_cloexec(int fd);

/** Creates a fresh scratch directory (mode 0700) and writes its path into path. */
void flow_make_temp_dir(char* path, size_t capacity);

/** Removes a scratch directory and the files directly in it. */
void flow_remove_temp_dir(const char* path);

/** Writes text to a new file at path. */
void flow_write_file(const char* path, const char* text);

/** Receives one frame into a NUL-terminated string; fails the test on any other status. */
void flow_recv_text(svipc_socket* socket, char* text, size_t capacity);

/** Sends a NUL-terminated string as one frame. */
void flow_send_text(svipc_socket* socket, const char* text);

#endif /* FLOW_TEST_H */
