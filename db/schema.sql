-- db/schema.sql -- the holeprof database schema.
--
-- Contract: this file is the single source of truth for the database
-- layout.  tools/sql2c.sh compiles it into the program (hp_schema_sql) and
-- src/store.c runs it inside the writer's one transaction on a fresh file.
-- The indexes of types and members (other than those on binary_id) are
-- built by store.c at commit, over the finished rows, which is cheaper
-- than updating them through every insert; the database ends up the same.
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
    kind           TEXT NOT NULL      -- 'struct','class','union','enum'
                   CHECK (kind = 'struct' OR kind = 'class' OR kind = 'union'
                          OR kind = 'enum'),  -- not IN (...): SQLite builds a
                                              -- b-tree for that list per row
    name           TEXT NOT NULL,       -- qualified: ns::A::B, main.T, typedef name
    size           INTEGER NOT NULL,
    align          INTEGER NOT NULL,
    members        INTEGER NOT NULL,    -- number of rows in members
    -- holes .. optimal_size and pre_hole .. bit_padding are NULL when the
    -- type is incomplete (a member's type unknown: see `incomplete`)
    holes          INTEGER,             -- byte holes between members
    hole_bytes     INTEGER,             -- their total size
    bit_holes      INTEGER,             -- unused bit runs inside bitfield units
    bit_hole_bits  INTEGER,             -- their total size, bits
    tail_padding   INTEGER,             -- bytes after the last member
    pre_hole       INTEGER,             -- byte hole before the first member
                                        -- (counted in holes, hole_bytes)
    pre_bit_hole   INTEGER,             -- bit hole before the first member
                                        -- (counted in bit_holes, bit_hole_bits)
    bit_padding    INTEGER,             -- unused bits ending a trailing bitfield
                                        -- unit (pahole's bit_padding)
    optimal_size   INTEGER,             -- smallest size by reordering members
    cachelines     INTEGER NOT NULL,    -- cachelines spanned by size
    decl_file      TEXT,
    decl_line      INTEGER,
    cu_count       INTEGER NOT NULL,    -- compile units holding this layout
    lang           TEXT NOT NULL,       -- 'C','C++','Go','Rust',...
    flags          INTEGER NOT NULL,    -- TF_* bits (src/layout.h, db/README.md)
    packed         INTEGER NOT NULL,    -- flags & TF_PACKED != 0
    explicit_align INTEGER NOT NULL,    -- flags & TF_EXPLICIT_ALIGN != 0
    conflict       INTEGER NOT NULL,    -- flags & TF_CONFLICT != 0
    layout_hash    TEXT NOT NULL,       -- 16 hex digits; equal hash, equal layout
    incomplete     INTEGER NOT NULL     -- flags & TF_INCOMPLETE != 0: a member's
                                        -- type is declared but defined nowhere
                                        -- in the binary; never ranked
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
    size           INTEGER,             -- NULL: type unknown (flags & MF_INCOMPLETE)
    bitpos         INTEGER NOT NULL,    -- absolute first bit from the start
    bit_offset     INTEGER NOT NULL,
    bit_size       INTEGER NOT NULL,    -- 0 unless a bitfield
    align          INTEGER NOT NULL,
    flags          INTEGER NOT NULL,    -- MF_* bits
    hole_after     INTEGER,             -- byte hole before the next member
                                        -- (NULL in an incomplete type)
    bit_hole_after INTEGER,             -- unused bits after this bitfield (idem)
    cacheline      INTEGER NOT NULL,    -- offset / binaries.cacheline
    suggested_pos  INTEGER,             -- 0-based place in the suggested order
    PRIMARY KEY (type_id, idx)
) WITHOUT ROWID;
-- No index on members(name): nothing in holeprof looks members up by name,
-- and building one cost 8% of analyzing python3.11.  A database used for
-- such queries can get one with CREATE INDEX members_name ON members(name).

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
    size_from     TEXT,               -- 'code','dwarf-call-site','go-type',
                                      -- 'kmem-cache'
    source_function TEXT,             -- the function as the source names it
                                      -- (DWARF; unmangled, unqualified)
    cache_id      INTEGER REFERENCES kmem_caches(id)  -- Linux: the dedicated
                                      -- cache a kmem_cache_alloc* site allocates
                                      -- from, NULL when not traced (or no cache)
);
CREATE INDEX sites_binary ON sites(binary_id);
CREATE INDEX sites_type ON sites(type_id);
CREATE INDEX sites_cache ON sites(cache_id);

-- Linux: one row per dedicated slab cache the code creates
-- (kmem_cache_create, kmem_cache_create_usercopy, __kmem_cache_create_args)
-- whose result goes to a global; each argument NULL unless the code
-- passes it as a constant.
CREATE TABLE kmem_caches (
    id          INTEGER PRIMARY KEY,
    binary_id   INTEGER NOT NULL REFERENCES binaries(id),
    name        TEXT,                 -- the cache's name ("task_struct")
    global      TEXT,                 -- the global holding the cache pointer
    global_addr INTEGER NOT NULL,     -- its address
    object_size INTEGER,              -- size argument, bytes; NULL: computed
                                      -- at run time (arch_task_struct_size)
    align       INTEGER,              -- align argument, bytes (0: none)
    flags       INTEGER,              -- slab_flags_t argument
    hwcache     INTEGER,              -- 1: flags has SLAB_HWCACHE_ALIGN (0x2000;
                                      -- 6.10+: 0x10), 0: not
    ctor        INTEGER,              -- 1: a constructor is passed, 0: none
    creator     TEXT NOT NULL,        -- the function called to create it
    function    TEXT,                 -- the function calling it
    pc          INTEGER NOT NULL,     -- address of that call
    rcu         INTEGER               -- 1: flags has SLAB_TYPESAFE_BY_RCU
                                      -- (0x80000; 6.10+: 0x200), 0: not
);
CREATE INDEX kmem_caches_binary ON kmem_caches(binary_id);

