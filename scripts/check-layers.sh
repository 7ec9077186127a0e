#!/bin/bash
# check-layers.sh [-s SRCDIR] BUILDDIR - the one-way rule between keel's
# layers (docs/design.md, "Layers"), checked twice:
#  - includes: no file of the portable kernel (kernel/ fs/ net/ linux/ lib/)
#    includes a platform, driver, CPU or Xen header, or reaches into another
#    folder with "../" (what folders share lives in include/);
#  - calls: for every kernel object BUILDDIR/k/<dir>/<file>.o, each
#    undefined symbol must be defined by an object of a layer that file may
#    call (nm). Printed as "fs/pipe.c -> symbol (defined in linux/syscall.c)".
# SRCDIR defaults to the current directory. Exit status 0: the rule holds;
# 1: violations (listed); 2: nothing to check (no objects, bad arguments).
set -u
src=.
if [ "${1:-}" = -s ]; then
	src=${2:?-s needs a directory}
	shift 2
fi
build=${1:?usage: check-layers.sh [-s SRCDIR] BUILDDIR}
objdir=$build/k
bad=0

# ---- includes ----
inc=$(cd "$src" && grep -rnE \
	'^\s*#\s*include\s*[<"]((plat|drivers|xen|arch|virtio)/|\.\./)' \
	kernel fs net linux lib 2>/dev/null)
if [ -n "$inc" ]; then
	echo "$inc" | sed 's/^/include: /'
	bad=1
fi
# The driver side of the device interfaces (what drivers provide, and the
# interrupt and DMA services only drivers use) stays out of the portable
# kernel, but for the registries that implement it: the network devices'
# (net/netdev.c), the block layer's (kernel/blkdev.c, and fs/bcache.c,
# which keeps its per-device state in struct blkdev) and the 9P
# channels' (kernel/p9chan.c).
registries='net/netdev.c kernel/blkdev.c fs/bcache.c kernel/p9chan.c'
inc=$(cd "$src" && grep -rnE \
	'^\s*#\s*include\s*<keel/(irq|dma|consdev|netdev_driver|blkdev_driver|p9chan_driver)\.h>' \
	kernel fs net linux 2>/dev/null | grep -vE "^($(echo $registries | tr ' ' '|')):")
if [ -n "$inc" ]; then
	echo "$inc" | sed 's/^/include (driver side): /'
	bad=1
fi
# Drivers never make hypercalls: plat/xen's private header stays there.
inc=$(cd "$src" && grep -rnE '^\s*#\s*include\s*[<"].*xen_priv\.h' drivers 2>/dev/null)
if [ -n "$inc" ]; then
	echo "$inc" | sed 's/^/include (hypercalls in a driver): /'
	bad=1
fi

# ---- calls ----
# The layer of an object, from its path under BUILDDIR/k.
# kernel/selftests/ are tests: above every layer, like init/.
#
# What each layer may call besides itself and lib/ (lib/ calls nothing
# else). "plat:hyper" means only the platform interface, hyper_* of
# include/keel/hyper.h; drivers/ are reached only through what they
# register. arch/ calls kernel/ hooks, and init/'s kernel_main at boot.
# Drivers call the network device registry's driver side (net/netdev.c:
# netdev_register, netdev_rx, ... and the netbuf helpers), nothing else
# of net/.
allowed='
init      init selftests linux net fs kernel arch plat drivers
selftests init selftests linux net fs kernel arch plat drivers
linux     net fs kernel arch plat:hyper
net       fs kernel arch plat:hyper
fs        kernel arch plat:hyper
kernel    arch plat:hyper
arch      kernel plat init:kernel_main
plat      kernel arch drivers
drivers   kernel arch plat net:netdev_register net:netdev_unregister net:netdev_rx net:netdev_tx_done net:netdev_tx_room net:netdev_set_link net:netdev_rxbuf_alloc net:netbuf_alloc net:netbuf_wrap net:netbuf_free net:netbuf_copy net:netbuf_frame_len net:netbuf_pieces net:netdev_csum_complete
lib
'
# Objects whose source is gone (a file moved) are left-overs: skipped.
# lwIP sits inside net/: its objects are BUILDDIR/k/net/lwip/upstream/X.o
# for the fetched BUILDDIR/lwip/src/src/X (the Makefile's lwIP rules).
objs=()
while read -r o; do
	rel=${o#"$objdir"/}
	case $rel in
	net/lwip/upstream/*) s=$build/lwip/src/src/${rel#net/lwip/upstream/} ;;
	*) s=$src/$rel ;;
	esac
	[ -e "${s%.o}" ] && objs+=("$o")
done < <(find "$objdir" -name '*.o' 2>/dev/null | sort)
if [ ${#objs[@]} -eq 0 ]; then
	echo "check-layers: no kernel objects under $objdir (build first)"
	exit 2
fi
calls=$(nm -P -A -g "${objs[@]}" 2>/dev/null | awk -v pre="$objdir/" -v rules="$allowed" '
	function file(o) { sub(/:$/, "", o); sub("^" pre, "", o); sub(/\.o$/, "", o); return o }
	function layer(f) { if (f ~ /^kernel\/selftests\//) return "selftests"; sub(/\/.*/, "", f); return f }
	# May a file of layer "from" use symbol s defined in layer "to"?
	function may(from, to, s,   r, n, i, w) {
		if (from == to || to == "lib")
			return 1
		n = split(ok[from], w, " ")
		for (i = 1; i <= n; i++) {
			if (w[i] == to)
				return 1
			if (w[i] == to ":hyper" && s ~ /^hyper_/)
				return 1
			if (w[i] == to ":" s)
				return 1
		}
		return 0
	}
	BEGIN {
		n = split(rules, line, "\n")
		for (i = 1; i <= n; i++) {
			if (split(line[i], w, " ") == 0)
				continue
			known[w[1]] = 1
			ok[w[1]] = substr(line[i], index(line[i], w[1]) + length(w[1]))
		}
	}
	# "path.o: name type [value size]"; U and w are undefined.
	{
		f = file($1)
		if ($3 == "U" || $3 == "w") {
			nu++; uf[nu] = f; us[nu] = $2
		} else if (!($2 in def) || $3 !~ /^[wWvV]$/) {
			def[$2] = f
		}
	}
	END {
		for (i = 1; i <= nu; i++) {
			s = us[i]
			if (!(s in def))
				continue
			from = layer(uf[i]); to = layer(def[s])
			if (!(from in known))
				printf "%s: unknown layer %s\n", uf[i], from
			else if (!may(from, to, s))
				printf "%s -> %s (defined in %s)\n", uf[i], s, def[s]
		}
	}')
if [ -n "$calls" ]; then
	echo "$calls"
	bad=1
fi
if [ $bad = 0 ]; then
	echo "check-layers: ${#objs[@]} objects, every call and include points down"
else
	echo "check-layers: upward calls or includes (see docs/design.md, \"Layers\")"
fi
exit $bad
