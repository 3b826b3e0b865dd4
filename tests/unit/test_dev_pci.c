/* PCI configuration mechanism #1 and the i440FX/PIIX3 functions, through the port map. */
#include "test.h"
#include "dev/pci.h"

static struct iomap ports;
static struct pci_bus bus;
static struct i440fx chip;
static struct rcr rcr;
static struct physmem mem;
static int resets, remaps;
static void on_remap(void *o) { (void)o; remaps++; }

static void reset_cb(void *o) { (void)o; resets++; }
static const struct board_hooks hooks = {.request_reset = reset_cb};

static void setup(void)
{
    iomap_free(&ports);
    iomap_init(&ports, "port");
    resets = 0;
    rcr_init(&rcr, NULL, &hooks);
    pci_bus_init(&bus, &ports, &rcr);
    physmem_free(&mem);
    physmem_init(&mem, 4 << 20);
    mem.on_remap = on_remap;
    remaps = 0;
    i440fx_init(&chip, &bus, &mem);
}

static u32 cfg_read(unsigned dev, unsigned fn, unsigned reg, unsigned size)
{
    iomap_write(&ports, 0xcf8, 0x80000000u | dev << 11 | fn << 8 | (reg & 0xfc), 4);
    return iomap_read(&ports, 0xcfc + (reg & 3), size);
}

static void cfg_write(unsigned dev, unsigned fn, unsigned reg, u32 val, unsigned size)
{
    iomap_write(&ports, 0xcf8, 0x80000000u | dev << 11 | fn << 8 | (reg & 0xfc), 4);
    iomap_write(&ports, 0xcfc + (reg & 3), val, size);
}

/* The probe Linux's pci_check_type1() makes, and the identity it then reads. */
TEST(type1_probe_and_identity)
{
    setup();
    iomap_write(&ports, 0xcfb, 0x01, 1);
    u32 saved = iomap_read(&ports, 0xcf8, 4);
    iomap_write(&ports, 0xcf8, 0x80000000u, 4);
    CHECK_EQ(iomap_read(&ports, 0xcf8, 4), 0x80000000u);
    iomap_write(&ports, 0xcf8, saved, 4);
    CHECK_EQ(cfg_read(0, 0, 0, 4), 0x12378086u);
    CHECK_EQ(cfg_read(0, 0, 0x08, 4), 0x06000002u); /* class 0600, rev 02 */
    CHECK_EQ(cfg_read(1, 0, 0, 4), 0x70008086u);
    CHECK_EQ(cfg_read(1, 0, 0x0a, 2), 0x0601u);
    CHECK_EQ(cfg_read(1, 0, 0x0e, 1), 0x80u);       /* multi-function */
    CHECK_EQ(cfg_read(1, 0, 0x60, 4), 0x80808080u); /* PIRQ routing disabled */
}

TEST(absent_functions_and_buses_read_ones)
{
    setup();
    CHECK_EQ(cfg_read(2, 0, 0, 4), 0xffffffffu);
    CHECK_EQ(cfg_read(0, 1, 0, 2), 0xffffu);
    CHECK_EQ(cfg_read(31, 7, 0, 1), 0xffu);
    iomap_write(&ports, 0xcf8, 0x80010000u, 4);      /* bus 1 */
    CHECK_EQ(iomap_read(&ports, 0xcfc, 4), 0xffffffffu);
    iomap_write(&ports, 0xcf8, 0x00000000u, 4);      /* enable bit clear */
    CHECK_EQ(iomap_read(&ports, 0xcfc, 4), 0xffffffffu);
    cfg_write(2, 0, 0x04, 0x7, 2);                   /* ignored, no crash */
}

