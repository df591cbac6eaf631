/*
 * The child's environment and the name of the variable that tells it its
 * descriptor number (spawn_environment.c), for svipc_spawn and
 * svipc_spawn_sandboxed.
 */
#ifndef SVIPC_SPAWN_ENVIRONMENT_H
#define SVIPC_SPAWN_ENVIRONMENT_H

#include "supervisor_ipc.h"

/** "SUPERVISOR_IPC_FD". */
extern const char svipc_default_fd_variable[];

/** True when name is 1..SVIPC_MAX_VARIABLE_NAME letters, digits and '_', not starting with a digit. */
int svipc_is_valid_variable_name(const char* name);

/**
 * Builds the child's environment: every entry of source except those named
 * variable, then "variable=child_fd". The strings of source are borrowed; only
 * the array and the appended entry are allocated (*assignment, freed by the caller).
 */
svipc_status svipc_build_child_environment(char* const* source, const char* variable, int32_t child_fd,
                                           char*** result, char** assignment);

#endif /* SVIPC_SPAWN_ENVIRONMENT_H */
