/*
 * svipc_open_confined: the supervisor's open of a granted path. What counts is
 * where the request leads beneath the held roots, not the string: symlinks and ".."
 * that lead out of the roots, sibling directories sharing a prefix, FIFOs and
 * directories are refused (tests/hostile/test_confinement.c has the attacks).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include "flow_test.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct tree
{
    char base[256];
    char root[320];
    char outside[320];
} tree;

/* base/allowed/{file.txt, sub/, link-out -> ../outside, last-link -> file.txt}, base/outside/secret.txt,
 * base/allowed-evil/file.txt */
static void make_tree(tree* t)
{
    char path[512];
    flow_make_temp_dir(t->base, sizeof(t->base));
    snprintf(t->root, sizeof(t->root), "%s/allowed", t->base);
    snprintf(t->outside, sizeof(t->outside), "%s/outside", t->base);
    CHECK(mkdir(t->root, 0700) == 0 && mkdir(t->outside, 0700) == 0);
    snprintf(path, sizeof(path), "%s/sub", t->root);
    CHECK(mkdir(path, 0700) == 0);
    snprintf(path, sizeof(path), "%s/file.txt", t->root);
    flow_write_file(path, "inside\n");
    snprintf(path, sizeof(path), "%s/secret.txt", t->outside);
    flow_write_file(path, "secret\n");
    snprintf(path, sizeof(path), "%s/link-out", t->root);
    CHECK(symlink(t->outside, path) == 0);
    snprintf(path, sizeof(path), "%s/last-link", t->root);
    CHECK(symlink("file.txt", path) == 0);
    snprintf(path, sizeof(path), "%s/allowed-evil", t->base);
    CHECK(mkdir(path, 0700) == 0);
    snprintf(path, sizeof(path), "%s/allowed-evil/file.txt", t->base);
    flow_write_file(path, "evil\n");
}

static svipc_status open_in(const tree* t, const char* relative, int32_t access, int32_t* fd)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", t->base, relative);
    const char* roots[] = { t->root };
    return svipc_open_confined(path, access, roots, 1, fd);
}

static int opens_a_file_inside_with_the_right_mode(void)
{
    tree t;
    make_tree(&t);
    int32_t fd = -1;
    CHECK_STATUS(open_in(&t, "allowed/file.txt", SVIPC_ACCESS_READ, &fd), SVIPC_OK);
    CHECK(flow_fd_is_cloexec(fd));
    CHECK((fcntl(fd, F_GETFL) & (O_ACCMODE | O_NONBLOCK)) == O_RDONLY);
    char text[16] = { 0 };
    CHECK(read(fd, text, sizeof(text) - 1) == 7 && strcmp(text, "inside\n") == 0);
    close(fd);
    CHECK_STATUS(open_in(&t, "allowed/file.txt", SVIPC_ACCESS_WRITE, &fd), SVIPC_OK);
    CHECK((fcntl(fd, F_GETFL) & O_ACCMODE) == O_WRONLY);
    close(fd);
    CHECK_STATUS(open_in(&t, "allowed/file.txt", SVIPC_ACCESS_READ_WRITE, &fd), SVIPC_OK);
    CHECK((fcntl(fd, F_GETFL) & O_ACCMODE) == O_RDWR);
    /* Opening for writing neither truncated nor replaced the file. */
    CHECK(read(fd, text, sizeof(text) - 1) == 7);
    close(fd);
    /* ".." that stays inside is fine: the kernel's answer is what is checked. */
    CHECK_STATUS(open_in(&t, "allowed/sub/../file.txt", SVIPC_ACCESS_READ, &fd), SVIPC_OK);
    close(fd);
    flow_remove_temp_dir(t.base);
    return 0;
}

static int refuses_escapes(void)
{
    tree t;
    make_tree(&t);
    int before = flow_count_fds();
    int32_t fd = -1;
    /* A directory symlink inside the root that leads out of it. */
    CHECK_STATUS(open_in(&t, "allowed/link-out/secret.txt", SVIPC_ACCESS_READ, &fd), SVIPC_NOT_CONFINED);
    /* ".." out of the root. */
    CHECK_STATUS(open_in(&t, "allowed/sub/../../outside/secret.txt", SVIPC_ACCESS_READ, &fd), SVIPC_NOT_CONFINED);
    /* A sibling whose name starts with the root's name. */
    CHECK_STATUS(open_in(&t, "allowed-evil/file.txt", SVIPC_ACCESS_READ, &fd), SVIPC_NOT_CONFINED);
    /* A symlink as the last component is followed while it stays beneath the root. */
    CHECK_STATUS(open_in(&t, "allowed/last-link", SVIPC_ACCESS_READ, &fd), SVIPC_OK);
    close(fd);
    fd = -1;
    errno = 0;
    CHECK_STATUS(open_in(&t, "allowed/missing.txt", SVIPC_ACCESS_READ, &fd), SVIPC_SYSTEM_ERROR);
    CHECK(errno == ENOENT);
    CHECK(fd == -1);
    CHECK(flow_count_fds() == before);
    flow_remove_temp_dir(t.base);
    return 0;
}

