-- sizes.sql -- every struct, class and union with its size and number of
-- holes, like `pahole --sizes`: name, size, holes.
--
-- Unlike pahole, a struct known only by a typedef name (typedef struct
-- { ... } T) is listed under that name; types with no name of their own
-- and no typedef (TF_ANON without TF_TYPEDEF_NAME) are left out, as
-- pahole does.  One row per distinct layout, so a name with conflicting
-- layouts (or in several binaries) has several rows; ordered by size,
-- largest first, then name.
--
-- Run:  holeprof query DB sizes [--format table|csv|json] [--binary SEL]
--       sqlite3 -separator '	' DB < queries/sizes.sql   (pahole's tab form)
SELECT t.name,
       t.size,
       t.holes
  FROM types t
 WHERE t.kind IN ('struct', 'class', 'union')
   AND (t.flags & 8 = 0 OR t.flags & 16 <> 0)
 ORDER BY t.size DESC, t.name, t.id;
