/*
 * A reference for bench/proxy/run.mjs, not part of the lab: the least a TCP proxy can do, in C. One
 * thread, epoll, and for every chunk one read() and one write() to the other socket; no toxics, no API.
 * It shows how much of the proxy's gap to a direct connection is the extra hop itself (any proxy pays
 * it) and how much is Node's own cost per chunk.
 *
 *   gcc -O2 -o epoll-proxy epoll-proxy.c && ./epoll-proxy LISTEN_PORT TARGET_PORT   (127.0.0.1 both)
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_FDS 65536

/* The other end of each socket's pair; -1 when the socket is not (or no longer) proxied. */
static int peer[MAX_FDS];

static struct sockaddr_in loopback(int port) {
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
  inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
  return a;
}

static void watch(int ep, int fd) {
  struct epoll_event ev = {.events = EPOLLIN, .data.fd = fd};
  epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
}

/* Writes all of buf, waiting for room when the socket is full. */
static int write_all(int fd, const char *buf, ssize_t len) {
  while (len > 0) {
    ssize_t k = write(fd, buf, len);
    if (k > 0) {
      buf += k;
      len -= k;
    } else if (k < 0 && errno == EAGAIN) {
      struct pollfd p = {.fd = fd, .events = POLLOUT};
      poll(&p, 1, -1);
    } else {
      return -1;
    }
  }
  return 0;
}

static void hang_up(int fd) {
  int other = peer[fd];
  peer[fd] = -1;
  if (other >= 0) {
    peer[other] = -1;
    close(other);
  }
  close(fd);
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: %s LISTEN_PORT TARGET_PORT\n", argv[0]);
    return 2;
  }
  for (int fd = 0; fd < MAX_FDS; fd++) peer[fd] = -1;
  int one = 1;
  int ls = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in listen_at = loopback(atoi(argv[1]));
  struct sockaddr_in target = loopback(atoi(argv[2]));
  if (bind(ls, (struct sockaddr *)&listen_at, sizeof listen_at) || listen(ls, 1024)) {
    perror("listen");
    return 1;
  }
  int ep = epoll_create1(0);
  watch(ep, ls);
  struct epoll_event events[256];
  static char buf[65536];
  for (;;) {
    int n = epoll_wait(ep, events, 256, -1);
    for (int i = 0; i < n; i++) {
      int fd = events[i].data.fd;
      if (fd == ls) {
        int c;
        while ((c = accept4(ls, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
          int u = socket(AF_INET, SOCK_STREAM, 0);
          if (c >= MAX_FDS || u >= MAX_FDS || connect(u, (struct sockaddr *)&target, sizeof target)) {
            close(c);
            close(u);
            continue;
          }
          setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
          setsockopt(u, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
          peer[c] = u;
          peer[u] = c;
          watch(ep, c);
          watch(ep, u);
        }
        continue;
      }
      if (peer[fd] < 0) continue; /* its pair was closed earlier in this batch */
      ssize_t r = read(fd, buf, sizeof buf);
      if (r < 0 && errno == EAGAIN) continue;
      if (r <= 0 || write_all(peer[fd], buf, r)) hang_up(fd);
    }
  }
}