-- The types an ambiguous (or fingerprint-narrowed) site may allocate.
CREATE TABLE site_candidates (
    site_id    INTEGER NOT NULL REFERENCES sites(id),
    type_id    INTEGER NOT NULL REFERENCES types(id),
    method     TEXT NOT NULL,         -- 'size' or 'stores'
    confidence REAL NOT NULL,
    PRIMARY KEY (site_id, type_id)
) WITHOUT ROWID;
CREATE INDEX site_candidates_type ON site_candidates(type_id);

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

-- ---- Ranking and profiles (src/rank.c, src/profile.c, src/sizeclass.c;
-- db/README.md "Ranking and profiles") ----
-- The allocator arithmetic (src/sizeclass.c) is materialised per binary in
-- alloc_classes for every request size the views below can ask about;
-- analyze and profile fill it.  All the ranking arithmetic is in the
-- views site_rows, site_waste_all and waste_all: `holeprof top`, `show`,
-- `diff` and queries/worst.sql read them and never recompute it.

-- Allocator models per binary: every model is filled, one is chosen
-- (Go binaries -> go, Linux kernel -> kmalloc, else glibc).
CREATE TABLE alloc_models (
    binary_id  INTEGER NOT NULL REFERENCES binaries(id),
    allocator  TEXT NOT NULL,      -- 'glibc','jemalloc','mimalloc','go','kmalloc'
    chosen     INTEGER NOT NULL,   -- 1: the model picked for this binary
    why        TEXT,               -- why it was picked, e.g. 'Go binary'
    PRIMARY KEY (binary_id, allocator)
) WITHOUT ROWID;

-- Bytes an allocator hands out for a request of `request` bytes.
-- allocator 'go-noscan' is Go for pointer-free objects (tiny allocator).
CREATE TABLE alloc_classes (
    binary_id  INTEGER NOT NULL REFERENCES binaries(id),
    allocator  TEXT NOT NULL,
    request    INTEGER NOT NULL,
    bytes      INTEGER,            -- NULL: beyond the model
    PRIMARY KEY (binary_id, allocator, request)
) WITHOUT ROWID;

-- One row per imported allocation profile (holeprof profile DB FILE).
CREATE TABLE profiles (
    id                  INTEGER PRIMARY KEY,
    name                TEXT NOT NULL UNIQUE, -- --name, default the file's base name
    selected            INTEGER NOT NULL,  -- 1: counted by the views (the latest of its binary, or profile --use)
    binary_id           INTEGER NOT NULL REFERENCES binaries(id),
    source              TEXT NOT NULL,     -- 'dhat', 'heaptrack', 'pprof', 'perf', 'gperftools',
                                           -- 'allocinfo', 'slabinfo'
    path                TEXT NOT NULL,     -- the profile file (absolute)
    command             TEXT,              -- the profiled command line
    recorded_from       TEXT,              -- the program the profile names (cmd's argv[0], pprof's main mapping)
    build_id            TEXT,              -- the build-id the profile records for it, NULL when none
    imported_at         TEXT NOT NULL,     -- UTC, ISO 8601
    load_bias           INTEGER NOT NULL,  -- runtime address - link address
    points              INTEGER NOT NULL,  -- program points (allocation stacks)
    points_matched      INTEGER NOT NULL,  -- of them, attributed to a site
    allocations         INTEGER NOT NULL,  -- blocks allocated, all points
    allocations_matched INTEGER NOT NULL,
    bytes               INTEGER NOT NULL,
    bytes_matched       INTEGER NOT NULL,
    heat_points         INTEGER NOT NULL   -- points folded onto members
);

-- Measured allocations per site and profile.
CREATE TABLE site_counts (
    site_id      INTEGER NOT NULL REFERENCES sites(id),
    profile_id   INTEGER NOT NULL REFERENCES profiles(id),
    source       TEXT NOT NULL,      -- profiles.source
    allocations  INTEGER NOT NULL,   -- blocks allocated
    bytes        INTEGER NOT NULL,   -- their total size
    points       INTEGER NOT NULL,   -- program points attributed here
    via_wrapper  INTEGER NOT NULL,   -- of them, found past a wrapper frame
    min_size     INTEGER,            -- smallest block measured exactly, NULL when none was
    max_size     INTEGER,            -- largest block measured exactly
    sized_allocations INTEGER NOT NULL DEFAULT 0, -- blocks whose size was measured exactly
    via_stack    INTEGER NOT NULL DEFAULT 0, -- points moved here past an untyped site (stack-guided)
    stack_from   INTEGER,            -- sites.id of the (last) untyped site passed, NULL when none
    via_twin     INTEGER NOT NULL DEFAULT 0, -- points whose frame was the indirect call beside this site
    sized_bytes  INTEGER NOT NULL DEFAULT 0, -- bytes of the sized_allocations blocks
    PRIMARY KEY (site_id, profile_id)
) WITHOUT ROWID;

