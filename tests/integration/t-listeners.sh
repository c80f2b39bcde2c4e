#!/bin/bash
# Listeners change on SIGHUP, without a restart: a listener moves to a new
# address, two trade sockets, TLS goes off and on, one is added and
# removed.  A stream opened before a move runs to its end on the replaced
# face; a listener that cannot bind refuses the reload whole.
. "$top_srcdir/tests/integration/lib.sh"
setup_pki
setup_nginx "" "limit_rate 50k;"
FRAME_BYTES=4000
NOW=$(( $(date +%s) * 1000 ))
# cam-2: 60 frames, about 5 s at the backend's pace; cam-1: 400 of four
# times the size, about 130 s: it must outlast the opening of 30 streams
# with a reload after each, which a sanitized build on a busy machine was
# seen to take more than 35 s for.
{ for k in $(seq 1 60); do part ingest cam-2 "$k"; done; printf -- '--vendor-boundary--\r\n'; } \
	> "$(stream_file cam-2)"
{ for k in $(seq 1 400); do FRAME_BYTES=16000 part ingest cam-1 "$k"; done; printf -- '--vendor-boundary--\r\n'; } \
	> "$(stream_file cam-1)"

# Three distinct free ports.
set -- $(free_port)
while [ $# -lt 3 ]; do p=$(free_port); case " $* " in *" $p "*) ;; *) set -- "$@" "$p" ;; esac; done
PM=$1 PN=$2 PX=$3

# ask PORT [SCHEME]: the status of a request with an unknown token; 000 when
# nothing answers.
ask() {
	curl -s -o /dev/null -w '%{http_code}' -m 3 --cacert "$T/pki/ca.crt" \
		-H 'Authorization: Bearer nobody' "${2:-https}://127.0.0.1:$1/v1/cameras/cam-1/snapshot"
}
health() { curl -s -m 3 "http://127.0.0.1:$1/healthz"; }
# fds: lenscapd's descriptors other than connections (epoll sets,
# eventfds, pipes, files), then its listening sockets.
fds() {
	echo "$(find "/proc/$LENSCAPD_PID/fd" -mindepth 1 -printf '%l\n' | grep -vc '^socket:')" \
		"$(ss -Hltnp | grep -c "pid=$LENSCAPD_PID,")"
}
# policy ASSISTANT CAMERA ADMIN [EXTRA]: the scenario's policy with its
# listeners on these ports (0: any); EXTRA is more listener entries, or "plain" to
# serve the assistant face over plain HTTP.
policy() {
	POLICY_LISTENERS=$(listeners "127.0.0.1:$1" "127.0.0.1:$2" "127.0.0.1:$3")
	if [ "${4:-}" = plain ]; then
		POLICY_LISTENERS=$(printf '%s' "$POLICY_LISTENERS" |
			sed 's/"tls": { "cert": "pki\/server.crt", "key": "pki\/server.key" }/"plain": true/')
	elif [ "${4:-}" = no-client-ca ]; then
		POLICY_LISTENERS=$(printf '%s' "$POLICY_LISTENERS" |
			sed 's/"key": "pki\/server.key",$/"key": "pki\/server.key"/; s/"client_ca": "pki\/ca.crt" //')
	elif [ -n "${4:-}" ]; then
		POLICY_LISTENERS="$POLICY_LISTENERS, $4"
	fi
	POLICY_LISTENERS=$POLICY_LISTENERS write_policy '"cam-1", "cam-2"' "${POLICY_LIMITS:-}"
}

# The assistant and the camera start on port 0, the admin on PM.
policy 0 0 "$PM"
start_lenscapd "$T/policy.json" || bail "lenscapd did not start"
M=$PM PA=$(port_of assistant) PC=$(port_of camera)
FDS=$(fds)
is "the admin listens where the policy says" "$(port_of admin)" "$PM"
is "the assistant answers an unknown token with 401" "$(ask "$PA")" 401

# A stream opened before the listeners change.
curl -s -N --cacert "$T/pki/ca.crt" -H "Authorization: Bearer token-of-account-1" \
	-o "$T/got/stream" "https://127.0.0.1:$PA/v1/cameras/cam-2/live" &
STREAM=$!
for _ in $(seq 50); do [ -s "$T/got/stream" ] && break; sleep 0.1; done
ok "the stream has started" test -s "$T/got/stream"

# --- the same listeners: every server and its connections are kept ---------
cp "$T/ports" "$T/ports.before"
exec 5<>"/dev/tcp/127.0.0.1/$PM"
is "a kept-alive connection to the admin listener is served" "$(healthz_on 5)" "HTTP/1.1 200 OK"
is "a reload with the same listeners, files and limits is taken" "$(hup)" "policy in force"
ok "every listener kept its port" cmp "$T/ports" "$T/ports.before"
is "the admin face was kept: the same connection is served again" "$(healthz_on 5)" "HTTP/1.1 200 OK"
ok "and no listener was started anew" test "$(grep -c 'listening: admin' "$T/lenscapd.stderr")" = 1

# --- a changed limit: the faces are replaced, idle connections close -----------
POLICY_LIMITS='"max_connections": 900' policy 0 0 "$PM"
from=$(($(wc -l < "$T/lenscapd.stderr") + 1))
is "a reload that changes a limit is taken" "$(hup)" "policy in force"
# No request holds the policy it replaced, so the reload frees it; but
# only once the new servers accept: a large one takes long to free.
ok "the replaced policy is freed after the new servers accept" sh -c \
	"tail -n +$from '$T/lenscapd.stderr' | sed -n '/listening: admin/,\$p' |
	 grep -q 'a replaced policy freed in'"
ok "every listener kept its port" cmp "$T/ports" "$T/ports.before"
timeout 5 cat <&5 >/dev/null; rc=$?
exec 5<&-
is "the replaced admin face closes that connection once idle" "$rc" 0

# --- a new certificate at the same path: the TLS faces are replaced -------------
# served_cert PORT: the SHA-256 fingerprint of the certificate served there.
served_cert() {
	openssl s_client -connect "127.0.0.1:$1" </dev/null 2>/dev/null |
		openssl x509 -noout -fingerprint -sha256
}
PA=$(port_of assistant)
before=$(served_cert "$PA")
ok "the assistant serves the certificate in pki/server.crt" test "$before" = \
	"$(openssl x509 -in "$T/pki/server.crt" -noout -fingerprint -sha256)"
make_cert "$T/pki" ca server server || bail "a new server certificate"
is "a reload with a new certificate in the same file is taken" "$(hup)" "policy in force"
after=$(served_cert "$PA")
ok "the assistant serves the new one" test "$after" = \
	"$(openssl x509 -in "$T/pki/server.crt" -noout -fingerprint -sha256)" -a "$after" != "$before"

# --- the assistant moves -------------------------------------------------------
policy "$PN" 0 "$PM"
is "moving the assistant listener is taken" "$(hup)" "policy in force"
is "the port file follows it" "$(port_of assistant)" "$PN"
is "the new address serves the assistant face" "$(ask "$PN")" 401
is "the old address is closed" "$(ask "$PA")" 000
is "the camera, on port 0 too, kept its port" "$(port_of camera)" "$PC"
is "the admin listener still answers" "$(health "$PM")" ok
wait "$STREAM"; rc=$?
is "the stream opened before the move ended well" "$rc" 0
is "and delivered all its frames, on the replaced face" \
	"$(grep -ac 'lenscap-truth device=cam-2' "$T/got/stream")" 60

# --- two listeners trade addresses: their sockets go with the addresses ------
policy "$PM" 0 "$PN"
is "trading the assistant's and the admin's addresses is taken" "$(hup)" "policy in force"
M=$PN
is "the admin face, plain, on the assistant's old socket" "$(health "$PN")" ok
is "the assistant face, over TLS, on the admin's old socket" "$(ask "$PM")" 401
is "the port file says so" "$(port_of admin) $(port_of assistant)" "$PN $PM"

# --- TLS off and on again, on the same socket ----------------------------------
policy "$PM" 0 "$PN" plain
is "turning the assistant's TLS off is taken" "$(hup)" "policy in force"
is "it answers plain HTTP" "$(ask "$PM" http)" 401
is "and no TLS" "$(ask "$PM")" 000
policy "$PM" 0 "$PN"
is "turning it back on is taken" "$(hup)" "policy in force"
is "it answers over TLS again" "$(ask "$PM")" 401

# --- the camera face loses its client CA, and gets it back --------------------
# Without one it asks for no certificate, so cam-1's cannot name it.
frame cam-1 > "$T/frames/cam-1.jpg"
push() {
	curl -s -o /dev/null -w '%{http_code}' -m 5 --cacert "$T/pki/ca.crt" \
		--cert "$T/pki/cam-1.crt" --key "$T/pki/cam-1.key" -X PUT \
		-H 'Content-Type: image/jpeg' --data-binary @"$T/frames/cam-1.jpg" \
		"https://127.0.0.1:$PC/v1/cameras/cam-1/snapshot"
}
is "cam-1 pushes a still with its certificate" "$(push)" 201
policy "$PM" 0 "$PN" no-client-ca
is "dropping the camera face's client_ca is taken" "$(hup)" "policy in force"
is "it kept its port" "$(port_of camera)" "$PC"
is "cam-1's certificate is no longer asked for: 401" "$(push)" 401
policy "$PM" 0 "$PN"
is "giving it back is taken" "$(hup)" "policy in force"
is "cam-1 pushes again" "$(push)" 201

# --- a listener added, renamed with a new role, removed -----------------------
policy "$PM" 0 "$PN" '"spare": { "role": "assistant", "listen": "127.0.0.1:0", "plain": true }'
is "adding a listener is taken" "$(hup)" "policy in force"
PS=$(port_of spare)
is "the new listener serves (it has no route: 404)" "$(ask "$PS" http)" 404
is "the camera, on port 0 too, still has its port" "$(port_of camera)" "$PC"
policy "$PM" 0 "$PN" '"ops": { "role": "admin", "listen": "127.0.0.1:0", "plain": true }'
is "renaming it, as an admin listener, is taken" "$(hup)" "policy in force"
is "it kept its port" "$(port_of ops)" "$PS"
is "and serves as an admin listener" "$(health "$PS")" ok
policy "$PM" 0 "$PN"
is "removing it is taken" "$(hup)" "policy in force"
is "its address is closed" "$(ask "$PS" http)" 000
is "and it left the port file" "$(port_of ops)" ""

# --- a name given to another role: its replaced server finds no route ---------
# "spare" is a camera face, then an assistant face with a snapshot route,
# on the same socket.  A connection the camera face accepted before that
# reload asks after it: the replaced camera server answers, under the new
# policy, and must not take the assistant's route as its own.
SPARE_ROUTE=', { "face": "spare", "method": "GET", "path": "/v1/cameras/{device}/snapshot",
      "backend": "/frames/{device}/latest.lcf", "media": "snapshot",
      "freshness_ms": 600000, "content_types": ["image/jpeg"] }'
