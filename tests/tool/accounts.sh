#!/bin/bash
# accounts.sh - the guest's /etc/passwd and /etc/group (docs/keel.1,
# "Accounts"): base-passwd's accounts (www-data 33, nobody 65534) in every
# image, no password and no host account of a person (uid 1000 and up) in
# it; from a made-up host ($KEEL_ACCOUNTS_ROOT) and package database
# ($KEEL_DPKG_ADMINDIR), exactly the system accounts a packed package's
# postinst or sysusers.d file names, with group members that are not in
# the image dropped; -f /etc/passwd given by the user wins, and so does a
# -f over a package's file (nginx.conf); the links and
# copies a postinst makes (nginx's sites-enabled/default, its
# index.nginx-debian.html) packed. In the guest (QEMU TCG): a C program
# finds www-data with getpwnam and becomes it (initgroups, setgid,
# setuid); getent passwd www-data; nginx -t passes with no -f at all.
# Prints PASS/FAIL per case; work files in build/accounts-tests.
set -u
cd "$(dirname "$0")/../.."
exec </dev/null # no terminal for QEMU to stop on (see tests/run.sh)
keel=$PWD/build/keel
logs=$PWD/build/accounts-tests
rm -rf "$logs"
mkdir -p "$logs"
prefix=accounts-
. tests/lib.sh
plan 9

[ -x "$keel" ] || { result built 0 "no $keel (run make)"; echo "accounts: $pass passed, $fail failed"; exit 1; }
export XDG_CACHE_HOME=$logs/cache
w=$logs/work
mkdir -p "$w"

# extract NAME: the image's etc/passwd and etc/group into $logs/NAME/x.
extract() {
	mkdir -p "$logs/$1/x"
	(cd "$logs/$1/x" && cpio -id --quiet etc/passwd etc/group <../initrd.cpio)
}
# run_out NAME KEEL-RUN-ARGS...: boot (at most 300 s); sets rc and got
# (the program's output, keel's own lines and CRs dropped).
run_out() {
	local name=$1
	shift
	timeout 300 "$keel" run -q --accel tcg "$@" >"$logs/$name.log" 2>&1
	rc=$?
	got=$(tr -d '\r' <"$logs/$name.log" | grep -v '^keel')
}

# base: a plain program gets base-passwd's accounts as the master files
# have them, every password "*", and none of the host's people.
"$keel" build -q -o "$logs/base" -- /bin/true >"$logs/base.log" 2>&1 && extract base
pw=$logs/base/x/etc/passwd gr=$logs/base/x/etc/group
why=
if [ ! -s "$pw" ] || [ ! -s "$gr" ]; then
	why="no /etc/passwd or /etc/group in the image: $(tail -1 "$logs/base.log")"
else
	grep -qx 'www-data:\*:33:33:www-data:/var/www:/usr/sbin/nologin' "$pw" || why="$why no www-data 33 in passwd;"
	grep -qx 'nobody:\*:65534:65534:nobody:/nonexistent:/usr/sbin/nologin' "$pw" || why="$why no nobody 65534;"
	grep -qx 'www-data:\*:33:' "$gr" || why="$why no www-data 33 in group;"
	grep -qx 'nogroup:\*:65534:' "$gr" || why="$why no nogroup;"
	awk -F: '$2 != "*"' "$pw" "$gr" | grep -q . && why="$why a password field is not '*';"
	[ -e "$logs/base/x/etc/shadow" ] && why="$why an /etc/shadow;"
	if [ -r /usr/share/base-passwd/passwd.master ]; then
		while IFS=: read -r name _; do
			grep -q "^$name:" "$pw" || why="$why base-passwd's $name missing;"
		done </usr/share/base-passwd/passwd.master
	fi
	# the host's people (uid 1000 and up, but nobody) stay out
	people=$(awk -F: '$3 >= 1000 && $3 != 65534 { print $1 }' /etc/passwd)
	for name in $people; do
		grep -q "^$name:" "$pw" && why="$why host account $name packed;"
	done
	[ -n "$people" ] || echo "  (base: this host has no account of uid 1000 or more to leave out)"
fi
if [ -z "$why" ]; then result base 1; else result base 0 "$why"; fi

