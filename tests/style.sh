#!/bin/sh
# Style check (TAP): no trailing whitespace, no spaces before tabs,
# lines of C within 80 columns (tabs count as 8).
top=${ASSIDU_SRCDIR:-$(dirname "$0")/..}
n=0
fail=0
check() {
	n=$((n + 1))
	if [ -z "$2" ]; then
		echo "ok $n - $1"
	else
		echo "not ok $n - $1"
		printf '%s\n' "$2" | sed 's/^/# /' | head -20
		fail=1
	fi
}
files=$(cd "$top" && ls src/*.c src/*.h tests/unit/*.c 2>/dev/null)
cd "$top" || exit 1
check "no trailing whitespace in C sources" \
	"$(grep -n '[[:space:]]$' $files)"
check "no space before tab in C sources" \
	"$(grep -n ' 	' $files)"
check "C lines fit in 80 columns" \
	"$(for f in $files; do expand "$f" | perl -CSD -ne "print \"$f:\$.\\n\" if length > 81"; done | head)"
check "no trailing whitespace in JavaScript" \
	"$(ls www/js/*.js tests/lib/*.mjs tests/http/*.mjs tests/e2e/*.mjs 2>/dev/null | xargs -r grep -n '[[:space:]]$')"
echo "1..$n"
exit 0
