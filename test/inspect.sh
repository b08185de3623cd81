#!/bin/sh
# See LICENSE file for copyright and license details.
#
# inspect: several images as one JSON array, and -f's templates as
# Docker users write them: {{.Field}}, {{json .Field}}, {{index .F key}}.
. "$(dirname "$0")/lib.sh"

S=$T/store
D=$T/app
mkdir -p "$D"
cat >"$D/Piecefile" <<'EOF'
FROM scratch
ENTRYPOINT ["/bin/env"]
CMD ["sh", "-c", "echo hi"]
ENV A=1 B="two words"
WORKDIR /srv
USER nobody
LABEL version=1 "org.example.name"="all of it" zed=last
EXPOSE 80 53/udp
EOF
ok "build an image with a configuration" p build -t app:1 "$D"
ok "import one without" p import "$ALPINE" alpine:3.18

run p inspect app:1 alpine:3.18
is "inspect a b: one array, both, in order" "$rc $(python3 -c 'import json, sys
print(" ".join(i["Name"] for i in json.load(sys.stdin)))' <"$T/out")" "0 app-1 alpine-3.18"
is "its first and last lines" "$(sed -n '1p; $p' "$T/out")" "[
]"

# -f: each field, printed as Go's templates print it
f() {
	run p inspect -f "$1" app:1
	is "-f '$1'" "$rc $(cat "$T/out")" "0 $2"
}
dig=$(sed -n 's/^digest //p' "$S/images/app-1/meta")
f '{{.Id}}' "$dig"
f '{{.Digest}}' "$dig"
f '{{.Created}}' "$(date -u -d "@$(sed -n 's/^created //p' "$S/images/app-1/meta")" \
	+%Y-%m-%dT%H:%M:%SZ)"
f '{{.Size}}' 0
f '{{.Name}}' app-1
f '{{.RepoTags}}' '[app:1]'
f '{{index .RepoTags 0}}' 'app:1'
f '{{.RepoDigests}}' '[]'
f '{{.Source}}' "$D/Piecefile"
f '{{.Config.Cmd}}' '[sh -c echo hi]'
f '{{.Config.Entrypoint}}' '[/bin/env]'
f '{{.Config.Env}}' '[PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin A=1 B=two words]'
f '{{.Config.WorkingDir}}' /srv
f '{{.Config.User}}' nobody
f '{{.Config.Labels}}' 'map[org.example.name:all of it version:1 zed:last]'
f '{{.Config.ExposedPorts}}' 'map[53/udp:{} 80/tcp:{}]'
f '{{index .Config.Labels "version"}}' 1
f '{{index .Config.Labels "org.example.name"}}' 'all of it'
f '{{index .Config.Labels `zed`}}' last
f '{{index .Config.Labels "nosuch"}}' ''
f '{{.Config.Labels.version}}' 1
f '{{.Config.Labels.nosuch}}' '<no value>'
f '{{index .Config.Cmd 2}}' 'echo hi'
f '{{json .Config.Cmd}}' '["sh","-c","echo hi"]'
f '{{json .Config.Labels}}' '{"org.example.name":"all of it","version":"1","zed":"last"}'
f '{{json .Config}}' '{"User":"nobody","WorkingDir":"/srv","Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin","A=1","B=two words"],"Entrypoint":["/bin/env"],"Cmd":["sh","-c","echo hi"],"Labels":{"org.example.name":"all of it","version":"1","zed":"last"},"ExposedPorts":{"53/udp":{},"80/tcp":{}}}'
f '{{json .Size}}' 0
f '{{json .Config.User}}' '"nobody"'
f 'cmd={{ .Config.Cmd }}, user {{.Config.User}}!' 'cmd=[sh -c echo hi], user nobody!'
f 'no action }} at all' 'no action }} at all'
f '{{.Config}}' '{nobody /srv [PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin A=1 B=two words] [/bin/env] [sh -c echo hi] map[org.example.name:all of it version:1 zed:last] map[53/udp:{} 80/tcp:{}]}'
run p inspect -f '{{json .}}' app:1
is "{{json .}} is the image, as the array holds it" "$(python3 -c 'import json, sys
print(json.load(sys.stdin)["Config"]["Cmd"])' <"$T/out")" "['sh', '-c', 'echo hi']"

# an image without a configuration: nulls, and Go's empty values
run p inspect -f '{{.Config.Cmd}} {{json .Config.Cmd}} {{.Config.Labels}} {{json .Config.Labels}} {{.Config.User}}.' alpine:3.18
is "-f on an image with no configuration" "$rc $(cat "$T/out")" "0 [] null map[] null ."
run p inspect --format '{{.Name}}:{{.Config.WorkingDir}}' app:1 alpine:3.18
is "--format, a line an image" "$rc $(cat "$T/out")" "0 app-1:/srv
alpine-3.18:"
run p inspect -f '' app:1
is "-f '' is no template, as Docker's" "$rc $(head -n 1 "$T/out")" "0 ["

# what it cannot read: one line naming it, before anything is printed
bad() {
	fails "-f '$1'" 1 "^pieces: $2\$" p inspect -f "$1" app:1 alpine:3.18
	is "in one line, nothing printed" "$(wc -l <"$T/err" | tr -d ' ') $(wc -c <"$T/out" | tr -d ' ')" "1 0"
}
bad '{{.Foo}}' '{{.Foo}}: no field Foo'
bad 'a {{.Config.Cmd}} {{.Config.Comand}}' '{{.Config.Comand}}: no field Comand'
bad '{{.Id.Foo}}' '{{.Id.Foo}}: no field Foo'
bad '{{.Config.}}' '{{.Config.}}: want a field, as {{.Config.Cmd}}'
bad '{{if .Id}}x{{end}}' \
	'{{if .Id}}: only {{.Field}}, {{json .Field}} and {{index .Field key}} are understood'
bad '{{.Id' '{{.Id: no closing }}'
bad '{{index .Config.Cmd "x"}}' \
	'{{index .Config.Cmd "x"}}: want {{index .List N}} or {{index .Map "key"}}'
bad '{{index .Size 0}}' '{{index .Size 0}}: want {{index .List N}} or {{index .Map "key"}}'
bad "$(head -c 4097 /dev/zero | tr '\0' x)" '-f: template longer than FORMATMAX (4096 bytes)'
run p inspect -f "$(head -c 4096 /dev/zero | tr '\0' x)" app:1
is "a template of FORMATMAX bytes is read" "$rc $(wc -c <"$T/out" | tr -d ' ')" "0 4097"
# what one image cannot give: that image named, the others printed
fails "an index past a list's end" 1 "^pieces: alpine-3.18: {{index .Config.Cmd 2}}: index 2 out of range$" \
	p inspect -f 'cmd: {{index .Config.Cmd 2}}' app:1 alpine:3.18
is "nothing of that image is printed, the other is" "$(cat "$T/out")" "cmd: echo hi"
fails "-f with a name of nothing" 1 "nosuch: no such image" p inspect -f '{{.Name}}' nosuch app:1
is "prints the others" "$(cat "$T/out")" "app-1"
fails "-f without its template" 1 "usage: pieces inspect" p inspect -f

run p help inspect
is "help inspect names -f" "$(grep -c -e '-f, --format format' "$T/out")" 1
finish
