-- db/schema.sql -- the holeprof database schema.
--
-- Contract: this file is the single source of truth for the database
-- layout.  tools/sql2c.sh compiles it into the program (hp_schema_sql) and
-- src/store.c runs it inside the writer's one transaction on a fresh file.
-- store.c, not this file, sets PRAGMA application_id (ST_APPLICATION_ID,
-- "HPRF") and PRAGMA user_version (ST_SCHEMA_VERSION) from src/store.h;
-- bump ST_SCHEMA_VERSION whenever a change here would break a reader
-- (renamed or removed columns, changed meaning or units).  Adding a table
-- or a view is compatible.
--
-- Units: every offset and size is in bytes, every bit_* column in bits.
-- The queries in queries/ and the documentation in db/README.md depend on
-- these names; keep them.

-- One row per analyzed executable (or shared object).
CREATE TABLE binaries (
    id               INTEGER PRIMARY KEY,
    path             TEXT NOT NULL,     -- as given on the command line
    build_id         TEXT,              -- GNU build-id, lower-case hex, or NULL
    arch             TEXT,              -- e.g. 'x86_64'
    debug_file       TEXT,              -- file the DWARF was read from
    debug_how        TEXT,              -- 'embedded','build-id','debuglink','given'
    producer         TEXT,              -- DW_AT_producer of the first unit
    cacheline        INTEGER NOT NULL,  -- cacheline size used, bytes
    cu_count         INTEGER NOT NULL,  -- compile units read
    die_count        INTEGER NOT NULL,  -- DIEs visited
    analyzed_at      TEXT NOT NULL,     -- UTC, ISO 8601 'YYYY-MM-DDTHH:MM:SSZ'
    holeprof_version TEXT NOT NULL
);

