# shellcheck shell=sh
# /lib/lvs/supervise.sh: starts the daemons of /etc/lvs/services (one file per daemon, written by lvs-image from
# its daemon table, src/runtime/daemons.ts) and keeps them running. Shipped by lvs-image as is; needs `fail`.

# supervise NAME COMMAND...: runs COMMAND (a daemon kept in the foreground) in the background and again 1 s after
# each exit: a daemon that dies comes back, as it would under init's respawn. Its output goes to the console, each
# line tagged "[NAME] " (boot-test and the lab leave tagged lines out of command output). To stop it for good:
# `touch /run/NAME.down`, then stop it (e.g. kill $(cat /run/keepalived.pid)); rm the file to start it again.
supervise() {
	name=$1
	shift
	(
		restarts=0
		while :; do
			"$@" </dev/null 2>&1 | while IFS= read -r line; do echo "[$name] $line"; done
			if [ -e "/run/$name.down" ]; then
				echo "lvs-image: $name stopped; rm /run/$name.down to start it again"
				while [ -e "/run/$name.down" ]; do sleep 1; done
			else
				restarts=$((restarts + 1))
				echo "lvs-image: $name exited; restart $restarts in 1 s"
				sleep 1
			fi
		done
	) >/dev/console 2>&1 &
}

# wait_for_socket NAME PATH: waits for the socket NAME creates (bounded: 50 tries 0.1 s apart), so the daemons
# started next find it (syslogd's /dev/log: they are logged from their first line).
wait_for_socket() {
	tries=0
	while [ ! -S "$2" ] && [ "$tries" -lt 50 ]; do
		sleep 0.1
		tries=$((tries + 1))
	done
	[ -S "$2" ] || fail "$1" "no $2 after 5 s"
}

# wait_for_neighbour HOST: waits until the next hop towards HOST (HOST itself on a local subnet, else its gateway)
# has answered ARP (bounded: 20 tries 0.1 s apart); false if it has not.
wait_for_neighbour() {
	hop=$(ip route get "$1" 2>/dev/null | sed -n 's/.* via \([0-9.]*\).*/\1/p')
	[ -n "$hop" ] || hop=$1
	tries=0
	until ip neigh show "$hop" 2>/dev/null | grep -q lladdr; do
		[ "$tries" -lt 20 ] || return 1
		sleep 0.1
		tries=$((tries + 1))
	done
}

# mount_once KIND: mounts a filesystem a daemon needs, unless it is there already.
mount_once() {
	case $1 in
	devpts)
		mkdir -p /dev/pts
		grep -q ' /dev/pts ' /proc/mounts || run "mount /dev/pts" mount -t devpts devpts /dev/pts
		;;
	*) fail "mount $1" "unknown filesystem in a service file" ;;
	esac
}

# start_service FILE PHASE: starts the daemon of service FILE (/etc/lvs/services/NN-NAME) if it belongs to PHASE.
# Keys, one a line: phase, argv, mount, log-host (host, then the line that goes first), ready-socket, device (it
# starts only when that exists).
start_service() {
	service=${1##*/}
	service=${service#*-}
	phase=''
	argv=''
	mounts=''
	loghost=''
	announce=''
	socket=''
	device=''
	while read -r key value; do
		case $key in
		'' | '#'*) ;;
		phase) phase=$value ;;
		argv) argv=$value ;;
		mount) mounts="$mounts $value" ;;
		log-host)
			loghost=${value%% *}
			announce=${value#* }
			;;
		ready-socket) socket=$value ;;
		device) device=$value ;;
		*) fail "service $service" "unknown key '$key' in $1" ;;
		esac
	done <"$1"
	[ "$phase" = "$2" ] || return 0
	if [ -n "$device" ] && [ ! -e "$device" ]; then
		echo "lvs-image: $service not started: no $device on this machine"
		return 0
	fi
	for m in $mounts; do mount_once "$m"; done
	if [ -n "$loghost" ]; then
		# One line goes first: its datagram makes the kernel ask for the log host's next hop.
		logger -t lvs-image "$announce"
		wait_for_neighbour "$loghost" ||
			echo "lvs-image: $service: no ARP answer on the way to $loghost after 2 s; its first lines may not arrive"
	fi
	# $argv is split on purpose: one word per argument (lvs-image writes no word with a space).
	# shellcheck disable=SC2086
	supervise "$service" $argv
	[ -z "$socket" ] || wait_for_socket "$service" "$socket"
}

# start_services PHASE: starts every daemon of PHASE, in the order of their file names.
start_services() {
	for file in /etc/lvs/services/*; do
		[ -f "$file" ] && start_service "$file" "$1"
	done
	return 0
}
