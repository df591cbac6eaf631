/*
 * A one-file FUSE filesystem served by a child process whose FLUSH never
 * answers: every close() of a descriptor of its file then sleeps until the
 * server dies. It stands for what a child with unprivileged FUSE mounts (a user
 * namespace) can make: an object whose close() blocks for as long as it likes.
 */
#ifndef STALLING_FUSE_H
#define STALLING_FUSE_H

#include <stddef.h>
#include <sys/types.h>

typedef struct stalling_fuse
{
    char mount_point[256];
    char file[300];
    pid_t server;
} stalling_fuse;

/* 0 when mounted; -1 with errno when FUSE cannot be mounted here (the caller skips with the reason). */
int stalling_fuse_mount(stalling_fuse* fuse);

/* Kills the server (which aborts the connection and ends every stalled close) and unmounts. */
void stalling_fuse_unmount(stalling_fuse* fuse);

#endif