-- The blocks of each site whose size the profile measured exactly, per
-- size (their count is site_counts.sized_allocations): what the
-- allocator class arithmetic of a site whose request varies uses
-- (site_size_waste).
CREATE TABLE site_sizes (
    site_id      INTEGER NOT NULL REFERENCES sites(id),
    profile_id   INTEGER NOT NULL REFERENCES profiles(id),
    size         INTEGER NOT NULL,   -- bytes of each block
    allocations  INTEGER NOT NULL,   -- blocks of that size
    PRIMARY KEY (site_id, profile_id, size)
) WITHOUT ROWID;

-- The measured allocations no site took, by reason (holeprof profile).
CREATE TABLE profile_misses (
    profile_id   INTEGER NOT NULL REFERENCES profiles(id),
    reason       TEXT NOT NULL,      -- 'library', 'arena', 'unresolved', 'no-frame'
    detail       TEXT NOT NULL,      -- the library, function or frame it names
    points       INTEGER NOT NULL,
    allocations  INTEGER NOT NULL,
    bytes        INTEGER NOT NULL,
    PRIMARY KEY (profile_id, reason, detail)
) WITHOUT ROWID;

-- Objects alive per kernel slab cache, from /proc/slabinfo (holeprof
-- profile; a 'slabinfo' profile, never selected: its counts are per
-- cache, not per site).  type_from says how type_id was decided.
CREATE TABLE slab_caches (
    profile_id    INTEGER NOT NULL REFERENCES profiles(id),
    idx           INTEGER NOT NULL,   -- line order in the file, from 0
    name          TEXT NOT NULL,      -- the cache's name
    active_objs   INTEGER NOT NULL,   -- objects in use
    num_objs      INTEGER NOT NULL,   -- objects its slabs hold, used or not
    objsize       INTEGER NOT NULL,   -- bytes per slot
    objperslab    INTEGER NOT NULL,   -- slots per slab
    pagesperslab  INTEGER NOT NULL,   -- pages per slab
    type_id       INTEGER REFERENCES types(id), -- the struct it holds, NULL unknown
    type_from     TEXT NOT NULL,      -- 'sites', 'name', 'kmalloc', 'none', 'no-fit', 'ambiguous'
    kmem_cache_id INTEGER REFERENCES kmem_caches(id), -- the cache the code creates under that name
    PRIMARY KEY (profile_id, idx)
) WITHOUT ROWID;
CREATE INDEX slab_caches_type ON slab_caches(type_id);

-- Field heat: DHAT's per-byte access counts folded onto members.
CREATE TABLE member_heat (
    type_id        INTEGER NOT NULL REFERENCES types(id),
    idx            INTEGER NOT NULL,   -- members.idx
    profile_id     INTEGER NOT NULL REFERENCES profiles(id),
    accesses       INTEGER NOT NULL,   -- sum of the counts of its bytes
    bytes_touched  INTEGER NOT NULL,   -- its bytes with a nonzero count
    PRIMARY KEY (type_id, idx, profile_id)
) WITHOUT ROWID;

-- Go types with no pointers (every member a number or bool, or arrays
-- of them): the runtime allocates them "noscan", under 16 B tiny.
CREATE VIEW go_noscan AS
SELECT t.id AS type_id
  FROM types t
 WHERE t.lang = 'Go'
   AND NOT EXISTS (
       SELECT 1 FROM members m
        WHERE m.type_id = t.id
          AND (m.type_name IS NULL OR instr(m.type_name, '[]') > 0
               OR ltrim(m.type_name, '[]0123456789') NOT IN
                  ('bool','int','int8','int16','int32','int64','uint','uint8',
                   'uint16','uint32','uint64','uintptr','float32','float64',
                   'complex64','complex128','byte','rune')));

-- Linux: the objects the newest imported /proc/slabinfo of a kernel
-- binary counts in each dedicated cache the code creates (slab_caches
-- rows linked to kmem_caches by kmem_cache_id), with the cache's sites
-- (sites.cache_id) that share them.
CREATE VIEW cache_objects AS
SELECT k.id AS cache_id, k.binary_id, k.name, c.profile_id, c.active_objs, c.num_objs,
       c.objsize, c.objperslab, c.pagesperslab,
       (SELECT count(*) FROM sites s WHERE s.cache_id = k.id) AS sites
  FROM slab_caches c
  JOIN kmem_caches k ON k.id = c.kmem_cache_id
 WHERE c.profile_id = (SELECT max(p.id) FROM profiles p
                        WHERE p.binary_id = k.binary_id AND p.source = 'slabinfo')
   AND c.idx = (SELECT min(d.idx) FROM slab_caches d
                 WHERE d.profile_id = c.profile_id AND d.kmem_cache_id = k.id);

