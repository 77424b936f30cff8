#ifndef MODELGET_CARCHIVE_H
#define MODELGET_CARCHIVE_H

// libarchive (Debian's libarchive-dev): tar reading and writing, gzip and
// zstd filters, and writing entries to disk. Swift calls it directly but for
// the one variadic call modelget needs (archive_set_error), wrapped here.
#include <archive.h>
#include <archive_entry.h>

/// Reports whether this libarchive decodes `filter` itself (not through an
/// external program): 1 yes, 0 no. `filter` is ARCHIVE_FILTER_GZIP or ARCHIVE_FILTER_ZSTD.
int mg_archive_has_builtin_filter(int filter);

/// archive_set_error without its variadic format: sets `message` as it is.
void mg_archive_set_error(struct archive *a, int code, const char *message);

#endif