policy "$PM" 0 "$PN" '"spare": { "role": "camera", "listen": "127.0.0.1:0", "plain": true }'
is "a camera face named spare is taken" "$(hup)" "policy in force"
PS=$(port_of spare)
exec 6<>"/dev/tcp/127.0.0.1/$PS"
POLICY_ROUTES=$SPARE_ROUTE policy "$PM" 0 "$PN" \
	'"spare": { "role": "assistant", "listen": "127.0.0.1:0", "plain": true }'
is "spare made an assistant face is taken" "$(hup)" "policy in force"
status=""
(trap '' PIPE; printf 'GET /v1/cameras/cam-1/snapshot HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer token-of-account-1\r\nConnection: close\r\n\r\n' >&6) 2>/dev/null
IFS= read -r -t 5 status <&6
exec 6<&-
is "the replaced camera server finds none of the assistant's routes: 404" \
	"${status%$'\r'}" "HTTP/1.1 404 Not Found"
is "the new assistant face on that socket serves its route" \
	"$(curl -s -o /dev/null -w '%{http_code}' -m 3 -H 'Authorization: Bearer token-of-account-1' \
		"http://127.0.0.1:$PS/v1/cameras/cam-1/snapshot")" 200
POLICY_ROUTES="" policy "$PM" 0 "$PN"
is "removing it again is taken" "$(hup)" "policy in force"

