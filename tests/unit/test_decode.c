/*
 * Decoder and disassembler unit tests: hand-assembled encodings whose
 * decodings come from the Intel SDM (Vol. 2, ch. 2 tables 2-1..2-3 for
 * ModRM/SIB; the instruction pages for operands), in 16- and 32-bit mode.
 */
#include "test.h"
#include "x86/insn.h"

#define M16 X86_MODE_16
#define M32 X86_MODE_32
#define NONE X86_REG_NONE

/* Decode hex text ("66 8b 04 24"); returns x86_decode's result. */
static int dec(enum x86_mode mode, const char *hex, struct x86_insn *in)
{
    u8 b[32];
    size_t n = 0;
    unsigned v;
    int used;
    while (n < sizeof(b) && sscanf(hex, " %2x%n", &v, &used) == 1) {
        b[n++] = (u8)v;
        hex += used;
    }
    memset(in, 0xcc, sizeof(*in));
    return x86_decode(b, n, mode, in);
}

/* Decode and format at address 0x1000; the text, or "ERR" on a decode error. */
static const char *dis(enum x86_mode mode, const char *hex)
{
    static char buf[128];
    struct x86_insn in;
    if (dec(mode, hex, &in) < 0) return "ERR";
    x86_format(&in, 0x1000, buf, sizeof(buf));
    return buf;
}

#define CHECK_MEM(in, b, i, s, d) do { \
        CHECK_EQ((in).base, b); CHECK_EQ((in).index, i); \
        CHECK_EQ((in).scale, s); CHECK_EQ((u32)(in).disp, (u32)(d)); \
    } while (0)

TEST(modrm32_forms)
{
    struct x86_insn in;
    CHECK_EQ(dec(M32, "8b 04 8d 10 00 00 00", &in), 7); /* mov eax,[ecx*4+0x10]: SIB, no base */
    CHECK_EQ(in.op, X86_OP_MOV_GvEv);
    CHECK_MEM(in, NONE, X86_ECX, 2, 0x10);
    CHECK_EQ(in.seg, X86_SEG_DS);
    CHECK_EQ(dec(M32, "8b 44 24 04", &in), 4);          /* [esp+4]: SS default */
    CHECK_MEM(in, X86_ESP, NONE, 0, 4);
    CHECK_EQ(in.seg, X86_SEG_SS);
    CHECK_EQ(dec(M32, "8b 45 f8", &in), 3);             /* [ebp-8] */
    CHECK_MEM(in, X86_EBP, NONE, 0, -8);
    CHECK_EQ(in.seg, X86_SEG_SS);
    CHECK_EQ(dec(M32, "8b 05 78 56 34 12", &in), 6);    /* [disp32] */
    CHECK_MEM(in, NONE, NONE, 0, 0x12345678);
    CHECK_EQ(dec(M32, "8b 84 b3 00 01 00 00", &in), 7); /* [ebx+esi*4+0x100] */
    CHECK_MEM(in, X86_EBX, X86_ESI, 2, 0x100);
    CHECK_EQ(dec(M32, "8b 04 2c", &in), 3);             /* [esp+ebp]: base esp -> SS */
    CHECK_MEM(in, X86_ESP, X86_EBP, 0, 0);
    CHECK_EQ(in.seg, X86_SEG_SS);
    CHECK_EQ(dec(M32, "8b 04 28", &in), 3);             /* [eax+ebp]: index ebp -> still DS */
    CHECK_EQ(in.seg, X86_SEG_DS);
    CHECK_EQ(dec(M32, "8b 44 65 00", &in), 4);          /* [ebp+0+eiz*2]: index 4 = none */
    CHECK_MEM(in, X86_EBP, NONE, 0, 0);
    CHECK_EQ(dec(M32, "89 d8", &in), 2);                /* mov eax, ebx */
    CHECK_EQ(in.mod, 3); CHECK_EQ(in.rm, 0); CHECK_EQ(in.reg, 3);
    CHECK_EQ(in.base, NONE);
    CHECK_STR(dis(M32, "8b 84 b3 00 01 00 00"), "mov eax, dword ptr [ebx + esi*4 + 0x100]");
    CHECK_STR(dis(M32, "8b 45 f8"), "mov eax, dword ptr [ebp - 8]");
}

