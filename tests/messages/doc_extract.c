/*
 * Build tool: writes each C block of a Markdown page that follows a line
 * "<!-- compiled as NAME -->" to OUTPUT-DIR/NAME, so the documentation's
 * examples are compiled and run by the tests instead of drifting.
 *
 *   doc_extract <page.md> <output-dir> <name>...   (fails if a named block is missing)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char** argv)
{
    if (argc < 4)
    {
        fprintf(stderr, "usage: %s <page.md> <output-dir> <name>...\n", argv[0]);
        return 2;
    }
    FILE* page = fopen(argv[1], "r");
    if (page == NULL)
    {
        perror(argv[1]);
        return 1;
    }
    char line[1024];
    char name[256] = "";
    FILE* out = NULL;
    int found = 0;
    while (fgets(line, sizeof(line), page) != NULL)
    {
        if (out != NULL)
        {
            if (strncmp(line, "```", 3) == 0)
            {
                fclose(out);
                out = NULL;
                name[0] = '\0';
                continue;
            }
            fputs(line, out);
        }
        else if (sscanf(line, "<!-- compiled as %255s -->", name) == 1)
        {
            continue;
        }
        else if (name[0] != '\0' && strncmp(line, "```c", 4) == 0)
        {
            int wanted = 0;
            for (int i = 3; i < argc; i++)
            {
                wanted |= strcmp(argv[i], name) == 0;
            }
            if (!wanted)
            {
                fprintf(stderr, "%s: block %s is not named on the command line\n", argv[1], name);
                return 1;
            }
            char path[1024];
            snprintf(path, sizeof(path), "%s/%s", argv[2], name);
            out = fopen(path, "w");
            if (out == NULL)
            {
                perror(path);
                return 1;
            }
            found++;
        }
        else
        {
            name[0] = '\0';
        }
    }
    fclose(page);
    if (out != NULL || found != argc - 3)
    {
        fprintf(stderr, "%s: found %d of %d compiled blocks (or one is unterminated)\n", argv[1], found, argc - 3);
        return 1;
    }
    return 0;
}
