/*
 * A throwaway directory tree for the confinement attacks:
 *   base/root/{inside.txt ("inside"), sub/, fifo}   the allowed root
 *   base/outside/{inside.txt ("secret"), secret.txt ("secret"), fifo, watched.txt}
 * base/outside/inside.txt has the same name as the root's file on purpose: a
 * root swapped for a symlink to base/outside makes the same request text name it.
 */
#ifndef CONFINEMENT_TREE_H
#define CONFINEMENT_TREE_H

#include <stddef.h>

typedef struct confinement_tree
{
    char base[256];
    char root[320];
    char outside[320];
} confinement_tree;

void confinement_tree_make(confinement_tree* tree);
void confinement_tree_remove(const confinement_tree* tree);

/* base/relative, into out. */
void confinement_tree_path(const confinement_tree* tree, const char* relative, char* out, size_t capacity);

void confinement_tree_write(const char* path, const char* text);

/* Reads fd from its start into text (NUL-terminated); fails the test on error. */
void confinement_read_all(int fd, char* text, size_t capacity);

#endif
