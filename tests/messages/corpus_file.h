/*
 * Reading tests/conformance's TSV files: lines of tab-separated columns, with
 * payload columns percent-encoded (%XX for every byte outside printable ASCII,
 * and for '%' itself) so that the files stay plain ASCII text.
 */
#ifndef CORPUS_FILE_H
#define CORPUS_FILE_H

#include <stddef.h>
#include <stdint.h>

#define CORPUS_MAX_COLUMNS 5

typedef struct corpus_file
{
    char* text; /* the whole file, NUL-terminated; lines are cut in place */
    char* next;
} corpus_file;

/* Loads path; exits the test on failure. */
void corpus_open(corpus_file* file, const char* path);

/* The next non-empty line split at tabs; returns the number of columns, 0 at the end. */
int corpus_next_line(corpus_file* file, char* columns[CORPUS_MAX_COLUMNS]);

/* Decodes a percent-encoded column into bytes (malloc'd, the caller frees); *length gets its size. */
uint8_t* corpus_unescape(const char* column, uint32_t* length);

void corpus_close(corpus_file* file);

#endif /* CORPUS_FILE_H */
