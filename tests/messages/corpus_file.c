/* Reading the conformance TSV files (corpus_file.h). */
#include "corpus_file.h"

#include "../support/svipc_test_check.h"

#include <string.h>

void corpus_open(corpus_file* file, const char* path)
{
    FILE* input = fopen(path, "rb");
    if (input == NULL)
    {
        SVIPC_TEST_FAIL("cannot open %s", path);
    }
    CHECK(fseek(input, 0, SEEK_END) == 0);
    long size = ftell(input);
    CHECK(size >= 0 && fseek(input, 0, SEEK_SET) == 0);
    file->text = malloc((size_t)size + 1);
    CHECK(file->text != NULL);
    CHECK(fread(file->text, 1, (size_t)size, input) == (size_t)size);
    file->text[size] = '\0';
    file->next = file->text;
    fclose(input);
}

int corpus_next_line(corpus_file* file, char* columns[CORPUS_MAX_COLUMNS])
{
    while (*file->next == '\n')
    {
        file->next++;
    }
    if (*file->next == '\0')
    {
        return 0;
    }
    char* line = file->next;
    char* end = strchr(line, '\n');
    if (end != NULL)
    {
        *end = '\0';
        file->next = end + 1;
    }
    else
    {
        file->next = line + strlen(line);
    }
    int count = 0;
    for (char* column = line; count < CORPUS_MAX_COLUMNS;)
    {
        columns[count++] = column;
        char* tab = strchr(column, '\t');
        if (tab == NULL)
        {
            break;
        }
        *tab = '\0';
        column = tab + 1;
    }
    return count;
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
    {
        return c - '0';
    }
    if (c >= 'A' && c <= 'F')
    {
        return c - 'A' + 10;
    }
    SVIPC_TEST_FAIL("bad percent escape digit '%c'", c);
}

uint8_t* corpus_unescape(const char* column, uint32_t* length)
{
    size_t size = strlen(column);
    uint8_t* bytes = malloc(size + 1);
    CHECK(bytes != NULL);
    uint32_t used = 0;
    for (size_t i = 0; i < size; i++)
    {
        if (column[i] == '%')
        {
            CHECK(i + 2 < size + 1 && column[i + 1] != '\0' && column[i + 2] != '\0');
            bytes[used++] = (uint8_t)(hex_digit(column[i + 1]) * 16 + hex_digit(column[i + 2]));
            i += 2;
        }
        else
        {
            bytes[used++] = (uint8_t)column[i];
        }
    }
    *length = used;
    return bytes;
}

void corpus_close(corpus_file* file)
{
    free(file->text);
    file->text = NULL;
}
