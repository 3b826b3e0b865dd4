/* Range maps, physical memory layout, A20 and the virtual clock. */
#include "test.h"
#include "mem/iomap.h"
#include "mem/physmem.h"
#include "base/vclock.h"
#include <stdlib.h>

struct dev { u8 regs[8]; int reads, writes; unsigned last_size; };
static u32 dev_read(void *o, u64 off, unsigned size)
{
    struct dev *d = o;
    u32 v = 0;
    d->reads++;
    d->last_size = size;
    for (unsigned i = 0; i < size; i++) v |= (u32)d->regs[off + i] << (8 * i);
    return v;
}
static void dev_write(void *o, u64 off, u32 v, unsigned size) { struct dev *d = o; d->writes++; d->last_size = size; d->regs[off] = (u8)v; }

TEST(iomap_unmapped_reads_all_ones)
{
    struct iomap m;
    iomap_init(&m, "port");
    CHECK_EQ(iomap_read(&m, 0x1234, 1), 0xff);
    CHECK_EQ(iomap_read(&m, 0x1234, 2), 0xffff);
    CHECK_EQ(iomap_read(&m, 0x1234, 4), 0xffffffffu);
    iomap_write(&m, 0x1234, 5, 1); /* ignored, no crash */
    iomap_free(&m);
}

TEST(iomap_overlap_rejected_and_lookup)
{
    struct iomap m;
    struct dev a = {0}, b = {0};
    iomap_init(&m, "port");
    CHECK_EQ(iomap_add(&m, 0x20, 2, "a", 1, dev_read, dev_write, &a), 0);
    CHECK_EQ(iomap_add(&m, 0xa0, 2, "b", 1, dev_read, dev_write, &b), 0);
    CHECK(iomap_add(&m, 0x21, 1, "c", 1, dev_read, dev_write, &b) < 0);
    CHECK(iomap_add(&m, 0x1f, 2, "c", 1, dev_read, dev_write, &b) < 0);
    CHECK(iomap_add(&m, 0x10, 0, "c", 1, dev_read, dev_write, &b) < 0);
    CHECK(iomap_find(&m, 0x21) && !strcmp(iomap_find(&m, 0x21)->name, "a"));
    CHECK(iomap_find(&m, 0x22) == NULL);
    CHECK(iomap_find(&m, 0xa1) && !strcmp(iomap_find(&m, 0xa1)->name, "b"));
    iomap_free(&m);
}

TEST(iomap_wide_access_split_for_byte_device)
{
    struct iomap m;
    struct dev a = {{1, 2, 3, 4}, 0, 0, 0};
    iomap_init(&m, "port");
    iomap_add(&m, 0x70, 2, "byte", 1, dev_read, dev_write, &a);
    /* 0x70,0x71 are the device; 0x72,0x73 unmapped -> 0xff */
    CHECK_EQ(iomap_read(&m, 0x70, 4), 0xffff0201u);
    CHECK_EQ(a.reads, 2);
    CHECK_EQ(a.last_size, 1);
    iomap_write(&m, 0x70, 0xbeef, 2);
    CHECK_EQ(a.regs[0], 0xef);
    CHECK_EQ(a.regs[1], 0xbe);
    iomap_free(&m);
}

TEST(iomap_narrow_region_wide_width_no_recursion)
{
    struct iomap m;
    struct dev a = {{9, 8, 7, 6}, 0, 0, 0};
    iomap_init(&m, "mmio");
    iomap_add(&m, 0x1000, 2, "w4", 4, dev_read, dev_write, &a);
    CHECK_EQ(iomap_read(&m, 0x1000, 4), 0xffff0809u);
    iomap_free(&m);
}

