#!/bin/sh
# See LICENSE file for copyright and license details.
#
# The Piecefile parser, through `pieces piecefile`: every instruction in
# its forms, keywords in any case, continuations, comments, directives,
# ENV quoting, JSON escapes and Unicode; every parse error with its line
# and exit 1; hostile files (too big, NUL bytes, long lines, deep or
# unterminated JSON) refused cleanly.
. "$(dirname "$0")/lib.sh"

F=$T/Piecefile
# pf LINE...: the Piecefile is these lines
pf() {
	printf '%s\n' "$@" >"$F"
}
# parses DESC WANT: it parses, printing WANT and nothing on stderr
parses() {
	run "$PIECES" piecefile "$F"
	is "$1" "$rc $(cat "$T/out")|$(cat "$T/err")" "0 $2|"
}
# bad DESC LINE REASON: it fails with one line "pieces: $F:LINE: REASON"
bad() {
	run "$PIECES" piecefile "$F"
	is "$1" "$rc $(cat "$T/err")|$(cat "$T/out")" "1 pieces: $F:$2: $3|"
}

# every instruction, in each of its forms
cat >"$F" <<'EOF'
# syntax=docker/dockerfile:1

# a base image
FROM alpine:3.18
RUN apk add curl
RUN ["/bin/sh", "-c", "echo hi"]
CMD /bin/bash -l
CMD ["/bin/bash", "-l"]
ENTRYPOINT /init --foo
ENTRYPOINT ["/init","--foo"]
ENV A=1 B=2
ENV LEGACY the rest of the line
WORKDIR /srv/app
USER nobody:nogroup
COPY a b /dest/
COPY ["with space", "/d"]
LABEL org.opencontainers.image.title=pieces "x y"="z"
LABEL maintainer someone@example.com
EXPOSE 80 53/udp 9000-9010/sctp
EOF
parses "every instruction" '4 FROM ["alpine:3.18"]
5 RUN ["/bin/sh","-c","apk add curl"]
6 RUN ["/bin/sh","-c","echo hi"]
7 CMD ["/bin/sh","-c","/bin/bash -l"]
8 CMD ["/bin/bash","-l"]
9 ENTRYPOINT ["/bin/sh","-c","/init --foo"]
10 ENTRYPOINT ["/init","--foo"]
11 ENV ["A=1","B=2"]
12 ENV ["LEGACY=the rest of the line"]
13 WORKDIR ["/srv/app"]
14 USER ["nobody:nogroup"]
15 COPY ["a","b","/dest/"]
16 COPY ["with space","/d"]
17 LABEL ["org.opencontainers.image.title=pieces","x y=z"]
18 LABEL ["maintainer=someone@example.com"]
19 EXPOSE ["80/tcp","53/udp","9000-9010/sctp"]'

ok "-n checks it" "$PIECES" piecefile -n "$F"
is "-n prints nothing" "$(cat "$T/out")$(cat "$T/err")" ""
ok "- reads stdin" sh -c "'$PIECES' piecefile - <'$F'"
is "stdin gives the same steps" "$(head -n 1 "$T/out")" '4 FROM ["alpine:3.18"]'
mkdir "$T/sub"
printf 'FROM alpine\nBOGUS x\n' >"$T/sub/Piecefile"
run sh -c "cd '$T' && '$PIECES' piecefile sub/Piecefile"
is "errors name the file as given" "$rc $(cat "$T/err")" \
	"1 pieces: sub/Piecefile:2: unknown instruction 'BOGUS'"
run sh -c "'$PIECES' piecefile - <'$T/sub/Piecefile'"
is "stdin is named stdin" "$(cat "$T/err")" "pieces: stdin:2: unknown instruction 'BOGUS'"

# keywords in any case
pf 'from alpine' 'Run true' 'cmd ["x"]' 'eNtRyPoInT ["y"]' 'env a=b' 'workdir /' \
	'user 1' 'copy a b' 'label a=b' 'expose 1' 'Run [ -f x ]'