# --- a listener that cannot bind: nothing changes ------------------------------
policy "$STORE" 0 "$PN"
is "a listener on an address in use: the reload is refused" "$(hup)" \
	"refused: listener assistant cannot listen on 127.0.0.1:$STORE"
# The camera and admin faces were to be kept: the refusal leaves them be.
is "the camera face it would have kept still serves" "$(push)" 201
is "and the admin face" "$(health "$PN")" ok
ok "the cause is logged" grep -q "listener assistant: cannot listen on 127.0.0.1:$STORE" "$T/lenscapd.stderr"
is "the assistant still serves where it was" "$(ask "$PM")" 401
is "and the port file is unchanged" "$(port_of assistant)" "$PM"
policy "$PX" "$STORE" "$PN"
is "one listener bound, the next in use: the reload is refused" "$(hup)" \
	"refused: listener camera cannot listen on 127.0.0.1:$STORE"
is "the socket bound for it is closed again" "$(ask "$PX")" 000
is "the camera still serves where it was" "$(port_of camera)" "$PC"
extra=""
for k in 1 2 3 4 5 6; do
	extra="$extra${extra:+, }\"ops$k\": { \"role\": \"admin\", \"listen\": \"127.0.0.1:0\", \"plain\": true }"
done
policy "$PM" 0 "$PN" "$extra"
is "nine listeners: the reload is refused" "$(hup)" "refused: the old policy stays in force"
ok "as the policy says too many" grep -q "listeners.ops6: more than 8 listeners" "$T/lenscapd.stderr"
ok "lenscapd -t refuses it as well" sh -c "! '$LENSCAPD' -t -c '$T/policy.json' 2>'$T/t.err' &&
	grep -q 'listeners.ops6: more than 8 listeners' '$T/t.err'"
