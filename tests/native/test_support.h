/* A tiny assertion and process helper set for the C tests: no framework, failures abort with file:line. */
#ifndef SVIPC_TEST_SUPPORT_H
#define SVIPC_TEST_SUPPORT_H

#include "supervisor_ipc.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

void test_fail(const char* file, int line, const char* text);
void test_fail_status(const char* file, int line, const char* text, svipc_status expected, svipc_status actual);

#define CHECK(condition) \
    do { if (!(condition)) test_fail(__FILE__, __LINE__, #condition); } while (0)

#define CHECK_STATUS(expected, expression) \
    do { \
        svipc_status check_status_actual_ = (expression); \
        if (check_status_actual_ != (expected)) \
            test_fail_status(__FILE__, __LINE__, #expression, (expected), check_status_actual_); \
    } while (0)

/* Runs one named test function and prints its name; tests abort on the first failure. */
#define RUN(test) test_run(#test, test)
void test_run(const char* name, void (*test)(void));
int test_finish(void);

/* Processes */
pid_t test_fork(void);
void test_wait_success(pid_t child);

/* Files and directories */
void test_make_temp_dir(char* path, size_t capacity);
void test_remove_dir(const char* path);
int test_open_file_with(const char* directory, const char* name, const char* content);
void test_check_file_content(int fd, const char* expected);
bool test_is_close_on_exec(int fd);
int test_count_open_fds(void);

/* Raw stream access, to craft what a well-behaved peer would never send. */
void test_write_all(int fd, const void* data, size_t length);
void test_send_with_fds(int fd, const void* data, size_t length, const int* fds, size_t fd_count);
size_t test_pending_bytes(int fd);
void test_sleep_ms(int milliseconds);

#endif