TEST(modrm16_forms)
{
    struct x86_insn in;
    static const struct { const char *hex; u8 base, index, seg; i32 disp; } t[] = {
        {"8b 00", X86_EBX, X86_ESI, X86_SEG_DS, 0},
        {"8b 01", X86_EBX, X86_EDI, X86_SEG_DS, 0},
        {"8b 02", X86_EBP, X86_ESI, X86_SEG_SS, 0},
        {"8b 03", X86_EBP, X86_EDI, X86_SEG_SS, 0},
        {"8b 04", X86_ESI, NONE, X86_SEG_DS, 0},
        {"8b 05", X86_EDI, NONE, X86_SEG_DS, 0},
        {"8b 06 34 12", NONE, NONE, X86_SEG_DS, 0x1234},
        {"8b 07", X86_EBX, NONE, X86_SEG_DS, 0},
        {"8b 46 fe", X86_EBP, NONE, X86_SEG_SS, -2},
        {"8b 87 00 80", X86_EBX, NONE, X86_SEG_DS, -0x8000},
        {"26 8b 46 02", X86_EBP, NONE, X86_SEG_ES, 2},
    };
    for (size_t k = 0; k < ARRAY_SIZE(t); k++) {
        int n = dec(M16, t[k].hex, &in);
        CHECK(n > 0);
        CHECK_EQ(in.asize, 2); CHECK_EQ(in.osize, 2);
        CHECK_EQ(in.base, t[k].base);
        CHECK_EQ(in.index, t[k].index);
        CHECK_EQ(in.seg, t[k].seg);
        CHECK_EQ(in.disp, t[k].disp);
    }
    CHECK_EQ(dec(M32, "67 8b 46 10", &in), 4); /* 67 in 32-bit mode: 16-bit addressing */
    CHECK_MEM(in, X86_EBP, NONE, 0, 0x10);
    CHECK_EQ(dec(M16, "67 8b 04 24", &in), 4); /* 67 in 16-bit mode: SIB */
    CHECK_EQ(in.base, X86_ESP); CHECK_EQ(in.asize, 4);
    CHECK_STR(dis(M16, "8b 02"), "mov ax, word ptr [bp + si]");
    CHECK_STR(dis(M16, "8b 46 fe"), "mov ax, word ptr [bp - 2]");
    CHECK_STR(dis(M16, "8b 06 34 12"), "mov ax, word ptr [0x1234]");
    CHECK_STR(dis(M16, "66 8b 00"), "mov eax, dword ptr [bx + si]");
}

TEST(prefixes)
{
    struct x86_insn in;
    /* any order, repeated; last segment override wins */
    CHECK_EQ(dec(M32, "26 66 2e 67 64 8b 00", &in), 7);
    CHECK_EQ(in.seg, X86_SEG_FS);
    CHECK_EQ(in.osize, 2); CHECK_EQ(in.asize, 2);
    CHECK(in.pfx & X86_PFX_SEG); CHECK(in.pfx & X86_PFX_OPSIZE); CHECK(in.pfx & X86_PFX_ADSIZE);
    CHECK_EQ(dec(M32, "66 66 66 90", &in), 4);
    CHECK_EQ(in.osize, 2); /* repeated 66 still toggles once */
    CHECK_EQ(dec(M16, "66 b8 78 56 34 12", &in), 6);
    CHECK_EQ(in.osize, 4); CHECK_EQ(in.imm, 0x12345678);
    CHECK_EQ(dec(M32, "f3 a5", &in), 2);
    CHECK_EQ(in.pfx & (X86_PFX_REP | X86_PFX_REPNE), X86_PFX_REP);
    CHECK_EQ(dec(M32, "f3 f2 a6", &in), 3); /* last of F2/F3 counts */
    CHECK_EQ(in.pfx & (X86_PFX_REP | X86_PFX_REPNE), X86_PFX_REPNE);
    CHECK_EQ(dec(M32, "3e 8b 04 24", &in), 4); /* DS override on an SS default */
    CHECK_EQ(in.seg, X86_SEG_DS);
    CHECK_STR(dis(M32, "f3 a4"), "rep movsb byte ptr es:[edi], byte ptr [esi]");
    CHECK_STR(dis(M32, "f3 a6"), "repe cmpsb byte ptr [esi], byte ptr es:[edi]");
    CHECK_STR(dis(M16, "f2 ae"), "repne scasb al, byte ptr es:[di]");
    CHECK_STR(dis(M32, "26 ac"), "lodsb al, byte ptr es:[esi]");
    CHECK_STR(dis(M32, "2e 8b 00"), "mov eax, dword ptr cs:[eax]");
    CHECK_STR(dis(M32, "f0 01 00"), "lock add dword ptr [eax], eax");
}

