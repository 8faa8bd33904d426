-- type.sql -- one type's members, in offset order, with the holes after
-- each and the place each takes in the suggested order.
--
-- Parameter ?1 is the type name (exactly as in types.name, e.g. 'conn',
-- 'ns::Widget', 'main.T').  Rows of several layouts of one name are told
-- apart by type_id.
--
-- Run:  holeprof query DB type --param NAME [--format table|csv|json]
--       sqlite3 -header -column -cmd ".param set ?1 'NAME'" DB < queries/type.sql
SELECT m.type_id,
       m.idx,
       m.name,
       m.type_name,
       m.offset,
       m.size,
       m.bit_offset,
       m.bit_size,
       m.align,
       m.hole_after,
       m.bit_hole_after,
       m.cacheline,
       m.suggested_pos
  FROM members m
  JOIN types t ON t.id = m.type_id
 WHERE t.name = ?1
 ORDER BY m.type_id, m.idx;
