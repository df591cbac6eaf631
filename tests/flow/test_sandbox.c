/*
 * svipc_spawn_sandboxed across real processes, with the kernel's Landlock:
 * a direct open outside the rules is refused while a granted descriptor
 * reads; rights withheld stay withheld; the scopes refuse an abstract socket
 * and a signal leaving the sandbox; TCP ports; a kernel without Landlock (or
 * with an older ABI, simulated) refuses by default and reports in best effort;
 * exec failures carry their errno; only 0, 1, 2 and the socket are inherited.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include "flow_test.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#ifndef SANDBOX_PROBE_PATH
#error "SANDBOX_PROBE_PATH must name the sandbox_probe executable"
#endif

/* Cases that need a Landlock feature the kernel lacks are not run (the CI and development kernels have ABI 7). */
static int kernel_abi(void)
{
    int32_t abi = 0;
    CHECK_STATUS(svipc_sandbox_abi(&abi), SVIPC_OK);
    return abi;
}

#define REQUIRE_ABI(minimum)                                                                   \
    do                                                                                         \
    {                                                                                          \
        if (kernel_abi() < (minimum))                                                          \
        {                                                                                      \
            printf("not run: needs Landlock ABI %d, the kernel has %d\n", (minimum), kernel_abi()); \
            return FLOW_NOT_RUN;                                                               \
        }                                                                                      \
    } while (0)

typedef struct scratch
{
    char directory[512];
    char secret[600];
    char other[600];
} scratch;

static void make_scratch(scratch* s)
{
    flow_make_temp_dir(s->directory, sizeof(s->directory));
    snprintf(s->secret, sizeof(s->secret), "%s/secret.txt", s->directory);
    snprintf(s->other, sizeof(s->other), "%s/new.txt", s->directory);
    flow_write_file(s->secret, "the secret");
}

/*
 * Starts the probe in sandbox with steps, sends granted_fd first when >= 0,
 * and returns the probe's report; the child is reaped and must exit 0.
 */
static void run_probe(const svipc_sandbox* sandbox, const char* const* steps, int granted_fd, char* text,
                      size_t capacity, svipc_sandbox_report* report)
{
    char* argv[16] = { SANDBOX_PROBE_PATH };
    size_t count = 1;
    for (; steps[count - 1] != NULL && count < 15; count++)
    {
        argv[count] = (char*)steps[count - 1]; /* exec never writes argv */
    }
    argv[count] = NULL;
    svipc_socket* supervisor = NULL;
    int32_t pid = -1;
    svipc_sandbox_report local;
    CHECK_STATUS(svipc_spawn_sandboxed(sandbox, SANDBOX_PROBE_PATH, argv, NULL, -1, NULL, &supervisor, &pid,
                                       report != NULL ? report : &local),
                 SVIPC_OK);
    CHECK(pid > 0 && flow_fd_is_cloexec(svipc_fd(supervisor)));
    if (granted_fd >= 0)
    {
        CHECK_STATUS(svipc_send_fd(supervisor, granted_fd), SVIPC_OK);
    }
    flow_recv_text(supervisor, text, capacity);
    printf("report: %s\n", text);
    svipc_child_exit exit_status;
    CHECK_STATUS(svipc_wait_child(pid, 10000, &exit_status), SVIPC_OK);
    CHECK(exit_status.exit_code == 0 && exit_status.signal == 0);
    svipc_close(supervisor);
}

/*
 * Read beneath /proc: the probe lists /proc/self/fd, and the sanitizers' runtime (ASan build) reads /proc as
 * the probe exits. The files the cases probe are elsewhere, under rules of their own.
 */
#define PROC_RULE { "/proc", SVIPC_SANDBOX_READ }
static const svipc_sandbox_path_rule k_proc_rule[] = { PROC_RULE };

/* The program's own rules and /proc, nothing else. */
static svipc_sandbox program_only(void)
{
    svipc_sandbox sandbox;
    memset(&sandbox, 0, sizeof(sandbox));
    sandbox.flags = SVIPC_SANDBOX_ALLOW_PROGRAM;
    sandbox.path_rules = k_proc_rule;
    sandbox.path_rule_count = 1;
    return sandbox;
}

