#include "CCurl.h"
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

CURLcode mg_easy_setopt_long(CURL *h, CURLoption o, long v) { return curl_easy_setopt(h, o, v); }
CURLcode mg_easy_setopt_off(CURL *h, CURLoption o, curl_off_t v) { return curl_easy_setopt(h, o, v); }
CURLcode mg_easy_setopt_string(CURL *h, CURLoption o, const char *v) { return curl_easy_setopt(h, o, v); }
CURLcode mg_easy_setopt_pointer(CURL *h, CURLoption o, void *v) { return curl_easy_setopt(h, o, v); }
CURLcode mg_easy_setopt_slist(CURL *h, CURLoption o, struct curl_slist *v) { return curl_easy_setopt(h, o, v); }
CURLcode mg_easy_setopt_data_callback(CURL *h, CURLoption o, mg_data_callback v) { return curl_easy_setopt(h, o, v); }
CURLcode mg_easy_setopt_xferinfo_callback(CURL *h, mg_xferinfo_callback v) {
    CURLcode rc = curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, v);
    if (rc != CURLE_OK) return rc;
    return curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
}

CURLcode mg_easy_setopt_blob(CURL *h, CURLoption o, const void *data, size_t length) {
    struct curl_blob blob = { (void *)data, length, CURL_BLOB_COPY };
    return curl_easy_setopt(h, o, &blob);
}

CURLcode mg_easy_getinfo_long(CURL *h, CURLINFO i, long *v) { return curl_easy_getinfo(h, i, v); }
CURLcode mg_easy_getinfo_off(CURL *h, CURLINFO i, curl_off_t *v) { return curl_easy_getinfo(h, i, v); }
CURLcode mg_easy_getinfo_string(CURL *h, CURLINFO i, const char **v) { return curl_easy_getinfo(h, i, v); }
CURLcode mg_easy_getinfo_pointer(CURL *h, CURLINFO i, void **v) { return curl_easy_getinfo(h, i, v); }

CURLMcode mg_multi_setopt_long(CURLM *h, CURLMoption o, long v) { return curl_multi_setopt(h, o, v); }
CURLSHcode mg_share_setopt_long(CURLSH *h, CURLSHoption o, long v) { return curl_share_setopt(h, o, v); }

int mg_multi_next_done(CURLM *multi, mg_multi_message *out) {
    int left = 0;
    CURLMsg *msg;
    while ((msg = curl_multi_info_read(multi, &left)) != NULL) {
        if (msg->msg == CURLMSG_DONE) {
            out->easy = msg->easy_handle;
            out->result = msg->data.result;
            out->done = 1;
            return 1;
        }
    }
    return 0;
}

struct mg_event_loop {
    CURLM *multi;
    int epoll_fd;
    int wake_fd;
    /// When libcurl wants `CURL_SOCKET_TIMEOUT` (monotonic ms); -1: never.
    int64_t deadline_ms;
};

static int64_t mg_now_ms(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

static int mg_socket_callback(CURL *easy, curl_socket_t socket, int what, void *user, void *socket_data) {
    (void)easy;
    (void)socket_data;
    mg_event_loop *loop = user;
    if (what == CURL_POLL_REMOVE) {
        epoll_ctl(loop->epoll_fd, EPOLL_CTL_DEL, socket, NULL);
        return 0;
    }
    struct epoll_event event = {0};
    event.events = ((what & CURL_POLL_IN) ? EPOLLIN : 0) | ((what & CURL_POLL_OUT) ? EPOLLOUT : 0);
    event.data.fd = socket;
    if (epoll_ctl(loop->epoll_fd, EPOLL_CTL_MOD, socket, &event) != 0 && errno == ENOENT) {
        epoll_ctl(loop->epoll_fd, EPOLL_CTL_ADD, socket, &event);
    }
    return 0;
}

static int mg_timer_callback(CURLM *multi, long timeout_ms, void *user) {
    (void)multi;
    mg_event_loop *loop = user;
    loop->deadline_ms = timeout_ms < 0 ? -1 : mg_now_ms() + timeout_ms;
    return 0;
}

mg_event_loop *mg_event_loop_new(CURLM *multi) {
    mg_event_loop *loop = calloc(1, sizeof *loop);
    if (!loop) return NULL;
    loop->multi = multi;
    loop->deadline_ms = -1;
    loop->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
    loop->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (loop->epoll_fd < 0 || loop->wake_fd < 0) {
        if (loop->epoll_fd >= 0) close(loop->epoll_fd);
        if (loop->wake_fd >= 0) close(loop->wake_fd);
        free(loop);
        return NULL;
    }
    struct epoll_event event = {0};
    event.events = EPOLLIN;
    event.data.fd = loop->wake_fd;
    epoll_ctl(loop->epoll_fd, EPOLL_CTL_ADD, loop->wake_fd, &event);
    curl_multi_setopt(multi, CURLMOPT_SOCKETFUNCTION, mg_socket_callback);
    curl_multi_setopt(multi, CURLMOPT_SOCKETDATA, loop);
    curl_multi_setopt(multi, CURLMOPT_TIMERFUNCTION, mg_timer_callback);
    curl_multi_setopt(multi, CURLMOPT_TIMERDATA, loop);
    return loop;
}

void mg_event_loop_wakeup(mg_event_loop *loop) {
    uint64_t one = 1;
    ssize_t written = write(loop->wake_fd, &one, sizeof one);
    (void)written;
}

int mg_event_loop_run_once(mg_event_loop *loop, int max_wait_ms) {
    int wait = max_wait_ms;
    if (loop->deadline_ms >= 0) {
        int64_t left = loop->deadline_ms - mg_now_ms();
        if (left < wait) wait = left < 0 ? 0 : (int)left;
    }
    struct epoll_event events[128];
    int count = epoll_wait(loop->epoll_fd, events, 128, wait);
    int running = 0, woken = 0;
    for (int i = 0; i < count; i++) {
        int fd = events[i].data.fd;
        if (fd == loop->wake_fd) {
            uint64_t value;
            ssize_t got = read(loop->wake_fd, &value, sizeof value);
            (void)got;
            woken = 1;
            continue;
        }
        uint32_t ready = events[i].events;
        int flags = ((ready & EPOLLIN) ? CURL_CSELECT_IN : 0) | ((ready & EPOLLOUT) ? CURL_CSELECT_OUT : 0)
                  | ((ready & (EPOLLERR | EPOLLHUP)) ? CURL_CSELECT_ERR : 0);
        curl_multi_socket_action(loop->multi, fd, flags, &running);
    }
    if (loop->deadline_ms >= 0 && loop->deadline_ms <= mg_now_ms()) {
        // Cleared first: libcurl sets the next one while it runs.
        loop->deadline_ms = -1;
        curl_multi_socket_action(loop->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    }
    return woken;
}
