/*
** disasm.h -- the architecture interface for allocation-site discovery.
**
** Contract: da_decode() turns a function's bytes into a compact list of
** da_insn, one per instruction, holding only what the site analysis
** (src/sites/) needs: where the instruction is, whether it transfers control
** and where to, which registers it writes, and -- for the few forms whose
** effect on a value can be followed (moves, lea, xor-zeroing, shifts,
** multiplies, add/sub of constants, loads, stores, push/pop, cmov) -- the
** operands in an architecture-neutral shape.  Everything else is DA_OP_OTHER
** with its written registers in `wmask`, which is all the analysis needs to
** forget what it knew about them.
**
** Registers are numbered in the architecture's DWARF register numbering
** (x86-64: 0 rax, 1 rdx, 2 rcx, 3 rbx, 4 rsi, 5 rdi, 6 rbp, 7 rsp,
** 8..15 r8..r15; AArch64: 0..30 x0..x30, 31 sp), so DWARF locations
** compare with them directly.
** DA_NOREG means "none"; DA_PC is the program counter used as a base (a
** RIP-relative operand: its absolute address is already in `target`).
**
** Bytes that do not decode (data in text, a truncated section) produce one
** DA_KIND_BAD entry per skipped byte run and decoding resumes at the next
** byte; nothing here reads outside the buffer it is given.  No allocation
** happens per instruction: the output array grows geometrically and is
** reused by the caller across functions.
**
** Each architecture is one file in src/arch/ behind arch/arch.h; disasm.c
** picks it by ELF machine.  x86-64 (arch/x86_64.c) is implemented with
** capstone (detail on), except for the few forms that make most of
** compiled code (mov, lea, push/pop, branches, test/cmp, ALU and shifts
** with an immediate, movzx/movsx, nops, xor-zeroing), which it decodes
** itself into the same da_insn; tests/disasm_check holds the two to each
** other.  AArch64 (arch/aarch64.c) likewise, with capstone's ARM64
** decoder; its pairs (ldp/stp) and base-register writeback are the reg2
** and wb fields.  src/sites/ does not look at instruction bytes, except
** through da_refs().
*/
#ifndef DISASM_H
#define DISASM_H

#include <stddef.h>
#include <stdint.h>
#include "hp.h"

#define DA_NREGS  32
#define DA_NOREG  0xff
#define DA_PC     0xfe

typedef enum da_kind {
    DA_KIND_OTHER = 0,
    DA_KIND_CALL,       /* direct call: target */
    DA_KIND_ICALL,      /* indirect call: through mem (base/disp/target) or reg (src) */
    DA_KIND_JMP,        /* direct unconditional jump: target */
    DA_KIND_IJMP,       /* indirect jump (tail call through a pointer, switch) */
    DA_KIND_JCC,        /* direct conditional jump: target, falls through */
    DA_KIND_RET,
    DA_KIND_HALT,       /* ud2, hlt, int3: no fall-through */
    DA_KIND_BAD         /* bytes that did not decode; len bytes skipped */
} da_kind;

/* Value-effect classes.  dst/src/base/index/scale/disp/imm/width are
** meaningful as listed. */
typedef enum da_op {
    DA_OP_OTHER = 0,
    DA_OP_MOV_IMM,      /* dst = imm (already sign/zero extended to 64 bits) */
    DA_OP_MOV_REG,      /* dst = src */
    DA_OP_EXT_REG,      /* dst = zero/sign extension of src (movzx, movsxd) */
    DA_OP_LEA,          /* dst = base + index*scale + disp (base may be DA_PC:
                           then target holds the absolute address) */
    DA_OP_ZERO,         /* dst = 0 (xor r,r / sub r,r) */
    DA_OP_SHL_IMM,      /* dst <<= imm */
    DA_OP_MUL_IMM,      /* dst = src * imm (imul r, r/m, imm); src DA_NOREG:
                           the memory operand (base/index/disp/width) */
    DA_OP_MUL_REG,      /* dst *= src (imul r, r); x86 `mul src`: rax *= src;
                           index set: dst = index * src (AArch64 mul;
                           scale DA_SCALE_SEXT32/ZEXT32: both the low 32
                           bits extended, smull/umull) */
    DA_OP_ADD_IMM,      /* dst += imm (sub is stored as a negative imm) */
    DA_OP_ADD_REG,      /* dst += src */
    DA_OP_LOAD,         /* dst = [base + index*scale + disp] (width bytes);
                           dst DA_NOREG: a register not tracked (a vector) */
    DA_OP_STORE_REG,    /* [base + index*scale + disp] = src (width bytes) */
    DA_OP_STORE_IMM,    /* [base + index*scale + disp] = imm (width bytes) */
    DA_OP_STORE_OTHER,  /* memory written by anything else (rmw, vector) */
    DA_OP_PUSH,         /* push src (src DA_NOREG: pushes imm or memory) */
    DA_OP_POP,          /* pop dst */
    DA_OP_CMOV,         /* dst = cond ? src : dst (index set: cond ? src : index;
                           index DA_NOREG and mem_ind set: cond ? src : imm) */
    DA_OP_ALIGN_SP,     /* and sp, imm: stack realignment */
    DA_OP_AND_IMM,      /* dst &= imm (not sp; width 4 or 8; a 32-bit
                           operation's imm sign-extended from 32 bits);
                           src set: dst = src & imm (AArch64 and) */
    DA_OP_TEST,         /* flags = src & src (test r,r; AArch64 tst r,r,
                           cmp r,#0; width 4 or 8): writes no register;
                           on a DA_KIND_JCC the jump tests src itself
                           (cbz/cbnz: cc says which way is zero) */
    DA_OP_INSERT_IMM    /* dst = (dst & ~disp) | imm: the bits disp masks
                           replaced (AArch64 movk) */
} da_op;

