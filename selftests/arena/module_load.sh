#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Loading arena.ko registers /dev/arena and unloading removes it.  Needs root
# and the module either loaded or loadable: ARENA_KO names the .ko file,
# otherwise modprobe finds the installed one.

dev=/dev/arena
n=0
failed=0

result() {	# status description
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n $2"
	else
		echo "not ok $n $2"
		failed=1
	fi
}

load() {
	if [ -n "$ARENA_KO" ]; then insmod "$ARENA_KO"; else modprobe arena; fi
}

echo "TAP version 13"
echo "1..4"

if [ "$(id -u)" != 0 ]; then
	for t in 1 2 3 4; do echo "ok $t # SKIP needs root"; done
	exit 4
fi

grep -q '^arena ' /proc/modules || load
rmmod arena
result $? "rmmod succeeds while nothing is in use"
[ ! -e $dev ]
result $? "$dev is gone after unload"
load
result $? "module loads again"
[ -c $dev ]
result $? "$dev is back after load"
exit $failed
