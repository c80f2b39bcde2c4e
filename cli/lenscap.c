/*
 * lenscap: the command-line face of liblenscap and the policy module.
 * Dispatches to one cmd_*() per subcommand; see lenscap(1).
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "config.h"
#include "log.h"

/* Keep in step with man/lenscap.1; tests/unit/t-cli-help.sh compares them. */
static const char usage_text[] =
	"usage: lenscap [-h | --help] [-V | --version]\n"
	"       lenscap keygen [-m] -o BASE\n"
	"       lenscap seal -k SECRET -d DEVICE [-K KIND] [-s STREAM | -N NAME]\n"
	"                    [-n SEQ] [-t MILLIS] [-c TYPE] [-i IN] [-o OUT]\n"
	"       lenscap open -k PUBLIC[=DEVICE,...] [-k ...] [-d DEVICE] [-m BYTES]\n"
	"                    [-i IN] [-o OUT]\n"
	"       lenscap inspect [-i IN]\n"
	"       lenscap check-policy PATH...\n"
	"       lenscap capability keygen -o FILE\n"
	"       lenscap capability mint -k SECRET -i KEYID -a ACCOUNT -d DEVICE\n"
	"                    -K KIND -t LIFETIME_MS\n"
	"       lenscap init [-S] [-b URL] [-l HOST] [-n NAME] [-p PORT] DIR\n"
	"\n"
	"options:\n"
	"  -h, --help     show this help\n"
	"  -V, --version  show the version\n"
	"  -m             keygen: a keyed-seal secret, BASE.mac (mode 0600)\n"
	"  -o BASE        keygen: write BASE.sec (mode 0600) and BASE.pub;\n"
	"                 capability keygen: write a 32-byte secret (mode 0600)\n"
	"  -S             init: for lenscapd.service, the policy names the secrets\n"
	"                 by the paths the unit's credentials have\n"
	"  -b URL         init: the backend (default http://127.0.0.1:8080)\n"
	"  -l HOST        init: the faces' address (default 0.0.0.0)\n"
	"  -n NAME        init: the server certificate's name (default localhost)\n"
	"  -p PORT        init: the assistant face's port (default 8443); the\n"
	"                 camera face takes PORT+1, admin 127.0.0.1:PORT+2 (0: any)\n"
	"  -k FILE        seal: the secret key file; open: a trusted public key\n"
	"                 file, optionally =DEVICE,... to limit what it may sign;\n"
	"                 capability mint: the capability secret file\n"
	"  -d DEVICE      seal: the device id; open: refuse other devices;\n"
	"                 capability mint: the one device it opens\n"
	"  -K KIND        seal: snapshot (default), mjpeg or hls; capability mint:\n"
	"                 the media kind, snapshot, mjpeg or hls\n"
	"  -i KEYID       capability mint: the key's id in the policy\n"
	"  -a ACCOUNT     capability mint: the account it acts for\n"
	"  -s STREAM      seal: the stream id (default empty)\n"
	"  -N NAME        seal: the stream id of the HLS object NAME (lenscap-envelope(7))\n"
	"  -n SEQ         seal: the sequence number (default 0)\n"
	"  -t MILLIS      seal: capture time, ms since the epoch (default now);\n"
	"                 capability mint: its lifetime from now, ms\n"
	"  -c TYPE        seal: content type (default image/jpeg)\n"
	"  -m BYTES       open: the largest body accepted (default 16777216)\n"
	"  -i IN          read IN instead of standard input\n"
	"  -o OUT         write OUT instead of standard output\n"
	"\n"
	"exit status: 0 done, 1 frame refused or policy invalid, 2 usage, 3 error\n";

static const struct {
	const char *name;
	int (*run)(int, char **);
} commands[] = {
	{ "keygen", cmd_keygen },
	{ "seal", cmd_seal },
	{ "open", cmd_open },
	{ "inspect", cmd_inspect },
	{ "check-policy", cmd_check_policy },
	{ "capability", cmd_capability },
	{ "init", cmd_init },
};

int
main(int argc, char **argv)
{
	log_init("lenscap", LOG_LEVEL_WARN, 0);
	if (argc < 2)
		return cli_usage_error("missing command");
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		fputs(usage_text, stdout);
		return CLI_OK;
	}
	if (strcmp(argv[1], "-V") == 0 || strcmp(argv[1], "--version") == 0) {
		printf("lenscap %s\n", PACKAGE_VERSION);
		return CLI_OK;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(*commands); i++) {
		if (strcmp(argv[1], commands[i].name) == 0) {
			optind = 1;
			return commands[i].run(argc - 1, argv + 1);
		}
	}
	return cli_usage_error("unknown command '%s'", argv[1]);
}
