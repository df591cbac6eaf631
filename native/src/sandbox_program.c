/*
 * What a program needs to start inside a sandbox (SVIPC_SANDBOX_ALLOW_PROGRAM),
 * and the path a sandboxed start executes. Found in the supervisor: the
 * program's own directory, its ELF interpreter (the dynamic loader named in
 * PT_INTERP) and the system library directories the loader searches. Landlock
 * checks the file opened or executed, not the directories walked to reach
 * it, so symbolic links are resolved first and the rules name real places.
 */
#if defined(__linux__) && !defined(_GNU_SOURCE)
#define _GNU_SOURCE
#endif

#include "supervisor_ipc.h"

#if defined(__linux__)

#include "landlock_kernel.h"
#include "sandbox_internal.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* This process's ELF class: a program of the other class is not inspected (it needs its own loader anyway). */
#if UINTPTR_MAX > 0xffffffffu
typedef Elf64_Ehdr elf_header;
typedef Elf64_Phdr elf_segment;
#else
typedef Elf32_Ehdr elf_header;
typedef Elf32_Phdr elf_segment;
#endif

#define READ_AND_EXECUTE (SVIPC_LL_FS_READ_FILE | SVIPC_LL_FS_READ_DIR | SVIPC_LL_FS_EXECUTE)

/* Where glibc's and musl's loaders look when neither RPATH nor LD_LIBRARY_PATH says otherwise. */
static const char* const k_library_directories[] = { "/lib", "/lib64", "/usr/lib", "/usr/lib64", "/usr/local/lib" };

static int is_executable_file(const char* path)
{
    struct stat status;
    return stat(path, &status) == 0 && S_ISREG(status.st_mode) && access(path, X_OK) == 0;
}

char* svipc_sandbox_resolve_program(const char* program, const char* path_variable)
{
    if (strchr(program, '/') != NULL)
    {
        char* copy = strdup(program);
        if (copy == NULL)
        {
            errno = ENOMEM;
        }
        return copy;
    }
    const char* search = path_variable != NULL ? path_variable : "/bin:/usr/bin";
    size_t name_length = strlen(program);
    int error = ENOENT;
    for (const char* start = search;;)
    {
        const char* end = strchr(start, ':');
        size_t length = end != NULL ? (size_t)(end - start) : strlen(start);
        /* An empty entry means the current directory, as for execvp. */
        const char* directory = length == 0 ? "." : start;
        size_t directory_length = length == 0 ? 1 : length;
        char* candidate = malloc(directory_length + name_length + 2);
        if (candidate == NULL)
        {
            errno = ENOMEM;
            return NULL;
        }
        memcpy(candidate, directory, directory_length);
        candidate[directory_length] = '/';
        memcpy(candidate + directory_length + 1, program, name_length + 1);
        if (is_executable_file(candidate))
        {
            return candidate;
        }
        if (access(candidate, F_OK) == 0)
        {
            error = EACCES; /* there, but not an executable file: execvp reports EACCES if nothing else is found */
        }
        free(candidate);
        if (end == NULL)
        {
            break;
        }
        start = end + 1;
    }
    errno = error;
    return NULL;
}

/* Grants access beneath the directory that really holds path (symbolic links resolved). */
static svipc_status add_directory_of(int ruleset_fd, uint64_t handled, const char* path, uint64_t access)
{
    char* real = realpath(path, NULL);
    if (real == NULL)
    {
        return SVIPC_SYSTEM_ERROR;
    }
    char* slash = strrchr(real, '/');
    if (slash == real)
    {
        slash[1] = '\0'; /* a file directly in / */
    }
    else if (slash != NULL)
    {
        *slash = '\0';
    }
    svipc_status status = svipc_sandbox_add_path_rule(ruleset_fd, handled, real, access);
    int saved = errno;
    free(real);
    errno = saved;
    return status;
}

/* Reads the PT_INTERP path of an ELF file of this machine's class into interpreter; 0 when it has none. */
static int read_interpreter(const char* program, char* interpreter, size_t capacity)
{
    int fd = open(program, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
    {
        return 0;
    }
    int found = 0;
    elf_header header;
    if (pread(fd, &header, sizeof(header), 0) == (ssize_t)sizeof(header) &&
        memcmp(header.e_ident, ELFMAG, SELFMAG) == 0 && header.e_phentsize == sizeof(elf_segment) &&
        header.e_phnum < 4096)
    {
        for (size_t i = 0; i < header.e_phnum && !found; i++)
        {
            elf_segment segment;
            off_t offset = (off_t)(header.e_phoff + i * sizeof(segment));
            if (pread(fd, &segment, sizeof(segment), offset) != (ssize_t)sizeof(segment))
            {
                break;
            }
            if (segment.p_type == PT_INTERP && segment.p_filesz > 1 && segment.p_filesz <= capacity)
            {
                ssize_t got = pread(fd, interpreter, segment.p_filesz, (off_t)segment.p_offset);
                found = got == (ssize_t)segment.p_filesz && interpreter[segment.p_filesz - 1] == '\0';
            }
        }
    }
    close(fd);
    return found;
}

svipc_status svipc_sandbox_add_program_rules(int ruleset_fd, uint64_t handled_access_fs, const char* program)
{
    svipc_status status = add_directory_of(ruleset_fd, handled_access_fs, program, READ_AND_EXECUTE);
    char interpreter[PATH_MAX];
    if (status == SVIPC_OK && read_interpreter(program, interpreter, sizeof(interpreter)))
    {
        status = add_directory_of(ruleset_fd, handled_access_fs, interpreter, READ_AND_EXECUTE);
    }
    for (size_t i = 0; i < sizeof(k_library_directories) / sizeof(k_library_directories[0]) && status == SVIPC_OK; i++)
    {
        status = svipc_sandbox_add_path_rule(ruleset_fd, handled_access_fs, k_library_directories[i], READ_AND_EXECUTE);
        if (status != SVIPC_OK && errno == ENOENT)
        {
            status = SVIPC_OK; /* not every system has every directory */
        }
    }
    if (status == SVIPC_OK)
    {
        status = svipc_sandbox_add_path_rule(ruleset_fd, handled_access_fs, "/etc/ld.so.cache", SVIPC_LL_FS_READ_FILE);
        if (status != SVIPC_OK && errno == ENOENT)
        {
            status = SVIPC_OK; /* musl has no cache */
        }
    }
    return status;
}

#else

/* Nothing to find where there is no Landlock; keeps the translation unit from being empty. */
typedef int svipc_sandbox_program_unused;

#endif