-- Allocations per site: measured once a profile of the binary is selected
-- (sites it never reached count 0; selected profiles add up); else, for
-- a site of a dedicated cache an imported slabinfo counts (cache_objects),
-- the cache's active objects shared evenly by its sites ('slabinfo');
-- else the static weight.  The counts are looked up per site (site_counts'
-- key starts with site_id), so a query for a few sites reads only theirs.
CREATE VIEW site_allocations AS
SELECT s.id AS site_id, s.binary_id,
       CASE WHEN p.n > 0 THEN coalesce((SELECT sum(k.allocations) FROM site_counts k
                                          JOIN profiles q ON q.id = k.profile_id AND q.selected
                                         WHERE k.site_id = s.id), 0)
            WHEN o.sites > 0 THEN 1.0 * o.active_objs / o.sites
            ELSE s.static_weight END AS allocations,
       (SELECT sum(k.bytes) FROM site_counts k
          JOIN profiles q ON q.id = k.profile_id AND q.selected
         WHERE k.site_id = s.id) AS bytes,
       CASE WHEN p.n > 0 THEN 'measured' WHEN o.sites > 0 THEN 'slabinfo'
            ELSE 'static' END AS source,
       coalesce((SELECT sum(k.sized_allocations) FROM site_counts k
                   JOIN profiles q ON q.id = k.profile_id AND q.selected
                  WHERE k.site_id = s.id), 0) AS sized,
       coalesce((SELECT sum(k.sized_bytes) FROM site_counts k
                   JOIN profiles q ON q.id = k.profile_id AND q.selected
                  WHERE k.site_id = s.id), 0) AS sized_bytes
  FROM sites s
  LEFT JOIN cache_objects o ON o.cache_id = s.cache_id
  LEFT JOIN (SELECT binary_id, count(*) AS n FROM profiles WHERE selected
              GROUP BY binary_id) p
         ON p.binary_id = s.binary_id;

