-- worst.sql -- which struct to fix first: `holeprof top -n 0 --format csv`
-- in plain SQL (tests/t_top.sh checks they agree row for row).
--
-- Every reorderable type (size > optimal_size), ranked by heap_saved:
-- allocator bytes the best member order gives back, (class now - class
-- after) x allocations, under each binary's chosen allocator model
-- (alloc_models.chosen).  struct_saved is the raw bytes saved, (size -
-- optimal) x objects x allocations: what cache density gains whatever the
-- allocator rounds to.  allocations are measured when a profile is loaded
-- (alloc_source 'measured'), else static site weights ('static'); an
-- ambiguous site's weight is split evenly over its candidate types
-- (ambiguous_sites counts them).  All the arithmetic is in the views
-- waste_all and site_waste_all (db/schema.sql).
--
-- binary is the path of the binary the type belongs to.  The sqlite3
-- shell prints a whole REAL as "8.0" where holeprof prints "8".
--
-- Rows come in sections (waste_all.section, verdict; db/README.md
-- "Verdicts"): 1 types whose allocator class shrinks at a site that
-- names them ('saves'), 2 raw savings only ('raw only', 'depends on n':
-- a flexible array, an n x k request or a computed size, heap_saved
-- NULL; 'ambiguous only': only ambiguous size matches shrink a class),
-- 3 'no sites', 4 layouts that are not ours to reorder ('abi',
-- 'repr(Rust)').
--
-- For another allocator model, replace both `chosen = 1` below by
-- `allocator = 'jemalloc'` (glibc, jemalloc, mimalloc, go, kmalloc).
-- `reorderable = 1` (size > optimal_size) is the same filter as
-- `saving > 0`, written so that SQLite skips every other type's sites.
WITH ranked AS (
    SELECT w.*,
           row_number() OVER (ORDER BY w.section, w.heap_saved DESC, w.struct_saved DESC,
                                       w.saving DESC, w.name, w.type_id) AS rank
      FROM waste_all w
     WHERE w.reorderable = 1 AND w.saving > 0 AND w.chosen = 1
),
worst AS (
    SELECT s.type_id, s.allocator, s.site,
           row_number() OVER (PARTITION BY s.type_id, s.allocator
                              ORDER BY s.heap_saved DESC, s.struct_saved DESC,
                                       s.allocations DESC, s.site_id) AS nth
      FROM site_waste_all s
     WHERE s.reorderable = 1 AND s.chosen = 1
)
SELECT r.rank, r.type_id, r.kind, r.name, r.size, r.optimal_size, r.allocator,
       r.class_now, r.class_after, r.allocations, r.alloc_source,
       r.ambiguous_sites, r.sites, r.heap_saved, r.struct_saved,
       x.site AS worst_site,
       r.verdict,
       (SELECT b.path FROM binaries b WHERE b.id = r.binary_id) AS binary
  FROM ranked r
  LEFT JOIN worst x ON x.type_id = r.type_id AND x.allocator = r.allocator AND x.nth = 1
 ORDER BY r.rank;