static int direct_open_is_refused_and_a_grant_reads(void)
{
    REQUIRE_ABI(1);
    scratch s;
    make_scratch(&s);
    svipc_sandbox sandbox = program_only();
    int granted = open(s.secret, O_RDONLY | O_CLOEXEC);
    CHECK(granted >= 0);
    const char* steps[] = { "read", s.secret, "granted", NULL };
    char text[4096];
    svipc_sandbox_report report;
    run_probe(&sandbox, steps, granted, text, sizeof(text), &report);
    CHECK(strstr(text, "read=EACCES;") != NULL);
    CHECK(strstr(text, "granted=the secret;") != NULL);
    CHECK(report.enforced == 1 && report.abi == kernel_abi());
    CHECK(report.unrestricted_access == 0 && report.unenforced_scopes == 0 && report.unenforced_flags == 0);
    CHECK((report.handled_access_fs & 0x7) == 0x7); /* execute, write, read at least */
    close(granted);
    flow_remove_temp_dir(s.directory);
    return 0;
}

static int withheld_rights_stay_withheld(void)
{
    REQUIRE_ABI(1);
    scratch s;
    make_scratch(&s);
    svipc_sandbox_path_rule rules[] = { PROC_RULE, { s.directory, SVIPC_SANDBOX_READ } };
    svipc_sandbox sandbox = program_only();
    sandbox.path_rules = rules;
    sandbox.path_rule_count = 2;
    const char* steps[] = { "read", s.secret, "write", s.secret, "create", s.other, NULL };
    char text[4096];
    run_probe(&sandbox, steps, -1, text, sizeof(text), NULL);
    CHECK(strstr(text, "read=ok;write=EACCES;create=EACCES;") != NULL);

    /* Write without create: the file opens for writing, no new file appears. */
    rules[1].access = SVIPC_SANDBOX_READ | SVIPC_SANDBOX_WRITE;
    run_probe(&sandbox, steps, -1, text, sizeof(text), NULL);
    CHECK(strstr(text, "read=ok;write=ok;create=EACCES;") != NULL);

    rules[1].access = SVIPC_SANDBOX_READ | SVIPC_SANDBOX_WRITE | SVIPC_SANDBOX_CREATE;
    run_probe(&sandbox, steps, -1, text, sizeof(text), NULL);
    CHECK(strstr(text, "read=ok;write=ok;create=ok;") != NULL);
    CHECK(unlink(s.other) == 0);
    flow_remove_temp_dir(s.directory);
    return 0;
}

static int a_rule_on_a_file_grants_that_file_alone(void)
{
    REQUIRE_ABI(1);
    scratch s;
    make_scratch(&s);
    flow_write_file(s.other, "neighbour");
    svipc_sandbox_path_rule rules[] = { PROC_RULE, { s.secret, SVIPC_SANDBOX_READ } };
    svipc_sandbox sandbox = program_only();
    sandbox.path_rules = rules;
    sandbox.path_rule_count = 2;
    const char* steps[] = { "read", s.secret, "read", s.other, NULL };
    char text[4096];
    run_probe(&sandbox, steps, -1, text, sizeof(text), NULL);
    CHECK(strstr(text, "read=ok;read=EACCES;") != NULL);
    flow_remove_temp_dir(s.directory);
    return 0;
}

/* A listening abstract socket named after this process; returns its descriptor. */
static int listen_abstract(char* name, size_t capacity)
{
    snprintf(name, capacity, "svipc-sandbox-test-%d", (int)getpid());
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    CHECK(fd >= 0);
    struct sockaddr_un address;
    memset(&address, 0, sizeof(address));
    address.sun_family = AF_UNIX;
    size_t length = strlen(name);
    memcpy(address.sun_path + 1, name, length);
    CHECK(bind(fd, (struct sockaddr*)&address, (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + length)) == 0);
    CHECK(listen(fd, 4) == 0);
    return fd;
}

