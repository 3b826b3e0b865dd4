#include "base/log.h"
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

unsigned vd_log_mask;
FILE *vd_log_file;

static const struct { const char *name; unsigned bit; const char *help; } cats[] = {
    {"int", LOG_INT, "interrupts and exceptions"},
    {"cpu", LOG_CPU, "CPU registers before each instruction"},
    {"in_asm", LOG_IN_ASM, "guest code as it is decoded"},
    {"exec", LOG_EXEC, "address of each executed instruction"},
    {"guest_errors", LOG_GUEST_ERRORS, "guest errors (bad descriptors, invalid accesses)"},
    {"unimp", LOG_UNIMP, "unimplemented devices and features, unmapped accesses"},
    {"pcall", LOG_PCALL, "protected-mode far calls, gates and task switches"},
    {"ioport", LOG_IOPORT, "every port I/O access"},
    {"stats", LOG_STATS, "at exit: guest instructions, virtual and host time, speed"},
    {"engine", LOG_ENGINE, "engine switches (-accel kvm): from where to where, why, at which instruction"},
};

int vd_log_parse(const char *list, unsigned *mask, const char **bad, size_t *badlen)
{
    unsigned m = 0;
    const char *p = list;
    while (*p) {
        const char *e = strchr(p, ',');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        bool found = false;
        if (n == 3 && !strncmp(p, "all", 3)) {
            m = ~0u;
            found = true;
        }
        for (size_t i = 0; i < ARRAY_SIZE(cats) && !found; i++)
            if (strlen(cats[i].name) == n && !strncmp(cats[i].name, p, n)) {
                m |= cats[i].bit;
                found = true;
            }
        if (!found) {
            if (bad) *bad = p;
            if (badlen) *badlen = n;
            return -1;
        }
        p += n;
        if (*p == ',') p++;
    }
    *mask = m;
    return 0;
}

void vd_log_list(FILE *f)
{
    fprintf(f, "Log items (comma separated):\n");
    for (size_t i = 0; i < ARRAY_SIZE(cats); i++)
        fprintf(f, "%-13s %s\n", cats[i].name, cats[i].help);
}

int vd_log_open(const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f) return -1;
    setvbuf(f, NULL, _IOFBF, 1 << 16);
    vd_log_file = f;
    return 0;
}

void vd_log_close(void)
{
    if (vd_log_file) fclose(vd_log_file);
    vd_log_file = NULL;
}

void vd_logf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfprintf(vd_log_file ? vd_log_file : stderr, fmt, ap);
    va_end(ap);
}

void vd_fatal(const char *fmt, ...)
{
    va_list ap;
    fflush(stdout);
    fputs("vdebug: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(1);
}
