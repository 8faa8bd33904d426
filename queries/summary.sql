-- summary.sql -- one row per analyzed binary: how many types, of which
-- kinds, how many have holes, and the bytes per object (one of each type)
-- lost to holes and tail padding and recoverable by reordering.
--
-- types counts distinct layouts; conflicts counts names that have more
-- than one layout in the binary; incomplete counts types whose holes are
-- unknown (a member's type declared but not defined: not in the sums).
--
-- Run:  holeprof query DB summary [--format table|csv|json]
--       sqlite3 -header -column DB < queries/summary.sql
SELECT b.path                                              AS binary,
       count(t.id)                                         AS types,
       coalesce(sum(t.kind = 'struct'), 0)                 AS structs,
       coalesce(sum(t.kind = 'class'), 0)                  AS classes,
       coalesce(sum(t.kind = 'union'), 0)                  AS unions,
       coalesce(sum(t.holes > 0), 0)                       AS with_holes,
       coalesce(sum(t.hole_bytes), 0)                      AS hole_bytes,
       coalesce(sum(t.tail_padding), 0)                    AS tail_padding,
       coalesce(sum(t.size - t.optimal_size), 0)           AS saving,
       count(DISTINCT CASE WHEN t.conflict THEN t.name END) AS conflicts,
       coalesce(sum(t.incomplete), 0)                      AS incomplete
  FROM binaries b
  LEFT JOIN types t ON t.binary_id = b.id
 GROUP BY b.id
 ORDER BY b.id;