static int scopes_refuse_abstract_sockets_and_signals_outside(void)
{
    REQUIRE_ABI(6);
    char name[64];
    int listener = listen_abstract(name, sizeof(name));
    char pid_text[32];
    snprintf(pid_text, sizeof(pid_text), "%d", (int)getpid());
    /* The unscoped probe's signal must not end this process. */
    CHECK(signal(SIGUSR1, SIG_IGN) != SIG_ERR);
    const char* steps[] = { "abstract", name, "signal", pid_text, NULL };
    char text[4096];

    svipc_sandbox sandbox = program_only();
    run_probe(&sandbox, steps, -1, text, sizeof(text), NULL);
    CHECK(strstr(text, "abstract=ok;signal=ok;") != NULL);

    sandbox.scopes = SVIPC_SANDBOX_SCOPE_ABSTRACT_UNIX_SOCKET | SVIPC_SANDBOX_SCOPE_SIGNAL;
    svipc_sandbox_report report;
    run_probe(&sandbox, steps, -1, text, sizeof(text), &report);
    CHECK(strstr(text, "abstract=EPERM;signal=EPERM;") != NULL);
    CHECK(report.scoped == 3 && report.unenforced_scopes == 0);
    close(listener);
    return 0;
}

/* A loopback TCP listener on a port the kernel picks; returns the descriptor and the port. */
static int listen_tcp(uint16_t* port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    CHECK(fd >= 0);
    struct sockaddr_in address;
    memset(&address, 0, sizeof(address));
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    CHECK(bind(fd, (struct sockaddr*)&address, sizeof(address)) == 0);
    CHECK(listen(fd, 4) == 0);
    socklen_t length = sizeof(address);
    CHECK(getsockname(fd, (struct sockaddr*)&address, &length) == 0);
    *port = ntohs(address.sin_port);
    return fd;
}

static int tcp_connect_only_to_the_listed_ports(void)
{
    REQUIRE_ABI(4);
    uint16_t allowed_port = 0;
    uint16_t other_port = 0;
    int allowed = listen_tcp(&allowed_port);
    int other = listen_tcp(&other_port);
    char allowed_text[16];
    char other_text[16];
    snprintf(allowed_text, sizeof(allowed_text), "%u", (unsigned)allowed_port);
    snprintf(other_text, sizeof(other_text), "%u", (unsigned)other_port);
    svipc_sandbox sandbox = program_only();
    sandbox.flags |= SVIPC_SANDBOX_RESTRICT_TCP_CONNECT;
    sandbox.tcp_connect_ports = &allowed_port;
    sandbox.tcp_connect_port_count = 1;
    const char* steps[] = { "tcp", allowed_text, "tcp", other_text, NULL };
    char text[4096];
    svipc_sandbox_report report;
    run_probe(&sandbox, steps, -1, text, sizeof(text), &report);
    CHECK(strstr(text, "tcp=ok;tcp=EACCES;") != NULL);
    CHECK(report.handled_access_net == 2); /* connect only: bind stays unrestricted */
    close(allowed);
    close(other);
    return 0;
}

static int without_landlock_the_default_refuses(void)
{
    CHECK_STATUS(svipc_sandbox_limit_abi_for_testing(0), SVIPC_OK);
    int before = flow_count_fds();
    svipc_sandbox sandbox = program_only();
    svipc_socket* supervisor = NULL;
    int32_t pid = -1;
    svipc_sandbox_report report;
    memset(&report, 0xff, sizeof(report));
    errno = 0;
    CHECK_STATUS(svipc_spawn_sandboxed(&sandbox, SANDBOX_PROBE_PATH, NULL, NULL, -1, NULL, &supervisor, &pid, &report),
                 SVIPC_UNSUPPORTED);
    CHECK(errno == ENOSYS && supervisor == NULL && pid == -1);
    CHECK(report.abi == 0 && report.enforced == 0 && report.handled_access_fs == 0);
    CHECK(report.unrestricted_access == SVIPC_SANDBOX_ALL_ACCESS);
    CHECK(flow_count_fds() == before);
    int32_t abi = -1;
    CHECK_STATUS(svipc_sandbox_abi(&abi), SVIPC_OK);
    CHECK(abi == 0);
    return 0;
}

