/*
 * The child's environment and the checks on the variable that names its
 * descriptor, shared by svipc_spawn and svipc_spawn_sandboxed.
 */
#include "spawn_environment.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char svipc_default_fd_variable[] = "SUPERVISOR_IPC_FD";

/* Room for "=" plus the decimal digits of SVIPC_MAX_CHILD_FD and the terminator. */
#define FD_ASSIGNMENT_EXTRA 16

_Static_assert(SVIPC_MAX_CHILD_FD < 100000, "descriptor number must fit FD_ASSIGNMENT_EXTRA digits");

int svipc_is_valid_variable_name(const char* name)
{
    size_t length = strlen(name);
    if (length == 0 || length > SVIPC_MAX_VARIABLE_NAME || (name[0] >= '0' && name[0] <= '9'))
    {
        return 0;
    }
    for (size_t i = 0; i < length; i++)
    {
        char c = name[i];
        int ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
        if (!ok)
        {
            return 0;
        }
    }
    return 1;
}

/*
 * Builds the child's environment: every entry of source except those named
 * variable, then "variable=child_fd". The strings of source are borrowed; only
 * the array and the appended entry are allocated (*assignment, freed by the caller).
 */
svipc_status svipc_build_child_environment(char* const* source, const char* variable, int32_t child_fd,
                                           char*** result, char** assignment)
{
    size_t name_length = strlen(variable);
    size_t count = 0;
    if (source != NULL)
    {
        while (source[count] != NULL)
        {
            count++;
        }
    }

    size_t entry_size = name_length + FD_ASSIGNMENT_EXTRA;
    char* entry = malloc(entry_size);
    char** environment = calloc(count + 2, sizeof(char*));
    if (entry == NULL || environment == NULL)
    {
        free(entry);
        free(environment);
        errno = ENOMEM;
        return SVIPC_SYSTEM_ERROR;
    }
    int written = snprintf(entry, entry_size, "%s=%d", variable, (int)child_fd);
    if (written < 0 || (size_t)written >= entry_size)
    {
        free(entry);
        free(environment);
        errno = EOVERFLOW;
        return SVIPC_SYSTEM_ERROR;
    }

    size_t kept = 0;
    for (size_t i = 0; i < count; i++)
    {
        char* candidate = source[i];
        int same_name = strncmp(candidate, variable, name_length) == 0 && candidate[name_length] == '=';
        if (!same_name)
        {
            environment[kept++] = candidate;
        }
    }
    environment[kept++] = entry;
    environment[kept] = NULL;

    *result = environment;
    *assignment = entry;
    return SVIPC_OK;
}
