/*
** elfimg.h -- the ELF image loader (libelf).
**
** Contract: ei_open() validates a file as an ELF object (64- or 32-bit,
** ET_EXEC, ET_DYN or ET_REL) holeprof can analyze and extracts what later stages need: architecture, build-id,
** .gnu_debuglink, .gnu_debugaltlink / .debug_sup, section table, whether DWARF is present (plain or
** compressed), and on request the symbol table and raw section bytes.
** Errors are one line "PATH: problem" in hp_err; nothing is printed.
** All sizes and offsets taken from the file are checked against the
** file's size before use.
*/
#ifndef ELFIMG_H
#define ELFIMG_H

#include <stddef.h>
#include <stdint.h>
#include "hp.h"

typedef struct ei_section {
    const char *name;
    uint32_t index;
    uint32_t type;          /* SHT_* */
    uint64_t flags;         /* SHF_* */
    uint64_t addr;
    uint64_t offset;
    uint64_t size;
    uint32_t link, info;    /* sh_link, sh_info */
} ei_section;

typedef struct ei_symbol {
    const char *name;
    uint64_t addr;
    uint64_t size;
    uint8_t type;           /* STT_* */
    uint8_t bind;           /* STB_* */
    uint16_t shndx;
    uint8_t dynamic;        /* listed in .dynsym: exported (or imported) */
} ei_symbol;

typedef struct ei_image {
    char *path;
    uint64_t file_size;
    uint16_t machine;       /* EM_* */
    uint8_t addr_size;      /* 8 (ELFCLASS64) or 4 (ELFCLASS32: i386, arm) */
    uint16_t e_type;        /* ET_EXEC, ET_DYN, ET_REL */
    const char *arch;       /* "x86_64", "aarch64", ... */
    int is_pie;             /* ET_DYN with an interpreter or DF_1_PIE */
    char build_id_hex[129]; /* "" when absent */
    char *debuglink;        /* .gnu_debuglink file name, NULL when absent */
    uint32_t debuglink_crc;
    int has_dwarf;          /* .debug_info or .zdebug_info with file data */
    char *altlink;          /* the supplementary (dwz) file named by
                               .gnu_debugaltlink or .debug_sup, as written
                               (absolute, or relative to this file's
                               directory); NULL when absent */
    char alt_build_id_hex[129]; /* its build-id (debugaltlink) or checksum
                               (debug_sup), lower-case hex; "" when none */
    int alt_sup;            /* 1: named by DWARF 5 .debug_sup, 0: GNU */
    int is_supplementary;   /* .debug_sup says this file is itself one */
    const char *origin;     /* for a separate debug file, the path of the
                               binary it describes (set by the caller; split
                               DWARF's .dwp and .dwo files are looked for
                               beside it too); NULL: this file itself */
    struct ei_image *alt;   /* that file, when the caller opened it and put
                               it here for the DWARF readers (dwshim.h:
                               dws_image_new); not owned, outlives this one */
    ei_section *sections;
    size_t nsections;
    ei_symbol *symbols;     /* filled by ei_load_symbols(), sorted by addr */
    size_t nsymbols;
    void *priv;             /* libelf handle, fd, mapped bytes */
} ei_image;

/* Open and validate.  Errors: missing file, not ELF, an unknown ELF class,
** truncated headers, section table out of bounds.  Unknown e_machine is accepted
** (types can still be read) and arch is then "unknown". */
int ei_open(const char *path, ei_image **out, hp_err *err);
void ei_close(ei_image *img);

const ei_section *ei_find_section(const ei_image *img, const char *name);

/* Bytes of a section, decompressed if SHF_COMPRESSED (zlib or zstd) or
** .zdebug_* -- at most 32 times the file's size in all for one image, and
** never more than the machine's memory, unless HOLEPROF_MAX_INFLATE=BYTES
** says otherwise (a decompression bomb is one error line) -- and
** in a relocatable object (ET_REL) with its RELA relocations applied
** (S + A, for the absolute relocation types DWARF uses on x86-64 and
** AArch64), as a linker would leave them.  The memory belongs to the
** image and lives until ei_close().  Safe to call from several threads;
** each section is prepared once. */
int ei_section_data(ei_image *img, const ei_section *sec,
                    const uint8_t **data, size_t *len, hp_err *err);

/* The bytes of .debug_NAME, or of .zdebug_NAME (NAME without the dot:
** "info", "line"), decompressed; NULL when the file has neither or it
** cannot be read (*len is then 0). */
const uint8_t *ei_dwarf_section(ei_image *img, const char *name, size_t *len);

/* Start decompressing the named sections (those present, in the order
** given) in a background thread, so that a later ei_section_data() finds
** them ready, or waits for the one in progress, instead of inflating them
** while other threads have nothing to do.  Nothing is reported: a section
** that fails to load is left unloaded and whoever asks for it gets the
** error.  One prefetch per image (later calls do nothing); ei_close()
** waits for it.  0, or -1 when no thread could be started (harmless). */
int ei_prefetch(ei_image *img, const char *const *names, size_t n);

/* The length ei_section_data() will give, read from the compression
** header without decompressing. */
int ei_section_size(ei_image *img, const ei_section *sec, size_t *len, hp_err *err);

/* .symtab, else .dynsym, plus PLT stubs named "NAME@plt".  Thread-safe;
** loads once. */
int ei_load_symbols(ei_image *img, hp_err *err);

/* The import whose GOT slot is at `slot` (JUMP_SLOT and GLOB_DAT
** relocations), or NULL: how calls through the GOT (-fno-plt) are named.
** Valid after ei_load_symbols(). */
const char *ei_got_name(const ei_image *img, uint64_t slot);

/* Symbol containing addr, or NULL. */
const ei_symbol *ei_symbol_at(const ei_image *img, uint64_t addr);

#endif