static int without_landlock_best_effort_starts_and_says_so(void)
{
    CHECK_STATUS(svipc_sandbox_limit_abi_for_testing(0), SVIPC_OK);
    scratch s;
    make_scratch(&s);
    svipc_sandbox sandbox = program_only();
    sandbox.flags |= SVIPC_SANDBOX_BEST_EFFORT | SVIPC_SANDBOX_RESTRICT_TCP_BIND;
    sandbox.scopes = SVIPC_SANDBOX_SCOPE_SIGNAL;
    const char* steps[] = { "fds", "read", s.secret, NULL };
    char text[4096];
    svipc_sandbox_report report;
    run_probe(&sandbox, steps, -1, text, sizeof(text), &report);
    /* Nothing enforced, and the report says exactly that. */
    CHECK(strstr(text, "fds=0,1,2,3;") != NULL && strstr(text, "read=ok;") != NULL);
    CHECK(report.abi == 0 && report.enforced == 0);
    CHECK(report.unrestricted_access == SVIPC_SANDBOX_ALL_ACCESS);
    CHECK(report.unenforced_scopes == SVIPC_SANDBOX_SCOPE_SIGNAL);
    CHECK(report.unenforced_flags == SVIPC_SANDBOX_RESTRICT_TCP_BIND);
    flow_remove_temp_dir(s.directory);
    return 0;
}

static int an_older_abi_refuses_what_it_lacks_or_reports_it(void)
{
    REQUIRE_ABI(6);
    svipc_sandbox sandbox = program_only();
    sandbox.scopes = SVIPC_SANDBOX_SCOPE_SIGNAL;
    svipc_socket* supervisor = NULL;
    int32_t pid = -1;
    svipc_sandbox_report report;

    /* ABI 5 has everything but the scopes. */
    CHECK_STATUS(svipc_sandbox_limit_abi_for_testing(5), SVIPC_OK);
    errno = 0;
    CHECK_STATUS(svipc_spawn_sandboxed(&sandbox, SANDBOX_PROBE_PATH, NULL, NULL, -1, NULL, &supervisor, &pid, &report),
                 SVIPC_UNSUPPORTED);
    CHECK(errno == EOPNOTSUPP && report.abi == 5 && report.enforced == 1);
    CHECK(report.unenforced_scopes == SVIPC_SANDBOX_SCOPE_SIGNAL && report.unrestricted_access == 0);

    /* ABI 3 cannot withhold device ioctls: refused even without scopes. */
    sandbox.scopes = 0;
    CHECK_STATUS(svipc_sandbox_limit_abi_for_testing(3), SVIPC_OK);
    CHECK_STATUS(svipc_spawn_sandboxed(&sandbox, SANDBOX_PROBE_PATH, NULL, NULL, -1, NULL, &supervisor, &pid, &report),
                 SVIPC_UNSUPPORTED);
    CHECK(report.unrestricted_access == SVIPC_SANDBOX_DEVICE_IOCTL);

    /* Best effort at ABI 1: the file rules hold, truncation and ioctls are reported as not withheld. */
    scratch s;
    make_scratch(&s);
    CHECK_STATUS(svipc_sandbox_limit_abi_for_testing(1), SVIPC_OK);
    sandbox.flags |= SVIPC_SANDBOX_BEST_EFFORT;
    sandbox.scopes = SVIPC_SANDBOX_SCOPE_SIGNAL;
    const char* steps[] = { "read", s.secret, NULL };
    char text[4096];
    run_probe(&sandbox, steps, -1, text, sizeof(text), &report);
    CHECK(strstr(text, "read=EACCES;") != NULL);
    CHECK(report.abi == 1 && report.enforced == 1 && report.handled_access_fs == 0x1fff);
    CHECK(report.unrestricted_access == (SVIPC_SANDBOX_WRITE | SVIPC_SANDBOX_DEVICE_IOCTL));
    CHECK(report.unenforced_scopes == SVIPC_SANDBOX_SCOPE_SIGNAL && report.scoped == 0);
    flow_remove_temp_dir(s.directory);
    return 0;
}