parses "keywords in any case" '1 FROM ["alpine"]
2 RUN ["/bin/sh","-c","true"]
3 CMD ["x"]
4 ENTRYPOINT ["y"]
5 ENV ["a=b"]
6 WORKDIR ["/"]
7 USER ["1"]
8 COPY ["a","b"]
9 LABEL ["a=b"]
10 EXPOSE ["1/tcp"]
11 RUN ["/bin/sh","-c","[ -f x ]"]'
pf 'from_url https://example.com/r.tar.gz'
parses "from_url in lower case" '1 FROM_URL ["https://example.com/r.tar.gz"]'

# continuations, as Docker joins them
printf 'FROM alpine\nRUN a \\\n    b \\  \n\t# a comment\n\n    c\nRUN d\\\ne\nCMD x \\\n' >"$F"
parses "continuations" '1 FROM ["alpine"]
2 RUN ["/bin/sh","-c","a     b     c"]
7 RUN ["/bin/sh","-c","de"]
9 CMD ["/bin/sh","-c","x"]'
printf 'FROM alpine\r\nRUN a \\\r\n  b\r\nENV A=1\r\n' >"$F"
parses "CRLF lines" '1 FROM ["alpine"]
2 RUN ["/bin/sh","-c","a   b"]
4 ENV ["A=1"]'
printf '\357\273\277FROM alpine\n' >"$F"
parses "a byte order mark" '1 FROM ["alpine"]'
pf 'FROM alpine' 'RUN ["a", \' '  "b"]'
parses "JSON over a continuation" '1 FROM ["alpine"]
2 RUN ["a","b"]'
pf '\' 'FROM alpine' '\'
parses "lone backslashes" '1 FROM ["alpine"]'

# comments and directives
pf '# syntax=docker/dockerfile:1.4' '#escape=\' '   # indented' 'FROM alpine' \
	'  RUN echo # not a comment' '# escape=`'
parses "comments, directives" '4 FROM ["alpine"]
5 RUN ["/bin/sh","-c","echo # not a comment"]'
pf '# escape=`' 'FROM alpine'
bad "escape=\` refused" 1 "escape directive: only '\\' is supported"
pf '# a comment' '# escape=`' 'FROM alpine'
parses "a directive after a comment is a comment" '3 FROM ["alpine"]'

# ENV and LABEL quoting, as Docker's lexer; variables are expanded when
# built, so a literal '$' or '\' is kept in Docker's escapes, \$ and \\
cat >"$F" <<'EOF'
FROM alpine
ENV A="a b" B='c d' C=e\ f D="q\"q" E='s\s' F="b\\s" G="\$x" H="\n" I=$PATH
ENV J=x"y z"w K= L="" M=a=b N=\"
ENV LEGACY  "quoted"  and\ escaped 'single'
LABEL "com.example.vendor"="ACME Inc" 'k'=v
ENV PATH="/opt/bin:$PATH" \
    LANG=C.UTF-8
EOF
parses "ENV quoting" '1 FROM ["alpine"]
2 ENV ["A=a b","B=c d","C=e f","D=q\"q","E=s\\\\s","F=b\\\\s","G=\\$x","H=\\\\n","I=$PATH"]
3 ENV ["J=xy zw","K=","L=","M=a=b","N=\""]
4 ENV ["LEGACY=quoted  and escaped single"]
5 LABEL ["com.example.vendor=ACME Inc","k=v"]
6 ENV ["PATH=/opt/bin:$PATH","LANG=C.UTF-8"]'