-- One row per distinct layout of an aggregate type in a binary.  The same
-- layout seen in many compile units is one row (cu_count says how many);
-- two different layouts under one name are two rows, both conflict = 1.
CREATE TABLE types (
    id             INTEGER PRIMARY KEY,
    binary_id      INTEGER NOT NULL REFERENCES binaries(id),
    kind           TEXT NOT NULL CHECK (kind IN ('struct','class','union','enum')),
    name           TEXT NOT NULL,       -- qualified: ns::A::B, main.T, typedef name
    size           INTEGER NOT NULL,
    align          INTEGER NOT NULL,
    members        INTEGER NOT NULL,    -- number of rows in members
    holes          INTEGER NOT NULL,    -- byte holes between members
    hole_bytes     INTEGER NOT NULL,    -- their total size
    bit_holes      INTEGER NOT NULL,    -- unused bit runs inside bitfield units
    bit_hole_bits  INTEGER NOT NULL,    -- their total size, bits
    tail_padding   INTEGER NOT NULL,    -- bytes after the last member
    pre_hole       INTEGER NOT NULL,    -- byte hole before the first member
                                        -- (counted in holes, hole_bytes)
    pre_bit_hole   INTEGER NOT NULL,    -- bit hole before the first member
                                        -- (counted in bit_holes, bit_hole_bits)
    bit_padding    INTEGER NOT NULL,    -- unused bits ending a trailing bitfield
                                        -- unit (pahole's bit_padding)
    optimal_size   INTEGER NOT NULL,    -- smallest size by reordering members
    cachelines     INTEGER NOT NULL,    -- cachelines spanned by size
    decl_file      TEXT,
    decl_line      INTEGER,
    cu_count       INTEGER NOT NULL,    -- compile units holding this layout
    lang           TEXT NOT NULL,       -- 'C','C++','Go','Rust',...
    flags          INTEGER NOT NULL,    -- TF_* bits (src/layout.h, db/README.md)
    packed         INTEGER NOT NULL,    -- flags & TF_PACKED != 0
    explicit_align INTEGER NOT NULL,    -- flags & TF_EXPLICIT_ALIGN != 0
    conflict       INTEGER NOT NULL,    -- flags & TF_CONFLICT != 0
    layout_hash    TEXT NOT NULL        -- 16 hex digits; equal hash, equal layout
);
CREATE INDEX types_name ON types(name);
CREATE INDEX types_binary ON types(binary_id);
CREATE INDEX types_hash ON types(layout_hash);

-- One row per member, in offset order (idx 0 first).  A bitfield has
-- bit_size > 0; its offset/size are those of its storage unit and
-- bit_offset is its lowest bit inside the unit (LSB = 0).
CREATE TABLE members (
    type_id        INTEGER NOT NULL REFERENCES types(id),
    idx            INTEGER NOT NULL,    -- 0-based position in offset order
    name           TEXT,                -- NULL for anonymous members
    type_name      TEXT,                -- rendered in the source language
    offset         INTEGER NOT NULL,
    size           INTEGER NOT NULL,
    bitpos         INTEGER NOT NULL,    -- absolute first bit from the start
    bit_offset     INTEGER NOT NULL,
    bit_size       INTEGER NOT NULL,    -- 0 unless a bitfield
    align          INTEGER NOT NULL,
    flags          INTEGER NOT NULL,    -- MF_* bits
    hole_after     INTEGER NOT NULL,    -- byte hole before the next member
    bit_hole_after INTEGER NOT NULL,    -- unused bits after this bitfield
    cacheline      INTEGER NOT NULL,    -- offset / binaries.cacheline
    suggested_pos  INTEGER,             -- 0-based place in the suggested order
    PRIMARY KEY (type_id, idx)
) WITHOUT ROWID;
CREATE INDEX members_name ON members(name);

-- Typedef names of named aggregates (`typedef struct _object PyObject;`):
-- `show DB PyObject` finds struct _object through this table.  Typedefs of
-- anonymous aggregates are not here: such types are stored under the
-- typedef name itself.
CREATE TABLE type_aliases (
    binary_id  INTEGER NOT NULL REFERENCES binaries(id),
    alias      TEXT NOT NULL,           -- the typedef name
    name       TEXT NOT NULL,           -- types.name it stands for
    PRIMARY KEY (binary_id, alias, name)
) WITHOUT ROWID;
CREATE INDEX type_aliases_alias ON type_aliases(alias);

-- Waste per type: what holes and padding cost, and what reordering saves.
CREATE VIEW type_waste AS
SELECT t.id AS type_id, t.binary_id, t.kind, t.name, t.size, t.optimal_size,
       t.holes, t.hole_bytes, t.tail_padding,
       t.hole_bytes + t.tail_padding AS waste,
       t.size - t.optimal_size AS saving,
       CASE WHEN t.size > 0
            THEN round(100.0 * (t.size - t.optimal_size) / t.size, 1)
            ELSE 0.0 END AS saving_pct,
       t.decl_file, t.decl_line
  FROM types t;

-- Every byte hole after a member: the hole ends where the next member
-- (or its bitfield storage unit) starts.
CREATE VIEW member_holes AS
SELECT t.id AS type_id, t.name AS type_name, m.idx, m.name AS after_member,
       n.name AS before_member, n.offset - m.hole_after AS hole_offset,
       m.hole_after AS hole_bytes
  FROM members m
  JOIN types t ON t.id = m.type_id
  JOIN members n ON n.type_id = m.type_id AND n.idx = m.idx + 1
 WHERE m.hole_after > 0;

-- Reserved for later stages (allocation sites and their weights); they
-- will be added here, compatibly, as:
--   functions(id, binary_id, name, low_pc, high_pc, ...)
--   sites(id, binary_id, function_id, address, file, line, allocator, ...)
--   site_candidates(site_id, type_id, confidence, how, ...)
--   site_counts(site_id, source, allocations, bytes, ...)
--   member_heat(type_id, idx, source, accesses, ...)

-- ---- Allocation sites (src/sites.c; db/README.md "Allocation sites") ----
-- Positions of arguments count from 0 in the platform's argument order.

-- Allocators a binary calls: the built-in catalogue, --alloc/--alloc-config
-- declarations, and wrappers found automatically (origin 'wrapper': a
-- function passing its own argument as the size of another allocator's
-- call and returning the result; `wraps` and `reason` say which and why).
CREATE TABLE allocators (
    id         INTEGER PRIMARY KEY,
    binary_id  INTEGER NOT NULL REFERENCES binaries(id),
    name       TEXT NOT NULL,       -- symbol name without @plt or version
    address    INTEGER,             -- entry (or PLT stub); NULL: reached via GOT
    family     TEXT NOT NULL,       -- 'c','c++','go','rust','glib','jemalloc',
                                    -- 'tcmalloc','mimalloc','kernel','user'
    origin     TEXT NOT NULL,       -- 'builtin','user','config','wrapper'
    size_arg   INTEGER,             -- argument holding the size, NULL if none
    count_arg  INTEGER,             -- argument holding the element count
    type_arg   INTEGER,             -- Go: argument holding the type descriptor
    wraps      TEXT,                -- wrapper: the allocator it forwards to
    reason     TEXT,                -- wrapper: the evidence, with its address
    sites      INTEGER NOT NULL     -- rows in sites calling it
);
CREATE INDEX allocators_binary ON allocators(binary_id);

-- One row per call or tail jump to an allocator in the machine code.
CREATE TABLE sites (
    id            INTEGER PRIMARY KEY,
    binary_id     INTEGER NOT NULL REFERENCES binaries(id),
    pc            INTEGER NOT NULL,   -- address of the call / jump
    function      TEXT,               -- containing function (symbol)
    file          TEXT,               -- source file of the outermost caller
    line          INTEGER,            -- its line (through inline chains)
    allocator     TEXT NOT NULL,      -- allocators.name
    size          INTEGER,            -- bytes per element, NULL unknown
    count         INTEGER,            -- elements, NULL unknown
    type_id       INTEGER REFERENCES types(id),  -- NULL: unknown or ambiguous
    method        TEXT,               -- what decided: 'go-type','cxx-ctor',
                                      -- 'dwarf-var','dwarf-return','kmem-cache',
                                      -- 'stores','size' (candidates only)
    confidence    REAL NOT NULL,      -- of the chosen type, 0 when none
    static_weight INTEGER NOT NULL,   -- 8^min(loop_depth, 4)
    loop_depth    INTEGER NOT NULL,   -- natural loops around the call
    kind          TEXT NOT NULL,      -- 'call' or 'tail' (a jump)
    indirect      INTEGER NOT NULL,   -- through a pointer (GOT, table)
    inline_depth  INTEGER NOT NULL,   -- inlined calls between line and pc
    ambiguous     INTEGER NOT NULL,   -- several candidates, none chosen
    candidates    INTEGER NOT NULL,   -- rows in site_candidates
    type_name     TEXT,               -- allocated type as the evidence names it
                                      -- (also non-aggregates: 'char', 'uint8')
    size_from     TEXT                -- 'code','dwarf-call-site','go-type',
                                      -- 'kmem-cache'
);
CREATE INDEX sites_binary ON sites(binary_id);
CREATE INDEX sites_type ON sites(type_id);

-- The types an ambiguous (or fingerprint-narrowed) site may allocate.
CREATE TABLE site_candidates (
    site_id    INTEGER NOT NULL REFERENCES sites(id),
    type_id    INTEGER NOT NULL REFERENCES types(id),
    method     TEXT NOT NULL,         -- 'size' or 'stores'
    confidence REAL NOT NULL,
    PRIMARY KEY (site_id, type_id)
) WITHOUT ROWID;

-- What the code scan did per binary, including what it had to skip.
CREATE TABLE site_scan (
    binary_id     INTEGER PRIMARY KEY REFERENCES binaries(id),
    arch          TEXT,
    functions     INTEGER NOT NULL,   -- function bodies known
    analyzed      INTEGER NOT NULL,   -- bodies disassembled
    instructions  INTEGER NOT NULL,
    bad_bytes     INTEGER NOT NULL,   -- bytes that did not decode
    sites         INTEGER NOT NULL,
    typed         INTEGER NOT NULL,
    ambiguous     INTEGER NOT NULL,
    wrappers      INTEGER NOT NULL,
    skipped       INTEGER NOT NULL,   -- sections, bodies, DWARF parts skipped
    note          TEXT                -- e.g. no disassembler for the machine
);