TEST(lock_validity)
{
    struct x86_insn in;
    CHECK_EQ(dec(M32, "f0 01 00", &in), 3);
    CHECK_EQ(in.op, X86_OP_ADD_EvGv);
    CHECK_EQ(dec(M32, "f0 01 c0", &in), 3); /* register destination */
    CHECK_EQ(in.op, X86_OP_UD);
    CHECK_EQ(dec(M32, "f0 03 00", &in), 3); /* ADD Gv,Ev: no F_LOCK */
    CHECK_EQ(in.op, X86_OP_UD);
    CHECK_EQ(dec(M32, "f0 90", &in), 2);
    CHECK_EQ(in.op, X86_OP_UD);
    CHECK_EQ(dec(M32, "f0 0f c7 08", &in), 4);
    CHECK_EQ(in.op, X86_OP_CMPXCHG8B_Mq);
    CHECK_EQ(dec(M32, "f0 87 18", &in), 3);
    CHECK_EQ(in.op, X86_OP_XCHG_EvGv);
    CHECK_EQ(dec(M32, "f0 80 30 01", &in), 4); /* xor byte [eax],1 */
    CHECK_EQ(in.op, X86_OP_XOR_EbIb);
    CHECK_EQ(dec(M32, "f0 80 38 01", &in), 4); /* cmp: no lock */
    CHECK_EQ(in.op, X86_OP_UD);
    CHECK_EQ(dec(M32, "f0 0f ba 28 03", &in), 5); /* bts [eax],3 */
    CHECK_EQ(in.op, X86_OP_BTS_EvIb);
    CHECK_EQ(dec(M32, "f0 0f ba 20 03", &in), 5); /* bt: no lock */
    CHECK_EQ(in.op, X86_OP_UD);
}

TEST(groups_and_modreg)
{
    struct x86_insn in;
    CHECK_EQ(dec(M32, "80 c1 05", &in), 3);
    CHECK_EQ(in.op, X86_OP_ADD_EbIb); CHECK_EQ(in.imm, 5);
    CHECK_EQ(dec(M32, "82 f9 05", &in), 3); /* 82 aliases 80 */
    CHECK_EQ(in.op, X86_OP_CMP_EbIb);
    CHECK_EQ(dec(M32, "83 e8 ff", &in), 3);
    CHECK_EQ(in.op, X86_OP_SUB_EvIbs); CHECK_EQ(in.imm, 0xffffffff);
    CHECK_EQ(dec(M32, "f7 c1 01 00 00 00", &in), 6);
    CHECK_EQ(in.op, X86_OP_TEST_EvIz);
    CHECK_EQ(dec(M32, "f7 c9 01 00 00 00", &in), 6); /* /1 alias */
    CHECK_EQ(in.op, X86_OP_TEST_EvIz);
    CHECK_EQ(dec(M32, "f7 d9", &in), 2);
    CHECK_EQ(in.op, X86_OP_NEG_Ev);
    CHECK_EQ(dec(M16, "f7 06 34 12 78 56", &in), 6);
    CHECK_EQ(in.op, X86_OP_TEST_EvIz); CHECK_EQ(in.imm, 0x5678); CHECK_EQ(in.disp, 0x1234);
    CHECK_EQ(dec(M32, "ff 30", &in), 2);
    CHECK_EQ(in.op, X86_OP_PUSH_Ev);
    CHECK_EQ(dec(M32, "ff 38", &in), 2); /* FF /7 undefined */
    CHECK_EQ(in.op, X86_OP_UD);
    CHECK_EQ(dec(M32, "ff d8", &in), 2); /* FF /3 with a register: #UD */
    CHECK_EQ(in.op, X86_OP_UD);
    CHECK_EQ(dec(M32, "8d c0", &in), 2); /* LEA reg,reg */
    CHECK_EQ(in.op, X86_OP_UD);
    CHECK_EQ(dec(M32, "c6 c8 01", &in), 3); /* C6 /1: UD, but its imm8 is counted */
    CHECK_EQ(in.op, X86_OP_UD);
    CHECK_EQ(dec(M32, "0f ba e0 05", &in), 4);
    CHECK_EQ(in.op, X86_OP_BT_EvIb); CHECK_EQ(in.imm, 5);
    CHECK_EQ(dec(M32, "0f 01 10", &in), 3);
    CHECK_EQ(in.op, X86_OP_LGDT_Ms);
    CHECK_EQ(dec(M32, "0f 20 00", &in), 3); /* MOV from CR: mod ignored */
    CHECK_EQ(in.op, X86_OP_MOV_RdCd); CHECK_EQ(in.mod, 3); CHECK_EQ(in.rm, 0);
    CHECK_EQ(dec(M32, "0f 22 d8", &in), 3);
    CHECK_EQ(in.op, X86_OP_MOV_CdRd); CHECK_EQ(in.reg, 3);
    CHECK_EQ(dec(M32, "0f 20 e8", &in), 3); /* CR5 does not exist: #UD */
    CHECK_EQ(in.op, X86_OP_UD);
    CHECK_EQ(dec(M32, "0f 22 c8", &in), 3); /* CR1 */
    CHECK_EQ(in.op, X86_OP_UD);
    CHECK_EQ(dec(M32, "0f 23 f8", &in), 3); /* DR7 exists */
    CHECK_EQ(in.op, X86_OP_MOV_DdRd);
    CHECK_EQ(dec(M32, "8e c8", &in), 2); /* MOV CS, ax: #UD */
    CHECK_EQ(in.op, X86_OP_UD);
    CHECK_EQ(dec(M32, "8c f0", &in), 2); /* segment register 6 */
    CHECK_EQ(in.op, X86_OP_UD);
    CHECK_EQ(dec(M32, "8c c8", &in), 2); /* MOV ax, CS is fine */
    CHECK_EQ(in.op, X86_OP_MOV_EvSw);
    CHECK_EQ(dec(M32, "0f 9f 00", &in), 3);
    CHECK_EQ(in.op, X86_OP_SETCC_Eb); CHECK_EQ(in.cc, 15);
    CHECK_EQ(dec(M32, "0f 4c c1", &in), 3);
    CHECK_EQ(in.op, X86_OP_CMOVCC_GvEv); CHECK_EQ(in.cc, 12);
    CHECK_EQ(dec(M32, "5b", &in), 1);
    CHECK_EQ(in.op, X86_OP_POP_Zv); CHECK_EQ(in.reg, X86_EBX); CHECK_EQ(in.mod, 3);
    CHECK_EQ(dec(M32, "0f cf", &in), 2);
    CHECK_EQ(in.op, X86_OP_BSWAP_Zd); CHECK_EQ(in.reg, X86_EDI);
    CHECK_STR(dis(M32, "0f 9f 00"), "setg byte ptr [eax]");
    CHECK_STR(dis(M32, "0f 4c c1"), "cmovl eax, ecx");
    CHECK_STR(dis(M32, "f7 d9"), "neg ecx");
    CHECK_STR(dis(M32, "0f 22 d8"), "mov cr3, eax");
}

