#!/bin/sh
# bench/groups.sh DB... -- layout groups kept by the suggestions (issue 19,
# point 2): for every type with a member aligned to a cacheline or more
# (members.align >= 64: DW_AT_alignment, ____cacheline_aligned, alignas(64),
# or a member type so aligned) whose suggested order differs from the
# declared one, check on the stored suggested order (members.suggested_pos,
# what `holeprof show` prints without field heat) that
#   1. no member moves across a group boundary: a member aligned to 64 or
#      more, or one layout.c marks as starting a group (MF_GROUP_START,
#      0x4000: padding markers too), starts the next group, and every
#      member of an earlier group comes before every member of a later one;
#   2. each member aligned to 64 or more stays first in its group (nothing
#      is moved onto the line before it).
# Prints, per database, the types checked and the violations (the names of
# the first few); exit status 1 when any database has a violation.
set -eu
[ $# -gt 0 ] || { echo "usage: bench/groups.sh DB..." >&2; exit 2; }
status=0
for db in "$@"; do
    out=$(sqlite3 -batch -noheader -separator '|' "$db" "
WITH aligned AS (
    SELECT DISTINCT m.type_id FROM members m JOIN types t ON t.id = m.type_id
     WHERE m.align >= 64 AND t.optimal_size < t.size AND m.suggested_pos IS NOT NULL),
moved AS (
    SELECT a.type_id FROM aligned a
     WHERE EXISTS (SELECT 1 FROM members m WHERE m.type_id = a.type_id AND m.suggested_pos != m.idx)),
g AS (
    SELECT m.type_id, m.idx, m.suggested_pos AS pos,
           (m.align >= 64 OR (m.flags & 16384) != 0) AS starts, m.align >= 64 AS line,
           sum(m.align >= 64 OR (m.flags & 16384) != 0)
               OVER (PARTITION BY m.type_id ORDER BY m.idx) AS grp
      FROM members m WHERE m.type_id IN (SELECT type_id FROM aligned)),
cross_group AS (
    SELECT DISTINCT a.type_id FROM g a JOIN g b
        ON a.type_id = b.type_id AND a.grp < b.grp AND a.pos > b.pos),
not_first AS (
    SELECT DISTINCT s.type_id FROM g s JOIN g o
        ON o.type_id = s.type_id AND o.grp = s.grp AND o.idx != s.idx AND o.pos < s.pos
     WHERE s.line AND s.idx > 0),
bad AS (SELECT type_id FROM cross_group UNION SELECT type_id FROM not_first)
SELECT (SELECT count(*) FROM aligned), (SELECT count(*) FROM moved),
       (SELECT count(*) FROM (SELECT DISTINCT type_id FROM g WHERE line AND idx > 0)),
       (SELECT count(*) FROM cross_group), (SELECT count(*) FROM not_first),
       coalesce((SELECT group_concat(name, ', ') FROM (SELECT t.name FROM bad b
                  JOIN types t ON t.id = b.type_id ORDER BY t.name LIMIT 5)), '')")
    IFS='|' read -r n moved inner cross first names <<EOT
$out
EOT
    echo "$db: $n types with a member aligned to >= 64 bytes and a suggested order ($moved reordered, $inner with such a member after the first); $cross move a member across a group boundary, $first put a member before an aligned one in its group${names:+: $names}"
    [ "$cross" = 0 ] && [ "$first" = 0 ] || status=1
done
exit $status
