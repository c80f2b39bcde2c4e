/*
 * Diagnostics for lenscap and lenscapd, in the OpenBSD style: log_warn
 * appends strerror(errno), log_warnx does not, fatal exits.  Never pass
 * secrets, tokens or image bytes to these.
 */
#ifndef LC_LOG_H
#define LC_LOG_H

#include <stdarg.h>

enum log_level { LOG_LEVEL_WARN = 0, LOG_LEVEL_INFO = 1, LOG_LEVEL_DEBUG = 2 };

/* Sets the program name and level; to_syslog sends lines to syslog. */
void log_init(const char *progname, int level, int to_syslog);
void log_set_level(int level);
int log_get_level(void);

void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void fatal(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));
void fatalx(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));

#endif