TEST(immediates_and_branches)
{
    struct x86_insn in;
    CHECK_EQ(dec(M32, "6a 80", &in), 2);
    CHECK_EQ(in.imm, 0xffffff80);
    CHECK_EQ(dec(M32, "68 80 00 00 00", &in), 5);
    CHECK_EQ(in.imm, 0x80);
    CHECK_EQ(dec(M32, "66 68 00 80", &in), 4); /* Iz with 16-bit operand: zero-extended */
    CHECK_EQ(in.imm, 0x8000);
    CHECK_EQ(dec(M32, "6b c0 fe", &in), 3);
    CHECK_EQ(in.op, X86_OP_IMUL_GvEvIbs); CHECK_EQ(in.imm, 0xfffffffe);
    CHECK_EQ(dec(M32, "eb fe", &in), 2);
    CHECK_EQ(in.imm, 0xfffffffe);
    CHECK_EQ(dec(M32, "e8 00 00 00 80", &in), 5);
    CHECK_EQ(in.imm, 0x80000000);
    CHECK_EQ(dec(M16, "e8 00 80", &in), 3); /* Jz, 16-bit: sign-extended */
    CHECK_EQ(in.imm, 0xffff8000);
    CHECK_EQ(dec(M32, "0f 85 10 00 00 00", &in), 6);
    CHECK_EQ(in.op, X86_OP_JCC_Jz); CHECK_EQ(in.cc, 5); CHECK_EQ(in.imm, 0x10);
    CHECK_EQ(dec(M32, "c2 08 00", &in), 3);
    CHECK_EQ(in.imm, 8);
    CHECK_EQ(dec(M32, "c8 10 00 03", &in), 4); /* ENTER 0x10, 3 */
    CHECK_EQ(in.op, X86_OP_ENTER_IwIb); CHECK_EQ(in.imm, 0x10); CHECK_EQ(in.imm2, 3);
    CHECK_EQ(dec(M32, "9a 78 56 34 12 08 00", &in), 7); /* call far 0008:12345678 */
    CHECK_EQ(in.op, X86_OP_CALLF_Ap); CHECK_EQ(in.imm, 0x12345678); CHECK_EQ(in.imm2, 8);
    CHECK_EQ(dec(M16, "ea 00 7c 00 00", &in), 5); /* jmp far 0000:7c00 */
    CHECK_EQ(in.op, X86_OP_JMPF_Ap); CHECK_EQ(in.imm, 0x7c00); CHECK_EQ(in.imm2, 0);
    CHECK_EQ(dec(M16, "66 ea 78 56 34 12 10 00", &in), 8);
    CHECK_EQ(in.imm, 0x12345678); CHECK_EQ(in.imm2, 0x10);
    CHECK_STR(dis(M32, "c8 10 00 03"), "enter 0x10, 3");
    CHECK_STR(dis(M32, "eb fe"), "jmp 0x1000");
    CHECK_STR(dis(M32, "66 e9 fb ff"), "jmp 0xfff");        /* 16-bit operand size: IP wraps */
    CHECK_STR(dis(M16, "e9 fd ef"), "jmp 0");
    CHECK_STR(dis(M32, "74 10"), "je 0x1012");
    CHECK_STR(dis(M32, "67 e3 fe"), "jcxz 0x1001");
    CHECK_STR(dis(M32, "e3 fe"), "jecxz 0x1000");
    CHECK_STR(dis(M32, "9a 78 56 34 12 08 00"), "lcall 8:0x12345678");
    CHECK_STR(dis(M32, "83 c0 ff"), "add eax, -1");
    CHECK_STR(dis(M32, "81 c0 ff ff ff ff"), "add eax, 0xffffffff");
    CHECK_STR(dis(M16, "6a 80"), "push -0x80");
}