TEST(write_masks_and_status_w1c)
{
    setup();
    cfg_write(0, 0, 0x00, 0xdeadbeef, 4);            /* identity is read-only */
    CHECK_EQ(cfg_read(0, 0, 0, 4), 0x12378086u);
    cfg_write(0, 0, 0x3c, 0x0b, 1);                  /* interrupt line is writable */
    CHECK_EQ(cfg_read(0, 0, 0x3c, 1), 0x0bu);
    cfg_write(0, 0, 0x04, 0xffff, 2);
    CHECK_EQ(cfg_read(0, 0, 0x04, 2), 0x0147u);
    chip.host.cfg[0x07] |= 0x20;                     /* a latched error bit (received master abort) */
    cfg_write(0, 0, 0x06, 0x2000, 2);
    CHECK_EQ(cfg_read(0, 0, 0x06, 2), 0x0280u);
    cfg_write(1, 0, 0x61, 0x0b, 1);                  /* PIRQB -> IRQ 11 */
    CHECK_EQ(cfg_read(1, 0, 0x60, 4), 0x80800b80u);
    /* byte and word accesses inside CONFIG_DATA */
    CHECK_EQ(cfg_read(0, 0, 0x02, 2), 0x1237u);
    CHECK_EQ(cfg_read(0, 0, 0x03, 1), 0x12u);
}

TEST(reset_restores_config_space)
{
    setup();
    cfg_write(0, 0, 0x3c, 0x05, 1);
    pci_bus_reset(&bus);
    CHECK_EQ(cfg_read(0, 0, 0x3c, 1), 0x00u);
    CHECK_EQ(cfg_read(0, 0, 0x04, 2), 0x0006u);
}

/* Only dword accesses hit CONFIG_ADDRESS; a byte at 0xCF9 is the PIIX3 reset register. */
TEST(cf9_reset_through_the_bridge)
{
    setup();
    iomap_write(&ports, 0xcf8, 0x80000800u, 4);
    iomap_write(&ports, 0xcf9, 0x02, 1);
    CHECK_EQ(iomap_read(&ports, 0xcf8, 4), 0x80000800u);
    CHECK_EQ(iomap_read(&ports, 0xcf9, 1), 0x02u);
    CHECK_EQ(resets, 0);
    iomap_write(&ports, 0xcf9, 0x06, 1);
    CHECK_EQ(resets, 1);
    CHECK_EQ(iomap_read(&ports, 0xcf8, 2), 0xffffu); /* word access: ISA, nothing there */
}

/* SeaBIOS's view of the board: QEMU's subsystem IDs on the host bridge. */
TEST(subsystem_ids_are_qemus)
{
    setup();
    CHECK_EQ(cfg_read(0, 0, 0x2c, 4), 0x11001af4u);
    CHECK_EQ(cfg_read(1, 0, 0x2c, 4), 0x11001af4u);
}

/* PAM: each nibble's RE/WE bits decide where a shadow segment's reads and
 * writes go; a 256 KiB ROM's last 128 KiB is the bus side of 0xE0000-0xFFFFF. */
