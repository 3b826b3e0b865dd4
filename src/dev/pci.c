/* PCI configuration mechanism #1 and the i440FX/PIIX3 functions (pci.h). */
#include "dev/pci.h"
#include <stdio.h>

enum { PCI_COMMAND = 0x04, PCI_STATUS = 0x06, PCI_LATENCY = 0x0d, PCI_HEADER_TYPE = 0x0e,
       PCI_INT_LINE = 0x3c, PCI_INT_PIN = 0x3d };

void pci_func_init(struct pci_func *f, const char *name, u16 vendor, u16 device, u8 rev, u32 class_code,
                   u8 header_type)
{
    memset(f, 0, sizeof(*f));
    f->name = name;
    st16(f->cfg + 0x00, vendor);
    st16(f->cfg + 0x02, device);
    f->cfg[0x08] = rev;
    f->cfg[0x09] = (u8)class_code;          /* programming interface */
    st16(f->cfg + 0x0a, (u16)(class_code >> 8));
    f->cfg[PCI_HEADER_TYPE] = header_type;
    st16(f->cfg + PCI_STATUS, 0x0280);      /* fast back-to-back capable, medium DEVSEL */
    st16(f->wmask + PCI_COMMAND, 0x0147);   /* I/O, memory, bus master, parity, SERR */
    st16(f->w1c + PCI_STATUS, 0xf900);      /* the error bits */
    f->wmask[PCI_LATENCY] = 0xff;
    f->wmask[PCI_INT_LINE] = 0xff;
}

void pci_bus_add(struct pci_bus *b, unsigned devfn, struct pci_func *f)
{
    memcpy(f->reset_cfg, f->cfg, sizeof(f->cfg));
    b->fn[devfn & 0xff] = f;
}

void pci_bus_reset(struct pci_bus *b)
{
    b->addr = 0;
    for (int i = 0; i < 256; i++)
        if (b->fn[i]) {
            memcpy(b->fn[i]->cfg, b->fn[i]->reset_cfg, sizeof(b->fn[i]->cfg));
            if (b->fn[i]->written) b->fn[i]->written(b->fn[i], 0, 256);
        }
}

u32 pci_config_read(struct pci_bus *b, unsigned devfn, unsigned reg, unsigned size)
{
    struct pci_func *f = b->fn[devfn & 0xff];
    if (!f || reg + size > 256) return size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
    u32 v = 0;
    for (unsigned k = 0; k < size; k++) v |= (u32)f->cfg[reg + k] << (8 * k);
    return v;
}

void pci_config_write(struct pci_bus *b, unsigned devfn, unsigned reg, u32 val, unsigned size)
{
    struct pci_func *f = b->fn[devfn & 0xff];
    if (!f || reg + size > 256) return;
    for (unsigned k = 0; k < size; k++) {
        unsigned r = reg + k;
        u8 v = (u8)(val >> (8 * k));
        f->cfg[r] = (u8)((f->cfg[r] & ~f->wmask[r]) | (v & f->wmask[r]));
        f->cfg[r] &= (u8)~(v & f->w1c[r]);
    }
    if (f->written) f->written(f, reg, size);
}

/* The function CONFIG_ADDRESS selects, or -1 (disabled, another bus). */
static int selected(const struct pci_bus *b)
{
    if (!(b->addr & 0x80000000u) || ((b->addr >> 16) & 0xff) != 0) return -1;
    return (int)((b->addr >> 8) & 0xff);
}

static u32 addr_read(void *opaque, u64 off, unsigned size)
{
    struct pci_bus *b = opaque;
    if (off == 0 && size == 4) return b->addr;
    if (off == 1 && size == 1 && b->rcr) return rcr_read(b->rcr);
    return size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
}

static void addr_write(void *opaque, u64 off, u32 val, unsigned size)
{
    struct pci_bus *b = opaque;
    if (off == 0 && size == 4) b->addr = val & 0x80fffffcu;
    else if (off == 1 && size == 1 && b->rcr) rcr_write(b->rcr, (u8)val);
}

static u32 data_read(void *opaque, u64 off, unsigned size)
{
    struct pci_bus *b = opaque;
    int devfn = selected(b);
    if (devfn < 0) return size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
    return pci_config_read(b, (unsigned)devfn, (b->addr & 0xfc) + (unsigned)off, size);
}

static void data_write(void *opaque, u64 off, u32 val, unsigned size)
{
    struct pci_bus *b = opaque;
    int devfn = selected(b);
    if (devfn >= 0) pci_config_write(b, (unsigned)devfn, (b->addr & 0xfc) + (unsigned)off, val, size);
}