TEST(moffs)
{
    struct x86_insn in;
    CHECK_EQ(dec(M32, "a1 78 56 34 12", &in), 5);
    CHECK_EQ(in.op, X86_OP_MOV_eAXOv); CHECK_EQ(in.mod, 0);
    CHECK_MEM(in, NONE, NONE, 0, 0x12345678);
    CHECK_EQ(in.seg, X86_SEG_DS);
    CHECK_EQ(dec(M32, "67 a0 34 12", &in), 4); /* 16-bit moffs */
    CHECK_EQ(in.disp, 0x1234);
    CHECK_EQ(dec(M16, "a3 00 80", &in), 3);
    CHECK_EQ(in.op, X86_OP_MOV_OveAX); CHECK_EQ((u32)in.disp & 0xffff, 0x8000);
    CHECK_EQ(dec(M16, "65 a2 00 10", &in), 4);
    CHECK_EQ(in.seg, X86_SEG_GS);
    CHECK_EQ(dec(M16, "67 a1 78 56 34 12", &in), 6); /* 32-bit moffs in 16-bit mode */
    CHECK_EQ(in.disp, 0x12345678);
    CHECK_STR(dis(M32, "64 a1 78 56 34 12"), "mov eax, dword ptr fs:[0x12345678]");
    CHECK_STR(dis(M16, "a2 00 10"), "mov byte ptr [0x1000], al");
}

TEST(trunc_at_every_length)
{
    /* Every proper prefix of a valid instruction is TRUNC; the whole is its length. */
    static const struct { enum x86_mode m; const char *hex; } t[] = {
        {M32, "f0 2e 66 81 84 b3 00 01 00 00 34 12"},
        {M32, "f0 2e 66 67 81 84 00 01 34 12"},
        {M32, "26 67 c7 46 10 78 56 34 12"},
        {M16, "66 ea 78 56 34 12 10 00"},
        {M32, "0f 84 10 00 00 00"},
        {M32, "c8 10 00 03"},
        {M32, "64 a1 78 56 34 12"},
        {M32, "0f ba 28 03"},
        {M16, "f7 06 34 12 78 56"},
        {M32, "dd 84 24 00 01 00 00"},
        {M32, "0f 3a 0f c1 08"}, /* SSSE3 palignr: UD here, but its length is known */
    };
    for (size_t k = 0; k < ARRAY_SIZE(t); k++) {
        u8 b[16];
        size_t n = 0;
        unsigned v;
        int used;
        const char *h = t[k].hex;
        while (sscanf(h, " %2x%n", &v, &used) == 1) { b[n++] = (u8)v; h += used; }
        struct x86_insn in;
        for (size_t a = 0; a < n; a++) {
            int r = x86_decode(b, a, t[k].m, &in);
            if (r != X86_DEC_TRUNC) FAILF("%s with %zu bytes: %d, expected TRUNC", t[k].hex, a, r);
        }
        CHECK_EQ(x86_decode(b, n, t[k].m, &in), n);
        CHECK_EQ(x86_decode(b, 16, t[k].m, &in), n); /* trailing bytes are ignored */
    }
}

TEST(trunc_after_each_prefix_count)
{
    /* n prefixes and nothing else: more bytes are needed, until 15 prefixes
     * leave no room for an opcode */
    static const u8 pfx[] = {0x26, 0x66, 0x67, 0xF0, 0xF2, 0xF3, 0x2E, 0x36, 0x3E, 0x64, 0x65};
    u8 b[16];
    struct x86_insn in;
    for (size_t n = 0; n <= 15; n++) {
        for (size_t k = 0; k < n; k++) b[k] = pfx[k % ARRAY_SIZE(pfx)];
        int r = x86_decode(b, n, M32, &in);
        if (r != (n < 15 ? X86_DEC_TRUNC : X86_DEC_TOOLONG)) FAILF("%zu prefixes: %d", n, r);
        if (n < 15) {
            b[n] = 0x0F; /* and a 0F escape without its second byte */
            r = x86_decode(b, n + 1, M32, &in);
            if (r != (n + 1 < 15 ? X86_DEC_TRUNC : X86_DEC_TOOLONG)) FAILF("%zu prefixes + 0F: %d", n, r);
        }
    }
    /* the SSE4a UD form with two immediates: its length is known */
    CHECK_EQ(dec(M32, "66 0f 78 c0 01 02", &in), 6);
    CHECK_EQ(in.op, X86_OP_UD);
}

