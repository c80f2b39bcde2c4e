/*
 * The lenscap command's shared pieces: bounded input, atomic output and
 * strict numbers, so that each subcommand stays about its own job.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "log.h"

static int
is_stdio(const char *path)
{
	return path == NULL || strcmp(path, "-") == 0;
}

int
cli_read_all(const char *path, size_t max, uint8_t **out, size_t *len)
{
	size_t cap = 65536, n = 0;
	uint8_t *buf = NULL, *nb;
	int fd = STDIN_FILENO;

	if (!is_stdio(path) && (fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		log_warn("%s", path);
		return CLI_ERROR;
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
	return CLI_ERROR;
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

int
cli_write_all(const char *path, const void *buf, size_t len)
{
	char tmp[PATH_MAX];
	int fd;

	if (is_stdio(path)) {
		if (write_fd(STDOUT_FILENO, buf, len) == -1) {
			log_warn("write standard output");
			return CLI_ERROR;
		}
		return 0;
	}
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmpXXXXXX", path) >= sizeof(tmp)) {
		log_warnx("%s: path too long", path);
		return CLI_ERROR;
	}
	if ((fd = mkstemp(tmp)) == -1) {
		log_warn("%s", tmp);
		return CLI_ERROR;
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
	return CLI_ERROR;
}

int
cli_parse_u64(const char *s, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (s == NULL || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return -1;
	*out = v;
	return 0;
}

int
cli_usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("lenscap: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nusage: see lenscap --help\n", stderr);
	return CLI_USAGE;
}
