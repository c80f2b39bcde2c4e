#!/bin/sh
# t-chaos.sh again with lenscapd sealing its camera face's frames
# with Ed25519 (the ingest key) instead of the keyed seal.
LENSCAP_SEAL=ed25519 exec bash "$top_srcdir/tests/sim/t-chaos.sh"
