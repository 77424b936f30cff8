#include "CArchive.h"

int mg_archive_has_builtin_filter(int filter) {
    struct archive *a = archive_read_new();
    if (a == NULL) return 0;
    int result = ARCHIVE_FATAL;
    if (filter == ARCHIVE_FILTER_GZIP) result = archive_read_support_filter_gzip(a);
    if (filter == ARCHIVE_FILTER_ZSTD) result = archive_read_support_filter_zstd(a);
    archive_read_free(a);
    // ARCHIVE_WARN means "only through an external program".
    return result == ARCHIVE_OK;
}

void mg_archive_set_error(struct archive *a, int code, const char *message) {
    archive_set_error(a, code, "%s", message);
}