static int exec_failures_carry_their_errno(void)
{
    REQUIRE_ABI(1);
    int before = flow_count_fds();
    svipc_socket* supervisor = NULL;
    int32_t pid = -1;
    svipc_sandbox_report report;

    /* The program is outside every rule: the kernel refuses to execute it. */
    svipc_sandbox nothing;
    memset(&nothing, 0, sizeof(nothing));
    errno = 0;
    CHECK_STATUS(svipc_spawn_sandboxed(&nothing, SANDBOX_PROBE_PATH, NULL, NULL, -1, NULL, &supervisor, &pid, &report),
                 SVIPC_SYSTEM_ERROR);
    CHECK(errno == EACCES && supervisor == NULL && pid == -1);

    svipc_sandbox sandbox = program_only();
    errno = 0;
    CHECK_STATUS(svipc_spawn_sandboxed(&sandbox, "/nonexistent/svipc-program", NULL, NULL, -1, NULL, &supervisor,
                                       &pid, &report),
                 SVIPC_SYSTEM_ERROR);
    CHECK(errno == ENOENT);
    errno = 0;
    CHECK_STATUS(svipc_spawn_sandboxed(&sandbox, "svipc-no-such-program", NULL, NULL, -1, NULL, &supervisor, &pid,
                                       &report),
                 SVIPC_SYSTEM_ERROR);
    CHECK(errno == ENOENT);

    /* A path rule that names nothing. */
    svipc_sandbox_path_rule missing[] = { { "/nonexistent/svipc-rule", SVIPC_SANDBOX_READ } };
    sandbox.path_rules = missing;
    sandbox.path_rule_count = 1;
    errno = 0;
    CHECK_STATUS(svipc_spawn_sandboxed(&sandbox, SANDBOX_PROBE_PATH, NULL, NULL, -1, NULL, &supervisor, &pid, &report),
                 SVIPC_SYSTEM_ERROR);
    CHECK(errno == ENOENT);
    CHECK(supervisor == NULL && pid == -1);
    CHECK(flow_count_fds() == before);
    return 0;
}

static int inherits_only_the_socket_and_default_signals(void)
{
    REQUIRE_ABI(1);
    /* Descriptors the child must not see: at the target number and above, none close-on-exec. */
    int at_target = open("/dev/null", O_RDONLY);
    CHECK(at_target >= 0);
    if (at_target != 3)
    {
        CHECK(dup2(at_target, 3) == 3);
        close(at_target);
    }
    int pipe_fds[2];
    CHECK(pipe(pipe_fds) == 0);
    CHECK(!flow_fd_is_cloexec(3) && !flow_fd_is_cloexec(pipe_fds[1]));
    /* The supervisor ignores SIGPIPE and blocks SIGUSR2, as a runtime may; the child starts clean. */
    CHECK(signal(SIGPIPE, SIG_IGN) != SIG_ERR);
    sigset_t blocked;
    sigemptyset(&blocked);
    sigaddset(&blocked, SIGUSR2);
    CHECK(sigprocmask(SIG_BLOCK, &blocked, NULL) == 0);

    int before = flow_count_fds();
    svipc_sandbox sandbox = program_only();
    const char* steps[] = { "fds", "signals", NULL };
    char text[4096];
    run_probe(&sandbox, steps, -1, text, sizeof(text), NULL);
    CHECK(strncmp(text, "fds=0,1,2,3;", strlen("fds=0,1,2,3;")) == 0);
    CHECK(strstr(text, "signals=sigpipe-default,mask-empty;") != NULL);
    CHECK(flow_count_fds() == before);

    /* A chosen number, with ours taken: the child still has exactly 0, 1, 2 and that one. */
    char* argv[] = { SANDBOX_PROBE_PATH, "fds", NULL };
    svipc_socket* supervisor = NULL;
    int32_t pid = -1;
    CHECK(dup2(3, 9) == 9);
    CHECK_STATUS(svipc_spawn_sandboxed(&sandbox, SANDBOX_PROBE_PATH, argv, NULL, 9, NULL, &supervisor, &pid, NULL),
                 SVIPC_OK);
    flow_recv_text(supervisor, text, sizeof(text));
    printf("report: %s\n", text);
    CHECK(strncmp(text, "fds=0,1,2,9;", strlen("fds=0,1,2,9;")) == 0);
    svipc_child_exit exit_status;
    CHECK_STATUS(svipc_wait_child(pid, 10000, &exit_status), SVIPC_OK);
    CHECK(exit_status.exit_code == 0);
    svipc_close(supervisor);
    close(9);
    close(pipe_fds[0]);
    close(pipe_fds[1]);
    close(3);
    return 0;
}

