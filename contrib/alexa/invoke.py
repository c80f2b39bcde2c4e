#!/usr/bin/env python3
"""Run the Alexa forwarder locally on one directive.

Usage: invoke.py DIRECTIVE.json   (or - to read it from stdin)

Calls lambda_handler(event, None) from lambda_function.py beside this
file, with the same LENSCAP_* environment as in Lambda, and prints the
answer as one line of JSON.  The forwarder's log goes to stderr.
"""

import json
import logging
import os
import sys

USAGE = "usage: invoke.py DIRECTIVE.json|-"


def main(argv):
    if len(argv) != 2 or argv[1] in ("-h", "--help"):
        print(USAGE, file=sys.stderr)
        return 2
    try:
        if argv[1] == "-":
            event = json.load(sys.stdin)
        else:
            with open(argv[1], encoding="utf-8") as f:
                event = json.load(f)
    except (OSError, ValueError) as e:
        print("invoke.py: %s: %s" % (argv[1], e), file=sys.stderr)
        return 2

    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import lambda_function

    logging.basicConfig(stream=sys.stderr, level=logging.INFO,
                        format="%(levelname)s %(message)s")
    answer = lambda_function.lambda_handler(event, None)
    print(json.dumps(answer))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
