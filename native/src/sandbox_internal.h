/*
 * The parts of a sandboxed start that run in the supervisor: the Landlock
 * ruleset built from a description (sandbox_ruleset.c) and the rules a
 * program needs to start (sandbox_program.c). Linux only.
 */
#ifndef SVIPC_SANDBOX_INTERNAL_H
#define SVIPC_SANDBOX_INTERNAL_H

#include "supervisor_ipc.h"

#include <stdint.h>

/** Every svipc_sandbox flag. */
#define SVIPC_SANDBOX_ALL_FLAGS \
    (SVIPC_SANDBOX_BEST_EFFORT | SVIPC_SANDBOX_RESTRICT_TCP_BIND | SVIPC_SANDBOX_RESTRICT_TCP_CONNECT | \
     SVIPC_SANDBOX_ALLOW_PROGRAM)

/** Every svipc_sandbox scope. */
#define SVIPC_SANDBOX_ALL_SCOPES (SVIPC_SANDBOX_SCOPE_ABSTRACT_UNIX_SOCKET | SVIPC_SANDBOX_SCOPE_SIGNAL)

/** The Landlock ABI to use: the kernel's, lowered by svipc_sandbox_limit_abi_for_testing; 0 for none. */
int32_t svipc_sandbox_effective_abi(void);

/**
 * Checks the description, decides what the kernel can enforce (*report) and,
 * when something is enforced, builds the ruleset: *ruleset_fd is then a
 * close-on-exec descriptor the caller closes; -1 when nothing is enforced
 * (best effort without Landlock). resolved_program is the path that will be
 * executed, for SVIPC_SANDBOX_ALLOW_PROGRAM.
 */
svipc_status svipc_sandbox_build_ruleset(const svipc_sandbox* sandbox, const char* resolved_program,
                                         svipc_sandbox_report* report, int* ruleset_fd);

/** Adds to the ruleset a rule granting access (Landlock bits, masked by handled) beneath path. */
svipc_status svipc_sandbox_add_path_rule(int ruleset_fd, uint64_t handled_access_fs, const char* path,
                                         uint64_t access);

/**
 * Adds the rules SVIPC_SANDBOX_ALLOW_PROGRAM promises for program (a path
 * with a '/'): its directory, its ELF interpreter's, the system library
 * directories and /etc/ld.so.cache.
 */
svipc_status svipc_sandbox_add_program_rules(int ruleset_fd, uint64_t handled_access_fs, const char* program);

/**
 * The path execve should run for program: program itself when it has a '/',
 * else the first executable regular file named program in the directories of
 * path_variable (as execvp searches). A malloc'd string, or null with errno set.
 */
char* svipc_sandbox_resolve_program(const char* program, const char* path_variable);

#endif /* SVIPC_SANDBOX_INTERNAL_H */