TEST(physmem_layout)
{
    struct physmem pm;
    CHECK_EQ(physmem_init(&pm, 16 << 20), 0);
    CHECK(physmem_ptr(&pm, 0, false) == pm.ram);
    CHECK(physmem_ptr(&pm, 0xa0000, false) == NULL);   /* VGA graphics window */
    CHECK(physmem_ptr(&pm, 0xb7fff, true) == NULL);
    CHECK(physmem_ptr(&pm, 0xb8000, true) == pm.ram + 0xb8000); /* VGA text memory is RAM */
    CHECK(physmem_ptr(&pm, 0xbffff, false) == pm.ram + 0xbffff);
    CHECK(physmem_ptr(&pm, 0xc0000, true) == NULL);    /* shadow RAM off after init (PAM 0) */
    CHECK(physmem_ptr(&pm, 0xe0000, false) == NULL);   /* ... and no ROM on the bus */
    u8 shadow[PHYS_SHADOW_SEGS];
    memset(shadow, PAM_READ_RAM | PAM_WRITE_RAM, sizeof(shadow));
    physmem_set_pam(&pm, shadow);
    CHECK(physmem_ptr(&pm, 0xc0000, true) == pm.ram + 0xc0000);
    CHECK(physmem_ptr(&pm, 0xe0000, true) == pm.ram + 0xe0000);
    CHECK(physmem_ptr(&pm, (16 << 20) - 1, true) != NULL);
    CHECK(physmem_ptr(&pm, 16 << 20, false) == NULL);
    CHECK_EQ(physmem_read(&pm, 0xa0000, 4), 0xffffffffu);
    physmem_write(&pm, 0x1000, 0x12345678, 4);
    CHECK_EQ(physmem_read(&pm, 0x1000, 2), 0x5678);
    physmem_free(&pm);
}

/* A device's DMA: RAM written directly and the engines told; ROM and holes left alone. */
static u64 dma_seen_pa;
static size_t dma_seen_len;
static void dma_seen(void *opaque, u64 pa, size_t len) { dma_seen_pa = pa, dma_seen_len += len; (void)opaque; }

TEST(physmem_dma)
{
    struct physmem pm;
    CHECK_EQ(physmem_init(&pm, 16 << 20), 0);
    pm.on_dma_write = dma_seen;
    u8 buf[8192], back[8192];
    for (int i = 0; i < 8192; i++) buf[i] = (u8)(i * 5);
    physmem_dma_write(&pm, 0x10800, buf, sizeof(buf));   /* three pages */
    CHECK(!memcmp(pm.ram + 0x10800, buf, sizeof(buf)));
    CHECK_EQ(dma_seen_len, sizeof(buf));
    CHECK_EQ(dma_seen_pa, 0x12000);
    physmem_dma_read(&pm, 0x10800, back, sizeof(back));
    CHECK(!memcmp(back, buf, sizeof(buf)));
    dma_seen_len = 0;
    physmem_dma_write(&pm, 0xa0000, buf, 16);            /* unmapped: dropped, nobody told */
    CHECK_EQ(dma_seen_len, 0);
    physmem_dma_read(&pm, 0xa0000, back, 4);
    CHECK_EQ(ld32(back), 0xffffffffu);
    physmem_dma_read(&pm, (16 << 20) - 2, back, 4);      /* past the end of RAM */
    CHECK_EQ(back[0], pm.ram[(16 << 20) - 2]);
    CHECK_EQ(back[2], 0xff);
    physmem_free(&pm);
}

TEST(physmem_rom_top_and_shadow)
{
    struct physmem pm;
    CHECK_EQ(physmem_init(&pm, 8 << 20), 0);
    u32 size = 256 << 10;
    u8 *rom = malloc(size);
    for (u32 i = 0; i < size; i++) rom[i] = (u8)(i * 7 + (i >> 12));
    physmem_set_rom(&pm, rom, size);
    CHECK_EQ(physmem_read(&pm, 0xfffffff0u, 1), rom[size - 16]);
    CHECK_EQ(physmem_read(&pm, 0xfffc0000u, 1), rom[0]);
    /* last 128 KiB aliased at 0xE0000 */
    CHECK_EQ(physmem_read(&pm, 0xffff0, 1), rom[size - 16]);
    CHECK_EQ(physmem_read(&pm, 0xe0000, 1), rom[size - 0x20000]);
    /* ROM is read-only to the guest */
    u8 before = rom[size - 16];
    physmem_write(&pm, 0xffff0, before ^ 0xff, 1);
    physmem_write(&pm, 0xfffffff0u, before ^ 0xff, 1);
    CHECK_EQ(physmem_read(&pm, 0xffff0, 1), before);
    /* but the debugger/loader can patch it */
    u8 x = 0x5a;
    CHECK_EQ(physmem_debug_rw(&pm, 0xffff0, &x, 1, true), 1);
    CHECK_EQ(rom[size - 16], 0x5a);
    physmem_free(&pm);
}

