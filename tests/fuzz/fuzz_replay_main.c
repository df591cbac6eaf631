/*
 * Stand-alone driver for builds without libFuzzer (gcc, the release and
 * sanitizer CTest builds, valgrind): replays every file named on the command
 * line, or every file in a named directory, through LLVMFuzzerTestOneInput.
 * This keeps the seed corpus and every past finding running as regression tests.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

static int replay_file(const char* path)
{
    FILE* file = fopen(path, "rb");
    if (file == NULL)
    {
        perror(path);
        return 1;
    }
    uint8_t* data = NULL;
    size_t size = 0;
    size_t capacity = 0;
    for (;;)
    {
        if (size == capacity)
        {
            capacity = capacity ? capacity * 2 : 4096;
            uint8_t* grown = realloc(data, capacity);
            if (grown == NULL)
            {
                free(data);
                fclose(file);
                return 1;
            }
            data = grown;
        }
        size_t n = fread(data + size, 1, capacity - size, file);
        if (n == 0)
            break;
        size += n;
    }
    fclose(file);
    LLVMFuzzerTestOneInput(data, size);
    free(data);
    return 0;
}

static int replay_path(const char* path, int* count)
{
    struct stat info;
    if (stat(path, &info) != 0)
    {
        perror(path);
        return 1;
    }
    if (!S_ISDIR(info.st_mode))
    {
        (*count)++;
        return replay_file(path);
    }
    DIR* directory = opendir(path);
    if (directory == NULL)
    {
        perror(path);
        return 1;
    }
    int failed = 0;
    const struct dirent* entry;
    while ((entry = readdir(directory)) != NULL)
    {
        if (entry->d_name[0] == '.')
            continue;
        size_t length = strlen(path) + strlen(entry->d_name) + 2;
        char* child = malloc(length);
        if (child == NULL)
        {
            failed = 1;
            break;
        }
        snprintf(child, length, "%s/%s", path, entry->d_name);
        failed |= replay_path(child, count);
        free(child);
    }
    closedir(directory);
    return failed;
}

int main(int argc, char** argv)
{
    int failed = 0;
    int count = 0;
    for (int i = 1; i < argc; i++)
        failed |= replay_path(argv[i], &count);
    fprintf(stderr, "replayed %d inputs\n", count);
    if (count == 0)
    {
        fprintf(stderr, "no inputs found: a replay that runs nothing proves nothing\n");
        return 1;
    }
    return failed;
}