TEST(toolong)
{
    u8 b[32];
    struct x86_insn in;
    memset(b, 0x66, sizeof(b));
    b[14] = 0x90; /* 14 prefixes + nop = 15 bytes: fine */
    CHECK_EQ(x86_decode(b, 32, M32, &in), 15);
    CHECK_EQ(in.op, X86_OP_NOP);
    b[14] = 0x66;
    b[15] = 0x90; /* 16 bytes */
    CHECK_EQ(x86_decode(b, 32, M32, &in), X86_DEC_TOOLONG);
    CHECK_EQ(x86_decode(b, 15, M32, &in), X86_DEC_TOOLONG); /* 15 prefixes: cannot fit */
    CHECK_EQ(x86_decode(b, 14, M32, &in), X86_DEC_TRUNC);
    memset(b, 0x2e, sizeof(b));
    b[10] = 0x05; /* 10 prefixes + add eax, imm32 = 15 */
    CHECK_EQ(x86_decode(b, 32, M32, &in), 15);
    b[10] = 0x2e;
    b[11] = 0x05; /* 16 */
    CHECK_EQ(x86_decode(b, 32, M32, &in), X86_DEC_TOOLONG);
    CHECK_EQ(x86_decode(b, 12, M32, &in), X86_DEC_TOOLONG); /* the immediate cannot fit */
    CHECK_EQ(x86_decode(b, 0, M32, &in), X86_DEC_TRUNC);
}

TEST(undefined_opcodes)
{
    struct x86_insn in;
    CHECK_EQ(dec(M32, "0f 04", &in), 2);
    CHECK_EQ(in.op, X86_OP_UD);
    CHECK_EQ(dec(M32, "66 0f d0 04 24", &in), 5); /* SSE3 addsubpd: ModRM + SIB counted */
    CHECK_EQ(in.op, X86_OP_UD);
    CHECK_EQ(dec(M32, "f3 0f 71 d1 1b", &in), 5); /* group 12 with F3: imm8 counted */
    CHECK_EQ(in.op, X86_OP_UD);
    CHECK_EQ(dec(M32, "0f 38 00 c1", &in), 4);
    CHECK_EQ(in.op, X86_OP_UD);
    CHECK_EQ(dec(M32, "0f 0b", &in), 2);
    CHECK_EQ(in.op, X86_OP_UD2);
    CHECK_EQ(dec(M32, "62 c0", &in), 2); /* BOUND with a register */
    CHECK_EQ(in.op, X86_OP_UD);
    CHECK_STR(dis(M32, "0f 04"), "(bad)");
}

