#ifndef MODELGET_CCURL_H
#define MODELGET_CCURL_H

// Typed wrappers around libcurl's variadic calls, which Swift cannot call.
#define CURL_STRICTER 1
#include <curl/curl.h>
#include <sys/types.h>

typedef size_t (*mg_data_callback)(char *ptr, size_t size, size_t nmemb, void *userdata);
typedef int (*mg_xferinfo_callback)(void *userdata, curl_off_t dltotal, curl_off_t dlnow,
                                    curl_off_t ultotal, curl_off_t ulnow);
typedef curl_off_t (*mg_seek_callback)(void *userdata, curl_off_t offset, int origin);

CURLcode mg_easy_setopt_long(CURL *handle, CURLoption option, long value);
CURLcode mg_easy_setopt_off(CURL *handle, CURLoption option, curl_off_t value);
CURLcode mg_easy_setopt_string(CURL *handle, CURLoption option, const char *value);
CURLcode mg_easy_setopt_pointer(CURL *handle, CURLoption option, void *value);
CURLcode mg_easy_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value);
CURLcode mg_easy_setopt_data_callback(CURL *handle, CURLoption option, mg_data_callback value);
CURLcode mg_easy_setopt_xferinfo_callback(CURL *handle, mg_xferinfo_callback value);
/// A `struct curl_blob` option (`CURLOPT_CAINFO_BLOB`…); libcurl copies the bytes.
CURLcode mg_easy_setopt_blob(CURL *handle, CURLoption option, const void *data, size_t length);

CURLcode mg_easy_getinfo_long(CURL *handle, CURLINFO info, long *value);
CURLcode mg_easy_getinfo_off(CURL *handle, CURLINFO info, curl_off_t *value);
CURLcode mg_easy_getinfo_string(CURL *handle, CURLINFO info, const char **value);
CURLcode mg_easy_getinfo_pointer(CURL *handle, CURLINFO info, void **value);

CURLMcode mg_multi_setopt_long(CURLM *handle, CURLMoption option, long value);
CURLSHcode mg_share_setopt_long(CURLSH *handle, CURLSHoption option, long value);

/// The easy handle and result of a finished transfer, copied out of a CURLMsg.
typedef struct {
    CURL *easy;
    CURLcode result;
    int done;
} mg_multi_message;

/// Reads the next finished transfer; returns 0 when none is left.
int mg_multi_next_done(CURLM *multi, mg_multi_message *out);

/// libcurl's socket interface on one epoll set: libcurl says which sockets
/// to watch and when its next timeout is due; `mg_event_loop_run_once`
/// waits for either and hands only the ready sockets to
/// `curl_multi_socket_action`, so a wait costs the same for 1 transfer as
/// for 64 (where `curl_multi_poll` polls every socket each time).
typedef struct mg_event_loop mg_event_loop;

/// Makes the loop for `multi` and installs its socket and timer callbacks;
/// NULL when epoll or eventfd cannot be made.
mg_event_loop *mg_event_loop_new(CURLM *multi);

/// Ends a wait in `mg_event_loop_run_once` (any thread may call it).
void mg_event_loop_wakeup(mg_event_loop *loop);

/// Waits up to `max_wait_ms` (less when libcurl's timeout is due sooner)
/// and runs libcurl on what became ready. Returns 1 when `mg_event_loop_wakeup`
/// ended the wait, else 0.
int mg_event_loop_run_once(mg_event_loop *loop, int max_wait_ms);

#endif