TEST(pam_shadow_segments)
{
    setup();
    u32 size = 256 << 10;
    u8 *rom = malloc(size);
    memset(rom, 0xee, size);
    physmem_set_rom(&mem, rom, size);
    remaps = 0;
    CHECK_EQ(cfg_read(0, 0, 0x58, 4), 0u);           /* PAM0-2 after reset */
    CHECK_EQ(physmem_read(&mem, 0xf0000, 1), 0xeeu); /* ROM */
    physmem_write(&mem, 0xf0000, 0x11, 1);           /* to the bus: dropped */
    CHECK_EQ(mem.ram[0xf0000], 0u);
    CHECK_EQ(physmem_read(&mem, 0xc0000, 1), 0xffu); /* nothing on the bus there */
    cfg_write(0, 0, 0x59, 0xff, 1);                  /* only bits 5:4 exist */
    CHECK_EQ(cfg_read(0, 0, 0x59, 1), 0x30u);
    CHECK_EQ(remaps, 1);
    physmem_write(&mem, 0xf0000, 0x11, 1);
    CHECK_EQ(physmem_read(&mem, 0xf0000, 1), 0x11u);
    CHECK_EQ(physmem_read(&mem, 0xeffff, 1), 0xeeu); /* E segment still ROM */
    cfg_write(0, 0, 0x59, 0x20, 1);                  /* write-only: read ROM, write RAM */
    CHECK_EQ(remaps, 2);
    CHECK_EQ(physmem_read(&mem, 0xf0000, 1), 0xeeu);
    physmem_write(&mem, 0xf0001, 0x22, 1);
    CHECK_EQ(mem.ram[0xf0001], 0x22u);
    cfg_write(0, 0, 0x59, 0x10, 1);                  /* read-only RAM */
    CHECK_EQ(physmem_read(&mem, 0xf0001, 1), 0x22u);
    physmem_write(&mem, 0xf0001, 0x33, 1);
    CHECK_EQ(mem.ram[0xf0001], 0x22u);
    cfg_write(0, 0, 0x59, 0x10, 1);                  /* no change: no remap */
    CHECK_EQ(remaps, 3);
    /* 0x5A: C0000 (low nibble) and C4000 (high); 0x5F high: EC000-EFFFF */
    cfg_write(0, 0, 0x5a, 0x30, 1);
    physmem_write(&mem, 0xc0000, 0x44, 1);
    CHECK_EQ(mem.ram[0xc0000], 0u);
    physmem_write(&mem, 0xc4000, 0x44, 1);
    CHECK_EQ(physmem_read(&mem, 0xc4000, 1), 0x44u);
    cfg_write(0, 0, 0x5f, 0x30, 1);
    CHECK_EQ(physmem_read(&mem, 0xe8000, 1), 0xeeu);
    physmem_write(&mem, 0xec000, 0x55, 1);
    CHECK_EQ(physmem_read(&mem, 0xeffff, 1), 0u);
    CHECK_EQ(physmem_read(&mem, 0xec000, 1), 0x55u);
    /* reset: back to the bus */
    pci_bus_reset(&bus);
    CHECK_EQ(physmem_read(&mem, 0xf0001, 1), 0xeeu);
    CHECK_EQ(physmem_read(&mem, 0xc4000, 1), 0xffu);
}

TEST(smram_closed_and_lockable)
{
    setup();
    CHECK_EQ(cfg_read(0, 0, 0x72, 1), 0x02u);
    cfg_write(0, 0, 0x72, 0x4a, 1);                  /* D_OPEN | G_SMRAME */
    CHECK_EQ(cfg_read(0, 0, 0x72, 1), 0x4au);
    CHECK_EQ(physmem_read(&mem, 0xa0000, 1), 0xffu); /* no SMRAM behind the window */
    cfg_write(0, 0, 0x72, 0x5a, 1);                  /* D_LCK closes and freezes */
    CHECK_EQ(cfg_read(0, 0, 0x72, 1), 0x1au);
    cfg_write(0, 0, 0x72, 0x42, 1);
    CHECK_EQ(cfg_read(0, 0, 0x72, 1), 0x1au);
    pci_bus_reset(&bus);
    CHECK_EQ(cfg_read(0, 0, 0x72, 1), 0x02u);
    cfg_write(0, 0, 0x72, 0x08, 1);
    CHECK_EQ(cfg_read(0, 0, 0x72, 1), 0x0au);
}

int main(void)
{
    RUN(type1_probe_and_identity);
    RUN(absent_functions_and_buses_read_ones);
    RUN(write_masks_and_status_w1c);
    RUN(reset_restores_config_space);
    RUN(cf9_reset_through_the_bridge);
    RUN(subsystem_ids_are_qemus);
    RUN(pam_shadow_segments);
    RUN(smram_closed_and_lockable);
    iomap_free(&ports);
    physmem_free(&mem);
    return test_summary();
}
