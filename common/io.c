/*
 * Whole-file input and output (io.h), shared by lenscapd (its pid and
 * port files) and the lenscap command (frames, keys, policies).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io.h"
#include "log.h"

static int
is_stdio(const char *path)
{
	return path == NULL || strcmp(path, "-") == 0;
}

int
io_read_all(const char *path, size_t max, uint8_t **out, size_t *len)
{
	size_t cap = 65536, n = 0;
	uint8_t *buf = NULL, *nb;
	int fd = STDIN_FILENO;

	if (!is_stdio(path) && (fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		log_warn("%s", path);
		return -1;
	}
	for (;;) {
		ssize_t r;

		if (n == cap || buf == NULL) {
			if (buf != NULL)
				cap *= 2;
			if ((nb = realloc(buf, cap)) == NULL) {
				log_warnx("out of memory");
				goto fail;
			}
			buf = nb;
		}
		r = read(fd, buf + n, cap - n);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			log_warn("read %s", is_stdio(path) ? "standard input" : path);
			goto fail;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > max) {
			log_warnx("%s: input larger than %zu bytes",
			          is_stdio(path) ? "standard input" : path, max);
			goto fail;
		}
	}
	if (fd != STDIN_FILENO)
		(void)close(fd);
	*out = buf;
	*len = n;
	return 0;
fail:
	if (fd != STDIN_FILENO)
		(void)close(fd);
	free(buf);
	return -1;
}

static int
write_fd(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len > 0) {
		ssize_t w = write(fd, p, len);
		if (w == -1 && errno == EINTR)
			continue;
		if (w == -1)
			return -1;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

/* Writes buf into what path names, which exists and is not a regular
 * file: replacing it would turn a device node such as /dev/null into a
 * regular file.  A FIFO's open waits for its reader, as a shell's would. */
static int
write_in_place(const char *path, const void *buf, size_t len)
{
	int fd;

	if ((fd = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY)) == -1) {
		log_warn("%s", path);
		return -1;
	}
	if (write_fd(fd, buf, len) == -1) {
		log_warn("write %s", path);
		(void)close(fd);
		return -1;
	}
	if (close(fd) == -1) {
		log_warn("close %s", path);
		return -1;
	}
	return 0;
}

int
io_write_all(const char *path, const void *buf, size_t len)
{
	char tmp[PATH_MAX];
	struct stat st;
	int fd;

	if (is_stdio(path)) {
		if (write_fd(STDOUT_FILENO, buf, len) == -1) {
			log_warn("write standard output");
			return -1;
		}
		return 0;
	}
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode))
		return write_in_place(path, buf, len);
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmpXXXXXX", path) >= sizeof(tmp)) {
		log_warnx("%s: path too long", path);
		return -1;
	}
	if ((fd = mkstemp(tmp)) == -1) {
		log_warn("%s", tmp);
		return -1;
	}
	if (write_fd(fd, buf, len) == -1 || fsync(fd) == -1) {
		log_warn("write %s", tmp);
		(void)close(fd);
		goto fail;
	}
	if (close(fd) == -1) {
		log_warn("close %s", tmp);
		goto fail;
	}
	if (rename(tmp, path) == -1) {
		log_warn("rename to %s", path);
		goto fail;
	}
	return 0;
fail:
	(void)unlink(tmp);
	return -1;
}
