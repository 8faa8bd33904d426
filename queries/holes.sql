-- holes.sql -- aggregate types ranked by wasted bytes per object.
--
-- Waste is hole_bytes + tail_padding: bytes in each object that hold no
-- member.  `saving` is what reordering the members would save (size -
-- optimal_size); tail padding that no order removes stays as waste.
-- Types with no waste are left out.  One row per distinct layout, so a
-- name with conflicting layouts (or in several binaries) has several rows.
--
-- Run:  holeprof query DB holes [--format table|csv|json]
--       sqlite3 -header -column DB < queries/holes.sql
SELECT t.name,
       t.kind,
       t.size,
       t.optimal_size,
       t.size - t.optimal_size        AS saving,
       t.holes,
       t.hole_bytes,
       t.tail_padding,
       t.hole_bytes + t.tail_padding  AS waste,
       t.members,
       t.lang,
       CASE WHEN t.decl_file IS NULL THEN NULL
            ELSE t.decl_file || ':' || coalesce(t.decl_line, 0) END AS decl
  FROM types t
 WHERE t.hole_bytes + t.tail_padding > 0
 ORDER BY waste DESC, saving DESC, t.name, t.id;