/* The 0F mandatory-prefix space (SDM Vol. 2 2.1.2 and Tables ). */
TEST(simd)
{
    struct x86_insn in;
    CHECK_EQ(dec(M32, "0f 58 04 24", &in), 4);
    CHECK_EQ(in.op, X86_OP_ADDPS_VpsWps);
    CHECK_EQ(dec(M32, "66 0f 58 c1", &in), 4);
    CHECK_EQ(in.op, X86_OP_ADDPD_VpdWpd);
    CHECK_EQ(in.osize, 4); /* 66 selected the form: no operand-size override */
    CHECK_EQ(dec(M16, "66 0f 58 c1", &in), 4);
    CHECK_EQ(in.op, X86_OP_ADDPD_VpdWpd);
    CHECK_EQ(in.osize, 2);
    CHECK_EQ(dec(M32, "f3 0f 58 c1", &in), 4);
    CHECK_EQ(in.op, X86_OP_ADDSS_VssWss);
    CHECK_EQ(dec(M32, "66 f2 0f 58 c1", &in), 5); /* F2/F3 win over 66 */
    CHECK_EQ(in.op, X86_OP_ADDSD_VsdWsd);
    CHECK_EQ(dec(M32, "f2 f3 0f 58 c1", &in), 5); /* the last of F2/F3 */
    CHECK_EQ(in.op, X86_OP_ADDSS_VssWss);
    CHECK_EQ(dec(M32, "f3 f2 0f 58 c1", &in), 5);
    CHECK_EQ(in.op, X86_OP_ADDSD_VsdWsd);
    CHECK_EQ(dec(M32, "f3 0f 60 c1", &in), 4); /* no F3 form: #UD */
    CHECK_EQ(in.op, X86_OP_UD);
    CHECK_EQ(dec(M32, "66 0f 77", &in), 3);
    CHECK_EQ(in.op, X86_OP_UD);
    CHECK_EQ(dec(M32, "0f 77", &in), 2);
    CHECK_EQ(in.op, X86_OP_EMMS);
    CHECK_EQ(dec(M32, "f0 0f 58 00", &in), 4); /* LOCK: #UD */
    CHECK_EQ(in.op, X86_OP_UD);
    /* register/memory splits */
    CHECK_EQ(dec(M32, "0f 12 c1", &in), 3);
    CHECK_EQ(in.op, X86_OP_MOVHLPS_VqUq);
    CHECK_EQ(dec(M32, "0f 12 01", &in), 3);
    CHECK_EQ(in.op, X86_OP_MOVLPS_VqMq);
    CHECK_EQ(dec(M32, "66 0f 12 c1", &in), 4);
    CHECK_EQ(in.op, X86_OP_UD);
    CHECK_EQ(dec(M32, "0f 2b c1", &in), 3);
    CHECK_EQ(in.op, X86_OP_UD);
    CHECK_EQ(dec(M32, "0f 71 10 01", &in), 4);
    CHECK_EQ(in.op, X86_OP_UD);
    CHECK_EQ(dec(M32, "66 0f 73 f9 08", &in), 5);
    CHECK_EQ(in.op, X86_OP_PSLLDQ_UdqIb);
    CHECK_EQ(dec(M32, "0f 73 f9 08", &in), 4); /* no MMX PSLLDQ */
    CHECK_EQ(in.op, X86_OP_UD);
    /* group 15 */
    CHECK_EQ(dec(M32, "0f ae 00", &in), 3);
    CHECK_EQ(in.op, X86_OP_FXSAVE_M);
    CHECK_EQ(dec(M32, "0f ae 0c 24", &in), 4);
    CHECK_EQ(in.op, X86_OP_FXRSTOR_M);
    CHECK_EQ(dec(M32, "0f ae 38", &in), 3);
    CHECK_EQ(in.op, X86_OP_CLFLUSH_Mb);
    CHECK_EQ(dec(M32, "0f ae f8", &in), 3);
    CHECK_EQ(in.op, X86_OP_SFENCE);
    CHECK_EQ(dec(M32, "0f ae ef", &in), 3);
    CHECK_EQ(in.op, X86_OP_LFENCE);
    CHECK_EQ(dec(M32, "0f ae 20", &in), 3); /* XSAVE */
    CHECK_EQ(in.op, X86_OP_UD);
    CHECK_EQ(dec(M32, "66 0f ae 38", &in), 4); /* CLFLUSHOPT */
    CHECK_EQ(in.op, X86_OP_UD);
    /* PAUSE is NOP with F3; 0F 18 stays a hint NOP with 66 as operand size */
    CHECK_EQ(dec(M32, "f3 90", &in), 2);
    CHECK_EQ(in.op, X86_OP_NOP);
    CHECK_EQ(dec(M32, "66 0f 18 00", &in), 4);
    CHECK_EQ(in.op, X86_OP_NOP_Ev);
    CHECK_EQ(in.osize, 2);
    /* disassembly (Capstone/objdump spelling) */
    CHECK_STR(dis(M32, "f3 90"), "pause");
    CHECK_STR(dis(M32, "0f c2 c1 01"), "cmpltps xmm0, xmm1");
    CHECK_STR(dis(M32, "f2 0f c2 00 08"), "cmpsd xmm0, qword ptr [eax], 8");
    CHECK_STR(dis(M32, "66 0f 6f 44 24 10"), "movdqa xmm0, xmmword ptr [esp + 0x10]");
    CHECK_STR(dis(M32, "0f 6e 03"), "movd mm0, dword ptr [ebx]");
    CHECK_STR(dis(M32, "66 0f 7e c8"), "movd eax, xmm1");
    CHECK_STR(dis(M32, "0f c4 c8 03"), "pinsrw mm1, eax, 3");
    CHECK_STR(dis(M32, "66 0f c4 08 03"), "pinsrw xmm1, word ptr [eax], 3");
    CHECK_STR(dis(M32, "0f c5 c1 02"), "pextrw eax, mm1, 2");
    CHECK_STR(dis(M32, "0f ae 10"), "ldmxcsr dword ptr [eax]");
    CHECK_STR(dis(M32, "0f ae 00"), "fxsave [eax]");
    CHECK_STR(dis(M32, "0f 60 00"), "punpcklbw mm0, dword ptr [eax]");
    CHECK_STR(dis(M32, "f3 0f 2a c1"), "cvtsi2ss xmm0, ecx");
}

