/* Command-line options shared by the benchmark programs: --impl NAME --fd 0|1 --iterations N --warmup N. */
#ifndef BENCH_OPTIONS_H
#define BENCH_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>

typedef struct bench_options
{
    const char* impl;
    bool with_fd;
    uint64_t iterations;
    uint64_t warmup;
} bench_options;

/* Fills options from argv over the given defaults; prints usage and returns false on a bad argument. */
bool bench_parse_options(int argc, char** argv, bench_options* options, const char* usage);

/* Reports a failed step and exits: a benchmark that lost its peer has no number to give. */
void bench_fail(const char* what);

#endif /* BENCH_OPTIONS_H */