-- One row per (site, type it allocates).  An ambiguous site (no type
-- chosen) is split evenly over its candidates: share 1/candidates.
-- request: bytes per allocation -- measured (bytes / allocations) when a
-- profile counted the site and that is at least the type size, else the
-- site's constant size x count when at least the type size, else NULL
-- when the request varies (the type ends in a flexible array, the
-- site asks for n x k bytes with n unknown, or the allocator takes a
-- size argument the code does not make a constant): "depends on n",
-- else the type size (an allocator with no size argument).  request_from says which: 'measured', sites.size_from
-- ('code', 'dwarf-call-site', 'go-type', 'kmem-cache'), 'type', or NULL.
-- elements: objects per allocation, request / size when that divides
-- (never for a flexible array type), else 1; extra: what the request
-- holds beyond them (a trailing variable part), kept when reordering.
-- cache: 1 when the site allocates from a dedicated kmem_cache
-- (kmem_cache_alloc*); such an object takes a slot of its size rounded
-- up to slot_align (the type's alignment, at least 8), class_request and
-- class_request_after are the slots (the request itself elsewhere).
CREATE VIEW site_rows AS
SELECT w.*,
       CASE WHEN w.cache THEN (w.slot_bytes + w.slot_align_now - 1) / w.slot_align_now
                              * w.slot_align_now
            ELSE w.request END AS class_request,
       CASE WHEN w.cache THEN (w.slot_bytes_after + w.slot_align_after - 1)
                              / w.slot_align_after * w.slot_align_after
            ELSE w.request_after END AS class_request_after
  FROM (SELECT v.*,
               CASE WHEN v.hwcache THEN max(v.slot_align, CASE WHEN v.request > 32 THEN 64
                    WHEN v.request > 16 THEN 32 WHEN v.request > 8 THEN 16 ELSE 8 END)
                    ELSE v.slot_align END AS slot_align_now,
               (v.request + 7) / 8 * 8 + CASE WHEN v.freeptr_after THEN 8 ELSE 0 END
                   AS slot_bytes,
               (v.request_after + 7) / 8 * 8 + CASE WHEN v.freeptr_after THEN 8 ELSE 0 END
                   AS slot_bytes_after,
               CASE WHEN v.hwcache THEN max(v.slot_align, CASE WHEN v.request_after > 32 THEN 64
                    WHEN v.request_after > 16 THEN 32 WHEN v.request_after > 8 THEN 16
                    ELSE 8 END)
                    ELSE v.slot_align END AS slot_align_after
  FROM (SELECT y.*, y.request - y.elements * y.size AS extra,
               y.request - y.elements * (y.size - y.optimal_size) AS request_after
          FROM (SELECT z.*, CASE WHEN z.size > 0 AND z.request % z.size = 0 AND NOT z.flex
                                 THEN z.request / z.size ELSE 1 END AS elements
                  FROM (SELECT x.site_id, x.binary_id, x.type_id, x.share, x.ambiguous,
                               x.allocations * x.share AS allocations, x.source AS alloc_source,
                               x.size, x.optimal_size, (t.flags & 256) != 0 AS flex,
                               s.allocator LIKE 'kmem\_cache\_%alloc%' ESCAPE '\' AS cache,
                               CASE WHEN s.allocator LIKE 'kmem\_cache\_%alloc%' ESCAPE '\'
                                    THEN 0 ELSE x.sized * x.share END AS sized,
                               s.cache_id,
                               CASE WHEN k.align IS NOT NULL
                                    THEN (max(k.align, 8) + 7) / 8 * 8
                                    ELSE max(t.align, 8) END AS slot_align,
                               coalesce(k.hwcache, 0) AS hwcache,
                               coalesce(k.ctor, 0) OR coalesce(k.rcu, 0) AS freeptr_after,
                               CASE WHEN x.source = 'measured' AND x.allocations > x.sized
                                         AND (x.bytes - x.sized_bytes) / (x.allocations - x.sized)
                                             >= t.size
                                    THEN (x.bytes - x.sized_bytes) / (x.allocations - x.sized)
                                    WHEN x.source = 'measured' AND x.allocations > 0
                                         AND x.sized >= x.allocations
                                         AND x.bytes / x.allocations >= t.size
                                    THEN x.bytes / x.allocations
                                    WHEN s.size IS NOT NULL AND s.count IS NOT NULL
                                         AND s.size * s.count >= t.size
                                    THEN s.size * s.count
                                    WHEN (t.flags & 256) != 0
                                         OR (s.size IS NOT NULL AND s.count IS NULL)
                                         OR (s.size IS NULL AND s.size_arg IS NOT NULL)
                                         OR (k.id IS NOT NULL AND k.object_size IS NULL)
                                    THEN NULL
                                    ELSE t.size END AS request,
                               CASE WHEN x.source = 'measured' AND x.allocations > x.sized
                                         AND (x.bytes - x.sized_bytes) / (x.allocations - x.sized)
                                             >= t.size
                                    THEN 'measured'
                                    WHEN x.source = 'measured' AND x.allocations > 0
                                         AND x.sized >= x.allocations
                                         AND x.bytes / x.allocations >= t.size
                                    THEN 'measured'
                                    WHEN s.size IS NOT NULL AND s.count IS NOT NULL
                                         AND s.size * s.count >= t.size
                                    THEN coalesce(s.size_from, 'code')
                                    WHEN (t.flags & 256) != 0
                                         OR (s.size IS NOT NULL AND s.count IS NULL)
                                         OR (s.size IS NULL AND s.size_arg IS NOT NULL)
                                         OR (k.id IS NOT NULL AND k.object_size IS NULL)
                                    THEN NULL
                                    ELSE 'type' END AS request_from,
                               CASE WHEN s.file IS NOT NULL THEN s.file || ':' || coalesce(s.line, '?')
                                    ELSE printf('%s@0x%x', coalesce(s.function, '?'), s.pc) END AS site
                          -- x: one row per (site, type), typed sites and the candidates of
                          -- ambiguous ones merged in site order (the order every sum over
                          -- them takes); it carries the type's sizes so that a filter on
                          -- them (reorderable) skips the other rows before anything else.
                          -- Candidates are read from site_candidates first (CROSS JOIN: a
                          -- filter on the type reaches its index, not every ambiguous
                          -- site), each site's count by its key.
                          FROM (SELECT s.id AS site_id, s.binary_id, s.type_id, 1.0 AS share,
                                       0 AS ambiguous, a.allocations, a.bytes, a.source,
                                       a.sized, a.sized_bytes, t.size, t.optimal_size
                                  FROM sites s JOIN types t ON t.id = s.type_id
                                  JOIN site_allocations a ON a.site_id = s.id
                                 WHERE s.type_id IS NOT NULL
                                UNION ALL
                                SELECT s.id, s.binary_id, c.type_id,
                                       1.0 / (SELECT count(*) FROM site_candidates n
                                               WHERE n.site_id = c.site_id), 1,
                                       a.allocations, a.bytes, a.source, a.sized, a.sized_bytes,
                                       t.size, t.optimal_size
                                  FROM site_candidates c
                                  CROSS JOIN sites s ON s.id = c.site_id
                                  CROSS JOIN types t ON t.id = c.type_id
                                  JOIN site_allocations a ON a.site_id = s.id
                                 WHERE s.type_id IS NULL
                                 ORDER BY 1) x
                          CROSS JOIN (SELECT s.*, (SELECT a.size_arg FROM allocators a
                                              WHERE a.binary_id = s.binary_id
                                                AND a.name = s.allocator LIMIT 1) AS size_arg
                                  FROM sites s) s ON s.id = x.site_id
                          CROSS JOIN types t ON t.id = x.type_id
                          LEFT JOIN kmem_caches k ON k.id = s.cache_id) z) y) v) w;

-- The measured block sizes (site_sizes of the selected profiles) of each
-- site and type it allocates, under every allocator model: one row per
-- size of at least the type's size (a smaller block cannot hold the
-- object and saves nothing), sites of a dedicated kmem_cache aside (their
-- slot is fixed).  elements: objects per block, size / type size when
-- that divides (never for a flexible array type), else 1;
-- request_after: the block with each object at its optimal size.
-- allocations: blocks of that size x the site's share of the type.
CREATE VIEW site_size_waste AS
SELECT q.site_id, q.binary_id, q.type_id, m.allocator, m.chosen, q.request, q.request_after,
       q.elements, cn.bytes AS class_now, ca.bytes AS class_after, q.allocations,
       (cn.bytes - ca.bytes) * q.allocations AS heap_saved,
       (q.type_size - q.optimal_size) * q.elements * q.allocations AS struct_saved
  FROM (SELECT e.*, e.request - e.elements * (e.type_size - e.optimal_size) AS request_after
          FROM (SELECT z.site_id, t.binary_id, x.type_id, z.size AS request,
                       x.share * z.allocations AS allocations, t.size AS type_size,
                       t.optimal_size,
                       CASE WHEN t.size > 0 AND z.size % t.size = 0 AND (t.flags & 256) = 0
                            THEN z.size / t.size ELSE 1 END AS elements
                  FROM (SELECT k.site_id, k.size, sum(k.allocations) AS allocations
                          FROM site_sizes k JOIN profiles p ON p.id = k.profile_id AND p.selected
                         GROUP BY k.site_id, k.size) z
                  JOIN (SELECT s.id AS site_id, s.type_id, 1.0 AS share FROM sites s
                         WHERE s.type_id IS NOT NULL
                        UNION ALL
                        SELECT c.site_id, c.type_id, 1.0 / n.n
                          FROM (SELECT site_id, count(*) AS n FROM site_candidates
                                 GROUP BY site_id) n
                          JOIN sites s ON s.id = n.site_id
                          JOIN site_candidates c ON c.site_id = n.site_id
                         WHERE s.type_id IS NULL) x ON x.site_id = z.site_id
                  JOIN sites s ON s.id = z.site_id
                   AND s.allocator NOT LIKE 'kmem\_cache\_%alloc%' ESCAPE '\'
                  JOIN types t ON t.id = x.type_id
                 WHERE z.size >= t.size) e) q
  CROSS JOIN alloc_models m ON m.binary_id = q.binary_id
  LEFT JOIN alloc_classes cn
         ON cn.binary_id = q.binary_id AND cn.request = q.request
        AND cn.allocator = CASE WHEN m.allocator = 'go'
                                 AND q.type_id IN (SELECT type_id FROM go_noscan)
                                THEN 'go-noscan' ELSE m.allocator END
  LEFT JOIN alloc_classes ca
         ON ca.binary_id = q.binary_id AND ca.request = q.request_after
        AND ca.allocator = cn.allocator;

