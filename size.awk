# See LICENSE file for copyright and license details.
# size.awk: the linker map of ./pieces (ld -Map) summed by input file, a
# library counted as one: bytes of code and read-only data, of data, and
# of bss (which costs memory, not file size)
function hex(s,   i, v) {
	s = tolower(substr(s, 3))
	for (i = 1; i <= length(s); i++)
		v = v * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
	return v
}
/^Linker script and memory map/ { on = 1; next }
!on || !/^ \.[a-z]/ { next }
{
	sec = $1
	if (NF == 1 && (getline line) > 0) { split(line, w, " "); size = w[2]; file = w[3] }
	else { size = $3; file = $4 }
	if (size !~ /^0x/ || file == "")
		next
	if (file ~ /\.a\(/)
		sub(/\(.*/, "", file)
	sub(/.*\//, "", file)
	k = sec ~ /^\.t?bss/ ? "bss" : sec ~ /^\.(t?data|init_array|fini_array)/ ? "data" : "text"
	n[file, k] += hex(size)
	seen[file] = 1
}
END {
	printf "%8s %8s %8s  %s\n", "text", "data", "bss", "file"
	for (f in seen)
		printf "%8d %8d %8d  %s\n", n[f, "text"], n[f, "data"], n[f, "bss"], f | "sort -rn"
}