is "the assistant still serves where it was" "$(ask "$PM")" 401
sleep 1.5 # the replaced faces are reaped once a second
is "no descriptor left behind: others, listening sockets" "$(fds)" "$FDS"

is "lenscap_reloads_total counts the fifteen taken" "$(metric lenscap_reloads_total)" 15
is "lenscap_reload_failures_total the three refused" "$(metric lenscap_reload_failures_total)" 3

# --- replaced faces that cannot drain: a stream on each -----------------------
# Each reload changes a limit, so it replaces the three faces; one holding
# a stream drains until the stream ends.  Past the room for draining faces (32), a reload with
# the same listeners, in any order, still takes effect but keeps the
# faces; one that changes them is refused.  Once the streams end, the
# next reload matches each listener to its own socket, whatever order the
# kept reload wrote them in.
policy "$PM" 0 "$PN"
streams=""
for i in $(seq 30); do
	curl -s -N -m 300 --cacert "$T/pki/ca.crt" -H "Authorization: Bearer token-of-account-1" \
		-o /dev/null "https://127.0.0.1:$PM/v1/cameras/cam-1/live" &
	streams="$streams $!"
	for _ in $(seq 50); do [ "$(metric lenscap_active_streams)" = "$i" ] && break; sleep 0.1; done
	POLICY_LIMITS="\"max_connections\": $((1000 + i))" policy "$PM" 0 "$PN"
	[ "$(hup)" = "policy in force" ] || break
done
PIDS="$PIDS $streams"
is "30 streams, each on a face replaced since" "$(metric lenscap_active_streams)" 30
# The same three listeners, in the other order.
POLICY_LISTENERS="\"admin\": { \"listen\": \"127.0.0.1:$PN\", \"plain\": true },
    \"camera\": { \"listen\": \"127.0.0.1:0\",
                \"tls\": { \"cert\": \"pki/server.crt\", \"key\": \"pki/server.key\",
                         \"client_ca\": \"pki/ca.crt\" } },
    \"assistant\": { \"listen\": \"127.0.0.1:$PM\",
                   \"tls\": { \"cert\": \"pki/server.crt\", \"key\": \"pki/server.key\" } }" \
	write_policy '"cam-1", "cam-2"'
is "a reload with the same listeners, reordered, is still taken" "$(hup)" "policy in force"
ok "and says that it kept the faces" grep -q "30 replaced listeners still drain: the listeners are kept" "$T/lenscapd.stderr"
policy "$PX" 0 "$PN"
is "one that moves a listener is refused" "$(hup)" \
	"refused: listeners changed while 30 replaced ones still drain"
is "the assistant still serves where it was" "$(ask "$PM")" 401
# shellcheck disable=SC2086
kill $streams 2>/dev/null; wait $streams 2>/dev/null
for _ in $(seq 50); do [ "$(metric lenscap_active_streams)" = 0 ] && break; sleep 0.1; done
sleep 1.5 # the drained faces are reaped once a second
policy "$PM" 0 "$PN"
is "the streams gone, a reload in the first order is taken" "$(hup)" "policy in force"
is "the assistant is where it was" "$(port_of assistant)" "$PM"
is "and speaks TLS there, as the assistant" "$(ask "$PM")" 401
is "the admin is where it was" "$(port_of admin)" "$PN"
is "and answers /healthz there in plain HTTP" "$(health "$PN")" ok
# Each policy a reload replaced was freed on a lowered thread once no
# request held it, the many the 30 streams held as well.
freed() { grep -c 'a replaced policy freed in' "$T/lenscapd.stderr"; }
taken=$(metric lenscap_reloads_total)
for _ in $(seq 30); do [ "$(freed)" = "$taken" ] && break; sleep 0.1; done
is "every policy replaced ($taken) was freed so" "$(freed)" "$taken"
kill -TERM "$LENSCAPD_PID"; wait "$LENSCAPD_PID"; rc=$?
is "lenscapd stops cleanly, streams and all" "$rc" 0
ok "no listener was left without accepting" sh -c "! grep -q 'is not accepting\|cannot start' '$T/lenscapd.stderr'"
done_testing