static int remaps;
static void on_remap(void *o) { (void)o; remaps++; }

TEST(physmem_a20)
{
    struct physmem pm;
    CHECK_EQ(physmem_init(&pm, 4 << 20), 0);
    pm.on_remap = on_remap;
    physmem_write(&pm, 0x100000, 0xaa, 1);
    physmem_write(&pm, 0x000000, 0x55, 1);
    physmem_set_a20(&pm, false);
    CHECK_EQ(remaps, 1);
    CHECK_EQ(physmem_read(&pm, 0x100000, 1), 0x55); /* wraps to 0 */
    physmem_set_a20(&pm, false);
    CHECK_EQ(remaps, 1);                            /* no change, no remap */
    physmem_set_a20(&pm, true);
    CHECK_EQ(physmem_read(&pm, 0x100000, 1), 0xaa);
    physmem_free(&pm);
}

TEST(physmem_debug_rw_stops_at_hole)
{
    struct physmem pm;
    CHECK_EQ(physmem_init(&pm, 4 << 20), 0);
    u8 buf[0x2000];
    memset(buf, 0x11, sizeof(buf));
    CHECK_EQ(physmem_debug_rw(&pm, 0x9f000, buf, sizeof(buf), true), 0x1000);
    CHECK_EQ(physmem_debug_rw(&pm, (4 << 20) - 0x800, buf, 0x1000, false), 0x800);
    physmem_free(&pm);
}

TEST(physmem_bad_sizes)
{
    struct physmem pm;
    CHECK(physmem_init(&pm, 0) < 0);
    CHECK(physmem_init(&pm, 4ull << 30) < 0);
    CHECK(physmem_init(&pm, 4097) < 0);
}

struct tick { int n; struct vtimer t; u64 period; };
static void tick_fire(void *o)
{
    struct tick *k = o;
    k->n++;
    if (k->period) vtimer_arm(&k->t, (u64)(k->n + 1) * k->period);
}

TEST(vclock_deadlines_and_rearm)
{
    struct vclock c;
    struct tick a = {0}, b = {0};
    vclock_init(&c);
    vtimer_init(&c, &a.t, "a", tick_fire, &a);
    vtimer_init(&c, &b.t, "b", tick_fire, &b);
    CHECK_EQ(vclock_next_deadline(&c), VCLOCK_NEVER);
    a.period = 100;
    vtimer_arm(&a.t, 100);
    vtimer_arm(&b.t, 250);
    CHECK_EQ(vclock_next_deadline(&c), 100);
    c.now = 99;
    vclock_run_expired(&c);
    CHECK_EQ(a.n, 0);
    c.now = 300;
    vclock_run_expired(&c);
    CHECK_EQ(a.n, 3);   /* 100, 200, 300 */
    CHECK_EQ(b.n, 1);
    CHECK_EQ(vclock_next_deadline(&c), 400);
}

TEST(vclock_run_until_fires_at_each_deadline)
{
    struct vclock c;
    struct tick a = {0};
    vclock_init(&c);
    vtimer_init(&c, &a.t, "a", tick_fire, &a);
    a.period = 100;
    vtimer_arm(&a.t, 100);
    vclock_run_until(&c, 350);
    CHECK_EQ(a.n, 3);
    CHECK_EQ(c.now, 350);
    CHECK_EQ(vclock_next_deadline(&c), 400);
}

int main(void)
{
    RUN(iomap_unmapped_reads_all_ones);
    RUN(iomap_overlap_rejected_and_lookup);
    RUN(iomap_wide_access_split_for_byte_device);
    RUN(iomap_narrow_region_wide_width_no_recursion);
    RUN(physmem_layout);
    RUN(physmem_dma);
    RUN(physmem_rom_top_and_shadow);
    RUN(physmem_a20);
    RUN(physmem_debug_rw_stops_at_hole);
    RUN(physmem_bad_sizes);
    RUN(vclock_deadlines_and_rearm);
    RUN(vclock_run_until_fires_at_each_deadline);
    return test_summary();
}