-- site_rows under every allocator model of the binary.  heap_saved:
-- allocator bytes given back by the best order, (class of request -
-- class of request_after) x allocations, NULL when the request depends
-- on n.  Under kmalloc, a dedicated-cache site is classed by the slab
-- model ('slab': bytes of slab per object of its slot).  struct_saved:
-- the raw bytes, (size - optimal_size) x elements x allocations -- what
-- cache density gains, whatever the allocator rounds to.
CREATE VIEW site_waste_all AS
SELECT r.site_id, r.binary_id, r.type_id, m.allocator, m.chosen, r.share, r.ambiguous,
       r.elements, r.extra, r.request, r.request_after, r.request_from, r.cache,
       r.class_request, r.class_request_after,
       cn.bytes AS class_now, ca.bytes AS class_after,
       r.allocations, r.alloc_source, r.sized AS sized_allocations,
       CASE WHEN r.sized > 0
            THEN CASE WHEN z.site_id IS NULL THEN 0 ELSE z.heap_saved END
                 + CASE WHEN r.allocations - r.sized > r.share / 2
                        THEN (cn.bytes - ca.bytes) * (r.allocations - r.sized) ELSE 0 END
            ELSE (cn.bytes - ca.bytes) * r.allocations END AS heap_saved,
       CASE WHEN r.sized > 0
            THEN CASE WHEN z.site_id IS NULL THEN 0 ELSE z.struct_saved END
                 + CASE WHEN r.allocations - r.sized > r.share / 2
                        THEN (r.size - r.optimal_size) * r.elements * (r.allocations - r.sized)
                        ELSE 0 END
            ELSE (r.size - r.optimal_size) * r.elements * r.allocations END AS struct_saved,
       r.site, coalesce(r.size > r.optimal_size, 0) AS reorderable
  FROM site_rows r
  CROSS JOIN alloc_models m ON m.binary_id = r.binary_id
  LEFT JOIN (SELECT site_id, type_id, allocator,
                    CASE WHEN count(heap_saved) = count(*) THEN sum(heap_saved) END AS heap_saved,
                    sum(struct_saved) AS struct_saved
               FROM site_size_waste GROUP BY site_id, type_id, allocator) z
         ON r.sized > 0 AND z.site_id = r.site_id AND z.type_id = r.type_id
        AND z.allocator = m.allocator
  LEFT JOIN alloc_classes cn
         ON cn.binary_id = r.binary_id AND cn.request = r.class_request
        AND cn.allocator = CASE WHEN m.allocator = 'kmalloc' AND r.cache THEN 'slab'
                                WHEN m.allocator = 'go'
                                 AND r.type_id IN (SELECT type_id FROM go_noscan)
                                THEN 'go-noscan' ELSE m.allocator END
  LEFT JOIN alloc_classes ca
         ON ca.binary_id = r.binary_id AND ca.request = r.class_request_after
        AND ca.allocator = cn.allocator;

