-- sites.sql -- heap allocation sites, grouped by the type they allocate.
--
-- One row per call (or tail jump) to an allocator found in the machine
-- code: where it is (the outermost caller's file:line when the call was
-- inlined), the containing function, the allocator, the element size and
-- count when the code or DWARF gives them as constants, and how the type
-- was decided (method, confidence: see db/README.md).  Sites whose type
-- could not be decided come last, as (ambiguous) -- several candidate
-- types, in site_candidates -- or (unknown).  `holeprof sites DB TYPE` shows one type.
--
-- Run:  holeprof query DB sites [--format table|csv|json]
--       sqlite3 -header -column DB < queries/sites.sql
SELECT t.kind,
       coalesce(t.name, CASE WHEN s.ambiguous THEN '(ambiguous)' ELSE '(unknown)' END) AS type,
       t.size                                      AS type_size,
       CASE WHEN s.file IS NULL THEN printf('0x%x', s.pc)
            ELSE replace(s.file, rtrim(s.file, replace(s.file, '/', '')), '')
                 || ':' || coalesce(s.line, 0) END AS location,
       coalesce(s.source_function, s.function)     AS function,
       s.allocator,
       s.size,
       s.count,
       s.method,
       s.confidence,
       s.static_weight                             AS weight,
       s.candidates
  FROM sites s
  LEFT JOIN types t ON t.id = s.type_id
 ORDER BY t.id IS NULL, s.ambiguous DESC, t.name, s.file, s.line, s.pc;