static int searches_path_without_slash(void)
{
    REQUIRE_ABI(1);
    /* The program is found in this process's PATH, as svipc_spawn finds it; the rules then apply to that file. */
    char directory[512];
    snprintf(directory, sizeof(directory), "%s", SANDBOX_PROBE_PATH);
    *strrchr(directory, '/') = '\0';
    char path[600];
    snprintf(path, sizeof(path), "/nonexistent/svipc-bin::%s", directory);
    CHECK(setenv("PATH", path, 1) == 0);
    char* argv[] = { "sandbox_probe", "fds", NULL };
    svipc_sandbox sandbox = program_only();
    svipc_socket* supervisor = NULL;
    int32_t pid = -1;
    CHECK_STATUS(svipc_spawn_sandboxed(&sandbox, "sandbox_probe", argv, NULL, -1, NULL, &supervisor, &pid, NULL),
                 SVIPC_OK);
    char text[4096];
    flow_recv_text(supervisor, text, sizeof(text));
    printf("report: %s\n", text);
    CHECK(strncmp(text, "fds=0,1,2,3;", strlen("fds=0,1,2,3;")) == 0);
    svipc_child_exit exit_status;
    CHECK_STATUS(svipc_wait_child(pid, 10000, &exit_status), SVIPC_OK);
    CHECK(exit_status.exit_code == 0);
    svipc_close(supervisor);

    /* Not found anywhere in PATH: ENOENT, as execvp reports it. */
    errno = 0;
    CHECK_STATUS(svipc_spawn_sandboxed(&sandbox, "svipc-not-in-path", argv, NULL, -1, NULL, &supervisor, &pid, NULL),
                 SVIPC_SYSTEM_ERROR);
    CHECK(errno == ENOENT);
    return 0;
}

static int rejects_invalid_descriptions(void)
{
    svipc_socket* supervisor = NULL;
    int32_t pid = -1;
    svipc_sandbox sandbox = program_only();
    CHECK_STATUS(svipc_spawn_sandboxed(NULL, SANDBOX_PROBE_PATH, NULL, NULL, -1, NULL, &supervisor, &pid, NULL),
                 SVIPC_INVALID_ARGUMENT);
    CHECK_STATUS(svipc_spawn_sandboxed(&sandbox, SANDBOX_PROBE_PATH, NULL, NULL, 2, NULL, &supervisor, &pid, NULL),
                 SVIPC_INVALID_ARGUMENT);
    CHECK_STATUS(svipc_spawn_sandboxed(&sandbox, SANDBOX_PROBE_PATH, NULL, NULL, -1, "1BAD", &supervisor, &pid, NULL),
                 SVIPC_INVALID_ARGUMENT);
    sandbox.flags = 0x100;
    CHECK_STATUS(svipc_spawn_sandboxed(&sandbox, SANDBOX_PROBE_PATH, NULL, NULL, -1, NULL, &supervisor, &pid, NULL),
                 SVIPC_INVALID_ARGUMENT);
    sandbox = program_only();
    sandbox.scopes = 0x4;
    CHECK_STATUS(svipc_spawn_sandboxed(&sandbox, SANDBOX_PROBE_PATH, NULL, NULL, -1, NULL, &supervisor, &pid, NULL),
                 SVIPC_INVALID_ARGUMENT);
    sandbox = program_only();
    sandbox.path_rules = NULL;
    sandbox.path_rule_count = 1; /* and no rules */
    CHECK_STATUS(svipc_spawn_sandboxed(&sandbox, SANDBOX_PROBE_PATH, NULL, NULL, -1, NULL, &supervisor, &pid, NULL),
                 SVIPC_INVALID_ARGUMENT);
    svipc_sandbox_path_rule bad_access[] = { { "/tmp", 0x40 } };
    sandbox.path_rules = bad_access;
    CHECK_STATUS(svipc_spawn_sandboxed(&sandbox, SANDBOX_PROBE_PATH, NULL, NULL, -1, NULL, &supervisor, &pid, NULL),
                 SVIPC_INVALID_ARGUMENT);
    svipc_sandbox_path_rule no_path[] = { { NULL, SVIPC_SANDBOX_READ } };
    sandbox.path_rules = no_path;
    CHECK_STATUS(svipc_spawn_sandboxed(&sandbox, SANDBOX_PROBE_PATH, NULL, NULL, -1, NULL, &supervisor, &pid, NULL),
                 SVIPC_INVALID_ARGUMENT);
    sandbox = program_only();
    sandbox.tcp_bind_port_count = 1; /* and no ports */
    CHECK_STATUS(svipc_spawn_sandboxed(&sandbox, SANDBOX_PROBE_PATH, NULL, NULL, -1, NULL, &supervisor, &pid, NULL),
                 SVIPC_INVALID_ARGUMENT);
    CHECK(supervisor == NULL && pid == -1);
    return 0;
}