-- Per type and allocator model: one object's class now and after, and the
-- sums over its sites.  score = heap_saved, the ranking key;
-- typed_heap_saved: the part from sites that name the type (not an
-- ambiguous size match), which alone makes the verdict 'saves'.  cache: the
-- type is allocated from a dedicated kmem_cache (then, under kmalloc, its
-- one-object classes are the slab model's for its slot).  verdict and
-- section (db/README.md "Verdicts"): what `top` and worst.sql group by.
CREATE VIEW waste_all AS
SELECT u.*,
       CASE WHEN u.verdict = 'saves' THEN 1
            WHEN u.verdict IN ('raw only', 'depends on n', 'ambiguous only') THEN 2
            WHEN u.verdict = 'no sites' THEN 3 ELSE 4 END AS section
  FROM (SELECT q.*,
               CASE WHEN q.flags & 16384 THEN 'abi'
                    WHEN q.flags & 32768 THEN 'repr(Rust)'
                    WHEN q.sites = 0 THEN 'no sites'
                    WHEN q.typed_heap_saved > 0 THEN 'saves'
                    WHEN q.heap_saved > 0 THEN 'ambiguous only'
                    WHEN q.variable_sites = q.sites THEN 'depends on n'
                    ELSE 'raw only' END AS verdict
          FROM (SELECT w.type_id, t.binary_id, t.kind, t.name, t.lang, t.size,
                       t.optimal_size, t.size - t.optimal_size AS saving, t.hole_bytes,
                       t.tail_padding, t.flags, w.reorderable, w.allocator, w.chosen,
                       cn.bytes AS class_now, ca.bytes AS class_after,
                       cn.bytes - ca.bytes AS class_saving,
                       coalesce(w.sites, 0) AS sites,
                       coalesce(w.ambiguous_sites, 0) AS ambiguous_sites,
                       coalesce(w.variable_sites, 0) AS variable_sites,
                       coalesce(w.cache, 0) AS cache, w.cache_slot, w.cache_slot_after,
                       coalesce(w.allocations, 0.0) AS allocations,
                       CASE WHEN EXISTS (SELECT 1 FROM profiles p WHERE p.binary_id = t.binary_id
                                           AND p.selected)
                            THEN 'measured' WHEN w.slabinfo THEN 'slabinfo'
                            WHEN w.sites > 0 THEN 'static' ELSE 'none' END
                            AS alloc_source,
                       CASE WHEN w.sites > 0 AND w.variable_sites = w.sites THEN NULL
                            ELSE coalesce(w.heap_saved, 0.0) END AS heap_saved,
                       coalesce(w.struct_saved, 0.0) AS struct_saved,
                       coalesce(w.typed_heap_saved, 0.0) AS typed_heap_saved,
                       CASE WHEN w.sites > 0 AND w.variable_sites = w.sites THEN NULL
                            ELSE coalesce(w.heap_saved, 0.0) END AS score
                  -- w: the sums over the type's site rows per model (types reordering
                  -- shrinks, then the others), and a row of zeros for each type and
                  -- model without any.  A filter on reorderable, type_id, allocator or
                  -- chosen reaches the three arms before anything is summed.
                  FROM (SELECT 1 AS reorderable, type_id, allocator, chosen, count(*) AS sites,
                               sum(ambiguous) AS ambiguous_sites,
                               sum(request IS NULL) AS variable_sites,
                               max(cache) AS cache,
                               max(CASE WHEN cache THEN class_request END) AS cache_slot,
                               max(CASE WHEN cache THEN class_request_after END)
                                   AS cache_slot_after,
                               sum(allocations) AS allocations,
                               sum(heap_saved) AS heap_saved,
                               sum(CASE WHEN ambiguous THEN 0 ELSE heap_saved END)
                                   AS typed_heap_saved,
                               sum(struct_saved) AS struct_saved,
                               max(alloc_source = 'slabinfo') AS slabinfo
                          FROM site_waste_all WHERE reorderable = 1
                         GROUP BY type_id, allocator, chosen
                        UNION ALL
                        SELECT 0, type_id, allocator, chosen, count(*) AS sites,
                               sum(ambiguous) AS ambiguous_sites,
                               sum(request IS NULL) AS variable_sites,
                               max(cache) AS cache,
                               max(CASE WHEN cache THEN class_request END) AS cache_slot,
                               max(CASE WHEN cache THEN class_request_after END)
                                   AS cache_slot_after,
                               sum(allocations) AS allocations,
                               sum(heap_saved) AS heap_saved,
                               sum(CASE WHEN ambiguous THEN 0 ELSE heap_saved END)
                                   AS typed_heap_saved,
                               sum(struct_saved) AS struct_saved,
                               max(alloc_source = 'slabinfo') AS slabinfo
                          FROM site_waste_all WHERE reorderable IS NOT 1
                         GROUP BY type_id, allocator, chosen
                        UNION ALL
                        SELECT coalesce(t.size > t.optimal_size, 0), t.id, m.allocator,
                               m.chosen, 0, 0, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
                               0
                          FROM types t JOIN alloc_models m ON m.binary_id = t.binary_id
                         WHERE NOT EXISTS (SELECT 1 FROM sites s WHERE s.type_id = t.id)
                           AND NOT EXISTS (SELECT 1 FROM site_candidates c
                                             JOIN sites u ON u.id = c.site_id
                                            WHERE c.type_id = t.id AND u.type_id IS NULL)) w
                  CROSS JOIN types t ON t.id = w.type_id
                  CROSS JOIN alloc_models m ON m.binary_id = t.binary_id
                        AND m.allocator = w.allocator AND m.chosen = w.chosen
                  LEFT JOIN alloc_classes cn
                         ON cn.binary_id = t.binary_id
                        AND cn.request = CASE WHEN m.allocator = 'kmalloc' AND w.cache
                                              THEN coalesce(w.cache_slot,
                                                   (t.size + max(t.align, 8) - 1)
                                                   / max(t.align, 8) * max(t.align, 8))
                                              ELSE t.size END
                        AND cn.allocator = CASE WHEN m.allocator = 'kmalloc' AND w.cache
                                                THEN 'slab'
                                                WHEN m.allocator = 'go'
                                                 AND t.id IN (SELECT type_id FROM go_noscan)
                                                THEN 'go-noscan' ELSE m.allocator END
                  LEFT JOIN alloc_classes ca
                         ON ca.binary_id = t.binary_id
                        AND ca.request = CASE WHEN m.allocator = 'kmalloc' AND w.cache
                                              THEN coalesce(w.cache_slot_after,
                                                   (t.optimal_size + max(t.align, 8) - 1)
                                                   / max(t.align, 8) * max(t.align, 8))
                                              ELSE t.optimal_size END
                        AND ca.allocator = cn.allocator) q) u;

