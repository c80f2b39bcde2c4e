/* Unit test for sd_notify: the datagram arrives on a real socket, by
 * path and in the abstract namespace; no variable is not an error. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "notify.h"
#include "tap.h"

/* Binds a datagram socket at name ('@' = abstract); fd or -1. */
static int
listen_at(const char *name)
{
	struct sockaddr_un sa;
	size_t n = strlen(name);
	int fd = socket(AF_UNIX, SOCK_DGRAM, 0);

	if (fd == -1)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, name, n);
	if (name[0] == '@')
		sa.sun_path[0] = '\0';
	if (bind(fd, (struct sockaddr *)&sa,
	         (socklen_t)(sizeof(sa.sun_family) + n + (name[0] == '/'))) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

static void
expect(int fd, const char *prefix, const char *what)
{
	char buf[256];
	ssize_t n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);

	buf[n > 0 ? n : 0] = '\0';
	ok(n > 0 && strncmp(buf, prefix, strlen(prefix)) == 0, "%s", what);
}

int
main(void)
{
	char path[64], abstract[64];
	int fd;

	tap_init();
	unsetenv("NOTIFY_SOCKET");
	is_int(notify_send("READY=1"), 0, "no NOTIFY_SOCKET: nothing to do");

	snprintf(path, sizeof(path), "/tmp/lc-notify-%d", (int)getpid());
	unlink(path);
	fd = listen_at(path);
	ok(fd != -1, "bound %s", path);
	setenv("NOTIFY_SOCKET", path, 1);
	is_int(notify_send("READY=1"), 0, "sent by path");
	expect(fd, "READY=1", "READY=1 arrived");
	is_int(notify_reloading(), 0, "reloading sent");
	expect(fd, "RELOADING=1\nMONOTONIC_USEC=", "RELOADING=1 with MONOTONIC_USEC");
	close(fd);
	unlink(path);

	snprintf(abstract, sizeof(abstract), "@lc-notify-%d", (int)getpid());
	fd = listen_at(abstract);
	ok(fd != -1, "bound abstract socket");
	setenv("NOTIFY_SOCKET", abstract, 1);
	is_int(notify_send("STOPPING=1"), 0, "sent to the abstract namespace");
	expect(fd, "STOPPING=1", "STOPPING=1 arrived");
	close(fd);

	setenv("NOTIFY_SOCKET", "relative/path", 1);
	is_int(notify_send("READY=1"), -1, "a relative path is refused");
	return tap_done();
}
