#include "bench_options.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool parse_count(const char* text, uint64_t* value)
{
    char* end = NULL;
    errno = 0;
    unsigned long long parsed = strtoull(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0')
    {
        return false;
    }
    *value = (uint64_t)parsed;
    return true;
}

bool bench_parse_options(int argc, char** argv, bench_options* options, const char* usage)
{
    for (int i = 1; i < argc; i++)
    {
        const char* name = argv[i];
        const char* value = i + 1 < argc ? argv[i + 1] : NULL;
        bool ok = value != NULL;
        if (ok && strcmp(name, "--impl") == 0)
        {
            options->impl = value;
        }
        else if (ok && strcmp(name, "--fd") == 0)
        {
            ok = strcmp(value, "0") == 0 || strcmp(value, "1") == 0;
            options->with_fd = strcmp(value, "1") == 0;
        }
        else if (ok && strcmp(name, "--iterations") == 0)
        {
            ok = parse_count(value, &options->iterations) && options->iterations > 0;
        }
        else if (ok && strcmp(name, "--warmup") == 0)
        {
            ok = parse_count(value, &options->warmup);
        }
        else
        {
            ok = false;
        }
        if (!ok)
        {
            fprintf(stderr, "usage: %s %s\n", argv[0], usage);
            return false;
        }
        i++;
    }
    return true;
}

void bench_fail(const char* what)
{
    fprintf(stderr, "benchmark failed: %s (errno %d: %s)\n", what, errno, strerror(errno));
    exit(1);
}
