/*
 * A struct cpu over plain host RAM for unit tests: RAM below ram_size, MMIO
 * and ports read as all ones (writes dropped), no interrupt controller.
 * A test that needs other device behaviour overrides fields of the bus
 * before cpu_new (ram_bus_default) or passes its own callbacks.
 */
#ifndef VD_TEST_RAM_BUS_H
#define VD_TEST_RAM_BUS_H
#include "cpu/cpu.h"

static u8 *ram_bus_mem;
static size_t ram_bus_size;

static u8 *ram_bus_ptr(void *o, u64 pa, bool w) { return pa < ram_bus_size ? ram_bus_mem + pa : NULL; }
static u32 ram_bus_ones(void *o, u64 pa, unsigned s) { return 0xffffffffu; }
static void ram_bus_drop(void *o, u64 pa, u32 v, unsigned s) {}
static u32 ram_bus_in(void *o, u16 p, unsigned s) { return 0xffffffffu; }
static void ram_bus_out(void *o, u16 p, u32 v, unsigned s) {}
static int ram_bus_ack(void *o) { return -1; }

static inline struct cpu_bus ram_bus_default(u8 *ram, size_t size)
{
    ram_bus_mem = ram;
    ram_bus_size = size;
    return (struct cpu_bus){.ptr = ram_bus_ptr, .mmio_read = ram_bus_ones, .mmio_write = ram_bus_drop,
                            .io_in = ram_bus_in, .io_out = ram_bus_out, .intr_ack = ram_bus_ack,
                            .ram = ram, .ram_size = size};
}

#endif
