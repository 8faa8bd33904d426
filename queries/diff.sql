-- diff.sql -- the type-level diff of two databases in plain SQL: what
-- `holeprof diff OLD NEW` reports per type, without allocation weights.
--
-- Needs both databases attached, as `old` and `new`:
--
--   sqlite3 -header -column \
--       -cmd "ATTACH 'file:OLD.db?mode=ro' AS old" \
--       -cmd "ATTACH 'file:NEW.db?mode=ro' AS new" :memory: < queries/diff.sql
--
-- (It cannot run through `holeprof query`, which opens one database; the
-- next line tells it so.)
-- holeprof-query: no: it needs two databases attached as old and new; use holeprof diff OLD.db NEW.db, or sqlite3 as the file's header shows
--
-- Matching, as in src/diff.c: binaries pair up trivially when each side
-- has one, else by the last component of their path (the whole path when
-- that repeats within a side).  Types match on binary, kind and name; when
-- a name has several rows in a binary on either side, the declaration
-- file joins the key, and rows still sharing a key pair in order of
-- (decl_line, size, layout_hash, id).
--
-- First result: one row per type that changed, was added or was removed,
-- most impact first.  waste = hole_bytes + tail_padding; impact =
-- |new size - old size| + |new waste - old waste| (a missing side counts
-- as 0); change is added, removed, grew, shrank or changed (same size,
-- different layout or hole numbers).  Second result: totals per side.
WITH
ob AS (
    SELECT b.id,
           substr(b.path, length(rtrim(b.path, replace(b.path, '/', ''))) + 1) AS base, b.path
      FROM old.binaries b),
obk AS (
    SELECT id, CASE WHEN (SELECT count(*) FROM ob) = 1 THEN ''
                    WHEN (SELECT count(*) FROM ob o2 WHERE o2.base = ob.base) > 1 THEN path
                    ELSE base END AS bkey
      FROM ob),
nb AS (
    SELECT b.id,
           substr(b.path, length(rtrim(b.path, replace(b.path, '/', ''))) + 1) AS base, b.path
      FROM new.binaries b),
nbk AS (
    SELECT id, CASE WHEN (SELECT count(*) FROM nb) = 1 THEN ''
                    WHEN (SELECT count(*) FROM nb n2 WHERE n2.base = nb.base) > 1 THEN path
                    ELSE base END AS bkey
      FROM nb),
ot AS (SELECT t.*, k.bkey FROM old.types t JOIN obk k ON k.id = t.binary_id),
nt AS (SELECT t.*, k.bkey FROM new.types t JOIN nbk k ON k.id = t.binary_id),
rep AS (
    SELECT bkey, kind, name FROM ot GROUP BY bkey, kind, name HAVING count(*) > 1
    UNION
    SELECT bkey, kind, name FROM nt GROUP BY bkey, kind, name HAVING count(*) > 1),
okey AS (
    SELECT ot.*,
           ot.bkey || char(31) || ot.kind || char(31) || ot.name || char(31) ||
           CASE WHEN EXISTS (SELECT 1 FROM rep r WHERE r.bkey = ot.bkey AND r.kind = ot.kind
                                                   AND r.name = ot.name)
                THEN coalesce(ot.decl_file, '') ELSE '' END AS tkey
      FROM ot),
nkey AS (
    SELECT nt.*,
           nt.bkey || char(31) || nt.kind || char(31) || nt.name || char(31) ||
           CASE WHEN EXISTS (SELECT 1 FROM rep r WHERE r.bkey = nt.bkey AND r.kind = nt.kind
                                                   AND r.name = nt.name)
                THEN coalesce(nt.decl_file, '') ELSE '' END AS tkey
      FROM nt),
o AS (
    SELECT okey.*, row_number() OVER (PARTITION BY tkey
               ORDER BY coalesce(decl_line, 0), size, layout_hash, id) AS rnk
      FROM okey),
n AS (
    SELECT nkey.*, row_number() OVER (PARTITION BY tkey
               ORDER BY coalesce(decl_line, 0), size, layout_hash, id) AS rnk
      FROM nkey),
pairs AS (
    SELECT o.tkey, o.kind, o.name, o.bkey,
           o.size AS os, n.size AS ns,
           o.hole_bytes + o.tail_padding AS ow, n.hole_bytes + n.tail_padding AS nw,
           o.holes AS oh, n.holes AS nh, o.hole_bytes AS ohb, n.hole_bytes AS nhb,
           o.tail_padding AS otp, n.tail_padding AS ntp,
           o.optimal_size AS oopt, n.optimal_size AS nopt,
           n.id IS NOT NULL AND (o.layout_hash <> n.layout_hash OR o.holes <> n.holes
               OR o.hole_bytes <> n.hole_bytes OR o.tail_padding <> n.tail_padding
               OR o.optimal_size <> n.optimal_size OR o.bit_holes <> n.bit_holes
               OR o.bit_hole_bits <> n.bit_hole_bits OR o.members <> n.members
               OR o.size <> n.size) AS differs
      FROM o LEFT JOIN n ON n.tkey = o.tkey AND n.rnk = o.rnk
    UNION ALL
    SELECT n.tkey, n.kind, n.name, n.bkey,
           NULL, n.size, NULL, n.hole_bytes + n.tail_padding, NULL, n.holes, NULL,
           n.hole_bytes, NULL, n.tail_padding, NULL, n.optimal_size, 0
      FROM n LEFT JOIN o ON o.tkey = n.tkey AND o.rnk = n.rnk
     WHERE o.id IS NULL)
SELECT CASE WHEN os IS NULL THEN 'added'
            WHEN ns IS NULL THEN 'removed'
            WHEN ns > os THEN 'grew'
            WHEN ns < os THEN 'shrank'
            ELSE 'changed' END                                  AS change,
       kind, name, bkey AS binary,
       os AS old_size, ns AS new_size, ow AS old_waste, nw AS new_waste,
       oh AS old_holes, nh AS new_holes, ohb AS old_hole_bytes, nhb AS new_hole_bytes,
       otp AS old_tail_padding, ntp AS new_tail_padding,
       oopt AS old_optimal_size, nopt AS new_optimal_size,
       abs(coalesce(ns, 0) - coalesce(os, 0)) + abs(coalesce(nw, 0) - coalesce(ow, 0)) AS impact,
       (os IS NOT NULL AND ns IS NOT NULL AND (ns > os OR nw > ow))  AS regression
  FROM pairs
 WHERE os IS NULL OR ns IS NULL OR differs
 ORDER BY impact DESC, regression DESC, name, tkey;

SELECT 'old' AS side, count(*) AS types, coalesce(sum(size), 0) AS size,
       coalesce(sum(hole_bytes + tail_padding), 0) AS waste,
       coalesce(sum(hole_bytes), 0) AS hole_bytes, coalesce(sum(tail_padding), 0) AS tail_padding,
       coalesce(sum(size - optimal_size), 0) AS saving
  FROM old.types
UNION ALL
SELECT 'new', count(*), coalesce(sum(size), 0), coalesce(sum(hole_bytes + tail_padding), 0),
       coalesce(sum(hole_bytes), 0), coalesce(sum(tail_padding), 0),
       coalesce(sum(size - optimal_size), 0)
  FROM new.types;
