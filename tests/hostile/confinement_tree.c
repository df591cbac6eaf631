#define _GNU_SOURCE
#include "confinement_tree.h"
#include "hostile.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void confinement_tree_path(const confinement_tree* tree, const char* relative, char* out, size_t capacity)
{
    int n = snprintf(out, capacity, "%s/%s", tree->base, relative);
    CHECK(n > 0 && (size_t)n < capacity);
}

void confinement_tree_write(const char* path, const char* text)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    CHECK(fd >= 0);
    size_t length = strlen(text);
    CHECK(write(fd, text, length) == (ssize_t)length);
    close(fd);
}

void confinement_read_all(int fd, char* text, size_t capacity)
{
    ssize_t n = pread(fd, text, capacity - 1, 0);
    CHECK(n >= 0);
    text[n] = '\0';
}

void confinement_tree_make(confinement_tree* tree)
{
    const char* temp = getenv("TMPDIR");
    snprintf(tree->base, sizeof(tree->base), "%s/svipc-confine-XXXXXX", temp != NULL && temp[0] != '\0' ? temp : "/tmp");
    CHECK(mkdtemp(tree->base) != NULL);
    snprintf(tree->root, sizeof(tree->root), "%s/root", tree->base);
    snprintf(tree->outside, sizeof(tree->outside), "%s/outside", tree->base);
    CHECK(mkdir(tree->root, 0755) == 0 && mkdir(tree->outside, 0755) == 0);
    char path[512];
    confinement_tree_path(tree, "root/sub", path, sizeof(path));
    CHECK(mkdir(path, 0755) == 0);
    confinement_tree_path(tree, "root/inside.txt", path, sizeof(path));
    confinement_tree_write(path, "inside");
    confinement_tree_path(tree, "root/fifo", path, sizeof(path));
    CHECK(mkfifo(path, 0600) == 0);
    confinement_tree_path(tree, "outside/inside.txt", path, sizeof(path));
    confinement_tree_write(path, "secret");
    confinement_tree_path(tree, "outside/secret.txt", path, sizeof(path));
    confinement_tree_write(path, "secret");
    confinement_tree_path(tree, "outside/watched.txt", path, sizeof(path));
    confinement_tree_write(path, "watched");
    confinement_tree_path(tree, "outside/fifo", path, sizeof(path));
    CHECK(mkfifo(path, 0600) == 0);
}

static int remove_entry(const char* path, const struct stat* info, int type, struct FTW* walk)
{
    (void)info;
    (void)type;
    (void)walk;
    return remove(path) == 0 || errno == ENOENT ? 0 : -1;
}

void confinement_tree_remove(const confinement_tree* tree)
{
    /* Unmounting is the namespace's business: the test's own mounts die with the process that made them. */
    CHECK(nftw(tree->base, remove_entry, 16, FTW_DEPTH | FTW_PHYS) == 0);
}
