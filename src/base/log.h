/* Logging: categories selected with -d (QEMU's names), output to stderr or -D FILE. */
#ifndef VD_BASE_LOG_H
#define VD_BASE_LOG_H
#include "base/types.h"
#include <stdio.h>

enum {
    LOG_INT = 1u << 0,          /* interrupts and exceptions */
    LOG_CPU = 1u << 1,          /* CPU state before each block/instruction */
    LOG_IN_ASM = 1u << 2,       /* disassembly of guest code as it is first decoded */
    LOG_EXEC = 1u << 3,         /* each executed instruction address */
    LOG_GUEST_ERRORS = 1u << 4, /* guest did something architecturally dubious */
    LOG_UNIMP = 1u << 5,        /* unimplemented device or feature accessed */
    LOG_PCALL = 1u << 6,        /* protected-mode far calls, gates, task switches */
    LOG_IOPORT = 1u << 7,       /* every port access (vdebug extension) */
    LOG_STATS = 1u << 8,        /* run statistics at exit (vdebug extension) */
    LOG_ENGINE = 1u << 9,       /* engine switches (KVM <-> emulator) and why (vdebug extension) */
};

extern unsigned vd_log_mask;  /* enabled categories */
extern FILE *vd_log_file;     /* NULL means stderr */

/* Parse a QEMU-style comma list ("int,cpu"); returns 0 or -1 and sets *bad to the bad word. */
int vd_log_parse(const char *list, unsigned *mask, const char **bad, size_t *badlen);
/* Print the known category names, one per line, to f. */
void vd_log_list(FILE *f);
int vd_log_open(const char *path);
void vd_log_close(void);

#define vd_log_enabled(cat) unlikely(vd_log_mask & (cat))
void vd_logf(const char *fmt, ...) VD_PRINTF(1, 2);
#define VD_LOG(cat, ...) do { if (vd_log_enabled(cat)) vd_logf(__VA_ARGS__); } while (0)

/* Fatal host-side error: message and exit(1). Never for guest behaviour. */
void vd_fatal(const char *fmt, ...) VD_PRINTF(1, 2) VD_NORETURN;

#endif
