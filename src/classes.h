/*
** classes.h -- allocator models and size classes in the database, for
** the views that rank (db/schema.sql: site_rows, waste_all, ...).
**
** Contract: cl_fill() runs inside a writer's transaction (analyze,
** profile): it picks each binary's allocator model once (sc_pick:
** alloc_models) and stores sc_class() for every model and every request
** size the views can ask for (alloc_classes), adding only what is
** missing, so it is cheap to call again after new site counts change the
** requests.  A request above SC_MAX_REQUEST gets a NULL class (no model
** knows it), never a guess.  0, or -1 with err naming path.
*/
#ifndef CLASSES_H
#define CLASSES_H

#include <sqlite3.h>

#include "hp.h"

int cl_fill(sqlite3 *db, const char *path, hp_err *err);

#endif