static int refuses_what_is_not_a_regular_file(void)
{
    tree t;
    make_tree(&t);
    char fifo[512];
    snprintf(fifo, sizeof(fifo), "%s/pipe", t.root);
    CHECK(mkfifo(fifo, 0600) == 0);
    int before = flow_count_fds();
    int32_t fd = -1;
    /* Without a writer, a blocking open of a FIFO would hang here. */
    CHECK_STATUS(open_in(&t, "allowed/pipe", SVIPC_ACCESS_READ, &fd), SVIPC_UNSUPPORTED);
    CHECK_STATUS(open_in(&t, "allowed/sub", SVIPC_ACCESS_READ, &fd), SVIPC_UNSUPPORTED);
    CHECK(fd == -1 && flow_count_fds() == before);
    flow_remove_temp_dir(t.base);
    return 0;
}

static int resolves_roots_and_tries_each(void)
{
    tree t;
    make_tree(&t);
    char root_link[512];
    char file[512];
    snprintf(root_link, sizeof(root_link), "%s/root-link", t.base);
    CHECK(symlink(t.root, root_link) == 0);
    snprintf(file, sizeof(file), "%s/file.txt", t.root);
    int32_t fd = -1;
    /* A root given through a symlink confines where it leads. */
    const char* via_link[] = { root_link };
    CHECK_STATUS(svipc_open_confined(file, SVIPC_ACCESS_READ, via_link, 1, &fd), SVIPC_OK);
    close(fd);
    /* An unrelated root is passed over; a later matching one counts. */
    const char* several[] = { t.outside, t.root };
    CHECK_STATUS(svipc_open_confined(file, SVIPC_ACCESS_READ, several, 2, &fd), SVIPC_OK);
    close(fd);
    CHECK_STATUS(svipc_open_confined(file, SVIPC_ACCESS_READ, several, 1, &fd), SVIPC_NOT_CONFINED);
    /* Missing and relative roots are errors of the caller, not "outside". */
    const char* missing[] = { "/nonexistent/svipc-root", t.root };
    CHECK_STATUS(svipc_open_confined(file, SVIPC_ACCESS_READ, missing, 2, &fd), SVIPC_INVALID_ARGUMENT);
    const char* relative[] = { "relative/root" };
    CHECK_STATUS(svipc_open_confined(file, SVIPC_ACCESS_READ, relative, 1, &fd), SVIPC_INVALID_ARGUMENT);
    const char* empty[] = { "" };
    CHECK_STATUS(svipc_open_confined(file, SVIPC_ACCESS_READ, empty, 1, &fd), SVIPC_INVALID_ARGUMENT);
    /* "/" contains everything; a trailing slash on a root changes nothing. */
    const char* slash[] = { "/" };
    CHECK_STATUS(svipc_open_confined(file, SVIPC_ACCESS_READ, slash, 1, &fd), SVIPC_OK);
    close(fd);
    char trailing[512];
    snprintf(trailing, sizeof(trailing), "%s/", t.root);
    const char* with_slash[] = { trailing };
    CHECK_STATUS(svipc_open_confined(file, SVIPC_ACCESS_READ, with_slash, 1, &fd), SVIPC_OK);
    close(fd);
    flow_remove_temp_dir(t.base);
    return 0;
}

static int rejects_invalid_arguments(void)
{
    const char* roots[] = { "/tmp" };
    int32_t fd = -1;
    CHECK_STATUS(svipc_open_confined(NULL, SVIPC_ACCESS_READ, roots, 1, &fd), SVIPC_INVALID_ARGUMENT);
    CHECK_STATUS(svipc_open_confined("relative.txt", SVIPC_ACCESS_READ, roots, 1, &fd), SVIPC_INVALID_ARGUMENT);
    CHECK_STATUS(svipc_open_confined("/etc/hostname", 3, roots, 1, &fd), SVIPC_INVALID_ARGUMENT);
    CHECK_STATUS(svipc_open_confined("/etc/hostname", -1, roots, 1, &fd), SVIPC_INVALID_ARGUMENT);
    CHECK_STATUS(svipc_open_confined("/etc/hostname", SVIPC_ACCESS_READ, NULL, 1, &fd), SVIPC_INVALID_ARGUMENT);
    CHECK_STATUS(svipc_open_confined("/etc/hostname", SVIPC_ACCESS_READ, roots, 0, &fd), SVIPC_INVALID_ARGUMENT);
    CHECK_STATUS(svipc_open_confined("/etc/hostname", SVIPC_ACCESS_READ, roots, 1, NULL), SVIPC_INVALID_ARGUMENT);
    CHECK(fd == -1);
    return 0;
}

int main(int argc, char** argv)
{
    static const flow_case cases[] = {
        { "opens_a_file_inside_with_the_right_mode", opens_a_file_inside_with_the_right_mode },
        { "refuses_escapes", refuses_escapes },
        { "refuses_what_is_not_a_regular_file", refuses_what_is_not_a_regular_file },
        { "resolves_roots_and_tries_each", resolves_roots_and_tries_each },
        { "rejects_invalid_arguments", rejects_invalid_arguments },
    };
    return flow_run_cases(argc, argv, cases, sizeof(cases) / sizeof(cases[0]));
}