static int many_starts_leak_no_descriptor(void)
{
    REQUIRE_ABI(1);
    int before = flow_count_fds();
    svipc_sandbox sandbox = program_only();
    const char* steps[] = { "fds", NULL };
    char text[4096];
    for (int i = 0; i < 20; i++)
    {
        run_probe(&sandbox, steps, -1, text, sizeof(text), NULL);
        CHECK(strncmp(text, "fds=0,1,2,3;", strlen("fds=0,1,2,3;")) == 0);
    }
    CHECK(flow_count_fds() == before);
    return 0;
}

/* One thread's share of concurrent_starts_do_not_cross: its children must see only their own socket. */
static void* start_many(void* failures)
{
    svipc_sandbox sandbox = program_only();
    char* argv[] = { SANDBOX_PROBE_PATH, "fds", NULL };
    for (int i = 0; i < 10; i++)
    {
        svipc_socket* supervisor = NULL;
        int32_t pid = -1;
        char text[4096];
        uint32_t length = 0;
        svipc_child_exit exit_status;
        if (svipc_spawn_sandboxed(&sandbox, SANDBOX_PROBE_PATH, argv, NULL, -1, NULL, &supervisor, &pid, NULL) != SVIPC_OK)
        {
            (*(int*)failures)++;
            continue;
        }
        int ok = svipc_set_read_timeout(supervisor, 30000) == SVIPC_OK &&
                 svipc_recv_frame(supervisor, (uint8_t*)text, sizeof(text) - 1, &length) == SVIPC_OK;
        text[ok ? length : 0] = '\0';
        ok = ok && strncmp(text, "fds=0,1,2,3;", strlen("fds=0,1,2,3;")) == 0;
        ok = svipc_wait_child(pid, 30000, &exit_status) == SVIPC_OK && exit_status.exit_code == 0 && ok;
        if (!ok)
        {
            fprintf(stderr, "concurrent start saw: %s\n", text);
            (*(int*)failures)++;
        }
        svipc_close(supervisor);
    }
    return NULL;
}

/*
 * Starts from four threads at once: each child's descriptors (the error pipes and rulesets of the other
 * starts are open in this process meanwhile) are still exactly 0, 1, 2 and its socket.
 */
static int concurrent_starts_do_not_cross(void)
{
    REQUIRE_ABI(1);
    int before = flow_count_fds();
    pthread_t threads[4];
    int failures[4] = { 0, 0, 0, 0 };
    for (int i = 0; i < 4; i++)
    {
        CHECK(pthread_create(&threads[i], NULL, start_many, &failures[i]) == 0);
    }
    for (int i = 0; i < 4; i++)
    {
        CHECK(pthread_join(threads[i], NULL) == 0);
        CHECK(failures[i] == 0);
    }
    CHECK(flow_count_fds() == before);
    return 0;
}

int main(int argc, char** argv)
{
    static const flow_case cases[] = {
        { "direct_open_is_refused_and_a_grant_reads", direct_open_is_refused_and_a_grant_reads },
        { "withheld_rights_stay_withheld", withheld_rights_stay_withheld },
        { "a_rule_on_a_file_grants_that_file_alone", a_rule_on_a_file_grants_that_file_alone },
        { "scopes_refuse_abstract_sockets_and_signals_outside", scopes_refuse_abstract_sockets_and_signals_outside },
        { "tcp_connect_only_to_the_listed_ports", tcp_connect_only_to_the_listed_ports },
        { "without_landlock_the_default_refuses", without_landlock_the_default_refuses },
        { "without_landlock_best_effort_starts_and_says_so", without_landlock_best_effort_starts_and_says_so },
        { "an_older_abi_refuses_what_it_lacks_or_reports_it", an_older_abi_refuses_what_it_lacks_or_reports_it },
        { "exec_failures_carry_their_errno", exec_failures_carry_their_errno },
        { "inherits_only_the_socket_and_default_signals", inherits_only_the_socket_and_default_signals },
        { "searches_path_without_slash", searches_path_without_slash },
        { "rejects_invalid_descriptions", rejects_invalid_descriptions },
        { "many_starts_leak_no_descriptor", many_starts_leak_no_descriptor },
        { "concurrent_starts_do_not_cross", concurrent_starts_do_not_cross },
    };
    return flow_run_cases(argc, argv, cases, sizeof(cases) / sizeof(cases[0]));
}
