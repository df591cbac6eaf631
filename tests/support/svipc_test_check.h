/*
 * Fail-fast checks shared by the C test suites that run each case in its own
 * process (tests/hostile, tests/flow): a failure prints file:line and exits.
 * A suite may define SVIPC_TEST_STATUS_TEXT(status) before including this
 * header to name statuses its own way (default: svipc_status_message).
 */
#ifndef SVIPC_TEST_CHECK_H
#define SVIPC_TEST_CHECK_H

#include <stdio.h>
#include <stdlib.h>

#include "supervisor_ipc.h"

#ifndef SVIPC_TEST_STATUS_TEXT
#define SVIPC_TEST_STATUS_TEXT(status) svipc_status_message(status)
#endif

#define SVIPC_TEST_FAIL(...)                                                     \
    do                                                                           \
    {                                                                            \
        fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);                     \
        fprintf(stderr, __VA_ARGS__);                                            \
        fputc('\n', stderr);                                                     \
        exit(1);                                                                 \
    } while (0)

#define CHECK(cond)                                                              \
    do                                                                           \
    {                                                                            \
        if (!(cond))                                                             \
            SVIPC_TEST_FAIL("check failed: %s", #cond);                          \
    } while (0)

#define CHECK_STATUS(expr, expected)                                             \
    do                                                                           \
    {                                                                            \
        svipc_status check_status_actual_ = (expr);                              \
        svipc_status check_status_expected_ = (expected);                        \
        if (check_status_actual_ != check_status_expected_)                      \
            SVIPC_TEST_FAIL("%s returned %s (%d), expected %s (%d)", #expr,      \
                            SVIPC_TEST_STATUS_TEXT(check_status_actual_),        \
                            (int)check_status_actual_,                           \
                            SVIPC_TEST_STATUS_TEXT(check_status_expected_),      \
                            (int)check_status_expected_);                        \
    } while (0)

#endif /* SVIPC_TEST_CHECK_H */
