#!/bin/sh
# sql2c.sh NAME < file.sql > file.c
# Turns an SQL file into a C string constant `const char NAME[]`, so the
# schema in db/ is compiled into the program and stays the one source.
name=$1
printf '/* generated from db/schema.sql by tools/sql2c.sh: do not edit */\n'
printf 'const char %s[] =\n' "$name"
sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/    "/' -e 's/$/\\n"/'
printf '    ;\n'