# made-up: a host root with base-passwd's files, a person (alice, with a
# hash), system accounts, and a package whose postinst runs adduser for
# svc (by a variable, as redis-tools does) and puts it in ssl-x, and whose
# sysusers.d file names sysu. unnamed (uid 121) is named by nothing;
# broken's line has a field too many.
root=$w/root adm=$w/dpkg
mkdir -p "$root/etc" "$root/usr/share/base-passwd" "$root/usr/lib/sysusers.d" "$adm/info"
printf 'root:*:0:0:root:/root:/bin/bash\nwww-data:*:33:33:www-data:/var/www:/usr/sbin/nologin\n' \
	>"$root/usr/share/base-passwd/passwd.master"
printf 'root:*:0:\nadm:*:4:\nwww-data:*:33:\n' >"$root/usr/share/base-passwd/group.master"
cat >"$root/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/bash
www-data:x:33:33:www-data:/var/www:/usr/sbin/nologin
alice:$6$salt$hash:1001:1001:Alice:/home/alice:/bin/bash
svc:x:120:130::/var/lib/svc:/usr/sbin/nologin
unnamed:x:121:131::/nonexistent:/usr/sbin/nologin
sysu:x:122:65534::/nonexistent:/usr/sbin/nologin
broken:x:123:130::/nonexistent:/usr/sbin/nologin:extra
+nis
EOF
cat >"$root/etc/group" <<'EOF'
root:x:0:
adm:x:4:svc,alice
www-data:x:33:
alice:x:1001:
svc:x:130:
unnamed:x:131:
ssl-x:x:132:alice,svc
EOF
printf 'u sysu - "a sysusers user"\n' >"$root/usr/lib/sysusers.d/keel-svc.conf"
cp /bin/true "$root/prog"
printf 'Package: keel-svc\nStatus: install ok installed\nArchitecture: amd64\n' >"$adm/status"
printf '%s/prog\n%s/usr/lib/sysusers.d/keel-svc.conf\n' "$root" "$root" >"$adm/info/keel-svc.list"
cat >"$adm/info/keel-svc.postinst" <<'EOF'
#!/bin/sh
SVC=svc
adduser --system --group --home /var/lib/svc "$SVC"
adduser "$SVC" ssl-x
adduser --system broken
EOF
KEEL_ACCOUNTS_ROOT=$root KEEL_DPKG_ADMINDIR=$adm "$keel" build -q -o "$logs/madeup" -- "$root/prog" \
	>"$logs/madeup.log" 2>&1 && extract madeup
want_pw='root:*:0:0:root:/root:/bin/bash
www-data:*:33:33:www-data:/var/www:/usr/sbin/nologin
svc:*:120:130::/var/lib/svc:/usr/sbin/nologin
sysu:*:122:65534::/nonexistent:/usr/sbin/nologin'
want_gr='root:*:0:
adm:*:4:svc
www-data:*:33:
svc:*:130:
ssl-x:*:132:svc'
got_pw=$(cat "$logs/madeup/x/etc/passwd" 2>/dev/null)
got_gr=$(cat "$logs/madeup/x/etc/group" 2>/dev/null)
if [ "$got_pw" = "$want_pw" ] && [ "$got_gr" = "$want_gr" ]; then
	result madeup 1
else
	result madeup 0 "passwd $(printf %q "$got_pw") group $(printf %q "$got_gr"): $(tail -1 "$logs/madeup.log")"
fi

# The same package's postinst makes a directory, copies its page, and
# writes a key of the host's own: the directory goes in empty, the copy
# goes in, the key (bytes no package file has) does not.
mkdir -p "$root/share" "$root/www" "$root/state"
echo '<p>svc</p>' >"$root/share/page.html"
cp "$root/share/page.html" "$root/www/index.html"
echo 'host secret' >"$root/state/key"
printf '%s/share/page.html\n' "$root" >>"$adm/info/keel-svc.list"
cat >>"$adm/info/keel-svc.postinst" <<EOF
mkdir -p $root/state
cp $root/share/page.html $root/www/index.html
openssl genrsa > "$root/state/key"
EOF
KEEL_ACCOUNTS_ROOT=$root KEEL_DPKG_ADMINDIR=$adm "$keel" build -q -o "$logs/madeup-postinst" -- "$root/prog" \
	>"$logs/madeup-postinst.log" 2>&1
list=$(cpio -tv --quiet <"$logs/madeup-postinst/initrd.cpio" 2>/dev/null)
why=
grep -qE '^d.* [^ ]*work/root/state$' <<<"$list" || why="no directory state;"
grep -q 'work/root/www/index.html$' <<<"$list" || why="$why no copy www/index.html;"
grep -q 'work/root/state/key$' <<<"$list" && why="$why the host's key packed;"
if [ -z "$why" ]; then result madeup-postinst 1; else result madeup-postinst 0 "$why $(tail -1 "$logs/madeup-postinst.log")"; fi

