/* Appending printf for the devices' info dumps (monitor "info pic" etc.). */
#ifndef VD_DEV_DEVINFO_H
#define VD_DEV_DEVINFO_H
#include "base/types.h"
#include <stdarg.h>
#include <stdio.h>

struct infobuf {
    char *buf;
    size_t size, len;   /* len: characters written so far (capped at size - 1) */
};

static inline struct infobuf infobuf_make(char *buf, size_t size)
{
    if (size) buf[0] = 0;
    return (struct infobuf){buf, size, 0};
}

VD_PRINTF(2, 3) static inline void infof(struct infobuf *b, const char *fmt, ...)
{
    if (b->len + 1 >= b->size) return;
    va_list ap;
    va_start(ap, fmt);
    int r = vsnprintf(b->buf + b->len, b->size - b->len, fmt, ap);
    va_end(ap);
    if (r < 0) return;
    b->len += (size_t)r;
    if (b->len >= b->size) b->len = b->size - 1;
}

#endif
