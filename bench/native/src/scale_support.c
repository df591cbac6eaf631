/* The children's side of the scale benchmark and the /proc readings (see scale_support.h). */
#include "scale_support.h"

#include "bench_clock.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

void scale_fail(const char* what, svipc_status status)
{
    fprintf(stderr, "scale: %s: %s (errno %d)\n", what, svipc_status_message(status), errno);
    exit(1);
}

static void proc_path(char* buffer, size_t size, pid_t pid, const char* entry)
{
    if (pid == 0)
    {
        snprintf(buffer, size, "/proc/self/%s", entry);
    }
    else
    {
        snprintf(buffer, size, "/proc/%ld/%s", (long)pid, entry);
    }
}

/* The first line of /proc/PID/entry that starts with prefix ("" for the first line) into line; 0 when none. */
static int read_proc_line(pid_t pid, const char* entry, const char* prefix, char* line, int size)
{
    char path[64];
    proc_path(path, sizeof(path), pid, entry);
    FILE* file = fopen(path, "r");
    if (file == NULL)
    {
        return 0;
    }
    int found = 0;
    while (!found && fgets(line, size, file) != NULL)
    {
        found = strncmp(line, prefix, strlen(prefix)) == 0;
    }
    fclose(file);
    return found;
}

long scale_rss_kib(pid_t pid)
{
    char line[256];
    return read_proc_line(pid, "status", "VmRSS:", line, (int)sizeof(line)) ? strtol(line + 6, NULL, 10) : -1;
}

double scale_cpu_seconds(pid_t pid)
{
    char line[1024];
    if (!read_proc_line(pid, "stat", "", line, (int)sizeof(line)))
    {
        return -1;
    }
    /* utime and stime are fields 14 and 15; the command name (field 2) may hold spaces, so count from its ')'. */
    const char* rest = strrchr(line, ')');
    unsigned long user = 0, system = 0;
    if (rest == NULL || sscanf(rest + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &user, &system) != 2)
    {
        return -1;
    }
    return (double)(user + system) / (double)sysconf(_SC_CLK_TCK);
}

int scale_thread_count(pid_t pid)
{
    char path[64];
    proc_path(path, sizeof(path), pid, "task");
    DIR* tasks = opendir(path);
    if (tasks == NULL)
    {
        return -1;
    }
    int count = 0;
    struct dirent* entry;
    while ((entry = readdir(tasks)) != NULL)
    {
        count += entry->d_name[0] != '.';
    }
    closedir(tasks);
    return count;
}

void scale_fit_descriptors(long descriptors)
{
    struct rlimit limit;
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0)
    {
        perror("getrlimit");
        exit(1);
    }
    rlim_t needed = (rlim_t)descriptors;
    if (limit.rlim_cur >= needed)
    {
        return;
    }
    if (limit.rlim_max != RLIM_INFINITY && limit.rlim_max < needed)
    {
        fprintf(stderr, "scale: %lu descriptors needed; the hard limit is %lu\n", (unsigned long)needed,
                (unsigned long)limit.rlim_max);
        exit(1);
    }
    limit.rlim_cur = needed;
    if (setrlimit(RLIMIT_NOFILE, &limit) != 0)
    {
        perror("setrlimit");
        exit(1);
    }
}

static svipc_string text(const char* value)
{
    svipc_string result = { value, (uint32_t)strlen(value) };
    return result;
}

static int compare_doubles(const void* left, const void* right)
{
    double a = *(const double*)left, b = *(const double*)right;
    return (a > b) - (a < b);
}

double scale_percentile(const double* sorted, int count, double fraction)
{
    int index = (int)((fraction * count) + 0.999999) - 1;
    return sorted[index < 0 ? 0 : (index >= count ? count - 1 : index)];
}

void scale_probe(svipc_socket** children, long count, int probes, const char* file, double* sorted_latencies)
{
    srand(13);
    for (int p = 0; p < probes; p++)
    {
        svipc_socket* child = children[rand() % count];
        uint64_t started = bench_now_ns();
        int32_t fd = -1;
        svipc_decision decision;
        svipc_status status = svipc_request_access(child, file, SVIPC_ACCESS_READ, "scale", "bench",
                                                   SVIPC_INFINITE_TIMEOUT, &fd, &decision);
        sorted_latencies[p] = (double)(bench_now_ns() - started) / 1e6;
        if (status != SVIPC_OK || decision.kind != SVIPC_DECISION_GRANTED)
        {
            scale_fail("probe", status);
        }
        close(fd);
    }
    qsort(sorted_latencies, (size_t)probes, sizeof(double), compare_doubles);
}

/* Every child sends one request, then every answer is received; returns the seconds it took. */
static double burst(svipc_socket** children, long count, svipc_message* request, int round)
{
    char id[48];
    uint64_t started = bench_now_ns();
    for (long i = 0; i < count; i++)
    {
        snprintf(id, sizeof(id), "burst-%d-%ld", round, i);
        request->as.request.request_id = text(id);
        svipc_status status = svipc_send_message(children[i], request);
        if (status != SVIPC_OK)
        {
            scale_fail("burst send", status);
        }
    }
    for (long i = 0; i < count; i++)
    {
        int32_t fd = -1;
        svipc_response response;
        svipc_status status = svipc_recv_fd(children[i], &fd);
        if (status == SVIPC_OK)
        {
            status = svipc_recv_response(children[i], &response, NULL);
        }
        if (status != SVIPC_OK || response.kind != SVIPC_RESPONSE_DECISION ||
            response.as.decision.decision.kind != SVIPC_DECISION_GRANTED)
        {
            scale_fail("burst answer", status);
        }
        close(fd);
    }
    return (double)(bench_now_ns() - started) / 1e9;
}

void scale_bursts(svipc_socket** children, long count, int bursts, const char* file, double* sorted_grants_per_second)
{
    svipc_message request;
    memset(&request, 0, sizeof(request));
    request.kind = SVIPC_MESSAGE_REQUEST;
    request.as.request.path = text(file);
    request.as.request.access = SVIPC_ACCESS_READ;
    request.as.request.child_pid = (uint32_t)getpid();
    request.as.request.reason = text("scale");
    request.as.request.session_id = text("bench");
    for (int b = 0; b < bursts; b++)
    {
        sorted_grants_per_second[b] = (double)count / burst(children, count, &request, b);
    }
    qsort(sorted_grants_per_second, (size_t)bursts, sizeof(double), compare_doubles);
}