/* The condition of a DA_KIND_JCC, when it is one the analysis uses: jump
** when the last flags-setting result was zero, or when it was not (x86
** je/jne, AArch64 b.eq/b.ne and cbz/cbnz; tbz/tbnz test one bit, which
** says nothing of the register: DA_CC_OTHER). */
enum { DA_CC_OTHER = 0, DA_CC_Z, DA_CC_NZ };

/* Control-flow and value facts of one instruction; 48 bytes. */
typedef struct da_insn {
    uint64_t addr;
    uint64_t target;    /* branch target, or absolute address of a PC-relative
                           memory operand / lea, else 0 */
    int64_t imm;
    int64_t disp;
    uint32_t wmask;     /* bit r set: register r written (any width) */
    uint8_t len;
    uint8_t kind;       /* da_kind */
    uint8_t op;         /* da_op */
    uint8_t dst, src, base, index;
    uint8_t scale;
    uint8_t width;      /* operand width in bytes (1, 2, 4, 8, 16, 32, 64) */
    uint8_t reg2;       /* LOAD/STORE of a pair: the second register + 1
                           (DA_REG2_ZERO: the zero register), at the
                           address + width; 0: no pair */
    /* three small fields share a byte: with a byte each da_insn was 56
    ** bytes, and the site scan keeps one per instruction (8 MB of code:
    ** 4 M of them, 33 MB more at the peak; tests/t_sites_scale.sh) */
    uint8_t mem_ind : 1; /* ICALL/IJMP through memory (else through src reg) */
    uint8_t cc : 2;     /* JCC: DA_CC_* */
    uint8_t wb : 2;     /* LOAD/STORE: base register writeback after the
                           access (DA_WB_PRE: base = address; DA_WB_POST:
                           base += imm); the base is then not in wmask */
} da_insn;
_Static_assert(sizeof(da_insn) == 48, "da_insn is 48 bytes: one per instruction scanned");

#define DA_REG2_ZERO 0xff
/* scale flags: the index is the low 32 bits of its register, sign- or
** zero-extended (AArch64 [x1, w2, sxtw #3]); the factor is scale & MASK */
#define DA_SCALE_SEXT32 0x80
#define DA_SCALE_ZEXT32 0x40
#define DA_SCALE_MASK   0x3f
enum { DA_WB_NONE = 0, DA_WB_PRE, DA_WB_POST };

/* What the analysis must know about an architecture's calling convention. */
typedef struct da_arch {
    const char *name;           /* "x86_64" */
    uint8_t sp, fp, ret;        /* stack pointer, frame pointer, return value */
    uint8_t nargs;              /* integer argument registers, in order */
    uint8_t args[8];
    uint8_t go_nargs;           /* Go internal ABI (register ABI) */
    uint8_t go_args[9];
    uint32_t caller_saved;      /* registers a call may clobber */
    uint32_t go_preserved;      /* registers a Go call preserves (sp, fp, g...) */
    uint32_t r_relative;        /* ELF relocation types: R_*_RELATIVE */
    uint32_t r_abs64;           /* and the 64-bit absolute one (R_*_64) */
    int8_t cfa_sp_at_entry;     /* sp - CFA at the first instruction (-8 on x86-64) */
    int8_t cfa_fp_after_prologue; /* fp - CFA after the usual frame setup (-16) */
} da_arch;

typedef struct da_ctx da_ctx;

/* Machine is an ELF e_machine value.  Fails (with err) for an
** architecture that has no decoder yet; callers count that and go on. */
int da_open(uint16_t machine, da_ctx **out, hp_err *err);
void da_close(da_ctx *c);
const da_arch *da_arch_of(const da_ctx *c);

/* Decode [code, code+len) located at addr.  Appends to *out (capacity
** *cap, count *n; the caller resets *n between functions to reuse the
** array).  Returns the number of bytes that did not decode. */
size_t da_decode(da_ctx *c, const uint8_t *code, size_t len, uint64_t addr,
                 da_insn **out, size_t *n, size_t *cap);

/* x86-64 decodes its most common forms without capstone (on by default);
** tests/disasm_check turns that off to compare the two decodings. */
void da_set_fast(da_ctx *c, int on);
/* Instructions the fast path decoded since da_open or da_fast_reset. */
uint64_t da_fast_count(const da_ctx *c);
void da_fast_reset(da_ctx *c);

/* References a body makes, found without full decoding (the callers
** scan of src/sites/calls.c): DA_REF_BRANCH a direct call or jump to
** target, DA_REF_ADDR an address the code forms or loads from (AArch64
** adrp + add/ldr, adr, ldr literal).  Appends to *out; returns 0 when the
** architecture has no such scan (x86-64: calls.c reads its bytes). */
typedef struct da_ref {
    uint64_t target;
    uint8_t kind;
} da_ref;
enum { DA_REF_BRANCH = 1, DA_REF_ADDR };
int da_refs(da_ctx *c, const uint8_t *code, size_t len, uint64_t addr,
            da_ref **out, size_t *n, size_t *cap);

/* "call", "jmp", ... for debugging output and tests. */
const char *da_kind_name(da_kind k);

#endif
