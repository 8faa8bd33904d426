-- coverage.sql -- what the measured allocations of each imported profile
-- landed on (view profile_coverage, db/README.md "Ranking and profiles"):
-- the share of blocks and bytes on sites with a struct type, on sites
-- with another answer (char, pointer arrays), on ambiguous and untyped
-- sites, and on no site at all, then the leading reasons for the last
-- (table profile_misses).  `selected` 1: the profile the rankings count.
SELECT name, source, selected, allocations, bytes,
       round(100.0 * struct_allocations / max(allocations, 1), 1) AS struct_pct,
       round(100.0 * struct_bytes / max(bytes, 1), 1) AS struct_bytes_pct,
       round(100.0 * other_allocations / max(allocations, 1), 1) AS other_pct,
       round(100.0 * ambiguous_allocations / max(allocations, 1), 1) AS ambiguous_pct,
       round(100.0 * untyped_allocations / max(allocations, 1), 1) AS untyped_pct,
       round(100.0 * nosite_allocations / max(allocations, 1), 1) AS nosite_pct
  FROM profile_coverage
 ORDER BY profile_id;

SELECT p.name AS profile, m.reason, m.detail, m.allocations, m.bytes, m.points,
       round(100.0 * m.allocations / max(p.allocations, 1), 1) AS pct
  FROM profile_misses m JOIN profiles p ON p.id = m.profile_id
 ORDER BY p.id, m.allocations DESC, m.bytes DESC, m.reason, m.detail
 LIMIT 50;