# variables: what expands is kept for the build, what does not is escaped
cat >"$F" <<'EOF'
ARG BASE=3.18 OTHER
FROM alpine:${BASE}
ENV A=$X B=${X} C="$X" D='$X' E=\$X F="\$X" G=${X:-def} H="${X:+a b}" I=${X:-${Y:-z}}
ENV J="$X"Y K=$"X" L=$ M=$/ N="${X:-'}'}" O=${X:-"}"} P=${X:-\}} Q=$1$@x R=a\\b\$
ARG V W=$V U="$X"
WORKDIR $HOME/${DIR}
COPY $SRC "$X" '$Y' /dst/$D/
COPY ["$SRC", "a b", "it\\'s", "\\$lit", "/d"]
USER ${U:-nobody}
LABEL "$K"=$V
EXPOSE $PORT ${P}/udp 80 '8080'/UDP
RUN echo $X '$Y' \$Z
CMD ["$X"]
ENTRYPOINT echo $X
EOF
parses "variables" '1 ARG ["BASE=3.18","OTHER"]
2 FROM ["alpine:${BASE}"]
3 ENV ["A=$X","B=${X}","C=$X","D=\\$X","E=\\$X","F=\\$X","G=${X:-def}","H=${X:+a b}","I=${X:-${Y:-z}}"]
4 ENV ["J=$X\\Y","K=\\$X","L=\\$","M=\\$/","N=${X:-'"'"'}'"'"'}","O=${X:-\\}}","P=${X:-\\}}","Q=$1$@x","R=a\\\\b\\$"]
5 ARG ["V","W=$V","U=$X"]
6 WORKDIR ["$HOME/${DIR}"]
7 COPY ["$SRC","$X","\\$Y","/dst/$D/"]
8 COPY ["$SRC","a b","it'"'"'s","\\$lit","/d"]
9 USER ["${U:-nobody}"]
10 LABEL ["$K=$V"]
11 EXPOSE ["$PORT","${P}/udp","80/tcp","8080/udp"]
12 RUN ["/bin/sh","-c","echo $X '"'"'$Y'"'"' \\$Z"]
13 CMD ["$X"]
14 ENTRYPOINT ["/bin/sh","-c","echo $X"]'
pf 'ARG A' '# a comment' 'ARG B=1' 'FROM_URL http://x/$A'
parses "ARGs before FROM_URL, which expands nothing" '1 ARG ["A"]
3 ARG ["B=1"]
4 FROM_URL ["http://x/$A"]'
pf 'ARG A' 'ENV B=1' 'FROM alpine'
bad "ENV between global ARGs and FROM" 2 "ENV before FROM"
pf 'ARG A=1' '' 'ARG B'
bad "only ARGs" 3 "no FROM"
pf 'FROM alpine:$V AS x'
bad "FROM with a variable, AS" 1 "FROM: 'AS name': multi-stage builds are not supported"
pf 'FROM Alpine:$V'
parses "a FROM with a variable is checked once built" '1 FROM ["Alpine:$V"]'
pf 'FROM "Alpine:\$V"'
bad "a FROM whose '\$' is literal is checked now" 1 "FROM: bad image reference 'Alpine:\$V'"
vbad() {
	pf 'FROM alpine' "$1"
	bad "$1 refused" 2 "$2"
}
vbad 'ENV A=${X' "ENV: '\${X': unterminated '\${'"
vbad 'ENV A=${X:-a b}' "ENV: '\${X:-a': unterminated '\${'"
vbad 'ENV A="${X:-a b"}"' "unterminated double quote"
vbad 'LABEL a="x${Y:-${Z}"' "LABEL: '\"x\${Y:-\${Z}\"': unterminated '\${'"
vbad 'ENV A=${}' "ENV: '\${}': bad substitution"
vbad 'ENV A=${:-x}' "ENV: '\${:-x}': bad substitution"
vbad 'ENV A=${"X"}' "ENV: '\${\\X}': bad substitution"
vbad 'WORKDIR ${X:=y}' \
	"WORKDIR: '\${X:=y}': bad substitution: want \${NAME}, \${NAME:-word} or \${NAME:+word}"
vbad 'COPY ${X-y} /' \
	"COPY: '\${X-y}': bad substitution: want \${NAME}, \${NAME:-word} or \${NAME:+word}"
vbad 'USER ${X?}' \
	"USER: '\${X?}': bad substitution: want \${NAME}, \${NAME:-word} or \${NAME:+word}"
vbad 'EXPOSE ${P' "EXPOSE: '\${P': unterminated '\${'"
vbad 'EXPOSE 80$' "EXPOSE: bad port '80\$': want 1-65535[/tcp|udp|sctp]"
vbad 'EXPOSE \$P' "EXPOSE: bad port '\$P': want 1-65535[/tcp|udp|sctp]"
vbad 'ENV ${X=1' "ENV: '\${X': unterminated '\${'"
vbad 'ARG =1' "ARG: empty name"
vbad "ARG ''" "ARG: empty name"
vbad 'ARG "a=b"=c' "ARG: '=' in a name"
vbad 'ARG a\=b' "ARG: '=' in a name"
vbad 'COPY ["${X", "/d"]' "COPY: '\${X': unterminated '\${'"
vbad 'COPY ["'"'"'", "/d"]' "unterminated single quote"
deep=$(printf '${X:-%.0s' $(seq 16))x$(printf '}%.0s' $(seq 16))
pf 'FROM alpine' "ENV A=$deep"
parses "PFNESTMAX nested \${" "1 FROM [\"alpine\"]
2 ENV [\"A=$deep\"]"
pf 'FROM alpine' "ENV A=\${Y:-$deep}"
bad "over PFNESTMAX nested \${" 2 "ENV: over PFNESTMAX (16) nested '\${'"

# JSON escapes and Unicode
cat >"$F" <<'EOF'
FROM alpine
CMD ["\"\\\/", "\b\f\n\r\t", "\u00e9\u20AC\ud83d\ude00", "é", "\u0001\u001f\u007f", ""]
RUN [ "a" ,	"b" ]
ENTRYPOINT ["<>&'"]
EOF
parses "JSON escapes, Unicode" '1 FROM ["alpine"]
2 CMD ["\"\\/","\b\f\n\r\t","é€😀","é","\u0001\u001f\u007f",""]
3 RUN ["a","b"]
4 ENTRYPOINT ["<>&'"'"'"]'

# image references
for r in scratch alpine alpine:3.18 alpine-3.18 library/alpine:latest \
	ghcr.io/o/r:v1.0 registry.example.com:5000/a/b_c/d__e/f-g--h:tag_1.x \
	localhost/x "x@sha256:$(printf '%064d' 7)" "x:1@sha256:$(printf '%064d' 7)" \
	"a.b/c.d:$(printf 'T%.0s' $(seq 128))"; do
	pf "FROM $r"
	parses "FROM $r" "1 FROM [\"$r\"]"
done
for r in Alpine alpine: :3 a//b -a a- a..b a._b a___b 'a:t!' a:.t a@sha256:12 \
	"a@md5:$(printf '%032d' 0)" host:123456/x .host/x "a:$(printf 'T%.0s' $(seq 129))" \
	"$(printf 'a%.0s' $(seq 256))"; do
	pf "FROM $r"
	bad "FROM $r refused" 1 "FROM: bad image reference '$(printf '%.40s' "$r")$(
		[ ${#r} -gt 40 ] && echo ...)'"
done
# a name's cap counts what Docker Hub adds: docker.io/library/ and 237 is 255
r=$(printf 'a%.0s' $(seq 237))
pf "FROM $r"
parses "a Hub name of 255 in full" "1 FROM [\"$r\"]"
pf "FROM ${r}a"
bad "a Hub name of 256 in full refused" 1 "FROM: bad image reference '$(printf '%.40s' "$r")...'"
pf 'FROM "alpine:3.18"'
parses "a quoted reference" '1 FROM ["alpine:3.18"]'

# FROM_URL
sum=sha256:$(printf '%064d' 1)
pf "FROM_URL https://example.com/r.tar.gz $sum"
parses "FROM_URL with a digest" "1 FROM_URL [\"https://example.com/r.tar.gz\",\"$sum\"]"
pf 'FROM_URL file:///srv/rootfs.tar' 'CMD ["sh"]'
parses "FROM_URL file://" '1 FROM_URL ["file:///srv/rootfs.tar"]
2 CMD ["sh"]'
pf 'FROM_URL ftp://example.com/r.tar'
bad "FROM_URL ftp:// refused" 1 "FROM_URL: 'ftp://example.com/r.tar' is not an http, https or file URL"
pf 'FROM_URL https://'
bad "FROM_URL without a host" 1 "FROM_URL: 'https://' is not an http, https or file URL"
pf 'FROM_URL http://x sha256:ABC'
bad "FROM_URL with a bad digest" 1 "FROM_URL: bad digest 'sha256:ABC': want sha256: and 64 hex digits"
pf "FROM_URL http://x $sum more"
bad "FROM_URL with three arguments" 1 "FROM_URL: want a URL and at most a sha256:HEX"
pf "FROM_URL http://$(printf 'x%.0s' $(seq 4096))"
bad "FROM_URL over URLMAX" 1 "FROM_URL: URL over URLMAX (4096 bytes)"

# EXPOSE
pf 'FROM alpine' 'EXPOSE 1 65535 080 22/TCP 53/Udp 9/sctp 1-65535/udp 7-7'
parses "EXPOSE ports" '1 FROM ["alpine"]
2 EXPOSE ["1/tcp","65535/tcp","80/tcp","22/tcp","53/udp","9/sctp","1-65535/udp","7/tcp"]'
for p in 0 65536 99999999999999999999 80/icmp 80/ 10-5 -5 5- abc 80/tcp/x 0x50 ''\''80'\''x'; do
	pf 'FROM alpine' "EXPOSE 1 $p"
	bad "EXPOSE $p refused" 2 "EXPOSE: bad port '$(printf '%s' "$p" | tr -d "'")': want 1-65535[/tcp|udp|sctp]"
done

# errors, each with its line
pf '' '# only comments' 'FOO bar'
bad "unknown instruction" 3 "unknown instruction 'FOO'"
pf 'FROM alpine' 'RUNX true'
bad "unknown instruction, after FROM" 2 "unknown instruction 'RUNX'"
pf 'FROM alpine' 'ADD x /'
bad "ADD" 2 "ADD is not supported: use COPY, or FROM_URL for a root file system"
for i in VOLUME SHELL HEALTHCHECK STOPSIGNAL ONBUILD MAINTAINER; do
	pf 'FROM alpine' '' "$i x"
	bad "$i not supported" 3 "$i is not supported"
done
pf '# nothing but a comment' '' 'RUN true' 'FROM alpine'
bad "RUN before FROM" 3 "RUN before FROM"
pf 'ENV A=1' 'FROM alpine'
bad "ENV before FROM" 1 "ENV before FROM"
: >"$F"
bad "an empty file" 1 "no FROM"
pf '# one' '' '# three'
bad "only comments" 3 "no FROM"
pf 'FROM alpine' 'RUN true' 'FROM debian'
bad "a second FROM" 3 "a second FROM: multi-stage builds are not supported"
pf 'FROM alpine' 'FROM_URL http://x'
bad "FROM then FROM_URL" 2 "a second FROM: multi-stage builds are not supported"
pf 'FROM golang:1.21 AS build'
bad "FROM AS" 1 "FROM: 'AS name': multi-stage builds are not supported"
pf 'FROM alpine debian'
bad "FROM with two references" 1 "FROM: want one image reference"
pf 'FROM --platform=linux/amd64 alpine'
bad "FROM --platform" 1 "FROM: option '--platform=linux/amd64' is not supported"
pf 'FROM alpine' 'RUN --mount=type=cache,target=/x true'
bad "RUN --mount" 2 "RUN: option '--mount=type=cache,target=/x' is not supported"
pf 'FROM alpine' 'COPY --chown=1:1 a b'
bad "COPY --chown" 2 "COPY: option '--chown=1:1' is not supported"
pf 'FROM alpine' 'RUN <<EOF' 'echo hi' 'EOF'
bad "RUN heredoc" 2 "RUN: heredocs are not supported"
pf 'FROM alpine' 'RUN cat <<EOF'
parses "a shell heredoc is the shell's" '1 FROM ["alpine"]
2 RUN ["/bin/sh","-c","cat <<EOF"]'
for i in CMD RUN ENTRYPOINT; do
	pf 'FROM alpine' "$i"
	bad "an empty $i" 2 "empty $i"
	pf 'FROM alpine' '' "$i   "
	bad "an empty $i, blanks after" 3 "empty $i"
	pf 'FROM alpine' "$i [ ]"
	bad "an empty $i array" 2 "empty $i"
done
for i in FROM FROM_URL ENV LABEL WORKDIR USER COPY EXPOSE ARG; do
	pf "$i"
	[ "$i" = FROM ] || [ "$i" = FROM_URL ] || pf 'FROM alpine' "$i"
	bad "$i without an argument" $(wc -l <"$F") "$i: missing argument"
done
pf 'FROM alpine' 'COPY onlyone'
bad "COPY with one path" 2 "COPY: want a source and a destination"
pf 'FROM alpine' 'COPY ["a"]'
bad "COPY with one path in JSON" 2 "COPY: want a source and a destination"
pf 'FROM alpine' 'COPY "" b'
bad "COPY with an empty path" 2 "COPY: empty path"
pf 'FROM alpine' 'USER a b'
bad "USER with two words" 2 "USER: want one user[:group]"
pf 'FROM alpine' "USER ''"
bad "USER empty" 2 "USER: want one user[:group]"
pf 'FROM alpine' "WORKDIR ''"
bad "WORKDIR empty" 2 "WORKDIR: empty path"
pf 'FROM alpine' 'ENV A=1 B'
bad "ENV pair without =" 2 "ENV: 'B' is not KEY=VALUE"
pf 'FROM alpine' 'ENV A'
bad "ENV with a name alone" 2 "ENV: want KEY=VALUE or KEY VALUE"
pf 'FROM alpine' 'ENV =v'
bad "ENV with an empty name" 2 "ENV: empty name"
pf 'FROM alpine' 'LABEL "a=b"=c'
bad "LABEL with = in a name" 2 "LABEL: '=' in a name"
pf 'FROM alpine' 'ENV A="open' 'RUN true'
bad "an unterminated double quote" 2 "unterminated double quote"
pf 'FROM alpine' "LABEL a='open"
bad "an unterminated single quote" 2 "unterminated single quote"
pf 'FROM alpine' "$(printf 'BAD\033]0;x\007')"
bad "control bytes in a message are shown as ?" 2 "unknown instruction 'BAD?]0;x?'"

# bad JSON, with its column
jbad() {
	pf 'FROM alpine' "$1"
	bad "bad JSON: $1" 2 "bad JSON at column $2: $3"
}
jbad 'CMD ["a", "b",]' 15 "want a string"
jbad 'CMD ["a" "b"]' 10 "want ',' or ']'"
jbad 'CMD ["a"] x' 11 "text after ']'"
jbad 'CMD ["a", 1]' 11 "want a string"
jbad 'CMD ["a", ["b"]]' 11 "want a string"
jbad 'CMD ["a", null]' 11 "want a string"
jbad 'CMD ["a"' 9 "want ',' or ']'"
jbad 'CMD ["abc' 10 "unterminated string"
jbad "$(printf 'CMD ["a\tb"]')" 8 "control character in a string"
jbad 'CMD ["\x"]' 7 "bad escape"
jbad 'CMD ["\u12"]' 7 "bad \\u escape"
jbad 'CMD ["\u12G4"]' 7 "bad \\u escape"
jbad 'CMD ["\ud83d"]' 7 "unpaired surrogate"
jbad 'CMD ["\ud83d\u0041"]' 7 "unpaired surrogate"
jbad 'CMD ["\ude00"]' 7 "unpaired surrogate"
jbad 'CMD ["\u0000"]' 7 "\\u0000 in a string"
pf 'FROM alpine' "CMD ['a']"
parses "single quotes are the shell form" '1 FROM ["alpine"]
2 CMD ["/bin/sh","-c","['"'"'a'"'"']"]'
jbad '   RUN  ["a",]' 14 "want a string"
jbad 'COPY ["a", "b"' 15 "want ',' or ']'"
jbad 'ENTRYPOINT [ "a" ] ]' 20 "text after ']'"

# hostile files
head -c $((2 << 20)) /dev/zero | tr '\0' '#' >"$F"
bad2() {
	run "$PIECES" piecefile "$F"
	is "$1" "$rc $(cat "$T/err")|$(cat "$T/out")" "1 pieces: $F: $2|"
}
bad2 "a 2 MiB file" "over PIECEFILEMAX (1048576 bytes)"
{ echo 'FROM alpine'; head -c $(((1 << 20) - 12)) /dev/zero | tr '\0' '\n'; } >"$F"
run "$PIECES" piecefile "$F"
is "a file of PIECEFILEMAX bytes is fine" "$rc $(cat "$T/out")" '0 1 FROM ["alpine"]'
run "$PIECES" piecefile /dev/zero
is "/dev/zero" "$rc $(cat "$T/err")" "1 pieces: /dev/zero: over PIECEFILEMAX (1048576 bytes)"
printf 'FROM alpine\nRUN a\nRUN b\0c\n' >"$F"
bad "a NUL byte" 3 "NUL byte"
printf '\0' >"$F"
bad "a NUL byte first" 1 "NUL byte"
{ echo 'FROM alpine'; printf 'RUN '; head -c 70000 /dev/zero | tr '\0' x; echo; } >"$F"
bad "a line over PFLINEMAX" 2 "line over PFLINEMAX (65536 bytes)"
{ echo 'FROM alpine'; printf '# '; head -c 70000 /dev/zero | tr '\0' x; echo; } >"$F"
bad "a comment over PFLINEMAX" 2 "line over PFLINEMAX (65536 bytes)"
{ echo 'FROM alpine'; printf 'RUN '; head -c 65532 /dev/zero | tr '\0' x; echo; } >"$F"
run "$PIECES" piecefile -n "$F"
is "a line of PFLINEMAX bytes is fine" "$rc" 0
{ echo 'FROM alpine'; echo 'RUN \'; i=0; while [ $i -lt 700 ]; do
	printf '%0100d \\\n' 0; i=$((i + 1)); done; echo; } >"$F"
bad "an instruction over PFLINEMAX" 2 "instruction over PFLINEMAX (65536 bytes)"
{ echo 'FROM alpine'; printf 'CMD '; head -c 60000 /dev/zero | tr '\0' '['; echo; } >"$F"
run "$PIECES" piecefile -n "$F"
is "deeply nested brackets are the shell form" "$rc" 0
{ echo 'FROM alpine'; printf 'CMD ["a",'; head -c 60000 /dev/zero | tr '\0' '['; echo; } >"$F"
bad "deeply nested JSON arrays" 2 "bad JSON at column 10: want a string"
{ echo 'FROM alpine'; printf 'CMD ["'; head -c 60000 /dev/zero | tr '\0' 'a'; echo; } >"$F"
bad "an unterminated JSON string" 2 "bad JSON at column 60007: unterminated string"
{ echo 'FROM alpine'; printf 'CMD ['; i=0; while [ $i -lt 6000 ]; do
	printf '"a",'; i=$((i + 1)); done; echo ']'; } >"$F"
bad "over PFARGMAX arguments" 2 "CMD: over PFARGMAX (4096) arguments"
{ echo 'FROM alpine'; i=0; while [ $i -lt 4096 ]; do
	echo 'USER x'; i=$((i + 1)); done; } >"$F"
bad "over PFSTEPMAX instructions" 4097 "over PFSTEPMAX (4096) instructions"
run "$PIECES" piecefile "$T/nosuch"
is "a missing file" "$rc $(cat "$T/err")" "1 pieces: $T/nosuch: open: No such file or directory"
run "$PIECES" piecefile "$T"
is "a directory" "$rc $(cat "$T/err")" "1 pieces: $T: read: Is a directory"

# usage
fails "no operand" 1 '^usage: pieces piecefile \[-n\] file' "$PIECES" piecefile
fails "two operands" 1 '^usage: pieces piecefile' "$PIECES" piecefile a b
fails "an unknown option" 1 '^usage: pieces piecefile' "$PIECES" piecefile -x a
ok "-h" "$PIECES" piecefile -h
is "-h prints the usage" "$(head -n 1 "$T/out")" "usage: pieces piecefile [-n] file"

finish