TEST(x87)
{
    struct x86_insn in;
    CHECK_EQ(dec(M32, "d9 ee", &in), 2);
    CHECK_EQ(in.op, X86_OP_ESC); CHECK_EQ(in.opcode, 0xd9); CHECK_EQ(in.mod, 3);
    CHECK_EQ(dec(M32, "dd 05 00 10 00 00", &in), 6);
    CHECK_EQ(in.op, X86_OP_ESC); CHECK_EQ(in.reg, 0); CHECK_EQ(in.disp, 0x1000);
    CHECK_STR(dis(M32, "d9 ee"), "fldz");
    CHECK_STR(dis(M32, "dd 00"), "fld qword ptr [eax]");
    CHECK_STR(dis(M32, "dc c1"), "fadd st(1), st(0)");
    CHECK_STR(dis(M32, "de c1"), "faddp st(1)");
    CHECK_STR(dis(M32, "df e0"), "fnstsw ax");
    CHECK_STR(dis(M32, "db e3"), "fninit");
    CHECK_STR(dis(M16, "d9 7e fe"), "fnstcw word ptr [bp - 2]");
    CHECK_STR(dis(M32, "da c1"), "fcmovb st(0), st(1)");
}

TEST(names_by_size)
{
    CHECK_STR(dis(M32, "60"), "pushad");
    CHECK_STR(dis(M16, "60"), "pusha");
    CHECK_STR(dis(M16, "66 a5"), "movsd dword ptr es:[di], dword ptr [si]");
    CHECK_STR(dis(M32, "66 98"), "cbw");
    CHECK_STR(dis(M32, "98"), "cwde");
    CHECK_STR(dis(M16, "cf"), "iret");
    CHECK_STR(dis(M32, "ea 78 56 34 12 08 00"), "ljmp 8:0x12345678");
    CHECK_STR(dis(M32, "ff 2b"), "ljmp fword ptr [ebx]");
    CHECK_STR(dis(M32, "8e d8"), "mov ds, eax"); /* r32/m16: register at operand size */
    CHECK_STR(dis(M16, "8e d8"), "mov ds, ax");
    CHECK_STR(dis(M32, "8c 18"), "mov word ptr [eax], ds");
    CHECK_STR(dis(M32, "0f 00 00"), "sldt word ptr [eax]");
    CHECK_STR(dis(M32, "83 f0 ff"), "xor eax, 0xffffffff");
}

TEST(kernel_boot_code)
{
    /* typical real-mode -> protected-mode switch and kernel entry code */
    CHECK_STR(dis(M16, "fa"), "cli");
    CHECK_STR(dis(M16, "0f 01 16 00 7c"), "lgdt [0x7c00]");
    CHECK_STR(dis(M16, "0f 20 c0"), "mov eax, cr0");
    CHECK_STR(dis(M16, "66 83 c8 01"), "or eax, 1");
    CHECK_STR(dis(M16, "0f 22 c0"), "mov cr0, eax");
    CHECK_STR(dis(M16, "66 ea 00 10 00 00 08 00"), "ljmp 8:0x1000");
    CHECK_STR(dis(M32, "66 b8 10 00"), "mov ax, 0x10");
    CHECK_STR(dis(M32, "8e d0"), "mov ss, eax");
    CHECK_STR(dis(M32, "f3 ab"), "rep stosd dword ptr es:[edi], eax");
    CHECK_STR(dis(M32, "0f 01 5c 24 02"), "lidt [esp + 2]");
    CHECK_STR(dis(M32, "cf"), "iretd");
    CHECK_STR(dis(M32, "ec"), "in al, dx");
    CHECK_STR(dis(M32, "e6 e9"), "out 0xe9, al");
    CHECK_STR(dis(M32, "f4"), "hlt");
    CHECK_STR(dis(M32, "0f 32"), "rdmsr");
    CHECK_STR(dis(M32, "0f 01 38"), "invlpg byte ptr [eax]");
    CHECK_STR(dis(M32, "0f 00 d8"), "ltr ax");
    CHECK_STR(dis(M32, "cd 80"), "int 0x80");
}

TEST(format_truncates_safely)
{
    struct x86_insn in;
    char buf[8];
    dec(M32, "8b 84 b3 00 01 00 00", &in);
    int n = x86_format(&in, 0, buf, sizeof(buf));
    CHECK_EQ(n, strlen("mov eax, dword ptr [ebx + esi*4 + 0x100]"));
    CHECK_STR(buf, "mov eax");
}

int main(void)
{
    RUN(modrm32_forms);
    RUN(modrm16_forms);
    RUN(prefixes);
    RUN(lock_validity);
    RUN(groups_and_modreg);
    RUN(immediates_and_branches);
    RUN(moffs);
    RUN(trunc_at_every_length);
    RUN(trunc_after_each_prefix_count);
    RUN(toolong);
    RUN(undefined_opcodes);
    RUN(simd);
    RUN(x87);
    RUN(names_by_size);
    RUN(kernel_boot_code);
    RUN(format_truncates_safely);
    return test_summary();
}
