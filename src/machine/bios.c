/* Raw BIOS ROM images (-bios): validated here, mapped by the board (physmem). */
#include "machine/loader.h"
#include <stdio.h>
#include <stdlib.h>

int bios_load(const char *path, u8 **rom, u32 *size, char *err, size_t errlen)
{
    u8 *data;
    size_t n;
    if (load_file(path, "BIOS image", BIOS_MAX_SIZE, &data, &n, err, errlen) < 0) return -1;
    if (n == 0 || n % 65536) {
        snprintf(err, errlen, "BIOS image '%s' is %zu bytes: it must be a non-zero multiple of 64 KiB "
                 "(at most 16 MiB)", path, n);
        free(data);
        return -1;
    }
    *rom = data;
    *size = (u32)n;
    return 0;
}