# -f FILE:/etc/passwd is the guest's as given; /etc/group is still made.
printf 'root:x:0:0::/root:/bin/sh\nmine:x:5000:5000::/:/bin/sh\n' >"$w/mypasswd"
"$keel" build -q -o "$logs/given" -f "$w/mypasswd:/etc/passwd" -- /bin/true >"$logs/given.log" 2>&1 &&
	extract given
if cmp -s "$w/mypasswd" "$logs/given/x/etc/passwd" && grep -qx 'www-data:\*:33:' "$logs/given/x/etc/group" 2>/dev/null; then
	result given 1
else
	result given 0 "the image's /etc/passwd is not the one given, or no group file: $(tail -1 "$logs/given.log")"
fi

# -f over a file of the program's package: the user's file is packed, not
# the package's (nginx -T in the guest prints the configuration it read).
if [ -x /usr/sbin/nginx ]; then
	sed 's/^worker_processes .*/worker_processes 3; # keel-given/' /etc/nginx/nginx.conf >"$w/nginx.conf"
	run_out given-conf -f "$w/nginx.conf:/etc/nginx/nginx.conf" -- /usr/sbin/nginx -T
	if [ "$rc" = 0 ] && grep -qx 'worker_processes 3; # keel-given' <<<"$got"; then
		result given-conf 1
	else
		result given-conf 0 "status $rc: $(grep -m1 -E 'worker_processes|given twice' "$logs/given-conf.log")"
	fi
else
	result given-conf 0 "/usr/sbin/nginx is not installed (make deps installs nginx-light)"
fi

# nginx's postinst's work: the default site's link and its page.
ngx=/usr/sbin/nginx
nowhy="$ngx is not installed (make deps installs nginx-light)"
if [ -x "$ngx" ]; then
	"$keel" build -q -o "$logs/nginx" -- "$ngx" >"$logs/nginx.log" 2>&1
	list=$(cpio -tv --quiet <"$logs/nginx/initrd.cpio" 2>/dev/null)
	why=
	grep -qE ' etc/nginx/sites-enabled/default -> /etc/nginx/sites-available/default$' <<<"$list" ||
		why="no sites-enabled/default link;"
	grep -qE ' var/www/html/index.nginx-debian.html$' <<<"$list" || why="$why no index.nginx-debian.html;"
	grep -qE ' var/log/nginx/.' <<<"$list" && why="$why the host's nginx logs packed;"
	# a module's link whose target (another package's file) is not packed
	for l in /etc/nginx/modules-enabled/*.conf; do
		[ -L "$l" ] || continue
		t=$(readlink -f "$l")
		if grep -q " ${l#/} -> " <<<"$list" && ! grep -q " ${t#/}$" <<<"$list"; then
			why="$why $l packed without ${t:-its target};"
		fi
	done
	if [ -z "$why" ]; then result nginx-postinst 1; else result nginx-postinst 0 "$why $(tail -1 "$logs/nginx.log")"; fi
else
	result nginx-postinst 0 "$nowhy"
fi

# In the guest: getpwnam, getgrgid, then initgroups, setgid and setuid to
# www-data; getent (glibc's own lookup); nginx -t as a user types it.
gcc -O2 -o "$w/whoami-as" tests/tool/whoami-as.c
run_out whoami -- "$w/whoami-as" www-data
want='www-data uid=33 gid=33(www-data) home=/var/www groups=33 euid=33 egid=33'
if [ "$rc" = 0 ] && [ "$got" = "$want" ]; then
	result whoami 1
else
	result whoami 0 "status $rc, output '$got', want '$want'"
fi
run_out getent -- getent passwd www-data nobody
want='www-data:*:33:33:www-data:/var/www:/usr/sbin/nologin
nobody:*:65534:65534:nobody:/nonexistent:/usr/sbin/nologin'
if [ "$rc" = 0 ] && [ "$got" = "$want" ]; then
	result getent 1
else
	result getent 0 "status $rc, output $(printf %q "$got")"
fi
if [ -x "$ngx" ]; then
	run_out nginx-t -- "$ngx" -t
	if [ "$rc" = 0 ] && grep -q 'nginx.conf test is successful' <<<"$got"; then
		result nginx-t 1
	else
		result nginx-t 0 "status $rc: $(tail -1 <<<"$got")"
	fi
else
	result nginx-t 0 "$nowhy"
fi

echo "accounts: $pass passed, $fail failed"
[ "$fail" = 0 ]