void pci_bus_init(struct pci_bus *b, struct iomap *ports, struct rcr *rcr)
{
    memset(b, 0, sizeof(*b));
    b->rcr = rcr;
    if (iomap_add(ports, 0xcf8, 4, "pci-config-address", 4, addr_read, addr_write, b) < 0 ||
        iomap_add(ports, 0xcfc, 4, "pci-config-data", 4, data_read, data_write, b) < 0)
        fprintf(stderr, "vdebug: PCI configuration ports overlap another device; not mapped\n");
}

/* PAM nibble i (0: 0x59 high; then 0x5A low, 0x5A high, ...) -> segment:
 * 0x59 high is the F segment (12), the others 0xC0000 + 16 KiB * (i - 1). */
static void i440fx_written(struct pci_func *f, unsigned reg, unsigned size)
{
    struct i440fx *c = f->opaque;
    if (reg <= I440FX_SMRAM && reg + size > I440FX_SMRAM && (f->cfg[I440FX_SMRAM] & 0x10)) {
        f->cfg[I440FX_SMRAM] &= (u8)~0x40;           /* D_LCK: D_OPEN clear ... */
        f->wmask[I440FX_SMRAM] = 0x20;               /* ... and all but D_CLS frozen until reset */
    }
    if (reg == 0 && size == 256) f->wmask[I440FX_SMRAM] = 0x78;
    if (reg > I440FX_PAM0 + 6 || reg + size <= I440FX_PAM0) return;
    u8 mode[PHYS_SHADOW_SEGS];
    mode[12] = (f->cfg[I440FX_PAM0] >> 4) & 3;
    for (int i = 0; i < 12; i++) mode[i] = (f->cfg[I440FX_PAM0 + 1 + i / 2] >> (4 * (i & 1))) & 3;
    physmem_set_pam(c->mem, mode);
}

void i440fx_init(struct i440fx *c, struct pci_bus *b, struct physmem *mem)
{
    pci_func_init(&c->host, "i440FX host bridge", 0x8086, 0x1237, 0x02, 0x060000, 0x00);
    st16(c->host.cfg + PCI_COMMAND, 0x0006);  /* memory and bus master, as after firmware */
    st16(c->host.cfg + 0x2c, 0x1af4);         /* subsystem vendor and ID: QEMU's */
    st16(c->host.cfg + 0x2e, 0x1100);
    c->host.wmask[I440FX_PAM0] = 0x30;
    for (int r = I440FX_PAM0 + 1; r <= I440FX_PAM0 + 6; r++) c->host.wmask[r] = 0x33;
    c->host.cfg[I440FX_SMRAM] = 0x02;         /* C_BASE_SEG: the 0xA0000 window; closed */
    c->host.wmask[I440FX_SMRAM] = 0x78;       /* D_OPEN, D_CLS, D_LCK, G_SMRAME */
    c->mem = mem;
    c->host.written = i440fx_written;
    c->host.opaque = c;
    pci_bus_add(b, PCI_DEVFN(0, 0), &c->host);

    pci_func_init(&c->isa, "PIIX3 PCI-to-ISA bridge", 0x8086, 0x7000, 0x00, 0x060100, 0x80);
    st16(c->isa.cfg + PCI_COMMAND, 0x0007);
    st16(c->isa.cfg + 0x2c, 0x1af4);
    st16(c->isa.cfg + 0x2e, 0x1100);
    st16(c->isa.cfg + PCI_STATUS, 0x0200);    /* medium DEVSEL */
    c->isa.wmask[PCI_LATENCY] = c->isa.wmask[PCI_INT_LINE] = 0; /* a bridge function without them */
    for (int r = 0x60; r <= 0x63; r++) {      /* PIRQA-D route control: routing disabled */
        c->isa.cfg[r] = 0x80;
        c->isa.wmask[r] = 0x8f;
    }
    pci_bus_add(b, PCI_DEVFN(1, 0), &c->isa);
}

const struct snap_field pci_bus_snap_fields[] = {SNAP_FIELD(struct pci_bus, addr)};
const size_t pci_bus_snap_nfields = 1;
const struct snap_field i440fx_snap_fields[] = {
    SNAP_FIELD(struct i440fx, host.cfg), SNAP_FIELD(struct i440fx, host.wmask[I440FX_SMRAM]), /* D_LCK froze it */
    SNAP_FIELD(struct i440fx, isa.cfg),
};
const size_t i440fx_snap_nfields = sizeof(i440fx_snap_fields) / sizeof(i440fx_snap_fields[0]);

/* The loaded PAM registers map the shadow area as they say (physmem calls
 * the board's remap hook when that changes anything). */
void i440fx_post_load(void *chipset)
{
    struct i440fx *c = chipset;
    i440fx_written(&c->host, I440FX_PAM0, 7);
}