-- Where a lock, atomic or reference count (members.flags MF_SYNC,
-- 0x10000: found by its type) shares a cacheline with other members:
-- one row per lock member and line it touches.  others: sized members on
-- that line besides it; hot: of them, those a DHAT profile saw accessed
-- (member_heat.accesses > 0, NULL without heat for the type); accesses:
-- their summed accesses (NULL without heat).
CREATE VIEW false_sharing AS
SELECT l.type_id, l.idx AS lock_idx, l.name AS lock_name, l.type_name AS lock_type,
       l.line,
       (SELECT count(*) FROM members o
         WHERE o.type_id = l.type_id AND o.idx != l.idx AND o.size > 0
           AND (o.flags & 4) = 0
           AND o.offset / l.cl <= l.line AND (o.offset + o.size - 1) / l.cl >= l.line)
           AS others,
       (SELECT CASE WHEN count(h.idx) = 0 THEN NULL ELSE sum(h.acc > 0) END
          FROM members o
          LEFT JOIN (SELECT idx, sum(accesses) AS acc FROM member_heat
                      WHERE type_id = l.type_id GROUP BY idx) h ON h.idx = o.idx
         WHERE o.type_id = l.type_id AND o.idx != l.idx AND o.size > 0
           AND (o.flags & 4) = 0
           AND o.offset / l.cl <= l.line AND (o.offset + o.size - 1) / l.cl >= l.line)
           AS hot,
       (SELECT sum(h.accesses) FROM member_heat h JOIN members o
            ON o.type_id = h.type_id AND o.idx = h.idx
         WHERE h.type_id = l.type_id AND o.idx != l.idx AND o.size > 0
           AND o.offset / l.cl <= l.line AND (o.offset + o.size - 1) / l.cl >= l.line)
           AS accesses
  FROM (SELECT m.type_id, m.idx, m.name, m.type_name, b.cacheline AS cl,
               m.offset / b.cacheline + k.n AS line
          FROM members m
          JOIN types t ON t.id = m.type_id
          JOIN binaries b ON b.id = t.binary_id
          JOIN (SELECT 0 AS n UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3) k
            ON m.offset / b.cacheline + k.n <= (m.offset + m.size - 1) / b.cacheline
         WHERE (m.flags & 65536) != 0 AND m.size > 0) l;

-- waste_all under each binary's chosen model (what `diff` compares).
CREATE VIEW waste AS
SELECT * FROM waste_all WHERE chosen = 1;

-- What each profile's measured allocations landed on: sites with a struct
-- type, sites with a decided answer that is not a struct row (char arrays,
-- pointers), ambiguous sites, untyped sites, and no site at all (the
-- reasons are in profile_misses).  Counts and bytes, for every profile.
CREATE VIEW profile_coverage AS
SELECT p.id AS profile_id, p.name, p.binary_id, p.selected, p.source,
       p.allocations, p.bytes,
       coalesce(sum(CASE WHEN s.type_id IS NOT NULL THEN c.allocations END), 0) AS struct_allocations,
       coalesce(sum(CASE WHEN s.type_id IS NOT NULL THEN c.bytes END), 0) AS struct_bytes,
       coalesce(sum(CASE WHEN s.type_id IS NULL AND NOT s.ambiguous AND s.type_name IS NOT NULL
                         THEN c.allocations END), 0) AS other_allocations,
       coalesce(sum(CASE WHEN s.type_id IS NULL AND NOT s.ambiguous AND s.type_name IS NOT NULL
                         THEN c.bytes END), 0) AS other_bytes,
       coalesce(sum(CASE WHEN s.type_id IS NULL AND s.ambiguous THEN c.allocations END), 0)
           AS ambiguous_allocations,
       coalesce(sum(CASE WHEN s.type_id IS NULL AND s.ambiguous THEN c.bytes END), 0) AS ambiguous_bytes,
       coalesce(sum(CASE WHEN s.type_id IS NULL AND NOT s.ambiguous AND s.type_name IS NULL
                         THEN c.allocations END), 0) AS untyped_allocations,
       coalesce(sum(CASE WHEN s.type_id IS NULL AND NOT s.ambiguous AND s.type_name IS NULL
                         THEN c.bytes END), 0) AS untyped_bytes,
       p.allocations - p.allocations_matched AS nosite_allocations,
       p.bytes - p.bytes_matched AS nosite_bytes
  FROM profiles p
  LEFT JOIN site_counts c ON c.profile_id = p.id
  LEFT JOIN sites s ON s.id = c.site_id
 GROUP BY p.id;
